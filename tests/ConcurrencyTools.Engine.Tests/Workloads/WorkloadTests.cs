using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class WorkloadTests
{
    /// <summary>Runs tasks inline: no cancellation, no waiting; counts checkpoints and records the waits asked for.</summary>
    internal sealed class NullContext : ITaskContext
    {
        public CancellationToken CancellationToken => CancellationToken.None;

        public int Checkpoints { get; private set; }

        public System.Collections.Generic.List<int> Waits { get; } = new();

        public void Checkpoint() => Checkpoints++;

        public System.Threading.Tasks.ValueTask WaitAsync(int milliseconds)
        {
            Waits.Add(milliseconds);
            return default;
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 999)]
    [InlineData(4, 1000)]
    [InlineData(5, 12_345)]
    [InlineData(2, 4096 * 3 + 7)]
    public void CpuChecksumMatchesDirectSummation(int tasks, long iterations)
    {
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks, iterations));
        long direct = 0;
        for (long j = 0; j < tasks * iterations; j++)
        {
            direct += j * j % 1000;
        }

        // Each task adds a mix of its index, so that the total tells the tasks apart.
        direct = Enumerable.Range(0, tasks).Aggregate(direct, (total, i) => unchecked(total + Workload.Mix(i)));

        long run = Enumerable.Range(0, tasks).Aggregate(0L, (total, i) => unchecked(total + workload.RunTaskAsync(i, new NullContext()).Result));
        Assert.Equal(direct, run);
        Assert.Equal(direct, workload.ExpectedChecksum());
    }

    [Fact]
    public void CpuExpectedChecksumHoldsFarAlongTheRange()
    {
        // Task 1000 of 10^6 iterations starts at j = 10^9, where j*j no longer fits in 32 bits.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, 1001, 1_000_000));
        Assert.Equal(workload.ExpectedChecksum(1000), workload.RunTaskAsync(1000, new NullContext()).Result);
    }

    [Fact]
    public void CpuWorkCheckpointsEveryInterval()
    {
        var context = new NullContext();
        Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, 1, Workload.CheckpointInterval * 5L)).RunTaskAsync(0, context).AsTask().Wait();
        Assert.Equal(5, context.Checkpoints);
    }

    public static TheoryData<WorkloadSpec> EveryWorkload() => new()
    {
        // 1000 iterations: a whole period of the Cpu loop, so every slice sums to the same 461,500.
        new WorkloadSpec(WorkloadKind.Cpu, 8, 1000),
        new WorkloadSpec(WorkloadKind.Cpu, 8, 3000),
        new WorkloadSpec(WorkloadKind.Io, 8, durationMs: 0),
        new WorkloadSpec(WorkloadKind.Mixed, 8, 2000, durationMs: 0, cpuFraction: 0.5),
        new WorkloadSpec(WorkloadKind.Memory, 8, 1000),
        new WorkloadSpec(WorkloadKind.Recursive, 8, depth: 10),
        new WorkloadSpec(WorkloadKind.Cpu, 8, 1000).AsEmpty(),
    };

    [Theory]
    [MemberData(nameof(EveryWorkload))]
    public void EveryTaskHasItsOwnChecksumSoADuplicateIsSeen(WorkloadSpec spec)
    {
        var workload = Workload.Create(spec);
        long[] values = Enumerable.Range(0, spec.Tasks).Select(workload.ExpectedChecksum).ToArray();
        Assert.Equal(spec.Tasks, values.Distinct().Count());
        Assert.Equal(values, Enumerable.Range(0, spec.Tasks).Select(i => workload.RunTaskAsync(i, new NullContext()).Result));

        // Task 1 twice and task 2 never: the total differs from the expected one.
        long faulty = values.Select((v, i) => i == 2 ? values[1] : v).Aggregate(0L, (a, v) => unchecked(a + v));
        Assert.NotEqual(workload.ExpectedChecksum(), faulty);
    }

    [Fact]
    public void SpecRoundTripsThroughArguments()
    {
        var spec = new WorkloadSpec(WorkloadKind.Io, 17, 123, 45);
        WorkloadSpec copy = WorkloadSpec.Parse(spec.ToArguments());
        Assert.Equal((spec.Kind, spec.Tasks, spec.Iterations, spec.DurationMs), (copy.Kind, copy.Tasks, copy.Iterations, copy.DurationMs));
        Assert.Equal("DurationMs=45", copy.TaskSize);
        Assert.Equal("Iterations=123", new WorkloadSpec(WorkloadKind.Cpu, 1, 123).TaskSize);
    }

    [Theory]
    [InlineData(0, 1, 0, "Tasks")]
    [InlineData(-5, 1, 0, "Tasks")]
    [InlineData(1, 0, 0, "Iterations")]
    [InlineData(1, 1, -1, "DurationMs")]
    [InlineData(1, 1, 3_600_001, "DurationMs")]
    public void BadSizesAreRejectedNamingTheParameter(int tasks, long iterations, int durationMs, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkloadSpec(WorkloadKind.Cpu, tasks, iterations, durationMs));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
    }

    [Theory]
    [InlineData("--workload", "Disk")]
    [InlineData("--tasks", "x")]
    [InlineData("--bogus", "1")]
    [InlineData("--tasks")]
    public void MalformedWorkerArgumentsAreRejected(params string[] args)
    {
        Assert.ThrowsAny<Exception>(() => WorkloadSpec.Parse(args));
    }

    [Fact]
    public void ModelNamesAreTheDocumentedOnes()
    {
        Assert.Equal(
            new[] { "Sequential", "Threads", "ThreadPool", "EventLoop", "Processes", "GilThreads", "Runspaces", "ForEachParallel", "ThreadJob", "Jobs" },
            Enum.GetNames<ConcurrencyModel>());
    }
}
