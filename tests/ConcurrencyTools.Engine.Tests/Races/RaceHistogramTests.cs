using System;
using System.Diagnostics;
using System.Linq;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// Every figure of a race result worked out by hand from trials given to the histogram directly (no threads,
/// so the values are exact), the plan's defaults and limits, and the progress record's texts.
/// </summary>
public class RaceHistogramTests
{
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    [Fact]
    public void EveryFigureOfAResultIsWorkedOutFromItsTrials()
    {
        var histogram = new OutcomeHistogram(10, observed => $"off by {10 - observed}", auditsTornReads: true);
        histogram.Add(10, 0, 0, null, Millisecond, 10 * Millisecond);
        histogram.Add(7, 2, 0, null, Millisecond, 10 * Millisecond);
        histogram.Add(12, 0, 1, "E: first", Millisecond, 10 * Millisecond);
        histogram.Add(10, 3, 2, "F: second", Millisecond, 10 * Millisecond);
        histogram.Add(10, 0, 0, null, Millisecond, 10 * Millisecond);

        RaceTestResult result = histogram.ToResult("Transfer", "Volatile", 4, 100, "Yield", 42);

        Assert.Equal(("Transfer", "Volatile", 4, 100L, "Yield", 42), (result.Scenario, result.Strategy, result.Threads, result.Operations, result.RaceWindow, result.Seed));
        Assert.Equal(5, result.Trials);
        Assert.Equal(10, result.Expected);
        Assert.Equal(7, result.MinObserved);
        Assert.Equal(12, result.MaxObserved);
        Assert.Equal(9.8, result.MeanObserved, 10);

        // Forbidden: 7 and 12 (wrong values) and a right 10 with torn reads.
        Assert.Equal(3, result.TrialsWithViolation);
        Assert.Equal(0.6, result.ViolationRate, 10);

        // |10 - 7| + |10 - 12| = 5 over 5 trials; 2 + 3 torn reads over 5 trials.
        Assert.Equal(1.0, result.MeanLostUpdates, 10);
        Assert.Equal(1.0, result.MeanTornReads!.Value, 10);
        Assert.Equal(3, result.Exceptions);
        Assert.Equal(2, result.TrialsWithException);
        Assert.Equal("E: first", result.FirstError);
        Assert.Equal(0, result.TrialsTimedOut);

        // 5 ms of spans over 5 trials of 100 operations: 10,000 ns each; 5 x 10 ms elapsed.
        Assert.Equal(10_000, result.NsPerOperation, 6);
        Assert.Equal(50, result.ElapsedMs, 6);
        Assert.Equal(nameof(RaceVerdict.RaceDetected), result.Verdict);

        // Most frequent first; ties by observed value.
        Assert.Equal(
            new[]
            {
                ("10", 10L, 2, 0.4, "Acceptable", "as expected"),
                ("7, torn reads", 7L, 1, 0.2, "Forbidden", "off by 3; an audit saw a wrong total"),
                ("10, torn reads, exception", 10L, 1, 0.2, "Forbidden", "an audit saw a wrong total; a thread threw"),
                ("12, exception", 12L, 1, 0.2, "Forbidden", "off by -2; a thread threw"),
            },
            result.GetOutcomes().Select(o => (o.Outcome, o.Observed, o.Count, o.Frequency, o.Expectation, o.Description)));
        Assert.All(result.GetOutcomes(), o => Assert.Equal(("Transfer", "Volatile"), (o.Scenario, o.Strategy)));
    }

