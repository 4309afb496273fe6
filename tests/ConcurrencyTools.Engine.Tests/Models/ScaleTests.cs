using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Worker counts beyond what an OS thread per worker allows, and the ThreadPool starvation they invite.</summary>
public class ScaleTests
{
    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    public void ModelsWithAThreadPerWorkerKeepTheirLimit(ConcurrencyModel model)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(
            new WorkloadSpec(WorkloadKind.Io, 20_000), new[] { ConcurrencyModel.EventLoop, model }, new[] { MeasurementPlan.MaxThreadWorkers + 1 }));
        Assert.Equal("Workers", error.ParamName);
        Assert.Equal(MeasurementPlan.MaxThreadWorkers + 1, error.ActualValue);
        Assert.Contains($"The {model} model starts one OS thread per worker", error.Message);
        Assert.Contains("EventLoop and ThreadPool accept", error.Message);

        // At the limit it is accepted.
        Assert.Single(new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 20_000), new[] { model }, new[] { MeasurementPlan.MaxThreadWorkers }).Grid);
    }

    [Theory]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    public void EventLoopAndThreadPoolAcceptAsManyWorkersAsTasks(ConcurrencyModel model)
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 100_000), new[] { model, ConcurrencyModel.Sequential }, new[] { 100_000 });
        Assert.Contains(plan.Grid, c => c.Model == model && c.Workers == 100_000);
        Assert.Equal(MeasurementPlan.MaxWorkers, MeasurementPlan.MaxWorkersOf(model));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(
            new WorkloadSpec(WorkloadKind.Io, 100_000), new[] { model }, new[] { MeasurementPlan.MaxWorkers + 1 }));
        Assert.Equal("Workers", error.ParamName);
    }

    [Fact]
    public void TheEventLoopRunsTwentyThousandWaitsAtOnceOnOneThread()
    {
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 20_000, durationMs: 200));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(workload, 20_000, deadline.Token);
        Assert.Null(result.Error);
        Assert.Equal(20_000, result.CompletedTasks);
        Assert.Equal(1, result.ThreadsUsed);
    }

    [Fact]
    public void TheEventLoopTimesItsWaitsItselfWithoutAThreadPoolItemPerWait()
    {
        // A runtime timer per wait fires as a thread-pool work item that posts back to the loop: 10,000
        // waits were 10,000 items on other threads. The loop's own timers fire on the loop thread.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 10_000, durationMs: 50));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        long itemsBefore = ThreadPool.CompletedWorkItemCount;
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(workload, 10_000, deadline.Token);
        long items = ThreadPool.CompletedWorkItemCount - itemsBefore;

        Assert.Null(result.Error);
        Assert.Equal(10_000, result.CompletedTasks);
        Assert.Equal(workload.ExpectedChecksum(CancellationToken.None), result.Checksum);
        Assert.Equal(1, result.ThreadsUsed);
        Assert.True(items < 1_000, $"thread-pool work items during the run: {items}");

        // Still real waits of 50 ms each, all at once: no task ended before its wait had passed.
        Assert.True(result.Elapsed >= TimeSpan.FromMilliseconds(50), $"elapsed {result.Elapsed}");
        Assert.True(result.TaskWall!.Value.TotalMilliseconds >= 10_000 * 50 * 0.99, $"task wall {result.TaskWall}");
    }

    [Theory]
    [InlineData(20_000, 20_000, 250)] // a coroutine per task: that coroutine, and room for its wait in the loop's queues
    [InlineData(2_000, 4, 16)]        // 4 coroutines for 2,000 tasks: nothing for each task
    public void TheEventLoopAllocatesLittleForEachWaitingTask(int tasks, int workers, int maxBytesPerTask)
    {
        // Issue 24: with an async method per coroutine and per task, each task allocated about 500 bytes before
        // its wait began (the state machines, the continuation each await allocated, the wait, the array of
        // coroutines, Task.WhenAll's), and at 100,000 tasks the garbage collector took half the time to start them.
        // Counted in bytes on the loop thread, not timed: a busy machine changes the time, not the allocations.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: 1));
        RunLoopHere(workload, workers).Dispose(); // first: what the runtime compiles or sets up once is not the run's
        long before = GC.GetAllocatedBytesForCurrentThread();
        using RunState state = RunLoopHere(workload, workers);
        long perTask = (GC.GetAllocatedBytesForCurrentThread() - before) / tasks;

        Assert.Null(state.Error);
        Assert.Equal(tasks, state.Completed);
        Assert.Equal(workload.ExpectedChecksum(CancellationToken.None), state.Checksum);
        Assert.True(state.TaskWallMs >= tasks * 1.0 * 0.99, $"task wall {state.TaskWallMs} ms: every task waited its 1 ms");
        Assert.True(perTask <= maxBytesPerTask, $"{perTask} bytes allocated on the loop thread per task ({workers} coroutines, {tasks} tasks)");
    }

    // The loop on this thread, so that its allocations are this thread's.
    private static RunState RunLoopHere(Workload workload, int workers)
    {
        var state = new RunState(workload, CancellationToken.None);
        EventLoopModel.RunLoop(state, workers);
        return state;
    }

    [Fact]
    public void AnIoRunStoppedWhileItsTasksWaitCompletesNoneOfThem()
    {
        // Four tasks, four coroutines: once the queue is drained every task waits on the loop's timers. The stop
        // ends the waits; a task resumed after it must not count as completed.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 4, durationMs: 60_000));
        using var stop = new CancellationTokenSource();
        using var state = new RunState(workload, stop.Token);
        var loop = new Thread(() => EventLoopModel.RunLoop(state, 4)) { IsBackground = true };
        loop.Start();
        Assert.True(SpinWait.SpinUntil(() => state.Queue.IsDrained, TimeSpan.FromSeconds(60)), "the loop never took its tasks");
        stop.Cancel();

        Assert.True(loop.Join(TimeSpan.FromSeconds(30)), "the stopped loop went on waiting");
        Assert.Equal(0, state.Completed);
    }

    [Fact]
    public void AFailedTasksWallTimeCountsLikeACompletedOnes()
    {
        // One task that waits 200 ms, then fails: the run's task time holds its wait.
        var workload = new FailAfterWaitWorkload();
        using var state = new RunState(workload, CancellationToken.None);
        EventLoopModel.RunLoop(state, 1);

        Assert.NotNull(state.Error);
        Assert.Equal(0, state.Completed);
        Assert.True(state.TaskWallMs >= 190, $"the failed task's wall time was {state.TaskWallMs} ms, less than its 200 ms wait");
    }

    private sealed class FailAfterWaitWorkload : Workload
    {
        public FailAfterWaitWorkload()
            : base(new WorkloadSpec(WorkloadKind.Io, 1, durationMs: 200))
        {
        }

        public override async System.Threading.Tasks.ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            await context.WaitAsync(200);
            throw new InvalidOperationException("the task fails after its wait");
        }

        public override long ExpectedChecksum(int index) => 0;
    }

    [Fact]
    public void ATaskWhoseAwaitEndsOnAnotherThreadStillResumesOnTheLoop()
    {
        // The loop resumes a coroutine where its task ended; a wait that is not the loop's own ends on a
        // pool thread, and the coroutine must come back to the loop before it takes the next task.
        var workload = new OffLoopWaitWorkload(tasks: 40);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(workload, 4, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(40, result.CompletedTasks);
        Assert.Equal(workload.ExpectedChecksum(CancellationToken.None), result.Checksum);

        // Every task was taken and ended (noted after its await) on the one loop thread.
        Assert.Equal(1, result.ThreadsUsed);
    }

    private sealed class OffLoopWaitWorkload : Workload
    {
        public OffLoopWaitWorkload(int tasks)
            : base(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: 1))
        {
        }

        public override async System.Threading.Tasks.ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            await System.Threading.Tasks.Task.Delay(2).ConfigureAwait(false);
            return index + 1;
        }

        public override long ExpectedChecksum(int index) => index + 1;
    }

    [Fact]
    public void StarvationIsForeseenWithItsCostAndTheModelsThatAvoidIt()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 10_000, durationMs: 100), new[] { ConcurrencyModel.ThreadPool }, new[] { 10_000 }, repeat: 2, warmup: 1);
        string? warning = ThreadPoolStarvationWarning.For(plan, poolThreads: 4);
        Assert.NotNull(warning);
        Assert.Contains("ThreadPool x10000 with 100 ms blocking waits", warning);
        Assert.Contains("the pool has 4 threads now", warning);
        Assert.Contains("about 250 s (waits of 10000 tasks queued on 4 threads) instead of 100 ms, in each of 3 runs.", warning);
        Assert.Contains("EventLoop", warning);
        Assert.Contains("ThreadPoolThreadsAdded", warning);

        // Mixed waits only for its waiting share.
        var mixed = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Mixed, 100, durationMs: 100, cpuFraction: 0.25), new[] { ConcurrencyModel.ThreadPool }, new[] { 50 }, repeat: 1, warmup: 0);
        Assert.Contains("ThreadPool x50 with 75 ms blocking waits", ThreadPoolStarvationWarning.For(mixed, poolThreads: 10));
    }

    [Theory]
    [InlineData(WorkloadKind.Io, ConcurrencyModel.Threads, 10_000, 4)]      // not the pool
    [InlineData(WorkloadKind.Cpu, ConcurrencyModel.ThreadPool, 10_000, 4)]  // no waits
    [InlineData(WorkloadKind.Io, ConcurrencyModel.ThreadPool, 4, 4)]        // the pool has a thread per worker
    [InlineData(WorkloadKind.Io, ConcurrencyModel.ThreadPool, 10_000, 20_000)]
    public void NoWarningWhereThePoolCannotStarve(WorkloadKind kind, ConcurrencyModel model, int workers, int poolThreads)
    {
        var plan = new MeasurementPlan(new WorkloadSpec(kind, 10_000, iterations: 10), new[] { model }, new[] { workers });
        Assert.Null(ThreadPoolStarvationWarning.For(plan, poolThreads));
    }

    [Fact]
    public void NoWarningWhenMixedDoesNotWait()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Mixed, 100, iterations: 10, cpuFraction: 1), new[] { ConcurrencyModel.ThreadPool }, new[] { 100 });
        Assert.Null(ThreadPoolStarvationWarning.For(plan, poolThreads: 2));
    }

    [Fact]
    public void TheRowCountsThreadsThePoolAdded()
    {
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        int before = ThreadPool.ThreadCount;
        int workers = before + 8;
        // With the minimum raised, the pool starts a thread per queued item at once: a known injection.
        Assert.True(ThreadPool.SetMinThreads(workers + 8, minIo));
        try
        {
            var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, workers, durationMs: 300));
            ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.ThreadPool).Run(workload, workers, CancellationToken.None);
            Assert.Null(result.Error);
            Assert.NotNull(result.ThreadPoolThreadsAdded);
            Assert.InRange(result.ThreadPoolThreadsAdded!.Value, 1, workers + 8);
        }
        finally
        {
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }

        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2, 1_000), new[] { ConcurrencyModel.Threads, ConcurrencyModel.Processes }, new[] { 2 }, repeat: 1, warmup: 0, measureOverhead: false);
        var rows = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).ToList();
        Assert.NotNull(rows.Single(r => r.Model == "Threads").ThreadPoolThreadsAdded);
        Assert.Null(rows.Single(r => r.Model == "Processes").ThreadPoolThreadsAdded);
    }
}
