using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Scalability;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Scalability;

public class UslErrorsTests
{
    // Sweeps and scipy.optimize.curve_fit's σ, κ and standard errors: see make_usl_reference.py beside this file.
    [Theory]
    [InlineData(new double[] { 1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16 }, new double[] { 98.8899, 102.982, 101.248, 186.234, 193.58, 181.499, 346.782, 334.973, 347.17, 554.404, 534.601, 555.869, 724.849, 703.581, 760.563 }, 0.0513337804309641, 0.0017735943729082016, 0.013240859433053694, 0.0005609308375848145)]
    [InlineData(new double[] { 1, 1, 2, 2, 3, 3, 4, 4, 6, 6, 8, 8, 12, 12 }, new double[] { 254010.0, 244090.0, 480039.0, 492819.0, 723567.0, 708626.0, 960898.0, 939907.0, 1322080.0, 1335210.0, 1706210.0, 1659130.0, 2293990.0, 2248370.0 }, 0.024179911435638565, 0.0005138712844718801, 0.007281331723813229, 0.0004474806701112989)]
    [InlineData(new double[] { 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8 }, new double[] { 6.89726, 7.21442, 6.54995, 7.11273, 9.97889, 10.5193, 10.3323, 9.96324, 13.4808, 13.0121, 14.0648, 13.8934, 16.2186, 14.1811, 16.1365, 15.2403 }, 0.3206216071716149, 0.005535810170839789, 0.044475871606034466, 0.004362320728411296)]
    [InlineData(new double[] { 1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32 }, new double[] { 1219.46, 1190.95, 1274.25, 2302.36, 2274.66, 2204.06, 3343.94, 3770.99, 3684.07, 5598.36, 5726.35, 5897.21, 7688.3, 7465.05, 7370.32, 9279.96, 9546.44, 9345.04 }, 0.10069698837256186, 1.3163037007894873e-27, 0.008796018614576016, 0.0001746770298719868)]
    [InlineData(new double[] { 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6 }, new double[] { 40.3663, 39.6392, 39.0113, 77.6321, 77.1145, 73.4055, 103.753, 107.371, 107.511, 124.369, 131.662, 129.516, 141.543, 138.534, 135.024, 147.812, 150.628, 148.113 }, 0.0077554885084668386, 0.01942584700854806, 0.024077762868542765, 0.0030623956765292296)]
    [InlineData(new double[] { 1, 1, 1, 2, 2, 2, 4, 4, 4, 6, 6, 6, 8, 8, 8 }, new double[] { 0.774131, 0.827329, 0.784042, 1.24541, 1.34614, 1.22492, 2.00678, 2.06072, 2.06231, 2.5959, 2.44822, 2.3292, 2.71591, 2.721, 2.62006 }, 0.14880541887844828, 0.0037989228800726174, 0.03424206962642309, 0.003261906545133577)]
    public void StandardErrorsMatchScipyCurveFit(double[] workers, double[] throughput, double sigma, double kappa, double sigmaError, double kappaError)
    {
        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);
        Assert.Equal(sigma, fit.Sigma, 1e-4);
        Assert.Equal(kappa, fit.Kappa, 1e-5);
        Assert.True(Math.Abs(fit.SigmaStdError!.Value - sigmaError) <= 0.01 * sigmaError, $"σ error {fit.SigmaStdError} vs scipy {sigmaError}");
        Assert.True(Math.Abs(fit.KappaStdError!.Value - kappaError) <= 0.01 * kappaError, $"κ error {fit.KappaStdError} vs scipy {kappaError}");
        Assert.True(fit.Converged);
    }

    [Fact]
    public void ErrorsDoNotDependOnTheUnitOfThroughput()
    {
        double[] workers = { 1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8 };
        double[] throughput = { 98.9, 103, 101.2, 186.2, 193.6, 181.5, 346.8, 335, 347.2, 554.4, 534.6, 555.9 };
        ScalabilityFit small = UniversalScalabilityLaw.Fit(workers, throughput);
        ScalabilityFit large = UniversalScalabilityLaw.Fit(workers, throughput.Select(t => t * 1e6).ToArray());
        Assert.True(Math.Abs(large.SigmaStdError!.Value / small.SigmaStdError!.Value - 1) < 0.01, $"{small.SigmaStdError} vs {large.SigmaStdError}");
        Assert.True(Math.Abs(large.KappaStdError!.Value / small.KappaStdError!.Value - 1) < 0.01, $"{small.KappaStdError} vs {large.KappaStdError}");
        Assert.Equal(small.Sigma, large.Sigma, 1e-6);
        Assert.Equal(small.LambdaStdError!.Value * 1e6, large.LambdaStdError!.Value, small.LambdaStdError.Value * 1e6 * 0.01);
    }

    [Fact]
    public void SuperLinearScalingGivesANegativeSigmaAndSaysSo()
    {
        // Each added worker gains more than one worker's throughput: 1, 2.3, 4.9, 10.4 times one worker.
        var samples = Runs("Threads", new[] { 1, 2, 4, 8 }, n => 100 * n / (1 - (0.02 * (n - 1))));
        var (fits, notFitted, _) = Analysis(samples).Analyze();
        Assert.Empty(notFitted);
        ScalabilitySummary fit = fits.Single().Summary;
        Assert.True(fit.Sigma < -0.01, $"σ {fit.Sigma}");
        Assert.Contains("super-linear", fit.FitWarning);
        Assert.Contains("super-linear", fit.Recommendation);
        Assert.DoesNotContain("almost linearly", fit.Recommendation);
    }

    [Fact]
    public void APoorFitNamesNoPeakAndWarnsWithItsRSquared()
    {
        // Throughput that does not depend on the workers at all: noise around 100 tasks/s.
        double[] noise = { 1.00, 0.93, 1.08, 1.05, 0.91, 1.02, 0.96, 1.09, 0.97, 1.06, 0.92, 1.01 };
        int i = 0;
        var samples = Runs("Threads", new[] { 1, 2, 3, 4 }, _ => 100 * noise[i++ % noise.Length]);
        ScalabilitySummary fit = Analysis(samples).Analyze().Fits.Single().Summary;
        Assert.True(fit.FitRSquared < ScalabilityAnalysis.MinimumRSquaredForPeak, $"R² {fit.FitRSquared}");
        Assert.Null(fit.PeakWorkers);
        Assert.Null(fit.PeakSpeedup);
        Assert.Matches(@"the fit is poor \(R² 0\.\d\d, below 0\.5\)", fit.FitWarning);
        Assert.Contains("names no peak", fit.Recommendation);
    }

    [Fact]
    public void SequentialAtOneWorkerIsContextNotAnError()
    {
        var samples = Runs("Sequential", new[] { 1 }, _ => 100).Concat(Runs("Threads", new[] { 1, 2, 4 }, n => 100 * n / (1 + (0.1 * (n - 1)))));
        var (fits, notFitted, context) = Analysis(samples).Analyze();
        Assert.Empty(notFitted);
        Assert.Contains("Sequential runs", Assert.Single(context));
        Assert.Equal("Threads", fits.Single().Summary.Model);

        // Another model at one worker count is still an error.
        var (_, tooFew, _) = Analysis(Runs("Threads", new[] { 1 }, _ => 100)).Analyze();
        Assert.Contains("distinct worker count", Assert.Single(tooFew));
    }

    [Fact]
    public void AFitThatStopsAtTheIterationLimitSaysSo()
    {
        var samples = Runs("Threads", new[] { 1, 2, 4, 8 }, n => 100 * n / (1 + (0.05 * (n - 1)) + (0.002 * n * (n - 1))));
        var analysis = new ScalabilityAnalysis { MaximumIterations = 2 };
        foreach (SpeedupSample sample in samples)
        {
            analysis.Add(sample);
        }

        ScalabilitySummary fit = analysis.Analyze().Fits.Single().Summary;
        Assert.False(fit.FitConverged);
        Assert.Contains("stopped at the limit of 1000 iterations", fit.FitWarning);

        Assert.True(Analysis(samples).Analyze().Fits.Single().Summary.FitConverged);
    }

    [Fact]
    public void AGroupThatCannotBeFittedIsAnErrorForThatGroupAlone()
    {
        // Times of 1e-300 and 1e300 ms: no double holds both throughputs in one unit.
        var extreme = new[] { 1e-300, 1e-300, 1, 1e300, 1e300, 1e300 }
            .Select((ms, i) => new SpeedupSample("m1", "Cpu", 40, "Iterations=1", "Threads", (i % 3) + 1, i + 1, ms, true));
        var samples = extreme.Concat(Runs("Processes", new[] { 1, 2, 4 }, n => 100 * n / (1 + (0.1 * (n - 1)))));
        var (fits, notFitted, _) = Analysis(samples).Analyze();
        Assert.Equal("Processes", fits.Single().Summary.Model);
        Assert.Contains("Threads runs", Assert.Single(notFitted));
    }

    private static IEnumerable<SpeedupSample> Runs(string model, int[] workers, Func<int, double> throughput) =>
        workers.SelectMany(n => Enumerable.Range(1, 3).Select(run => (n, run))).ToList()
            .Select(p => new SpeedupSample("m1", "Cpu", 40, "Iterations=1000", model, p.n, p.run, 40 * 1000.0 / throughput(p.n), true));

    private static ScalabilityAnalysis Analysis(IEnumerable<SpeedupSample> samples)
    {
        var analysis = new ScalabilityAnalysis();
        foreach (SpeedupSample sample in samples)
        {
            analysis.Add(sample);
        }

        return analysis;
    }
}
