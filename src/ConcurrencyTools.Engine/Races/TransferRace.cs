using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// Transfer: two accounts, A and B. Each operation moves one unit one way (the direction drawn from the
/// seed), as a withdrawal then a deposit, each a read, the race window, and a write; then the thread audits
/// the total. A total that changed by the end is a lost update; an audit that saw a wrong total read the
/// two fields torn, mid-transfer. Interlocked keeps both balances in one 64-bit word, the only way a
/// single atomic instruction can move money between them.
/// </summary>
internal sealed class TransferRace : RaceSubject
{
    /// <summary>Each account's opening balance.</summary>
    public const long OpeningBalance = 1_000_000;

    private long _a;
    private long _b;
    private long _packed;
    private ConcurrentDictionary<int, long> _accounts = new();

    public TransferRace(RaceStrategy strategy, int threads, int operations)
        : base(strategy, threads, operations)
    {
    }

    public override long Expected => 2 * OpeningBalance;

    public override void Reset()
    {
        _a = OpeningBalance;
        _b = OpeningBalance;
        _packed = Pack(OpeningBalance, OpeningBalance);
        if (Strategy == RaceStrategy.ConcurrentDictionary)
        {
            _accounts = new ConcurrentDictionary<int, long>();
            _accounts[0] = OpeningBalance;
            _accounts[1] = OpeningBalance;
        }
    }

    public override long Observe(ReadOnlySpan<ThreadTally> tallies) => Strategy switch
    {
        RaceStrategy.Interlocked => Total(Interlocked.Read(ref _packed)),
        RaceStrategy.ConcurrentDictionary => _accounts[0] + _accounts[1],
        _ => Volatile.Read(ref _a) + Volatile.Read(ref _b),
    };

    /// <summary>Each account's balance after a trial (the total alone cannot tell a trial that moved nothing from one that moved every unit right).</summary>
    internal (long A, long B) Balances => Strategy switch
    {
        RaceStrategy.Interlocked => ((int)(Interlocked.Read(ref _packed) >> 32), (int)Interlocked.Read(ref _packed)),
        RaceStrategy.ConcurrentDictionary => (_accounts[0], _accounts[1]),
        _ => (Volatile.Read(ref _a), Volatile.Read(ref _b)),
    };

    public override string DescribeDifference(long observed) =>
        observed < Expected ? $"{Expected - observed} units lost" : $"{observed - Expected} units made from nothing";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken)
    {
        int operations = Operations;
        long expected = Expected;
        switch (Strategy)
        {
            case RaceStrategy.None:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    MovePlain(gap.NextBit(), gap);
                    if (_a + _b != expected)
                    {
                        tally.TornReads++;
                    }
                }

                break;
            case RaceStrategy.Volatile:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    bool aToB = gap.NextBit();
                    ref long from = ref aToB ? ref _a : ref _b;
                    ref long to = ref aToB ? ref _b : ref _a;
                    long balance = Volatile.Read(ref from);
                    gap.Open();
                    Volatile.Write(ref from, balance - 1);
                    balance = Volatile.Read(ref to);
                    gap.Open();
                    Volatile.Write(ref to, balance + 1);
                    if (Volatile.Read(ref _a) + Volatile.Read(ref _b) != expected)
                    {
                        tally.TornReads++;
                    }
                }

                break;
            case RaceStrategy.Interlocked:
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    bool aToB = gap.NextBit();
                    long state;
                    do
                    {
                        state = Volatile.Read(ref _packed);
                        // As many gaps as the two-step transfer of the other strategies, so the prices compare.
                        gap.Open();
                        gap.Open();
                    }
                    while (Interlocked.CompareExchange(ref _packed, Move(state, aToB), state) != state);

                    if (Total(Interlocked.Read(ref _packed)) != expected)
                    {
                        tally.TornReads++;
                    }
                }

                break;
            case RaceStrategy.ConcurrentDictionary:
                ConcurrentDictionary<int, long> accounts = _accounts;
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    bool aToB = gap.NextBit();
                    // Each update is atomic; the pair of them is not.
                    accounts.AddOrUpdate(aToB ? 0 : 1, static (_, _) => -1, static (_, value, g) =>
                    {
                        g.Open();
                        return value - 1;
                    }, gap);
                    accounts.AddOrUpdate(aToB ? 1 : 0, static (_, _) => 1, static (_, value, g) =>
                    {
                        g.Open();
                        return value + 1;
                    }, gap);
                    if (accounts[0] + accounts[1] != expected)
                    {
                        tally.TornReads++;
                    }
                }

                break;
            default:
                RaceGuard guard = Guard!;
                for (int i = 0; i < operations && !cancellationToken.IsCancellationRequested; i++)
                {
                    bool aToB = gap.NextBit();
                    guard.Enter();
                    try
                    {
                        MovePlain(aToB, gap);
                    }
                    finally
                    {
                        guard.Exit();
                    }

                    guard.EnterRead();
                    long total;
                    try
                    {
                        total = _a + _b;
                    }
                    finally
                    {
                        guard.ExitRead();
                    }

                    if (total != expected)
                    {
                        tally.TornReads++;
                    }
                }

                break;
        }
    }

    /// <summary>One unit from one account to the other with plain reads and writes, a race window after each read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MovePlain(bool aToB, RaceGap gap)
    {
        ref long from = ref aToB ? ref _a : ref _b;
        ref long to = ref aToB ? ref _b : ref _a;
        long balance = from;
        gap.Open();
        from = balance - 1;
        balance = to;
        gap.Open();
        to = balance + 1;
    }

    private static long Pack(long a, long b) => (long)(((ulong)(uint)(int)a << 32) | (uint)(int)b);

    private static long Total(long packed) => (long)(int)(packed >> 32) + (int)packed;

    private static long Move(long packed, bool aToB)
    {
        long a = (int)(packed >> 32);
        long b = (int)packed;
        return aToB ? Pack(a - 1, b + 1) : Pack(a + 1, b - 1);
    }
}
