using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The parts of the models that run tasks, checked where the outcome does not depend on how threads interleave:
/// the queue's order, the run's bookkeeping (the first failure, the caller's cancellation, the threads seen),
/// the thread spans' readings, the contexts' waits, the event loop's timers and tokens, and short runs of every
/// in-process model. Small and fast, for mutation testing (the models' long runs are in <see cref="ModelTests"/>).
/// </summary>
public class ModelRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly ConcurrencyModel[] InProcess = [ConcurrencyModel.Sequential, ConcurrencyModel.Threads, ConcurrencyModel.ThreadPool, ConcurrencyModel.EventLoop, ConcurrencyModel.GilThreads];

    [Fact]
    public void TheQueueGivesEachIndexOnceInOrderAndIsDrainedWhenTheLastIsTaken()
    {
        var queue = new TaskQueue(3);
        var taken = new List<(int Index, bool Drained)>();
        Assert.False(queue.IsDrained);
        while (queue.TryTake(out int index))
        {
            taken.Add((index, queue.IsDrained));
        }

        Assert.Equal(new[] { (0, false), (1, false), (2, true) }, taken);
        Assert.False(queue.TryTake(out _));
        Assert.True(queue.IsDrained);

        var one = new TaskQueue(1);
        Assert.False(one.IsDrained);
        Assert.True(one.TryTake(out int only));
        Assert.Equal(0, only);
        Assert.True(one.IsDrained);
        Assert.False(one.TryTake(out _));
    }

    [Fact]
    public void TheRunAddsChecksumsAndCountsEachThreadOnce()
    {
        using var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        Assert.Equal((0L, 0, 0), (state.Checksum, state.Completed, state.ThreadsUsed));
        state.Complete(5);
        state.Complete(-2);
        Assert.Equal((3L, 2), (state.Checksum, state.Completed));

        state.NoteThread();
        state.NoteThread();
        Assert.Equal(1, state.ThreadsUsed);
        var other = new Thread(state.NoteThread);
        other.Start();
        other.Join();
        Assert.Equal(2, state.ThreadsUsed);

        // Back on the first thread after the other: still two threads.
        state.NoteThread();
        Assert.Equal(2, state.ThreadsUsed);
        Assert.Equal(4, state.Workload.Spec.Tasks);
    }

    [Fact]
    public void TheFirstFailureIsKeptAndStopsTheRun()
    {
        using var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        Assert.Null(state.Error);
        var first = new InvalidOperationException("first");
        state.Fail(first);
        Assert.Same(first, state.Error);
        Assert.True(state.Token.IsCancellationRequested);
        Assert.False(state.OuterToken.IsCancellationRequested);

        // The other workers stop with cancellation, or fail on their own: the first failure stays.
        state.Fail(new OperationCanceledException(state.Token));
        state.Fail(new ArgumentException("second"));
        Assert.Same(first, state.Error);
    }

    [Fact]
    public void ATaskThatThrowsCancellationByItselfIsAFailure()
    {
        using var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        var error = new OperationCanceledException("a task's own cancellation");
        state.Fail(error);
        Assert.Same(error, state.Error);
        Assert.True(state.Token.IsCancellationRequested);
    }

    [Fact]
    public void TheCallersCancellationIsNoFailureButAnotherErrorAfterItIs()
    {
        using var caller = new CancellationTokenSource();
        using var state = new RunState(new ProbeWorkload(4), caller.Token);
        caller.Cancel();
        Assert.True(state.Token.IsCancellationRequested);
        Assert.Equal(caller.Token, state.OuterToken);
        state.Fail(new OperationCanceledException(caller.Token));
        Assert.Null(state.Error);

        var error = new InvalidOperationException("failed as it was stopped");
        state.Fail(error);
        Assert.Same(error, state.Error);
    }

    [Fact]
    public void AFailureAfterTheRunWasDisposedIsStillRecorded()
    {
        var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        state.Dispose();
        var error = new InvalidOperationException("late");
        state.Fail(error);
        Assert.Same(error, state.Error);
    }

    [Fact]
    public void TheRunAddsTheThreadsTimesAndCountsItsClockReadings()
    {
        using var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        Assert.Equal((0.0, 0.0, 0), (state.TaskWallMs, state.TaskRunWaitMs, state.ClockReadings));
        state.AddTaskWall(Stopwatch.Frequency);
        Assert.Equal(1000.0, state.TaskWallMs, 9);
        state.AddThreadTimes(new ThreadTimes(3.5, 1.25), Stopwatch.Frequency / 2);
        state.AddThreadTimes(new ThreadTimes(2.0, 0.5), Stopwatch.Frequency / 2);
        Assert.Equal(2000.0, state.TaskWallMs, 9);
        Assert.Equal(1.75, state.TaskRunWaitMs, 9);
        Assert.Equal(ThreadCpuClock.IsThreadTime ? 5.5 : null, state.TaskCpuMs);
        state.CountClockReading();
        state.CountClockReading();
        Assert.Equal(2, state.ClockReadings);
    }

    [Fact]
    public void AThreadsSpanReadsItsClockWhenOpenedAndOnceWhenClosed()
    {
        using var state = new RunState(new ProbeWorkload(4), CancellationToken.None);
        ThreadSpan span = ThreadSpan.Open(state);
        Assert.Equal(1, state.ClockReadings);
        double until = ThreadCpuClock.NowMs() + 20;
        while (ThreadCpuClock.NowMs() < until)
        {
            Thread.SpinWait(1_000);
        }

        span.Close();
        Assert.Equal(2, state.ClockReadings);
        double wall = state.TaskWallMs;
        double? cpu = state.TaskCpuMs;

        // Closed twice: the times are added once.
        span.Close();
        Assert.Equal((2, wall, cpu), (state.ClockReadings, state.TaskWallMs, state.TaskCpuMs));
        if (ThreadCpuClock.IsThreadTime)
        {
            // 20 ms of this thread's CPU lie in the span, and a thread's CPU time cannot exceed its wall time.
            Assert.True(cpu >= 19, $"span CPU {cpu} ms");
            Assert.True(wall >= 19, $"span wall {wall} ms");
        }
    }

    [Fact]
    public void APoolThreadKeepsOneSpanForItsRunsTasksUntilTheQueueIsDrained()
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return; // without the thread's OS id every pool span ends with its task
        }

        using var first = new RunState(new ProbeWorkload(2), CancellationToken.None);
        using var second = new RunState(new ProbeWorkload(2), CancellationToken.None);
        var readings = new List<(string Step, int First, int Second)>();
        using var leftOpen = new ManualResetEventSlim();
        using var closed = new ManualResetEventSlim();
        void Note(string step) => readings.Add((step, first.ClockReadings, second.ClockReadings));

        // A thread of its own stands in for a pool thread, so no span of another test's run is on it.
        var pool = new Thread(() =>
        {
            ThreadSpan.EnterPoolTask(first);
            Note("first task");
            ThreadSpan.LeavePoolTask(first);
            Note("first task done, more to take");
            ThreadSpan.EnterPoolTask(first);
            Note("second task");
            first.Queue.TryTake(out _);
            first.Queue.TryTake(out _);
            ThreadSpan.LeavePoolTask(first);
            Note("second task done, queue drained");
            ThreadSpan.EnterPoolTask(second);
            Note("another run's task");
            ThreadSpan.LeavePoolTask(first);
            Note("the first run's end, on the other run's span");
            ThreadSpan.LeavePoolTask(second);
            Note("another run's task done, more to take");
            leftOpen.Set();

            // Alive until the runs have read its clock (no assertion on this thread: it would end the test host).
            closed.Wait(Patience);
            ThreadCpuClock.ReleaseThread();
        });
        pool.Start();
        Assert.True(leftOpen.Wait(Patience));

        // The span still open is ended from here, once; the one the thread ended is not ended again.
        second.ClosePoolSpans();
        first.ClosePoolSpans();
        Note("ended by the runs");
        second.ClosePoolSpans();
        Note("ended again");
        closed.Set();
        pool.Join();

        Assert.Equal(
            new[]
            {
                ("first task", 1, 0), ("first task done, more to take", 1, 0), ("second task", 1, 0),
                ("second task done, queue drained", 2, 0), ("another run's task", 2, 1),
                ("the first run's end, on the other run's span", 2, 1), ("another run's task done, more to take", 2, 1),
                ("ended by the runs", 2, 2), ("ended again", 2, 2),
            },
            readings);
        Assert.True(first.TaskWallMs >= 0 && second.TaskWallMs >= 0);
    }

    [Fact]
    public void APoolThreadEndsAnOpenSpanOfAnotherRunBeforeItRunsANewOnesTask()
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return; // without the thread's OS id every pool span ends with its task
        }

        using var first = new RunState(new ProbeWorkload(3), CancellationToken.None);
        using var second = new RunState(new ProbeWorkload(3), CancellationToken.None);
        using var stopped = new RunState(new ProbeWorkload(3), CancellationToken.None);
        var readings = new List<(int First, int Second, int Stopped)>();
        var pool = new Thread(() =>
        {
            ThreadSpan.EnterPoolTask(first);
            ThreadSpan.LeavePoolTask(first);
            readings.Add((first.ClockReadings, second.ClockReadings, stopped.ClockReadings));

            // The first run's span is still open: the thread ends it before it opens one for the second run.
            ThreadSpan.EnterPoolTask(second);
            readings.Add((first.ClockReadings, second.ClockReadings, stopped.ClockReadings));
            ThreadSpan.LeavePoolTask(second);
            ThreadSpan.EnterPoolTask(stopped);

            // A stopped run has no task left to give: its span ends with the task.
            stopped.Fail(new InvalidOperationException("stop"));
            ThreadSpan.LeavePoolTask(stopped);
            readings.Add((first.ClockReadings, second.ClockReadings, stopped.ClockReadings));

            // An ended span is not taken up again: another task of the same run gets a span of its own.
            ThreadSpan.EnterPoolTask(stopped);
            ThreadSpan.LeavePoolTask(stopped);
            readings.Add((first.ClockReadings, second.ClockReadings, stopped.ClockReadings));
            ThreadCpuClock.ReleaseThread();
        });
        pool.Start();
        pool.Join();

        Assert.Equal(new[] { (1, 0, 0), (2, 1, 0), (2, 2, 2), (2, 2, 4) }, readings);
    }

    [Fact]
    public void ABlockingWaitEndsWithCancellationWhenItsTokenIsCancelledMeanwhile()
    {
        using var cts = new CancellationTokenSource();
        var context = new BlockingTaskContext(cts.Token);
        Assert.Equal(cts.Token, context.CancellationToken);
        context.Checkpoint();
        Assert.True(context.WaitAsync(0).IsCompletedSuccessfully);
        Assert.True(context.WaitAsync(-5).IsCompletedSuccessfully);

        // A wait of a minute, cancelled 50 ms in: it must be waiting then, and end with the cancellation.
        cts.CancelAfter(50);
        Assert.ThrowsAny<OperationCanceledException>(() => context.WaitAsync(60_000));
        Assert.ThrowsAny<OperationCanceledException>(() => context.Checkpoint());
        Assert.ThrowsAny<OperationCanceledException>(() => context.WaitAsync(0));
        Assert.ThrowsAny<OperationCanceledException>(() => context.WaitAsync(5));
    }

    [Fact]
    public void AnAsyncContextOffTheLoopWaitsOnTheRuntimesTimer()
    {
        var live = new AsyncTaskContext(CancellationToken.None);
        live.Checkpoint();
        Assert.True(live.WaitAsync(0).IsCompletedSuccessfully);
        Assert.True(live.WaitAsync(-1).IsCompletedSuccessfully);
        Assert.True(live.WaitAsync(5).AsTask().Wait(Patience));

        var cancelled = new AsyncTaskContext(new CancellationToken(canceled: true));
        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Checkpoint());

        // No wait: nothing to cancel. A wait with a cancelled token is cancelled.
        Assert.True(cancelled.WaitAsync(0).IsCompletedSuccessfully);
        Assert.True(cancelled.WaitAsync(5).IsCanceled);
    }

    [Fact]
    public void RunThrowsWhatItsTaskThrewOnTheLoopAndRestoresTheCallersContext()
    {
        // Before, Run ended quietly when its task failed after an await, so an assertion failing inside a loop
        // was lost and the test passed.
        SynchronizationContext? before = SynchronizationContext.Current;
        bool ranOnTheLoop = false;
        var error = Assert.Throws<InvalidOperationException>(() => EventLoopSynchronizationContext.Run(async loop =>
        {
            await Task.Yield();
            ranOnTheLoop = loop.IsLoopThread;
            throw new InvalidOperationException("thrown on the loop");
        }));

        Assert.Equal("thrown on the loop", error.Message);
        Assert.True(ranOnTheLoop);
        Assert.Same(before, SynchronizationContext.Current);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => EventLoopSynchronizationContext.Run(async () =>
        {
            await Task.Yield();
            Assert.Fail("an assertion that fails on the loop fails its test");
        }));

        // A task that ends cancelled: its cancellation is thrown too.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => EventLoopSynchronizationContext.Run(async loop =>
        {
            await Task.Yield();
            await loop.Delay(60_000, cancelled.Token);
        }));
    }

    [Fact]
    public void AnAsyncContextOnTheLoopWaitsOnTheLoopsTimersAndResumesOnTheLoop()
    {
        int caller = Environment.CurrentManagedThreadId;
        var resumedOn = new List<int>();
        using var cts = new CancellationTokenSource();
        var context = new AsyncTaskContext(cts.Token);
        bool cancelledAtOnce = false;
        EventLoopSynchronizationContext.Run(async loop =>
        {
            Assert.True(loop.IsLoopThread);
            Assert.Same(loop, SynchronizationContext.Current);
            await context.WaitAsync(1);
            resumedOn.Add(Environment.CurrentManagedThreadId);
            await context.WaitAsync(0);
            resumedOn.Add(Environment.CurrentManagedThreadId);
            cts.Cancel();
            cancelledAtOnce = context.WaitAsync(10).IsCanceled;
        });

        Assert.Equal(new[] { caller, caller }, resumedOn);
        Assert.True(cancelledAtOnce);
        Assert.False(SynchronizationContext.Current is EventLoopSynchronizationContext);
    }

    [Fact]
    public void TheLoopRunsOnlyPostsAndRestoresTheCallersContext()
    {
        SynchronizationContext? before = SynchronizationContext.Current;
        EventLoopSynchronizationContext? seen = null;
        EventLoopSynchronizationContext.Run(() =>
        {
            seen = (EventLoopSynchronizationContext)SynchronizationContext.Current!;
            return Task.CompletedTask;
        });

        Assert.NotNull(seen);
        Assert.Same(before, SynchronizationContext.Current);
        Assert.Same(seen, seen!.CreateCopy());
        Assert.Equal("The event loop runs callbacks asynchronously only.", Assert.Throws<NotSupportedException>(() => seen.Send(_ => { }, null)).Message);

        // Off the loop thread a wait cannot start.
        Assert.True(seen.IsLoopThread);
        Exception? refused = null;
        var other = new Thread(() => refused = Record.Exception(() => seen.StartWait(1, new NeverWaiter())));
        other.Start();
        other.Join();
        var error = Assert.IsType<InvalidOperationException>(refused);
        Assert.Equal("A wait on the event loop's timers must start on the loop thread.", error.Message);
    }

    [Fact]
    public void ACallbackPostedFromAnotherThreadRunsOnTheLoop()
    {
        int caller = Environment.CurrentManagedThreadId;
        int ranOn = 0;
        EventLoopSynchronizationContext.Run(loop =>
        {
            var done = new TaskCompletionSource();

            // Posted from a pool thread while the loop sleeps with nothing to do: the post must wake it.
            Task.Run(() => loop.Post(_ =>
            {
                ranOn = Environment.CurrentManagedThreadId;
                done.SetResult();
            }, null));
            return done.Task;
        });

        Assert.Equal(caller, ranOn);
    }

    [Fact]
    public void WaitsOfOneLengthEndInTheOrderTheyStarted()
    {
        var order = new List<int>();
        EventLoopSynchronizationContext.Run(loop =>
        {
            Task Wait(int id) => AwaitThenNote(loop.Delay(3, CancellationToken.None), id);
            async Task AwaitThenNote(ValueTask delay, int id)
            {
                await delay;
                order.Add(id);
            }

            return Task.WhenAll(Wait(1), Wait(2), Wait(3));
        });

        Assert.Equal(new[] { 1, 2, 3 }, order);
    }

    [Fact]
    public void CancellingOneTokenEndsOnlyTheWaitsOfThatToken()
    {
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var events = new List<string>();
        EventLoopSynchronizationContext.Run(async loop =>
        {
            Task a = Observe(loop.Delay(60_000, first.Token), "first", events);
            Task b = Observe(loop.Delay(60_000, second.Token), "second", events);
            Task c = Observe(loop.Delay(60_000, first.Token), "first again", events);
            Task cancelled = Observe(loop.Delay(60_000, new CancellationToken(canceled: true)), "already cancelled", events);
            first.Cancel();
            await Task.WhenAll(a, c, cancelled);
            events.Add(b.IsCompleted ? "second ended too" : "second still waits");
            second.Cancel();
            await b;
        });

        Assert.Equal(new[] { "already cancelled cancelled", "first cancelled", "first again cancelled", "second still waits", "second cancelled" }, events);
    }

    [Fact]
    public void AShortWaitEndsBeforeALongOneStartedBeforeIt()
    {
        // A wait of a minute, then one of a millisecond: the millisecond ends first, and the minute only when
        // its token is cancelled. Waits whose lengths were lost (every wait due at once) end in the order started.
        using var minute = new CancellationTokenSource();
        var events = new List<string>();
        EventLoopSynchronizationContext.Run(async loop =>
        {
            Task slow = Observe(loop.Delay(60_000, minute.Token), "the minute", events);
            await loop.Delay(1, CancellationToken.None);
            events.Add("the millisecond ended");
            minute.Cancel();
            await slow;
        });

        Assert.Equal(new[] { "the millisecond ended", "the minute cancelled" }, events);
    }

    [Fact]
    public void ATaskEndedByAnotherThreadWakesTheSleepingLoop()
    {
        // The loop has nothing queued and no timer, so it sleeps until something wakes it. The task it runs for is
        // completed by another thread once the loop thread is seen asleep: the completion must wake the loop, else
        // it sleeps for ever (the join is the test's hang guard; the thread is a background one so a hang ends with
        // the test host).
        Exception? failure = null;
        var loopThread = new Thread(() => failure = Record.Exception(() => EventLoopSynchronizationContext.Run(() =>
        {
            var end = new TaskCompletionSource();
            Thread sleeper = Thread.CurrentThread;
            var completer = new Thread(() =>
            {
                WaitUntilBlocked(sleeper);
                end.SetResult();
            });
            completer.Start();
            return end.Task;
        })))
        { IsBackground = true };

        loopThread.Start();
        Assert.True(loopThread.Join(Patience), "the loop did not end after its task was completed by another thread");
        Assert.Null(failure);
    }

    [Fact]
    public void AnEndedLoopLetsGoOfTheTokensItWatched()
    {
        // The loop registers on each token its waits were given (to end them when it is cancelled); an ended loop
        // must drop those registrations, or a long-lived token keeps every loop that ever waited on it alive.
        using var longLived = new CancellationTokenSource();
        WeakReference loop = RunLoopWithOneWait(longLived.Token);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(loop.IsAlive, "the ended loop is still reachable from the token it watched");
    }

    // Apart from the test, so that no local of the test's own frame keeps the loop alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference RunLoopWithOneWait(CancellationToken token)
    {
        WeakReference? seen = null;
        EventLoopSynchronizationContext.Run(async loop =>
        {
            seen = new WeakReference(loop);
            await loop.Delay(1, token);
        });
        return seen!;
    }

    // Until the thread sleeps (or waits for a lock) five readings in a row, so it is not seen only in passing;
    // false if it was not seen so within 30 seconds.
    private static bool WaitUntilBlocked(Thread thread)
    {
        var patience = Stopwatch.StartNew();
        for (int seenBlocked = 0; seenBlocked < 5;)
        {
            if (patience.Elapsed > TimeSpan.FromSeconds(30))
            {
                return false;
            }

            Thread.Sleep(10);
            seenBlocked = (thread.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0 ? seenBlocked + 1 : 0;
        }

        return true;
    }

    [Fact]
    public void TheLoopSleepsWhileItsOnlyWaitIsPending()
    {
        // A wait of a minute, then one of a millisecond (whose timer queue is then empty, after the minute's): until
        // the minute is due the loop has nothing to do and must sleep, not poll. Another thread sees the loop thread
        // asleep, then cancels the minute.
        using var minute = new CancellationTokenSource();
        bool seenAsleep = false;
        bool cancelled = false;
        double cpuMsAsleep = 0;
        EventLoopSynchronizationContext.Run(async loop =>
        {
            ValueTask minuteWait = loop.Delay(60_000, minute.Token);
            await loop.Delay(1, CancellationToken.None);
            Thread sleeper = Thread.CurrentThread;
            int sleeperId = ThreadCpuClock.CurrentThreadId();
            var watcher = new Thread(() =>
            {
                // Asleep in the thread's state, and using no CPU over half a second (a loop that polls with waits of
                // 0 ms is often seen in a wait too, but uses its core the whole time it gets one).
                seenAsleep = WaitUntilBlocked(sleeper);
                if (ThreadCpuClock.TryReadThread(sleeperId, out ThreadTimes before))
                {
                    Thread.Sleep(500);
                    if (ThreadCpuClock.TryReadThread(sleeperId, out ThreadTimes after))
                    {
                        cpuMsAsleep = after.CpuMs - before.CpuMs;
                    }
                }

                minute.Cancel();
            });
            watcher.Start();
            try
            {
                await minuteWait;
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }

            watcher.Join();
        });

        Assert.True(seenAsleep, "the loop thread did not sleep while its only wait was pending");
        Assert.True(cpuMsAsleep < 25, $"the loop thread used {cpuMsAsleep:F1} ms of CPU in half a second with nothing to do");
        Assert.True(cancelled);
    }

    [Fact]
    public void AnEndedWaitSaysHowItEndedAndAPendingOneHasNoResultYet()
    {
        using var stop = new CancellationTokenSource();
        bool pendingCompleted = true;
        Exception? early = null;
        var statuses = new List<string>();
        EventLoopSynchronizationContext.Run(async loop =>
        {
            ValueTask pending = loop.Delay(60_000, stop.Token);
            pendingCompleted = pending.IsCompleted;
            early = Record.Exception(() => pending.GetAwaiter().GetResult());

            ValueTask ended = loop.Delay(1, CancellationToken.None);
            ValueTask cancelled = loop.Delay(60_000, stop.Token);
            stop.Cancel();
            while (!ended.IsCompleted || !cancelled.IsCompleted)
            {
                await Task.Yield();
            }

            statuses.Add($"ended: succeeded {ended.IsCompletedSuccessfully}, cancelled {ended.IsCanceled}");
            statuses.Add($"cancelled: succeeded {cancelled.IsCompletedSuccessfully}, cancelled {cancelled.IsCanceled}");
        });

        Assert.False(pendingCompleted);
        Assert.Equal("The wait has not ended.", Assert.IsType<InvalidOperationException>(early).Message);
        Assert.Equal(new[] { "ended: succeeded True, cancelled False", "cancelled: succeeded False, cancelled True" }, statuses);
    }

    [Fact]
    public void AContinuationRegisteredAfterTheWaitEndedStillRuns()
    {
        // Registered on a wait that has already ended, the continuation is queued at once (an await checks for the
        // end first, so only a direct registration reaches this). Else the loop sleeps for ever: a background thread
        // and its join are the hang guard.
        Exception? failure = null;
        var loopThread = new Thread(() => failure = Record.Exception(() => EventLoopSynchronizationContext.Run(async loop =>
        {
            ValueTask early = loop.Delay(1, CancellationToken.None);
            while (!early.IsCompleted)
            {
                await Task.Yield();
            }

            var resumed = new TaskCompletionSource();
            early.GetAwaiter().UnsafeOnCompleted(() => resumed.SetResult());
            await resumed.Task;
        })))
        { IsBackground = true };

        loopThread.Start();
        Assert.True(loopThread.Join(Patience), "the continuation of a wait that had already ended never ran");
        Assert.Null(failure);
    }

    [Theory]
    [InlineData(false, "changed after")]
    [InlineData(true, "at the await")]
    public void AWaitsContinuationRunsInTheExecutionContextOfItsAwaitOnlyWhenAskedTo(bool flow, string expected)
    {
        // OnCompleted asks for the execution context to flow: the continuation sees the async local as it was when
        // it was registered. UnsafeOnCompleted does not: it sees the loop thread's context as it is when the wait ends.
        var local = new AsyncLocal<string?>();
        string? seen = null;
        EventLoopSynchronizationContext.Run(loop =>
        {
            var done = new TaskCompletionSource();
            local.Value = "at the await";
            ValueTask wait = loop.Delay(1, CancellationToken.None);
            Action continuation = () =>
            {
                seen = local.Value;
                done.SetResult();
            };
            if (flow)
            {
                wait.GetAwaiter().OnCompleted(continuation);
            }
            else
            {
                wait.GetAwaiter().UnsafeOnCompleted(continuation);
            }

            local.Value = "changed after";
            return done.Task;
        });

        Assert.Equal(expected, seen);
    }

    [Fact]
    public void AWaitThatEndsBeforeItIsAwaitedCompletesAtOnce()
    {
        var events = new List<string>();
        EventLoopSynchronizationContext.Run(async loop =>
        {
            ValueTask early = loop.Delay(1, CancellationToken.None);

            // Let the loop go round until the wait has ended, then await it.
            while (!early.IsCompleted)
            {
                await Task.Yield();
            }

            await early;
            events.Add("awaited after its end");
        });

        Assert.Equal(new[] { "awaited after its end" }, events);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential, 1)]
    [InlineData(ConcurrencyModel.Threads, 3)]
    [InlineData(ConcurrencyModel.ThreadPool, 3)]
    [InlineData(ConcurrencyModel.EventLoop, 3)]
    [InlineData(ConcurrencyModel.GilThreads, 3)]
    public void EachModelRunsEveryTaskOnceWithNoMoreThanItsWorkersAtOnce(ConcurrencyModel model, int workers)
    {
        var workload = new CountingWorkload(tasks: 12, waitMs: 2);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, workers, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(model, ExecutionModel.Create(model).Model);
        Assert.Equal((12, workload.ExpectedChecksum()), (result.CompletedTasks, result.Checksum));
        Assert.Equal(Enumerable.Repeat(1, 12), Enumerable.Range(0, 12).Select(i => workload.Runs[i]));
        Assert.InRange(workload.MaxInside, 1, workers);
        // A pool slot's next task may run on another pool thread: only the other models bound their threads.
        Assert.InRange(result.ThreadsUsed, 1, model switch { ConcurrencyModel.EventLoop => 1, ConcurrencyModel.ThreadPool => 12, _ => workers });
        Assert.Equal(ThreadCpuClock.IsThreadTime, result.TaskCpu.HasValue);

        // Each task waits at least 2 ms, so the tasks' wall times add up to at least 24 ms (half of it asserted); and
        // each task (each thread's span of tasks) lies within the run, so they add up to at most twelve runs' time.
        Assert.True(result.TaskWall >= TimeSpan.FromMilliseconds(12), $"{model}: TaskWall {result.TaskWall}");
        Assert.True(result.TaskWall <= result.Elapsed * 12, $"{model}: TaskWall {result.TaskWall}, Elapsed {result.Elapsed}");
    }

    [Fact]
    public void TheEventLoopCountsTheCpuOfTheWorkItRan()
    {
        // The loop thread's CPU over the run, less what the JIT compiler spent: computing tasks used some.
        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 5_000_000);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(Workload.Create(spec), 2, CancellationToken.None);
        Assert.Null(result.Error);
        if (ThreadCpuClock.IsThreadTime)
        {
            Assert.True(result.TaskCpu > TimeSpan.Zero, $"TaskCpu {result.TaskCpu}");
            Assert.True(result.TaskCpu <= result.CpuTime, $"TaskCpu {result.TaskCpu}, the process's {result.CpuTime}");
        }
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    [InlineData(ConcurrencyModel.EventLoop)]
    public void MoreWorkersThanTasksRunEveryTaskOnce(ConcurrencyModel model)
    {
        var workload = new CountingWorkload(tasks: 2, waitMs: 1);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 5, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal((2, workload.ExpectedChecksum()), (result.CompletedTasks, result.Checksum));
        Assert.Equal(new[] { 1, 1 }, new[] { workload.Runs[0], workload.Runs[1] });
    }

    [Fact]
    public void TheEventLoopDrivesATaskListThatWaitsOnceATaskItself()
    {
        // Io tasks wait once each: the loop runs their steps itself instead of an async method a task.
        Workload workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, tasks: 6, durationMs: 2));
        Assert.IsAssignableFrom<SingleWaitWorkload>(workload);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(workload, 3, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal((6, workload.ExpectedChecksum(), 1), (result.CompletedTasks, result.Checksum, result.ThreadsUsed));

        Workload noWait = Workload.Create(new WorkloadSpec(WorkloadKind.Io, tasks: 4, durationMs: 0));
        ModelRunResult atOnce = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(noWait, 2, CancellationToken.None);
        Assert.Null(atOnce.Error);
        Assert.Equal((4, noWait.ExpectedChecksum()), (atOnce.CompletedTasks, atOnce.Checksum));
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.GilThreads)]
    public void AFailedTaskIsTheRunsErrorAndNoTaskStartsAfterIt(ConcurrencyModel model)
    {
        // One worker: the tasks run one after another, so the failure of task 2 leaves tasks 3 to 5 untaken.
        var workload = new CountingWorkload(tasks: 6, waitMs: 1, failOn: 2);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 1, CancellationToken.None);
        Assert.Equal("task 2 fails", result.Error?.Message);
        Assert.Equal(2, result.CompletedTasks);
        Assert.True(result.TaskWall <= result.Elapsed, $"{model}: TaskWall {result.TaskWall}, Elapsed {result.Elapsed}");
        Assert.Equal(new[] { 1, 1, 1, 0, 0, 0 }, Enumerable.Range(0, 6).Select(i => workload.Runs[i]));
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.GilThreads)]
    public void TheCallersCancellationEndsARunOfLongWaitsWithCancellation(ConcurrencyModel model)
    {
        // Tasks of a minute's wait; the caller stops the run once the first has begun. A model that did not pass
        // the token to the waits would run for minutes (the test's own hang guard).
        using var caller = new CancellationTokenSource();
        var workload = new CountingWorkload(tasks: 4, waitMs: 60_000, onStart: caller.Cancel);
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => ExecutionModel.Create(model).Run(workload, 2, caller.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"{model} took {clock.Elapsed}");

        // No task is taken once the run is stopped: at most the one each of the two workers already held.
        Assert.InRange(workload.Started, 1, 2);
    }

    [Fact]
    public void ARunStoppedByTheCallerDuringItsLastTaskIsNoResult()
    {
        // Every task completes, but the caller stopped the run meanwhile: what was measured is not a result.
        using var caller = new CancellationTokenSource();
        var workload = new CountingWorkload(tasks: 1, waitMs: 0, onStart: caller.Cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => ExecutionModel.Create(ConcurrencyModel.Sequential).Run(workload, 1, caller.Token));
        Assert.Equal(1, workload.Runs[0]);
    }

    [Fact]
    public void AnUnknownModelIsRejectedNamingIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ExecutionModel.Create((ConcurrencyModel)99));
        Assert.Equal("model", error.ParamName);
        Assert.StartsWith("Model '99' is not a known model.", error.Message);
        Assert.All(InProcess, m => Assert.Equal(m, ExecutionModel.Create(m, null).Model));
    }

    [Fact]
    public void ThreadsRunUnderTheirNamesAndAllAreJoinedBeforeTheCallReturns()
    {
        var names = new ConcurrentDictionary<int, string?>();
        var ended = new int[3];
        ExecutionModel.RunOnThreads(3, "Helper", worker =>
        {
            names[worker] = Thread.CurrentThread.Name;
            Thread.Sleep(20);
            Volatile.Write(ref ended[worker], 1);
        });

        Assert.Equal(new[] { "Helper 1", "Helper 2", "Helper 3" }, Enumerable.Range(0, 3).Select(i => names[i]));
        Assert.Equal(new[] { 1, 1, 1 }, ended);
        Assert.True(ExecutionModel.ProcessCpuTime() > TimeSpan.Zero);
    }

    /// <summary>Never waits; only for a wait that must be refused before it starts.</summary>
    private sealed class NeverWaiter : EventLoopSynchronizationContext.LoopWaiter
    {
        public override CancellationToken CancellationToken => CancellationToken.None;

        public override void OnWaitEnded()
        {
        }
    }

    /// <summary>Tasks that count how often each ran and how many ran at once, wait through the model, and may fail or call back.</summary>
    private sealed class CountingWorkload : Workload
    {
        private readonly int _waitMs;
        private readonly int _failOn;
        private readonly Action? _onStart;
        private int _inside;
        private int _maxInside;
        private int _started;

        public CountingWorkload(int tasks, int waitMs, int failOn = -1, Action? onStart = null)
            : base(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: waitMs))
        {
            _waitMs = waitMs;
            _failOn = failOn;
            _onStart = onStart;
        }

        public ConcurrentDictionary<int, int> Runs { get; } = new(Enumerable.Range(0, 64).Select(i => new KeyValuePair<int, int>(i, 0)));

        public int MaxInside => Volatile.Read(ref _maxInside);

        public int Started => Volatile.Read(ref _started);

        public override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            Runs.AddOrUpdate(index, 1, (_, n) => n + 1);
            Interlocked.Increment(ref _started);
            int inside = Interlocked.Increment(ref _inside);
            int max;
            while (inside > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, inside, max) != max)
            {
            }

            try
            {
                _onStart?.Invoke();
                if (index == _failOn)
                {
                    throw new InvalidOperationException($"task {index} fails");
                }

                if (_waitMs > 0)
                {
                    await context.WaitAsync(_waitMs);
                }

                return Mix(index);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        public override long ExpectedChecksum(int index) => Mix(index);
    }

    /// <summary>Awaits a wait of the loop and records how it ended: "name ended" or "name cancelled".</summary>
    private static async Task Observe(ValueTask delay, string name, List<string> events)
    {
        try
        {
            await delay;
            events.Add($"{name} ended");
        }
        catch (OperationCanceledException)
        {
            events.Add($"{name} cancelled");
        }
    }
}
