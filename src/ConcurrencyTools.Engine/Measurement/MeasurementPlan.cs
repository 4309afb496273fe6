using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// What one invocation measures: one task list, the grid of models x worker counts, and how often.
/// Validation errors name the parameter as the cmdlet calls it.
/// </summary>
public sealed class MeasurementPlan
{
    /// <summary>
    /// Largest accepted worker count, for the models whose workers are not OS threads or processes
    /// (EventLoop coroutines, ThreadPool work items): as many as there can be tasks.
    /// </summary>
    public const int MaxWorkers = WorkloadSpec.MaxTasks;

    /// <summary>Largest worker count of the models that start one OS thread per worker (Threads, GilThreads).</summary>
    public const int MaxThreadWorkers = ModelCatalog.MaxThreadWorkers;

    /// <summary>Largest accepted repeat count.</summary>
    public const int MaxRepeat = 10_000;

    /// <summary>Largest accepted warm-up count.</summary>
    public const int MaxWarmup = 100;

    /// <summary>Smallest accepted switch interval in milliseconds: the resolution of the waits that time it.</summary>
    public const double MinSwitchIntervalMs = 1;

    /// <summary>Largest accepted switch interval in milliseconds.</summary>
    public const double MaxSwitchIntervalMs = 1000;

    /// <summary>The default worker counts, before capping at the task count.</summary>
    public static readonly IReadOnlyList<int> DefaultWorkers = new[] { 1, 2, 4 };

    /// <summary>Builds and validates a plan.</summary>
    public MeasurementPlan(
        WorkloadSpec workload,
        IEnumerable<ConcurrencyModel>? models = null,
        IEnumerable<int>? workers = null,
        int repeat = 3,
        int warmup = 1,
        double switchIntervalMs = ModelOptions.DefaultSwitchIntervalMs,
        bool measureOverhead = true)
    {
        MeasureOverhead = measureOverhead;
        Workload = workload ?? throw new ArgumentNullException(nameof(workload));
        ConcurrencyModel[] modelList = (models ?? BuiltInModels).Distinct().ToArray();
        if (modelList.Length == 0)
        {
            throw new ArgumentException("Model must name at least one model.", "Model");
        }

        foreach (ConcurrencyModel model in modelList)
        {
            if (!Enum.IsDefined(model))
            {
                throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' is not a known model.");
            }

            if (!BuiltInModels.Contains(model))
            {
                throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' runs script blocks only; give -ScriptBlock, or choose one of {string.Join(", ", BuiltInModels)} for a built-in workload.");
            }
        }

        int[] workerList = ValidateSweep(workers, workload.Tasks, MaxWorkers, repeat, warmup, count =>
        {
            if (count > ProcessesModel.MaxWorkers && modelList.Contains(ConcurrencyModel.Processes))
            {
                throw new ArgumentOutOfRangeException("Workers", count, $"The Processes model runs at most {ProcessesModel.MaxWorkers} workers; {count} is too many.");
            }

            ConcurrencyModel[] threadModels = modelList.Where(m => MaxWorkersOf(m) == MaxThreadWorkers && count > MaxThreadWorkers).ToArray();
            if (threadModels.Length > 0)
            {
                throw new ArgumentOutOfRangeException(
                    "Workers",
                    count,
                    $"The {string.Join(" and ", threadModels)} model{(threadModels.Length > 1 ? "s start" : " starts")} one OS thread per worker and run{(threadModels.Length > 1 ? "" : "s")} at most {MaxThreadWorkers} workers; {count} is too many. " +
                    $"EventLoop and ThreadPool accept up to {MaxWorkers} workers.");
            }
        });
        ArgumentRange.Check("SwitchIntervalMs", switchIntervalMs, MinSwitchIntervalMs, MaxSwitchIntervalMs);

        Models = modelList;
        Workers = workerList;
        Repeat = repeat;
        Warmup = warmup;
        SwitchIntervalMs = switchIntervalMs;

        Grid = BuildGrid(modelList, workerList);
    }

    /// <summary>
    /// The one validation of a sweep's worker counts, Repeat and Warmup, for workloads and script blocks alike:
    /// the default counts (1, 2, 4) capped at <paramref name="tasks"/>, or the given ones without repeats; each
    /// between 1 and <paramref name="maxWorkers"/>, then checked by <paramref name="eachCount"/> (a model's own limit).
    /// Errors name the parameter as the cmdlet calls it.
    /// </summary>
    internal static int[] ValidateSweep(IEnumerable<int>? workers, int tasks, int maxWorkers, int repeat, int warmup, Action<int>? eachCount = null)
    {
        int[] workerList = workers is null
            ? DefaultWorkers.Select(w => Math.Min(w, tasks)).Distinct().ToArray()
            : workers.Distinct().ToArray();
        if (workerList.Length == 0)
        {
            throw new ArgumentException("Workers must list at least one worker count.", "Workers");
        }

        foreach (int count in workerList)
        {
            ArgumentRange.Check("Workers", count, 1, maxWorkers);
            eachCount?.Invoke(count);
        }

        ArgumentRange.Check("Repeat", repeat, 1, MaxRepeat);
        ArgumentRange.Check("Warmup", warmup, 0, MaxWarmup);
        return workerList;
    }

    /// <summary>The models that run the built-in workloads, and the default of -Model for them.</summary>
    public static IReadOnlyList<ConcurrencyModel> BuiltInModels => ModelCatalog.ModelsThatRun(ModelUses.Workloads);

    /// <summary>Every model with every worker count, in the order given; Sequential once, with one worker.</summary>
    internal static IReadOnlyList<MeasurementConfiguration> BuildGrid(IEnumerable<ConcurrencyModel> models, IReadOnlyList<int> workers)
    {
        // Sequential is one configuration whatever the worker counts: it has one worker by definition.
        var grid = new List<MeasurementConfiguration>();
        foreach (ConcurrencyModel model in models)
        {
            if (model == ConcurrencyModel.Sequential)
            {
                grid.Add(new MeasurementConfiguration(model, 1));
                continue;
            }

            grid.AddRange(workers.Select(w => new MeasurementConfiguration(model, w)));
        }

        return grid;
    }

    /// <summary>The most workers <paramref name="model"/> accepts for a built-in workload.</summary>
    public static int MaxWorkersOf(ConcurrencyModel model) => ModelCatalog.Of(model).MaxWorkers;

    /// <summary>The task list every configuration runs.</summary>
    public WorkloadSpec Workload { get; }

    /// <summary>The models, in the order given.</summary>
    public IReadOnlyList<ConcurrencyModel> Models { get; }

    /// <summary>The worker counts, in the order given.</summary>
    public IReadOnlyList<int> Workers { get; }

    /// <summary>Measured runs per configuration.</summary>
    public int Repeat { get; }

    /// <summary>Unreported warm-up runs per configuration, before the measured ones.</summary>
    public int Warmup { get; }

    /// <summary>GilThreads switch interval.</summary>
    public double SwitchIntervalMs { get; }

    /// <summary>The configurations, in the order each round runs them.</summary>
    public IReadOnlyList<MeasurementConfiguration> Grid { get; }

    /// <summary>Whether each configuration is also run once on empty tasks to measure its overhead.</summary>
    public bool MeasureOverhead { get; }

    /// <summary>All runs, warm-up and overhead runs included.</summary>
    public int TotalRuns => InterleavedSchedule.Count(Grid.Count, Warmup, Repeat, MeasureOverhead);
}
