using System;
using System.Globalization;
using System.Runtime;
using System.Linq;
using System.Threading;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// A snapshot of the .NET runtime's own counters for this process; the difference of two snapshots is
/// what a run cost. All of them are process-wide: whatever else the process does meanwhile counts too.
/// </summary>
public readonly record struct RuntimeCounters(
    long LockContentions,
    long ThreadPoolCompletedWorkItems,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    long AllocatedBytes)
{
    /// <summary>The counters now.</summary>
    public static RuntimeCounters Capture() => new(
        Monitor.LockContentionCount,
        ThreadPool.CompletedWorkItemCount,
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalAllocatedBytes(precise: true));

    /// <summary>The garbage collector this process runs, e.g. <c>Workstation/Concurrent</c>.</summary>
    public static string GcMode { get; } =
        (GCSettings.IsServerGC ? "Server" : "Workstation") + "/" +
        (AppContext.GetData("System.GC.Concurrent") is bool concurrent && !concurrent ? "NonConcurrent" : "Concurrent");

    /// <summary>What happened between <paramref name="before"/> and this snapshot.</summary>
    public RuntimeCounters Since(RuntimeCounters before) => new(
        LockContentions - before.LockContentions,
        ThreadPoolCompletedWorkItems - before.ThreadPoolCompletedWorkItems,
        Gen0Collections - before.Gen0Collections,
        Gen1Collections - before.Gen1Collections,
        Gen2Collections - before.Gen2Collections,
        AllocatedBytes - before.AllocatedBytes);

    /// <summary>Counters of several processes added up.</summary>
    public RuntimeCounters Add(RuntimeCounters other) => new(
        LockContentions + other.LockContentions,
        ThreadPoolCompletedWorkItems + other.ThreadPoolCompletedWorkItems,
        Gen0Collections + other.Gen0Collections,
        Gen1Collections + other.Gen1Collections,
        Gen2Collections + other.Gen2Collections,
        AllocatedBytes + other.AllocatedBytes);

    /// <summary>Space-separated, for the worker protocol.</summary>
    public string ToWire() => string.Join(' ', new[] { LockContentions, ThreadPoolCompletedWorkItems, Gen0Collections, Gen1Collections, Gen2Collections, AllocatedBytes }
        .Select(v => v.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Reads six numbers written by <see cref="ToWire"/>.</summary>
    public static RuntimeCounters FromWire(string[] parts)
    {
        if (parts.Length != 6)
        {
            throw new FormatException($"Expected 6 counters, got {parts.Length}.");
        }

        long[] v = parts.Select(p => long.Parse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToArray();
        return new(v[0], v[1], (int)v[2], (int)v[3], (int)v[4], v[5]);
    }
}
