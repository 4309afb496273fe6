using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// Groups runs (the rows Measure-Speedup reads) by machine, task list and model, and fits the Universal
/// Scalability Law and Amdahl's law to each group's throughput over its worker counts. Each valid run is one
/// point: throughput = Tasks / elapsed seconds (tasks/s), or 1 / elapsed seconds (runs/s) when the rows give
/// no task count. Groups come out in the order they first came in.
/// </summary>
public sealed class ScalabilityAnalysis
{
    /// <summary>Fewer distinct worker counts than this cannot be fitted (the USL has three parameters).</summary>
    public const int MinimumWorkerCounts = 3;

    /// <summary>Below this R² the fit explains too little of the throughput to name a peak: PeakWorkers stays empty.</summary>
    public const double MinimumRSquaredForPeak = 0.5;

    private readonly List<(SpeedupSample Sample, int LogicalCores)> _samples = new();

    /// <summary>The fits' iteration limit (tests lower it to see a fit stop there).</summary>
    internal int MaximumIterations { get; init; } = UniversalScalabilityLaw.MaximumIterations;

    /// <summary>Adds one run, with the logical cores of its machine when known (0 otherwise).</summary>
    public void Add(SpeedupSample sample, int logicalCores = 0)
    {
        ArgumentNullException.ThrowIfNull(sample);
        _samples.Add((sample, Math.Max(0, logicalCores)));
    }

    /// <summary>
    /// One fit per group that has at least <see cref="MinimumWorkerCounts"/> distinct worker counts among its
    /// valid runs, each with its predictions at <paramref name="predictWorkers"/>; and, for every other group,
    /// a sentence saying why it was not fitted; groups that are context rather than sweeps (Sequential at one
    /// worker, the baseline every default sweep holds) are in <c>Context</c>, not in <c>NotFitted</c>. A group
    /// whose numbers cannot be fitted (times so far apart that no double holds them in one unit, say) is one
    /// entry of <c>NotFitted</c> and the other groups are fitted as usual.
    /// </summary>
    public (IReadOnlyList<(ScalabilitySummary Summary, IReadOnlyList<ScalabilityPrediction> Predictions)> Fits, IReadOnlyList<string> NotFitted, IReadOnlyList<string> Context) Analyze(
        IReadOnlyCollection<int>? predictWorkers = null)
    {
        int[] predict = (predictWorkers ?? Array.Empty<int>()).Distinct().OrderBy(n => n).ToArray();
        foreach (int n in predict)
        {
            ArgumentRange.Check("Predict", n, 1, int.MaxValue);
        }

        var fits = new List<(ScalabilitySummary, IReadOnlyList<ScalabilityPrediction>)>();
        var notFitted = new List<string>();
        var context = new List<string>();
        foreach (var group in _samples.GroupBy(s => new Key(s.Sample.MachineName, s.Sample.Workload, s.Sample.Tasks, s.Sample.TaskSize, s.Sample.Model.ToUpperInvariant())))
        {
            SpeedupSample first = group.First().Sample;
            SpeedupSample[] valid = group.Where(s => s.Sample.Valid).Select(s => s.Sample).ToArray();
            string what = $"{first.Model} runs of {first.Workload} ({first.Tasks} tasks of {first.TaskSize}) on {first.MachineName}";
            int[] counts = valid.Select(s => s.Workers).Distinct().OrderBy(n => n).ToArray();
            if (counts is [1] && string.Equals(first.Model, "Sequential", StringComparison.OrdinalIgnoreCase))
            {
                context.Add($"{what}: one worker by definition, the baseline of the sweep rather than a sweep; not fitted.");
                continue;
            }

            if (counts.Length < MinimumWorkerCounts)
            {
                notFitted.Add($"{what}: {counts.Length} distinct worker count{(counts.Length == 1 ? string.Empty : "s")} " +
                    $"({(counts.Length == 0 ? "no valid runs" : string.Join(",", counts))}); a scalability fit needs at least {MinimumWorkerCounts}, e.g. -Workers 1, 2, 4, 8.");
                continue;
            }

            bool perTask = first.Tasks > 0;
            double[] workers = valid.Select(s => (double)s.Workers).ToArray();
            double[] throughput = valid.Select(s => (perTask ? first.Tasks : 1) * 1000.0 / s.ElapsedMs).ToArray();
            (ScalabilityFit Usl, ScalabilityFit Amdahl)? both = FitBoth(workers, throughput, reason => notFitted.Add($"{what}: {reason}"));
            if (both is null)
            {
                continue;
            }

            var (usl, amdahl) = both.Value;

            ScalabilitySummary summary = Describe(first, valid, group.Count() - valid.Length, group.Max(s => s.LogicalCores), perTask, throughput, usl, amdahl);
            fits.Add((summary, predict.Select(n => Predict(summary, usl, amdahl, n)).ToArray()));
        }

        return (fits, notFitted, context);
    }

