using System;
using System.Threading;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The workloads' checksums pinned to values computed outside .NET (Python, from the documented
/// formulas), so a change to the mixing or the summing cannot pass by changing both sides alike; their
/// checkpoints and waits; and the spec's limits and worker-argument form.
/// </summary>
public class WorkloadRulesTests
{
    private static long Run(WorkloadSpec spec, int index, WorkloadTests.NullContext? context = null) =>
        Workload.Create(spec).RunTaskAsync(index, context ?? new WorkloadTests.NullContext()).AsTask().GetAwaiter().GetResult();

    [Theory]
    // SplitMix64's output for the state 0 is the well-known 0xE220A8397B1DCDAF.
    [InlineData(0L, -2152535657050944081L)]
    [InlineData(1L, -7995527694508729151L)]
    [InlineData(-1L, -1956407806741107680L)]
    [InlineData(1L << 40, 2296115805719413641L)]
    public void MixIsSplitMix64(long value, long expected) => Assert.Equal(expected, Workload.Mix(value));

    [Fact]
    public void ChecksumsAreTheDocumentedFormulas()
    {
        // Cpu: sum of (j*j) % 1000 over the task's slice, plus Mix(index). A whole period sums to 461,500.
        Assert.Equal(-2152535657050482581L, Run(new WorkloadSpec(WorkloadKind.Cpu, 1, 1000), 0));
        Assert.Equal(2092789425003143038L, Run(new WorkloadSpec(WorkloadKind.Cpu, 4, 10), 3));
        Assert.Equal(2092789425003143038L, Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, 4, 10)).ExpectedChecksum(3));

        // Mixed at CpuFraction 1 computes the Cpu slice of its own index: [30, 40) for task 3 of 10
        // iterations (a slice of whole periods would sum the same wherever it starts).
        var mixed = new WorkloadSpec(WorkloadKind.Mixed, 4, 10, durationMs: 0, cpuFraction: 1);
        Assert.Equal(2092789425003143038L, Run(mixed, 3));
        Assert.Equal(2092789425003143038L, Workload.Create(mixed).ExpectedChecksum(3));

        // Memory: the low 20 bits of Mix(index << 40 + k), for k below Iterations, added up.
        Assert.Equal(5395033L, Run(new WorkloadSpec(WorkloadKind.Memory, 3, 10), 2));
        Assert.Equal(5395033L, Workload.Create(new WorkloadSpec(WorkloadKind.Memory, 3, 10)).ExpectedChecksum(2));

        // Recursive: fib(22) = 17711, plus Mix(index).
        Assert.Equal(7134611160154376329L, Run(new WorkloadSpec(WorkloadKind.Recursive, 6, depth: 22), 5));
        Assert.Equal(7134611160154376329L, Workload.Create(new WorkloadSpec(WorkloadKind.Recursive, 6, depth: 22)).ExpectedChecksum(5));
        Assert.Equal(1 + Workload.Mix(0), Workload.Create(new WorkloadSpec(WorkloadKind.Recursive, 1, depth: 1)).ExpectedChecksum(0));
        Assert.Equal(1 + Workload.Mix(0), Run(new WorkloadSpec(WorkloadKind.Recursive, 1, depth: 1), 0));
        Assert.Equal(1 + Workload.Mix(0), Run(new WorkloadSpec(WorkloadKind.Recursive, 1, depth: 2), 0));

        // Io and empty tasks: Mix(index) alone.
        Assert.Equal(Workload.Mix(4), Run(new WorkloadSpec(WorkloadKind.Io, 5, durationMs: 0), 4));
        Assert.Equal(Workload.Mix(4), Run(new WorkloadSpec(WorkloadKind.Memory, 5, 10).AsEmpty(), 4));
        Assert.Equal(Workload.Mix(4), Workload.Create(new WorkloadSpec(WorkloadKind.Io, 5, durationMs: 0).AsEmpty()).ExpectedChecksum(4));
    }

    [Theory]
    [InlineData(WorkloadKind.Memory, 4096L * 3, 30, 4)]        // every 4096 numbers, and once at the end
    [InlineData(WorkloadKind.Memory, (4096L * 3) - 1, 30, 3)]
    [InlineData(WorkloadKind.Recursive, 1L, 19, 1)]            // below depth 20 only at the end
    [InlineData(WorkloadKind.Recursive, 1L, 20, 2)]
    [InlineData(WorkloadKind.Recursive, 1L, 22, 3)]            // fib(22) reaches fib(20) twice
    [InlineData(WorkloadKind.Io, 1L, 30, 1)]
    public void TasksCheckpointWhereTheyShould(WorkloadKind kind, long iterations, int depth, int checkpoints)
    {
        var context = new WorkloadTests.NullContext();
        Run(new WorkloadSpec(kind, 1, iterations, durationMs: 0, depth: depth), 0, context);
        Assert.Equal(checkpoints, context.Checkpoints);
    }

    [Fact]
    public void IoAndMixedTasksWaitTheirShareAndEmptyTasksDoNothing()
    {
        var io = new WorkloadTests.NullContext();
        Run(new WorkloadSpec(WorkloadKind.Io, 1, durationMs: 37), 0, io);
        Assert.Equal(new[] { 37 }, io.Waits);

        var mixed = new WorkloadTests.NullContext();
        Run(new WorkloadSpec(WorkloadKind.Mixed, 1, 100, durationMs: 40, cpuFraction: 0.25), 0, mixed);
        Assert.Equal(new[] { 30 }, mixed.Waits);

        var empty = new WorkloadTests.NullContext();
        Run(new WorkloadSpec(WorkloadKind.Io, 1, durationMs: 37).AsEmpty(), 0, empty);
        Assert.Empty(empty.Waits);
        Assert.Equal(0, empty.Checkpoints);
    }

    [Fact]
    public void EverySizeCrossesToAWorkerProcessAndBack()
    {
        var specs = new[]
        {
            new WorkloadSpec(WorkloadKind.Mixed, 17, 1234, 56, cpuFraction: 0.3, depth: 7),
            new WorkloadSpec(WorkloadKind.Recursive, 3, 99, 0, cpuFraction: 0, depth: 50),
            new WorkloadSpec(WorkloadKind.Memory, WorkloadSpec.MaxTasks, WorkloadSpec.MaxMemoryIterations, WorkloadSpec.MaxDurationMs, cpuFraction: 1, depth: 1).AsEmpty(),
        };
        foreach (WorkloadSpec spec in specs)
        {
            WorkloadSpec copy = WorkloadSpec.Parse(spec.ToArguments());
            Assert.Equal(
                (spec.Kind, spec.Tasks, spec.Iterations, spec.DurationMs, spec.CpuFraction, spec.Depth, spec.IsEmpty, spec.TaskSize),
                (copy.Kind, copy.Tasks, copy.Iterations, copy.DurationMs, copy.CpuFraction, copy.Depth, copy.IsEmpty, copy.TaskSize));
        }

        Assert.Equal("Iterations=1234;DurationMs=56;CpuFraction=0.3", specs[0].TaskSize);
        Assert.Equal("Depth=50", specs[1].TaskSize);
        Assert.Equal("Empty", specs[2].TaskSize);
        Assert.Equal("Iterations=10", new WorkloadSpec(WorkloadKind.Memory, 1, 10).TaskSize);
        Assert.False(specs[0].IsEmpty);
    }

    [Fact]
    public void MalformedWorkerArgumentsSayWhatIsWrong()
    {
        Assert.Equal("Argument '--depth' has no value.", Assert.Throws<FormatException>(() => WorkloadSpec.Parse(new[] { "--workload", "Cpu", "--depth" })).Message);
        Assert.Equal("Missing --workload.", Assert.Throws<FormatException>(() => WorkloadSpec.Parse(new[] { "--tasks", "3" })).Message);
        Assert.Equal("Unknown argument '--fibers'.", Assert.Throws<FormatException>(() => WorkloadSpec.Parse(new[] { "--fibers", "3" })).Message);
        Assert.Throws<ArgumentNullException>(() => WorkloadSpec.Parse(null!));
        WorkloadSpec io = WorkloadSpec.Parse(new[] { "--workload", "io" });
        Assert.Equal(WorkloadKind.Io, io.Kind);
        Assert.False(io.IsEmpty);
        Assert.StartsWith("Workload '99' is not a known workload.", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkloadSpec((WorkloadKind)99)).Message);
    }

    [Theory]
    [InlineData(WorkloadKind.Cpu, WorkloadSpec.MaxTasks + 1, 1L, 0, 0.5, 1, "Tasks")]
    [InlineData(WorkloadKind.Cpu, 1, WorkloadSpec.MaxIterations + 1, 0, 0.5, 1, "Iterations")]
    [InlineData(WorkloadKind.Memory, 1, WorkloadSpec.MaxMemoryIterations + 1, 0, 0.5, 1, "Iterations")]
    [InlineData(WorkloadKind.Io, 1, 1L, WorkloadSpec.MaxDurationMs + 1, 0.5, 1, "DurationMs")]
    [InlineData(WorkloadKind.Recursive, 1, 1L, 0, 0.5, 0, "Depth")]
    [InlineData(WorkloadKind.Recursive, 1, 1L, 0, 0.5, WorkloadSpec.MaxDepth + 1, "Depth")]
    [InlineData(WorkloadKind.Mixed, 1, 1L, 0, -0.01, 1, "CpuFraction")]
    [InlineData((WorkloadKind)99, 1, 1L, 0, 0.5, 1, "Workload")]
    public void SizesJustOutsideTheLimitsAreRejected(WorkloadKind kind, int tasks, long iterations, int durationMs, double cpuFraction, int depth, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkloadSpec(kind, tasks, iterations, durationMs, cpuFraction, depth));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void SizesAtTheLimitsAreAccepted()
    {
        Assert.Equal(WorkloadSpec.MaxTasks, new WorkloadSpec(WorkloadKind.Cpu, WorkloadSpec.MaxTasks, 1).Tasks);
        Assert.Equal(WorkloadSpec.MaxIterations, new WorkloadSpec(WorkloadKind.Cpu, 1, WorkloadSpec.MaxIterations).Iterations);
        Assert.Equal(WorkloadSpec.MaxMemoryIterations, new WorkloadSpec(WorkloadKind.Memory, 1, WorkloadSpec.MaxMemoryIterations).Iterations);
        Assert.Equal(WorkloadSpec.MaxDurationMs, new WorkloadSpec(WorkloadKind.Io, 1, durationMs: WorkloadSpec.MaxDurationMs).DurationMs);
        Assert.Equal(0, new WorkloadSpec(WorkloadKind.Io, 1, durationMs: 0).DurationMs);
        Assert.Equal(1, new WorkloadSpec(WorkloadKind.Recursive, 1, depth: 1).Depth);
        Assert.Equal(WorkloadSpec.MaxDepth, new WorkloadSpec(WorkloadKind.Recursive, 1, depth: WorkloadSpec.MaxDepth).Depth);
        Assert.Equal((0.0, 1.0), (new WorkloadSpec(WorkloadKind.Mixed, cpuFraction: 0).CpuFraction, new WorkloadSpec(WorkloadKind.Mixed, cpuFraction: 1).CpuFraction));
    }

    [Fact]
    public void TheTotalChecksumCanBeStoppedAndNullSpecsAreRejected()
    {
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        Workload workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 3, durationMs: 0));
        Assert.Throws<OperationCanceledException>(() => workload.ExpectedChecksum(stopped.Token));
        Assert.Equal(unchecked(Workload.Mix(0) + Workload.Mix(1) + Workload.Mix(2)), workload.ExpectedChecksum());
        Assert.Throws<ArgumentNullException>(() => Workload.Create(null!));
    }
}
