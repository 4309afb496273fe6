using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// CheckThenAct: every thread walks the same keys and adds each one if it is absent, the race window
/// between the check and the add. A key added twice is an overwrite of another thread's value.
/// None and the locks use a plain <see cref="Dictionary{TKey, TValue}"/> (concurrent writes can corrupt it
/// and make it throw); Volatile and Interlocked cannot guard a dictionary, so they initialise one slot
/// per key lazily, the pattern of <c>LazyInitializer</c>; ConcurrentDictionary uses <c>TryAdd</c>.
/// </summary>
internal sealed class CheckThenActRace : RaceSubject
{
    private Dictionary<int, int> _dictionary = new();
    private ConcurrentDictionary<int, int> _concurrent = new();
    private int[] _slots = Array.Empty<int>();

    public CheckThenActRace(RaceStrategy strategy, int threads, int operations)
        : base(strategy, threads, operations)
    {
    }

    /// <summary>Each key added once.</summary>
    public override long Expected => Operations;

    public override void Reset()
    {
        switch (Strategy)
        {
            case RaceStrategy.Volatile or RaceStrategy.Interlocked:
                _slots = new int[Operations];
                break;
            case RaceStrategy.ConcurrentDictionary:
                _concurrent = new ConcurrentDictionary<int, int>();
                break;
            default:
                // No capacity: the resizes under concurrent adds are part of what breaks.
                _dictionary = new Dictionary<int, int>();
                break;
        }
    }

    public override long Observe(ReadOnlySpan<ThreadTally> tallies)
    {
        long acts = 0;
        foreach (ThreadTally tally in tallies)
        {
            acts += tally.Acts;
        }

        return acts;
    }

    public override string DescribeDifference(long observed) =>
        observed > Expected ? $"{observed - Expected} keys added twice (overwrites)" : $"{Expected - observed} keys never added";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken)
    {
        int operations = Operations;
        int mark = thread + 1;
        switch (Strategy)
        {
            case RaceStrategy.None:
                Dictionary<int, int> plain = _dictionary;
                for (int key = 0; key < operations && !cancellationToken.IsCancellationRequested; key++)
                {
                    if (!plain.ContainsKey(key))
                    {
                        gap.Open();
                        plain[key] = mark;
                        tally.Acts++;
                    }
                }

                break;
            case RaceStrategy.Volatile:
                int[] slots = _slots;
                for (int key = 0; key < operations && !cancellationToken.IsCancellationRequested; key++)
                {
                    if (Volatile.Read(ref slots[key]) == 0)
                    {
                        gap.Open();
                        Volatile.Write(ref slots[key], mark);
                        tally.Acts++;
                    }
                }

                break;
            case RaceStrategy.Interlocked:
                int[] published = _slots;
                for (int key = 0; key < operations && !cancellationToken.IsCancellationRequested; key++)
                {
                    if (Volatile.Read(ref published[key]) == 0)
                    {
                        gap.Open();
                        if (Interlocked.CompareExchange(ref published[key], mark, 0) == 0)
                        {
                            tally.Acts++;
                        }
                    }
                }

                break;
            case RaceStrategy.ConcurrentDictionary:
                ConcurrentDictionary<int, int> concurrent = _concurrent;
                for (int key = 0; key < operations && !cancellationToken.IsCancellationRequested; key++)
                {
                    if (!concurrent.ContainsKey(key))
                    {
                        gap.Open();
                        if (concurrent.TryAdd(key, mark))
                        {
                            tally.Acts++;
                        }
                    }
                }

                break;
            default:
                RaceGuard guard = Guard!;
                Dictionary<int, int> guarded = _dictionary;
                for (int key = 0; key < operations && !cancellationToken.IsCancellationRequested; key++)
                {
                    guard.Enter();
                    try
                    {
                        if (!guarded.ContainsKey(key))
                        {
                            gap.Open();
                            guarded[key] = mark;
                            tally.Acts++;
                        }
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
