using System;
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

public class ModelTests
{
    public static IEnumerable<object[]> AllModelsAndWorkloads() =>
        from model in MeasurementPlan.BuiltInModels
        from workload in Enum.GetValues<WorkloadKind>()
        from workers in new[] { 1, 3 }
        select new object[] { model, workload, workers };

    [Theory]
    [MemberData(nameof(AllModelsAndWorkloads))]
    public void EveryModelRunsEveryTaskOnceWithTheExpectedChecksum(ConcurrencyModel model, WorkloadKind kind, int workers)
    {
        var workload = Workload.Create(new WorkloadSpec(kind, tasks: 7, iterations: 50_000, durationMs: 5));
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, workers, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(7, result.CompletedTasks);
        Assert.Equal(workload.ExpectedChecksum(), result.Checksum);
        Assert.True(result.Elapsed > TimeSpan.Zero);
        Assert.Equal(model == ConcurrencyModel.Processes, result.Startup.HasValue);
        Assert.Equal(model == ConcurrencyModel.GilThreads, result.GilSwitches.HasValue);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    public void InProcessRunsCountTheirCpuTime(ConcurrencyModel model)
    {
        // 4 x 25 million iterations: tens of milliseconds of CPU time on any machine, loaded or not
        // (CPU time, not wall-clock time). A run that did not measure it would report zero.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: 4, iterations: 25_000_000));
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 2, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.True(result.CpuTime >= TimeSpan.FromMilliseconds(20), $"CPU time {result.CpuTime}");
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential, 1)]
    [InlineData(ConcurrencyModel.Threads, 4)]
    [InlineData(ConcurrencyModel.GilThreads, 4)]
    [InlineData(ConcurrencyModel.EventLoop, 1)]
    public void ThreadsUsedIsWhatTheModelPromises(ConcurrencyModel model, int expectedThreads)
    {
        // Each task waits until tasks have begun on as many threads as the model promises: on a machine at load 86,
        // three GilThreads workers once ran all 8 tasks before the fourth got to run one.
        var probe = new ProbeWorkload(tasks: 8, waitMs: 50, holdUntilThreads: expectedThreads);
        ModelRunResult result = ExecutionModel.Create(model).Run(probe, 4, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(expectedThreads, result.ThreadsUsed);
        Assert.Equal(expectedThreads, probe.Threads.Count);
    }

    [Fact]
    public void SequentialRunsOnTheCallingThreadAndStartsNone()
    {
        // Plain sequential code starts no thread; the baseline should not pay for one either.
        var probe = new ProbeWorkload(tasks: 3, waitMs: 1);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Sequential).Run(probe, 4, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(new[] { Environment.CurrentManagedThreadId }, probe.Threads.Keys);
    }

    [Fact]
    public void EventLoopRunsEveryTaskOnOneThreadWithTheWaitsOverlapping()
    {
        var probe = new ProbeWorkload(tasks: 40, waitMs: 100);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(probe, 20, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Single(probe.Threads);
        Assert.Equal(20, probe.MaxWaiting);
    }

    [Fact]
    public void EventLoopCpuWorkBlocksTheLoop()
    {
        var probe = new ProbeWorkload(tasks: 6, spinMs: 20);
        ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(probe, 6, CancellationToken.None);
        Assert.Equal(1, probe.MaxComputing);
    }

    [Fact]
    public void EventLoopRunsAThousandWaitsAtOnceOnOneThread()
    {
        var probe = new ProbeWorkload(tasks: 1000, waitMs: 200);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.EventLoop).Run(probe, 1000, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(1, result.ThreadsUsed);
        Assert.Equal(1000, probe.MaxWaiting);
    }

    [Fact]
    public void GilThreadsNeverComputeTwoSlicesAtOnce()
    {
        var probe = new ProbeWorkload(tasks: 8, spinMs: 40);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.GilThreads, new ModelOptions { SwitchIntervalMs = 1 })
            .Run(probe, 4, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(1, probe.MaxComputing);
        Assert.Equal(1, result.GilMaxConcurrent);
        Assert.Equal(0, result.GilViolations);

        // The lock changed hands on request, so the threads really competed for it.
        Assert.True(result.GilForcedDrops > 0, $"forced drops: {result.GilForcedDrops}");
        Assert.True(result.GilSwitches > 4, $"switches: {result.GilSwitches}");
    }

    [Fact]
    public void TheProbeSeesOverlapWhenThreadsRunWithoutTheLock()
    {
        // The same probe under plain Threads: proof that it can see two slices at once on this machine.
        if (Environment.ProcessorCount < 2)
        {
            return;
        }

        var probe = new ProbeWorkload(tasks: 8, spinMs: 40);
        ExecutionModel.Create(ConcurrencyModel.Threads).Run(probe, 4, CancellationToken.None);
        Assert.True(probe.MaxComputing > 1, $"max computing at once: {probe.MaxComputing}");
    }

    [Fact]
    public void GilThreadsReleaseTheLockDuringWaits()
    {
        var probe = new ProbeWorkload(tasks: 8, waitMs: 100);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.GilThreads).Run(probe, 4, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(4, probe.MaxWaiting);
        Assert.Equal(0, result.GilViolations);
    }

    [Fact]
    public void GilSchedulerCountsCpuWorkWithoutTheLockAsAViolation()
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(5), CancellationToken.None);
        gil.Checkpoint();
        Assert.Equal(1, gil.Violations);
        gil.Acquire();
        gil.Checkpoint();
        Assert.Equal(1, gil.Violations);
        var intruder = new Thread(() => gil.Checkpoint());
        intruder.Start();
        intruder.Join();
        Assert.Equal(2, gil.Violations);
        gil.Release();
    }

