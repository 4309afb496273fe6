using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>What one invocation of a script block in one runspace produced: its output and its errors, never lost.</summary>
public sealed class ScriptTaskResult
{
    internal ScriptTaskResult(int index, object? input, int runspaceIndex, IReadOnlyList<PSObject> output, IReadOnlyList<ErrorRecord> errors, bool failed, TimeSpan elapsed)
    {
        Index = index;
        Input = input;
        RunspaceIndex = runspaceIndex;
        Output = output;
        Errors = errors;
        Failed = failed;
        Elapsed = elapsed;
    }

    /// <summary>The item's position in the list given (for a run on every runspace at once, the runspace's).</summary>
    public int Index { get; }

    /// <summary>The item, passed to the script block as <c>$_</c> and as its first argument.</summary>
    public object? Input { get; }

    /// <summary>The runspace (0-based) that ran it.</summary>
    public int RunspaceIndex { get; }

    /// <summary>Everything the script block wrote to its output.</summary>
    public IReadOnlyList<PSObject> Output { get; }

    /// <summary>Its non-terminating errors in order, then the terminating one if it failed.</summary>
    public IReadOnlyList<ErrorRecord> Errors { get; }

    /// <summary>True when the script block stopped with a terminating error (the last of <see cref="Errors"/>).</summary>
    public bool Failed { get; }

    /// <summary>Time from handing the item to the runspace until its invocation returned.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>CPU the script block used on the thread that ran it, in milliseconds (Linux), a block that threw included; null when not measured.</summary>
    public double? TaskCpuMs { get; internal init; }

    /// <summary>Wall-clock time of the script block alone, in milliseconds; null when not measured.</summary>
    public double? TaskWallMs { get; internal init; }

    /// <summary>How long the thread running the block waited, runnable, for a core meanwhile, in milliseconds; null when not measured.</summary>
    public double? TaskRunWaitMs { get; internal init; }
}
