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
    [Fact]
    public void NewSummariesHaveEmptyTextColumns()
    {
        var summary = new SpeedupSummary();
        Assert.Equal(new[] { "", "", "", "" }, new[] { summary.MachineName, summary.Workload, summary.TaskSize, summary.Model });
    }

    [Fact]
    public void RejectionsSayWhatIsWrong()
    {
        Assert.StartsWith("At least one value is needed.", Assert.Throws<ArgumentException>(() => RunStatistics.Compute(Array.Empty<double>())).Message);
        Assert.Equal("Both the baseline and the sample need at least one value.", Assert.Throws<ArgumentException>(() => SpeedupInterval.Compute(Array.Empty<double>(), new double[] { 1 })).Message);
        Assert.StartsWith(
            "A valid run needs at least one worker and a positive, finite ElapsedMs.",
            Assert.Throws<ArgumentOutOfRangeException>(() => new SpeedupAnalysis().Add(Sample("Threads", 0, 1, 100))).Message);
        Assert.StartsWith("Baseline must be a model name or 'SingleWorker'; 'Fibers' is neither.", Assert.Throws<ArgumentOutOfRangeException>(() => SpeedupBaseline.Parse("Fibers")).Message);
    }

    [Fact]
    public void NullInputsOfTheComparisonAndTheRecommendationAreRejected()
    {
        Assert.Equal("baseline", Assert.Throws<ArgumentNullException>(() => SpeedupSignificance.Compare(null!, new double[] { 1, 2 })).ParamName);
        Assert.Equal("sample", Assert.Throws<ArgumentNullException>(() => SpeedupSignificance.Compare(new double[] { 1, 2 }, null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new RecommendationAnalysis().Apply(null!));
    }

    [Fact]
    public void NoSpeedupHasNoSerialFraction() => Assert.Null(SpeedupAnalysis.KarpFlatt(0, 4));

    [Fact]
    public void ASummaryKeepsTheExtremesAndListsEveryOutlierRun()
    {
        var analysis = new SpeedupAnalysis();
        double[] times = { 999, 1000, 1000, 1000, 1001, 1000, 1000, 1101, 1102 };
        for (int i = 0; i < times.Length; i++)
        {
            analysis.Add(Sample("Sequential", 1, i + 1, times[i]));
        }

        var summary = analysis.Summarize(SpeedupBaseline.Sequential).Summaries.Single();
        Assert.Equal((999.0, 1102.0), (summary.MinMs, summary.MaxMs));
        Assert.Equal("8,9", summary.OutlierRuns);
    }

    [Fact]
    public void AConfigurationWithoutValidRunsIsUnstableAgainstAStableBaseline()
    {
        var analysis = new SpeedupAnalysis();
        foreach (double ms in new double[] { 100, 101, 99 })
        {
            analysis.Add(Sample("Sequential", 1, (int)ms, ms));
        }

        analysis.Add(Sample("Threads", 2, 1, 0, valid: false));
        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        Assert.False(summaries[0].Unstable);
        Assert.True(summaries[1].Unstable);
        Assert.Equal("no valid runs", summaries[1].UnstableReason);
    }

    [Fact]
    public void EveryRepeatedRunNumberOfAConfigurationIsListed()
    {
        var analysis = new SpeedupAnalysis();
        foreach (int run in new[] { 1, 1, 2, 2, 3 })
        {
            analysis.Add(Sample("Threads", 2, run, 100));
        }

        Assert.Equal("Threads x2 of Cpu (8 tasks of Iterations=1) on host: run 1 (2 times), run 2 (2 times)", Assert.Single(analysis.DuplicateRuns()));
    }

    private static SpeedupInputProblem Problem(string culture, string? workload = "Cpu", object? workers = null, object? elapsedMs = null, object? verified = null)
    {
        var reader = new SpeedupInputReader(CultureInfo.GetCultureInfo(culture));
        return Assert.Single(reader.Read(7, "host", workload, 8, "Iterations=1", "Threads", workers ?? 2, 3, elapsedMs, verified, null).Problems);
    }

    [Fact]
    public void AnEmptyWorkloadIsAProblemOfItsColumn()
    {
        var reader = new SpeedupInputReader(CultureInfo.InvariantCulture);
        var (sample, _) = reader.Read(7, "host", " ", 8, "Iterations=1", "Threads", 2, 3, 10.0, null, null);
        Assert.Equal(string.Empty, sample.Workload);
        SpeedupInputProblem problem = Problem("", workload: " ", elapsedMs: 10.0);
        Assert.Equal(("Workload", "is empty", "Workload of row 7 is empty; the run is excluded."), (problem.Column, problem.Reason, problem.Message));
    }

    [Fact]
    public void TimeProblemsNameTheColumnTheReasonAndTheCulture()
    {
        SpeedupInputProblem zero = Problem("", elapsedMs: 0.0);
        Assert.Equal(("ElapsedMs", "is not a positive time"), (zero.Column, zero.Reason));
        Assert.Equal("ElapsedMs of row 7 (Threads x2 run 3) is empty or not a number; the run is excluded.", Problem("").Message);
        Assert.Contains("'abc' of row 7 (Threads x2 run 3) is not a number in the invariant culture (decimal separator '.',", Problem("", elapsedMs: "abc").Message);
        Assert.Contains("'abc' of row 7 (Threads x2 run 3) is not a number in culture de-DE (decimal separator ',',", Problem("de-DE", elapsedMs: "abc").Message);
    }

    [Fact]
    public void VerifiedAndCountProblemsShowTheCell()
    {
        SpeedupInputProblem verified = Problem("", elapsedMs: 10.0, verified: "maybe");
        Assert.Equal("is not True or False", verified.Reason);
        Assert.Equal("Verified must be True or False; 'maybe' of row 7 (Threads x2 run 3) is neither, so the run is excluded.", verified.Message);
        Assert.Equal("Workers 0 of row 7 must be at least 1; the run is excluded.", Problem("", workers: 0, elapsedMs: 10.0).Message);
    }
    [Theory]
    [InlineData("de-DE", "12,5", 12.5)]
    [InlineData("", " 12.5 ", 12.5)]
    [InlineData("", 5.5, 5.5)]
    [InlineData("", 3f, 3.0)]
    [InlineData("", 7, 7.0)]
    [InlineData("", 8L, 8.0)]
    [InlineData("", (short)9, 9.0)]
    [InlineData("", (byte)10, 10.0)]
    [InlineData("", 11u, 11.0)]
    public void AnOptionalFigureIsReadAsANumber(string culture, object value, double expected)
    {
        var (figure, problem) = new SpeedupInputReader(CultureInfo.GetCultureInfo(culture)).ReadOptional(4, "CpuTimeMs", value);
        Assert.Null(problem);
        Assert.Equal(expected, figure);
        Assert.Equal(2.5, new SpeedupInputReader(CultureInfo.InvariantCulture).ReadOptional(4, "StartupMs", 2.5m).Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void AnEmptyOptionalFigureIsMissingWithoutAProblem(string? value)
    {
        var (figure, problem) = new SpeedupInputReader(CultureInfo.InvariantCulture).ReadOptional(4, "CpuTimeMs", value);
        Assert.Null(figure);
        Assert.Null(problem);
    }

    [Fact]
    public void AnOptionalFigureThatIsNotAFiniteNumberIsAProblemNamingItsColumn()
    {
        var (figure, problem) = new SpeedupInputReader(CultureInfo.GetCultureInfo("de-DE")).ReadOptional(4, "CpuTimeMs", "abc");
        Assert.Null(figure);
        Assert.Equal(("CpuTimeMs", "is not a number", "InvalidCpuTimeMs"), (problem!.Column, problem.Reason, problem.ErrorId));
        Assert.Equal("CpuTimeMs 'abc' of row 4 is not a number in culture de-DE; the run is read without it.", problem.Message);

        var invariant = new SpeedupInputReader(CultureInfo.InvariantCulture);
        Assert.Equal("LogicalCores 'Infinity' of row 5 is not a number in the invariant culture; the run is read without it.", invariant.ReadOptional(5, "LogicalCores", double.PositiveInfinity).Problem!.Message);
        Assert.NotNull(invariant.ReadOptional(5, "StartupMs", double.NaN).Problem);
        Assert.Equal("is not a number", invariant.ReadOptional(5, "StartupMs", new object()).Problem!.Reason);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void StudentTNeedsPositiveDegreesOfFreedom(double degreesOfFreedom)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, degreesOfFreedom));
        Assert.Equal("degreesOfFreedom", error.ParamName);
        Assert.Equal(degreesOfFreedom, error.ActualValue);
        Assert.StartsWith("Degrees of freedom must be positive.", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0.975, degreesOfFreedom));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AStudentTQuantileNeedsAProbabilityStrictlyBetweenZeroAndOne(double p)
    {
        // The quantiles of 0 and 1 are infinite: the check rejects them rather than let the bisection return a finite t.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(p, 5));
        Assert.Equal("p", error.ParamName);
        Assert.Equal(p, error.ActualValue); // p = 0 itself, not the 1 - p of the lower tail's recursion
        Assert.StartsWith("The probability must be between 0 and 1.", error.Message);
    }

    [Theory]
    [InlineData(0.25, 1.28802252469807745737)]
    [InlineData(0.1, 2.25271265173420590200)]
    [InlineData(0.001, 6.90717888538385366168)]
    [InlineData(0.5, 0.57236494292470008707)]
    [InlineData(3.7, 1.42807232666538812920)]
    public void LogGammaMatchesMpmathBelowAndAboveOneHalf(double x, double expected)
    {
        // mpmath.loggamma at 30 digits; below 0.5 the reflection formula answers, which the t distribution's
        // arguments (df / 2 >= 0.5) never reach.
        Assert.Equal(expected, IncompleteBeta.LogGamma(x), 12);
    }

    [Theory]
    [InlineData(2, 3, 0.2, 0.1808)]
    [InlineData(2, 3, 0.8, 0.9728)]
    [InlineData(0.5, 0.5, 0.3, 0.369010119565545375)]
    [InlineData(0.5, 0.5, 0.97, 0.889175313395540530)]
    [InlineData(5, 0.5, 0.9, 0.316642915020012313)]
    [InlineData(5, 0.5, 0.2, 0.0000863021615315425327)]
    public void TheIncompleteBetaMatchesMpmathOnBothSidesOfItsSymmetrySwitch(double a, double b, double x, double expected)
    {
        // mpmath.betainc(a, b, 0, x, regularized=True) at 30 digits; the switch is at x = (a + 1) / (a + b + 2).
        Assert.Equal(expected, IncompleteBeta.Regularized(a, b, x), 12);
    }

    [Theory]
    [InlineData(-0.5, 0.0)]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(1.5, 1.0)]
    public void TheIncompleteBetaIsZeroAtAndBelowZeroAndOneAtAndAboveOne(double x, double expected)
    {
        Assert.Equal(expected, IncompleteBeta.Regularized(2, 3, x));
    }
}
