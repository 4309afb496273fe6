using System;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// The machine columns of a row (Timestamp, MachineName, LogicalCores, Runtime, OS), taken in one place for every
/// row type that has them, so that rows of different cmdlets carry the same facts under the same names and
/// group by machine alike. Each row type keeps its own public properties (its documented columns, in order);
/// they read this stamp.
/// </summary>
internal sealed record MachineStamp(DateTimeOffset Timestamp, string MachineName, int LogicalCores, string Runtime, string OS)
{
    /// <summary>The stamp of a row that was never stamped: empty texts, zero cores, the default time.</summary>
    public static MachineStamp None { get; } = new(default, string.Empty, 0, string.Empty, string.Empty);

    /// <summary>This machine's facts (see <see cref="MachineInfo"/>), with <paramref name="timestamp"/> or now.</summary>
    public static MachineStamp Take(DateTimeOffset? timestamp = null) =>
        new(timestamp ?? DateTimeOffset.Now, MachineInfo.MachineName, MachineInfo.LogicalCores, MachineInfo.Runtime, MachineInfo.OS);
}
