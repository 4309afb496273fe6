using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The state every runspace, job or child process starts with before it runs a script block: the
/// modules it imports, the variables it defines and the arguments that follow the item. The same state
/// for every model keeps a comparison fair (<c>$using:</c> does not reach all of them alike).
/// </summary>
public sealed class ScriptBlockState
{
    /// <summary>An empty state: no modules, no variables, no arguments.</summary>
    public static ScriptBlockState Empty { get; } = new();

    /// <summary>Module names or paths to import into every runspace before it runs anything.</summary>
    public IReadOnlyList<string> Modules { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Variables defined in every runspace, by name. In-process runspaces share the very objects given
    /// here (a synchronized hashtable is shared by all); jobs and child processes get serialized copies.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();

    /// <summary>Arguments passed after the item, so the script block sees <c>$args</c> or its <c>param()</c> filled alike.</summary>
    public IReadOnlyList<object?> ArgumentList { get; init; } = Array.Empty<object?>();

    /// <summary>Builds a state from the loosely typed values a cmdlet binds (null means none).</summary>
    public static ScriptBlockState From(IEnumerable<string>? modules, System.Collections.IDictionary? variables, IEnumerable<object?>? argumentList)
    {
        var names = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (variables is not null)
        {
            foreach (System.Collections.DictionaryEntry entry in variables)
            {
                string name = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                if (name.Length == 0)
                {
                    throw new ArgumentException("A variable name must not be empty.", nameof(variables));
                }

                names[name] = Unwrap(entry.Value);
            }
        }

        return new ScriptBlockState
        {
            Modules = modules?.Where(m => !string.IsNullOrWhiteSpace(m)).ToArray() ?? Array.Empty<string>(),
            Variables = names,
            ArgumentList = argumentList?.Select(Unwrap).ToArray() ?? Array.Empty<object?>(),
        };
    }

    /// <summary>
    /// The initial session state of a runspace that holds this state: the default commands, the modules
    /// imported, the variables defined, and a failure to import a module thrown at open rather than ignored.
    /// </summary>
    public InitialSessionState CreateInitialSessionState()
    {
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        iss.ThrowOnRunspaceOpenError = true;
        // One pipeline thread per runspace, kept for its life: no thread is created per invocation.
        iss.ThreadOptions = PSThreadOptions.ReuseThread;
        if (Modules.Count > 0)
        {
            iss.ImportPSModule(Modules.ToArray());
        }

        foreach (KeyValuePair<string, object?> variable in Variables)
        {
            iss.Variables.Add(new SessionStateVariableEntry(variable.Key, variable.Value, string.Empty));
        }

        return iss;
    }

    /// <summary>A value bound from PowerShell may arrive wrapped; the runspaces want the object itself.</summary>
    public static object? Unwrap(object? value) =>
        value is PSObject wrapped && wrapped.BaseObject is not PSCustomObject ? wrapped.BaseObject : value;
}
