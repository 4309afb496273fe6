namespace ConcurrencyTools.Engine.Models;

/// <summary>One model of the <see cref="ModelCatalog"/>: what it runs and how many workers it accepts.</summary>
public sealed class ModelEntry
{
    internal ModelEntry(ConcurrencyModel model, ModelUses runs, int maxWorkers, ModelUses byDefault)
    {
        Model = model;
        Runs = runs;
        MaxWorkers = maxWorkers;
        ByDefault = byDefault & runs;
    }

    /// <summary>The model, as -Model and the Model column name it.</summary>
    public ConcurrencyModel Model { get; }

    /// <summary>The kinds of work it runs.</summary>
    public ModelUses Runs { get; }

    /// <summary>The kinds of work it runs when -Model is not given (a subset of <see cref="Runs"/>).</summary>
    public ModelUses ByDefault { get; }

    /// <summary>The most workers it accepts for a built-in workload; 0 when it runs no workload.</summary>
    public int MaxWorkers { get; }

    /// <summary>The model's name.</summary>
    public override string ToString() => Model.ToString();
}
