using System;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The statistics at their edges: each rule's boundary value on the side the documentation puts it,
/// empty and null input, and the texts a user reads. Each test was seen to fail against the engine
/// with the rule moved by one step (a &lt; made &lt;=, an || made &amp;&amp;, a check removed).
/// </summary>
public class StatisticsEdgeCaseTests
{
    private static SpeedupSample Sample(string model, int workers, int run, double ms, bool valid = true) =>
        new("host", "Cpu", 8, "Iterations=1", model, workers, run, ms, valid);

    [Fact]
    public void ThreeRunsWithACoefficientOfVariationOfExactlyTenPercentAreStable()
    {
        // Mean 100, standard deviation sqrt((100 + 0 + 100) / 2) = 10: both exact in binary, so the
        // coefficient of variation is the double nearest 0.1, the limit itself. "Above 10%" and "fewer
        // than 3 runs" both leave these three runs stable.
        RunStatistics stats = RunStatistics.Compute(new double[] { 90, 100, 110 });
        Assert.Equal(RunStatistics.UnstableCoefficientOfVariation, stats.CoefficientOfVariation);
        Assert.Null(stats.UnstableReason);

        RunStatistics wider = RunStatistics.Compute(new double[] { 89, 100, 111 });
        Assert.Equal("coefficient of variation 11.0% above 10%", wider.UnstableReason);
    }

    [Fact]
    public void AModifiedZScoreOfExactlyThreePointFiveIsNotAnOutlier()
    {
        // Median 10000, MAD 1349: 17000 scores 0.6745 * 7000 / 1349, which is 3.5 exactly in doubles;
        // one more millisecond crosses the threshold.
        double[] atLimit = { 8651, 10000, 10000, 11349, 17000 };
        Assert.Equal(RunStatistics.OutlierThreshold, RunStatistics.ModifiedZScores(atLimit, 10000)[4]);
        Assert.Empty(RunStatistics.Compute(atLimit).OutlierIndices);

        double[] beyond = { 8651, 10000, 10000, 11349, 17001 };
        Assert.Equal(new[] { 4 }, RunStatistics.Compute(beyond).OutlierIndices);
    }

    [Fact]
    public void AnOutlierExactlyTenPercentFromTheMedianDoesNotMakeTheRunsUnstable()
    {
        // Median 1000, MAD 0.5: 1100 is an outlier, 100 ms = 10% of the median away, not more.
        RunStatistics atLimit = RunStatistics.Compute(new double[] { 999, 1000, 1000, 1000, 1001, 1100 });
        Assert.Equal(new[] { 5 }, atLimit.OutlierIndices);
        Assert.Null(atLimit.UnstableReason);

        RunStatistics beyond = RunStatistics.Compute(new double[] { 999, 1000, 1000, 1000, 1001, 1101 });
        Assert.Equal("1 outlier more than 10% from the median", beyond.UnstableReason);

        RunStatistics two = RunStatistics.Compute(new double[] { 999, 1000, 1000, 1000, 1001, 1000, 1000, 1101, 1102 });
        Assert.Equal(new[] { 7, 8 }, two.OutlierIndices);
        Assert.Contains("2 outliers more than 10% from the median", two.UnstableReason);
    }

    [Fact]
    public void TimesWithAMeanOfZeroHaveNoCoefficientOfVariation()
    {
        // Only the engine API can get here (the cmdlet takes positive times): a spread but no mean to divide by.
        RunStatistics stats = RunStatistics.Compute(new double[] { -1, 0, 1 });
        Assert.Equal(1.0, stats.StdDev);
        Assert.Null(stats.CoefficientOfVariation);
    }

    [Fact]
    public void TheMedianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwo()
    {
        Assert.Equal(5.0, RunStatistics.MedianOf(new double[] { 9, 1, 5 }));
        Assert.Equal(4.0, RunStatistics.MedianOf(new double[] { 9, 1, 5, 3 }));
        Assert.Equal(2.0, RunStatistics.Compute(new double[] { 3, 1, 2 }).Median);
    }

