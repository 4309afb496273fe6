using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Groups runs by configuration (machine, workload, tasks, task size, model, workers), summarizes each
/// and measures it against its baseline. Configurations come out in the order they first came in.
/// Model names are compared ignoring case everywhere (grouping and baseline alike); the known models
/// take their own spelling, others the first one seen.
/// </summary>
public sealed class SpeedupAnalysis
{
    private readonly List<SpeedupSample> _samples = new();
    private readonly Dictionary<string, string> _modelNames = Enum.GetNames<ConcurrencyModel>().ToDictionary(n => n, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A valid run longer than this (10¹⁵ ms, about 31,700 years) is excluded, counted with its reason: its
    /// sums and squares (means, standard deviations, bootstrap) would overflow a double, and no measured run
    /// is that long. Below it, the statistics of a million runs stay finite.
    /// </summary>
    public const double MaximumElapsedMs = 1e15;

    /// <summary>The reason a run beyond <see cref="MaximumElapsedMs"/> is excluded.</summary>
    public const string TooLargeReason = "ElapsedMs above 1e15 ms (too large to sum)";

    /// <summary>
    /// Adds one run; a valid one needs at least one worker and a positive, finite time. A time above
    /// <see cref="MaximumElapsedMs"/> makes the run excluded rather than valid.
    /// </summary>
    public void Add(SpeedupSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.Valid && sample.ElapsedMs > MaximumElapsedMs && double.IsFinite(sample.ElapsedMs))
        {
            sample = sample with { Valid = false, ExcludedReason = TooLargeReason };
        }
        if (sample.Valid && (sample.Workers < 1 || !(sample.ElapsedMs > 0) || !double.IsFinite(sample.ElapsedMs)))
        {
            throw new ArgumentOutOfRangeException(nameof(sample), sample, "A valid run needs at least one worker and a positive, finite ElapsedMs.");
        }

        if (!_modelNames.TryGetValue(sample.Model, out string? model))
        {
            model = sample.Model;
            _modelNames.Add(model, model);
        }

        _samples.Add(sample with { Model = model });
    }

    /// <summary>
    /// The summaries, and the baselines that could not be found (one entry per task list that lacks
    /// one; its configurations are still summarized, with the speedup columns left empty).
    /// </summary>
    public (IReadOnlyList<SpeedupSummary> Summaries, IReadOnlyList<string> MissingBaselines) Summarize(SpeedupBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var groups = Groups();
        var valid = groups.ToDictionary(g => g.Key, g => g.Where(s => s.Valid).ToArray());
        var described = new Dictionary<Key, (SpeedupSummary Summary, RunStatistics? Statistics)>();
        foreach (var group in groups)
        {
            described[group.Key] = Describe(group.Key, valid[group.Key], group.Where(s => !s.Valid).ToArray());
        }

        var summaries = new List<SpeedupSummary>();
        var missing = new List<string>();
        foreach (var group in groups)
        {
            Key key = group.Key;
            SpeedupSample[] runs = valid[key];
            (SpeedupSummary summary, RunStatistics? stats) = described[key];
            Key? baseKey = FindBaseline(key, baseline, valid);
            if (baseKey is null)
            {
                string what = $"{(baseline.Model is null ? key.Model : baseline.Model)} runs{(baseline.Model is null ? " with 1 worker" : string.Empty)} " +
                    $"of {key.Workload} ({key.Tasks} tasks of {key.TaskSize}) on {key.MachineName}";
                if (!missing.Contains(what))
                {
                    missing.Add(what);
                }

                summaries.Add(summary);
                continue;
            }

            Key b = baseKey.Value;
            RunStatistics baseStats = described[b].Statistics!;
            summary.Baseline = $"{b.Model} x{b.Workers}";
            summary.BaselineUnstable = baseStats.UnstableReason is not null;
            if (baseStats.UnstableReason is not null && b != key)
            {
                summary.Unstable = true;
                summary.UnstableReason = Join(summary.UnstableReason, $"baseline {summary.Baseline} is unstable");
            }

            if (stats is not null)
            {
                double[] baseTimes = valid[b].Select(s => s.ElapsedMs).ToArray();
                double[] times = runs.Select(s => s.ElapsedMs).ToArray();
                (double speedup, double low, double high) = SpeedupInterval.Compute(baseTimes, times);
                double scale = (double)key.Workers / b.Workers;
                summary.BaselineMedianMs = baseStats.Median;
                summary.Speedup = speedup;
                summary.SpeedupCiLow = low;
                summary.SpeedupCiHigh = high;
                summary.Efficiency = speedup / scale;
                summary.SerialFraction = KarpFlatt(speedup, scale);
                if (SpeedupSignificance.Compare(baseTimes, times) is var (verdict, p))
                {
                    summary.Comparison = verdict;
                    summary.ComparisonPValue = p;
                }
            }

            summaries.Add(summary);
        }

        return (summaries, missing);
    }

