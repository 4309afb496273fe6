using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Statistics;

public class MannWhitneyUTests
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    [Fact]
    public void EveryReferenceConfigurationMatchesScipy()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Statistics", "mannwhitney-reference.csv");
        var rows = File.ReadLines(path).Where(l => !l.StartsWith('#')).Select(l => l.Split(',')).ToList();
        Assert.True(rows.Count >= 1000, $"{rows.Count} configurations");
        Assert.Contains(rows, r => int.Parse(r[1], CultureInfo.InvariantCulture) + int.Parse(r[2], CultureInfo.InvariantCulture) == 65);
        Assert.Contains(rows, r => int.Parse(r[1], CultureInfo.InvariantCulture) == 5000);

        var failures = new List<string>();
        foreach (string[] r in rows)
        {
            ulong seed = ulong.Parse(r[0], CultureInfo.InvariantCulture);
            int n = int.Parse(r[1], CultureInfo.InvariantCulture), m = int.Parse(r[2], CultureInfo.InvariantCulture);
            double[] x = Sample(seed, n, long.Parse(r[3], CultureInfo.InvariantCulture), long.Parse(r[4], CultureInfo.InvariantCulture));
            double[] y = Sample(seed ^ 0x5DEECE66D, m, long.Parse(r[5], CultureInfo.InvariantCulture), long.Parse(r[6], CultureInfo.InvariantCulture));
            Check(failures, r, "faster", MannWhitneyU.Greater(x, SpeedupSignificance.Raise(y)), double.Parse(r[7], CultureInfo.InvariantCulture), r[8]);
            Check(failures, r, "slower", MannWhitneyU.Greater(y, SpeedupSignificance.Raise(x)), double.Parse(r[9], CultureInfo.InvariantCulture), r[10]);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {2 * rows.Count} p-values differ from scipy's:\n{string.Join("\n", failures.Take(20))}");
    }

    [Fact]
    public void ThirtyTwoAgainstThirtyThreeRunsTwelvePercentFasterAreFaster()
    {
        // Perfolizer 0.6.1 said Same, p 0.207, here: its exact distribution overflowed at n + m = 65.
        double[] baseline = Enumerable.Range(0, 32).Select(i => 100 + (i * 0.1)).ToArray();
        double[] faster = baseline.Take(31).Append(100.05).Append(100.15).Select(t => t / 1.12).ToArray();
        var (verdict, p) = SpeedupSignificance.Compare(baseline, faster)!.Value;
        Assert.Equal(SpeedupSignificance.Faster, verdict);
        Assert.True(p < 1e-12, $"p {p}");
        // Wholly apart, no ties: P(U = n m) = 1 / C(65, 32).
        double expected = Math.Exp(-LogChoose(65, 32));
        Assert.Equal(expected, p, expected * 1e-9);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(1100)]
    [InlineData(5000)]
    public void LargeEqualSamplesGiveAFiniteVerdict(int runs)
    {
        // Perfolizer 0.6.1 gave p NaN and Same here, even 1.2x faster.
        double[] baseline = Enumerable.Range(0, runs).Select(i => 100 + (i % 97 * 0.05)).ToArray();
        double[] faster = baseline.Select(t => t / 1.2).ToArray();
        var (verdict, p) = SpeedupSignificance.Compare(baseline, faster)!.Value;
        Assert.Equal(SpeedupSignificance.Faster, verdict);
        Assert.True(double.IsFinite(p) && p < 1e-10, $"p {p}");
        var (same, pSame) = SpeedupSignificance.Compare(baseline, baseline)!.Value;
        Assert.Equal(SpeedupSignificance.Same, same);
        Assert.True(pSame > 0.5, $"p {pSame}");
    }

    [Fact]
    public void TwoRunsAgainstFiveCanBeFaster()
    {
        // The smallest p-value of 2 and 5 runs is 1 / C(7, 2) = 1/21 = 0.048, below 0.05.
        var (verdict, p) = SpeedupSignificance.Compare(new double[] { 400, 401 }, new double[] { 100, 101, 102, 103, 104 })!.Value;
        Assert.Equal(SpeedupSignificance.Faster, verdict);
        Assert.Equal(1.0 / 21, p, 12);
    }

    [Fact]
    public void TheExactTailSumsToOneAndMatchesCounting()
    {
        // 4 and 3 values: C(7, 3) = 35 orders; U = 12 (all x above) once, U >= 11 twice, U >= 0 always.
        Assert.Equal(1.0, MannWhitneyU.ExactUpperTail(4, 3, 0), 12);
        Assert.Equal(1.0 / 35, MannWhitneyU.ExactUpperTail(4, 3, 12), 12);
        Assert.Equal(2.0 / 35, MannWhitneyU.ExactUpperTail(4, 3, 11), 12);
        Assert.Equal(0.0, MannWhitneyU.ExactUpperTail(4, 3, 13));
    }

    [Fact]
    public void BadSamplesAreRefused()
    {
        var emptyX = Assert.Throws<ArgumentException>(() => MannWhitneyU.Greater(Array.Empty<double>(), new double[] { 1 }));
        Assert.Equal(("x", "Each sample needs at least one value. (Parameter 'x')"), (emptyX.ParamName, emptyX.Message));
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => MannWhitneyU.Greater(new double[] { 1 }, Array.Empty<double>())).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => MannWhitneyU.Greater(null!, new double[] { 1 })).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => MannWhitneyU.Greater(new double[] { 1 }, null!)).ParamName);
        var notFinite = Assert.Throws<ArgumentOutOfRangeException>(() => MannWhitneyU.Greater(new[] { double.NaN, 1 }, new double[] { 1, 2 }));
        Assert.Equal("Every value must be finite. (Parameter 'x')", notFinite.Message);
        // Every value tied: no evidence.
        Assert.Equal(1.0, MannWhitneyU.Greater(new double[] { 5, 5, 5 }, new double[] { 5, 5 }).PValue);
    }

    private static void Check(List<string> failures, string[] row, string side, (double PValue, double U, bool Exact) actual, double expected, string method)
    {
        bool exact = method == "exact";
        double tolerance = Math.Max(1e-300, Math.Abs(expected) * (exact ? 1e-9 : 1e-7));
        if (actual.Exact != exact || !(Math.Abs(actual.PValue - expected) <= tolerance))
        {
            failures.Add($"seed {row[0]} n {row[1]} m {row[2]} {side}: {actual.PValue:R} ({(actual.Exact ? "exact" : "asymptotic")}), scipy {expected:R} ({method})");
        }
    }

    // The same generator as make_mannwhitney_reference.py: splitmix64, (offset + z mod spread) / 1024.
    private static double[] Sample(ulong seed, int count, long offset, long spread)
    {
        var values = new double[count];
        ulong state = seed;
        for (int i = 0; i < count; i++)
        {
            state = unchecked(state + Golden);
            ulong z = state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
            z ^= z >> 31;
            values[i] = (offset + (long)(z % (ulong)spread)) / 1024.0;
        }

        return values;
    }

    private static double LogChoose(int n, int k) =>
        Enumerable.Range(1, k).Sum(i => Math.Log(n - k + i) - Math.Log(i));
}
