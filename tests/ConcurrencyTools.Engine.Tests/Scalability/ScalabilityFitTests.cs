using System;
using System.Linq;
using ConcurrencyTools.Engine.Scalability;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ScalabilityFitTests
{
    // SPEC SDM91 on a Sun SPARCcenter 2000 (16 CPUs), the data set `specsdm91` shipped with the R package usl
    // (Stefan Moeding, version 3.0.3; source: N. J. Gunther, Guerrilla Capacity Planning, Springer 2007).
    // Load = simulated users, throughput = scripts per hour; the values were read from the package's data/specsdm91.rda.
    private static readonly double[] SpecLoad = { 1, 18, 36, 72, 108, 144, 216 };
    private static readonly double[] SpecThroughput = { 64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2 };

    [Fact]
    public void SpecSdm91ReproducesTheUslPackagesPublishedCoefficients()
    {
        // The package's own expected output (tests/summary.Rout.save and tests/peak-scalability.R of usl 3.0.3):
        // alpha (σ) 2.773e-02 ± 9.122e-03, beta (κ) 1.044e-04 ± 1.988e-05, gamma (λ) 9.000e+01 ± 1.421e+01,
        // residual standard error 82.85 on 4 degrees of freedom, peak at load 96.51956.
        ScalabilityFit fit = UniversalScalabilityLaw.Fit(SpecLoad, SpecThroughput);

        Assert.Equal(2.773e-02, fit.Sigma, 0.00005);
        Assert.Equal(1.044e-04, fit.Kappa, 0.00000005);
        Assert.Equal(90.00, fit.Lambda, 0.005);
        Assert.Equal(96.51956, fit.PeakWorkers!.Value, 0.01);
        Assert.Equal(82.85, fit.ResidualStdError!.Value, 0.005);
        Assert.Equal(9.122e-03, fit.SigmaStdError!.Value, 0.000005);
        Assert.Equal(1.988e-05, fit.KappaStdError!.Value, 0.000000005);
        Assert.Equal(1.421e+01, fit.LambdaStdError!.Value, 0.005);
        Assert.Equal(7, fit.Points);
    }

    [Fact]
    public void RSquaredOfNoisyDataIsOneMinusTheResidualOverTheCentredTotal()
    {
        // Worked out without the fit: the package's residual standard error 82.85 on 4 degrees of freedom
        // gives SSE = 82.85² x 4 = 27456.49; the throughputs' squares about their mean 1410.357 sum to
        // 2630038.98; R² = 1 - 27456.49 / 2630038.98 = 0.989560 (0.989559 to 0.989562 for the rounding
        // of 82.85). A total about zero instead of the mean would give 0.998341.
        ScalabilityFit fit = UniversalScalabilityLaw.Fit(SpecLoad, SpecThroughput);

        Assert.Equal(0.989560, fit.RSquared!.Value, 0.000005);
    }

    [Theory]
    [InlineData(0.05, 0.02, 1)]
    [InlineData(0.20, 0.0, 2)]
    [InlineData(0.02, 0.002, 3)]
    [InlineData(0.0, 0.1, 4)]
    public void RecoversKnownCoefficientsFromNoisyRuns(double sigma, double kappa, int seed)
    {
        // Five runs at each of 1..8 workers with ±2% uniform noise on the throughput (λ = 250 tasks/s).
        // Tolerance: σ and κ within 0.02 and 0.004 of the truth, R² above 0.9.
        var random = new Random(seed);
        var workers = Enumerable.Range(1, 8).SelectMany(n => Enumerable.Repeat((double)n, 5)).ToArray();
        var throughput = workers.Select(n => 250 * UniversalScalabilityLaw.RelativeCapacity(n, sigma, kappa) * (1 + ((random.NextDouble() - 0.5) * 0.04))).ToArray();

        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.Equal(sigma, fit.Sigma, 0.02);
        Assert.Equal(kappa, fit.Kappa, 0.004);
        Assert.Equal(250, fit.Lambda, 250 * 0.03);
        Assert.True(fit.RSquared > 0.9, $"R² {fit.RSquared}");
        Assert.True(fit.Sigma >= UniversalScalabilityLaw.MinimumSigma && fit.Kappa >= 0);
        Assert.Equal(40, fit.Points);
    }

    [Fact]
    public void ExactDataIsFittedExactly()
    {
        double[] workers = { 1, 2, 3, 4, 6, 8, 12, 16 };
        double[] throughput = workers.Select(n => 100 * UniversalScalabilityLaw.RelativeCapacity(n, 0.03, 0.0005)).ToArray();

        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.Equal(0.03, fit.Sigma, 1e-6);
        Assert.Equal(0.0005, fit.Kappa, 1e-8);
        Assert.Equal(100, fit.Lambda, 1e-4);
        Assert.Equal(Math.Sqrt(0.97 / 0.0005), fit.PeakWorkers!.Value, 1e-3);
        Assert.Equal(1, fit.RSquared!.Value, 9);
    }

    [Fact]
    public void AmdahlHoldsKappaAtZero()
    {
        double[] workers = { 1, 2, 4, 8, 16 };
        double[] throughput = workers.Select(n => 100 * UniversalScalabilityLaw.RelativeCapacity(n, 0.1, 0.01)).ToArray();

        ScalabilityFit amdahl = UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: true);
        ScalabilityFit usl = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.Equal(0, amdahl.Kappa);
        Assert.Null(amdahl.KappaStdError);
        Assert.Null(amdahl.PeakWorkers);
        Assert.True(usl.RSquared > amdahl.RSquared, $"USL R² {usl.RSquared} vs Amdahl {amdahl.RSquared}");
        Assert.Equal(0.01, usl.Kappa, 1e-6);
    }

    [Fact]
    public void RetrogradeScalingPeaksAtOneWorker()
    {
        // GilThreads-like: every added worker slows the whole down.
        double[] workers = { 1, 2, 4, 8 };
        double[] throughput = { 100, 80, 55, 30 };

        ScalabilityFit fit = UniversalScalabilityLaw.Fit(workers, throughput);

        Assert.True(fit.Kappa > 0.05, $"κ {fit.Kappa}");
        Assert.InRange(fit.PeakWorkers!.Value, 1, 1.5);
    }

    [Fact]
    public void FewerThanThreeWorkerCountsIsAnErrorNotAFit()
    {
        var error = Assert.Throws<ArgumentException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 1, 2, 2 }, new double[] { 10, 11, 19, 20 }));
        Assert.Contains("3 distinct worker counts", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void NonPositiveThroughputIsRejected(double bad)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UniversalScalabilityLaw.Fit(new double[] { 1, 2, 3 }, new[] { 10, bad, 20 }));
    }

    [Fact]
    public void PeakFormulaMatchesTheUslPackage()
    {
        // usl 3.0.3, tests/peak-scalability.R: peak.scalability(u, 0.001, 0.00001) == 316.0696.
        Assert.Equal(316.0696, UniversalScalabilityLaw.PeakWorkers(0.001, 0.00001)!.Value, 0.0001);
        Assert.Null(UniversalScalabilityLaw.PeakWorkers(0.05, 0));
        Assert.Null(UniversalScalabilityLaw.PeakWorkers(0.05, 1e-9));
    }
}
