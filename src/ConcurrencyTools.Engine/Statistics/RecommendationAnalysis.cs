using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Beside <see cref="SpeedupAnalysis"/>: collects each valid run's CPU and start-up figures, then gives
/// every summary its <see cref="SpeedupSummary.Bound"/> (from the median CPU per busy worker of its
/// runs) and every task list one <see cref="SpeedupSummary.Recommendation"/>. The task list's bound
/// is its baseline's (one worker computes or waits without competition), else that of its fewest workers.
/// </summary>
public sealed class RecommendationAnalysis
{
    /// <summary>A start-up loss is worth naming from this share of the configuration's median time on.</summary>
    public const double StartupShareWorthSaying = 0.1;

    private readonly Dictionary<(string Machine, string Workload, int Tasks, string TaskSize, string Model, int Workers), Figures> _runs = new();

    /// <summary>Adds one valid run's figures (CPU, cores and start-up may be missing, e.g. from an older CSV).</summary>
    public void Add(string machineName, string workload, int tasks, string taskSize, string model, int workers, double elapsedMs, double? cpuTimeMs, int? logicalCores, double? startupMs, double? taskCpuShare = null)
    {
        var key = (machineName, workload, tasks, taskSize, model, workers);
        if (!_runs.TryGetValue(key, out Figures? figures))
        {
            figures = new Figures();
            _runs[key] = figures;
        }

        if (WorkloadBoundRule.CpuPerWorker(cpuTimeMs, elapsedMs, workers, logicalCores) is { } perWorker)
        {
            figures.CpuPerWorker.Add(perWorker);
        }

        if (WorkloadBoundRule.TaskCpuShare(taskCpuShare) is { } share)
        {
            figures.TaskCpuShare.Add(share);
        }

        if (startupMs is >= 0)
        {
            figures.StartupMs.Add(startupMs.Value);
        }

        figures.LogicalCores ??= logicalCores;
    }

    /// <summary>Sets Bound on every summary and Recommendation on every summary of a task list with a measured speedup.</summary>
    public void Apply(IReadOnlyList<SpeedupSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        foreach (SpeedupSummary summary in summaries)
        {
            summary.Bound = BoundOf(summary)?.ToString();
        }

        foreach (var list in summaries.GroupBy(s => (s.MachineName, s.Workload, s.Tasks, s.TaskSize)))
        {
            string? sentence = Recommend(list.ToArray());
            foreach (SpeedupSummary summary in list)
            {
                summary.Recommendation = sentence;
            }
        }
    }

    private string? Recommend(SpeedupSummary[] list)
    {
        SpeedupSummary? best = list.Where(s => s.Speedup is not null && s.MedianMs is not null).OrderByDescending(s => s.Speedup).FirstOrDefault();
        if (best is null)
        {
            return null;
        }

        SpeedupSummary reference = list.FirstOrDefault(s => Label(s) == best.Baseline) ?? list.OrderBy(s => s.Workers).First();
        WorkloadBound? bound = BoundOf(reference) ?? BoundOf(best);

        // Who lost most to start-up, when that was a real share of its time and it is not the winner.
        var slow = list
            .Where(s => s != best && s.MedianMs is > 0)
            .Select(s => (Summary: s, Startup: Median(FiguresOf(s)?.StartupMs)))
            .Where(x => x.Startup is { } ms && ms >= StartupShareWorthSaying * x.Summary.MedianMs!.Value)
            .OrderByDescending(x => x.Startup)
            .FirstOrDefault();

        return Recommendation.Sentence(
            Label(best),
            best.Speedup,
            isBaseline: Label(best) == best.Baseline,
            bound,
            FiguresOf(best)?.LogicalCores,
            slow.Summary is null ? null : Label(slow.Summary),
            slow.Startup);
    }

    // The work's own CPU when the rows carry it (TaskCpuShare); the process's (CpuTimeMs) only for rows without it.
    private WorkloadBound? BoundOf(SpeedupSummary summary) =>
        (Median(FiguresOf(summary)?.TaskCpuShare) ?? Median(FiguresOf(summary)?.CpuPerWorker)) is { } share ? WorkloadBoundRule.Classify(share) : null;

    private Figures? FiguresOf(SpeedupSummary s) =>
        _runs.GetValueOrDefault((s.MachineName, s.Workload, s.Tasks, s.TaskSize, s.Model, s.Workers));

    private static string Label(SpeedupSummary s) => $"{s.Model} x{s.Workers}";

    private static double? Median(List<double>? values) => values is { Count: > 0 } ? RunStatistics.MedianOf(values) : null;

    private sealed class Figures
    {
        public List<double> CpuPerWorker { get; } = new();

        public List<double> StartupMs { get; } = new();

        public List<double> TaskCpuShare { get; } = new();

        public int? LogicalCores { get; set; }
    }
}
