using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class DiagnosticsTests
{
    private sealed class NullContext : ITaskContext
    {
        public CancellationToken CancellationToken => CancellationToken.None;

        public void Checkpoint()
        {
        }

        public System.Threading.Tasks.ValueTask WaitAsync(int milliseconds) => default;
    }

    [Fact]
    public void MixedSplitsEachTaskBetweenComputeAndWait()
    {
        var spec = new WorkloadSpec(WorkloadKind.Mixed, 4, iterations: 10_000, durationMs: 80, cpuFraction: 0.25);
        Assert.Equal(2_500, spec.MixedIterations);
        Assert.Equal(60, spec.MixedDurationMs);
        Assert.Equal("Iterations=10000;DurationMs=80;CpuFraction=0.25", spec.TaskSize);
        var workload = Workload.Create(spec);
        Assert.Equal(workload.ExpectedChecksum(2), workload.RunTaskAsync(2, new NullContext()).Result);
        Assert.Equal(0, new WorkloadSpec(WorkloadKind.Mixed, 1, 10, 50, cpuFraction: 1).MixedDurationMs);
        Assert.Equal(0, new WorkloadSpec(WorkloadKind.Mixed, 1, 10, 50, cpuFraction: 0).MixedIterations);
    }

    [Fact]
    public void MemoryAndRecursiveChecksumsAreComputedIndependently()
    {
        var memory = Workload.Create(new WorkloadSpec(WorkloadKind.Memory, 3, iterations: 10_000));
        Assert.Equal(memory.ExpectedChecksum(1), memory.RunTaskAsync(1, new NullContext()).Result);
        Assert.NotEqual(memory.ExpectedChecksum(1), memory.ExpectedChecksum(2));

        // fib(25) = 75025; the checksum adds a mix of the task index so tasks differ.
        var recursive = Workload.Create(new WorkloadSpec(WorkloadKind.Recursive, 2, depth: 25));
        long task0 = recursive.RunTaskAsync(0, new NullContext()).Result;
        Assert.Equal(recursive.ExpectedChecksum(0), task0);
        Assert.Equal(75025, task0 - Workload.Mix(0));
        Assert.Equal("Depth=25", recursive.Spec.TaskSize);
    }

    [Theory]
    [InlineData(WorkloadKind.Memory, 200_000_000L, "Iterations")]
    [InlineData(WorkloadKind.Recursive, 1L, "Depth")]
    public void WorkloadSpecificLimitsAreEnforced(WorkloadKind kind, long iterations, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new WorkloadSpec(kind, 1, iterations, depth: parameter == "Depth" ? 51 : 10));
        Assert.Equal(parameter, error.ParamName);
        Assert.Equal("CpuFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkloadSpec(WorkloadKind.Mixed, cpuFraction: 1.5)).ParamName);
    }

    [Fact]
    public void WorkloadDefaultsDependOnTheWorkload()
    {
        Assert.Equal(WorkloadSpec.DefaultIterations, new WorkloadSpec(WorkloadKind.Cpu).Iterations);
        Assert.Equal(WorkloadSpec.DefaultMemoryIterations, new WorkloadSpec(WorkloadKind.Memory).Iterations);
    }

    [Fact]
    public void EmptyTasksKeepTheTaskCountAndSurviveTheWorkerArguments()
    {
        WorkloadSpec empty = new WorkloadSpec(WorkloadKind.Cpu, 5, 1_000_000).AsEmpty();
        WorkloadSpec copy = WorkloadSpec.Parse(empty.ToArguments());
        Assert.True(copy.IsEmpty);
        Assert.Equal(5, copy.Tasks);
        Assert.Equal("Empty", copy.TaskSize);
        var workload = Workload.Create(copy);
        Assert.Equal(workload.ExpectedChecksum(), ExecutionModel.Create(ConcurrencyModel.Threads).Run(workload, 2, CancellationToken.None).Checksum);
    }

    [Fact]
    public void InProcessRunsReportRuntimeCounters()
    {
        // 4 tasks x 2,000,000 longs: at least 64 MB of list storage, about twice that as the lists
        // double, most of it on the large object heap, whose budget forces collections.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Memory, 4, iterations: 2_000_000));
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Threads).Run(workload, 4, CancellationToken.None);
        Assert.Null(result.Error);
        RuntimeCounters counters = result.Counters!.Value;
        Assert.InRange(counters.AllocatedBytes, 4L * 2_000_000 * 8, 4L * 2_000_000 * 8 * 4);
        Assert.True(counters.Gen0Collections >= 1, $"gen0 {counters.Gen0Collections}");
        Assert.True(counters.Gen0Collections >= counters.Gen1Collections && counters.Gen1Collections >= counters.Gen2Collections, $"{counters}");
        Assert.True(result.PeakThreadCount >= 4 + 1, $"peak threads {result.PeakThreadCount}");
        Assert.True(result.PeakWorkingSetBytes > 4 * 200_000 * 8);
        Assert.Matches("^(Workstation|Server)/(Concurrent|NonConcurrent)$", result.GcMode);
    }

    [Fact]
    public void ThreadPoolRunsCountTheirWorkItems()
    {
        // One work item per task; the pool counts an item when it returns, so the few still in flight
        // when the run ends (at most one per worker) may be missing from the count.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 60, durationMs: 1));
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.ThreadPool).Run(workload, 3, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.True(result.Counters!.Value.ThreadPoolCompletedWorkItems >= 60 - 3, $"work items: {result.Counters.Value.ThreadPoolCompletedWorkItems}");
    }

    [Fact]
    public void ThreadPoolKeepsAtMostWorkersTasksInFlight()
    {
        // With enough pool threads at hand every slot starts at once, so exactly Workers tasks overlap.
        ThreadPool.GetMinThreads(out int workerThreads, out int ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workerThreads, 16), ioThreads);
        try
        {
            var probe = new ProbeWorkload(tasks: 12, waitMs: 50);
            ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.ThreadPool).Run(probe, 3, CancellationToken.None);
            Assert.Null(result.Error);
            Assert.Equal(3, probe.MaxWaiting);
        }
        finally
        {
            ThreadPool.SetMinThreads(workerThreads, ioThreads);
        }
    }

    [Fact]
    public void ProcessesReportTheWorkersCountersAndPeak()
    {
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Memory, 4, iterations: 200_000));
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Processes).Run(workload, 2, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.True(result.Counters!.Value.AllocatedBytes >= 4 * 200_000 * 8, $"allocated {result.Counters.Value.AllocatedBytes}");
        Assert.True(result.PeakWorkingSetBytes > 200_000 * 8);
        Assert.Null(result.PeakThreadCount);
        Assert.NotNull(result.GcMode);
    }

    [Fact]
    public void RowsCarryOverheadAndCountersAndLeaveOutWhatAModelCannotMeasure()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2, 10_000), new[] { ConcurrencyModel.Threads, ConcurrencyModel.Processes }, new[] { 2 }, repeat: 1, warmup: 0);
        var rows = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).ToList();
        WorkloadMeasurement threads = rows.Single(r => r.Model == "Threads");
        WorkloadMeasurement processes = rows.Single(r => r.Model == "Processes");
        Assert.NotNull(threads.ModelOverheadMs);
        Assert.NotNull(threads.PeakThreadCount);
        Assert.NotNull(threads.AllocatedBytes);
        Assert.NotNull(processes.ModelOverheadMs);
        Assert.Null(processes.PeakThreadCount);
        Assert.NotNull(processes.Gen0Collections);
        Assert.True(processes.ModelOverheadMs > 0);
        Assert.Equal("Iterations=10000", processes.TaskSize);
    }

    [Fact]
    public void OverheadCanBeLeftOut()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2, 1_000), new[] { ConcurrencyModel.Threads }, new[] { 1 }, repeat: 1, warmup: 0, measureOverhead: false);
        Assert.Equal(1, plan.TotalRuns);
        Assert.Null(new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single().ModelOverheadMs);
    }
}
