using System.Threading;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// What the harness adds to a Sequential run of empty tasks: the same tasks called in a bare loop
/// (the baseline) against a run of the Sequential model, which adds the task queue, the checksum and
/// thread bookkeeping, the sampler's first and last samples and the counters (it runs on the calling
/// thread, and the sampling thread is shared between runs). Goal: under 1 ms per run.
/// </summary>
[MemoryDiagnoser]
public class HarnessBenchmarks
{
    private Workload _empty = null!;

    /// <summary>Empty tasks per run: the cmdlet's default task count, and a large list.</summary>
    [Params(8, 10_000)]
    public int Tasks { get; set; }

    /// <summary>Builds the task list.</summary>
    [GlobalSetup]
    public void Setup() => _empty = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, Tasks).AsEmpty());

    /// <summary>The tasks in a plain loop on the calling thread.</summary>
    [Benchmark(Baseline = true)]
    public long BareLoop()
    {
        long sum = 0;
        for (int i = 0; i < Tasks; i++)
        {
            sum += _empty.RunTaskAsync(i, NoOpTaskContext.Instance).Result;
        }

        return sum;
    }

    /// <summary>The same tasks as one run of the Sequential model.</summary>
    [Benchmark]
    public long SequentialRun() => ExecutionModel.Create(ConcurrencyModel.Sequential).Run(_empty, 1, CancellationToken.None).Checksum;
}
