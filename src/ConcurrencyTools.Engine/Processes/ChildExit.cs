using System;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>How a child process ended. Figures the platform cannot give are null, never a made-up zero.</summary>
/// <param name="ExitCode">The exit code; for a process ended by a signal, 128 plus the signal number, as a shell reports it.</param>
/// <param name="Signal">The signal that ended the process (Unix), or null.</param>
/// <param name="CpuTime">User plus system CPU time of the child and the descendants it waited for, when known.</param>
/// <param name="PeakWorkingSetBytes">The child's peak resident set, when known.</param>
internal readonly record struct ChildExit(int? ExitCode, int? Signal, TimeSpan? CpuTime, long? PeakWorkingSetBytes)
{
    /// <summary>Decodes a wait status as returned by wait4.</summary>
    public static ChildExit FromWaitStatus(int status, TimeSpan? cpuTime, long? peakWorkingSetBytes)
    {
        int signal = status & 0x7f;
        return signal == 0
            ? new ChildExit((status >> 8) & 0xff, null, cpuTime, peakWorkingSetBytes)
            : new ChildExit(128 + signal, signal, cpuTime, peakWorkingSetBytes);
    }
}
