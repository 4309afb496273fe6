using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The code that runs race threads, checked where its outcome does not depend on how the threads interleave:
/// one thread cannot race, a cancelled thread does nothing, a lock held by one thread keeps the others out,
/// and the trial's span and the progress follow from what was run. Few threads, short trials, no widened
/// windows: fast enough for mutation testing (the tests of real races are in <see cref="RaceTests"/>).
/// </summary>
public class RaceThreadTests
{
    private static readonly RaceStrategy[] AllStrategies = Enum.GetValues<RaceStrategy>();

    private static readonly RaceStrategy[] Locks = [RaceStrategy.Lock, RaceStrategy.SpinLock, RaceStrategy.Mutex, RaceStrategy.SemaphoreSlim, RaceStrategy.ReaderWriterLockSlim];

    [Theory]
    [InlineData(RaceScenario.Counter, 40L)]
    [InlineData(RaceScenario.CheckThenAct, 40L)]
    [InlineData(RaceScenario.Transfer, 2_000_000L)]
    public void OneThreadEndsEveryTrialOfEveryStrategyWithTheExpectedValue(RaceScenario scenario, long expected)
    {
        // Several trials in a row: a trial that did not start from fresh state (a counter not reset, keys left
        // from the last trial, tallies kept) ends with another value.
        var plan = new RaceTestPlan([scenario], AllStrategies, threads: 1, increments: 40, trials: 3, RaceWindow.None, seed: 5);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<RaceTestResult> results = new RaceTest(plan).Run(null, CancellationToken.None);
        double runMs = clock.Elapsed.TotalMilliseconds;

        // The trials' times lie inside the run's (not a speed check: a bound that holds on any machine).
        Assert.InRange(results.Sum(r => r.ElapsedMs), 0, runMs + 0.01);

        Assert.Equal(AllStrategies.Select(s => s.ToString()), results.Select(r => r.Strategy));
        foreach (RaceTestResult result in results)
        {
            string strategy = result.Strategy;
            Assert.Equal((strategy, expected), (strategy, result.Expected));
            Assert.Equal((strategy, expected, expected), (strategy, result.MinObserved, result.MaxObserved));
            Assert.Equal((strategy, 0, 0L, (string?)null), (strategy, result.TrialsWithViolation, result.Exceptions, result.FirstError));
            Assert.Equal((strategy, 3, 40L), (strategy, result.Trials, result.Operations));
            Assert.Equal((strategy, scenario == RaceScenario.Transfer ? 0.0 : null), (strategy, result.MeanTornReads));
        }
    }

    [Theory]
    [InlineData(RaceScenario.Counter)]
    [InlineData(RaceScenario.CheckThenAct)]
    [InlineData(RaceScenario.Transfer)]
    public void ThreadsOfEveryCorrectStrategyTogetherEndWithTheExpectedValue(RaceScenario scenario)
    {
        // The sum over threads (CheckThenAct counts each thread's adds) and the locks' exclusion, with no window
        // widened: short and fast, and a correct strategy has no trial to lose whatever the interleaving.
        RaceStrategy[] strategies = scenario == RaceScenario.Transfer ? [RaceStrategy.Interlocked, .. Locks] : [RaceStrategy.Interlocked, RaceStrategy.ConcurrentDictionary, .. Locks];
        var plan = new RaceTestPlan([scenario], strategies, threads: 3, increments: 30, trials: 4, RaceWindow.None, seed: 9);
        IReadOnlyList<RaceTestResult> results = new RaceTest(plan).Run(null, CancellationToken.None);

        Assert.Equal(strategies.Select(s => s.ToString()), results.Select(r => r.Strategy));
        long expected = scenario switch { RaceScenario.Counter => 90, RaceScenario.CheckThenAct => 30, _ => 2_000_000 };
        foreach (RaceTestResult result in results)
        {
            Assert.Equal((result.Strategy, expected, expected, 0, 0L), (result.Strategy, result.MinObserved, result.MaxObserved, result.TrialsWithViolation, result.Exceptions));
        }
    }

