using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class StatisticsTests
{
    // Seven run times with one slow run (a noisy neighbour). Reference values computed independently
    // with Python 3.11's statistics module: mean(), stdev() (n - 1), median(); the interval as
    // mean -/+ t * stdev / sqrt(7) with t = qt(0.975, 6) = 2.4469118511449692 from R.
    private static readonly double[] Runs = { 812.4, 790.1, 805.7, 1203.9, 799.3, 801.0, 795.5 };

    [Fact]
    public void DescriptiveStatisticsMatchPythonsStatisticsModule()
    {
        RunStatistics stats = RunStatistics.Compute(Runs);
        Assert.Equal(858.2714285714286, stats.Mean, 9);
        Assert.Equal(152.5736402996459, stats.StdDev!.Value, 9);
        Assert.Equal(801.0, stats.Median);
        Assert.Equal(790.1, stats.Min);
        Assert.Equal(1203.9, stats.Max);
        Assert.Equal(717.164346034895, stats.MeanCiLow!.Value, 6);
        Assert.Equal(999.3785111079623, stats.MeanCiHigh!.Value, 6);
        Assert.Equal(0.17776851846693872, stats.CoefficientOfVariation!.Value, 9);
    }

    [Fact]
    public void TheSlowRunIsFlaggedAsAnOutlierAndKept()
    {
        // Modified z-scores (Python: 0.6745 * (x - median) / MAD, MAD = 5.5):
        // 1.3981, -1.3367, 0.5764, 49.4102, -0.2085, 0.0, -0.6745; only the 4th exceeds 3.5.
        RunStatistics stats = RunStatistics.Compute(Runs);
        Assert.Equal(new[] { 3 }, stats.OutlierIndices);
        Assert.Equal(7, stats.Count);
        double[] scores = RunStatistics.ModifiedZScores(Runs, 801.0);
        Assert.Equal(49.4102, scores[3], 4);
        Assert.Equal(-1.3367, scores[1], 4);
        Assert.Contains("1 outlier more than 10% from the median", stats.UnstableReason);
        Assert.Contains("coefficient of variation 17.8%", stats.UnstableReason);
    }

    [Fact]
    public void AnOutlierCloseToTheMedianIsFlaggedButNotUnstable()
    {
        // Median 200, MAD 0.5: 203 scores 0.6745 * 3 / 0.5 = 4.05 (an outlier) yet lies 1.5% from the median.
        RunStatistics stats = RunStatistics.Compute(new[] { 200.0, 200.5, 199.5, 203, 200 });
        Assert.Equal(new[] { 3 }, stats.OutlierIndices);
        Assert.Null(stats.UnstableReason);
    }

    [Fact]
    public void SteadyRunsAreStable()
    {
        RunStatistics stats = RunStatistics.Compute(new[] { 100.0, 101, 99, 100.5, 99.5 });
        Assert.Null(stats.UnstableReason);
        Assert.Empty(stats.OutlierIndices);
    }

    [Fact]
    public void FewRunsAreUnstableAndOneRunHasNoSpread()
    {
        RunStatistics one = RunStatistics.Compute(new[] { 42.0 });
        Assert.Null(one.StdDev);
        Assert.Null(one.MeanCiLow);
        Assert.Null(one.CoefficientOfVariation);
        Assert.Equal("fewer than 3 runs", one.UnstableReason);
    }

    [Fact]
    public void WhenMostRunsAreEqualTheMeanAbsoluteDeviationStandsInForTheMad()
    {
        // MAD = 0 here; MeanAD = 40/5 = 8, so the score of 140 is 40 / (1.253314 * 8) = 3.9894.
        double[] values = { 100, 100, 100, 100, 140 };
        double[] scores = RunStatistics.ModifiedZScores(values, 100);
        Assert.Equal(3.9894, scores[4], 4);
        Assert.Equal(new[] { 4 }, RunStatistics.Compute(values).OutlierIndices);
        Assert.Empty(RunStatistics.Compute(new double[] { 7, 7, 7 }).OutlierIndices);
    }

    [Theory]
    // Reference quantiles qt(0.975, df) from R 4.x; compared to 7 decimals.
    [InlineData(1, 12.706204736174698)]
    [InlineData(2, 4.302652729749464)]
    [InlineData(3, 3.182446305284263)]
    [InlineData(4, 2.7764451051977934)]
    [InlineData(6, 2.4469118511449692)]
    [InlineData(9, 2.2621571628540993)]
    [InlineData(29, 2.0452296421327034)]
    [InlineData(100, 1.9839715184496334)]
    public void StudentTQuantilesMatchR(int degreesOfFreedom, double expected)
    {
        Assert.Equal(expected, StudentT.Quantile(0.975, degreesOfFreedom), 7);
        Assert.Equal(-expected, StudentT.Quantile(0.025, degreesOfFreedom), 7);
        Assert.Equal(0.975, StudentT.Cdf(expected, degreesOfFreedom), 9);
    }

    [Fact]
    public void StudentTOneDegreeIsTheCauchyDistribution()
    {
        // With one degree of freedom the CDF is 1/2 + atan(t)/pi.
        foreach (double t in new[] { -3.0, -0.5, 0, 0.7, 2, 10 })
        {
            Assert.Equal(0.5 + (Math.Atan(t) / Math.PI), StudentT.Cdf(t, 1), 12);
        }
    }

    [Theory]
    // Karp-Flatt e = (1/S - 1/p) / (1 - 1/p): S = 1.6 on 2 = (0.625 - 0.5) / 0.5 = 0.25;
    // S = 4 on 4 is perfect (0); S = 1 on 4 is wholly serial (1); S = 2.5 on 8: (0.4 - 0.125) / 0.875.
    [InlineData(1.6, 2, 0.25)]
    [InlineData(4, 4, 0)]
    [InlineData(1, 4, 1)]
    [InlineData(2.5, 8, 0.3142857142857143)]
    public void KarpFlattSerialFraction(double speedup, int workers, double expected)
    {
        Assert.Equal(expected, SpeedupAnalysis.KarpFlatt(speedup, workers)!.Value, 12);
    }

    [Fact]
    public void KarpFlattIsUndefinedForOneWorker() => Assert.Null(SpeedupAnalysis.KarpFlatt(1.2, 1));

    [Fact]
    public void SpeedupIsTheRatioOfMediansWithAnIntervalAroundIt()
    {
        double[] baseline = { 400, 410, 395, 405, 402 };
        double[] sample = { 205, 199, 210, 201, 203 };
        (double speedup, double low, double high) = SpeedupInterval.Compute(baseline, sample);
        Assert.Equal(402.0 / 203.0, speedup, 12);
        Assert.True(low <= speedup && speedup <= high, $"{low} .. {speedup} .. {high}");

        // The bootstrap ratio can be no wider than the extreme ratios of the data.
        Assert.True(low >= 395.0 / 210.0 && high <= 410.0 / 199.0, $"{low} .. {high}");
    }

    [Fact]
    public void SpeedupIntervalIsTheSameForTheSameDataInAnyOrder()
    {
        double[] baseline = { 400, 410, 395, 405, 402, 480 };
        double[] sample = { 205, 199, 210, 201, 203 };
        var first = SpeedupInterval.Compute(baseline, sample);
        var second = SpeedupInterval.Compute(baseline.AsEnumerable().Reverse(), sample.OrderByDescending(v => v));
        Assert.Equal(first, second);
    }

    [Fact]
    public void ConstantRunsGiveAPointInterval()
    {
        var (speedup, low, high) = SpeedupInterval.Compute(new[] { 300.0, 300, 300 }, new[] { 100.0, 100 });
        Assert.Equal((3.0, 3.0, 3.0), (speedup, low, high));
    }

    [Fact]
    public void PercentileInterpolatesLikeRType7()
    {
        // R: quantile(c(1, 2, 3, 4, 10), 0.9, type = 7) = 7.6
        Assert.Equal(7.6, SpeedupInterval.Percentile(new double[] { 1, 2, 3, 4, 10 }, 0.9), 12);
    }

    private static SpeedupSample Sample(string model, int workers, int run, double ms, bool valid = true, string taskSize = "Iterations=1") =>
        new("host", "Cpu", 8, taskSize, model, workers, run, ms, valid);

    [Fact]
    public void AnalysisGroupsByConfigurationAndComparesWithSequential()
    {
        var analysis = new SpeedupAnalysis();
        double[] sequential = { 400, 404, 398 };
        double[] threads = { 210, 200, 205 };
        for (int run = 0; run < 3; run++)
        {
            analysis.Add(Sample("Sequential", 1, run + 1, sequential[run]));
            analysis.Add(Sample("Threads", 2, run + 1, threads[run]));
            analysis.Add(Sample("GilThreads", 2, run + 1, 410 + run));
        }

        analysis.Add(Sample("Threads", 2, 4, 1, valid: false));
        var (summaries, missing) = analysis.Summarize(SpeedupBaseline.Sequential);

        Assert.Empty(missing);
        Assert.Equal(new[] { "Sequential", "Threads", "GilThreads" }, summaries.Select(s => s.Model));
        SpeedupSummary t = summaries[1];
        Assert.Equal(3, t.Runs);
        Assert.Equal(1, t.ExcludedRuns);
        Assert.Equal(205, t.MedianMs);
        Assert.Equal(400.0 / 205.0, t.Speedup!.Value, 12);
        Assert.Equal(t.Speedup / 2, t.Efficiency);
        Assert.Equal(SpeedupAnalysis.KarpFlatt(t.Speedup.Value, 2), t.SerialFraction);
        Assert.Equal("Sequential x1", t.Baseline);
        Assert.Equal(400, t.BaselineMedianMs);
        Assert.Equal(1.0, summaries[0].Speedup);
        Assert.Null(summaries[0].SerialFraction);
        Assert.True(summaries[2].Speedup < 1);
    }

    [Fact]
    public void SingleWorkerBaselineComparesEachModelWithItself()
    {
        var analysis = new SpeedupAnalysis();
        foreach (int workers in new[] { 1, 2, 4 })
        {
            for (int run = 1; run <= 3; run++)
            {
                analysis.Add(Sample("Threads", workers, run, 800.0 / workers));
            }
        }

        var (summaries, missing) = analysis.Summarize(SpeedupBaseline.Parse("SingleWorker"));
        Assert.Empty(missing);
        Assert.Equal(new[] { 1.0, 2.0, 4.0 }, summaries.Select(s => s.Speedup!.Value));
        Assert.All(summaries, s => Assert.Equal("Threads x1", s.Baseline));
    }

    [Fact]
    public void AMissingBaselineIsReportedAndItsSpeedupsLeftEmpty()
    {
        var analysis = new SpeedupAnalysis();
        analysis.Add(Sample("Threads", 2, 1, 100));
        analysis.Add(Sample("Sequential", 1, 1, 300, taskSize: "Iterations=2"));
        analysis.Add(Sample("Sequential", 1, 2, 300, valid: false));
        var (summaries, missing) = analysis.Summarize(SpeedupBaseline.Sequential);

        // The only valid Sequential run is of another task size, so Threads has no baseline.
        Assert.Contains(missing, m => m.Contains("Sequential runs of Cpu (8 tasks of Iterations=1)"));
        SpeedupSummary threads = summaries.Single(s => s.Model == "Threads");
        Assert.Null(threads.Speedup);
        Assert.Null(threads.Efficiency);
        Assert.Equal(100, threads.MedianMs);
        SpeedupSummary failed = summaries.Single(s => s.Model == "Sequential" && s.TaskSize == "Iterations=1");
        Assert.Equal(0, failed.Runs);
        Assert.Equal(1, failed.ExcludedRuns);
        Assert.Equal("no valid runs", failed.UnstableReason);
    }

    [Fact]
    public void RunsOfDifferentMachinesAreNeverCompared()
    {
        var analysis = new SpeedupAnalysis();
        analysis.Add(new SpeedupSample("a", "Cpu", 8, "x", "Sequential", 1, 1, 400, true));
        analysis.Add(new SpeedupSample("b", "Cpu", 8, "x", "Threads", 2, 1, 200, true));
        var (summaries, missing) = analysis.Summarize(SpeedupBaseline.Sequential);
        Assert.Equal(2, summaries.Count);
        Assert.Single(missing);
        Assert.Contains("on b", missing[0]);
    }

    [Theory]
    [InlineData("Fibers")]
    [InlineData("")]
    public void UnknownBaselinesAreRejected(string name)
    {
        Assert.Equal("Baseline", Assert.Throws<ArgumentOutOfRangeException>(() => SpeedupBaseline.Parse(name)).ParamName);
    }
}
