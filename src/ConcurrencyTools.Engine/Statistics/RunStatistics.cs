using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Perfolizer.Mathematics.Multimodality;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>Descriptive statistics of one configuration's run times, with outliers flagged (never dropped).</summary>
public sealed class RunStatistics
{
    /// <summary>|modified z-score| above which a run is an outlier (Iglewicz and Hoaglin, 1993).</summary>
    public const double OutlierThreshold = 3.5;

    /// <summary>Coefficient of variation above which a configuration is unstable.</summary>
    public const double UnstableCoefficientOfVariation = 0.10;

    /// <summary>
    /// An outlier makes a configuration unstable only when it lies further than this share from the
    /// median: on a quiet machine the MAD is tiny, and a run 2% slower than the rest scores above 3.5.
    /// </summary>
    public const double SignificantOutlierDistance = 0.10;

    /// <summary>Fewer valid runs than this make a configuration unstable.</summary>
    public const int MinimumStableRuns = 3;

    private RunStatistics(double[] values)
    {
        Values = values;
    }

    /// <summary>The values, in the order given.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>Number of values.</summary>
    public int Count => Values.Count;

    /// <summary>Arithmetic mean.</summary>
    public double Mean { get; private init; }

    /// <summary>Sample standard deviation (n - 1); null for one value.</summary>
    public double? StdDev { get; private init; }

    /// <summary>Median (mean of the two middle values for an even count).</summary>
    public double Median { get; private init; }

    /// <summary>Smallest value.</summary>
    public double Min { get; private init; }

    /// <summary>Largest value.</summary>
    public double Max { get; private init; }

    /// <summary>Lower end of the 95% Student t confidence interval of the mean; null for one value.</summary>
    public double? MeanCiLow { get; private init; }

    /// <summary>Upper end of the 95% Student t confidence interval of the mean; null for one value.</summary>
    public double? MeanCiHigh { get; private init; }

    /// <summary>StdDev / Mean; null for one value.</summary>
    public double? CoefficientOfVariation { get; private init; }

    /// <summary>Indices (into <see cref="Values"/>) of the outliers by modified z-score.</summary>
    public IReadOnlyList<int> OutlierIndices { get; private init; } = Array.Empty<int>();

    /// <summary>
    /// Brendan Gregg's mvalue of the values' histogram (Perfolizer's MValueCalculator): the summed
    /// rise and fall of the bins over the tallest, 2 for one peak and about 4 for two. Shown for
    /// information only: it calls too many unimodal samples bimodal to decide anything (18 of 200 normal
    /// samples of 10 runs reach 3.2); <see cref="Bimodal"/> follows <see cref="ModeSplit"/>.
    /// </summary>
    public double MValue { get; private init; }

    /// <summary>Ashman's D of the best cut of the values into two groups (see <see cref="ModeSplit"/>); null for fewer than 6 values.</summary>
    public double? ModeSeparation { get; private init; }

    /// <summary>True when the values fall in two groups by the rule of <see cref="ModeSplit"/>.</summary>
    public bool Bimodal { get; private init; }

    /// <summary>Why the configuration is unstable, or null when it is not.</summary>
    public string? UnstableReason { get; private init; }

    /// <summary>Computes the statistics of one or more values.</summary>
    public static RunStatistics Compute(IEnumerable<double> values)
    {
        double[] data = values?.ToArray() ?? throw new ArgumentNullException(nameof(values));
        if (data.Length == 0)
        {
            throw new ArgumentException("At least one value is needed.", nameof(values));
        }

        int n = data.Length;
        double mean = data.Average();
        double? stdDev = null;
        double? ciLow = null;
        double? ciHigh = null;
        if (n > 1)
        {
            double squares = data.Sum(v => (v - mean) * (v - mean));
            stdDev = Math.Sqrt(squares / (n - 1));
            double half = StudentT.Quantile(0.975, n - 1) * stdDev.Value / Math.Sqrt(n);
            ciLow = mean - half;
            ciHigh = mean + half;
        }

        double median = MedianOf(data);
        int[] outliers = Outliers(data, median);
        double? cv = stdDev is null || mean == 0 ? null : stdDev / mean;

        var reasons = new List<string>();
        if (n < MinimumStableRuns)
        {
            reasons.Add($"fewer than {MinimumStableRuns} runs");
        }

        if (cv > UnstableCoefficientOfVariation)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"coefficient of variation {cv * 100:0.0}% above {UnstableCoefficientOfVariation * 100:0}%"));
        }

        int significant = outliers.Count(i => Math.Abs(data[i] - median) > SignificantOutlierDistance * Math.Abs(median));
        if (significant > 0)
        {
            reasons.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{significant} outlier{(significant == 1 ? string.Empty : "s")} more than {SignificantOutlierDistance * 100:0}% from the median"));
        }

        double mvalue = MValueCalculator.Calculate(data);
        string? bimodal = ModeSplit.BimodalReason(data);
        if (bimodal is not null)
        {
            reasons.Add(bimodal);
        }

        return new RunStatistics(data)
        {
            MValue = mvalue,
            ModeSeparation = ModeSplit.BestSplit(data)?.Separation,
            Bimodal = bimodal is not null,
            Mean = mean,
            StdDev = stdDev,
            Median = median,
            Min = data.Min(),
            Max = data.Max(),
            MeanCiLow = ciLow,
            MeanCiHigh = ciHigh,
            CoefficientOfVariation = cv,
            OutlierIndices = outliers,
            UnstableReason = reasons.Count == 0 ? null : string.Join("; ", reasons),
        };
    }

    /// <summary>The median of the values (they are not changed).</summary>
    public static double MedianOf(IReadOnlyCollection<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The modified z-score of each value: 0.6745 (x - median) / MAD. Where the MAD is 0 (more than half
    /// the values equal), the mean absolute deviation stands in: (x - median) / (1.253314 MeanAD);
    /// where that is 0 too, every value equals the median and every score is 0.
    /// </summary>
    public static double[] ModifiedZScores(IReadOnlyList<double> values, double median)
    {
        double[] deviations = values.Select(v => Math.Abs(v - median)).ToArray();
        double mad = MedianOf(deviations);
        if (mad > 0)
        {
            return values.Select(v => 0.6745 * (v - median) / mad).ToArray();
        }

        double meanAd = deviations.Average();
        return meanAd > 0
            ? values.Select(v => (v - median) / (1.253314 * meanAd)).ToArray()
            : new double[values.Count];
    }

    private static int[] Outliers(double[] data, double median)
    {
        double[] scores = ModifiedZScores(data, median);
        return Enumerable.Range(0, data.Length).Where(i => Math.Abs(scores[i]) > OutlierThreshold).ToArray();
    }
}
