using System;
using System.Globalization;

namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// The one-sentence answer to "how many workers?": the measured best worker count beside the fitted peak N*,
/// with the coefficient that explains the difference. Invariant culture, so the sentence reads the same in a
/// CSV from any machine.
/// </summary>
public static class ScalabilityRecommendation
{
    /// <summary>A fitted peak at or below this many workers means any added worker slows the work down.</summary>
    public const double RetrogradePeak = 1.5;

    /// <summary>An Amdahl limit below this many times one worker is no scaling at all.</summary>
    public const double FlatLimit = 1.1;

    /// <summary>The sentence for <paramref name="fit"/>.</summary>
    public static string Describe(ScalabilitySummary fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        string measured = Invariant($"Best measured: {Workers(fit.MeasuredBestWorkers)} ({fit.MeasuredBestSpeedup:0.00}x)");
        string coefficients = Invariant($"σ {fit.Sigma:0.####}, κ {fit.Kappa:0.######}");
        if (fit.FitRSquared is double r && r < ScalabilityAnalysis.MinimumRSquaredForPeak)
        {
            return Invariant($"{measured}; the fit is poor (R² {r:0.00}): the runs vary more than the worker count explains, so it names no peak; measure more runs ({coefficients}).");
        }

        string superLinear = fit.Sigma < UniversalScalabilityLaw.SuperLinearSigma ? "super-linear (σ below 0): each added worker gains more than one worker's throughput; " : string.Empty;
        if (fit.PeakWorkers is not double peak)
        {
            if (fit.AmdahlLimit is double flat && flat < FlatLimit)
            {
                return $"{measured}; the fit is flat: more workers add nothing, the work is as good as serial ({coefficients}).";
            }

            string limit = fit.AmdahlLimit is double amdahl && amdahl < 1000
                ? Invariant($"towards Amdahl's limit of {amdahl:0.#}x")
                : "almost linearly";
            if (fit.Sigma < UniversalScalabilityLaw.SuperLinearSigma)
            {
                return $"{measured}; {superLinear}the fit has no peak (κ ≈ 0) within the measured workers ({coefficients}).";
            }

            return $"{measured}; the fit has no peak (κ ≈ 0): throughput keeps rising {limit} ({coefficients}).";
        }

        if (peak <= RetrogradePeak)
        {
            return $"{measured}; the fit peaks at 1 worker: every added worker makes it slower ({coefficients}).";
        }

        string beyond = fit.LogicalCores > 0 && peak > fit.LogicalCores
            ? Invariant($"; past the {fit.LogicalCores} logical cores this holds only for work that waits (I/O), not for CPU-bound work")
            : string.Empty;
        return Invariant($"{measured}; {superLinear}the fit peaks at {peak:0.#} workers ({fit.PeakSpeedup:0.00}x) ({coefficients}){beyond}.");
    }

    private static string Workers(int n) => n == 1 ? "1 worker" : Invariant($"{n} workers");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
