using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>What one item's run reported, whichever model ran it.</summary>
internal sealed class ScriptTaskRecord
{
    public int Index { get; private init; }

    public int OutputCount { get; private init; }

    public bool Failed { get; private init; }

    /// <summary>ErrorRecords, or their deserialized copies from another process.</summary>
    public IReadOnlyList<object> Errors { get; private init; } = Array.Empty<object>();

    public IReadOnlyList<string> ErrorMessages { get; private init; } = Array.Empty<string>();

    /// <summary>Stopwatch timestamp at which the script block started; null when not recorded.</summary>
    public long? Started { get; private init; }

    /// <summary>Which thread ran it, unique over processes.</summary>
    public string Thread { get; private init; } = string.Empty;

    public int ProcessId { get; private init; }

    public double ProcessCpuMs { get; private init; }

    /// <summary>CPU the item used on the thread that ran it (read on that thread around it); null when not measured.</summary>
    public double? TaskCpuMs { get; private init; }

    /// <summary>The item's wall-clock time (of the user's block alone where it was measured); null when not recorded.</summary>
    public double? WallMs { get; private init; }

    /// <summary>How long the thread running the item waited, runnable, for a core meanwhile; null when not measured.</summary>
    public double? RunWaitMs { get; private init; }

    /// <summary>A result of the engine's own runspaces.</summary>
    public static ScriptTaskRecord From(ScriptTaskResult result) => new()
    {
        Index = result.Index,
        OutputCount = result.Output.Count,
        Failed = result.Failed,
        Errors = result.Errors.Cast<object>().ToArray(),
        ErrorMessages = result.Errors.Select(e => e.ToString()).ToArray(),
        Thread = "runspace " + result.RunspaceIndex.ToString(CultureInfo.InvariantCulture),
        ProcessId = Environment.ProcessId,
        TaskCpuMs = result.TaskCpuMs,
        WallMs = result.TaskWallMs ?? result.Elapsed.TotalMilliseconds,
        RunWaitMs = result.TaskRunWaitMs,
    };

    /// <summary>The record <see cref="ScriptTaskWrapper"/> returned, live or deserialized; null when it is not one.</summary>
    public static ScriptTaskRecord? From(object? value)
    {
        if (value is not PSObject record || record.Properties["Index"] is null || record.Properties["OutputCount"] is null)
        {
            return null;
        }

        int processId = Convert.ToInt32(Read(record, "ProcessId"), CultureInfo.InvariantCulture);
        return new ScriptTaskRecord
        {
            Index = Convert.ToInt32(Read(record, "Index"), CultureInfo.InvariantCulture),
            OutputCount = Convert.ToInt32(Read(record, "OutputCount"), CultureInfo.InvariantCulture),
            Failed = Convert.ToBoolean(Read(record, "Failed"), CultureInfo.InvariantCulture),
            Errors = List(Read(record, "Errors")).Where(e => e is not null).Cast<object>().ToArray(),
            ErrorMessages = List(Read(record, "ErrorMessages")).Select(m => Convert.ToString(m, CultureInfo.InvariantCulture) ?? string.Empty).ToArray(),
            Started = Convert.ToInt64(Read(record, "Started"), CultureInfo.InvariantCulture),
            Thread = processId.ToString(CultureInfo.InvariantCulture) + "/" + Convert.ToString(Read(record, "ThreadId"), CultureInfo.InvariantCulture),
            ProcessId = processId,
            ProcessCpuMs = Convert.ToDouble(Read(record, "ProcessCpuMs"), CultureInfo.InvariantCulture),
            TaskCpuMs = OptionalNumber(Read(record, "TaskCpuMs")),
            WallMs = OptionalNumber(Read(record, "WallMs")),
            RunWaitMs = OptionalNumber(Read(record, "RunWaitMs")),
        };
    }

    private static double? OptionalNumber(object? value) =>
        value is null ? null : Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static object? Read(PSObject record, string name) => ScriptBlockState.Unwrap(record.Properties[name]?.Value);

    private static IEnumerable<object?> List(object? value) => value switch
    {
        null => Array.Empty<object?>(),
        string text => new object?[] { text },
        IEnumerable items => items.Cast<object?>().Select(ScriptBlockState.Unwrap),
        _ => new[] { value },
    };
}
