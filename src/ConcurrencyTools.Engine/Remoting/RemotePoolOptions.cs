using System;
using System.Collections;
using System.Linq;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// The part of a pool's options a host applies itself, as it crosses the wire: only primitives and one hashtable
/// travel, so that remoting carries them whole. Only what the user set is sent: a host's defaults (its home, its
/// environment) are its own.
/// </summary>
internal static class RemotePoolOptions
{
    /// <summary>
    /// The remote pipeline's arguments for <paramref name="options"/>: slots (ThrottleLimit), time limit in seconds
    /// (0 for none), working directory as the user wrote it ("" for the host's), environment (or null), output limit,
    /// and whether lines stream.
    /// </summary>
    public static object?[] ToArguments(ProcessPoolOptions options) =>
    [
        options.ThrottleLimit,
        options.Timeout?.TotalSeconds ?? 0.0,
        options.WorkingDirectory ?? string.Empty,
        options.Environment is null ? null : new Hashtable(options.Environment.ToDictionary(e => e.Key, e => (object?)e.Value)),
        options.MaxOutputBytes,
        options.StreamLines,
    ];

    /// <summary>The host's pool options from the arguments <see cref="ToArguments"/> made, the working directory now resolved there.</summary>
    public static ProcessPoolOptions ForHost(int slots, double timeoutSeconds, string workingDirectory, IDictionary? environment, int maxOutputBytes, bool streamLines) => new()
    {
        ThrottleLimit = slots,
        Timeout = timeoutSeconds > 0 ? TimeSpan.FromSeconds(timeoutSeconds) : null,
        WorkingDirectory = string.IsNullOrEmpty(workingDirectory) ? null : workingDirectory,
        Environment = ProcessTaskBuilder.EnvironmentOf(environment),
        MaxOutputBytes = maxOutputBytes,
        StreamLines = streamLines,
    };
}
