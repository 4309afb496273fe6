namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// One run as Measure-Speedup reads it: from a WorkloadMeasurement or a CSV row of one. A run that is
/// not <paramref name="Valid"/> is counted in its configuration's ExcludedRuns, with
/// <paramref name="ExcludedReason"/> saying why.
/// </summary>
public sealed record SpeedupSample(
    string MachineName,
    string Workload,
    int Tasks,
    string TaskSize,
    string Model,
    int Workers,
    int Run,
    double ElapsedMs,
    bool Valid,
    string? ExcludedReason = null);
