using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>Counter: each thread increments one shared counter Operations times, with the race window between read and write.</summary>
internal sealed class CounterRace : RaceSubject
{
    private readonly RaceWindow _window;
    private long _count;
    private ConcurrentDictionary<int, long>? _dictionary;

    public CounterRace(RaceStrategy strategy, RaceWindow window, int threads, int operations)
        : base(strategy, threads, operations)
    {
        _window = window;
    }

    public override long Expected => (long)Threads * Operations;

    public override void Reset()
    {
        _count = 0;
        if (Strategy == RaceStrategy.ConcurrentDictionary)
        {
            _dictionary = new ConcurrentDictionary<int, long>();
            _dictionary[0] = 0;
        }
    }

    public override long Observe(ReadOnlySpan<ThreadTally> tallies) =>
        Strategy == RaceStrategy.ConcurrentDictionary ? _dictionary![0] : Volatile.Read(ref _count);

    public override string DescribeDifference(long observed) =>
        observed < Expected ? $"{Expected - observed} updates lost" : $"{observed - Expected} increments too many";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken)
    {
        int operations = Operations;
        switch (Strategy)
        {
            case RaceStrategy.None:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    long value = _count;
                    gap.Open();
                    _count = value + 1;
                }

                break;
            case RaceStrategy.Volatile:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    long value = Volatile.Read(ref _count);
                    gap.Open();
                    Volatile.Write(ref _count, value + 1);
                }

                break;
            case RaceStrategy.Interlocked when _window == RaceWindow.None:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    Interlocked.Increment(ref _count);
                }

                break;
            case RaceStrategy.Interlocked:
                // The window sits between the read and the compare-and-swap; a lost race retries.
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    long value;
                    do
                    {
                        value = Volatile.Read(ref _count);
                        gap.Open();
                    }
                    while (Interlocked.CompareExchange(ref _count, value + 1, value) != value);
                }

                break;
            case RaceStrategy.ConcurrentDictionary:
                ConcurrentDictionary<int, long> dictionary = _dictionary!;
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    dictionary.AddOrUpdate(0, static (_, _) => 1, static (_, value, g) =>
                    {
                        g.Open();
                        return value + 1;
                    }, gap);
                }

                break;
            default:
                RaceGuard guard = Guard!;
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    guard.Enter();
                    try
                    {
                        long value = _count;
                        gap.Open();
                        _count = value + 1;
                    }
                    finally
                    {
                        guard.Exit();
                    }
                }

                break;
        }
    }
}
