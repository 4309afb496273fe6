using System;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The rule behind <see cref="WorkloadBound"/>: CPU per busy worker = CpuTimeMs / (ElapsedMs x
/// min(Workers, LogicalCores)), the share of the run each worker that could hold a core spent computing.
/// At least <see cref="CpuBoundAt"/> is CpuBound, at most <see cref="IoBoundAt"/> is IoBound, in between Mixed.
/// </summary>
public static class WorkloadBoundRule
{
    /// <summary>CPU per busy worker from which a run counts as CPU-bound.</summary>
    public const double CpuBoundAt = 0.6;

    /// <summary>CPU per busy worker up to which a run counts as I/O-bound.</summary>
    public const double IoBoundAt = 0.25;

    /// <summary>CPU per busy worker of one run; null when a figure is missing or not positive.</summary>
    public static double? CpuPerWorker(double? cpuTimeMs, double elapsedMs, int workers, int? logicalCores)
    {
        if (cpuTimeMs is not { } cpu || !(cpu >= 0) || !(elapsedMs > 0) || workers < 1 || logicalCores is not > 0)
        {
            return null;
        }

        return cpu / (elapsedMs * Math.Min(workers, logicalCores.Value));
    }

    /// <summary>The bound for a CPU per busy worker.</summary>
    public static WorkloadBound Classify(double cpuPerWorker) =>
        cpuPerWorker >= CpuBoundAt ? WorkloadBound.CpuBound
        : cpuPerWorker <= IoBoundAt ? WorkloadBound.IoBound
        : WorkloadBound.Mixed;
}
