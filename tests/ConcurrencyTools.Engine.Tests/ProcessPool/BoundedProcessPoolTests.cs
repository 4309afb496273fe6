using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.ProcessPool;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.ProcessPool;

/// <summary>
/// The pool's bookkeeping over runners that start no process: its counts and progress, halting, retries, the rows
/// of tasks that did not run, its sizes (slots, input queue, reorder window), and how it stops.
/// </summary>
public class BoundedProcessPoolTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    private static ProcessTask Task(int seq) => new(seq, seq.ToString(CultureInfo.InvariantCulture), "fake", Array.Empty<string>());

    // Feeds the pool and takes its rows as the cmdlet does.
    private static List<ProcessTaskResult> Drain(BoundedProcessPool pool, IEnumerable<ProcessTask>? tasks = null) => ProcessPoolTests.Drain(pool, tasks);

    private static void WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < HangGuard, "the condition never came true");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void AHaltedPoolCountsEveryKindOfRowAndSaysWhyTheRestWereSkipped()
    {
        // One slot, so the order is fixed: task 1 succeeds, task 2 fails, the policy halts after one failure.
        var runner = new ScriptedRunner("here", 1, (task, attempt) => task.Seq == 2 ? Outcome.Fail : Outcome.Succeed);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { HaltAfter = HaltPolicy.AfterFailures(1), KeepOrder = true }, new[] { runner });
        Assert.False(pool.IsHalted);
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 5).Select(Task));

        Assert.True(pool.IsHalted);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, rows.Select(r => r.Seq));
        Assert.True(rows[0].Succeeded);
        Assert.False(rows[1].Succeeded || rows[1].Skipped);
        Assert.All(rows.Skip(2), row =>
        {
            Assert.True(row.Skipped);
            Assert.Equal("Not started: the pool halted after 1 of 2 tasks failed (HaltAfter 1).", row.Error);
            Assert.Equal(Environment.MachineName, row.ComputerName);
            Assert.Equal((0, 0), (row.Slot, row.Attempt));
            Assert.Null(row.QueueWaitMs);
        });
        Assert.Equal(2, runner.Calls);

        ProcessPoolProgress progress = pool.GetProgress();
        Assert.Equal((5L, 5L, 0, 1L, 3L, true), (progress.Arrived, progress.Completed, progress.Running, progress.Failed, progress.Skipped, progress.InputComplete));
        Assert.Equal("5 of 5 done, 0 running, 1 failed, 3 skipped", progress.Describe());
    }

    [Fact]
    public void AHaltLastsWhenTasksThatWereRunningFailAfterIt()
    {
        // Both slots hold a failing task when the first one halts the pool; the second failure must not undo it.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedRunner("here", 2, (_, _) => Outcome.Fail, release.Task);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { HaltAfter = HaltPolicy.AfterFailures(1) }, new[] { runner });
        Assert.True(pool.TryAdd(Task(1)));
        Assert.True(pool.TryAdd(Task(2)));
        WaitUntil(() => runner.Inside == 2);
        release.SetResult();
        WaitUntil(() => pool.GetProgress().Completed == 2);
        Assert.True(pool.IsHalted);

        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(3, 4).Select(Task));
        Assert.Equal(2, runner.Calls);
        Assert.All(rows.Where(r => r.Seq > 2), row => Assert.True(row.Skipped));
        Assert.Equal(6, rows.Count);
    }

    /// <summary>
    /// A pool over two hosts of one slot each: the host that takes the first task fails on it after 300 ms (while the
    /// other host's slot waits), and every later attempt succeeds.
    /// </summary>
    private static BoundedProcessPool PoolWhoseFirstTaskBreaksItsHostLater(ProcessPoolOptions options)
    {
        int calls = 0;
        Outcome FirstCallBreaksTheHost(ProcessTask task, int attempt) =>
            Interlocked.Increment(ref calls) > 1 ? Outcome.Succeed : Outcome.HostFailsAfterStart;
        Task failLater = System.Threading.Tasks.Task.Delay(300);
        return new BoundedProcessPool(
            options,
            new IProcessRunner[] { new ScriptedRunner("a", 1, FirstCallBreaksTheHost, failLater), new ScriptedRunner("b", 1, FirstCallBreaksTheHost, failLater) });
    }

    [Fact]
    public void AFailedHostsTaskRunsAtOnceWhileTheInputStaysOpen()
    {
        // The host that takes the task fails only after a while, when the other host's slot waits for input that has
        // not ended; that slot must be woken for the task put back.
        using BoundedProcessPool pool = PoolWhoseFirstTaskBreaksItsHostLater(new ProcessPoolOptions());
        Assert.True(pool.TryAdd(Task(1)));

        ProcessTaskResult? row = null;
        WaitUntil(() => pool.TryTakeResult(out row));
        Assert.True(row!.Succeeded);
        Assert.Equal(2, row.Attempt);
        pool.CompleteAdding();
        Assert.Empty(Drain(pool));
    }

    [Fact]
    public void SlotsWokenForAFailedHostsTaskGiveBackTheWindowPlacesTheyHeld()
    {
        // Three slots and a window of three places: before the host fails, each slot holds a place, one for the
        // task and two waiting for input that has not ended. Woken for the task put back, the two waiting slots
        // must give their places back; kept, the two slots left could never run two tasks at once again.
        int calls = 0;
        int inFlight = 0;
        int peak = 0;
        using var release = new ManualResetEventSlim();
        Outcome Script(ProcessTask task, int attempt)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Outcome.HostFailsAfterStart;
            }

            if (task.Seq > 1)
            {
                int now = Interlocked.Increment(ref inFlight);
                int seen;
                while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
                {
                }

                release.Wait(HangGuard);
                Interlocked.Decrement(ref inFlight);
            }

            return Outcome.Succeed;
        }

        Task failLater = System.Threading.Tasks.Task.Delay(300);
        using var pool = new BoundedProcessPool(
            new ProcessPoolOptions { KeepOrder = true, ReorderWindow = 3 },
            new IProcessRunner[] { new ScriptedRunner("a", 1, Script, failLater), new ScriptedRunner("b", 2, Script, failLater) });
        Assert.True(pool.TryAdd(Task(1)));
        ProcessTaskResult? first = null;
        WaitUntil(() => pool.TryTakeResult(out first));
        Assert.True(first!.Succeeded);
        Assert.Equal(2, first.Attempt);

        Assert.True(pool.TryAdd(Task(2)));
        Assert.True(pool.TryAdd(Task(3)));
        bool both = SpinWait.SpinUntil(() => Volatile.Read(ref peak) == 2, TimeSpan.FromSeconds(30));
        release.Set();
        Assert.True(both, $"the two slots left ran {Volatile.Read(ref peak)} task(s) at once, not 2");
        pool.CompleteAdding();
        Assert.Equal(new long[] { 2, 3 }, Drain(pool).Select(r => r.Seq));
    }

    [Fact]
    public void ASlotWokenWhileItWaitsForTheLastTasksGivesBackNoPlaceItDoesNotHold()
    {
        // The input has ended: the slot that did not take the task looks for work every 50 ms, holding no window place
        // in between. Woken there for the task put back, it must not give a place back: the window would then hold
        // more places than it has once the task ends and gives its own back.
        using BoundedProcessPool pool = PoolWhoseFirstTaskBreaksItsHostLater(new ProcessPoolOptions { KeepOrder = true, ReorderWindow = 2 });

        ProcessTaskResult row = Drain(pool, new[] { Task(1) }).Single();
        Assert.True(row.Succeeded);
        Assert.Equal(2, row.Attempt);
        Assert.True(pool.IsCompleted);
    }

    [Fact]
    public void APoolIsNotCompleteUntilItsLinesAreTaken()
    {
        var runner = new ScriptedRunner("here", 1, (_, _) => Outcome.Succeed) { Lines = 3 };
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { StreamLines = true }, new[] { runner });
        Assert.True(pool.TryAdd(Task(1)));
        pool.CompleteAdding();
        ProcessTaskResult? row = null;
        WaitUntil(() => pool.TryTakeResult(out row));

        // Every row is taken, but not the lines: the pool is not done.
        Assert.False(SpinWait.SpinUntil(() => pool.IsCompleted, TimeSpan.FromMilliseconds(300)));
        var lines = new List<string>();
        WaitUntil(() =>
        {
            while (pool.TryTakeLine(out ProcessOutputLine line))
            {
                lines.Add(line.Line);
            }

            return pool.IsCompleted;
        });
        Assert.Equal(new[] { "line 1", "line 2", "line 3" }, lines);
    }

    [Fact]
    public void AReorderWindowOfOnePlaceStillEndsWithManySlots()
    {
        var runner = new ScriptedRunner("here", 3, (_, _) => Outcome.Succeed);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true, ReorderWindow = 1 }, new[] { runner });
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 10).Select(Task));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), rows.Select(r => r.Seq));
    }

    [Fact]
    public void DisposingReturnsOnlyOnceTheAttemptsHaveEndedAndTheRunnersAreStopped()
    {
        var runner = new ScriptedRunner("a", 2, (_, _) => Outcome.Succeed, new TaskCompletionSource().Task) { SlowToStop = true };
        var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        Assert.True(pool.TryAdd(Task(1)));
        Assert.True(pool.TryAdd(Task(2)));
        WaitUntil(() => runner.Inside == 2);

        Assert.True(System.Threading.Tasks.Task.Run(pool.Dispose).Wait(HangGuard), "Dispose did not stop the running attempts");
        Assert.Equal(0, runner.Inside);
        Assert.Equal(2, runner.Cancelled);
        Assert.Equal(1, runner.Disposals);
        Assert.False(pool.TryTakeResult(out _));

        // A disposed pool takes no more tasks, and a stop that comes after (Ctrl+C once an error disposed it) is harmless.
        Assert.False(pool.TryAdd(Task(3)));
        Assert.Equal(2, pool.GetProgress().Arrived);
        pool.Cancel();
    }

    [Fact]
    public void ProgressFollowsTheInputAndTheTasksThatRun()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedRunner("here", 3, (_, _) => Outcome.Succeed, release.Task);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        ProcessPoolProgress empty = pool.GetProgress();
        Assert.Equal((0L, 0L, 0, false), (empty.Arrived, empty.Completed, empty.Running, empty.InputComplete));

        for (int i = 1; i <= 4; i++)
        {
            Assert.True(pool.TryAdd(Task(i)));
        }

        WaitUntil(() => runner.Inside == 3);
        ProcessPoolProgress busy = pool.GetProgress();
        Assert.Equal((4L, 0L, 3, 0L, false), (busy.Arrived, busy.Completed, busy.Running, busy.Failed, busy.InputComplete));
        Assert.Equal(3, pool.PeakRunning);

        pool.CompleteAdding();
        Assert.True(pool.GetProgress().InputComplete);
        release.SetResult();
        List<ProcessTaskResult> rows = Drain(pool);
        Assert.Equal(4, rows.Count);
        ProcessPoolProgress done = pool.GetProgress();
        Assert.Equal((4L, 4L, 0, 0L, 0L), (done.Arrived, done.Completed, done.Running, done.Failed, done.Skipped));
        Assert.Equal(3, pool.PeakRunning);
        Assert.All(rows, row => Assert.True(row.QueueWaitMs >= 0));
    }

    [Fact]
    public void AFailedAttemptIsRetriedUpToTheRetryCountOnTheSameSlot()
    {
        // Fails twice, then succeeds.
        var runner = new ScriptedRunner("here", 1, (_, attempt) => attempt < 3 ? Outcome.Fail : Outcome.Succeed);
        ProcessTaskResult row = Run(new ProcessPoolOptions { RetryCount = 5 }, runner, Task(1)).Single();
        Assert.True(row.Succeeded);
        Assert.Equal(3, row.Attempt);
        Assert.Equal(new[] { (1L, 1, 1), (1L, 1, 2), (1L, 1, 3) }, runner.Attempts.OrderBy(a => a.Attempt));
        Assert.NotNull(row.QueueWaitMs);

        // Two retries allowed: three attempts, the last one's row.
        runner = new ScriptedRunner("here", 1, (_, _) => Outcome.Fail);
        row = Run(new ProcessPoolOptions { RetryCount = 2 }, runner, Task(1)).Single();
        Assert.False(row.Succeeded);
        Assert.Equal(3, row.Attempt);
        Assert.Equal(3, runner.Calls);

        // None allowed: one attempt.
        runner = new ScriptedRunner("here", 1, (_, _) => Outcome.Fail);
        row = Run(new ProcessPoolOptions(), runner, Task(1)).Single();
        Assert.Equal(1, row.Attempt);
        Assert.Equal(1, runner.Calls);

        // A task that could not start is not retried: it would not start the next time either.
        runner = new ScriptedRunner("here", 1, (_, _) => Outcome.CannotStart);
        row = Run(new ProcessPoolOptions { RetryCount = 5 }, runner, Task(1)).Single();
        Assert.Equal(1, runner.Calls);
        Assert.Null(row.ProcessId);

        // A success is never retried.
        runner = new ScriptedRunner("here", 1, (_, _) => Outcome.Succeed);
        Run(new ProcessPoolOptions { RetryCount = 5 }, runner, Task(1));
        Assert.Equal(1, runner.Calls);
    }

    [Fact]
    public void ARowWithoutARunSaysWhyAndWhere()
    {
        var runner = new ScriptedRunner("remote", 2, (task, _) => task.Seq == 3 ? Outcome.Throw : Outcome.Succeed);
        ProcessTask unprepared = new(2, "two", "fake", Array.Empty<string>()) { PreparationError = "no property 'Name'" };
        List<ProcessTaskResult> rows = Run(new ProcessPoolOptions { KeepOrder = true }, runner, Task(1), unprepared, Task(3));

        ProcessTaskResult notPrepared = rows[1];
        Assert.Equal(("no property 'Name'", MachineInfo.MachineName, false, false), (notPrepared.Error, notPrepared.ComputerName, notPrepared.Succeeded, notPrepared.Skipped));
        Assert.InRange(notPrepared.Slot, 1, 2);
        Assert.Equal(0, notPrepared.Attempt);
        Assert.Null(notPrepared.QueueWaitMs);

        ProcessTaskResult faulted = rows[2];
        Assert.Equal(("InvalidOperationException: the runner broke", "remote", false), (faulted.Error, faulted.ComputerName, faulted.Succeeded));
        Assert.InRange(faulted.Slot, 1, 2);
        Assert.NotNull(faulted.QueueWaitMs);
        Assert.DoesNotContain(runner.Attempts, a => a.Seq == 2);
    }

    [Fact]
    public void AnUnpreparedTaskCountsAsFailedForTheHaltPolicy()
    {
        var runner = new ScriptedRunner("here", 1, (_, _) => Outcome.Succeed);
        ProcessTask unprepared = new(1, "one", "fake", Array.Empty<string>()) { PreparationError = "why" };
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { HaltAfter = HaltPolicy.AfterFailures(1) }, new[] { runner });
        List<ProcessTaskResult> rows = Drain(pool, new[] { unprepared, Task(2) });
        Assert.True(rows.Single(r => r.Seq == 2).Skipped);
        Assert.Equal(0, runner.Calls);
        Assert.Equal((1L, 1L), (pool.GetProgress().Failed, pool.GetProgress().Skipped));
    }

    [Fact]
    public void ThePoolsSizesFollowItsSlots()
    {
        var two = new ScriptedRunner("a", 2, (_, _) => Outcome.Succeed);
        var three = new ScriptedRunner("b", 3, (_, _) => Outcome.Succeed);
        using (var pool = new BoundedProcessPool(new ProcessPoolOptions(), new IProcessRunner[] { two, three }))
        {
            Assert.Equal(5, pool.TotalSlots);
            Assert.Equal(0, pool.ReorderWindow);
        }

        using (var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true }, new[] { new ScriptedRunner("a", 20, (_, _) => Outcome.Succeed) }))
        {
            Assert.Equal(320, pool.ReorderWindow);
        }

        using (var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true }, new[] { new ScriptedRunner("a", 2, (_, _) => Outcome.Succeed) }))
        {
            Assert.Equal(256, pool.ReorderWindow);
        }

        using (var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true, ReorderWindow = 7 }, new[] { new ScriptedRunner("a", 2, (_, _) => Outcome.Succeed) }))
        {
            Assert.Equal(7, pool.ReorderWindow);
        }

        using (var local = new BoundedProcessPool(new ProcessPoolOptions { ThrottleLimit = 3 }))
        {
            Assert.Equal(3, local.TotalSlots);
        }
    }

    [Fact]
    public void TheInputQueueHoldsFourTasksPerSlotBeyondSixteenSlots()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedRunner("here", 20, (_, _) => Outcome.Succeed, release.Task);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        int added = 0;
        while (added < 1000 && pool.TryAdd(Task(added + 1)))
        {
            added++;
        }

        // Once every slot holds a task, the queue behind them is full at 4 x 20.
        WaitUntil(() => runner.Inside == 20);
        while (added < 1000 && pool.TryAdd(Task(added + 1)))
        {
            added++;
        }

        Assert.Equal(20 + 80, added);
        release.SetResult();
        pool.CompleteAdding();
        Assert.Equal(100, Drain(pool).Count);
    }

    [Fact]
    public void TasksAreRefusedAfterTheInputEndedAndMustNotBeNull()
    {
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { new ScriptedRunner("a", 1, (_, _) => Outcome.Succeed) });
        Assert.Throws<ArgumentNullException>(() => pool.TryAdd(null!));
        pool.CompleteAdding();
        var error = Assert.Throws<InvalidOperationException>(() => pool.TryAdd(Task(1)));
        Assert.Equal("No task can be added after CompleteAdding.", error.Message);
        Assert.Empty(Drain(pool));
        Assert.Throws<ArgumentNullException>(() => new BoundedProcessPool(null!));
    }

    [Fact]
    public void CancellingStopsTheRunningTasksAndDisposingStopsTheRunnersOnce()
    {
        var runner = new ScriptedRunner("a", 2, (_, _) => Outcome.Succeed, new TaskCompletionSource().Task);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        Assert.True(pool.TryAdd(Task(1)));
        Assert.True(pool.TryAdd(Task(2)));
        Assert.True(pool.TryAdd(Task(3)));
        WaitUntil(() => runner.Inside == 2);

        pool.Cancel();
        WaitUntil(() => pool.IsCompleted);
        Assert.Equal(2, runner.Cancelled);
        Assert.False(pool.TryTakeResult(out _));
        Assert.Equal(2, runner.Calls);

        pool.Dispose();
        pool.Dispose();
        Assert.Equal(1, runner.Disposals);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AHostThatFailsCountsTheAttemptOnlyIfItStartedThere(bool attemptStarted)
    {
        // Whichever host takes the task first fails on it; the other host then runs it.
        int calls = 0;
        Outcome FirstCallBreaksTheHost(ProcessTask task, int attempt) =>
            Interlocked.Increment(ref calls) > 1 ? Outcome.Succeed : attemptStarted ? Outcome.HostFailsAfterStart : Outcome.HostFailsBeforeStart;
        var a = new ScriptedRunner("a", 1, FirstCallBreaksTheHost);
        var b = new ScriptedRunner("b", 1, FirstCallBreaksTheHost);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new IProcessRunner[] { a, b });
        ProcessTaskResult row = Drain(pool, new[] { Task(1) }).Single();

        Assert.True(pool.TryTakeHostFailure(out HostFailedException failure));
        Assert.False(pool.TryTakeHostFailure(out _));
        Assert.Equal(attemptStarted, failure.AttemptStarted);
        Assert.NotEqual(failure.ComputerName, row.ComputerName);
        Assert.True(row.Succeeded);
        Assert.Equal(attemptStarted ? 2 : 1, row.Attempt);
        Assert.Equal(2, calls);
    }

    private static List<ProcessTaskResult> Run(ProcessPoolOptions options, IProcessRunner runner, params ProcessTask[] tasks)
    {
        using var pool = new BoundedProcessPool(options, new[] { runner });
        return Drain(pool, tasks);
    }

    private enum Outcome
    {
        Succeed,
        Fail,
        CannotStart,
        Throw,
        HostFailsBeforeStart,
        HostFailsAfterStart,
    }

    /// <summary>A runner whose every attempt ends as its script says, after <c>gate</c> (if any) completes or the pool stops it.</summary>
    private sealed class ScriptedRunner : IProcessRunner, IDisposable
    {
        private readonly Func<ProcessTask, int, Outcome> _script;
        private readonly Task? _gate;
        private int _calls;
        private int _inside;
        private int _cancelled;
        private int _disposals;

        public ScriptedRunner(string name, int slots, Func<ProcessTask, int, Outcome> script, Task? gate = null)
        {
            ComputerName = name;
            Slots = slots;
            _script = script;
            _gate = gate;
        }

        public string ComputerName { get; }

        public int Slots { get; }

        public int Calls => Volatile.Read(ref _calls);

        public int Inside => Volatile.Read(ref _inside);

        public int Cancelled => Volatile.Read(ref _cancelled);

        public int Disposals => Volatile.Read(ref _disposals);

        public ConcurrentBag<(long Seq, int Slot, int Attempt)> Attempts { get; } = new();

        /// <summary>Output lines each attempt writes before it ends.</summary>
        public int Lines { get; init; }

        /// <summary>Whether a cancelled attempt (300 ms), and Dispose (100 ms), take a moment to end (as a killed process tree does).</summary>
        public bool SlowToStop { get; init; }

        public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Attempts.Add((task.Seq, slot, attempt));
            Interlocked.Increment(ref _inside);
            try
            {
                if (_gate is not null)
                {
                    try
                    {
                        await _gate.WaitAsync(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref _cancelled);
                        if (SlowToStop)
                        {
                            // Awaited, so the pool's Cancel, which runs this continuation, returns before the attempt ends.
                            await System.Threading.Tasks.Task.Delay(300, CancellationToken.None);
                        }

                        throw;
                    }
                }

                for (int i = 1; i <= Lines; i++)
                {
                    await onLine!.WriteAsync(new ProcessOutputLine(task.Seq, attempt, 1, "StdOut", $"line {i}"));
                }

                Outcome outcome = _script(task, attempt);
                return outcome switch
                {
                    Outcome.Succeed => new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, ProcessId = 1, ExitCode = 0, Succeeded = true },
                    Outcome.Fail => new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, ProcessId = 1, ExitCode = 1 },
                    Outcome.CannotStart => new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, Error = "not found" },
                    Outcome.Throw => throw new InvalidOperationException("the runner broke"),
                    Outcome.HostFailsBeforeStart => throw new HostFailedException(ComputerName, "SessionFailed", "gone", attemptStarted: false),
                    _ => throw new HostFailedException(ComputerName, "SessionFailed", "gone", attemptStarted: true),
                };
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        public void Dispose()
        {
            if (SlowToStop)
            {
                Thread.Sleep(100);
            }

            Interlocked.Increment(ref _disposals);
        }
    }
}
