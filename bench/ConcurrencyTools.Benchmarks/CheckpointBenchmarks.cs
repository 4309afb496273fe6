using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// What the measuring itself costs a Cpu task: the same task with a context whose checkpoint does
/// nothing (the baseline), with the thread models' cancellation checkpoint, and under an uncontended
/// interpreter lock. Goal: both within 10% of the baseline, so models differ by their concurrency, not
/// by their bookkeeping.
/// </summary>
[MemoryDiagnoser]
public class CheckpointBenchmarks
{
    private readonly Workload _workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, 1, 1_000_000));
    private readonly ITaskContext _blocking = new BlockingTaskContext(CancellationToken.None);
    private GilScheduler? _gil;
    private ITaskContext? _gilContext;

    [GlobalSetup]
    public void Setup()
    {
        _gil = new GilScheduler(System.TimeSpan.FromMilliseconds(5), CancellationToken.None);
        _gil.Acquire();
        _gilContext = new GilCheckpointContext(_gil);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gil!.Release();
        _gil.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long NoOpCheckpoint() => _workload.RunTaskAsync(0, NoOpTaskContext.Instance).Result;

    [Benchmark]
    public long CancellationCheckpoint() => _workload.RunTaskAsync(0, _blocking).Result;

    [Benchmark]
    public long UncontendedGilCheckpoint() => _workload.RunTaskAsync(0, _gilContext!).Result;

    private sealed class GilCheckpointContext : ITaskContext
    {
        private readonly GilScheduler _gil;

        public GilCheckpointContext(GilScheduler gil) => _gil = gil;

        public CancellationToken CancellationToken => CancellationToken.None;

        public void Checkpoint() => _gil.Checkpoint();

        public ValueTask WaitAsync(int milliseconds) => default;
    }
}
