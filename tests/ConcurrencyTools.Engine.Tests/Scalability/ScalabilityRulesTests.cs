using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Scalability;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Scalability;

/// <summary>
/// The rules of the scalability fit that its model tests leave open: bad input, the boundaries of the peak,
/// the columns each row copies, and every sentence of the recommendation.
/// </summary>
public class ScalabilityRulesTests
{
    [Fact]
    public void AThroughputListOfAnotherLengthIsRejectedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 2, 3 }, new double[] { 10, 20 }));
        Assert.Equal("throughput", error.ParamName);
        Assert.StartsWith("There must be one throughput per worker count.", error.Message);
    }

    [Theory]
    [InlineData(0.5, 10)]
    [InlineData(double.PositiveInfinity, 10)]
    [InlineData(double.NaN, 10)]
    [InlineData(4, double.PositiveInfinity)]
    [InlineData(4, 0)]
    public void WorkerCountsBelowOneAndInfiniteValuesAreRejected(double workers, double throughput)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UniversalScalabilityLaw.Fit(new[] { 1, 2, workers }, new[] { 10, 20, throughput }));
        Assert.Equal("throughput", error.ParamName);
        Assert.StartsWith("Worker counts must be at least 1 and throughputs positive and finite.", error.Message);
    }

    [Fact]
    public void NullListsAreRejectedNamingThem()
    {
        Assert.Equal("workers", Assert.Throws<ArgumentNullException>(() => UniversalScalabilityLaw.Fit(null!, new double[] { 1, 2, 3 })).ParamName);
        Assert.Equal("throughput", Assert.Throws<ArgumentNullException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 2, 3 }, null!)).ParamName);
    }

    [Fact]
    public void SuperLinearScalingStopsAtTheFloorThatKeepsTheModelPositive()
    {
        // Each worker count multiplies the throughput far beyond linear, so the fit pushes σ down to its floor,
        // −(1 − 10⁻⁶) / (N_max − 1): just above the σ at which the denominator reaches 0 at the largest count.
        double[] workers = { 1, 1, 2, 2, 4, 4 };
        double[] throughput = { 1, 1, 100, 100, 10_000, 10_000 };

        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.Equal(-(1 - 1e-6) / 3, fit.Sigma, 1e-12);
        Assert.All(workers, n => Assert.True(fit.Throughput(n) > 0 && double.IsFinite(fit.Throughput(n)), $"X({n}) = {fit.Throughput(n)}"));
    }

    [Fact]
    public void ThreeWorkerCountsAreEnoughAndTheMessageCountsTheDistinctOnes()
    {
        ScalabilityFit fit = UniversalScalabilityLaw.Fit(new double[] { 1, 2, 4 }, new[] { 100, 100 * UniversalScalabilityLaw.RelativeCapacity(2, 0.1, 0.01), 100 * UniversalScalabilityLaw.RelativeCapacity(4, 0.1, 0.01) });
        Assert.Equal(3, fit.Points);

        var error = Assert.Throws<ArgumentException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 2, 2, 1 }, new double[] { 10, 19, 20, 11 }));
        Assert.Equal("workers", error.ParamName);
        Assert.StartsWith("A scalability fit needs at least 3 distinct worker counts; there are 2.", error.Message);
    }

    [Fact]
    public void ThroughputsNoDoubleHoldsInOneUnitAreRejectedSayingSo()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 2, 3 }, new[] { 1e-300, 1.0, 1e300 }));
        Assert.Equal("throughput", error.ParamName);
        Assert.Contains("The throughputs span more than a double can hold in one unit (1E-300 to 1E+300)", error.Message);
    }

    [Fact]
    public void WithNoDegreesOfFreedomThereAreNoErrorsAndNoResidualError()
    {
        // Three points and three parameters: the USL goes through them, with nothing left to estimate errors from.
        double[] workers = { 1, 2, 4 };
        double[] throughput = workers.Select(n => 100 * UniversalScalabilityLaw.RelativeCapacity(n, 0.1, 0.01)).ToArray();

        ScalabilityFit usl = UniversalScalabilityLaw.Fit(workers, throughput);
        Assert.Null(usl.SigmaStdError);
        Assert.Null(usl.KappaStdError);
        Assert.Null(usl.LambdaStdError);
        Assert.Null(usl.ResidualStdError);

        // Amdahl has two parameters, so one degree of freedom is left: its errors exist.
        ScalabilityFit amdahl = UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: true);
        Assert.NotNull(amdahl.SigmaStdError);
        Assert.NotNull(amdahl.LambdaStdError);
        Assert.NotNull(amdahl.ResidualStdError);
        Assert.True(amdahl.ResidualStdError > 0);
    }

    [Fact]
    public void TheFitCountsItsIterations()
    {
        double[] workers = { 1, 2, 4, 8 };
        double[] throughput = workers.Select(n => 100 * UniversalScalabilityLaw.RelativeCapacity(n, 0.05, 0.002)).ToArray();

        ScalabilityFit stopped = UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: false, maximumIterations: 2);
        ScalabilityFit converged = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.False(stopped.Converged);
        Assert.InRange(stopped.Iterations, 1, 2);
        Assert.True(converged.Converged);
        Assert.InRange(converged.Iterations, 3, UniversalScalabilityLaw.MaximumIterations);
    }

    [Fact]
    public void ThePeakIsReportedUpToTenThousandWorkersAndNeverBelowOne()
    {
        // (1 − σ) / κ = 10⁸ exactly in binary (1 − σ = 390625 / 2²⁰, κ = 2⁻²⁸): a peak of 10,000 workers, the last one
        // reported; the next smaller κ puts it past the limit.
        double kappa = Math.ScaleB(1, -28);
        double sigma = 1 - (390625.0 / 1048576);
        Assert.Equal(1e8, (1 - sigma) / kappa);
        Assert.Equal(10_000, UniversalScalabilityLaw.PeakWorkers(sigma, kappa)!.Value, 1e-9);
        Assert.Null(UniversalScalabilityLaw.PeakWorkers(sigma, Math.BitDecrement(kappa)));

        // κ at the negligible limit still has a peak when σ is close enough to 1 to bring it within reach.
        Assert.Equal(Math.Sqrt(0.01 / 1e-9), UniversalScalabilityLaw.PeakWorkers(0.99, UniversalScalabilityLaw.NegligibleKappa)!.Value, 1e-6);
        Assert.Null(UniversalScalabilityLaw.PeakWorkers(0.99, Math.BitDecrement(UniversalScalabilityLaw.NegligibleKappa)));

        // A peak below one worker is one worker; a σ above 1 (never fitted, but public) is no contention left to share.
        Assert.Equal(1, UniversalScalabilityLaw.PeakWorkers(0.5, 1)!.Value);
        Assert.Equal(1, UniversalScalabilityLaw.PeakWorkers(1.5, 0.01)!.Value);
    }

    [Fact]
    public void FittedSpeedupAndThroughputFollowTheLaw()
    {
        double[] workers = { 1, 2, 4, 8, 16 };
        double[] throughput = workers.Select(n => 50 * UniversalScalabilityLaw.RelativeCapacity(n, 0.1, 0.002)).ToArray();

        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);

        // C(10) = 10 / (1 + 0.1·9 + 0.002·10·9) = 10 / 2.08.
        Assert.Equal(10 / 2.08, fit.Speedup(10), 1e-5);
        Assert.Equal(50 * 10 / 2.08, fit.Throughput(10), 1e-3);
        Assert.Equal(10 / 2.08, UniversalScalabilityLaw.RelativeCapacity(10, 0.1, 0.002), 12);
    }

    [Fact]
    public void ANullRunIsRejected()
    {
        Assert.Throws<ArgumentNullException>(() => new ScalabilityAnalysis().Add(null!));
        Assert.Throws<ArgumentNullException>(() => ScalabilityRecommendation.Describe(null!));
    }

    [Fact]
    public void RunsOfAnotherWorkloadTaskCountOrTaskSizeAreFittedApart()
    {
        var samples = Runs("Threads", 0.1, 0.01, workload: "Cpu", tasks: 40, size: "Iterations=1000")
            .Concat(Runs("Threads", 0.1, 0.01, workload: "Io", tasks: 40, size: "Iterations=1000"))
            .Concat(Runs("Threads", 0.1, 0.01, workload: "Cpu", tasks: 80, size: "Iterations=1000"))
            .Concat(Runs("Threads", 0.1, 0.01, workload: "Cpu", tasks: 40, size: "Iterations=2000"));

        var fits = Analyze(samples).Analyze().Fits;

        Assert.Equal(new[] { "Cpu 40 Iterations=1000", "Io 40 Iterations=1000", "Cpu 80 Iterations=1000", "Cpu 40 Iterations=2000" },
            fits.Select(f => $"{f.Summary.Workload} {f.Summary.Tasks} {f.Summary.TaskSize}"));
        Assert.All(fits, f => Assert.Equal(3, f.Summary.Runs));
    }

    [Fact]
    public void TheCoresOfAGroupAreTheMostAnyRunNamesAndNegativeCoresAreUnknown()
    {
        var runs = Runs("Threads", 0.1, 0.01).ToArray();
        var analysis = new ScalabilityAnalysis();
        analysis.Add(runs[0], 4);
        analysis.Add(runs[1], 16);
        analysis.Add(runs[2], 8);
        Assert.Equal(16, analysis.Analyze().Fits.Single().Summary.LogicalCores);

        var unknown = new ScalabilityAnalysis();
        foreach (SpeedupSample run in runs)
        {
            unknown.Add(run, -4);
        }

        var (fits, _, _) = unknown.Analyze(new[] { 2 });
        Assert.Equal(0, fits.Single().Summary.LogicalCores);
        Assert.False(fits.Single().Predictions.Single().BeyondLogicalCores);
    }

    [Fact]
    public void OneWorkerCountIsSingularInTheMessageAndSequentialIsContextInAnyCase()
    {
        var (_, notFitted, context) = Analyze(Runs("Threads", 0.1, 0.01, workers: new[] { 4 })
            .Concat(Runs("sequential", 0, 0, workers: new[] { 1 }))
            .Concat(Runs("Sequential", 0.1, 0.01, workers: new[] { 1, 2 }, machine: "m2"))).Analyze();

        Assert.Equal(
            new[]
            {
                "Threads runs of Cpu (40 tasks of Iterations=1000) on m1: 1 distinct worker count (4); a scalability fit needs at least 3, e.g. -Workers 1, 2, 4, 8.",
                "Sequential runs of Cpu (40 tasks of Iterations=1000) on m2: 2 distinct worker counts (1,2); a scalability fit needs at least 3, e.g. -Workers 1, 2, 4, 8.",
            },
            notFitted);
        Assert.Equal("sequential runs of Cpu (40 tasks of Iterations=1000) on m1: one worker by definition, the baseline of the sweep rather than a sweep; not fitted.", Assert.Single(context));
    }

    [Fact]
    public void AGroupThatCannotBeFittedSaysWhyInItsOwnWords()
    {
        var extreme = new[] { 1e-300, 1e-300, 1, 1e300, 1e300, 1e300 }
            .Select((ms, i) => new SpeedupSample("m1", "Cpu", 40, "Iterations=1", "Threads", (i % 3) + 1, i + 1, ms, true));

        string reason = Assert.Single(Analyze(extreme).Analyze().NotFitted);

        Assert.StartsWith("Threads runs of Cpu (40 tasks of Iterations=1) on m1: The throughputs span more than a double can hold in one unit", reason);
    }

    [Fact]
    public void FlatRunsHaveNoRSquaredNoAmdahlLimitPastOneAndTheFewestWorkersAreBest()
    {
        ScalabilitySummary flat = Analyze(Runs("GilThreads", 1, 0)).Analyze().Fits.Single().Summary;

        Assert.Null(flat.FitRSquared);
        Assert.Equal(1, flat.MeasuredBestWorkers);
        Assert.Equal(1, flat.MeasuredBestSpeedup, 1e-6);
        Assert.Null(flat.FitWarning);
        Assert.Equal("Best measured: 1 worker (1.00x); the fit is flat: more workers add nothing, the work is as good as serial (σ 1, κ 0).", flat.Recommendation);
    }

    [Fact]
    public void LinearRunsAreFittedExactlyByBothLaws()
    {
        ScalabilitySummary linear = Analyze(Runs("Threads", 0, 0)).Analyze().Fits.Single().Summary;

        Assert.Equal(0, linear.AmdahlSigma, 1e-9);
        Assert.Null(linear.FitWarning);
        Assert.Equal(1, linear.FitRSquared!.Value, 9);
        Assert.Equal(1, linear.AmdahlRSquared!.Value, 9);
        Assert.True(linear.FitConverged);
        Assert.True(linear.FitIterations > 0);
    }

    [Fact]
    public void APredictionCarriesItsGroupsColumns()
    {
        var samples = Runs("Processes", 0.1, 0.01, workload: "Io", tasks: 24, size: "WaitMs=5", machine: "box");

        var prediction = Analyze(samples).Analyze(new[] { 6 }).Fits.Single().Predictions.Single();

        Assert.Equal(("box", "Io", 24, "WaitMs=5", "Processes", "tasks/s"),
            (prediction.MachineName, prediction.Workload, prediction.Tasks, prediction.TaskSize, prediction.Model, prediction.ThroughputUnit));
        Assert.Equal(UniversalScalabilityLaw.RelativeCapacity(6, 0.1, 0.01), prediction.Speedup, 1e-6);
    }

    [Fact]
    public void NewRowsHaveEmptyTextsAndAConvergedFit()
    {
        var summary = new ScalabilitySummary();
        Assert.Equal(string.Empty, summary.MachineName);
        Assert.Equal(string.Empty, summary.Workload);
        Assert.Equal(string.Empty, summary.TaskSize);
        Assert.Equal(string.Empty, summary.Model);
        Assert.Equal(string.Empty, summary.WorkerCounts);
        Assert.Equal(string.Empty, summary.ThroughputUnit);
        Assert.Equal(string.Empty, summary.Residuals);
        Assert.Equal(string.Empty, summary.Recommendation);
        Assert.Empty(summary.Points);
        Assert.True(summary.FitConverged);

        var prediction = new ScalabilityPrediction();
        Assert.Equal(string.Empty, prediction.MachineName);
        Assert.Equal(string.Empty, prediction.Workload);
        Assert.Equal(string.Empty, prediction.TaskSize);
        Assert.Equal(string.Empty, prediction.Model);
        Assert.Equal(string.Empty, prediction.ThroughputUnit);
        Assert.True(prediction.Predicted);
    }

    [Fact]
    public void APointsResidualIsTheMeasuredMinusTheFitted()
    {
        var noisy = Runs("Threads", 0.05, 0.01, new[] { 1, 2, 4, 8, 16 }).Select((s, i) => s with { ElapsedMs = s.ElapsedMs * (i % 2 == 0 ? 1.05 : 0.95) });

        ScalabilitySummary fit = Analyze(noisy).Analyze().Fits.Single().Summary;

        Assert.All(fit.Points, p => Assert.Equal(p.Throughput - p.Fitted, p.Residual, 12));
        Assert.Contains(fit.Points, p => p.Residual > 0);
        Assert.Contains(fit.Points, p => p.Residual < 0);
        Assert.All(fit.Points, p => Assert.Equal(fit.SingleWorkerThroughput * UniversalScalabilityLaw.RelativeCapacity(p.Workers, fit.Sigma, fit.Kappa), p.Fitted, 1e-9));

        // Each worker count's residual is the median of its runs' residuals relative to the fitted value.
        string expected = string.Join(" ", fit.Points.GroupBy(p => p.Workers).OrderBy(g => g.Key).Select(g =>
            FormattableString.Invariant($"{g.Key}:{RunStatistics.MedianOf(g.Select(p => p.Residual / p.Fitted).ToArray()):+0.0%;-0.0%;0.0%}")));
        Assert.Equal(expected, fit.Residuals);
        Assert.Contains("%", expected.Replace("0.0%", string.Empty));
    }

    [Theory]
    [InlineData(2, 0.5, 0, 0, null, "Best measured: 2 workers (1.50x); the fit is poor (R² 0.40): the runs vary more than the worker count explains, so it names no peak; measure more runs (σ 0.5, κ 0).")]
    [InlineData(1, -0.01, 0, 0, 50.0, "Best measured: 1 worker (1.50x); super-linear (σ below 0): each added worker gains more than one worker's throughput; the fit has no peak (κ ≈ 0) within the measured workers (σ -0.01, κ 0).")]
    [InlineData(1, -0.0009, 0, 0, 1000.0, "Best measured: 1 worker (1.50x); the fit has no peak (κ ≈ 0): throughput keeps rising almost linearly (σ -0.0009, κ 0).")]
    [InlineData(1, 0.01, 0, 0, 999.9, "Best measured: 1 worker (1.50x); the fit has no peak (κ ≈ 0): throughput keeps rising towards Amdahl's limit of 999.9x (σ 0.01, κ 0).")]
    [InlineData(1, 0.9, 0, 0, 1.1, "Best measured: 1 worker (1.50x); the fit has no peak (κ ≈ 0): throughput keeps rising towards Amdahl's limit of 1.1x (σ 0.9, κ 0).")]
    [InlineData(1, 0.95, 0, 0, 1.09, "Best measured: 1 worker (1.50x); the fit is flat: more workers add nothing, the work is as good as serial (σ 0.95, κ 0).")]
    [InlineData(1, 0.5, 0.5, 1.5, null, "Best measured: 1 worker (1.50x); the fit peaks at 1 worker: every added worker makes it slower (σ 0.5, κ 0.5).")]
    [InlineData(1, 0.5, 0.2, 1.51, null, "Best measured: 1 worker (1.50x); the fit peaks at 1.5 workers (1.25x) (σ 0.5, κ 0.2).")]
    [InlineData(1, -0.001, 0, 0, 1000.0, "Best measured: 1 worker (1.50x); the fit has no peak (κ ≈ 0): throughput keeps rising almost linearly (σ -0.001, κ 0).")]
    [InlineData(1, -0.001, 0.0001, 100.5, null, "Best measured: 1 worker (1.50x); the fit peaks at 100.5 workers (1.25x) (σ -0.001, κ 0.0001).")]
    [InlineData(1, -0.01, 0.0001, 100.5, null, "Best measured: 1 worker (1.50x); super-linear (σ below 0): each added worker gains more than one worker's throughput; the fit peaks at 100.5 workers (1.25x) (σ -0.01, κ 0.0001).")]
    public void TheRecommendationSaysWhatTheFitShows(int best, double sigma, double kappa, double peak, double? amdahlLimit, string expected)
    {
        var summary = new ScalabilitySummary
        {
            MeasuredBestWorkers = best,
            MeasuredBestSpeedup = 1.5,
            Sigma = sigma,
            Kappa = kappa,
            PeakWorkers = peak > 0 ? peak : null,
            PeakSpeedup = peak > 0 ? 1.25 : null,
            FitRSquared = best == 2 ? 0.4 : 0.5,
            AmdahlLimit = amdahlLimit,
        };

        Assert.Equal(expected, ScalabilityRecommendation.Describe(summary));
    }

    [Fact]
    public void AGroupsFitHasConvergedOnlyWhenBothItsFitsHave()
    {
        double[] workers = { 1, 2, 4, 8 };
        double[] throughput = workers.Select(n => 100 * UniversalScalabilityLaw.RelativeCapacity(n, 0.05, 0.002)).ToArray();
        int usl = UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: false, UniversalScalabilityLaw.MaximumIterations).Iterations;
        int amdahl = UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: true, UniversalScalabilityLaw.MaximumIterations).Iterations;
        int limit = Math.Max(usl, amdahl) - 1;
        Assert.True(Math.Min(usl, amdahl) < limit, $"USL {usl} and Amdahl {amdahl} iterations: no limit lets one fit converge and not the other");

        var analysis = new ScalabilityAnalysis { MaximumIterations = limit };
        foreach (SpeedupSample sample in Runs("Threads", 0.05, 0.002, new[] { 1, 2, 4, 8 }))
        {
            analysis.Add(sample);
        }

        ScalabilitySummary fit = analysis.Analyze().Fits.Single().Summary;
        Assert.False(fit.FitConverged);
        Assert.Contains("stopped at the limit", fit.FitWarning);
    }

    [Theory]
    [InlineData(0, "")]
    [InlineData(16, "")]
    [InlineData(8, "; past the 8 logical cores this holds only for work that waits (I/O), not for CPU-bound work")]
    public void APeakPastTheCoresIsQualifiedOnlyWhenTheCoresAreKnownAndFewer(int cores, string qualifier)
    {
        var summary = new ScalabilitySummary { MeasuredBestWorkers = 8, MeasuredBestSpeedup = 5, Sigma = 0.05, Kappa = 0.01, PeakWorkers = 16, PeakSpeedup = 6, LogicalCores = cores };
        Assert.Equal($"Best measured: 8 workers (5.00x); the fit peaks at 16 workers (6.00x) (σ 0.05, κ 0.01){qualifier}.", ScalabilityRecommendation.Describe(summary));
    }

    [Fact]
    public void AFitThatIsBothPoorAndSuperLinearGivesBothWarnings()
    {
        // Throughput around 100 at one worker and around 250 at two to four, with noise the workers do not explain.
        double[] noise = { 1.5, 0.5, 1.45, 0.55, 1.4, 0.6 };
        int i = 0;
        var samples = new[] { 1, 2, 3, 4 }.SelectMany(n => Enumerable.Range(1, 6).Select(run => (n, run))).ToList()
            .Select(p => new SpeedupSample("m1", "Cpu", 40, "Iterations=1000", "Threads", p.n, p.run, 40 * 1000.0 / ((p.n == 1 ? 100 : 250) * noise[i++ % noise.Length]), true));

        ScalabilitySummary fit = Analyze(samples).Analyze().Fits.Single().Summary;

        Assert.True(fit.FitRSquared < ScalabilityAnalysis.MinimumRSquaredForPeak, $"R² {fit.FitRSquared}");
        Assert.True(fit.Sigma < UniversalScalabilityLaw.SuperLinearSigma, $"σ {fit.Sigma}");
        Assert.Matches(@"^the fit is poor \(R² 0\.\d\d, below 0\.5\): the runs vary more than the worker count explains, so no peak is named; super-linear: σ -0\.\d+ is below 0, each added worker gains more than one worker's throughput \(caches or memory that grow with the workers, or a slow one-worker baseline\)$", fit.FitWarning);
    }

    private static IEnumerable<SpeedupSample> Runs(string model, double sigma, double kappa, int[]? workers = null, string workload = "Cpu", int tasks = 40,
        string size = "Iterations=1000", string machine = "m1") =>
        (workers ?? new[] { 1, 2, 4 }).Select(n => new SpeedupSample(machine, workload, tasks, size, model, n, 1,
            tasks * 1000.0 / (100 * UniversalScalabilityLaw.RelativeCapacity(n, sigma, kappa)), true));

    private static ScalabilityAnalysis Analyze(IEnumerable<SpeedupSample> samples)
    {
        var analysis = new ScalabilityAnalysis();
        foreach (SpeedupSample sample in samples)
        {
            analysis.Add(sample);
        }

        return analysis;
    }
}
