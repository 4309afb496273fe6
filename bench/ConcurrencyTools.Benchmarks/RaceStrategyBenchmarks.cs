using System.Threading;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Races;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// The uncontended price of each Test-RaceCondition strategy: one thread, 1,000 Counter increments
/// per invocation, no race window, the same loop the cmdlet times. With BenchmarkDotNet's statistics it
/// checks the ranking that NsPerOperation reports (goal: Interlocked far cheaper than Mutex).
/// </summary>
public class RaceStrategyBenchmarks
{
    private const int Operations = 1_000;
    private RaceSubject? _subject;
    private RaceGap? _gap;

    /// <summary>The strategy under test.</summary>
    [Params(RaceStrategy.None, RaceStrategy.Volatile, RaceStrategy.Interlocked, RaceStrategy.Lock, RaceStrategy.SpinLock,
        RaceStrategy.Mutex, RaceStrategy.SemaphoreSlim, RaceStrategy.ReaderWriterLockSlim, RaceStrategy.ConcurrentDictionary)]
    public RaceStrategy Strategy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _subject = RaceSubject.Create(RaceScenario.Counter, Strategy, RaceWindow.None, threads: 1, Operations);
        _gap = new RaceGap(RaceWindow.None, seed: 1, trial: 1, thread: 0, configuration: 0);
        _subject.Reset();
    }

    [GlobalCleanup]
    public void Cleanup() => _subject!.Dispose();

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Increment()
    {
        var tally = default(ThreadTally);
        _subject!.Run(0, ref tally, _gap!, CancellationToken.None);
    }
}
