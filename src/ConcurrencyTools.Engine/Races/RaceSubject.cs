using System;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// The shared state of one scenario under one strategy, and what each thread does to it. The strategy is
/// chosen once per thread and trial, outside the loop, so the loop itself holds only the strategy's own code.
/// </summary>
internal abstract class RaceSubject : IDisposable
{
    protected RaceSubject(RaceStrategy strategy, int threads, int operations)
    {
        Strategy = strategy;
        Threads = threads;
        Operations = operations;
        Guard = RaceGuard.Create(strategy);
    }

    public RaceStrategy Strategy { get; }

    /// <summary>Threads of a trial.</summary>
    public int Threads { get; }

    /// <summary>Operations per thread.</summary>
    public int Operations { get; }

    /// <summary>The lock of a lock-based strategy, or null.</summary>
    protected RaceGuard? Guard { get; }

    /// <summary>The value every trial must end with.</summary>
    public abstract long Expected { get; }

    public static RaceSubject Create(RaceScenario scenario, RaceStrategy strategy, RaceWindow window, int threads, int operations) => scenario switch
    {
        RaceScenario.Counter => new CounterRace(strategy, window, threads, operations),
        RaceScenario.CheckThenAct => new CheckThenActRace(strategy, threads, operations),
        RaceScenario.Transfer => new TransferRace(strategy, threads, operations),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
    };

    /// <summary>Fresh shared state before a trial, made on the coordinating thread.</summary>
    public abstract void Reset();

    /// <summary>One thread's operations of a trial. Stops early, between operations, when cancelled.</summary>
    public abstract void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken);

    /// <summary>The observed value after all threads are done.</summary>
    public abstract long Observe(ReadOnlySpan<ThreadTally> tallies);

    /// <summary>What a value other than <see cref="Expected"/> means, e.g. "3 updates lost".</summary>
    public abstract string DescribeDifference(long observed);

    public void Dispose() => Guard?.Dispose();
}
