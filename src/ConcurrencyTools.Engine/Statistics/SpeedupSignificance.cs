using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Whether a configuration is really faster or slower than its baseline: BenchmarkDotNet's threshold
/// test. Two one-sided Mann-Whitney U tests (<see cref="MannWhitneyU"/>: exact without ties up to 2,500
/// pairs, the normal approximation with tie and continuity correction beyond) ask whether the baseline's
/// times exceed the configuration's times raised by <see cref="ThresholdPercent"/> (Faster), or the
/// configuration's exceed the baseline's raised by it (Slower), at significance <see cref="Alpha"/>;
/// neither is Same. The test uses ranks only, so one wild run cannot make a win. How many runs it needs
/// follows from the exact test: the smallest p-value n and m runs can give is 1 / C(n + m, n), so a verdict
/// needs C(n + m, n) above 20: 2 runs against 5 (p 0.048) or 3 against 4 (p 0.029) can give one, 3 against
/// 3 (p 0.05) cannot.
/// </summary>
public static class SpeedupSignificance
{
    /// <summary>The verdict when the configuration is faster than the baseline by more than the threshold.</summary>
    public const string Faster = "Faster";

    /// <summary>The verdict when the configuration is slower than the baseline by more than the threshold.</summary>
    public const string Slower = "Slower";

    /// <summary>The verdict when neither difference is significant.</summary>
    public const string Same = "Same";

    /// <summary>Differences smaller than this share of the time are not worth a verdict.</summary>
    public const double ThresholdPercent = 5;

    /// <summary>A one-sided p-value below this is significant.</summary>
    public const double Alpha = 0.05;

    /// <summary>
    /// The verdict for <paramref name="sample"/> against <paramref name="baseline"/>, and the p-value of the
    /// one-sided test in its direction (for Same, the smaller of the two); null with fewer than 2 runs on a side.
    /// </summary>
    public static (string Verdict, double PValue)? Compare(IReadOnlyCollection<double> baseline, IReadOnlyCollection<double> sample)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(sample);
        if (baseline.Count < 2 || sample.Count < 2)
        {
            return null;
        }

        double[] x = baseline.ToArray();
        double[] y = sample.ToArray();
        double faster = MannWhitneyU.Greater(x, Raise(y)).PValue;
        double slower = MannWhitneyU.Greater(y, Raise(x)).PValue;
        if (faster < Alpha && faster <= slower)
        {
            return (Faster, faster);
        }

        if (slower < Alpha)
        {
            return (Slower, slower);
        }

        return (Same, Math.Min(faster, slower));
    }

    /// <summary>The times raised by the threshold, each multiplied by 1 + 5/100 (as Perfolizer's relative threshold does).</summary>
    internal static double[] Raise(double[] times) => times.Select(t => t * (1 + (ThresholdPercent / 100.0))).ToArray();
}
