using System;
using System.Collections.Generic;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>How a <see cref="BoundedProcessPool"/> runs its tasks.</summary>
public sealed class ProcessPoolOptions
{
    /// <summary>Upper bound on <see cref="ThrottleLimit"/>.</summary>
    public const int MaxThrottleLimit = 1024;

    /// <summary>Upper bound on <see cref="RetryCount"/>.</summary>
    public const int MaxRetryCount = 100;

    /// <summary>Default <see cref="MaxOutputBytes"/>: 1 MiB per stream per task.</summary>
    public const int DefaultMaxOutputBytes = 1024 * 1024;

    /// <summary>Tasks run at once; the number of logical processors by default.</summary>
    public int ThrottleLimit { get; init; } = System.Environment.ProcessorCount;

    /// <summary>Time limit of each attempt; its whole process tree is killed when it runs out. Null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Further attempts of a task that failed (not of one that could not start).</summary>
    public int RetryCount { get; init; }

    /// <summary>Emit rows in input order (buffering what finished early, at most <see cref="ReorderWindow"/> tasks), not as they finish.</summary>
    public bool KeepOrder { get; init; }

    /// <summary>Most tasks taken but not yet emitted under <see cref="KeepOrder"/>; 0 chooses 16 per slot, at least 256.</summary>
    public int ReorderWindow { get; init; }

    /// <summary>When to stop starting tasks, or null to run them all.</summary>
    public HaltPolicy? HaltAfter { get; init; }

    /// <summary>The children's working directory; null for this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to the children's environment (a null value removes one).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Bytes kept of each output stream of each task; the rest is counted and the row marked Truncated.</summary>
    public int MaxOutputBytes { get; init; } = DefaultMaxOutputBytes;

    /// <summary>Hand over each output line as it arrives, besides capturing it.</summary>
    public bool StreamLines { get; init; }

    /// <summary>With <see cref="StreamLines"/>, the longest line handed over whole: a longer one comes in pieces of this many characters.</summary>
    public int MaxLineChars { get; init; } = Processes.OutputCapture.DefaultMaxLineChars;

    /// <summary>With <see cref="StreamLines"/>, lines (or pieces) waiting to be taken before the tasks that write them wait too.</summary>
    public int LineQueueCapacity { get; init; } = 256;

    internal void Validate()
    {
        ArgumentRange.Check(nameof(ThrottleLimit), ThrottleLimit, 1, MaxThrottleLimit);
        ArgumentRange.Check(nameof(RetryCount), RetryCount, 0, MaxRetryCount);
        ArgumentRange.Check(nameof(MaxOutputBytes), MaxOutputBytes, 0, int.MaxValue);
        ArgumentRange.Check(nameof(ReorderWindow), ReorderWindow, 0, int.MaxValue);
        ArgumentRange.Check(nameof(MaxLineChars), MaxLineChars, 1, int.MaxValue);
        ArgumentRange.Check(nameof(LineQueueCapacity), LineQueueCapacity, 1, int.MaxValue);
        if (Timeout is TimeSpan limit)
        {
            ArgumentRange.Check("TimeoutSeconds", limit.TotalSeconds, 0.001, TimeSpan.FromDays(7).TotalSeconds);
        }
    }
}
