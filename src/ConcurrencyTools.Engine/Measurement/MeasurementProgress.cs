namespace ConcurrencyTools.Engine.Measurement;

/// <summary>What a run is for.</summary>
public enum MeasurementPhase
{
    /// <summary>An unreported warm-up run.</summary>
    Warmup,

    /// <summary>A run on empty tasks that measures the model's own overhead.</summary>
    Overhead,

    /// <summary>A measured, reported run.</summary>
    Run,
}

/// <summary>Reported before each run starts; <paramref name="Configuration"/> is the sweep's own configuration type, shown by its ToString.</summary>
public sealed record MeasurementProgress(
    object Configuration,
    MeasurementPhase Phase,
    int Round,
    int RunsDone,
    int TotalRuns)
{
    /// <summary>Share of the runs done, 0 to 100.</summary>
    public int PercentComplete => TotalRuns == 0 ? 100 : (int)(100L * RunsDone / TotalRuns);

    /// <summary>A line for -Verbose.</summary>
    public string Describe() => Phase switch
    {
        MeasurementPhase.Warmup => $"Warm-up {Round}: {Configuration}",
        MeasurementPhase.Overhead => $"Overhead on empty tasks: {Configuration}",
        _ => $"Run {Round}: {Configuration}",
    };
}
