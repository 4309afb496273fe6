using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// Tasks as they travel to a host in one input of its remote pipeline: one JSON text for the whole batch. (As
/// objects, a task's argument list would sit one level deeper than remoting serializes, and every task would cost
/// a serialized object of its own.)
/// </summary>
internal static class RemoteTaskBatch
{
    /// <summary>The batch of <paramref name="tasks"/>, each with the id its row comes back under.</summary>
    public static string Write(IEnumerable<(long Id, ProcessTask Task)> tasks) =>
        JsonSerializer.Serialize(tasks.Select(t => new WireTask(t.Id, t.Task.FilePath, t.Task.Arguments.ToArray(), t.Task.StandardInput)).ToArray());

    /// <summary>The tasks of a batch; none for null or empty text (a poll).</summary>
    /// <exception cref="ArgumentException">The text is not a batch, or a task of it has no file path.</exception>
    public static IReadOnlyList<(long Id, ProcessTask Task)> Read(string? batch)
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

        // Every task is checked before any starts: a batch is refused whole.
        return (tasks ?? Array.Empty<WireTask>())
            .Select(t => string.IsNullOrEmpty(t.FilePath)
                ? throw new ArgumentException($"Not a batch of tasks: task {t.Id} has no file path.", nameof(batch))
                : (t.Id, new ProcessTask(t.Id, string.Empty, t.FilePath, t.Arguments ?? Array.Empty<string>(), t.StandardInput)))
            .ToArray();
    }

    private sealed record WireTask(long Id, string FilePath, string[] Arguments, string? StandardInput);
}
