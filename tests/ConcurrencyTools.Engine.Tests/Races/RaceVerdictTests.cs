using System.Linq;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>What a trial's exceptions and time-outs make of the verdict: neither is by itself a race.</summary>
public class RaceVerdictTests
{
    [Fact]
    public void ExceptionsWithTheRightValueAreCountedApartAndGetTheirOwnVerdict()
    {
        var histogram = new OutcomeHistogram(1, _ => "invariant broken", auditsTornReads: false);
        for (int trial = 0; trial < 3; trial++)
        {
            histogram.Add(1, 0, 2, "RuntimeException: x", 10, 10, invariantHeld: true);
        }

        histogram.Add(1, 0, 0, null, 10, 10, invariantHeld: true);
        RaceTestResult result = histogram.ToResult("ScriptBlock", "ScriptBlock", 2, 2, string.Empty, 0);
        Assert.Equal(0, result.TrialsWithViolation);
        Assert.Equal(3, result.TrialsWithException);
        Assert.Equal(6, result.Exceptions);
        Assert.Equal(nameof(RaceVerdict.ExceptionThrown), result.Verdict);
        Assert.Equal(new[] { "Exception", "Acceptable" }, result.GetOutcomes().Select(o => o.Expectation));
    }

    [Fact]
    public void ARaceOutweighsExceptionsAndTimeOuts()
    {
        var histogram = new OutcomeHistogram(1, _ => "invariant broken", auditsTornReads: false);
        histogram.Add(1, 0, 1, "x", 10, 10, invariantHeld: true);
        histogram.Add(0, 0, 0, null, 10, 10, invariantHeld: false);
        histogram.AddTimedOut();
        RaceTestResult result = histogram.ToResult("ScriptBlock", "ScriptBlock", 2, 2, string.Empty, 0);
        Assert.Equal(1, result.TrialsWithViolation);
        Assert.Equal(1, result.TrialsWithException);
        Assert.Equal(1, result.TrialsTimedOut);
        Assert.Equal(2, result.Trials);
        Assert.Equal(nameof(RaceVerdict.RaceDetected), result.Verdict);
    }

    [Fact]
    public void TrialsThatRanOutOfTimeAreAnOutcomeButNotTrials()
    {
        var histogram = new OutcomeHistogram(1, _ => "invariant broken", auditsTornReads: false);
        histogram.AddTimedOut();
        histogram.AddTimedOut();
        histogram.Add(1, 0, 0, null, 10, 10, invariantHeld: true);
        RaceTestResult result = histogram.ToResult("ScriptBlock", "ScriptBlock", 2, 2, string.Empty, 0);
        Assert.Equal(1, result.Trials);
        Assert.Equal(2, result.TrialsTimedOut);
        Assert.Equal(nameof(RaceVerdict.TimedOut), result.Verdict);
        RaceOutcome timedOut = result.GetOutcomes().First();
        Assert.Equal("timed out", timedOut.Outcome);
        Assert.Equal("TimedOut", timedOut.Expectation);
        Assert.Equal(2, timedOut.Count);
        Assert.Equal(2.0 / 3, timedOut.Frequency, 6);
    }
}
