using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Whether run times fall in two groups (two modes): a configuration that sometimes takes one path and
/// sometimes another, whose mean describes neither. The runs are sorted and cut in two at every place that
/// leaves at least <see cref="MinimumGroupShare"/> of them (and 3) on each side; the cut with the largest
/// separation D = (mean₂ − mean₁) / sqrt((s₁² + s₂²) / 2) (Ashman's D) is the candidate. The runs are
/// bimodal when there are at least <see cref="MinimumRuns"/> of them, D reaches <see cref="MinimumSeparation"/>
/// and the two means are at least <see cref="MinimumRelativeGap"/> apart. With these numbers, on seeded
/// samples (see the tests): 0% of normal samples of 10 runs (too few to judge), at most 1% of 20-run normal
/// samples (CV 5%) and 0% of 60-run lognormal samples (σ 0.1) are flagged, and 99% of 20-run samples with
/// two modes 50% apart (CV 5% each) are. Long right tails (exponential) are flagged in about 3–7% of 15 to
/// 20-run samples: a tail of slow runs is half-way to a second mode.
/// </summary>
public static class ModeSplit
{
    /// <summary>Fewer runs than this are never judged bimodal: two modes cannot be told from noise in them.</summary>
    public const int MinimumRuns = 15;

    /// <summary>Each group must hold at least this share of the runs (and at least 3).</summary>
    public const double MinimumGroupShare = 0.2;

    /// <summary>Ashman's D from which two groups are two modes (2 is where two equal normal curves stop overlapping at the middle).</summary>
    public const double MinimumSeparation = 5;

    /// <summary>The groups' means must differ by at least this share of the lower one (the 5% that Comparison ignores too).</summary>
    public const double MinimumRelativeGap = 0.05;

    /// <summary>The best cut of <paramref name="values"/>: sizes of the lower and upper group, their means, and D; null with fewer than 6 values.</summary>
    public static (int Lower, int Upper, double LowerMean, double UpperMean, double Separation)? BestSplit(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        int smallest = Math.Max(3, (int)Math.Ceiling(MinimumGroupShare * n));
        if (n < 2 * smallest)
        {
            return null;
        }

        // Prefix sums of values centred on the median, so squares do not lose the differences.
        double centre = sorted[n / 2];
        var sum = new double[n + 1];
        var squares = new double[n + 1];
        for (int i = 0; i < n; i++)
        {
            double d = sorted[i] - centre;
            sum[i + 1] = sum[i] + d;
            squares[i + 1] = squares[i] + (d * d);
        }

        (int, int, double, double, double)? best = null;
        for (int k = smallest; k <= n - smallest; k++)
        {
            int upper = n - k;
            double lowMean = sum[k] / k, highMean = (sum[n] - sum[k]) / upper;
            double lowVariance = Math.Max(0, (squares[k] - (k * lowMean * lowMean)) / (k - 1));
            double highVariance = Math.Max(0, (squares[n] - squares[k] - (upper * highMean * highMean)) / (upper - 1));
            double spread = Math.Sqrt((lowVariance + highVariance) / 2);
            double separation = spread > 0 ? (highMean - lowMean) / spread : (highMean > lowMean ? double.PositiveInfinity : 0);
            if (best is null || separation > best.Value.Item5)
            {
                best = (k, upper, lowMean + centre, highMean + centre, separation);
            }
        }

        return best;
    }

    /// <summary>Why the values are bimodal, or null when they are not (or are too few to judge).</summary>
    public static string? BimodalReason(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < MinimumRuns || BestSplit(values) is not { } split)
        {
            return null;
        }

        double gap = split.LowerMean > 0 ? (split.UpperMean - split.LowerMean) / split.LowerMean : 0;
        if (split.Separation < MinimumSeparation || gap < MinimumRelativeGap)
        {
            return null;
        }

        return FormattableString.Invariant(
            $"bimodal: {split.Lower} runs near {split.LowerMean:G4} and {split.Upper} near {split.UpperMean:G4} ({gap * 100:0}% apart, separation {Math.Min(split.Separation, 999):0.0} from {MinimumSeparation:0})");
    }
}
