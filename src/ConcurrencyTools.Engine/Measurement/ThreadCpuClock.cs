using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

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

    /// <summary>
    /// How long the calling thread has waited, runnable, for a core so far (Linux's /proc/thread-self/schedstat,
    /// second field); 0 where it cannot be read. A thread that wants the CPU but waits for a core is computing
    /// work held up by the machine's load, not waiting for I/O: TaskCpuShare leaves that time out.
    /// </summary>
    public static double RunWaitMs()
    {
        if (!IsThreadTime)
        {
            return 0;
        }

        try
        {
            // One handle per thread, opened by that thread: /proc/thread-self names the opener, and reading it
            // again from offset 0 costs a system call, not an open.
            _schedstat ??= File.OpenHandle("/proc/thread-self/schedstat");
            return ReadRunWaitMs(_schedstat);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The second of the three numbers of a schedstat line (nanoseconds) in milliseconds; 0 when malformed.</summary>
    internal static double ParseRunWaitMs(ReadOnlySpan<byte> line)
    {
        int first = line.IndexOf((byte)' ');
        if (first < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> rest = line[(first + 1)..];
        int second = rest.IndexOf((byte)' ');
        ReadOnlySpan<byte> field = second < 0 ? rest : rest[..second];
        return System.Buffers.Text.Utf8Parser.TryParse(field, out long nanoseconds, out _) ? nanoseconds / 1_000_000.0 : 0;
    }

    /// <summary>The calling thread's CPU time and wait for a core so far, read together.</summary>
    public static ThreadTimes Now() => new(NowMs(), RunWaitMs());

    /// <summary>
    /// The calling thread's id in the OS (what /proc/self/task names it), for <see cref="TryReadThread"/> from another
    /// thread; 0 where it cannot be had (then <see cref="TryReadThread"/> fails).
    /// </summary>
    public static int CurrentThreadId()
    {
        if (!IsThreadTime)
        {
            return 0;
        }

        try
        {
            return gettid();
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Another thread's CPU time and wait for a core so far, read from any thread: its CPU clock (the clock id
    /// glibc's pthread_getcpuclockid gives for it) and /proc/self/task/ID/schedstat. False when the thread is
    /// gone or cannot be read.
    /// </summary>
    public static bool TryReadThread(int threadId, out ThreadTimes times)
    {
        times = default;
        if (threadId <= 0 || !IsThreadTime)
        {
            return false;
        }

        try
        {
            // The kernel's per-thread CPU clock: ~tid << 3, CPUCLOCK_PERTHREAD_MASK (4) | CPUCLOCK_SCHED (2).
            int clockId = (int)(~(uint)threadId << 3) | 6;
            if (!TryRead(clockId, out double cpuMs))
            {
                return false;
            }

            using SafeFileHandle schedstat = File.OpenHandle($"/proc/self/task/{threadId}/schedstat");
            times = new ThreadTimes(cpuMs, ReadRunWaitMs(schedstat));
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Closes the calling thread's schedstat handle; a thread that ends calls it (a pool thread keeps its handle).</summary>
    public static void ReleaseThread()
    {
        _schedstat?.Dispose();
        _schedstat = null;
    }

    [ThreadStatic]
    private static SafeFileHandle? _schedstat;

    private static double ReadRunWaitMs(SafeFileHandle schedstat)
    {
        Span<byte> buffer = stackalloc byte[96];
        int read = RandomAccess.Read(schedstat, buffer, 0);
        return ParseRunWaitMs(buffer[..read]);
    }

    private static bool TryRead(out double ms) => TryRead(ClockThreadCpuTimeId, out ms);

    private static bool TryRead(int clockId, out double ms)
    {
        ms = 0;
        try
        {
            if (clock_gettime(clockId, out TimeSpec time) != 0)
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

    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
