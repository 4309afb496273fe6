using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>The rules of Measure-Speedup's analysis beyond the descriptive statistics.</summary>
public class SpeedupRulesTests
{
    private static SpeedupSample Sample(string model, int workers, int run, double ms, bool valid = true, string? reason = null) =>
        new("host", "Cpu", 8, "Iterations=1", model, workers, run, ms, valid, reason);

    private static IReadOnlyList<SpeedupSummary> Summarize(SpeedupBaseline baseline, params SpeedupSample[] samples)
    {
        var analysis = new SpeedupAnalysis();
        foreach (SpeedupSample sample in samples)
        {
            analysis.Add(sample);
        }

        return analysis.Summarize(baseline).Summaries;
    }

    private static IEnumerable<SpeedupSample> Runs(string model, int workers, params double[] times) =>
        times.Select((t, i) => Sample(model, workers, i + 1, t));

    [Fact]
    public void TheBootstrapIsAnExactReplayOfMediansAt95Percent()
    {
        // An independent replay: the same seed and draws, medians of the resamples, R type-7 percentiles
        // at 2.5% and 97.5%. A bootstrap of means, or a 90% interval, gives other numbers.
        double[] baseline = { 402, 395, 431, 398, 405, 512, 399 };
        double[] sample = { 210, 205, 199, 260, 201, 204 };
        (double speedup, double low, double high) = Replay(baseline, sample);

        Assert.Equal(10_000, SpeedupInterval.Resamples);
        Assert.Equal(402.0 / 204.5, speedup, 12);
        Assert.Equal(speedup, SpeedupInterval.Compute(baseline, sample).Speedup, 12);
    }

    [Fact]
    public void TheBootstrapOfSpreadOutTimesIsAnExactReplayToo()
    {
        // Times spread over a wide range, so that a draw of another index gives another value on either side.
        (double speedup, _, _) = Replay(new double[] { 900, 410, 1500, 620, 380, 2400, 700 }, new double[] { 90, 400, 150, 1200, 230, 60, 700, 310 });
        Assert.Equal(700.0 / 270, speedup, 12);
    }

