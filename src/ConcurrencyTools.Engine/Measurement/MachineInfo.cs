using System;
using System.Runtime.InteropServices;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>Facts about the machine and runtime, stamped on every row.</summary>
public static class MachineInfo
{
    /// <summary>Machine name.</summary>
    public static string MachineName { get; } = Environment.MachineName;

    /// <summary>Logical processors available to this process.</summary>
    public static int LogicalCores { get; } = Environment.ProcessorCount;

    /// <summary>E.g. <c>.NET 10.0.0</c>.</summary>
    public static string Runtime { get; } = RuntimeInformation.FrameworkDescription;

    /// <summary>E.g. <c>Debian GNU/Linux 12 (bookworm) X64</c>.</summary>
    public static string OS { get; } = $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}";
}
