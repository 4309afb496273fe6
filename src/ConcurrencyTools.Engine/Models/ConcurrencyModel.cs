namespace ConcurrencyTools.Engine.Models;

/// <summary>The execution models: the same names as the -Model parameter and the Model column.</summary>
public enum ConcurrencyModel
{
    /// <summary>One thread, tasks one after another: the baseline (always one worker).</summary>
    Sequential,

    /// <summary>Dedicated OS threads taking tasks from a shared queue.</summary>
    Threads,

    /// <summary>The .NET thread pool with at most Workers tasks in flight, one work item per task; waits block a pool thread.</summary>
    ThreadPool,

    /// <summary>One OS thread running up to Workers tasks as async operations, like Python's asyncio.</summary>
    EventLoop,

    /// <summary>Child processes, each taking tasks from the parent over a pipe.</summary>
    Processes,

    /// <summary>Threads that must hold one global interpreter lock to compute, as in CPython.</summary>
    GilThreads,

    /// <summary>Script blocks only: a pool of Workers runspaces in this process, each taking the next item when free.</summary>
    Runspaces,

    /// <summary>Script blocks only: <c>ForEach-Object -Parallel -ThrottleLimit Workers</c>.</summary>
    ForEachParallel,

    /// <summary>Script blocks only: one <c>Start-ThreadJob -ThrottleLimit Workers</c> per item (needs the ThreadJob module).</summary>
    ThreadJob,

    /// <summary>Script blocks only: one <c>Start-Job</c> (a pwsh process) per item, at most Workers at a time.</summary>
    Jobs,
}
