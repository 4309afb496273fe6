using System;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>Where a pool stands: counts as far as input has arrived (the input is never buffered to count it).</summary>
public sealed class ProcessPoolProgress
{
    internal ProcessPoolProgress(long arrived, long completed, int running, long failed, long skipped, bool inputComplete, TimeSpan elapsed)
    {
        Arrived = arrived;
        Completed = completed;
        Running = running;
        Failed = failed;
        Skipped = skipped;
        InputComplete = inputComplete;
        Elapsed = elapsed;
    }

    /// <summary>Tasks handed to the pool so far.</summary>
    public long Arrived { get; }

    /// <summary>Rows ready (ran, failed or skipped).</summary>
    public long Completed { get; }

    /// <summary>Tasks running now.</summary>
    public int Running { get; }

    /// <summary>Tasks that ran and failed.</summary>
    public long Failed { get; }

    /// <summary>Tasks skipped because the pool halted.</summary>
    public long Skipped { get; }

    /// <summary>Whether all input has arrived, so the total is known.</summary>
    public bool InputComplete { get; }

    /// <summary>Time since the pool started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Completed as a percentage of the tasks arrived so far.</summary>
    public int PercentComplete => Arrived == 0 ? 0 : (int)Math.Min(100, Completed * 100 / Arrived);

    /// <summary>Time left at the pace so far, once the total is known; null before.</summary>
    public TimeSpan? EstimatedRemaining =>
        InputComplete && Completed > 0 ? TimeSpan.FromTicks((long)(Elapsed.Ticks * (double)(Arrived - Completed) / Completed)) : null;

    /// <summary>A one-line description for progress and verbose output.</summary>
    public string Describe() =>
        $"{Completed} of {Arrived}{(InputComplete ? string.Empty : "+")} done, {Running} running, {Failed} failed" +
        (Skipped > 0 ? $", {Skipped} skipped" : string.Empty);
}
