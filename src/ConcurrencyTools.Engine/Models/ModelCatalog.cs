using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The one list of models: which runs workloads, script blocks and pipelines, and how many workers each
/// accepts. Plans validate against it, cmdlets complete -Model and -Baseline from it, and help is checked
/// against it; a new model is its class and one entry here.
/// </summary>
public static class ModelCatalog
{
    /// <summary>Most workers of the models that start one OS thread per worker (Threads, GilThreads).</summary>
    public const int MaxThreadWorkers = 10_000;

    // The order is the default order of each use: filtered by use, it gives the workload models as
    // Sequential, Threads, ThreadPool, EventLoop, Processes, GilThreads and the script-block models as
    // Sequential, Runspaces, ForEachParallel, ThreadJob, Jobs, Processes.
    // Script blocks run only the in-process models by default: ThreadJob needs a module that may be
    // missing, and Jobs and Processes start a pwsh per item or worker, which took the README's 8-item
    // sweep from about 25 s to 95 s on a quiet 2-core machine (283 s on a busy one). They run by name.
    private static readonly ModelEntry[] All =
    {
        new(ConcurrencyModel.Sequential, ModelUses.Workloads | ModelUses.ScriptBlocks, WorkloadSpec.MaxTasks, ModelUses.Workloads | ModelUses.ScriptBlocks),
        new(ConcurrencyModel.Threads, ModelUses.Workloads | ModelUses.Pipelines, MaxThreadWorkers, ModelUses.Workloads | ModelUses.Pipelines),
        new(ConcurrencyModel.ThreadPool, ModelUses.Workloads, WorkloadSpec.MaxTasks, ModelUses.Workloads),
        new(ConcurrencyModel.EventLoop, ModelUses.Workloads | ModelUses.Pipelines, WorkloadSpec.MaxTasks, ModelUses.Workloads | ModelUses.Pipelines),
        new(ConcurrencyModel.Runspaces, ModelUses.ScriptBlocks, 0, ModelUses.ScriptBlocks),
        new(ConcurrencyModel.ForEachParallel, ModelUses.ScriptBlocks, 0, ModelUses.ScriptBlocks),
        new(ConcurrencyModel.ThreadJob, ModelUses.ScriptBlocks, 0, ModelUses.None),
        new(ConcurrencyModel.Jobs, ModelUses.ScriptBlocks, 0, ModelUses.None),
        new(ConcurrencyModel.Processes, ModelUses.Workloads | ModelUses.ScriptBlocks, ProcessesModel.MaxWorkers, ModelUses.Workloads),
        new(ConcurrencyModel.GilThreads, ModelUses.Workloads | ModelUses.Pipelines, MaxThreadWorkers, ModelUses.Workloads | ModelUses.Pipelines),
    };

    private static readonly Dictionary<ModelUses, ConcurrencyModel[]> ByUse = new[] { ModelUses.Workloads, ModelUses.ScriptBlocks, ModelUses.Pipelines }
        .ToDictionary(use => use, use => All.Where(e => e.Runs.HasFlag(use)).Select(e => e.Model).ToArray());

    private static readonly Dictionary<ModelUses, ConcurrencyModel[]> DefaultsByUse = new[] { ModelUses.Workloads, ModelUses.ScriptBlocks, ModelUses.Pipelines }
        .ToDictionary(use => use, use => All.Where(e => e.ByDefault.HasFlag(use)).Select(e => e.Model).ToArray());

    /// <summary>Every model, in catalog order.</summary>
    public static IReadOnlyList<ModelEntry> Entries => All;

    /// <summary>The models that run <paramref name="use"/>, in their default order.</summary>
    public static IReadOnlyList<ConcurrencyModel> ModelsThatRun(ModelUses use) =>
        ByUse.TryGetValue(use, out ConcurrencyModel[]? models)
            ? models
            : throw new ArgumentOutOfRangeException(nameof(use), use, "Name one kind of work.");

    /// <summary>The models that run <paramref name="use"/> when -Model is not given, in their default order.</summary>
    public static IReadOnlyList<ConcurrencyModel> DefaultModels(ModelUses use) =>
        DefaultsByUse.TryGetValue(use, out ConcurrencyModel[]? models)
            ? models
            : throw new ArgumentOutOfRangeException(nameof(use), use, "Name one kind of work.");

    /// <summary>Whether <paramref name="model"/> runs <paramref name="use"/>.</summary>
    public static bool Runs(ConcurrencyModel model, ModelUses use) => ModelsThatRun(use).Contains(model);

    /// <summary>
    /// The model named <paramref name="name"/>, ignoring case. Names only: <c>Enum.TryParse</c>
    /// would also take the enum's numbers ("3") and undefined values.
    /// </summary>
    public static bool TryParse(string? name, out ConcurrencyModel model)
    {
        ModelEntry? entry = Array.Find(All, e => string.Equals(e.Model.ToString(), name, StringComparison.OrdinalIgnoreCase));
        model = entry?.Model ?? default;
        return entry is not null;
    }

    /// <summary>The entry of <paramref name="model"/>.</summary>
    public static ModelEntry Of(ConcurrencyModel model) =>
        Array.Find(All, e => e.Model == model) ?? throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' is not a known model.");
}