    [Theory]
    [InlineData(RaceScenario.Counter, RaceWindow.Sleep)]
    [InlineData(RaceScenario.Counter, RaceWindow.None)]
    [InlineData(RaceScenario.CheckThenAct, RaceWindow.Sleep)]
    [InlineData(RaceScenario.Transfer, RaceWindow.Sleep)]
    public void AThreadStoppedBeforeItsTrialDoesNothing(RaceScenario scenario, RaceWindow window)
    {
        // A million operations of one-millisecond windows would take a quarter of an hour: a thread that did not
        // stop between operations would not return; one that did has changed nothing.
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        foreach (RaceStrategy strategy in AllStrategies)
        {
            using RaceSubject subject = RaceSubject.Create(scenario, strategy, window, threads: 1, operations: 1_000_000);
            subject.Reset();
            var tally = new ThreadTally();
            subject.Run(0, ref tally, new RaceGap(window, 1, 1, 0, 0), stopped.Token);
            var tallies = new[] { tally };
            long untouched = scenario == RaceScenario.Transfer ? subject.Expected : 0;
            Assert.Equal((strategy, untouched, 0L, 0L), (strategy, subject.Observe(tallies), tally.Acts, tally.TornReads));
        }
    }

    [Theory]
    [InlineData(RaceScenario.Counter, RaceWindow.None)]
    [InlineData(RaceScenario.Counter, RaceWindow.Yield)]
    [InlineData(RaceScenario.CheckThenAct, RaceWindow.None)]
    [InlineData(RaceScenario.CheckThenAct, RaceWindow.Yield)]
    [InlineData(RaceScenario.Transfer, RaceWindow.None)]
    [InlineData(RaceScenario.Transfer, RaceWindow.Yield)]
    public void ThreadsThatRunOneAfterAnotherEndEveryStrategyWithTheExpectedValue(RaceScenario scenario, RaceWindow window)
    {
        // The threads' operations one thread after another, on this thread: nothing can interleave, so even the
        // unsafe strategies must end on the expected value, twice (the state reset in between). A thread that
        // marked its keys as absent, a write left out or a reset that kept the last trial's state changes it.
        foreach (RaceStrategy strategy in AllStrategies)
        {
            // A window other than None takes the compare-and-swap loop of the counter's Interlocked strategy.
            using RaceSubject subject = RaceSubject.Create(scenario, strategy, window, threads: 3, operations: 20);
            for (int trial = 1; trial <= 2; trial++)
            {
                subject.Reset();
                var tallies = new ThreadTally[3];
                // The middle thread first: the first thread's mark must not read as "absent" (0) either.
                foreach (int thread in new[] { 1, 2, 0 })
                {
                    subject.Run(thread, ref tallies[thread], new RaceGap(window, 3, trial, thread, 0), CancellationToken.None);
                }

                long expected = scenario switch { RaceScenario.Counter => 60, RaceScenario.CheckThenAct => 20, _ => 2 * TransferRace.OpeningBalance };
                Assert.Equal((strategy, trial, expected), (strategy, trial, subject.Observe(tallies)));
                Assert.Equal((strategy, 0L, 0), (strategy, tallies.Sum(t => t.TornReads), tallies.Sum(t => t.Exceptions)));
                if (scenario == RaceScenario.Transfer)
                {
                    // Each operation moves one unit the way the thread's seeded bits say, once: the same bits drawn
                    // here give each account's balance (a move left out, one too many or one the wrong way shows).
                    long a = TransferRace.OpeningBalance;
                    foreach (int thread in new[] { 1, 2, 0 })
                    {
                        var bits = new RaceGap(window, 3, trial, thread, 0);
                        for (int i = 0; i < 20; i++)
                        {
                            a += bits.NextBit() ? -1 : 1;
                        }
                    }

                    Assert.Equal((strategy, a, (2 * TransferRace.OpeningBalance) - a), (strategy, ((TransferRace)subject).Balances.A, ((TransferRace)subject).Balances.B));
                }

                if (scenario == RaceScenario.CheckThenAct)
                {
                    // The first thread to run adds every key; the others find them all.
                    Assert.Equal((strategy, "0 20 0"), (strategy, string.Join(" ", tallies.Select(t => t.Acts))));
                }
            }
        }
    }

    [Fact]
    public void EveryAuditThatFindsAnotherTotalIsATornRead()
    {
        // A torn read needs threads that interleave, but the audit itself is only "the total is not the expected
        // one": accounts that were never opened (no Reset: both balances 0, the dictionary empty) fail it after
        // every move, on one thread, under every strategy. Moves still go the way the seeded bits say.
        foreach (RaceStrategy strategy in AllStrategies)
        {
            using var subject = (TransferRace)RaceSubject.Create(RaceScenario.Transfer, strategy, RaceWindow.None, threads: 1, operations: 20);
            var tally = new ThreadTally();
            subject.Run(0, ref tally, new RaceGap(RaceWindow.None, 4, 1, 0, 0), CancellationToken.None);

            long a = 0;
            var bits = new RaceGap(RaceWindow.None, 4, 1, 0, 0);
            for (int i = 0; i < 20; i++)
            {
                a += bits.NextBit() ? -1 : 1;
            }

            Assert.Equal((strategy, 20L), (strategy, tally.TornReads));
            Assert.Equal((strategy, 0L), (strategy, subject.Observe([tally])));
            Assert.Equal((strategy, a, -a), (strategy, subject.Balances.A, subject.Balances.B));
        }
    }

