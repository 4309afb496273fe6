using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Groups runs by configuration (machine, workload, tasks, task size, model, workers), summarizes each
/// and measures it against its baseline. Configurations come out in the order they first came in.
/// </summary>
public sealed class SpeedupAnalysis
{
    private readonly List<SpeedupSample> _samples = new();

    /// <summary>Adds one run.</summary>
    public void Add(SpeedupSample sample) => _samples.Add(sample ?? throw new ArgumentNullException(nameof(sample)));

    /// <summary>
    /// The summaries, and the baselines that could not be found (one entry per task list that lacks
    /// one; its configurations are still summarized, with the speedup columns left empty).
    /// </summary>
    public (IReadOnlyList<SpeedupSummary> Summaries, IReadOnlyList<string> MissingBaselines) Summarize(SpeedupBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var groups = _samples
            .GroupBy(s => new Key(s.MachineName, s.Workload, s.Tasks, s.TaskSize, s.Model, s.Workers))
            .ToList();
        var valid = groups.ToDictionary(g => g.Key, g => g.Where(s => s.Valid).ToArray());

        var summaries = new List<SpeedupSummary>();
        var missing = new List<string>();
        foreach (var group in groups)
        {
            Key key = group.Key;
            SpeedupSample[] runs = valid[key];
            SpeedupSummary summary = Describe(key, runs, group.Count() - runs.Length);
            Key? baseKey = FindBaseline(key, baseline, valid);
            if (baseKey is null)
            {
                string what = $"{(baseline.Model is null ? key.Model : baseline.Model)} runs{(baseline.Model is null ? " with 1 worker" : string.Empty)} " +
                    $"of {key.Workload} ({key.Tasks} tasks of {key.TaskSize}) on {key.MachineName}";
                if (!missing.Contains(what))
                {
                    missing.Add(what);
                }
            }
            else if (runs.Length > 0)
            {
                double[] baseTimes = valid[baseKey.Value].Select(s => s.ElapsedMs).ToArray();
                (double speedup, double low, double high) = SpeedupInterval.Compute(baseTimes, runs.Select(s => s.ElapsedMs));
                summary.Baseline = $"{baseKey.Value.Model} x{baseKey.Value.Workers}";
                summary.BaselineMedianMs = RunStatistics.MedianOf(baseTimes);
                summary.Speedup = speedup;
                summary.SpeedupCiLow = low;
                summary.SpeedupCiHigh = high;
                summary.Efficiency = speedup / key.Workers;
                summary.SerialFraction = KarpFlatt(speedup, key.Workers);
            }
            else
            {
                summary.Baseline = $"{baseKey.Value.Model} x{baseKey.Value.Workers}";
            }

            summaries.Add(summary);
        }

        return (summaries, missing);
    }

    /// <summary>Karp-Flatt metric: the serial fraction that explains <paramref name="speedup"/> on <paramref name="workers"/> workers; null for one worker.</summary>
    public static double? KarpFlatt(double speedup, int workers) =>
        workers > 1 && speedup > 0 ? ((1 / speedup) - (1.0 / workers)) / (1 - (1.0 / workers)) : null;

    private static SpeedupSummary Describe(Key key, SpeedupSample[] runs, int excluded)
    {
        var summary = new SpeedupSummary
        {
            MachineName = key.MachineName,
            Workload = key.Workload,
            Tasks = key.Tasks,
            TaskSize = key.TaskSize,
            Model = key.Model,
            Workers = key.Workers,
            Runs = runs.Length,
            ExcludedRuns = excluded,
        };
        if (runs.Length == 0)
        {
            summary.Unstable = true;
            summary.UnstableReason = "no valid runs";
            return summary;
        }

        RunStatistics stats = RunStatistics.Compute(runs.Select(s => s.ElapsedMs));
        summary.MeanMs = stats.Mean;
        summary.StdDevMs = stats.StdDev;
        summary.MedianMs = stats.Median;
        summary.MinMs = stats.Min;
        summary.MaxMs = stats.Max;
        summary.MeanCiLowMs = stats.MeanCiLow;
        summary.MeanCiHighMs = stats.MeanCiHigh;
        summary.CoefficientOfVariation = stats.CoefficientOfVariation;
        summary.Outliers = stats.OutlierIndices.Count;
        summary.OutlierRuns = stats.OutlierIndices.Count == 0 ? null : string.Join(",", stats.OutlierIndices.Select(i => runs[i].Run));
        summary.Unstable = stats.UnstableReason is not null;
        summary.UnstableReason = stats.UnstableReason;
        return summary;
    }

    private static Key? FindBaseline(Key key, SpeedupBaseline baseline, Dictionary<Key, SpeedupSample[]> valid)
    {
        string model = baseline.Model ?? key.Model;

        // The baseline model's configuration of the same task list with the fewest workers (Sequential has one).
        var candidates = valid.Keys
            .Where(k => k.MachineName == key.MachineName && k.Workload == key.Workload && k.Tasks == key.Tasks &&
                        k.TaskSize == key.TaskSize && string.Equals(k.Model, model, StringComparison.OrdinalIgnoreCase) &&
                        valid[k].Length > 0 && (baseline.Model is not null || k.Workers == 1))
            .OrderBy(k => k.Workers)
            .ToList();
        return candidates.Count == 0 ? null : candidates[0];
    }

    private readonly record struct Key(string MachineName, string Workload, int Tasks, string TaskSize, string Model, int Workers);
}
