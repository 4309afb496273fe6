using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Statistics;

public class SpeedupEdgeTests
{
    [Fact]
    public void TimesTooLargeToSumAreExcludedWithACountedReason()
    {
        var analysis = new SpeedupAnalysis();
        foreach (var (model, workers, run, ms) in new[]
        {
            ("Sequential", 1, 1, 100.0), ("Sequential", 1, 2, 101.0), ("Sequential", 1, 3, 1e308),
            ("Threads", 2, 1, 1e308), ("Threads", 2, 2, 1e308), ("Threads", 2, 3, 50.0), ("Threads", 2, 4, 51.0),
        })
        {
            analysis.Add(new SpeedupSample("m", "Cpu", 4, "Iterations=1", model, workers, run, ms, true));
        }

        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        Assert.Equal(new[] { 1, 2 }, summaries.Select(s => s.ExcludedRuns));
        Assert.Equal("ElapsedMs above 1e15 ms (too large to sum) (2 runs)", summaries[1].ExcludedReason);
        Assert.Equal("ElapsedMs above 1e15 ms (too large to sum) (1 run)", summaries[0].ExcludedReason);
        foreach (SpeedupSummary s in summaries)
        {
            foreach (double? value in new[] { s.MeanMs, s.StdDevMs, s.MedianMs, s.MaxMs, s.MeanCiHighMs, s.CoefficientOfVariation, s.Speedup, s.SpeedupCiLow, s.SpeedupCiHigh })
            {
                Assert.True(value is null || double.IsFinite(value.Value), $"{s.Model}: {value}");
            }
        }

        Assert.Equal(100.5 / 50.5, summaries[1].Speedup!.Value, 9);
    }
    [Fact]
    public void ATimeOfExactlyTheLimitIsStillValid()
    {
        var analysis = new SpeedupAnalysis();
        analysis.Add(new SpeedupSample("m", "Cpu", 4, "Iterations=1", "Threads", 2, 1, SpeedupAnalysis.MaximumElapsedMs, true));
        analysis.Add(new SpeedupSample("m", "Cpu", 4, "Iterations=1", "Threads", 2, 2, SpeedupAnalysis.MaximumElapsedMs, true));

        SpeedupSummary summary = Assert.Single(analysis.Summarize(SpeedupBaseline.SameModelSingleWorker).Summaries);
        Assert.Equal((2, 0), (summary.Runs, summary.ExcludedRuns));
        Assert.Equal(SpeedupAnalysis.MaximumElapsedMs, summary.MedianMs);
    }

    [Fact]
    public void EqualTimesHaveModifiedZScoresOfZero()
    {
        // No deviation at all (median and mean absolute deviation 0): every score is 0, not 0 / 0.
        Assert.Equal(new double[] { 0, 0, 0, 0 }, RunStatistics.ModifiedZScores(new double[] { 7, 7, 7, 7 }, 7));
    }

    [Fact]
    public void TheSingleWorkerBaselineIsNamedSingleWorker()
    {
        Assert.Equal("SingleWorker", SpeedupBaseline.SameModelSingleWorker.ToString());
        Assert.Null(SpeedupBaseline.SameModelSingleWorker.Model);
        Assert.Equal("Sequential", SpeedupBaseline.Sequential.ToString());
    }
}
