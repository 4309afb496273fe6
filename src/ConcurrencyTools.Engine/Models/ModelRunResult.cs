using System;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Models;

/// <summary>What one execution of a task list under one model measured.</summary>
public sealed class ModelRunResult
{
    /// <summary>Wall-clock time of the run, start-up included; for Processes, until every worker has exited and been reaped.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>CPU time used by this process during the run, plus that of child processes.</summary>
    public TimeSpan CpuTime { get; internal set; }

    /// <summary>
    /// CPU of the work itself: the thread clock of each thread that ran tasks, read before its first task and
    /// after its last (for EventLoop, the loop thread's over the run; for Processes, each worker's task thread
    /// around each task, as the worker reports it), failed tasks included; null when not measured.
    /// </summary>
    public TimeSpan? TaskCpu { get; internal set; }

    /// <summary>The tasks' wall-clock times, summed (start to end of each task).</summary>
    public TimeSpan? TaskWall { get; internal set; }

    /// <summary>How long the threads running the tasks waited, runnable, for a core during them (0 where not measured).</summary>
    public TimeSpan? TaskRunWait { get; internal set; }

    /// <summary>How many times the run read a thread's CPU clock and wait for a core (in-process models): a few per thread, not two per task.</summary>
    internal int ThreadClockReadings { get; set; }

    /// <summary>Sum of the task checksums.</summary>
    public long Checksum { get; internal set; }

    /// <summary>Number of tasks that completed.</summary>
    public int CompletedTasks { get; internal set; }

    /// <summary>Distinct OS threads that ran task code (summed over processes for Processes).</summary>
    public int ThreadsUsed { get; internal set; }

    /// <summary>Time to start the child processes until all were ready (Processes only).</summary>
    public TimeSpan? Startup { get; internal set; }

    /// <summary>What ran the worker processes: <c>native</c>, <c>dotnet</c> or <c>pwsh</c> (Processes only).</summary>
    public string? WorkerHost { get; internal set; }

    /// <summary>How often the interpreter lock changed hands (GilThreads only).</summary>
    public long? GilSwitches { get; internal set; }

    /// <summary>How often a holder was asked to drop the lock after the switch interval (GilThreads only).</summary>
    public long? GilForcedDrops { get; internal set; }

    /// <summary>Most task threads ever seen computing at once under the interpreter lock (GilThreads only; 1 when the lock works).</summary>
    public int? GilMaxConcurrent { get; internal set; }

    /// <summary>CPU work seen outside the lock or beside another holder (GilThreads only; 0 when the lock works).</summary>
    public long? GilViolations { get; internal set; }

    /// <summary>
    /// The runtime's counters over the run: of this process for the in-process models, of the worker
    /// processes (from their first task on) for Processes.
    /// </summary>
    public RuntimeCounters? Counters { get; internal set; }

    /// <summary>Peak working set in bytes: sampled in this process, or the largest child's peak for Processes.</summary>
    public long? PeakWorkingSetBytes { get; internal set; }

    /// <summary>Most OS threads seen in this process during the run (null for Processes).</summary>
    public int? PeakThreadCount { get; internal set; }

    /// <summary>Threads the .NET thread pool added during the run, beyond those it had at the start (null for Processes).</summary>
    public int? ThreadPoolThreadsAdded { get; internal set; }

    /// <summary>The garbage collector of the process that ran the tasks.</summary>
    public string? GcMode { get; internal set; }

    /// <summary>The failure of the run, if a task failed.</summary>
    public Exception? Error { get; internal set; }
}
