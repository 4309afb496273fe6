using System.Threading;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// The cost of each in-process model on 64 empty tasks with 4 workers, measured side by side: what
/// ModelOverheadMs reports per run, here with BenchmarkDotNet's statistics.
/// </summary>
[MemoryDiagnoser]
public class ModelOverheadBenchmarks
{
    private readonly Workload _empty = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, 64).AsEmpty());

    [Params(ConcurrencyModel.Sequential, ConcurrencyModel.Threads, ConcurrencyModel.ThreadPool, ConcurrencyModel.EventLoop, ConcurrencyModel.GilThreads)]
    public ConcurrencyModel Model { get; set; }

    [Benchmark]
    public long EmptyTasks() => ExecutionModel.Create(Model).Run(_empty, 4, CancellationToken.None).Checksum;
}
