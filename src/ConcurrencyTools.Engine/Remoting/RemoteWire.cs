using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// What crosses the wire between a <see cref="SessionProcessRunner"/> and its host's <see cref="RemoteTaskServer"/>:
/// a batch of tasks as one JSON text, and the host's answers as plain text, one record a line, fields split by tabs.
/// As objects, every row would be a serialized object of its own with 22 properties (about 3 ms each to serialize,
/// send and rebuild on a busy 2-core machine, against 0.3 ms as text), and a task's argument list would sit one level
/// deeper than remoting serializes.
/// </summary>
internal static class RemoteWire
{
    /// <summary>The first field of a row's record.</summary>
    public const string RowKind = "R";

    /// <summary>The first field of an output line's record.</summary>
    public const string LineKind = "L";

    private const char Separator = '\t';
    private const string NullField = "\\N";

    /// <summary>The batch of <paramref name="tasks"/>, each with the id its row comes back under.</summary>
    public static string WriteTasks(IEnumerable<(long Id, ProcessTask Task)> tasks) =>
        JsonSerializer.Serialize(tasks.Select(t => new WireTask(t.Id, t.Task.FilePath, t.Task.Arguments.ToArray(), t.Task.StandardInput)).ToArray());

    /// <summary>The tasks of a batch; none for null or empty text (a poll).</summary>
    /// <exception cref="ArgumentException">The text is not a batch.</exception>
    public static IReadOnlyList<(long Id, ProcessTask Task)> ReadTasks(string? batch)
    {
        if (string.IsNullOrEmpty(batch))
        {
            return Array.Empty<(long, ProcessTask)>();
        }

        WireTask[]? tasks;
        try
        {
            tasks = JsonSerializer.Deserialize<WireTask[]>(batch);
        }
        catch (JsonException error)
        {
            throw new ArgumentException($"Not a batch of tasks: {error.Message}", nameof(batch), error);
        }

        return (tasks ?? Array.Empty<WireTask>())
            .Select(t => (t.Id, new ProcessTask(t.Id, string.Empty, t.FilePath ?? string.Empty, t.Arguments ?? Array.Empty<string>(), t.StandardInput)))
            .ToArray();
    }

    /// <summary>An answer: how long the host had been in the command when it wrote it, then its records, one a line.</summary>
    public static string WriteAnswer(double hostElapsedMs, IEnumerable<string> records)
    {
        var text = new StringBuilder(hostElapsedMs.ToString("R", CultureInfo.InvariantCulture));
        foreach (string record in records)
        {
            text.Append('\n').Append(record);
        }

        return text.ToString();
    }

    /// <summary>The host's time in the command and the records of an answer, each split into its fields.</summary>
    /// <exception cref="FormatException">The text is not an answer.</exception>
    public static (double HostElapsedMs, IReadOnlyList<string?[]> Records) ReadAnswer(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        string[] lines = answer.Split('\n');
        double elapsed = double.Parse(lines[0], NumberStyles.Float, CultureInfo.InvariantCulture);
        var records = new List<string?[]>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            records.Add(lines[i].Split(Separator).Select(Unescape).ToArray());
        }

