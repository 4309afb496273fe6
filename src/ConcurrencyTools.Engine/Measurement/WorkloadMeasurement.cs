using System;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// One timed run of one configuration (workload, model, workers): a flat row that
/// <c>Export-Csv</c> writes in full and <c>Measure-Speedup</c> reads back.
/// </summary>
public sealed class WorkloadMeasurement
{
    /// <summary>The workload name: Cpu, Io, Mixed, Memory, Recursive, or ScriptBlock.</summary>
    public string Workload { get; internal set; } = string.Empty;

    /// <summary>The execution model name.</summary>
    public string Model { get; internal set; } = string.Empty;

    /// <summary>Workers used (1 for Sequential).</summary>
    public int Workers { get; internal set; }

    /// <summary>Tasks in the task list.</summary>
    public int Tasks { get; internal set; }

    /// <summary>Size of one task, e.g. <c>Iterations=20000000</c> or <c>DurationMs=100</c>.</summary>
    public string TaskSize { get; internal set; } = string.Empty;

    /// <summary>Run number of this configuration, from 1 (warm-up runs are not emitted).</summary>
    public int Run { get; internal set; }

    /// <summary>Wall-clock time of the run in milliseconds, start-up included.</summary>
    public double ElapsedMs { get; internal set; }

    /// <summary>CPU time of the run in milliseconds: this process, plus the children for Processes.</summary>
    public double CpuTimeMs { get; internal set; }

    /// <summary>
    /// CPU of the work itself, in milliseconds: the CPU clock of the thread that ran each task or item, read
    /// on that thread around it, summed over the tasks (EventLoop: its loop thread over the run). Unlike
    /// CpuTimeMs it leaves out PowerShell's compiler, the garbage collector, the sampler and whatever else the
    /// process did. Empty where it is not measured (the Processes model, or no thread clock).
    /// </summary>
    public double? TaskCpuMs { get; internal set; }

    /// <summary>
    /// TaskCpuMs / the tasks' summed wall-clock time: near 1 for work that computes, near 0 for work that
    /// waits. Bound and the Recommendation of Measure-Speedup are judged from it.
    /// </summary>
    public double? TaskCpuShare { get; internal set; }

    /// <summary>CpuTimeMs / (ElapsedMs x LogicalCores): 1 means every core was busy the whole run.</summary>
    public double CpuUtilization { get; internal set; }

    /// <summary>Sum of the task checksums the run produced.</summary>
    public long Checksum { get; internal set; }

    /// <summary>The checksum the task list must produce, computed without running it.</summary>
    public long ExpectedChecksum { get; internal set; }

    /// <summary>True when every task ran exactly once and produced the expected checksum.</summary>
    public bool Verified { get; internal set; }

    /// <summary>Tasks that completed.</summary>
    public int CompletedTasks { get; internal set; }

    /// <summary>Distinct OS threads that ran task code (over all children for Processes).</summary>
    public int ThreadsUsed { get; internal set; }

    /// <summary>
    /// Milliseconds of set-up inside ElapsedMs. Processes: from the first launch until every worker was
    /// ready. Script blocks: opening the runspaces (modules imported) for Sequential and Runspaces, until
    /// every pwsh child was ready for Processes, and until the first item's script block started for
    /// ForEachParallel, ThreadJob and Jobs.
    /// </summary>
    public double? StartupMs { get; internal set; }

    /// <summary>
    /// Processes only: what ran the worker processes. <c>native</c> is the worker compiled ahead of time for
    /// this platform (it starts in milliseconds); <c>dotnet</c> is the framework-dependent worker on a .NET
    /// host and <c>pwsh</c> a pwsh child (both start in tens to hundreds of milliseconds, which StartupMs shows).
    /// </summary>
    public string? WorkerHost { get; internal set; }

    /// <summary>GilThreads only: the switch interval in milliseconds.</summary>
    public double? SwitchIntervalMs { get; internal set; }

    /// <summary>GilThreads only: how many times the interpreter lock was taken.</summary>
    public long? GilSwitches { get; internal set; }

    /// <summary>GilThreads only: how often a holder was made to drop the lock after the switch interval.</summary>
    public long? GilForcedDrops { get; internal set; }

    /// <summary>
    /// Milliseconds the same model and worker count took on empty tasks (measured once per invocation,
    /// after the warm-up): the model's own cost. ElapsedMs is not adjusted by it.
    /// </summary>
    public double? ModelOverheadMs { get; internal set; }

    /// <summary>Monitor lock contentions during the run (process-wide; the workers' own for Processes).</summary>
    public long? LockContentions { get; internal set; }

    /// <summary>Thread-pool work items completed during the run (process-wide; the workers' own for Processes).</summary>
    public long? ThreadPoolCompletedWorkItems { get; internal set; }

    /// <summary>Most OS threads in the pwsh process during the run, sampled every 10 ms (empty for Processes).</summary>
    public int? PeakThreadCount { get; internal set; }

    /// <summary>
    /// Threads the .NET thread pool added during the run beyond those it had at the start, sampled every
    /// 10 ms (empty for Processes). Under ThreadPool with blocking waits it shows how slowly the pool grows.
    /// </summary>
    public int? ThreadPoolThreadsAdded { get; internal set; }

    /// <summary>Generation 0 garbage collections during the run (summed over the workers for Processes).</summary>
    public int? Gen0Collections { get; internal set; }

    /// <summary>Generation 1 garbage collections during the run.</summary>
    public int? Gen1Collections { get; internal set; }

    /// <summary>Generation 2 garbage collections during the run.</summary>
    public int? Gen2Collections { get; internal set; }

    /// <summary>Bytes allocated on the managed heap during the run.</summary>
    public long? AllocatedBytes { get; internal set; }

    /// <summary>Peak working set in bytes: of the pwsh process (sampled every 10 ms), or of the largest worker for Processes.</summary>
    public long? PeakWorkingSetBytes { get; internal set; }

    /// <summary>The garbage collector of the process that ran the tasks, e.g. <c>Workstation/Concurrent</c>.</summary>
    public string? GcMode { get; internal set; }

    /// <summary>Script blocks only: objects the script block wrote to its output, over all items.</summary>
    public int? OutputCount { get; internal set; }

    /// <summary>Script blocks only: errors the script block wrote or threw, over all items.</summary>
    public int? ErrorCount { get; internal set; }

    /// <summary>Script blocks only: the message of the first of those errors.</summary>
    public string? FirstError { get; internal set; }

    /// <summary>
    /// Script blocks only: the errors themselves (ErrorRecords; deserialized ones for Jobs and Processes),
    /// in item order. Left out of the default view; Export-Csv cannot write them usefully.
    /// </summary>
    public object[]? ErrorRecords { get; internal set; }

    /// <summary>The failure of the run, or null. A failed run is still a row.</summary>
    public string? Error { get; internal set; }

    /// <summary>The machine columns below, taken once for the row (see <see cref="MachineStamp"/>).</summary>
    internal MachineStamp Machine { get; set; } = MachineStamp.None;

    /// <summary>When the run started.</summary>
    public DateTimeOffset Timestamp => Machine.Timestamp;

    /// <summary>The machine that ran it.</summary>
    public string MachineName => Machine.MachineName;

    /// <summary>Logical processors of the machine.</summary>
    public int LogicalCores => Machine.LogicalCores;

    /// <summary>The .NET runtime that ran it, e.g. <c>.NET 10.0.0</c>.</summary>
    public string Runtime => Machine.Runtime;

    /// <summary>The operating system.</summary>
    public string OS => Machine.OS;
}
