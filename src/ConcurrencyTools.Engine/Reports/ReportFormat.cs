using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>Numbers as the report prints them: invariant culture, so a mailed report reads the same everywhere.</summary>
internal static class ReportFormat
{
    public static string? Number(double? value, string format = "N1") =>
        value?.ToString(format, CultureInfo.InvariantCulture);

    public static string? Percent(double? value, int decimals = 0) =>
        value?.ToString("P" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    /// <summary>The value at fraction <paramref name="p"/> of the sorted values, interpolated (the quartiles of a box).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 1)
        {
            return sorted[0];
        }

        double position = p * (sorted.Count - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>The mean of the values that are present, or null when none is.</summary>
    public static double? MeanOf(IEnumerable<double?> values)
    {
        double[] present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : present.Average();
    }
}
