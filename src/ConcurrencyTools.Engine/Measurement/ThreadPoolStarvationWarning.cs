using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// Foresees the ThreadPool model's starvation before a run: a task that blocks in a wait holds a pool
/// thread, and the pool does not count a sleeping thread as starved, so it adds threads only slowly
/// (one Io run of 10,000 workers over 10,000 100 ms waits took 255 s where EventLoop took 0.5 s).
/// That is the lesson the model teaches, but a user should learn it from a warning, not a four-minute wait.
/// </summary>
public static class ThreadPoolStarvationWarning
{
    /// <summary>
    /// The warning for <paramref name="plan"/> given the pool's current thread count, or null when the
    /// plan does not run ThreadPool with blocking waits on more workers than the pool has threads.
    /// </summary>
    public static string? For(MeasurementPlan plan, int poolThreads)
    {
        ArgumentNullException.ThrowIfNull(plan);
        WorkloadSpec workload = plan.Workload;
        int waitMs = workload.Kind switch
        {
            WorkloadKind.Io => workload.DurationMs,
            WorkloadKind.Mixed => workload.MixedDurationMs,
            _ => 0,
        };
        if (waitMs <= 0 || !plan.Models.Contains(ConcurrencyModel.ThreadPool))
        {
            return null;
        }

        int threads = Math.Max(1, poolThreads);
        int workers = plan.Workers.Select(w => Math.Min(w, workload.Tasks)).Max();
        if (workers <= threads)
        {
            return null;
        }

        // Each round of the pool's threads waits once; with the pool as it is now, the waits queue up.
        double expectedMs = Math.Ceiling(workload.Tasks / (double)threads) * waitMs;
        double idealMs = Math.Ceiling(workload.Tasks / (double)workers) * waitMs;
        int runs = plan.Repeat + plan.Warmup;
        string cost = FormattableString.Invariant(
            $"so a run may take about {Seconds(expectedMs)} (waits of {workload.Tasks} tasks queued on {threads} threads) instead of {Seconds(idealMs)}{(runs > 1 ? $", in each of {runs} runs" : string.Empty)}. ");
        return FormattableString.Invariant($"ThreadPool x{workers} with {waitMs} ms blocking waits: each wait holds a pool thread, the pool has {threads} threads now and adds more only slowly, ") +
            cost +
            "EventLoop overlaps the same waits on one thread and Threads starts a thread per worker; the column ThreadPoolThreadsAdded shows how many threads the pool added.";
    }

    /// <summary>The warning for <paramref name="plan"/> given the pool as it is now.</summary>
    public static string? For(MeasurementPlan plan) => For(plan, ThreadPool.ThreadCount);

    private static string Seconds(double milliseconds) =>
        milliseconds >= 1000
            ? FormattableString.Invariant($"{milliseconds / 1000:0.#} s")
            : FormattableString.Invariant($"{milliseconds:0} ms");
}
