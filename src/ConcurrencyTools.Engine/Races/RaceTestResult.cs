using System;
using System.Collections.Generic;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// The trials of one scenario under one strategy: a flat row that <c>Export-Csv</c> writes in full. The
/// histogram of outcomes is kept apart, behind <see cref="GetOutcomes"/> (the module shows it as the
/// hidden <c>Outcomes</c> property), so that CSV columns stay scalar.
/// </summary>
public sealed class RaceTestResult
{
    private IReadOnlyList<RaceOutcome> _outcomes = Array.Empty<RaceOutcome>();

    /// <summary>The scenario: Counter, CheckThenAct, Transfer, or ScriptBlock.</summary>
    public string Scenario { get; internal set; } = string.Empty;

    /// <summary>The strategy: None, Volatile, Interlocked, Lock, ...; for a script block, the label given.</summary>
    public string Strategy { get; internal set; } = string.Empty;

    /// <summary>Threads (or runspaces) released together in each trial.</summary>
    public int Threads { get; internal set; }

    /// <summary>Operations of one trial, all threads together.</summary>
    public long Operations { get; internal set; }

    /// <summary>Measured trials that finished (a trial that ran out of time is counted in TrialsTimedOut instead).</summary>
    public int Trials { get; internal set; }

    /// <summary>The gap between read and write: None, Yield, SpinWait or Sleep.</summary>
    public string RaceWindow { get; internal set; } = string.Empty;

    /// <summary>The value every trial should end with: the final counter, the number of keys, or the total of the accounts.</summary>
    public long Expected { get; internal set; }

    /// <summary>The smallest observed value over the trials.</summary>
    public long MinObserved { get; internal set; }

    /// <summary>The largest observed value over the trials.</summary>
    public long MaxObserved { get; internal set; }

    /// <summary>The mean observed value over the trials.</summary>
    public double MeanObserved { get; internal set; }

    /// <summary>Trials whose outcome is forbidden: a wrong value, a broken invariant or a torn read. A thrown exception alone is not one (see TrialsWithException).</summary>
    public int TrialsWithViolation { get; internal set; }

    /// <summary>TrialsWithViolation / Trials, 0 to 1.</summary>
    public double ViolationRate { get; internal set; }

    /// <summary>Mean per trial of |Expected - Observed|: increments lost, keys added twice, or units lost or made.</summary>
    public double MeanLostUpdates { get; internal set; }

    /// <summary>Transfer: mean per trial of audits that saw the accounts mid-transfer (a total other than Expected). Empty for other scenarios.</summary>
    public double? MeanTornReads { get; internal set; }

    /// <summary>Exceptions thrown (or errors written) by the threads over all trials: a non-thread-safe collection corrupted by concurrent writes, or code that fails.</summary>
    public long Exceptions { get; internal set; }

    /// <summary>Trials in which at least one thread threw, whatever their value: counted apart from TrialsWithViolation, since an exception is not by itself a race.</summary>
    public int TrialsWithException { get; internal set; }

    /// <summary>Trials that ran out of time (-TimeoutSeconds of a script block) and were abandoned; they are not among Trials.</summary>
    public int TrialsTimedOut { get; internal set; }

    /// <summary>The first exception's type and message, or empty.</summary>
    public string? FirstError { get; internal set; }

    /// <summary>
    /// Wall-clock nanoseconds per operation: from the first thread's start to the last thread's end of each
    /// trial, summed, divided by all operations. The price of the strategy, waiting included.
    /// </summary>
    public double NsPerOperation { get; internal set; }

    /// <summary>Milliseconds the measured trials took, thread hand-off included.</summary>
    public double ElapsedMs { get; internal set; }

    /// <summary>RaceDetected (a forbidden outcome), ExceptionThrown (no forbidden outcome, but threads threw), TimedOut (neither, but trials ran out of time) or NoRaceObserved. Never "safe": absence of evidence is not proof.</summary>
    public string Verdict { get; internal set; } = string.Empty;

    /// <summary>The seed of the run's random choices; pass it to -Seed to repeat them.</summary>
    public int Seed { get; internal set; }

    /// <summary>The machine columns below, taken once for the row (see <see cref="MachineStamp"/>).</summary>
    internal MachineStamp Machine { get; set; } = MachineStamp.None;

    /// <summary>When the trials started.</summary>
    public DateTimeOffset Timestamp => Machine.Timestamp;

    /// <summary>The machine that ran them.</summary>
    public string MachineName => Machine.MachineName;

    /// <summary>Logical processors of the machine.</summary>
    public int LogicalCores => Machine.LogicalCores;

    /// <summary>The .NET runtime.</summary>
    public string Runtime => Machine.Runtime;

    /// <summary>The histogram of outcomes, most frequent first: count, frequency, Acceptable, Forbidden or Exception.</summary>
    public IReadOnlyList<RaceOutcome> GetOutcomes() => _outcomes;

    internal void SetOutcomes(IReadOnlyList<RaceOutcome> outcomes) => _outcomes = outcomes;
}
