using System.Threading;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// Per-task dispatch cost of each in-process model: one run of 10,000 empty tasks with 4 workers per
/// operation, reported per task (the run's fixed costs, such as starting threads and the sampler, are
/// spread over the 10,000 tasks). Goal: ThreadPool under 5 microseconds per task.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    /// <summary>Tasks per run: every operation is one run of this many empty tasks.</summary>
    public const int Tasks = 10_000;

    private readonly Workload _empty = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, Tasks).AsEmpty());

    /// <summary>The model under test.</summary>
    [Params(ConcurrencyModel.Sequential, ConcurrencyModel.Threads, ConcurrencyModel.ThreadPool, ConcurrencyModel.EventLoop, ConcurrencyModel.GilThreads)]
    public ConcurrencyModel Model { get; set; }

    /// <summary>One empty task, dispatched by the model.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public long EmptyTask() => ExecutionModel.Create(Model).Run(_empty, 4, CancellationToken.None).Checksum;
}