    [Fact]
    public void WhenOnlyTheInvariantDecidesNoUpdatesAreCountedLostAndTheValueIsNotJudged()
    {
        var histogram = new OutcomeHistogram(1, _ => "invariant broken", auditsTornReads: false, countsLostUpdates: false);
        histogram.Add(5, 0, 0, null, 0, 0, invariantHeld: false);
        histogram.Add(3, 0, 0, null, 0, 0, invariantHeld: true);
        histogram.Add(5, 0, 1, "x", 0, 0, invariantHeld: true);

        RaceTestResult result = histogram.ToResult(ScriptBlockRacePlan.ScenarioName, "Label", 2, 0, string.Empty, 0);

        Assert.Equal(0, result.MeanLostUpdates);
        Assert.Null(result.MeanTornReads);
        Assert.Equal(1, result.TrialsWithViolation);
        Assert.Equal(0, result.NsPerOperation);
        Assert.Equal(
            new[]
            {
                ("3", "Acceptable", "as expected"),
                ("5, exception", "Exception", "a thread threw"),
                ("5, invariant broken", "Forbidden", "invariant broken"),
            },
            result.GetOutcomes().Select(o => (o.Outcome, o.Expectation, o.Description)));
    }

    [Fact]
    public void ResultsWithoutTrialsHaveZerosNotInfinities()
    {
        var histogram = new OutcomeHistogram(10, _ => "wrong", auditsTornReads: true);
        histogram.AddTimedOut();
        histogram.AddTimedOut();

        RaceTestResult result = histogram.ToResult(ScriptBlockRacePlan.ScenarioName, "Label", 2, 100, string.Empty, 0);

        Assert.Equal(0, result.Trials);
        Assert.Equal((0L, 0L, 0.0), (result.MinObserved, result.MaxObserved, result.MeanObserved));
        Assert.Equal(0, result.ViolationRate);
        Assert.Equal(0, result.MeanLostUpdates);
        Assert.Null(result.MeanTornReads);
        Assert.Equal(0, result.NsPerOperation);
        Assert.Equal(0, result.ElapsedMs);
        Assert.Null(result.FirstError);
        Assert.Equal(2, result.TrialsTimedOut);
        Assert.Equal(nameof(RaceVerdict.TimedOut), result.Verdict);
        RaceOutcome only = Assert.Single(result.GetOutcomes());
        Assert.Equal(("timed out", 0L, 2, 1.0, "TimedOut", "the trial ran out of time; its runspaces were abandoned"), (only.Outcome, only.Observed, only.Count, only.Frequency, only.Expectation, only.Description));
    }

    [Fact]
    public void TrialsThatAllEndRightAreNoRaceObserved()
    {
        var histogram = new OutcomeHistogram(3, _ => "wrong", auditsTornReads: false);
        histogram.Add(3, 0, 0, null, 1, 1);
        RaceTestResult result = histogram.ToResult("Counter", "Lock", 1, 3, "None", 1);
        Assert.Equal(nameof(RaceVerdict.NoRaceObserved), result.Verdict);
        Assert.Equal((3L, 3L, 3.0), (result.MinObserved, result.MaxObserved, result.MeanObserved));
        Assert.Equal(0, result.ViolationRate);
        Assert.Null(result.FirstError);
    }

    [Fact]
    public void ThePlanHasTheArticlesDefaults()
    {
        var plan = new RaceTestPlan(seed: 5);
        Assert.Equal(new[] { RaceScenario.Counter }, plan.Scenarios);
        Assert.Equal(new[] { RaceStrategy.None, RaceStrategy.Interlocked, RaceStrategy.Lock }, plan.Strategies);
        Assert.Equal((4, 100, 100, RaceWindow.Yield, 5), (plan.Threads, plan.Increments, plan.Trials, plan.RaceWindow, plan.Seed));
        Assert.Equal(400, plan.OperationsPerTrial);

        // Two warm-up trials of each of the three strategies before the hundred measured ones.
        Assert.Equal(306, plan.TotalTrials);
        var two = new RaceTestPlan([RaceScenario.Counter, RaceScenario.Transfer], [RaceStrategy.Lock, RaceStrategy.None], threads: 3, increments: 7, trials: 5);
        Assert.Equal(28, two.TotalTrials);
        Assert.Equal(21, two.OperationsPerTrial);
        Assert.Equal(new[] { RaceScenario.Counter, RaceScenario.Transfer }, two.Scenarios);
    }

