namespace ConcurrencyTools.Engine.Measurement;

/// <summary>Reported before each run starts.</summary>
public sealed record MeasurementProgress(
    MeasurementConfiguration Configuration,
    bool IsWarmup,
    int Round,
    int RunsDone,
    int TotalRuns)
{
    /// <summary>Share of the runs done, 0 to 100.</summary>
    public int PercentComplete => TotalRuns == 0 ? 100 : (int)(100L * RunsDone / TotalRuns);

    /// <summary>A line for -Verbose.</summary>
    public string Describe() => IsWarmup
        ? $"Warm-up {Round}: {Configuration}"
        : $"Run {Round}: {Configuration}";
}
