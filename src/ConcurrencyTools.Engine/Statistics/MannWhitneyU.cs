using System;
using System.Collections.Generic;
using System.Linq;
using MathNet.Numerics;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The one-sided Mann-Whitney U test, computed so that it cannot overflow at any sample size. U counts the
/// pairs in which the first sample's value is the larger (a tie counts one half); the p-value is P(U ≥ u)
/// under the null hypothesis that both samples come from one distribution. Without ties and while
/// n·m ≤ <see cref="ExactPairLimit"/> it is exact: the distribution of U is built by the recurrence
/// p(u; n, m) = n/(n+m)·p(u − m; n − 1, m) + m/(n+m)·p(u; n, m − 1) in probabilities, which only adds
/// positive numbers below 1 (no counts, no binomial coefficients, nothing to overflow or cancel). With ties
/// or more pairs it is the normal approximation with the tie correction and a continuity correction of one
/// half, as scipy.stats.mannwhitneyu computes it (method 'asymptotic', use_continuity=True).
/// </summary>
public static class MannWhitneyU
{
    /// <summary>Up to this many pairs (n·m) and without ties the p-value is exact; beyond, the normal approximation.</summary>
    public const int ExactPairLimit = 2_500;

    /// <summary>
    /// The p-value of the alternative "values of <paramref name="x"/> tend to be greater than those of
    /// <paramref name="y"/>", and the statistic U of <paramref name="x"/>, and whether it is exact.
    /// </summary>
    public static (double PValue, double U, bool Exact) Greater(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int n = x.Count, m = y.Count;
        if (n == 0 || m == 0)
        {
            throw new ArgumentException("Each sample needs at least one value.", n == 0 ? nameof(x) : nameof(y));
        }

        if (x.Concat(y).Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentOutOfRangeException(nameof(x), "Every value must be finite.");
        }

        (double rankSumX, double tieTerm) = RankSumOfFirst(x, y);
        double u = rankSumX - (n * (n + 1.0) / 2);
        bool exact = tieTerm == 0 && (long)n * m <= ExactPairLimit;
        double p = exact ? ExactUpperTail(n, m, (int)Math.Round(u)) : NormalUpperTail(n, m, u, tieTerm);
        return (Math.Clamp(p, 0, 1), u, exact);
    }

    /// <summary>P(U ≥ u) for samples of <paramref name="n"/> and <paramref name="m"/> values without ties.</summary>
    internal static double ExactUpperTail(int n, int m, int u)
    {
        int max = n * m;
        if (u <= 0)
        {
            return 1;
        }

        if (u > max)
        {
            return 0;
        }

        // rows[j] holds the distribution of U for (i, j) values; i grows by one per pass.
        // For i = 0, U is 0 with certainty whatever j is.
        var rows = new double[m + 1][];
        for (int j = 0; j <= m; j++)
        {
            rows[j] = new double[] { 1 };
        }

        for (int i = 1; i <= n; i++)
        {
            // j = 0: U is 0 with certainty.
            double[] left = new double[] { 1 };
            rows[0] = left;
            for (int j = 1; j <= m; j++)
            {
                double[] upper = rows[j]; // (i − 1, j)
                var current = new double[(i * j) + 1];
                double largest = (double)i / (i + j), smallest = (double)j / (i + j);

                // The largest of the i + j values is x's (probability i/(i+j)): it beats all j of y.
                for (int k = 0; k < upper.Length; k++)
                {
                    current[k + j] += largest * upper[k];
                }

                // Or it is y's (probability j/(i+j)): U is that of (i, j − 1).
                for (int k = 0; k < left.Length; k++)
                {
                    current[k] += smallest * left[k];
                }

                rows[j] = current;
                left = current;
            }
        }

        double[] distribution = rows[m];
        double tail = 0;
        for (int k = max; k >= u; k--)
        {
            tail += distribution[k];
        }

        return tail;
    }

    /// <summary>P(U ≥ u) by the normal approximation with tie and continuity correction.</summary>
    internal static double NormalUpperTail(int n, int m, double u, double tieTerm)
    {
        double total = (double)n + m;
        double mean = (double)n * m / 2;
        double variance = (double)n * m / 12 * ((total + 1) - (tieTerm / (total * (total - 1))));
        if (!(variance > 0))
        {
            // Every value tied: no evidence either way.
            return 1;
        }

        double z = (u - mean - 0.5) / Math.Sqrt(variance);
        return 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2));
    }

    /// <summary>The sum of the midranks of <paramref name="x"/> in the pooled sample, and Σ(t³ − t) over the tie groups.</summary>
    private static (double RankSum, double TieTerm) RankSumOfFirst(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count, total = x.Count + y.Count;
        var pooled = new (double Value, bool First)[total];
        for (int i = 0; i < n; i++)
        {
            pooled[i] = (x[i], true);
        }

        for (int i = 0; i < y.Count; i++)
        {
            pooled[n + i] = (y[i], false);
        }

        Array.Sort(pooled, (a, b) => a.Value.CompareTo(b.Value));
        double rankSum = 0, tieTerm = 0;
        for (int start = 0; start < total;)
        {
            int end = start;
            while (end + 1 < total && pooled[end + 1].Value == pooled[start].Value)
            {
                end++;
            }

            double rank = (start + end + 2) / 2.0;
            double ties = end - start + 1;
            tieTerm += (ties * ties * ties) - ties;
            for (int k = start; k <= end; k++)
            {
                if (pooled[k].First)
                {
                    rankSum += rank;
                }
            }

            start = end + 1;
        }

        return (rankSum, tieTerm);
    }
}
