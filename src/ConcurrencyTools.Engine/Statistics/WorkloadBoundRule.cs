using System;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The rule behind <see cref="WorkloadBound"/>. From the work's own CPU when the rows carry it: TaskCpuShare,
/// the CPU of the threads that ran the tasks over the time they could have run (their summed wall time less
/// the time they waited, runnable, for a core), so a computing task stays near 1 however many workers share
/// the cores and however busy the machine is, and a waiting task stays near 0 with any number of workers.
/// For rows without it, from the process: CPU per busy worker = CpuTimeMs / (ElapsedMs x min(Workers,
/// LogicalCores)), which also counts PowerShell's compiler, the garbage collector and the sampler (180 to
/// 520 ms for 600 ms of sleeping). At least <see cref="CpuBoundAt"/> is CpuBound, at most
/// <see cref="IoBoundAt"/> is IoBound, in between Mixed.
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

    /// <summary>A run's TaskCpuShare as the rule uses it (at most 1); null when it is missing, negative or not a number.</summary>
    public static double? TaskCpuShare(double? taskCpuShare) =>
        taskCpuShare is { } share && share >= 0 && double.IsFinite(share) ? Math.Min(1, share) : null;

    /// <summary>The bound for a CPU per busy worker.</summary>
    public static WorkloadBound Classify(double cpuPerWorker) =>
        cpuPerWorker >= CpuBoundAt ? WorkloadBound.CpuBound
        : cpuPerWorker <= IoBoundAt ? WorkloadBound.IoBound
        : WorkloadBound.Mixed;
}