    [Fact]
    public void ThePlanTakesEveryLimitAndRejectsOnePastItWithAMessage()
    {
        var highest = new RaceTestPlan(threads: RaceTestPlan.MaxThreads, increments: RaceTestPlan.MaxIncrements, trials: RaceTestPlan.MaxTrials);
        Assert.Equal(640_000_000L, highest.OperationsPerTrial);
        var lowest = new RaceTestPlan(threads: 1, increments: 1, trials: 1);
        Assert.Equal(1, lowest.OperationsPerTrial);

        Assert.Equal("Increments", Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(increments: RaceTestPlan.MaxIncrements + 1)).ParamName);
        Assert.Equal("Trials", Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(trials: RaceTestPlan.MaxTrials + 1)).ParamName);

        var none = Assert.Throws<ArgumentException>(() => new RaceTestPlan(scenarios: Array.Empty<RaceScenario>()));
        Assert.Equal("Scenario", none.ParamName);
        Assert.StartsWith("Scenario needs at least one value.", none.Message);
        Assert.StartsWith("Strategy needs at least one value.", Assert.Throws<ArgumentException>(() => new RaceTestPlan(strategies: Array.Empty<RaceStrategy>())).Message);
        var scenario = Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(scenarios: [(RaceScenario)42]));
        Assert.StartsWith("Scenario 42 is not one of Counter, CheckThenAct, Transfer.", scenario.Message);
        Assert.Equal((RaceScenario)42, scenario.ActualValue);
        var window = Assert.Throws<ArgumentOutOfRangeException>(() => new RaceTestPlan(raceWindow: (RaceWindow)9));
        Assert.StartsWith("RaceWindow 9 is not one of None, Yield, SpinWait, Sleep.", window.Message);
        Assert.Equal((RaceWindow)9, window.ActualValue);
        Assert.Throws<ArgumentNullException>(() => new RaceTest(null!));
    }

    [Fact]
    public void ProgressSaysWhichTrialAndHowFar()
    {
        Assert.Equal("Warm-up trial 2", new RaceTestProgress(2, true, 5, 10).Describe());
        Assert.Equal("Trial 3", new RaceTestProgress(3, false, 5, 10).Describe());
        Assert.Equal(50, new RaceTestProgress(3, false, 5, 10).PercentComplete);
        Assert.Equal(33, new RaceTestProgress(1, false, 1, 3).PercentComplete);
        Assert.Equal(100, new RaceTestProgress(1, false, 0, 0).PercentComplete);
    }
    [Fact]
    public void TheRandomBitsAreXorshiftOfTheMixedSeedTrialThreadAndConfiguration()
    {
        // Worked out outside .NET (64-bit xorshift 13, 7, 17 from the state of RaceGap's constructor; a bit is 1 when the low bit is 0).
        static string Draw(int trial, int thread, int configuration)
        {
            var gap = new RaceGap(RaceWindow.None, 99, trial, thread, configuration);
            return string.Concat(Enumerable.Range(0, 64).Select(_ => gap.NextBit() ? '1' : '0'));
        }

        Assert.Equal("1101101111011011100010001010010011100011011001000111000010000010", Draw(3, 1, 2));
        Assert.Equal("0001000101000001101011100010001010010000110011101011110000111110", Draw(4, 1, 2));
        Assert.Equal("1101011110101110001101001100000101010100110110111011010011110001", Draw(3, 1, 3));
        Assert.Equal("1101001010000000001000111010010111111101011111001100111010000010", Draw(3, 2, 2));
    }

    [Fact]
    public void NewRowsTextColumnsAreEmptyNotNull()
    {
        var result = new RaceTestResult();
        Assert.Equal(new[] { string.Empty, string.Empty, string.Empty, string.Empty }, new[] { result.Scenario, result.Strategy, result.RaceWindow, result.Verdict });
        Assert.Empty(result.GetOutcomes());
        var outcome = new RaceOutcome();
        Assert.Equal(new[] { string.Empty, string.Empty, string.Empty, string.Empty, string.Empty }, new[] { outcome.Scenario, outcome.Strategy, outcome.Outcome, outcome.Expectation, outcome.Description });
    }
}
