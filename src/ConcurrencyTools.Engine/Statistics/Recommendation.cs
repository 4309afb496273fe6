using System;
using System.Collections.Generic;
using System.Globalization;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The one-sentence advice of Measure-Speedup (and any cmdlet that ranks configurations): the fastest
/// measured configuration, why it wins given what bounds the work, and who lost most to start-up, e.g.
/// <c>Runspaces x4: 3.7x; I/O-bound, so threads overlap the waits; Jobs x4 lost 1.9 s to start-up.</c>
/// </summary>
public static class Recommendation
{
    /// <summary>Builds the sentence.</summary>
    /// <param name="best">The fastest configuration, e.g. <c>Runspaces x4</c>.</param>
    /// <param name="speedup">Its speedup over the baseline, if known.</param>
    /// <param name="isBaseline">Whether the fastest is the baseline itself (nothing beat it).</param>
    /// <param name="bound">What bounds the work, if known.</param>
    /// <param name="logicalCores">Logical cores of the machine, if known.</param>
    /// <param name="slowStart">The configuration that lost most to start-up, if worth saying.</param>
    /// <param name="slowStartMs">What it lost, in milliseconds.</param>
    public static string Sentence(string best, double? speedup, bool isBaseline, WorkloadBound? bound, int? logicalCores = null, string? slowStart = null, double? slowStartMs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(best);
        var parts = new List<string>
        {
            speedup is { } s ? $"{best}: {s.ToString("0.0", CultureInfo.InvariantCulture)}x" : $"{best}: fastest",
        };

        string? why = (bound, isBaseline) switch
        {
            (_, true) => "no parallel model beat it, so their set-up costs more than they save here",
            (WorkloadBound.IoBound, _) => "I/O-bound, so threads overlap the waits",
            (WorkloadBound.CpuBound, _) => logicalCores is > 0
                ? $"CPU-bound, so it gains only up to the {logicalCores} cores"
                : "CPU-bound, so it gains only up to the core count",
            (WorkloadBound.Mixed, _) => "part CPU, part waiting, so overlap helps until the cores are busy",
            _ => null,
        };
        if (why is not null)
        {
            parts.Add(why);
        }

        if (slowStart is not null && slowStartMs is { } lost && lost > 0)
        {
            parts.Add($"{slowStart} lost {Duration(lost)} to start-up");
        }

        return string.Join("; ", parts) + ".";
    }

    /// <summary>A duration the way the sentence says it: <c>850 ms</c>, <c>1.9 s</c>.</summary>
    public static string Duration(double milliseconds) => milliseconds >= 1000
        ? (milliseconds / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : Math.Round(milliseconds).ToString("0", CultureInfo.InvariantCulture) + " ms";
}
