namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>One line a task's process wrote, handed over as it arrives (Invoke-ProcessPool -Stream).</summary>
public sealed class ProcessOutputLine
{
    /// <summary>Creates a line.</summary>
    public ProcessOutputLine(long seq, int attempt, int processId, string stream, string line)
    {
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

    /// <summary>The line, prefixed with the task's number.</summary>
    public override string ToString() => $"[{Seq}] {Line}";
}