        return (elapsed, records);
    }

    /// <summary>A row's record: every column the host fills, under the task's id.</summary>
    public static string WriteRow(long id, ProcessTaskResult row) => Record(
        RowKind,
        Text(id),
        row.MachineName,
        Text(row.Slot),
        Text(row.ProcessId),
        Text(row.StartTime?.UtcTicks),
        Text((int?)row.StartTime?.Offset.TotalMinutes),
        Text(row.EndTime?.UtcTicks),
        Text((int?)row.EndTime?.Offset.TotalMinutes),
        Text(row.DurationMs),
        Text(row.CpuTimeMs),
        Text(row.PeakWorkingSetBytes),
        Text(row.ExitCode),
        Text(row.Signal),
        Text(row.TimedOut),
        Text(row.Succeeded),
        row.StdOut,
        row.StdErr,
        Text(row.StdInBytes),
        Text(row.StdOutBytes),
        Text(row.StdErrBytes),
        Text(row.Truncated),
        row.Error);

    /// <summary>An output line's record, under its task's id.</summary>
    public static string WriteLine(long id, ProcessOutputLine line) =>
        Record(LineKind, Text(id), Text(line.ProcessId), line.Stream, line.Line, Text(line.Offset), Text(line.Continues));

    /// <summary>The task id a record is about (its second field).</summary>
    public static long IdOf(string?[] record) => long.Parse(record[1] ?? "0", CultureInfo.InvariantCulture);

    /// <summary>The row of a row's record as a local row of <paramref name="task"/>: this pool's slot and attempt, the host's name.</summary>
    /// <exception cref="FormatException">The record is not a row.</exception>
    public static ProcessTaskResult ReadRow(string?[] f, ProcessTask task, string computerName, int firstSlot, int attempt)
    {
        if (f.Length != 23 || f[0] != RowKind)
        {
            throw new FormatException($"Not a row: {f.Length} fields.");
        }

        return new ProcessTaskResult(task, computerName)
        {
            MachineName = f[2] ?? string.Empty,
            Slot = firstSlot + Int(f[3]) - 1,
            Attempt = attempt,
            ProcessId = NullableInt(f[4]),
            StartTime = Time(f[5], f[6]),
            EndTime = Time(f[7], f[8]),
            DurationMs = NullableDouble(f[9]),
            CpuTimeMs = NullableDouble(f[10]),
            PeakWorkingSetBytes = NullableLong(f[11]),
            ExitCode = NullableInt(f[12]),
            Signal = NullableInt(f[13]),
            TimedOut = bool.Parse(f[14] ?? "False"),
            Succeeded = bool.Parse(f[15] ?? "False"),
            StdOut = f[16] ?? string.Empty,
            StdErr = f[17] ?? string.Empty,
            StdInBytes = NullableLong(f[18]) ?? 0,
            StdOutBytes = NullableLong(f[19]) ?? 0,
            StdErrBytes = NullableLong(f[20]) ?? 0,
            Truncated = bool.Parse(f[21] ?? "False"),
            Error = f[22],
        };
    }

    /// <summary>The output line of a line's record, as attempt <paramref name="attempt"/> of <paramref name="seq"/> wrote it.</summary>
    /// <exception cref="FormatException">The record is not a line.</exception>
    public static ProcessOutputLine ReadLine(string?[] f, long seq, int attempt)
    {
        if (f.Length != 7 || f[0] != LineKind)
        {
            throw new FormatException($"Not an output line: {f.Length} fields.");
        }

        return new ProcessOutputLine(seq, attempt, Int(f[2]), f[3] ?? "StdOut", f[4] ?? string.Empty, NullableLong(f[5]) ?? 0, bool.Parse(f[6] ?? "False"));
    }

    private static string Record(params string?[] fields) => string.Join(Separator, fields.Select(Escape));

    private static string? Text<T>(T? value)
        where T : struct, IFormattable =>
        value is T some ? Text(some) : null;

    private static string Text<T>(T value)
        where T : struct, IFormattable =>
        value.ToString(typeof(T) == typeof(double) ? "R" : null, CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "True" : "False";

    private static string? Text(bool? value) => value is bool b ? Text(b) : null;

    private static int Int(string? text) => NullableInt(text) ?? 0;

    private static int? NullableInt(string? text) => text is null ? null : int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long? NullableLong(string? text) => text is null ? null : long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double? NullableDouble(string? text) => text is null ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? utcTicks, string? offsetMinutes) =>
        NullableLong(utcTicks) is long ticks ? new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(Int(offsetMinutes))) : null;

    /// <summary>A field with its backslashes, tabs and line breaks escaped; null as <c>\N</c>.</summary>
    private static string Escape(string? field)
    {
        if (field is null)
        {
            return NullField;
        }

        if (field.AsSpan().IndexOfAny("\\\t\n\r") < 0)
        {
            return field;
        }

        var text = new StringBuilder(field.Length + 8);
        foreach (char c in field)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '\t' => text.Append("\\t"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                _ => text.Append(c),
            };
        }

        return text.ToString();
    }

    private static string? Unescape(string field)
    {
        if (field == NullField)
        {
            return null;
        }

        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            char c = field[i];
            if (c != '\\' || i + 1 == field.Length)
            {
                text.Append(c);
                continue;
            }

            char next = field[++i];
            text.Append(next switch
            {
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                _ => next,
            });
        }

        return text.ToString();
    }

    private sealed record WireTask(long Id, string FilePath, string[] Arguments, string? StandardInput);
}
