using System;
using System.Collections.Generic;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>What one run of a script-block task list under one model measured.</summary>
internal sealed class ScriptBlockRun
{
    public TimeSpan Elapsed { get; set; }

    /// <summary>The set-up part of <see cref="Elapsed"/>, as each model defines it.</summary>
    public TimeSpan? Startup { get; set; }

    /// <summary>CPU time of this process during the run, plus that of the child processes that ran items.</summary>
    public TimeSpan CpuTime { get; set; }

    public RuntimeCounters? Counters { get; set; }

    public long? PeakWorkingSetBytes { get; set; }

    public int? PeakThreadCount { get; set; }

    public List<ScriptTaskRecord> Records { get; } = new();

    /// <summary>Errors of the run itself, not of one item (a job that died, a module that did not import).</summary>
    public List<object> RunErrors { get; } = new();

    /// <summary>Why the run could not happen at all, or stopped short.</summary>
    public Exception? Error { get; set; }

    /// <summary>Why the model was not run here (e.g. its module is not installed); the row says so.</summary>
    public string? Skipped { get; set; }
}
