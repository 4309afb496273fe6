using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Scalability;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ScalabilityAnalysisTests
{
    private const int Tasks = 40;

    // Runs whose elapsed times follow the USL exactly: throughput λ·C(N) tasks/s, so ElapsedMs = Tasks·1000 / throughput.
    private static IEnumerable<SpeedupSample> Runs(string model, double lambda, double sigma, double kappa, int[] workers, int repeat = 3, string machine = "m1") =>
        workers.SelectMany(n => Enumerable.Range(1, repeat).Select(run =>
            new SpeedupSample(machine, "Cpu", Tasks, "Iterations=1000", model, n, run, Tasks * 1000.0 / (lambda * UniversalScalabilityLaw.RelativeCapacity(n, sigma, kappa)), true)));

    private static ScalabilityAnalysis Analysis(IEnumerable<SpeedupSample> samples, int logicalCores = 0)
    {
        var analysis = new ScalabilityAnalysis();
        foreach (SpeedupSample sample in samples)
        {
            analysis.Add(sample, logicalCores);
        }

        return analysis;
    }

    [Fact]
    public void FitsEachModelOfEachTaskListApartInOrderOfAppearance()
    {
        int[] workers = { 1, 2, 4, 8 };
        var samples = Runs("Threads", 200, 0.05, 0.001, workers)
            .Concat(Runs("GilThreads", 200, 0.3, 0.2, workers))
            .Concat(Runs("Threads", 200, 0.1, 0.0, workers, machine: "m2"));

        var (fits, notFitted, _) = Analysis(samples).Analyze();

        Assert.Empty(notFitted);
        Assert.Equal(new[] { "m1 Threads", "m1 GilThreads", "m2 Threads" }, fits.Select(f => $"{f.Summary.MachineName} {f.Summary.Model}"));
        ScalabilitySummary threads = fits[0].Summary;
        Assert.Equal(0.05, threads.Sigma, 1e-6);
        Assert.Equal(0.001, threads.Kappa, 1e-7);
        Assert.Equal(200, threads.SingleWorkerThroughput, 1e-3);
        Assert.Equal("tasks/s", threads.ThroughputUnit);
        Assert.Equal("1,2,4,8", threads.WorkerCounts);
        Assert.Equal(12, threads.Runs);
        Assert.Equal(12, threads.Points.Length);
        Assert.Equal(Math.Sqrt(0.95 / 0.001), threads.PeakWorkers!.Value, 1e-3);
        Assert.Equal(UniversalScalabilityLaw.RelativeCapacity(threads.PeakWorkers.Value, 0.05, 0.001), threads.PeakSpeedup!.Value, 1e-6);
        Assert.Equal(8, threads.MeasuredBestWorkers);
        Assert.Equal(UniversalScalabilityLaw.RelativeCapacity(8, 0.05, 0.001), threads.MeasuredBestSpeedup, 1e-6);
        Assert.Equal("1:0.0% 2:0.0% 4:0.0% 8:0.0%", threads.Residuals);
        Assert.Null(fits[2].Summary.PeakWorkers);
        Assert.Null(fits[2].Summary.PeakSpeedup);
        Assert.Equal(10, fits[2].Summary.AmdahlLimit!.Value, 1e-4);
    }

    [Fact]
    public void GilLikeRunsPeakAtOneWorkerAndAmdahlFitsThemWorse()
    {
        var (fits, _, _) = Analysis(Runs("GilThreads", 150, 0.5, 0.6, new[] { 1, 2, 3, 4, 6, 8 })).Analyze();
        ScalabilitySummary gil = fits.Single().Summary;

        Assert.Equal(1, gil.MeasuredBestWorkers);
        Assert.Equal(1, gil.PeakWorkers!.Value, 1e-6);
        Assert.Equal(0.6, gil.Kappa, 1e-5);
        Assert.True(gil.Kappa > 0.1, $"κ {gil.Kappa}");
        Assert.True(gil.AmdahlRSquared < gil.FitRSquared - 0.1, $"Amdahl R² {gil.AmdahlRSquared}, USL R² {gil.FitRSquared}");
        Assert.Contains("every added worker makes it slower", gil.Recommendation);
    }

    [Fact]
    public void EveryValidRunIsAPointAndInvalidRunsAreCountedNotFitted()
    {
        var samples = Runs("Threads", 100, 0.1, 0.01, new[] { 1, 2, 4 }).ToList();
        samples.Add(new SpeedupSample("m1", "Cpu", Tasks, "Iterations=1000", "Threads", 8, 1, 1, false));
        samples.Add(new SpeedupSample("m1", "Cpu", Tasks, "Iterations=1000", "threads", 4, 4, 400, true));

        ScalabilitySummary fit = Analysis(samples).Analyze().Fits.Single().Summary;

        Assert.Equal(10, fit.Runs);
        Assert.Equal(1, fit.ExcludedRuns);
        Assert.Equal("1,2,4", fit.WorkerCounts);
        Assert.Contains(fit.Points, p => p.Workers == 4 && p.Run == 4 && Math.Abs(p.Throughput - 100) < 1e-9);
    }

    [Fact]
    public void FewerThanThreeWorkerCountsIsReportedNotFitted()
    {
        var samples = Runs("Threads", 100, 0.1, 0.01, new[] { 1, 2 })
            .Concat(Runs("Processes", 100, 0.1, 0.01, new[] { 1, 2, 4 }))
            .Append(new SpeedupSample("m1", "Cpu", Tasks, "Iterations=1000", "EventLoop", 4, 1, 100, false));

        var (fits, notFitted, _) = Analysis(samples).Analyze();

        Assert.Equal("Processes", fits.Single().Summary.Model);
        Assert.Equal(2, notFitted.Count);
        Assert.StartsWith("Threads runs of Cpu (40 tasks of Iterations=1000) on m1: 2 distinct worker counts (1,2)", notFitted[0]);
        Assert.Contains("no valid runs", notFitted[1]);
    }

    [Fact]
    public void WithoutATaskCountThroughputIsRunsPerSecond()
    {
        var samples = new[] { 1, 2, 4 }.SelectMany(n => Enumerable.Range(1, 2).Select(run =>
            new SpeedupSample(string.Empty, "ScriptBlock", 0, string.Empty, "ForEachParallel", n, run, 1000.0 / (5 * UniversalScalabilityLaw.RelativeCapacity(n, 0.2, 0.05)), true)));

        ScalabilitySummary fit = Analysis(samples).Analyze().Fits.Single().Summary;

        Assert.Equal("runs/s", fit.ThroughputUnit);
        Assert.Equal(5, fit.SingleWorkerThroughput, 1e-4);
        Assert.Equal(0.2, fit.Sigma, 1e-5);
        Assert.Equal(0.05, fit.Kappa, 1e-6);
    }

    [Fact]
    public void PredictionsAreMarkedAndCompareWithWhatWasMeasured()
    {
        var (fits, _, _) = Analysis(Runs("Threads", 100, 0.05, 0.002, new[] { 1, 2, 3, 4 }), logicalCores: 4).Analyze(new[] { 32, 4, 8, 8 });
        var predictions = fits.Single().Predictions;

        Assert.Equal(new[] { 4, 8, 32 }, predictions.Select(p => p.Workers));
        Assert.All(predictions, p => Assert.True(p.Predicted));
        Assert.Equal(new[] { false, true, true }, predictions.Select(p => p.Extrapolated));
        Assert.Equal(new[] { false, true, true }, predictions.Select(p => p.BeyondLogicalCores));
        Assert.Equal(UniversalScalabilityLaw.RelativeCapacity(32, 0.05, 0.002), predictions[2].Speedup, 1e-6);
        Assert.Equal(100 * predictions[2].Speedup, predictions[2].Throughput, 1e-3);
        Assert.Equal(UniversalScalabilityLaw.RelativeCapacity(4, 0.05, 0.002), predictions[0].MeasuredSpeedup!.Value, 1e-6);
        Assert.Null(predictions[1].MeasuredSpeedup);
        Assert.True(predictions[2].AmdahlSpeedup > predictions[2].Speedup, "Amdahl knows no coherency cost, so it predicts more");
    }

    [Fact]
    public void UnknownCoresMarkNothingBeyondThem()
    {
        var (fits, _, _) = Analysis(Runs("Threads", 100, 0.05, 0.002, new[] { 1, 2, 3 })).Analyze(new[] { 64 });
        Assert.False(fits.Single().Predictions.Single().BeyondLogicalCores);
        Assert.True(fits.Single().Predictions.Single().Extrapolated);
    }

    [Fact]
    public void APredictionOfZeroWorkersIsRejectedNamingTheParameter()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Analysis(Runs("Threads", 100, 0.05, 0.002, new[] { 1, 2, 3 })).Analyze(new[] { 0 }));
        Assert.Equal("Predict", error.ParamName);
    }

    [Fact]
    public void TheRecommendationNamesTheMeasuredBestAndTheFittedPeak()
    {
        ScalabilitySummary peaked = Analysis(Runs("Threads", 100, 0.05, 0.01, new[] { 1, 2, 4, 8, 16 }), logicalCores: 8).Analyze().Fits.Single().Summary;
        Assert.Equal(FormattableString.Invariant($"Best measured: 8 workers ({UniversalScalabilityLaw.RelativeCapacity(8, 0.05, 0.01):0.00}x); the fit peaks at 9.7 workers ({peaked.PeakSpeedup:0.00}x) (σ 0.05, κ 0.01); past the 8 logical cores this holds only for work that waits (I/O), not for CPU-bound work."), peaked.Recommendation);

        ScalabilitySummary rising = Analysis(Runs("Threads", 100, 0.1, 0, new[] { 1, 2, 4, 8 })).Analyze().Fits.Single().Summary;
        Assert.StartsWith("Best measured: 8 workers (", rising.Recommendation);
        Assert.Contains("no peak (κ ≈ 0): throughput keeps rising towards Amdahl's limit of 10x", rising.Recommendation);

        ScalabilitySummary linear = Analysis(Runs("Threads", 100, 0, 0, new[] { 1, 2, 4, 8 })).Analyze().Fits.Single().Summary;
        Assert.Contains("keeps rising almost linearly", linear.Recommendation);

        ScalabilitySummary flat = Analysis(Runs("GilThreads", 100, 1, 0, new[] { 1, 2, 4, 8 })).Analyze().Fits.Single().Summary;
        Assert.Contains("the fit is flat", flat.Recommendation);
    }

    [Fact]
    public void TheSentenceAndResidualsReadTheSameInAnyCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var noisy = Runs("Threads", 100, 0.05, 0.01, new[] { 1, 2, 4, 8, 16 }).Select((s, i) => s with { ElapsedMs = s.ElapsedMs * (i % 2 == 0 ? 1.02 : 0.98) });
            ScalabilitySummary fit = Analysis(noisy).Analyze().Fits.Single().Summary;

            Assert.Matches(@"the fit peaks at \d+\.\d workers \(\d+\.\d\dx\) \(σ 0\.\d+, κ 0\.\d+\)", fit.Recommendation);
            Assert.DoesNotContain(",", fit.Recommendation.Replace("; ", string.Empty).Replace(", κ", string.Empty));
            Assert.Matches(@"^1:[+-]\d+\.\d% 2:[+-]\d+\.\d% 4:[+-]\d+\.\d% 8:[+-]\d+\.\d% 16:[+-]\d+\.\d%$", fit.Residuals);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }
}
