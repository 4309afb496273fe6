using System;
using System.Globalization;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// How many items the queue holds before producers must wait: a number, or <c>Unbounded</c>. Written
/// and read as text (<c>10</c>, <c>Unbounded</c>), so it survives Export-Csv and Import-Csv; PowerShell
/// converts numbers and that text to it. Whether a number is allowed is checked where it is used, so
/// that the error names the parameter.
/// </summary>
public readonly record struct QueueCapacity
{
    /// <summary>The text of an unbounded capacity.</summary>
    public const string UnboundedName = "Unbounded";

    /// <summary>A queue of at most <paramref name="limit"/> items.</summary>
    public QueueCapacity(int limit) => Limit = limit;

    /// <summary>A queue with no limit: producers never wait, and memory grows with the backlog.</summary>
    public static QueueCapacity Unbounded { get; } = new() { Limit = null };

    /// <summary>The most items the queue holds, or null when unbounded.</summary>
    public int? Limit { get; private init; }

    /// <summary>Whether the queue has no limit.</summary>
    public bool IsUnbounded => Limit is null;

    /// <summary>Lets PowerShell bind a number.</summary>
    public static implicit operator QueueCapacity(int limit) => new(limit);

    /// <summary>Reads a number or <c>Unbounded</c> (any case); lets PowerShell bind text and CSV cells.</summary>
    public static QueueCapacity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (string.Equals(trimmed, UnboundedName, StringComparison.OrdinalIgnoreCase))
        {
            return Unbounded;
        }

        if (int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int limit))
        {
            return new QueueCapacity(limit);
        }

        throw new FormatException($"Capacity must be a number of items or '{UnboundedName}'; '{text}' is neither.");
    }

    /// <summary><c>Unbounded</c>, or the limit in invariant digits.</summary>
    public override string ToString() => Limit?.ToString(CultureInfo.InvariantCulture) ?? UnboundedName;
}