    [Fact]
    public void RaceThreadsAreNamedBackgroundThreads()
    {
        // Named so a debugger or a dump shows which thread of a trial is which; background so a test that is
        // never disposed (a stopped pipeline) cannot keep the process alive.
        using var threads = new TrialThreads(3, CancellationToken.None);
        using var subject = new ThreadRecordingSubject(3);
        subject.Reset();
        threads.Run(subject, Enumerable.Range(0, 3).Select(t => new RaceGap(RaceWindow.None, 1, 1, t, 0)).ToArray());

        Assert.Equal(new[] { "Race thread 1", "Race thread 2", "Race thread 3" }, subject.Names);
        Assert.Equal(new[] { true, true, true }, subject.Background);
    }

    [Fact]
    public void EachScenarioExpectsItsOwnValueAndSaysWhatADifferenceMeans()
    {
        using RaceSubject counter = RaceSubject.Create(RaceScenario.Counter, RaceStrategy.None, RaceWindow.None, threads: 3, operations: 7);
        using RaceSubject keys = RaceSubject.Create(RaceScenario.CheckThenAct, RaceStrategy.None, RaceWindow.None, threads: 3, operations: 7);
        using RaceSubject transfer = RaceSubject.Create(RaceScenario.Transfer, RaceStrategy.None, RaceWindow.None, threads: 3, operations: 7);

        Assert.Equal(21, counter.Expected);
        Assert.Equal("4 updates lost", counter.DescribeDifference(17));
        Assert.Equal("2 increments too many", counter.DescribeDifference(23));
        Assert.Equal(7, keys.Expected);
        Assert.Equal("2 keys added twice (overwrites)", keys.DescribeDifference(9));
        Assert.Equal("3 keys never added", keys.DescribeDifference(4));
        Assert.Equal(2 * TransferRace.OpeningBalance, transfer.Expected);
        Assert.Equal("5 units lost", transfer.DescribeDifference(1_999_995));
        Assert.Equal("1 units made from nothing", transfer.DescribeDifference(2_000_001));
        Assert.Equal((RaceStrategy.None, 3, 7), (transfer.Strategy, transfer.Threads, transfer.Operations));
        var unknown = Assert.Throws<ArgumentOutOfRangeException>(() => RaceSubject.Create((RaceScenario)42, RaceStrategy.None, RaceWindow.None, 1, 1));
        Assert.Equal("scenario", unknown.ParamName);
        Assert.StartsWith("Unknown scenario.", unknown.Message);
    }

    [Fact]
    public void OnlyTheLockStrategiesHaveAGuard()
    {
        foreach (RaceStrategy strategy in AllStrategies)
        {
            using RaceGuard? guard = RaceGuard.Create(strategy);
            Assert.Equal((strategy, Locks.Contains(strategy)), (strategy, guard is not null));
        }
    }

    [Fact]
    public void AGuardHeldByOneThreadKeepsTheOthersOutUntilItIsLeft()
    {
        foreach (RaceStrategy strategy in Locks)
        {
            using RaceGuard guard = RaceGuard.Create(strategy)!;
            AssertExclusive(strategy, guard.Enter, guard.Exit, guard.Enter, guard.Exit);

            // Reads are exclusive too (of writes always, of each other unless the lock is a reader/writer lock).
            AssertExclusive(strategy, guard.Enter, guard.Exit, guard.EnterRead, guard.ExitRead);
            AssertExclusive(strategy, guard.EnterRead, guard.ExitRead, guard.Enter, guard.Exit);
            if (strategy != RaceStrategy.ReaderWriterLockSlim)
            {
                AssertExclusive(strategy, guard.EnterRead, guard.ExitRead, guard.EnterRead, guard.ExitRead);
            }
        }
    }

    [Fact]
    public void ReadersOfAReaderWriterLockShareIt()
    {
        using RaceGuard guard = RaceGuard.Create(RaceStrategy.ReaderWriterLockSlim)!;
        guard.EnterRead();
        var other = new Thread(() =>
        {
            guard.EnterRead();
            guard.ExitRead();
        });
        other.Start();

        // A second reader gets in while the first still reads (the join is only a hang guard).
        Assert.True(other.Join(TimeSpan.FromSeconds(60)), "a second reader waited for the first");
        guard.ExitRead();
    }

