using System;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// One row per task: how it ran, how it ended and what it wrote. Flat columns, a superset of GNU parallel's
/// joblog (Seq, Host = ComputerName, Starttime = StartTime, JobRuntime = DurationMs, Send = StdInBytes,
/// Receive = StdOutBytes, Exitval = ExitCode, Signal, Command = CommandLine), so Export-Csv writes a joblog.
/// Figures that were not measured are empty, never zero.
/// </summary>
public sealed class ProcessTaskResult
{
    internal ProcessTaskResult(ProcessTask task, string computerName)
    {
        Seq = task.Seq;
        Input = task.Input;
        FilePath = task.FilePath;
        Arguments = task.ArgumentsText;
        CommandLine = task.CommandLine;
        ComputerName = computerName;
    }

    /// <summary>The task's number, from 1 in input order.</summary>
    public long Seq { get; }

    /// <summary>The input item as text.</summary>
    public string Input { get; }

    /// <summary>The machine the task ran on, as it was reached: this machine's name, or the remote session's host name.</summary>
    public string ComputerName { get; }

    /// <summary>
    /// The name the machine that ran the task gives itself, from the same place as every other row's MachineName
    /// (see <see cref="MachineStamp"/>), so rows of all cmdlets group by machine alike; a remote host sends its own.
    /// </summary>
    public string MachineName { get; internal set; } = MachineInfo.MachineName;

    /// <summary>The executable.</summary>
    public string FilePath { get; }

    /// <summary>The argument vector as one display string (POSIX shell quoting); the child received the vector itself.</summary>
    public string Arguments { get; }

    /// <summary>The executable and its arguments as one display string.</summary>
    public string CommandLine { get; }

    /// <summary>The pool slot that ran it, from 1; 0 when it did not run.</summary>
    public int Slot { get; internal set; }

    /// <summary>The attempt this row reports, from 1 (above 1 after retries); 0 when it did not run.</summary>
    public int Attempt { get; internal set; }

    /// <summary>The process of the final attempt; empty when none started.</summary>
    public int? ProcessId { get; internal set; }

    /// <summary>When the final attempt started.</summary>
    public DateTimeOffset? StartTime { get; internal set; }

    /// <summary>When the final attempt ended.</summary>
    public DateTimeOffset? EndTime { get; internal set; }

    /// <summary>Milliseconds from the task's arrival at the pool to the start of its first attempt.</summary>
    public double? QueueWaitMs { get; internal set; }

    /// <summary>Milliseconds the final attempt ran, from start until its process had ended and its output was read.</summary>
    public double? DurationMs { get; internal set; }

    /// <summary>User plus system CPU time of the final attempt's process and the descendants it waited for, where measurable.</summary>
    public double? CpuTimeMs { get; internal set; }

    /// <summary>Peak resident set of the final attempt's process, where measurable.</summary>
    public long? PeakWorkingSetBytes { get; internal set; }

    /// <summary>The exit code; 128 plus the signal number when a signal ended the process; empty when it did not run.</summary>
    public int? ExitCode { get; internal set; }

    /// <summary>The signal that ended the process (Unix), or empty.</summary>
    public int? Signal { get; internal set; }

    /// <summary>Whether the final attempt ran out of time and its process tree was killed.</summary>
    public bool TimedOut { get; internal set; }

    /// <summary>Whether the task never started because the pool halted, or because every host it could run on failed.</summary>
    public bool Skipped { get; internal set; }

    /// <summary>Whether the task ran and exited with code 0 in time.</summary>
    public bool Succeeded { get; internal set; }

    /// <summary>Standard output (UTF-8, one final line break removed), at most MaxOutputBytes of it.</summary>
    public string StdOut { get; internal set; } = string.Empty;

    /// <summary>Standard error, as StdOut.</summary>
    public string StdErr { get; internal set; } = string.Empty;

    /// <summary>Bytes written to the process's standard input.</summary>
    public long StdInBytes { get; internal set; }

    /// <summary>Bytes the process wrote to standard output, kept or not.</summary>
    public long StdOutBytes { get; internal set; }

    /// <summary>Bytes the process wrote to standard error, kept or not.</summary>
    public long StdErrBytes { get; internal set; }

    /// <summary>Whether StdOut or StdErr holds less than the process wrote.</summary>
    public bool Truncated { get; internal set; }

    /// <summary>Why the task failed or was skipped; empty when it succeeded.</summary>
    public string? Error { get; internal set; }

    /// <summary>Why the process could not be started, when it could not.</summary>
    internal ChildStartFailure? StartFailure { get; set; }

    /// <summary>Why the process could not be started, or null when it started (or the reason did not travel back from a remote host). A method, so it is no column.</summary>
    public ChildStartFailure? GetStartFailure() => StartFailure;
}
