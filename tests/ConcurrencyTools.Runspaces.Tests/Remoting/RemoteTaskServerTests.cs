using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The host's side of Invoke-ProcessPool -Session, driven as the remote commands drive it.</summary>
public sealed class RemoteTaskServerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    /// <summary>A batch as the caller sends it: each task under its id.</summary>
    private static string Batch(params (long Id, string FilePath, string[] Arguments, string? StandardInput)[] tasks) =>
        RemoteWire.WriteTasks(tasks.Select(t => (t.Id, new ProcessTask(t.Id, string.Empty, t.FilePath, t.Arguments, t.StandardInput))));

    /// <summary>The rows of an answer (lines left out), read back as the caller reads them.</summary>
    private static IEnumerable<ProcessTaskResult> Rows(string answer) =>
        RemoteWire.ReadAnswer(answer).Records
            .Where(record => record[0] == RemoteWire.RowKind)
            .Select(record => RemoteWire.ReadRow(record, new ProcessTask(RemoteWire.IdOf(record), string.Empty, "x", []), "host", 1, 1));

    /// <summary>Takes answers, and polls as new commands, until every id has a row; returns the rows by id.</summary>
    private static Dictionary<long, ProcessTaskResult> Collect(RemoteTaskServer server, IReadOnlyCollection<long> ids)
    {
        var rows = new Dictionary<long, ProcessTaskResult>();
        var deadline = Stopwatch.StartNew();
        while (rows.Count < ids.Count && deadline.Elapsed < HangGuard)
        {
            if (server.Answer(0) is string answer)
            {
                foreach (ProcessTaskResult row in Rows(answer))
                {
                    rows.Add(row.Seq, row);
                }
            }
            else
            {
                server.Send(null);
            }
        }

        return rows;
    }

    [Fact]
    public void Send_runs_each_task_once_in_its_slots_and_queues_those_sent_ahead()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            using var server = new RemoteTaskServer(new RemotePoolOptions { WorkingDirectory = Path.GetTempPath() }, 2);
            long[] ids = [11, 12, 13, 14, 15];
            // Each task logs its start and end: at most 2 may be between the two at any moment.
            string script = "echo \"+ $1\" >> \"$2\"; sleep 0.2; echo \"- $1\" >> \"$2\"; echo \"out $1\"";
            server.Send(Batch(ids.Select(id => (id, "sh", new[] { "-c", script, "sh", id.ToString(), log }, (string?)null)).ToArray()));

            Dictionary<long, ProcessTaskResult> rows = Collect(server, ids);

            Assert.Equal(ids, rows.Keys.Order());
            foreach (long id in ids)
            {
                ProcessTaskResult row = rows[id];
                Assert.True(row.Succeeded, row.Error);
                Assert.Equal($"out {id}", row.StdOut);
                Assert.InRange(row.Slot, 1, 2);
                Assert.NotNull(row.StartTime);
                Assert.True(row.EndTime >= row.StartTime);
            }

            int running = 0, peak = 0;
            foreach (string line in File.ReadAllLines(log))
            {
                running += line.StartsWith('+') ? 1 : -1;
                peak = Math.Max(peak, running);
            }

            Assert.Equal(2, peak);
            Assert.Equal(0, server.Running);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void Send_passes_standard_input_and_environment_and_applies_the_time_limit()
    {
        using var server = new RemoteTaskServer(
            new RemotePoolOptions { TimeoutSeconds = 1.0, Environment = new Dictionary<string, string?> { ["CT_GREETING"] = "hello" } }, 2);
        server.Send(Batch((1, "sh", ["-c", "read line; echo \"$line $CT_GREETING\""], "a line\n"), (2, "sleep", ["30"], null)));

        Dictionary<long, ProcessTaskResult> rows = Collect(server, [1, 2]);

        Assert.Equal("a line hello", rows[1].StdOut);
        Assert.True(rows[2].TimedOut);
        Assert.InRange(rows[2].DurationMs ?? 0, 900, 20_000);
    }

    [Fact]
    public void Dispose_kills_running_tasks_and_starts_none_of_those_waiting()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            var server = new RemoteTaskServer(new RemotePoolOptions(), 1);
            var watch = Stopwatch.StartNew();
            server.Send(Batch(
                (1, "sh", ["-c", "echo started >> \"$1\"; sleep 30", "sh", log], null),
                (2, "sh", ["-c", "echo started >> \"$1\"; sleep 30", "sh", log], null)));
            Assert.Equal(1, server.Running);

            server.Dispose();

            Assert.Equal(0, server.Running);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(25), "the running task was killed, not waited for");
            Assert.Single(File.ReadAllLines(log));
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Dispose_starts_none_of_the_waiting_tasks_even_for_a_moment()
    {
        // A task started after the stop is killed at once, before it can leave a trace of its own: count what the
        // server hands out instead, to the runner and as rows.
        var runner = new RecordingRunner();
        var server = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => runner);
        server.Send(Batch((1, "a", [], null), (2, "b", [], null), (3, "c", [], null)));
        await runner.FirstStarted.WaitAsync(HangGuard);

        // The runner ends task 1 on the stopping thread, so its slot frees up while the server is still stopping.
        // (On a pool thread, as in a remote session: under the test's synchronization context the end would be
        // queued instead, after the stop.)
        await Task.Run(server.Dispose);

        // Whatever was launched has ended by now (Dispose waits for it) and left its row; only task 1 may have one.
        server.Send(null);
        string? answer = server.Answer(0);
        Assert.NotNull(answer);
        Assert.Equal(new long[] { 1 }, Rows(answer).Select(row => row.Seq));
        Assert.Equal(new long[] { 1 }, runner.Started);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void The_options_arrive_whole_through_remoting_serialization_at_its_shallowest_depth()
    {
        var sent = new RemotePoolOptions
        {
            TimeoutSeconds = 0.5,
            WorkingDirectory = "~/jobs",
            Environment = new Dictionary<string, string?> { ["CT_A"] = "1", ["CT_REMOVED"] = null, ["CT_B"] = "x y" },
            MaxOutputBytes = 4096,
            Stream = true,
        };

        object arrived = PSSerializer.Deserialize(PSSerializer.Serialize(sent.ToWire(), depth: 1));
        RemotePoolOptions received = RemotePoolOptions.FromWire((IDictionary)((PSObject)arrived).BaseObject);

        Assert.Equal(sent.TimeoutSeconds, received.TimeoutSeconds);
        Assert.Equal(sent.WorkingDirectory, received.WorkingDirectory);
        Assert.Equal(sent.MaxOutputBytes, received.MaxOutputBytes);
        Assert.True(received.Stream);
        Assert.Equal(sent.Environment.OrderBy(e => e.Key), received.Environment!.OrderBy(e => e.Key));
    }

    [Fact]
    public void Send_rejects_text_that_is_not_a_batch()
    {
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1);
        Assert.Throws<ArgumentException>(() => server.Send("not json"));
        Assert.Throws<ArgumentException>(() => server.Send("{\"Id\": 1}"));
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void Answer_streams_rows_as_tasks_end_and_ends_the_command_at_the_low_water_mark()
    {
        // One slot, eight tasks of 0.1 s: seven wait. With a low-water mark of 3 the command goes on answering until no
        // more than 3 wait, so it brings back at least 4 rows, in more than one answer, and not all 8.
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1);
        long[] ids = [1, 2, 3, 4, 5, 6, 7, 8];
        server.Send(Batch(ids.Select(id => (id, "sh", new[] { "-c", "sleep 0.1" }, (string?)null)).ToArray()));

        var answers = new List<string>();
        var watch = Stopwatch.StartNew();
        while (server.Answer(3) is string answer && watch.Elapsed < HangGuard)
        {
            answers.Add(answer);
        }

        int rows = answers.Sum(a => Rows(a).Count());
        Assert.InRange(rows, 4, 5);
        Assert.True(answers.Count > 1, "rows go back as their tasks end, not all at the end");
        Assert.All(answers, a => Assert.True(RemoteWire.ReadAnswer(a).HostElapsedMs >= 0));

        // The next command (a poll) brings the rest; with nothing left to run it ends at once.
        Dictionary<long, ProcessTaskResult> rest = Collect(server, ids.Skip(rows).ToArray());
        Assert.Equal(ids.Skip(rows), rest.Keys.Order());
        server.Send(null);
        Assert.Null(server.Answer(0));
    }

    /// <summary>Records every task it is handed; each runs until it is cancelled, and ends on the cancelling thread.</summary>
    private sealed class RecordingRunner : IProcessRunner
    {
        private readonly ConcurrentQueue<long> _started = new();
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ComputerName => "recording";

        public int Slots => 1;

        public long[] Started => _started.ToArray();

        public Task FirstStarted => _firstStarted.Task;

        public Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
        {
            _started.Enqueue(task.Seq);
            var done = new TaskCompletionSource<ProcessTaskResult>();
            cancellationToken.Register(() => done.TrySetResult(new ProcessTaskResult(task, ComputerName) { Slot = slot, Error = "Killed." }));
            _firstStarted.TrySetResult();
            return done.Task;
        }
    }
}
