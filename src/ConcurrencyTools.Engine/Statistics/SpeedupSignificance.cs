using System;
using System.Collections.Generic;
using System.Linq;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Whether a configuration is really faster or slower than its baseline: BenchmarkDotNet's threshold
/// test. Two one-sided Mann-Whitney U tests (exact for small samples, Perfolizer's implementation) ask
/// whether the baseline's times exceed the configuration's by more than <see cref="ThresholdPercent"/>
/// (Faster), or fall short of them by more than it (Slower), at significance <see cref="Alpha"/>;
/// neither is Same. The test uses ranks only, so one wild run cannot make a win, and it needs enough
/// runs to say anything: with 3 runs on each side the smallest possible p-value is 0.05, so at least
/// 4 runs on each side are needed for Faster or Slower.
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

    private static readonly Threshold RelativeThreshold = Threshold.Parse($"{ThresholdPercent}%");

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

        var x = new Sample(baseline.ToArray());
        var y = new Sample(sample.ToArray());
        double faster = MannWhitneyTest.Instance.Perform(x, y, AlternativeHypothesis.Greater, RelativeThreshold).PValue;
        double slower = MannWhitneyTest.Instance.Perform(y, x, AlternativeHypothesis.Greater, RelativeThreshold).PValue;
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
}