    [Fact]
    public void ATrialsSpanRunsFromTheFirstThreadsStartToTheLastThreadsEnd()
    {
        using var threads = new TrialThreads(3, CancellationToken.None);
        using RaceSubject subject = RaceSubject.Create(RaceScenario.Counter, RaceStrategy.Lock, RaceWindow.None, threads: 3, operations: 200);
        for (int trial = 1; trial <= 3; trial++)
        {
            subject.Reset();
            threads.Run(subject, Enumerable.Range(0, 3).Select(t => new RaceGap(RaceWindow.None, 1, trial, t, 0)).ToArray());

            ThreadTally[] tallies = threads.Tallies.ToArray();
            Assert.Equal(3, threads.Count);
            Assert.Equal(600, subject.Observe(tallies));
            Assert.All(tallies, t => Assert.True(t.StartTicks > 0 && t.EndTicks >= t.StartTicks, $"a thread ran from {t.StartTicks} to {t.EndTicks}"));
            Assert.Equal(tallies.Max(t => t.EndTicks) - tallies.Min(t => t.StartTicks), threads.SpanTicks());
        }
    }

    [Fact]
    public void ProgressComesBeforeEachRoundWarmUpRoundsFirst()
    {
        var plan = new RaceTestPlan([RaceScenario.Counter, RaceScenario.Transfer], [RaceStrategy.Lock], threads: 1, increments: 5, trials: 3, RaceWindow.None, seed: 1);
        var progress = new ProgressList();
        IReadOnlyList<RaceTestResult> results = new RaceTest(plan).Run(progress, CancellationToken.None);

        // Two configurations, so two trials a round; 5 rounds of 2 = 10 trials in all.
        Assert.Equal(
            new[]
            {
                new RaceTestProgress(1, true, 0, 10), new RaceTestProgress(2, true, 2, 10),
                new RaceTestProgress(1, false, 4, 10), new RaceTestProgress(2, false, 6, 10), new RaceTestProgress(3, false, 8, 10),
            },
            progress);
        Assert.Equal(new[] { ("Counter", "Lock"), ("Transfer", "Lock") }, results.Select(r => (r.Scenario, r.Strategy)));
        Assert.All(results, r => Assert.Equal((3, 1, 5L, "None", 1), (r.Trials, r.Threads, r.Operations, r.RaceWindow, r.Seed)));
        Assert.Throws<ArgumentNullException>(() => new RaceTest(null!));
    }

    [Fact]
    public void AStoppedTestThrowsOnceItsThreadsAreGone()
    {
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        var plan = new RaceTestPlan([RaceScenario.Counter], [RaceStrategy.Lock], threads: 2, increments: 5, trials: 3, RaceWindow.None, seed: 1);
        Assert.ThrowsAny<OperationCanceledException>(() => new RaceTest(plan).Run(null, stopped.Token));
    }

    private static void AssertExclusive(RaceStrategy strategy, Action hold, Action release, Action enter, Action exit)
    {
        hold();
        int inside = 0;
        var other = new Thread(() =>
        {
            enter();
            Volatile.Write(ref inside, 1);
            exit();
        });
        other.Start();

        // The other thread has had time to get in if the guard let it; however long it had, it must not be in.
        Thread.Sleep(20);
        Assert.True(Volatile.Read(ref inside) == 0, $"{strategy}: another thread got in while the guard was held");
        release();
        Assert.True(other.Join(TimeSpan.FromSeconds(60)), $"{strategy}: the other thread never got in after the guard was left");
        Assert.Equal(1, Volatile.Read(ref inside));
    }

    /// <summary>Records the name and background flag of the thread that ran each index.</summary>
    private sealed class ThreadRecordingSubject(int threads) : RaceSubject(RaceStrategy.None, threads, 1)
    {
        public string?[] Names { get; } = new string?[threads];

        public bool[] Background { get; } = new bool[threads];

        public override long Expected => 0;

        public override void Reset()
        {
        }

        public override void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken)
        {
            Names[thread] = Thread.CurrentThread.Name;
            Background[thread] = Thread.CurrentThread.IsBackground;
        }

        public override long Observe(ReadOnlySpan<ThreadTally> tallies) => 0;

        public override string DescribeDifference(long observed) => string.Empty;
    }

    // Progress<T> would post to the thread pool; this list records on the calling thread, in order.
    private sealed class ProgressList : List<RaceTestProgress>, IProgress<RaceTestProgress>
    {
        public void Report(RaceTestProgress value) => Add(value);
    }
}