    [Fact]
    public void EmptyOrNullValuesAreRejected()
    {
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => RunStatistics.Compute(null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => RunStatistics.Compute(Array.Empty<double>())).ParamName);
        Assert.Throws<ArgumentException>(() => SpeedupInterval.Compute(Array.Empty<double>(), new double[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => SpeedupInterval.Compute(new double[] { 1, 2 }, Array.Empty<double>()));
    }

    [Fact]
    public void ThePercentileAtOneIsTheLargestValueAndAtZeroTheSmallest()
    {
        double[] sorted = { 1, 2, 3, 4, 10 };
        Assert.Equal(10.0, SpeedupInterval.Percentile(sorted, 1.0));
        Assert.Equal(1.0, SpeedupInterval.Percentile(sorted, 0.0));
        Assert.Equal(7.0, SpeedupInterval.Percentile(new double[] { 7 }, 0.975));
    }

    [Fact]
    public void OutlierRunsNamesTheOutliersByRunNumberAndIsEmptyWithoutThem()
    {
        var analysis = new SpeedupAnalysis();
        double[] times = { 812.4, 790.1, 805.7, 1203.9, 799.3, 801.0, 795.5 };
        for (int i = 0; i < times.Length; i++)
        {
            analysis.Add(Sample("Sequential", 1, 11 + i, times[i]));
            analysis.Add(Sample("Threads", 2, 11 + i, 400 + (i % 3)));
        }

        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        Assert.Equal(1, summaries[0].Outliers);
        Assert.Equal("14", summaries[0].OutlierRuns);
        Assert.Equal(0, summaries[1].Outliers);
        Assert.Null(summaries[1].OutlierRuns);
    }

    [Fact]
    public void NullArgumentsAreRejected()
    {
        var analysis = new SpeedupAnalysis();
        Assert.Throws<ArgumentNullException>(() => analysis.Add(null!));
        analysis.Add(Sample("Sequential", 1, 1, 100));
        Assert.Throws<ArgumentNullException>(() => analysis.Summarize(null!));
        Assert.Equal("culture", Assert.Throws<ArgumentNullException>(() => new SpeedupInputReader(null!)).ParamName);
    }

    [Fact]
    public void TheMissingBaselineSaysWhichRunsWereLookedFor()
    {
        var analysis = new SpeedupAnalysis();
        analysis.Add(Sample("Threads", 2, 1, 100));
        analysis.Add(Sample("Threads", 4, 1, 60));
        Assert.Equal(
            new[] { "Sequential runs of Cpu (8 tasks of Iterations=1) on host" },
            analysis.Summarize(SpeedupBaseline.Sequential).MissingBaselines);
        Assert.Equal(
            new[] { "Threads runs with 1 worker of Cpu (8 tasks of Iterations=1) on host" },
            analysis.Summarize(SpeedupBaseline.SameModelSingleWorker).MissingBaselines);
    }

    [Fact]
    public void AnUnstableBaselineIsNamedOnceInItsOwnRowAndAddedToAnotherRowsReason()
    {
        var analysis = new SpeedupAnalysis();
        foreach (double ms in new double[] { 400, 600 })
        {
            analysis.Add(Sample("Sequential", 1, (int)ms, ms));
        }

        foreach (double ms in new double[] { 200, 201 })
        {
            analysis.Add(Sample("Threads", 2, (int)ms, ms));
        }

        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        Assert.StartsWith("fewer than 3 runs; coefficient of variation", summaries[0].UnstableReason);
        Assert.DoesNotContain("baseline", summaries[0].UnstableReason);
        Assert.Equal("fewer than 3 runs; baseline Sequential x1 is unstable", summaries[1].UnstableReason);
    }

    [Theory]
    [InlineData((short)250)]
    [InlineData((byte)250)]
    [InlineData(250)]
    [InlineData(250L)]
    [InlineData(250U)]
    [InlineData(250.0f)]
    public void AWholeNumberTimeOfAnyIntegerTypeIsRead(object elapsedMs)
    {
        var reader = new SpeedupInputReader(CultureInfo.InvariantCulture);
        var (sample, problems) = reader.Read(1, "host-a", "Cpu", 8, "Iterations=7", "Threads", 2, 1, elapsedMs, null, null);
        Assert.Empty(problems);
        Assert.True(sample.Valid);
        Assert.Equal(250.0, sample.ElapsedMs);
        Assert.Equal(("host-a", "Iterations=7"), (sample.MachineName, sample.TaskSize));
    }

    [Fact]
    public void AMissingMachineNameOrTaskSizeIsEmptyNotAnError()
    {
        var reader = new SpeedupInputReader(CultureInfo.InvariantCulture);
        var (sample, problems) = reader.Read(1, null, "Cpu", 8, null, "Threads", 2, 1, 250.0, null, null);
        Assert.Empty(problems);
        Assert.True(sample.Valid);
        Assert.Equal((string.Empty, string.Empty), (sample.MachineName, sample.TaskSize));
    }
}
