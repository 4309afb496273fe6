using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// The reaper's bookkeeping: each exit is handed to its waiter once, the child's pidfd is closed after it, every
/// wake-up is counted, exits reported together are each found, and the reaper's thread is named. These tests
/// read this process's descriptors and hold the reaper's thread for a moment, so they run alone (the live-children
/// collection): another test's children would open descriptors or wait behind the held thread.
/// </summary>
[Collection(LiveChildrenCollection.Name)]
public sealed class ChildReaperBookkeepingTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    // What an own reaper's tests wait at most: a lost exit ends them soon.
    private static readonly TimeSpan ShortGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EachExitIsHandedOnceAndItsDescriptorIsClosed()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ChildProcess first = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "307" }));
        using ChildProcess second = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "307" }));
        long wakeUps = ChildReaper.Shared.WakeUps;
        List<int> before = PidfdsOf(first.Id);
        int calls = 0;
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(ChildReaper.Shared.TryWatch(first.Id, () =>
        {
            Interlocked.Increment(ref calls);
            firstEnded.TrySetResult();
        }));
        int watching = Assert.Single(PidfdsOf(first.Id).Except(before));

        first.KillTree();
        await firstEnded.Task.WaitAsync(HangGuard);

        Assert.True(ChildReaper.Shared.WakeUps > wakeUps);
        Assert.DoesNotContain(watching, PidfdsOf(first.Id));

        // A later wake-up hands over only its own exits, not the first one again.
        var secondEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(ChildReaper.Shared.TryWatch(second.Id, () => secondEnded.TrySetResult()));
        second.KillTree();
        await secondEnded.Task.WaitAsync(HangGuard);
        await first.WaitForExitAsync().WaitAsync(HangGuard);
        await second.WaitForExitAsync().WaitAsync(HangGuard);
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task ExitsReportedInOneWakeUpAreEachHandedToTheirWaiter()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ChildProcess holder = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "308" }));
        ChildProcess[] others = Enumerable.Range(0, 3).Select(_ => ChildProcess.Start(new ChildStartInfo("sleep", new[] { "308" }))).ToArray();
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // The first exit's callback holds the reaper's thread until the others have all ended, so that the
            // next wait reports them together, in one batch.
            Assert.True(ChildReaper.Shared.TryWatch(holder.Id, () =>
            {
                holding.TrySetResult();
                release.Wait(HangGuard);
            }));
            Task[] ended = others.Select(child =>
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Assert.True(ChildReaper.Shared.TryWatch(child.Id, () => done.TrySetResult()));
                return (Task)done.Task;
            }).ToArray();

            holder.KillTree();
            await holding.Task.WaitAsync(HangGuard);
            foreach (ChildProcess child in others)
            {
                child.KillTree();
            }

            Assert.True(SpinWait.SpinUntil(() => others.All(child => IsZombie(child.Id)), HangGuard));
            release.Set();

            await Task.WhenAll(ended).WaitAsync(HangGuard);
        }
        finally
        {
            release.Set();
            foreach (ChildProcess child in others)
            {
                child.Dispose();
            }
        }
    }

    [Fact]
    public void TheReapersThreadIsNamed()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "309" }));
        Assert.True(ChildReaper.Shared.TryWatch(child.Id, () => { }));

        Assert.Contains("Child reaper", ProcSelf.ThreadNames());
    }

    [Fact]
    public async Task AReaperOfItsOwnWatchesEachChildUntilItEndsAndWakesOncePerExit()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var reaper = new ChildReaper();
        using ChildProcess first = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "310" }));
        using ChildProcess second = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "310" }));
        Assert.Null(reaper.ReaperThread);
        List<int> before = PidfdsOf(first.Id);
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(reaper.TryWatch(first.Id, () => firstEnded.TrySetResult()));
        Assert.True(reaper.TryWatch(second.Id, () => secondEnded.TrySetResult()));
        Assert.Equal(2, reaper.Watched);
        int watching = Assert.Single(PidfdsOf(first.Id).Except(before));
        Assert.Equal(0, reaper.WakeUps);

        first.KillTree();
        await firstEnded.Task.WaitAsync(ShortGuard);
        Assert.Equal(1, reaper.WakeUps);
        Assert.Equal(1, reaper.Watched);
        Assert.DoesNotContain(watching, PidfdsOf(first.Id));
        Assert.False(secondEnded.Task.IsCompleted);

        second.KillTree();
        await secondEnded.Task.WaitAsync(ShortGuard);
        Assert.Equal(2, reaper.WakeUps);
        Assert.Equal(0, reaper.Watched);
    }

    [Fact]
    public async Task AChildThatCannotBeWatchedIsRefusedAndTheNextOneIsWatched()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // No process has this id (pidfd_open fails with ESRCH or EINVAL): that child is refused, not the kernel's pidfds.
        using var reaper = new ChildReaper();
        int calls = 0;
        Assert.False(reaper.TryWatch(int.MaxValue, () => Interlocked.Increment(ref calls)));
        Assert.Equal(0, reaper.Watched);

        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "311" }));
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(reaper.TryWatch(child.Id, () => ended.TrySetResult()));
        child.KillTree();
        await ended.Task.WaitAsync(ShortGuard);
        Assert.Equal(0, Volatile.Read(ref calls));
    }

    [Fact]
    public void AReapersThreadIsANamedBackgroundThreadAndDisposingItStopsItAndClosesItsDescriptors()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // A reaper that never watched a child has no thread to stop.
        new ChildReaper().Dispose();

        var reaper = new ChildReaper();
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "312" }));
        int epolls = CountDescriptors("anon_inode:[eventpoll]");
        int wakes = CountDescriptors("anon_inode:[eventfd]");
        int calls = 0;
        Assert.True(reaper.TryWatch(child.Id, () => Interlocked.Increment(ref calls)));
        Thread thread = reaper.ReaperThread!;
        Assert.NotNull(thread);
        Assert.True(thread.IsAlive);
        Assert.True(thread.IsBackground);
        Assert.Equal("Child reaper", thread.Name);
        Assert.Equal(epolls + 1, CountDescriptors("anon_inode:[eventpoll]"));
        Assert.Equal(wakes + 1, CountDescriptors("anon_inode:[eventfd]"));
        Assert.Single(PidfdsOf(child.Id));

        reaper.Dispose();
        Assert.False(thread.IsAlive);
        Assert.Equal(epolls, CountDescriptors("anon_inode:[eventpoll]"));
        Assert.Equal(wakes, CountDescriptors("anon_inode:[eventfd]"));
        Assert.Empty(PidfdsOf(child.Id));
        Assert.False(reaper.TryWatch(child.Id, () => Interlocked.Increment(ref calls)));
        reaper.Dispose();

        child.KillTree();
        Assert.True(child.WaitForExit(ShortGuard));
        Assert.Equal(0, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task DisposingAReaperWaitsForTheCallbackItsThreadRuns()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        var reaper = new ChildReaper();
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "315" }));
        using var release = new ManualResetEventSlim();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(reaper.TryWatch(child.Id, () =>
        {
            running.TrySetResult();
            release.Wait(HangGuard);
        }));
        child.KillTree();
        await running.Task.WaitAsync(ShortGuard);
        Thread thread = reaper.ReaperThread!;

        Task disposed = Task.Run(reaper.Dispose);
        await Task.Delay(300);
        Assert.False(disposed.IsCompleted, "Dispose returned while its thread still ran a callback");
        Assert.True(thread.IsAlive);

        release.Set();
        await disposed.WaitAsync(ShortGuard);
        Assert.False(thread.IsAlive);
    }

    [Fact]
    public async Task AReapersThreadSleepsWhileItsChildrenRun()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var reaper = new ChildReaper();
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "313" }));
        Assert.True(reaper.TryWatch(child.Id, () => { }));
        Assert.True(SpinWait.SpinUntil(() => reaper.ThreadId != 0, ShortGuard));
        string status = $"/proc/self/task/{reaper.ThreadId}/status";

        // A thread blocked in epoll_wait is switched out once and stays asleep; one that polls with a timeout is
        // switched in and out at every turn.
        await Task.Delay(100);
        long before = ContextSwitches(status);
        await Task.Delay(500);
        long during = ContextSwitches(status) - before;

        Assert.InRange(during, 0, 5);
        Assert.Equal(0, reaper.WakeUps);
    }

    [Fact]
    public async Task AnEntryLeftFromAnEarlierBatchIsNotTakenForALaterChild()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var reaper = new ChildReaper();
        var children = new List<ChildProcess>();
        var fillers = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        using var release = new ManualResetEventSlim();
        try
        {
            ChildProcess Start()
            {
                ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "314" }));
                children.Add(child);
                return child;
            }

            (ChildProcess Child, Task Ended, List<int> Pidfds) Watch(ChildProcess child, Action? also = null)
            {
                List<int> before = PidfdsOf(child.Id);
                var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Assert.True(reaper.TryWatch(child.Id, () =>
                {
                    ended.TrySetResult();
                    also?.Invoke();
                }));
                return (child, ended.Task, PidfdsOf(child.Id).Except(before).ToList());
            }

            // Every child is started first (its pipes take descriptors), then watched.
            ChildProcess[] started = Enumerable.Range(0, 6).Select(_ => Start()).ToArray();

            // The holder's exit holds the reaper's thread until A and B have ended, so that the next wait reports the
            // two in one batch.
            var holder = Watch(started[0], () => release.Wait(HangGuard));
            var a = Watch(started[1]);
            var b = Watch(started[2]);
            var c = Watch(started[3]);
            var freed = new HashSet<int>(a.Pidfds.Concat(b.Pidfds));
            Assert.Equal(2, freed.Count);

            holder.Child.KillTree();
            await holder.Ended.WaitAsync(ShortGuard);

            // With the holder's pidfd closed, every free number below A's and B's pidfds is taken, so that the next two pidfds take theirs once closed.
            while (fillers.Count < 100_000 && (fillers.Count == 0 || (int)fillers[^1].DangerousGetHandle() < freed.Max()))
            {
                fillers.Add(File.OpenHandle("/dev/null"));
            }

            a.Child.KillTree();
            b.Child.KillTree();
            Assert.True(SpinWait.SpinUntil(() => IsZombie(a.Child.Id) && IsZombie(b.Child.Id), ShortGuard));
            release.Set();
            await Task.WhenAll(a.Ended, b.Ended).WaitAsync(ShortGuard);
            Assert.Equal(2, reaper.WakeUps);

            var d = Watch(started[4]);
            var e = Watch(started[5]);
            Assert.Equal(freed.Order(), d.Pidfds.Concat(e.Pidfds).Order());

            // C's exit is reported alone; the batch's second entry still holds A's or B's pidfd from the batch before,
            // now D's or E's, running children that must not be taken for ended.
            c.Child.KillTree();
            await c.Ended.WaitAsync(ShortGuard);
            await Task.Delay(200);
            Assert.Equal(3, reaper.WakeUps);
            Assert.False(d.Ended.IsCompleted);
            Assert.False(e.Ended.IsCompleted);
        }
        finally
        {
            release.Set();
            foreach (ChildProcess child in children)
            {
                child.KillTree();
                child.Dispose();
            }

            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    private static int CountDescriptors(string target)
    {
        int count = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == target)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return count;
    }

    private static long ContextSwitches(string status) =>
        File.ReadAllLines(status)
            .Where(line => line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>This process's pidfds that refer to <paramref name="pid"/> (the kernel names the process in the descriptor's fdinfo).</summary>
    private static List<int> PidfdsOf(int pid)
    {
        var found = new List<int>();
        foreach (string info in Directory.EnumerateFiles("/proc/self/fdinfo"))
        {
            string? text = ReadOrNull(info);
            if (text is not null && int.TryParse(Path.GetFileName(info), out int fd)
                && text.Split('\n').Any(line => line.StartsWith("Pid:", StringComparison.Ordinal) && line[4..].Trim() == pid.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                found.Add(fd);
            }
        }

        return found;
    }

    private static bool IsZombie(int pid)
    {
        string? stat = ReadOrNull($"/proc/{pid}/stat");
        return stat is not null && stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
