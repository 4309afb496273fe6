using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>A user's script block and the items it runs on: one task per item, the same list for every model.</summary>
public sealed class ScriptTaskList
{
    /// <summary>Longest TaskSize text; longer scripts are cut and tagged with a hash of the whole text.</summary>
    private const int MaxDescriptionLength = 60;

    /// <summary>Creates a task list.</summary>
    /// <param name="script">The script block's text (its ToString()).</param>
    /// <param name="items">The items; each is passed as <c>$_</c> and as the first argument.</param>
    /// <param name="state">Modules, variables and arguments every model gives the script block.</param>
    public ScriptTaskList(string script, IReadOnlyList<object?> items, ScriptBlockState? state = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            throw new ArgumentException("InputObject must give at least one item: each item is one task.", "InputObject");
        }

        Script = script;
        Items = items;
        State = state ?? ScriptBlockState.Empty;
        TaskSize = Describe(script);
    }

    /// <summary>The script block's text.</summary>
    public string Script { get; }

    /// <summary>The items, one task each.</summary>
    public IReadOnlyList<object?> Items { get; }

    /// <summary>The state every model starts the script block with.</summary>
    public ScriptBlockState State { get; }

    /// <summary>
    /// The script text on one line, as the TaskSize column: different script blocks never group together
    /// in Measure-Speedup, and a long one ends in a hash of its full text.
    /// </summary>
    public string TaskSize { get; }

    private static string Describe(string script)
    {
        string line = Regex.Replace(script.Trim(), @"\s+", " ");
        if (line.Length == 0)
        {
            return "{ }";
        }

        if (line.Length <= MaxDescriptionLength)
        {
            return "{ " + line + " }";
        }

        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(script)))[..8].ToLowerInvariant();
        return "{ " + line[..(MaxDescriptionLength - 12)] + "... #" + hash + " }";
    }
}