    // Checks SpeedupInterval.Compute against an independent replay and returns the replay's figures.
    private static (double Speedup, double Low, double High) Replay(double[] baseline, double[] sample)
    {
        (double speedup, double low, double high) = SpeedupInterval.Compute(baseline, sample);

        double[] b = baseline.OrderBy(v => v).ToArray();
        double[] s = sample.OrderBy(v => v).ToArray();
        var random = new Random(SpeedupInterval.Seed);
        var ratios = new double[SpeedupInterval.Resamples];
        for (int r = 0; r < ratios.Length; r++)
        {
            double mb = Median(Enumerable.Range(0, b.Length).Select(_ => b[random.Next(b.Length)]).ToArray());
            double ms = Median(Enumerable.Range(0, s.Length).Select(_ => s[random.Next(s.Length)]).ToArray());
            ratios[r] = mb / ms;
        }

        Array.Sort(ratios);
        Assert.Equal(Type7(ratios, 0.025), low, 12);
        Assert.Equal(Type7(ratios, 0.975), high, 12);
        Assert.NotEqual(Type7(ratios, 0.05), low, 6);
        return (speedup, low, high);
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    private static double Type7(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)h;
        return sorted[lo] + ((h - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]));
    }

    [Fact]
    public void AgainstAMultiWorkerBaselineEfficiencyAndSerialFractionCountBaselineWorkersAsTheUnit()
    {
        var summaries = Summarize(
            SpeedupBaseline.Parse("Threads"),
            Runs("Threads", 2, 400, 400, 400).Concat(Runs("Threads", 4, 250, 250, 250)).Concat(Runs("Threads", 8, 100, 100, 100))
                .Concat(Runs("Sequential", 1, 600, 600, 600)).ToArray());

        SpeedupSummary x4 = summaries.Single(s => s.Model == "Threads" && s.Workers == 4);
        Assert.Equal("Threads x2", x4.Baseline);
        Assert.Equal(1.6, x4.Speedup!.Value, 12);

        // Twice the baseline's workers: efficiency 1.6 / 2, Karp-Flatt (1/1.6 - 1/2) / (1 - 1/2) = 0.25.
        Assert.Equal(0.8, x4.Efficiency!.Value, 12);
        Assert.Equal(0.25, x4.SerialFraction!.Value, 12);

        SpeedupSummary x8 = summaries.Single(s => s.Model == "Threads" && s.Workers == 8);
        Assert.Equal(1.0, x8.Efficiency!.Value, 12);
        Assert.Equal(0.0, x8.SerialFraction!.Value, 12);

        // Fewer workers than the baseline: half a unit; no serial fraction below one unit.
        SpeedupSummary sequential = summaries.Single(s => s.Model == "Sequential");
        Assert.Equal(400.0 / 600 / 0.5, sequential.Efficiency!.Value, 12);
        Assert.Null(sequential.SerialFraction);
        Assert.Null(summaries.Single(s => s.Model == "Threads" && s.Workers == 2).SerialFraction);
    }

    [Fact]
    public void ModelNamesAreOneNameWhateverTheirCaseAndTheBaselineDoesNotDependOnOrder()
    {
        SpeedupSample[] rows =
        {
            Sample("threads", 2, 1, 200), Sample("sequential", 1, 1, 400), Sample("Sequential", 1, 2, 400),
            Sample("SEQUENTIAL", 1, 3, 400), Sample("Threads", 2, 2, 200), Sample("Custom", 1, 1, 100), Sample("custom", 1, 2, 100),
        };
        var forward = Summarize(SpeedupBaseline.Sequential, rows);
        var backward = Summarize(SpeedupBaseline.Sequential, Enumerable.Reverse(rows).ToArray());

        Assert.Equal(new[] { "Threads", "Sequential", "Custom" }, forward.Select(s => s.Model));
        Assert.Equal(new[] { 2, 3, 2 }, forward.Select(s => s.Runs));
        Assert.Equal(new[] { "custom", "Threads", "Sequential" }, backward.Select(s => s.Model));
        Assert.All(forward.Concat(backward), s => Assert.Equal("Sequential x1", s.Baseline));
        Assert.Equal(2.0, forward[0].Speedup);
        Assert.Equal(2.0, backward[1].Speedup);
    }

    [Fact]
    public void AnUnstableBaselineMakesEverySpeedupAgainstItUnstable()
    {
        var unstable = Summarize(SpeedupBaseline.Sequential, Runs("Sequential", 1, 400, 600, 500, 450).Concat(Runs("Threads", 2, 200, 201, 199, 200)).ToArray());
        SpeedupSummary threads = unstable.Single(s => s.Model == "Threads");
        Assert.True(unstable[0].BaselineUnstable);
        Assert.True(threads.BaselineUnstable);
        Assert.True(threads.Unstable);
        Assert.Equal("baseline Sequential x1 is unstable", threads.UnstableReason);
        Assert.DoesNotContain("baseline", unstable[0].UnstableReason);

        var stable = Summarize(SpeedupBaseline.Sequential, Runs("Sequential", 1, 400, 401, 399, 400).Concat(Runs("Threads", 2, 200, 201, 199, 200)).ToArray());
        Assert.All(stable, s => Assert.False(s.BaselineUnstable));
        Assert.All(stable, s => Assert.False(s.Unstable));
        Assert.All(stable, s => Assert.Null(s.UnstableReason));
    }

    [Fact]
    public void WithoutABaselineTheBaselineColumnsAreEmpty()
    {
        SpeedupSummary only = Summarize(SpeedupBaseline.Sequential, Runs("Threads", 2, 200, 201, 199).ToArray()).Single();
        Assert.Null(only.Baseline);
        Assert.Null(only.BaselineUnstable);
        Assert.Null(only.Comparison);
        Assert.Null(only.ComparisonPValue);
    }

    [Theory]
    // Five runs each, wholly apart: the exact one-sided Mann-Whitney p-value is 1 / C(10, 5) = 1/252.
    [InlineData(new double[] { 400, 410, 395, 405, 402 }, new double[] { 205, 199, 210, 201, 203 }, "Faster", 1.0 / 252)]
    [InlineData(new double[] { 205, 199, 210, 201, 203 }, new double[] { 400, 410, 395, 405, 402 }, "Slower", 1.0 / 252)]
    // 3% apart, every run: a real difference, but below the 5% threshold.
    [InlineData(new double[] { 103, 103.1, 102.9, 103.2, 102.8 }, new double[] { 100, 100.1, 99.9, 100.2, 99.8 }, "Same", 1.0)]
    [InlineData(new double[] { 100, 100.1, 99.9, 100.2, 99.8 }, new double[] { 103, 103.1, 102.9, 103.2, 102.8 }, "Same", 1.0)]
    // Three runs each can never be significant: the smallest p-value is 1 / C(6, 3) = 0.05.
    [InlineData(new double[] { 400, 401, 402 }, new double[] { 100, 101, 102 }, "Same", 0.05)]
    [InlineData(new double[] { 100, 101, 102 }, new double[] { 400, 401, 402 }, "Same", 0.05)]
    // Four runs each can: 1 / C(8, 4) = 1/70.
    [InlineData(new double[] { 400, 401, 402, 403 }, new double[] { 100, 101, 102, 103 }, "Faster", 1.0 / 70)]
    public void TheComparisonIsAThresholdMannWhitneyTest(double[] baseline, double[] sample, string verdict, double p)
    {
        var result = SpeedupSignificance.Compare(baseline, sample);
        Assert.Equal(verdict, result!.Value.Verdict);
        Assert.Equal(p, result.Value.PValue, 9);

        var summaries = Summarize(SpeedupBaseline.Sequential, Runs("Sequential", 1, baseline).Concat(Runs("Threads", 2, sample)).ToArray());
        Assert.Equal(verdict, summaries[1].Comparison);
        Assert.Equal(p, summaries[1].ComparisonPValue!.Value, 9);
        Assert.Equal(SpeedupSignificance.Same, summaries[0].Comparison);
    }

    [Fact]
    public void OneRunOnASideGivesNoComparison()
    {
        Assert.Null(SpeedupSignificance.Compare(new double[] { 400 }, new double[] { 100, 101 }));
        Assert.Null(SpeedupSignificance.Compare(new double[] { 400, 401 }, new double[] { 100 }));
        Assert.NotNull(SpeedupSignificance.Compare(new double[] { 400, 401 }, new double[] { 100, 101 }));
    }

    [Fact]
    public void TwoClustersOfTimesAreFlaggedBimodal()
    {
        double[] twoPeaks = { 100, 201, 102, 203, 101, 200, 103, 202, 100.5, 201.5, 99, 199, 101.5, 202.5, 100.2, 200.7 };
        RunStatistics bimodal = RunStatistics.Compute(twoPeaks);
        Assert.True(bimodal.Bimodal);
        Assert.Contains("bimodal: 8 runs near 100.9 and 8 near 201.2 (99% apart", bimodal.UnstableReason);

        double[] onePeak = { 100, 101, 102, 103, 101, 100, 103, 102, 100.5, 101.5, 99.5, 102.5, 101.2, 100.7, 101.9, 100.1 };
        RunStatistics unimodal = RunStatistics.Compute(onePeak);
        Assert.False(unimodal.Bimodal);
        Assert.Null(unimodal.UnstableReason);

        // Ten runs are too few to judge, however they fall.
        Assert.False(RunStatistics.Compute(twoPeaks.Take(10)).Bimodal);

        SpeedupSummary summary = Summarize(SpeedupBaseline.Sequential, Runs("Sequential", 1, twoPeaks).ToArray()).Single();
        Assert.Equal(bimodal.ModeSeparation, summary.ModeSeparation);
        Assert.True(summary.Unstable);
        Assert.Contains("bimodal", summary.UnstableReason);
    }

    [Fact]
    public void ExcludedRunsSayWhyWithCounts()
    {
        SpeedupSummary summary = Summarize(
            SpeedupBaseline.Sequential,
            Sample("Sequential", 1, 1, 100),
            Sample("Sequential", 1, 2, 0, valid: false, reason: "failed"),
            Sample("Sequential", 1, 3, 0, valid: false, reason: "not verified"),
            Sample("Sequential", 1, 4, 0, valid: false, reason: "failed"),
            Sample("Sequential", 1, 5, 0, valid: false)).Single();
        Assert.Equal(1, summary.Runs);
        Assert.Equal(4, summary.ExcludedRuns);
        Assert.Equal("failed (2 runs); not verified (1 run); invalid (1 run)", summary.ExcludedReason);
        Assert.Null(Summarize(SpeedupBaseline.Sequential, Sample("Sequential", 1, 1, 100)).Single().ExcludedReason);
    }

    [Fact]
    public void RepeatedRunNumbersWithinAConfigurationAreListed()
    {
        var analysis = new SpeedupAnalysis();
        foreach (SpeedupSample sample in new[]
        {
            Sample("Threads", 2, 1, 100), Sample("Threads", 2, 1, 101), Sample("Threads", 2, 2, 100), Sample("threads", 2, 1, 99, valid: false),
            Sample("Threads", 4, 1, 50), Sample("Threads", 4, 2, 50), Sample("Sequential", 1, 0, 10), Sample("Sequential", 1, 0, 10),
        })
        {
            analysis.Add(sample);
        }

        Assert.Equal(new[] { "Threads x2 of Cpu (8 tasks of Iterations=1) on host: run 1 (3 times)" }, analysis.DuplicateRuns());
    }

    [Theory]
    [InlineData(0, 100.0)]
    [InlineData(1, 0.0)]
    [InlineData(1, -5.0)]
    [InlineData(1, double.NaN)]
    [InlineData(1, double.PositiveInfinity)]
    public void AValidRunNeedsWorkersAndAPositiveTime(int workers, double ms)
    {
        var analysis = new SpeedupAnalysis();
        Assert.Throws<ArgumentOutOfRangeException>(() => analysis.Add(Sample("Threads", workers, 1, ms)));
        analysis.Add(Sample("Threads", workers, 1, ms, valid: false, reason: "failed"));
        Assert.Equal(1, analysis.Summarize(SpeedupBaseline.Sequential).Summaries.Single().ExcludedRuns);
    }
}
