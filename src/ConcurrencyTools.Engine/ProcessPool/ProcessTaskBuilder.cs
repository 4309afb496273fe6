using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Builds Invoke-ProcessPool's tasks from PowerShell items, numbered from 1 in input order: the arguments from
/// an argument template (GNU parallel's replacement strings, see <see cref="ArgumentTemplate"/>) or from a
/// script block, and the standard input from its template. A task whose arguments cannot be built still
/// becomes a task, carrying the error, so that no item goes without a row. Call it on the pipeline thread:
/// the script block runs in the caller's runspace.
/// </summary>
public sealed class ProcessTaskBuilder
{
    private readonly string _filePath;
    private readonly IReadOnlyList<string> _argumentList;
    private readonly ScriptBlock? _scriptBlock;
    private readonly string? _standardInput;
    private readonly Dictionary<long, (Exception Error, string ErrorId)> _unprepared = new();
    private long _seq;

    /// <summary>Creates a builder of tasks that run <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The executable as the runner will start it: a resolved path, or a name looked up on PATH.</param>
    /// <param name="argumentList">The argument templates (ignored when <paramref name="scriptBlock"/> is given).</param>
    /// <param name="scriptBlock">A script block that returns an item's arguments, receiving the item as $_ and as its first argument; or null.</param>
    /// <param name="standardInput">The template of each task's standard input, or null for none.</param>
    public ProcessTaskBuilder(string filePath, IReadOnlyList<string>? argumentList, ScriptBlock? scriptBlock, string? standardInput)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        _filePath = filePath;
        _argumentList = scriptBlock is null ? argumentList ?? Array.Empty<string>() : Array.Empty<string>();
        _scriptBlock = scriptBlock;
        _standardInput = standardInput;
        AppendsItem = scriptBlock is null && !_argumentList.Any(ArgumentTemplate.HasPlaceholder) &&
            !(standardInput is not null && ArgumentTemplate.HasPlaceholder(standardInput));
        // {%}, the slot, is known only when a slot takes the task: such tasks keep their arguments as templates until then.
        SlotTemplated = _argumentList.Any(ArgumentTemplate.HasSlot) || (standardInput is not null && ArgumentTemplate.HasSlot(standardInput));
    }

    /// <summary>Whether no template holds a placeholder, so each item is appended as the last argument (as GNU parallel does).</summary>
    public bool AppendsItem { get; }

    /// <summary>Whether the tasks hold <c>{%}</c>, the slot, and so stay templates until a slot takes them.</summary>
    public bool SlotTemplated { get; }

    /// <summary>
    /// The variables of -Environment as a task's environment changes: names as text, values converted to text as
    /// PowerShell converts them, a null value (removing the variable) kept null. Null when there are none.
    /// </summary>
    public static IReadOnlyDictionary<string, string?>? EnvironmentOf(IDictionary? variables) =>
        variables?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value is null ? null : LanguagePrimitives.ConvertTo<string>(e.Value));

    /// <summary>An item as one argument: a file or directory by its full path, anything else as PowerShell converts it to text.</summary>
    public static string ItemText(object? item) => (item is PSObject wrapped ? wrapped.BaseObject : item) switch
    {
        null => string.Empty,
        FileSystemInfo file => file.FullName,
        _ => LanguagePrimitives.ConvertTo<string>(item) ?? string.Empty,
    };

    /// <summary>
    /// The next task, for <paramref name="item"/>. When its arguments cannot be built (a {Name} the item lacks, a
    /// script block that throws), the task carries the error as <see cref="ProcessTask.PreparationError"/> and
    /// <see cref="TryTakePreparationError"/> gives the exception and its error id.
    /// </summary>
    public ProcessTask Next(PSObject? item)
    {
        long seq = ++_seq;
        string text = ItemText(item);
        try
        {
            string? property(string name) => item?.Properties[name]?.Value is object value ? ItemText(value) : null;
            List<string> arguments;
            if (_scriptBlock is not null)
            {
                arguments = _scriptBlock.InvokeWithContext(null, new List<PSVariable> { new("_", item) }, item)
                    .Where(a => a is not null)
                    .Select(a => SlotTemplated ? ArgumentTemplate.Escape(ItemText(a)) : ItemText(a))
                    .ToList();
            }
            else
            {
                arguments = _argumentList.Select(a => ArgumentTemplate.Expand(a, text, seq, property, SlotTemplated)).ToList();
                if (AppendsItem)
                {
                    arguments.Add(text);
                }
            }

            string? input = _standardInput is null ? null : ArgumentTemplate.Expand(_standardInput, text, seq, property, SlotTemplated);
            return new ProcessTask(seq, text, _filePath, arguments, input) { SlotTemplated = SlotTemplated };
        }
        catch (ArgumentException error)
        {
            return Unprepared(text, seq, error, "TemplatePropertyNotFound");
        }
        catch (RuntimeException error)
        {
            return Unprepared(text, seq, error, "ArgumentScriptBlockFailed");
        }
    }

    /// <summary>The exception and error id of task <paramref name="seq"/> if its arguments could not be built; once per task.</summary>
    public bool TryTakePreparationError(long seq, out Exception error, out string errorId)
    {
        bool found = _unprepared.Remove(seq, out (Exception Error, string ErrorId) unprepared);
        (error, errorId) = found ? unprepared : (null!, string.Empty);
        return found;
    }

    private ProcessTask Unprepared(string text, long seq, Exception error, string errorId)
    {
        _unprepared[seq] = (error, errorId);
        return new ProcessTask(seq, text, _filePath, Array.Empty<string>()) { PreparationError = error.Message };
    }
}
