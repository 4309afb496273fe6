using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>One command the pool runs: an executable, its argument vector (never parsed by a shell) and optional standard input.</summary>
public sealed class ProcessTask
{
    private static readonly Regex PlainArgument = new(@"\A[A-Za-z0-9_@%+=:,./-]+\z", RegexOptions.CultureInvariant);

    /// <summary>Creates a task.</summary>
    /// <param name="seq">The task's number, from 1 in input order.</param>
    /// <param name="input">The input item as text.</param>
    /// <param name="filePath">A path, or a name looked up on PATH.</param>
    /// <param name="arguments">The argument vector, passed to the child as it is.</param>
    /// <param name="standardInput">Text written to the child's standard input, or null for none (end-of-file at once).</param>
    public ProcessTask(long seq, string input, string filePath, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        Seq = seq;
        Input = input ?? string.Empty;
        FilePath = filePath;
        Arguments = arguments?.ToArray() ?? throw new ArgumentNullException(nameof(arguments));
        StandardInput = standardInput;
    }

    /// <summary>The task's number, from 1 in input order.</summary>
    public long Seq { get; }

    /// <summary>The input item as text.</summary>
    public string Input { get; }

    /// <summary>The executable.</summary>
    public string FilePath { get; }

    /// <summary>The argument vector.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Text fed to the child's standard input, or null.</summary>
    public string? StandardInput { get; }

    /// <summary>
    /// Why the task could not be prepared (its arguments could not be built from the item), or null. The pool runs
    /// no process for such a task; its row carries this error, so no input item goes without a row.
    /// </summary>
    public string? PreparationError { get; init; }

    /// <summary>
    /// Whether <see cref="Arguments"/> and <see cref="StandardInput"/> are still templates holding <c>{%}</c>, the slot,
    /// which only the pool knows when a slot takes the task (see <see cref="ArgumentTemplate.Expand"/>).
    /// </summary>
    public bool SlotTemplated { get; init; }

    /// <summary>The task as the given slot runs it: <c>{%}</c> replaced by the slot's number; the task itself when it has none.</summary>
    public ProcessTask ForSlot(int slot) => ForSlot(slot.ToString(CultureInfo.InvariantCulture));

    /// <summary>The command line as it will run, with <c>{%}</c> standing where the slot's number will be (for a dry run).</summary>
    public string PlannedCommandLine => ForSlot(ArgumentTemplate.SlotPlaceholder).CommandLine;

    private ProcessTask ForSlot(string slot) => !SlotTemplated ? this : new ProcessTask(
        Seq,
        Input,
        FilePath,
        Arguments.Select(argument => ArgumentTemplate.ExpandSlot(argument, slot)).ToArray(),
        StandardInput is null ? null : ArgumentTemplate.ExpandSlot(StandardInput, slot))
    {
        PreparationError = PreparationError,
    };

    /// <summary>The arguments as one line, quoted as a POSIX shell would need them (for display and joblogs only).</summary>
    public string ArgumentsText => string.Join(' ', Arguments.Select(Quote));

    /// <summary>The executable and its arguments as one line (GNU parallel's joblog "Command").</summary>
    public string CommandLine => Arguments.Count == 0 ? Quote(FilePath) : Quote(FilePath) + " " + ArgumentsText;

    private static string Quote(string argument)
    {
        if (PlainArgument.IsMatch(argument))
        {
            return argument;
        }

        return new StringBuilder("'").Append(argument.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'').ToString();
    }
}
