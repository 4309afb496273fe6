using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>What each configuration's speedup is measured against.</summary>
public sealed class SpeedupBaseline
{
    /// <summary>The name that chooses <see cref="SameModelSingleWorker"/>.</summary>
    public const string SingleWorkerName = "SingleWorker";

    private SpeedupBaseline(string? model)
    {
        Model = model;
    }

    /// <summary>The Sequential rows of the same task list (the default).</summary>
    public static SpeedupBaseline Sequential { get; } = new(nameof(ConcurrencyModel.Sequential));

    /// <summary>Each model against its own rows with one worker.</summary>
    public static SpeedupBaseline SameModelSingleWorker { get; } = new(null);

    /// <summary>The names -Baseline accepts: every model of the catalog, then <c>SingleWorker</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ModelCatalog.Entries.Select(e => e.Model.ToString()).Append(SingleWorkerName).ToArray();

    /// <summary>The baseline model, or null for <see cref="SameModelSingleWorker"/>.</summary>
    public string? Model { get; }

    /// <summary>A model name, or <c>SingleWorker</c>.</summary>
    public static SpeedupBaseline Parse(string name)
    {
        if (string.Equals(name, SingleWorkerName, StringComparison.OrdinalIgnoreCase))
        {
            return SameModelSingleWorker;
        }

        if (ModelCatalog.TryParse(name, out ConcurrencyModel model))
        {
            return new SpeedupBaseline(model.ToString());
        }

        throw new ArgumentOutOfRangeException("Baseline", name, $"Baseline must be a model name or '{SingleWorkerName}'; '{name}' is neither.");
    }

    /// <summary>E.g. <c>Sequential</c> or <c>SingleWorker</c>.</summary>
    public override string ToString() => Model ?? SingleWorkerName;
}
