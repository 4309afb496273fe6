namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>One line a task's process wrote, handed over as it arrives (Invoke-ProcessPool -Stream).</summary>
public sealed class ProcessOutputLine
{
    /// <summary>Creates a line.</summary>
    public ProcessOutputLine(long seq, int attempt, int processId, string stream, string line, long offset = 0, bool continues = false)
    {
        Offset = offset;
        Continues = continues;
        Seq = seq;
        Attempt = attempt;
        ProcessId = processId;
        Stream = stream;
        Line = line;
    }

    /// <summary>The task's number.</summary>
    public long Seq { get; }

    /// <summary>Which attempt of the task wrote it, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The process that wrote it.</summary>
    public int ProcessId { get; }

    /// <summary><c>StdOut</c> or <c>StdErr</c>.</summary>
    public string Stream { get; }

    /// <summary>The line, without its line break.</summary>
    public string Line { get; }

    /// <summary>
    /// Characters of the same line that came before this piece: 0 for a whole line. A line longer than the pool's
    /// line limit is handed over in pieces, so that one endless line never has to be held whole.
    /// </summary>
    public long Offset { get; }

    /// <summary>Whether the line was cut after this piece (at character <see cref="Offset"/> plus the piece's length) and goes on in the next piece.</summary>
    public bool Continues { get; }

    /// <summary>The line, prefixed with the task's number; a piece of a cut line says where it was cut.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{Seq}] ") +
        (Offset > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"(line continued from character {Offset}) ") : string.Empty) +
        Line +
        (Continues ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (line cut at character {Offset + Line.Length}; it goes on in the next message)") : string.Empty);
}