    [Fact]
    public void GilSchedulerMakesAHolderHandOverAfterTheInterval()
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(2), CancellationToken.None);
        gil.Acquire();
        var other = Task.Run(() =>
        {
            gil.Acquire();
            gil.Release();
        });

        // The holder keeps computing; it gets the drop request from the waiter and hands over.
        var clock = Stopwatch.StartNew();
        while (!other.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            gil.Checkpoint();
        }

        Assert.True(other.IsCompleted);
        Assert.Equal(1, gil.ForcedDrops);
        Assert.Equal(3, gil.Switches);
        gil.Release();
    }

    public static IEnumerable<object[]> AllModels() => MeasurementPlan.BuiltInModels.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(AllModels))]
    public void AFailingTaskIsReportedAndStopsTheRun(ConcurrencyModel model)
    {
        if (model == ConcurrencyModel.Processes)
        {
            return; // Worker processes build their own task list; see ProcessesTests.
        }

        // Task 3 fails at once; the other worker finishes the task it holds (50 ms) and takes no more.
        // Tasks 0-2 plus at most one per worker may complete; a run that went on would complete 49.
        var probe = new ProbeWorkload(tasks: 50, waitMs: 50, failOn: 3);
        ModelRunResult result = ExecutionModel.Create(model).Run(probe, 2, CancellationToken.None);
        Assert.NotNull(result.Error);
        Assert.Contains("fails on purpose", result.Error!.Message);
        Assert.InRange(result.CompletedTasks, 0, 3 + 2);
        Assert.InRange(probe.Started, 4, 3 + 2 + 1);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void CancellationStopsEveryModelPromptly(ConcurrencyModel model)
    {
        foreach (WorkloadKind kind in new[] { WorkloadKind.Cpu, WorkloadKind.Io })
        {
            // Far too long to finish: a minute of waiting or several of computing per task.
            var workload = Workload.Create(new WorkloadSpec(kind, tasks: 4, iterations: 100_000_000_000, durationMs: 60_000));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(model == ConcurrencyModel.Processes ? 1500 : 300));
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => ExecutionModel.Create(model).Run(workload, 2, cts.Token));

            // Liveness, not speed: a model that ignored the token would run for minutes.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{model} {kind} took {clock.Elapsed}");
        }
    }

    [Fact]
    public void AnAlreadyCancelledTokenRunsNothing()
    {
        var probe = new ProbeWorkload(tasks: 4);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ExecutionModel.Create(ConcurrencyModel.Threads).Run(probe, 2, new CancellationToken(canceled: true)));
        Assert.Empty(probe.Threads);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void NonPositiveWorkersAreRejected(int workers)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExecutionModel.Create(ConcurrencyModel.Threads).Run(new ProbeWorkload(1), workers, CancellationToken.None));
        Assert.Equal("workers", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    public void NonPositiveSwitchIntervalIsRejected(double interval)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExecutionModel.Create(ConcurrencyModel.GilThreads, new ModelOptions { SwitchIntervalMs = interval }));
    }
}