    /// <summary>
    /// The USL and Amdahl fits of one group, or null after telling <paramref name="notFitted"/> why its numbers cannot
    /// be fitted. A method, and a result read after a plain null check, rather than locals assigned in a try block or
    /// by a pattern: a mutant that empties the block or negates the pattern would leave them unassigned, and the
    /// mutation tests would then have to skip all of <see cref="Analyze"/>.
    /// </summary>
    private (ScalabilityFit Usl, ScalabilityFit Amdahl)? FitBoth(double[] workers, double[] throughput, Action<string> notFitted)
    {
        try
        {
            return (UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: false, MaximumIterations),
                UniversalScalabilityLaw.Fit(workers, throughput, contentionOnly: true, MaximumIterations));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ArithmeticException)
        {
            notFitted(e.Message);
            return null;
        }
    }

    private static ScalabilitySummary Describe(SpeedupSample first, SpeedupSample[] valid, int excluded, int logicalCores, bool perTask,
        double[] throughput, ScalabilityFit usl, ScalabilityFit amdahl)
    {
        var points = valid.Select((s, i) => new ScalabilityPoint(s.Workers, s.Run, throughput[i], usl.Throughput(s.Workers))).ToArray();
        var byWorkers = points.GroupBy(p => p.Workers).OrderBy(g => g.Key).ToArray();
        var best = byWorkers.Select(g => (Workers: g.Key, Median: RunStatistics.MedianOf(g.Select(p => p.Throughput).ToArray())))
            .OrderByDescending(m => m.Median).ThenBy(m => m.Workers).First();
        // R² is undefined (null) when every throughput is the same: flat data fitted exactly, not a poor fit.
        bool poorFit = usl.RSquared is double r && r < MinimumRSquaredForPeak;
        double? peak = poorFit ? null : usl.PeakWorkers;

        var summary = new ScalabilitySummary
        {
            MachineName = first.MachineName,
            Workload = first.Workload,
            Tasks = first.Tasks,
            TaskSize = first.TaskSize,
            Model = first.Model,
            WorkerCounts = string.Join(",", byWorkers.Select(g => g.Key)),
            Runs = valid.Length,
            ExcludedRuns = excluded,
            ThroughputUnit = perTask ? "tasks/s" : "runs/s",
            SingleWorkerThroughput = usl.Lambda,
            Sigma = usl.Sigma,
            SigmaStdError = usl.SigmaStdError,
            Kappa = usl.Kappa,
            KappaStdError = usl.KappaStdError,
            PeakWorkers = peak,
            PeakSpeedup = peak is double n ? usl.Speedup(n) : null,
            FitRSquared = usl.RSquared,
            ResidualStdError = usl.ResidualStdError,
            Residuals = string.Join(" ", byWorkers.Select(g =>
                string.Create(CultureInfo.InvariantCulture, $"{g.Key}:{RunStatistics.MedianOf(g.Select(p => p.Residual / p.Fitted).ToArray()):+0.0%;-0.0%;0.0%}"))),
            AmdahlSigma = amdahl.Sigma,
            AmdahlRSquared = amdahl.RSquared,
            AmdahlLimit = amdahl.Sigma > 0 ? 1 / amdahl.Sigma : null,
            MeasuredBestWorkers = best.Workers,
            MeasuredBestSpeedup = best.Median / usl.Lambda,
            LogicalCores = logicalCores,
            Points = points,
            FitConverged = usl.Converged && amdahl.Converged,
            FitIterations = usl.Iterations,
        };
        var warnings = new List<string>();
        if (!summary.FitConverged)
        {
            warnings.Add(FormattableString.Invariant($"the fit stopped at the limit of {UniversalScalabilityLaw.MaximumIterations} iterations without converging: its coefficients are the last estimate, not a minimum"));
        }

        if (poorFit)
        {
            warnings.Add(FormattableString.Invariant($"the fit is poor (R² {usl.RSquared:0.00}, below {MinimumRSquaredForPeak:0.0}): the runs vary more than the worker count explains, so no peak is named"));
        }

        if (usl.Sigma < UniversalScalabilityLaw.SuperLinearSigma)
        {
            warnings.Add(FormattableString.Invariant($"super-linear: σ {usl.Sigma:0.####} is below 0, each added worker gains more than one worker's throughput (caches or memory that grow with the workers, or a slow one-worker baseline)"));
        }

        summary.FitWarning = warnings.Count == 0 ? null : string.Join("; ", warnings);
        summary.Recommendation = ScalabilityRecommendation.Describe(summary);
        return summary;
    }

    private static ScalabilityPrediction Predict(ScalabilitySummary summary, ScalabilityFit usl, ScalabilityFit amdahl, int workers)
    {
        double[] measured = summary.Points.Where(p => p.Workers == workers).Select(p => p.Throughput).ToArray();
        return new ScalabilityPrediction
        {
            MachineName = summary.MachineName,
            Workload = summary.Workload,
            Tasks = summary.Tasks,
            TaskSize = summary.TaskSize,
            Model = summary.Model,
            Workers = workers,
            Speedup = usl.Speedup(workers),
            Throughput = usl.Throughput(workers),
            ThroughputUnit = summary.ThroughputUnit,
            AmdahlSpeedup = amdahl.Speedup(workers),
            MeasuredSpeedup = measured.Length == 0 ? null : RunStatistics.MedianOf(measured) / usl.Lambda,
            Extrapolated = workers > summary.Points.Max(p => p.Workers),
            BeyondLogicalCores = summary.LogicalCores > 0 && workers > summary.LogicalCores,
        };
    }

    private readonly record struct Key(string MachineName, string Workload, int Tasks, string TaskSize, string Model);
}
