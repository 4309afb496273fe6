using System.Threading;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// Per-thread start cost: a bare thread started and joined, against the Threads model with 64 workers
/// on 64 empty tasks, per worker (a run's fixed costs spread over its 64 threads).
/// </summary>
[MemoryDiagnoser]
public class ThreadStartBenchmarks
{
    private const int Workers = 64;
    private readonly Workload _empty = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, Workers).AsEmpty());

    /// <summary>new Thread, Start, Join.</summary>
    [Benchmark(Baseline = true)]
    public void BareThread()
    {
        var thread = new Thread(() => { }) { IsBackground = true };
        thread.Start();
        thread.Join();
    }

    /// <summary>One worker thread of a 64-worker Threads run.</summary>
    [Benchmark(OperationsPerInvoke = Workers)]
    public long ThreadsModelWorker() => ExecutionModel.Create(ConcurrencyModel.Threads).Run(_empty, Workers, CancellationToken.None).Checksum;
}
