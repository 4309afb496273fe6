using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// What every host of Invoke-ProcessPool -Session applies itself: the time limit, the working directory (resolved
/// on the host), the environment changes, the output limit and whether lines stream. Only what the user set is
/// given: a host's defaults (its home, its environment) are its own. <see cref="ToWire"/> and
/// <see cref="FromWire"/> are the one conversion to and from what crosses the wire.
/// </summary>
public sealed record RemotePoolOptions
{
    /// <summary>Prefix of the wire keys that carry <see cref="Environment"/>, one key a variable.</summary>
    internal const string EnvironmentPrefix = "Environment:";

    /// <summary>Seconds each attempt may run on the host, or null for no limit.</summary>
    public double? TimeoutSeconds { get; init; }

    /// <summary>The tasks' working directory: as the user wrote it before <see cref="WithWorkingDirectory"/> resolves it on the host; null for the host's current location.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to each task's environment (a null value removes one), or null for none.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Bytes kept of each output stream of each task.</summary>
    public int MaxOutputBytes { get; init; } = ProcessPoolOptions.DefaultMaxOutputBytes;

    /// <summary>Whether the host hands back each output line as it arrives.</summary>
    public bool Stream { get; init; }

    /// <summary>The part of <paramref name="options"/> a host applies, with the working directory as the user wrote it (null for the host's).</summary>
    public static RemotePoolOptions From(ProcessPoolOptions options, string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RemotePoolOptions
        {
            TimeoutSeconds = options.Timeout?.TotalSeconds,
            WorkingDirectory = workingDirectory,
            Environment = options.Environment,
            MaxOutputBytes = options.MaxOutputBytes,
            Stream = options.StreamLines,
        };
    }

    /// <summary>These options with the working directory as the host resolved it.</summary>
    public RemotePoolOptions WithWorkingDirectory(string directory) => this with { WorkingDirectory = directory };

    /// <summary>
    /// These options as remoting carries them whole: one flat hashtable of text, numbers and booleans, each environment
    /// variable a key of its own, so that it arrives as it was sent at the shallowest serialization depth. An option
    /// left unset has no key; a variable to remove has a null value.
    /// </summary>
    public Hashtable ToWire()
    {
        var wire = new Hashtable(StringComparer.Ordinal)
        {
            [nameof(MaxOutputBytes)] = MaxOutputBytes,
            [nameof(Stream)] = Stream,
        };
        if (TimeoutSeconds is double seconds)
        {
            wire[nameof(TimeoutSeconds)] = seconds;
        }

        if (WorkingDirectory is not null)
        {
            wire[nameof(WorkingDirectory)] = WorkingDirectory;
        }

        foreach (KeyValuePair<string, string?> variable in Environment ?? new Dictionary<string, string?>())
        {
            wire[EnvironmentPrefix + variable.Key] = variable.Value;
        }

        return wire;
    }

    /// <summary>
    /// The options <see cref="ToWire"/> made, as they arrived. A key this version does not know, or a value of the
    /// wrong type, is an <see cref="ArgumentException"/> that names it: a default in its place would run every task
    /// with options the user did not give.
    /// </summary>
    public static RemotePoolOptions FromWire(IDictionary wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var options = new RemotePoolOptions();
        Dictionary<string, string?>? environment = null;
        foreach (DictionaryEntry entry in wire)
        {
            string key = entry.Key as string ?? throw Malformed(entry.Key, entry.Value, "a text key");
            object? value = entry.Value;
            options = key switch
            {
                nameof(TimeoutSeconds) => options with { TimeoutSeconds = value as double? ?? throw Malformed(key, value, "a number of seconds") },
                nameof(WorkingDirectory) => options with { WorkingDirectory = value as string ?? throw Malformed(key, value, "a path") },
                nameof(MaxOutputBytes) => options with { MaxOutputBytes = value as int? ?? throw Malformed(key, value, "a whole number of bytes") },
                nameof(Stream) => options with { Stream = value as bool? ?? throw Malformed(key, value, "a boolean") },
                _ when key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && key.Length > EnvironmentPrefix.Length => options,
                _ => throw new ArgumentException(
                    $"'{key}' is not an option of a remote process pool; the caller's ConcurrencyTools may differ from this host's.", nameof(wire)),
            };
            if (key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            {
                environment ??= new Dictionary<string, string?>(StringComparer.Ordinal);
                environment[key[EnvironmentPrefix.Length..]] = value is null ? null : value as string ?? throw Malformed(key, value, "text or null");
            }
        }

        return environment is null ? options : options with { Environment = environment };
    }

    /// <summary>The host's pool options: <paramref name="slots"/> tasks at once, with these options.</summary>
    public ProcessPoolOptions ToPoolOptions(int slots)
    {
        var options = new ProcessPoolOptions
        {
            ThrottleLimit = slots,
            Timeout = TimeoutSeconds is double seconds ? TimeSpan.FromSeconds(seconds) : null,
            WorkingDirectory = WorkingDirectory,
            Environment = Environment,
            MaxOutputBytes = MaxOutputBytes,
            StreamLines = Stream,
        };
        options.Validate();
        return options;
    }

    private static ArgumentException Malformed(object key, object? value, string expected) => new(
        string.Create(CultureInfo.InvariantCulture, $"The remote pool option '{key}' is {(value is null ? "null" : $"'{value}' ({value.GetType().Name})")}, not {expected}."),
        "wire");
}
