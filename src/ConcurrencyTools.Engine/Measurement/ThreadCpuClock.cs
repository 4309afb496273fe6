using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// CPU time of the calling thread, in milliseconds: what a piece of work costs whatever else the machine
/// runs meanwhile (a wall clock on a loaded machine counts the time other processes had the core).
/// Where the thread clock cannot be read, it falls back to the wall clock.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Whether <see cref="NowMs"/> reads the thread's CPU time rather than the wall clock.</summary>
    public static bool IsThreadTime { get; } = OperatingSystem.IsLinux() && TryRead(out _);

    /// <summary>The thread's CPU time so far (or the wall clock; see <see cref="IsThreadTime"/>).</summary>
    public static double NowMs() =>
        IsThreadTime && TryRead(out double ms) ? ms : Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;

    private static bool TryRead(out double ms)
    {
        ms = 0;
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
            {
                return false;
            }

            ms = (time.Seconds * 1000.0) + (time.Nanoseconds / 1_000_000.0);
            return true;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
