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

    [Fact]
    public async Task EachExitIsHandedOnceAndItsDescriptorIsClosed()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ChildProcess first = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "307" }));
        using ChildProcess second = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "307" }));
        long wakeUps = ChildReaper.WakeUps;
        List<int> before = PidfdsOf(first.Id);
        int calls = 0;
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(ChildReaper.TryWatch(first.Id, () =>
        {
            Interlocked.Increment(ref calls);
            firstEnded.TrySetResult();
        }));
        int watching = Assert.Single(PidfdsOf(first.Id).Except(before));

        first.KillTree();
        await firstEnded.Task.WaitAsync(HangGuard);

        Assert.True(ChildReaper.WakeUps > wakeUps);
        Assert.DoesNotContain(watching, PidfdsOf(first.Id));

        // A later wake-up hands over only its own exits, not the first one again.
        var secondEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(ChildReaper.TryWatch(second.Id, () => secondEnded.TrySetResult()));
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
            Assert.True(ChildReaper.TryWatch(holder.Id, () =>
            {
                holding.TrySetResult();
                release.Wait(HangGuard);
            }));
            Task[] ended = others.Select(child =>
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Assert.True(ChildReaper.TryWatch(child.Id, () => done.TrySetResult()));
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
        Assert.True(ChildReaper.TryWatch(child.Id, () => { }));

        List<string> names = Directory.EnumerateDirectories("/proc/self/task")
            .Select(task => ReadOrNull(Path.Combine(task, "comm"))?.Trim() ?? string.Empty)
            .ToList();
        Assert.Contains("Child reaper", names);
    }

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
