using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class RaceTests
{
    private static readonly RaceStrategy[] Correct =
        [RaceStrategy.Interlocked, RaceStrategy.Lock, RaceStrategy.SpinLock, RaceStrategy.Mutex, RaceStrategy.SemaphoreSlim, RaceStrategy.ReaderWriterLockSlim];

    private static RaceTestResult[] Run(RaceScenario scenario, RaceStrategy[] strategies, int threads, int increments, int trials, RaceWindow window, int seed = 7) =>
        new RaceTest(new RaceTestPlan([scenario], strategies, threads, increments, trials, window, seed)).Run(null, CancellationToken.None).ToArray();

    [Theory]
    [InlineData(RaceScenario.Counter)]
    [InlineData(RaceScenario.CheckThenAct)]
    [InlineData(RaceScenario.Transfer)]
    public void CorrectStrategiesNeverViolateAcrossManyTrials(RaceScenario scenario)
    {
        RaceStrategy[] strategies = scenario == RaceScenario.Transfer ? Correct : [.. Correct, RaceStrategy.ConcurrentDictionary];
        RaceTestResult[] results = Run(scenario, strategies, threads: 4, increments: 20, trials: 150, RaceWindow.Yield);

        Assert.Equal(strategies.Select(s => s.ToString()), results.Select(r => r.Strategy));
        foreach (RaceTestResult result in results)
        {
            Assert.True(result.TrialsWithViolation == 0, $"{result.Strategy}: {result.TrialsWithViolation} violations, first error {result.FirstError}");
            Assert.Equal(150, result.Trials);
            Assert.Equal(result.Expected, result.MinObserved);
            Assert.Equal(result.Expected, result.MaxObserved);
            Assert.Equal(0, result.MeanLostUpdates);
            Assert.Equal(0, result.Exceptions);
            Assert.Equal(nameof(RaceVerdict.NoRaceObserved), result.Verdict);
            RaceOutcome only = Assert.Single(result.GetOutcomes());
            Assert.Equal("Acceptable", only.Expectation);
            Assert.Equal(150, only.Count);
            Assert.Equal(1.0, only.Frequency);
            Assert.True(result.NsPerOperation > 0);
        }
    }

    [Theory]
    [InlineData(RaceScenario.Counter)]
    [InlineData(RaceScenario.CheckThenAct)]
    [InlineData(RaceScenario.Transfer)]
    public void NoneAndVolatileViolateWithAWidenedWindow(RaceScenario scenario)
    {
        RaceTestResult[] results = Run(scenario, [RaceStrategy.None, RaceStrategy.Volatile], threads: 4, increments: 50, trials: 20, RaceWindow.Yield);

        foreach (RaceTestResult result in results)
        {
            Assert.True(result.TrialsWithViolation > 0, $"{result.Strategy} showed no race in 20 trials");
            Assert.Equal(nameof(RaceVerdict.RaceDetected), result.Verdict);
            Assert.Contains(result.GetOutcomes(), o => o.Expectation == "Forbidden");
        }
    }

    [Fact]
    public void CounterWithoutProtectionLosesUpdatesInAlmostEveryTrialWithTheDefaults()
    {
        var plan = new RaceTestPlan(strategies: [RaceStrategy.None], seed: 1);
        RaceTestResult result = Assert.Single(new RaceTest(plan).Run(null, CancellationToken.None));

        Assert.Equal(RaceTestPlan.DefaultTrials, result.Trials);
        Assert.Equal(400, result.Expected);
        Assert.True(result.ViolationRate >= 0.9, $"only {result.ViolationRate:P0} of trials lost updates");
        Assert.True(result.MeanLostUpdates > 0);
        Assert.True(result.MinObserved < result.Expected);
        Assert.True(result.MaxObserved <= result.Expected, "an unprotected increment can lose updates, never invent them");
    }

    [Fact]
    public void TransferWithAConcurrentDictionaryKeepsTheTotalButTearsAudits()
    {
        RaceTestResult result = Assert.Single(Run(RaceScenario.Transfer, [RaceStrategy.ConcurrentDictionary], threads: 4, increments: 50, trials: 30, RaceWindow.Yield));

        Assert.Equal(result.Expected, result.MinObserved);
        Assert.Equal(result.Expected, result.MaxObserved);
        Assert.True(result.MeanTornReads > 0, "audits between the two updates should see a wrong total");
        Assert.Equal(nameof(RaceVerdict.RaceDetected), result.Verdict);
        Assert.All(result.GetOutcomes(), o => Assert.StartsWith(result.Expected.ToString(System.Globalization.CultureInfo.InvariantCulture), o.Outcome));
    }

    [Fact]
    public void HistogramCountsEveryTrialOnceAndMarksOnlyTheExpectedValueAcceptable()
    {
        RaceTestResult result = Assert.Single(Run(RaceScenario.Counter, [RaceStrategy.None], threads: 3, increments: 30, trials: 60, RaceWindow.Yield));
        var outcomes = result.GetOutcomes();

        Assert.Equal(60, outcomes.Sum(o => o.Count));
        Assert.Equal(1.0, outcomes.Sum(o => o.Frequency), 4);
        Assert.Equal(outcomes.OrderByDescending(o => o.Count).Select(o => o.Count), outcomes.Select(o => o.Count));
        foreach (RaceOutcome outcome in outcomes)
        {
            Assert.Equal(outcome.Observed == result.Expected ? "Acceptable" : "Forbidden", outcome.Expectation);
            Assert.Equal("Counter", outcome.Scenario);
            Assert.Equal("None", outcome.Strategy);
        }

        Assert.Equal(outcomes.Where(o => o.Expectation == "Forbidden").Sum(o => o.Count), result.TrialsWithViolation);
        Assert.Equal(outcomes.Min(o => o.Observed), result.MinObserved);
        Assert.Equal(outcomes.Max(o => o.Observed), result.MaxObserved);
        Assert.Equal(outcomes.Sum(o => (double)o.Observed * o.Count) / 60, result.MeanObserved, 3);
    }

    [Theory]
    [InlineData(RaceWindow.None)]
    [InlineData(RaceWindow.SpinWait)]
    [InlineData(RaceWindow.Sleep)]
    public void EveryWindowKeepsCorrectStrategiesCorrect(RaceWindow window)
    {
        int trials = window == RaceWindow.Sleep ? 2 : 50;
        int increments = window == RaceWindow.Sleep ? 3 : 200;
        foreach (RaceScenario scenario in Enum.GetValues<RaceScenario>())
        {
            RaceTestResult[] results = Run(scenario, [RaceStrategy.Interlocked, RaceStrategy.Lock], threads: 3, increments, trials, window);
            Assert.All(results, r => Assert.Equal(0, r.TrialsWithViolation));
            Assert.All(results, r => Assert.Equal(window.ToString(), r.RaceWindow));
        }
    }

    [Fact]
    public void ResultsCarryThePlanAndTheSeed()
    {
        RaceTestResult[] results = Run(RaceScenario.CheckThenAct, [RaceStrategy.Lock, RaceStrategy.None], threads: 2, increments: 10, trials: 5, RaceWindow.None, seed: 12345);

        Assert.Equal(["Lock", "None"], results.Select(r => r.Strategy));
        Assert.All(results, r =>
        {
            Assert.Equal("CheckThenAct", r.Scenario);
            Assert.Equal(2, r.Threads);
            Assert.Equal(20, r.Operations);
            Assert.Equal(10, r.Expected);
            Assert.Equal(12345, r.Seed);
            Assert.Null(r.MeanTornReads);
            Assert.True(r.ElapsedMs > 0);
        });
    }

    [Fact]
    public void SeedRepeatsTheRandomChoices()
    {
        static string Draw(int seed)
        {
            var gap = new RaceGap(RaceWindow.None, seed, trial: 3, thread: 1, configuration: 2);
            return string.Concat(Enumerable.Range(0, 64).Select(_ => gap.NextBit() ? '1' : '0'));
        }

        Assert.Equal(Draw(99), Draw(99));
        Assert.NotEqual(Draw(99), Draw(100));
        Assert.Contains('0', Draw(99));
        Assert.Contains('1', Draw(99));
    }

    [Theory]
    [InlineData(0, 10, 10, "Threads")]
    [InlineData(65, 10, 10, "Threads")]
    [InlineData(2, 0, 10, "Increments")]
    [InlineData(2, 10, 0, "Trials")]
    public void PlanRejectsOutOfRangeSettingsNamingTheParameter(int threads, int increments, int trials, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(null, null, threads, increments, trials));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
    }

    [Fact]
    public void PlanRejectsEmptyAndUndefinedChoices()
    {
        Assert.Equal("Strategy", Assert.Throws<ArgumentException>(() => new RaceTestPlan(strategies: Array.Empty<RaceStrategy>())).ParamName);
        Assert.Equal("Scenario", Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(scenarios: [(RaceScenario)42])).ParamName);
        Assert.Equal("RaceWindow", Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(raceWindow: (RaceWindow)9)).ParamName);
        var plan = new RaceTestPlan(strategies: [RaceStrategy.Lock, RaceStrategy.Lock, RaceStrategy.None]);
        Assert.Equal([RaceStrategy.Lock, RaceStrategy.None], plan.Strategies);
        Assert.Equal([RaceScenario.Counter], plan.Scenarios);
    }

    [Fact]
    public async Task CancellationStopsATestMidTrial()
    {
        using var cancellation = new CancellationTokenSource();
        var plan = new RaceTestPlan(strategies: [RaceStrategy.Lock], threads: 3, increments: 1_000_000, trials: 1000, raceWindow: RaceWindow.Sleep);
        Task run = Task.Run(() => new RaceTest(plan).Run(null, cancellation.Token));
        await Task.Delay(300);
        Assert.False(run.IsCompleted);
        cancellation.Cancel();

        // A trial of 3 x 1,000,000 one-millisecond sleeps would take an hour: only cancellation ends it this soon.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void DisposedTrialThreadsAreGone()
    {
        var threads = new TrialThreads(5, CancellationToken.None);
        using var subject = RaceSubject.Create(RaceScenario.Counter, RaceStrategy.Lock, RaceWindow.None, 5, 10);
        subject.Reset();
        threads.Run(subject, Enumerable.Range(0, 5).Select(t => new RaceGap(RaceWindow.None, 1, 1, t, 0)).ToArray());
        Assert.Equal(50, subject.Observe(threads.Tallies));
        Assert.Equal(5, threads.AliveThreads);

        // Named, so that a debugger or /proc shows which threads race, and in the background: a test left running
        // never keeps the process alive.
        Assert.True(threads.AllBackground);
        if (OperatingSystem.IsLinux())
        {
            List<string> names = ProcSelf.ThreadNames();
            Assert.All(Enumerable.Range(1, 5), i => Assert.Contains($"Race thread {i}", names));
        }

        threads.Dispose();

        Assert.Equal(0, threads.AliveThreads);
    }

    [Fact]
    public void AThreadThatThrowsIsAForbiddenOutcomeWithItsError()
    {
        using var threads = new TrialThreads(3, CancellationToken.None);
        using var subject = new ThrowingSubject();
        var histogram = new OutcomeHistogram(subject.Expected, subject.DescribeDifference, auditsTornReads: false);
        for (int trial = 0; trial < 4; trial++)
        {
            subject.Reset();
            threads.Run(subject, Enumerable.Range(0, 3).Select(t => new RaceGap(RaceWindow.None, 1, trial, t, 0)).ToArray());
            long exceptions = 0;
            string? first = null;
            foreach (ThreadTally tally in threads.Tallies)
            {
                exceptions += tally.Exceptions;
                first ??= tally.FirstError;
            }

            histogram.Add(subject.Observe(threads.Tallies), 0, exceptions, first, threads.SpanTicks(), 1);
        }

        RaceTestResult result = histogram.ToResult("Test", "Throwing", 3, 3, "None", 0);
        Assert.Equal(4, result.TrialsWithViolation);
        Assert.Equal(4, result.Exceptions);
        Assert.Equal("InvalidOperationException: thread 0 broke", result.FirstError);
        RaceOutcome outcome = Assert.Single(result.GetOutcomes());
        Assert.Equal("2, exception", outcome.Outcome);
        Assert.Equal("Forbidden", outcome.Expectation);
        Assert.Contains("1 updates lost", outcome.Description);
        Assert.Contains("a thread threw", outcome.Description);
    }

    /// <summary>Thread 0 throws; the others each add one.</summary>
    private sealed class ThrowingSubject() : RaceSubject(RaceStrategy.None, 3, 1)
    {
        private long _count;

        public override long Expected => 3;

        public override void Reset() => _count = 0;

        public override void Run(int thread, ref ThreadTally tally, RaceGap gap, CancellationToken cancellationToken)
        {
            if (thread == 0)
            {
                throw new InvalidOperationException("thread 0 broke");
            }

            Interlocked.Increment(ref _count);
        }

        public override long Observe(ReadOnlySpan<ThreadTally> tallies) => _count;

        public override string DescribeDifference(long observed) => $"{Expected - observed} updates lost";
    }
}
