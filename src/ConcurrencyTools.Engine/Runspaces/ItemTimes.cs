using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The holder the driver fills around the user's script block, and the figures read from it. Slots: 0 the
/// Stopwatch timestamp at the start, 1 and 2 the first two fields of /proc/thread-self/schedstat there (CPU
/// and runnable wait for a core, in nanoseconds), 3 the thread's id; 4 to 6 the same at the end; 7 and 8 the
/// JIT compiler's time on the thread (ticks) at the start and the end; 9 is 1 when slots 1 and 5 are the thread's
/// CPU clock (<see cref="ItemClock"/>) rather than schedstat's first field. A block that throws ends the driver
/// before slots 4 to 8 are written; the caller then reads that thread's clock itself, since a failed item
/// used CPU too. Compiling .NET code for the first time is the runtime warming up, not the item's work (a
/// job's or thread job's item runs in a fresh process or runspace: 25 to 50 ms of JIT for a
/// <c>Start-Sleep -Milliseconds 100</c>, against 2 ms warm), so the JIT's CPU (see <see cref="JitCpuMs"/>) is
/// left out of the item's CPU and wall time; its wait for a core is already in the item's wait for a core.
/// </summary>
internal static class ItemTimes
{
    /// <summary>Slots of the holder.</summary>
    public const int Length = 10;

    /// <summary>The item's CPU, wall time and wait for a core, in milliseconds.</summary>
    public readonly record struct Figures(double CpuMs, double WallMs, double RunWaitMs);

    /// <summary>A holder for one item on Linux, where the thread clock can be read; null elsewhere.</summary>
    public static double[]? Create() => OperatingSystem.IsLinux() ? new double[Length] : null;

    /// <summary>
    /// The figures of a holder the driver filled on another thread of this process, once its pipeline has ended;
    /// null when the block never started.
    /// </summary>
    public static Figures? Read(double[]? holder)
    {
        if (holder is null || holder[0] <= 0)
        {
            return null;
        }

        if (holder[4] <= 0)
        {
            // The block threw: the thread that ran it is idle now, so its clock still holds the item's CPU. The wall
            // clock is read after it, so that any CPU the thread still spent ending the pipeline is inside the wall time.
            string path = string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{(long)holder[3]}/schedstat");
            try
            {
                string[] fields = File.ReadAllText(path).Split(' ');
                holder[5] = double.Parse(fields[0], CultureInfo.InvariantCulture);
                holder[6] = double.Parse(fields[1], CultureInfo.InvariantCulture);
                if (holder[9] > 0)
                {
                    if (!ThreadCpuClock.TryReadThread((int)holder[3], out ThreadTimes times))
                    {
                        return null;
                    }

                    holder[5] = times.CpuMs * 1e6;
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return null;
            }

            holder[4] = Stopwatch.GetTimestamp();
        }

        return Of(holder);
    }

    /// <summary>The figures of a filled holder; the JIT's time counts only where both ends were read (slot 8 set).</summary>
    private static Figures Of(double[] holder)
    {
        double jitMs = holder[8] > 0 ? Math.Max(0, (holder[8] - holder[7]) / TimeSpan.TicksPerMillisecond) : 0;
        double cpuMs = Math.Max(0, (holder[5] - holder[1]) / 1e6);
        double wallMs = (holder[4] - holder[0]) * 1000.0 / Stopwatch.Frequency;
        double runWaitMs = Math.Max(0, (holder[6] - holder[2]) / 1e6);
        double jitCpuMs = JitCpuMs(jitMs, cpuMs, runWaitMs);
        return new Figures(cpuMs - jitCpuMs, wallMs - jitCpuMs, runWaitMs);
    }

    /// <summary>
    /// The JIT compiler's CPU within an item. Its time on the thread is a wall time, spent running or waiting,
    /// runnable, for a core; it is split in the proportion the whole item ran to waited for a core, the only
    /// split the thread's figures give. At most the item's CPU.
    /// </summary>
    internal static double JitCpuMs(double jitMs, double cpuMs, double runWaitMs) =>
        cpuMs > 0 ? Math.Min(cpuMs, jitMs * cpuMs / (cpuMs + runWaitMs)) : 0;
}