    /// <summary>
    /// Run numbers that occur more than once in a configuration (run 0, "not given", aside), one text per
    /// configuration, e.g. <c>Threads x2 of Cpu (8 tasks of Iterations=1) on host: run 3 (2 times)</c>.
    /// </summary>
    public IReadOnlyList<string> DuplicateRuns() =>
        Groups()
            .Select(g => (g.Key, Repeated: g.Where(s => s.Run != 0).GroupBy(s => s.Run).Where(r => r.Count() > 1).ToList()))
            .Where(g => g.Repeated.Count > 0)
            .Select(g => $"{g.Key.Model} x{g.Key.Workers} of {g.Key.Workload} ({g.Key.Tasks} tasks of {g.Key.TaskSize}) on {g.Key.MachineName}: " +
                string.Join(", ", g.Repeated.Select(r => string.Create(CultureInfo.InvariantCulture, $"run {r.Key} ({r.Count()} times)"))))
            .ToList();

    /// <summary>
    /// Karp-Flatt metric: the serial fraction that explains <paramref name="speedup"/> on
    /// <paramref name="workers"/> workers (counted in baseline units); null unless there are more than one.
    /// </summary>
    public static double? KarpFlatt(double speedup, double workers) =>
        workers > 1 && speedup > 0 ? ((1 / speedup) - (1.0 / workers)) / (1 - (1.0 / workers)) : null;

    private List<IGrouping<Key, SpeedupSample>> Groups() =>
        _samples.GroupBy(s => new Key(s.MachineName, s.Workload, s.Tasks, s.TaskSize, s.Model, s.Workers)).ToList();

    private static (SpeedupSummary Summary, RunStatistics? Statistics) Describe(Key key, SpeedupSample[] runs, SpeedupSample[] excluded)
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
            ExcludedRuns = excluded.Length,
            ExcludedReason = excluded.Length == 0 ? null : string.Join("; ", excluded
                .GroupBy(s => s.ExcludedReason ?? "invalid")
                .Select(r => $"{r.Key} ({r.Count()} run{(r.Count() == 1 ? string.Empty : "s")})")),
        };
        if (runs.Length == 0)
        {
            summary.Unstable = true;
            summary.UnstableReason = "no valid runs";
            return (summary, null);
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
        summary.MValue = stats.MValue;
        summary.ModeSeparation = stats.ModeSeparation;
        return (summary, stats);
    }

    private static string Join(string? first, string second) => first is null ? second : $"{first}; {second}";

    private static Key? FindBaseline(Key key, SpeedupBaseline baseline, Dictionary<Key, SpeedupSample[]> valid)
    {
        string model = baseline.Model ?? key.Model;

        // The baseline model's configuration of the same task list with the fewest workers (Sequential has one).
        // Model names are already in one spelling (see Add), so they compare exactly.
        var candidates = valid.Keys
            .Where(k => k.MachineName == key.MachineName && k.Workload == key.Workload && k.Tasks == key.Tasks &&
                        k.TaskSize == key.TaskSize && k.Model == model &&
                        valid[k].Length > 0 && (baseline.Model is not null || k.Workers == 1))
            .OrderBy(k => k.Workers)
            .ToList();
        return candidates.Count == 0 ? null : candidates[0];
    }

    private readonly record struct Key(string MachineName, string Workload, int Tasks, string TaskSize, string Model, int Workers);
}
