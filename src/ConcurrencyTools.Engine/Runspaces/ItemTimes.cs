using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The holder the driver fills around the user's script block, and the figures read from it. Slots: 0 the
/// Stopwatch timestamp at the start, 1 and 2 the first two fields of /proc/thread-self/schedstat there (CPU
/// and runnable wait for a core, in nanoseconds), 3 the thread's id; 4 to 6 the same at the end. A block
/// that throws ends the driver before slots 4 to 6 are written; the caller then reads that thread's clock
/// itself, since a failed item used CPU too.
/// </summary>
internal static class ItemTimes
{
    /// <summary>Slots of the holder.</summary>
    public const int Length = 7;

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
            // The block threw: the thread that ran it is idle now, so its clock still holds the item's CPU.
            holder[4] = Stopwatch.GetTimestamp();
            string path = string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{(long)holder[3]}/schedstat");
            try
            {
                string[] fields = File.ReadAllText(path).Split(' ');
                holder[5] = double.Parse(fields[0], CultureInfo.InvariantCulture);
                holder[6] = double.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return null;
            }
        }

        return new Figures(
            (holder[5] - holder[1]) / 1e6,
            (holder[4] - holder[0]) * 1000.0 / Stopwatch.Frequency,
            (holder[6] - holder[2]) / 1e6);
    }
}
