using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Tests that count the thread pool's work items: they run alone, so that no other test adds to the count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SlotThreadCollection
{
    public const string Name = "Slot threads (counts the thread pool's work items)";
}

/// <summary>A local pool's slots run on threads of their own, which read their children in poll(2).</summary>
[Collection(SlotThreadCollection.Name)]
public class SlotThreadTests
{
    [Fact]
    public void ALocalPoolsTasksCostTheThreadPoolNoWork()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        var options = new ProcessPoolOptions { ThrottleLimit = 2 };
        ProcessTask[] tasks = Enumerable.Range(1, 200)
            .Select(i => new ProcessTask(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), "sh", new[] { "-c", "echo out; echo err >&2" }))
            .ToArray();
        ProcessPoolTests.Run(options, tasks.Take(4));

        long before = ThreadPool.CompletedWorkItemCount;
        var rows = ProcessPoolTests.Run(options, tasks);
        long items = ThreadPool.CompletedWorkItemCount - before;

        Assert.Equal(tasks.Length, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.True(row.Succeeded, row.Error);
            Assert.Equal("out", row.StdOut);
            Assert.Equal("err", row.StdErr);
        });

        // Read asynchronously, each task took several work items (its pipes' ends from the epoll thread, the reads'
        // continuations, the exit): at least 3 per task. On slot threads only the pool's start and end take any.
        Assert.True(items < tasks.Length / 4, $"{items} thread-pool work items for {tasks.Length} tasks");
    }

    [Fact]
    public void AStreamThatEndsFirstLeavesTheOtherReadToItsEnd()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // Each stream closes while the other still has lines to come.
        var options = new ProcessPoolOptions { ThrottleLimit = 2 };
        ProcessTaskResult[] rows = ProcessPoolTests.Run(options, new[]
        {
            new ProcessTask(1, "1", "sh", new[] { "-c", "echo early; exec 1>&-; sleep 0.3; echo late >&2" }),
            new ProcessTask(2, "2", "sh", new[] { "-c", "echo early >&2; exec 2>&-; sleep 0.3; echo late" }),
        }).OrderBy(r => r.Seq).ToArray();

        Assert.Equal(("early", "late"), (rows[0].StdOut, rows[0].StdErr));
        Assert.Equal(("late", "early"), (rows[1].StdOut, rows[1].StdErr));
    }

    [Fact]
    public async Task ASlotsAwaitsResumeOnItsOwnNamedThread()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        int first = 0;
        int afterYield = 0;
        int afterDelay = 0;
        string? name = null;
        bool isSlot = false;
        bool background = false;
        SlotThread? slotThread = null;
        await SlotThread.Run("Process pool slot 7", async () =>
        {
            first = Environment.CurrentManagedThreadId;
            name = Thread.CurrentThread.Name;
            background = Thread.CurrentThread.IsBackground;
            slotThread = SlotThread.Current;
            isSlot = slotThread is not null;
            await Task.Yield();
            afterYield = Environment.CurrentManagedThreadId;
            await Task.Delay(20).ConfigureAwait(true);
            afterDelay = Environment.CurrentManagedThreadId;
        }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Process pool slot 7", name);
        Assert.True(isSlot);
        Assert.Null(SlotThread.Current);

        // A slot that never ends must not keep the host process from exiting, and the thread's eventfd is closed as it
        // ends (just after the task completes, so waited for).
        Assert.True(background);
        Assert.True(SpinWait.SpinUntil(() => slotThread!.Wake.Descriptor == -1, TimeSpan.FromSeconds(30)), "the slot thread's eventfd was left open");
        Assert.NotEqual(Environment.CurrentManagedThreadId, first);
        Assert.Equal(first, afterYield);
        Assert.Equal(first, afterDelay);
    }

    [Fact]
    public async Task ASlotsFaultEndsItsTaskWithTheFault()
    {
        Task slot = SlotThread.Run("Process pool slot 8", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("the slot's own fault");
        });

        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => slot.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("the slot's own fault", fault.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // with standard input text, read by the asynchronous readers instead of the slot's thread
    public void OutputHeldOpenOutOfTheKillsReachIsLeftTwoSecondsAfterTheKill(bool withInput)
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // setsid and the shell's exit put the sleep out of the kill's reach (another group, no longer a descendant),
        // and it holds the output open: the reader (the slot thread, or the asynchronous readers) must stop by itself.
        string marker = (withInput ? "61." : "60.") + Environment.ProcessId;
        var options = new ProcessPoolOptions { ThrottleLimit = 1, Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        try
        {
            var task = new ProcessTask(1, "x", "sh", new[] { "-c", $"echo early; setsid sleep {marker} & exit 0" }, withInput ? "in" : null);
            ProcessTaskResult row = Assert.Single(ProcessPoolTests.Run(options, new[] { task }));
            TimeSpan took = clock.Elapsed;
            Assert.True(row.TimedOut);
            Assert.Equal("early", row.StdOut);
            Assert.True(took >= TimeSpan.FromSeconds(2.5), $"the read was left after {took.TotalSeconds:F1} s, before the grace after the kill");
            Assert.True(took < TimeSpan.FromSeconds(15), $"the read was left after {took.TotalSeconds:F1} s");
        }
        finally
        {
            KillByMarker(marker);
        }
    }

    [Fact]
    public void ASignalledWakeMakesTheReaderLookAtItsDeadlineAgain()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ThreadWake wake = ThreadWake.TryCreate()!;
        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo hi; echo there >&2; exec sleep 60" }));
        var stdout = new OutputCapture(1024);
        var stderr = new OutputCapture(1024);
        long abandonAt = long.MaxValue;
        var reader = new Thread(() => child.ReadOutputs(stdout, stderr, wake, () => Volatile.Read(ref abandonAt))) { IsBackground = true };
        reader.Start();

        // The child holds its output open: without a deadline the reader waits.
        Assert.False(reader.Join(TimeSpan.FromMilliseconds(500)), "the reader returned while the output was open");
        Volatile.Write(ref abandonAt, Stopwatch.GetTimestamp());
        wake.Signal();
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "the signalled reader did not leave");
        Assert.Equal("hi", stdout.Text);
        Assert.Equal("there", stderr.Text);
        child.KillTree();
    }

    [Fact]
    public void ASignalThatInterruptsTheReadersPollDoesNotEndItsReading()
    {
        // tgkill needs the reading thread's kernel id, which ThreadCpuClock reads (gettid) where the thread clock works.
        if (!PosixNative.IsSupported || !ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // The .NET runtime installs a handler for SIGCONT in this process, so the signal interrupts a poll(2) with
        // EINTR, as any handled signal can; poll is never restarted after one.
        using ThreadWake wake = ThreadWake.TryCreate()!;
        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo early; sleep 0.8; echo late" }));
        var stdout = new OutputCapture(1024);
        var stderr = new OutputCapture(1024);
        int readerId = 0;
        var reader = new Thread(() =>
        {
            Volatile.Write(ref readerId, ThreadCpuClock.CurrentThreadId());
            child.ReadOutputs(stdout, stderr, wake, () => long.MaxValue);
        }) { IsBackground = true };
        reader.Start();
        while (Volatile.Read(ref readerId) == 0)
        {
            Thread.Sleep(1);
        }

        for (int i = 0; i < 4; i++)
        {
            Thread.Sleep(100);
            Assert.Equal(0, tgkill(Environment.ProcessId, readerId, SIGCONT));
        }

        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader did not leave after the child ended");
        Assert.Equal("early\nlate", stdout.Text);
        Assert.Equal(0, child.WaitForExit().ExitCode);
    }

    [Fact]
    public void ASignalledWakeIsDrainedSoTheReaderSleepsUntilItsOutputMoves()
    {
        if (!PosixNative.IsSupported || !ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // A wake with no new deadline: the reader looks at its deadline, finds none, and sleeps again. A wake left
        // signalled would make every poll return at once, a busy loop for the child's two seconds.
        using ThreadWake wake = ThreadWake.TryCreate()!;
        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "sleep 2; echo done" }));
        var stdout = new OutputCapture(1024);
        var stderr = new OutputCapture(1024);
        double cpuMs = double.NaN;
        var reader = new Thread(() =>
        {
            double before = ThreadCpuClock.NowMs();
            child.ReadOutputs(stdout, stderr, wake, () => long.MaxValue);
            cpuMs = ThreadCpuClock.NowMs() - before;
        }) { IsBackground = true };
        reader.Start();
        Thread.Sleep(200);
        wake.Signal();

        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader did not leave after the child ended");
        Assert.Equal(("done", ""), (stdout.Text, stderr.Text));
        Assert.True(cpuMs < 50, $"the reader used {cpuMs:F0} ms of CPU while the child slept");
        Assert.Equal(0, child.WaitForExit().ExitCode);
    }

    [Fact]
    public void AReaderWithADeadlineAheadLeavesWhenItPasses()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using ThreadWake wake = ThreadWake.TryCreate()!;
        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exec sleep 60" }));
        long abandonAt = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 5);
        var clock = Stopwatch.StartNew();
        child.ReadOutputs(new OutputCapture(16), new OutputCapture(16), wake, () => abandonAt);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"left after {clock.Elapsed.TotalMilliseconds:F0} ms");
        child.KillTree();
        Assert.Equal(9, child.WaitForExit().Signal);
    }

    [Fact]
    public void APollTimeoutIsNeverForNoDeadlineZeroOncePassedAndRoundedUp()
    {
        Assert.Equal(-1, EventLoopSynchronizationContext.MillisecondsUntil(long.MaxValue));
        Assert.Equal(0, EventLoopSynchronizationContext.MillisecondsUntil(Stopwatch.GetTimestamp()));
        Assert.Equal(0, EventLoopSynchronizationContext.MillisecondsUntil(Stopwatch.GetTimestamp() - Stopwatch.Frequency));
        int ahead = EventLoopSynchronizationContext.MillisecondsUntil(Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3 / 2000));
        Assert.InRange(ahead, 1, 2);
        Assert.InRange(EventLoopSynchronizationContext.MillisecondsUntil(Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 5)), 4900, 5000);
    }

    [Fact]
    public void AnAppendedCaptureKeepsAndCountsAsAReadWould()
    {
        var capture = new OutputCapture(4);
        capture.Append(new byte[] { (byte)'a', (byte)'b', (byte)'c' }, 2);
        capture.Append(new byte[] { (byte)'c', (byte)'d', (byte)'e' }, 3);
        Assert.Equal(5, capture.TotalBytes);
        Assert.True(capture.Truncated);
        Assert.Equal("abcd", capture.Text);
        Assert.Throws<InvalidOperationException>(() => new OutputCapture(4, _ => default).Append(new byte[1], 1));
    }

    private const int SIGCONT = 18;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int tgkill(int tgid, int tid, int sig);

    private static void KillByMarker(string marker)
    {
        foreach (string directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    PosixNative.kill(pid, PosixNative.SIGKILL);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }
    }
}
