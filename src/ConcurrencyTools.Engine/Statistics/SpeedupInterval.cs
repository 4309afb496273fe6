using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The speedup of a configuration over a baseline as the ratio of their median times, with a 95%
/// percentile bootstrap interval. The resampling uses a fixed seed over the sorted values, so the same
/// data (in any order, from any source) always gives the same interval.
/// </summary>
public static class SpeedupInterval
{
    /// <summary>Bootstrap resamples.</summary>
    public const int Resamples = 10_000;

    /// <summary>The seed of the resampling; fixed, so the interval of the same data is always the same.</summary>
    internal const int Seed = 20_240_605;

    /// <summary>median(baseline) / median(sample), and the 2.5th and 97.5th percentiles of its bootstrap distribution.</summary>
    public static (double Speedup, double Low, double High) Compute(IEnumerable<double> baseline, IEnumerable<double> sample)
    {
        double[] b = baseline.OrderBy(v => v).ToArray();
        double[] s = sample.OrderBy(v => v).ToArray();
        if (b.Length == 0 || s.Length == 0)
        {
            throw new ArgumentException("Both the baseline and the sample need at least one value.");
        }

        double speedup = RunStatistics.MedianOf(b) / RunStatistics.MedianOf(s);
        var random = new Random(Seed);
        var ratios = new double[Resamples];
        var bufferB = new double[b.Length];
        var bufferS = new double[s.Length];
        for (int r = 0; r < Resamples; r++)
        {
            ratios[r] = ResampledMedian(b, bufferB, random) / ResampledMedian(s, bufferS, random);
        }

        Array.Sort(ratios);
        return (speedup, Percentile(ratios, 0.025), Percentile(ratios, 0.975));
    }

    /// <summary>Linear interpolation between closest ranks (R's type 7) of sorted values.</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        double position = p * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    private static double ResampledMedian(double[] source, double[] buffer, Random random)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = source[random.Next(source.Length)];
        }

        Array.Sort(buffer);
        int mid = buffer.Length / 2;
        return buffer.Length % 2 == 1 ? buffer[mid] : (buffer[mid - 1] + buffer[mid]) / 2;
    }
}
