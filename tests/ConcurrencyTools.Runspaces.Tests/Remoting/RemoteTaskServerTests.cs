using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The host's side of Invoke-ProcessPool -Session, driven as the host's remote pipeline drives it.</summary>
public sealed class RemoteTaskServerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    /// <summary>One input of the host's pipeline: the batch text of tasks (id, executable, arguments, standard input).</summary>
    private static string Batch(params (long Id, string FilePath, string[] Arguments, string? StandardInput)[] tasks) =>
        RemoteTaskBatch.Write(tasks.Select(t => (t.Id, new ProcessTask(t.Id, string.Empty, t.FilePath, t.Arguments, t.StandardInput))));

    /// <summary>A batch of tasks that each run <paramref name="filePath"/> without arguments or input.</summary>
    private static string Batch(string filePath, params long[] ids) =>
        Batch(ids.Select(id => (id, filePath, Array.Empty<string>(), (string?)null)).ToArray());

    /// <summary>Exchanges until every id has a row; returns the rows by id.</summary>
    private static Dictionary<long, PSObject> Collect(RemoteTaskServer server, IReadOnlyCollection<long> ids, object[] first)
    {
        var rows = new Dictionary<long, PSObject>();
        var deadline = Stopwatch.StartNew();
        object[] answer = first;
        while (true)
        {
            foreach (PSObject row in answer.Cast<PSObject>())
            {
                rows.Add(Convert.ToInt64(row.Properties["Seq"].Value), row);
            }

            if (rows.Count == ids.Count || deadline.Elapsed > HangGuard)
            {
                return rows;
            }

            answer = server.ExchangeBatch(null);
        }
    }

    [Fact]
    public void ExchangeBatch_runs_each_task_once_in_its_slots_and_queues_those_sent_ahead()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            using var server = new RemoteTaskServer(new RemotePoolOptions { WorkingDirectory = Path.GetTempPath() }, 2);
            long[] ids = [11, 12, 13, 14, 15];
            // Each task logs its start and end: at most 2 may be between the two at any moment.
            string script = "echo \"+ $1\" >> \"$2\"; sleep 0.2; echo \"- $1\" >> \"$2\"; echo \"out $1\"";
            object[] first = server.ExchangeBatch(Batch(ids.Select(id => (id, "sh", new[] { "-c", script, "sh", id.ToString(CultureInfo.InvariantCulture), log }, (string?)null)).ToArray()));

            Dictionary<long, PSObject> rows = Collect(server, ids, first);

            Assert.Equal(ids, rows.Keys.Order());
            foreach (long id in ids)
            {
                PSObject row = rows[id];
                Assert.True((bool)row.Properties["Succeeded"].Value, (string?)row.Properties["Error"].Value);
                Assert.Equal($"out {id}", row.Properties["StdOut"].Value);
                Assert.InRange((int)row.Properties["Slot"].Value, 1, 2);
                Assert.NotNull(RemoteTaskServer.FromWire((long?)row.Properties["StartTimeUtcTicks"].Value, (int)row.Properties["StartTimeOffsetMinutes"].Value));
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
    public void ExchangeBatch_passes_standard_input_and_environment_and_applies_the_time_limit()
    {
        using var server = new RemoteTaskServer(
            new RemotePoolOptions { TimeoutSeconds = 1.0, Environment = new Dictionary<string, string?> { ["CT_GREETING"] = "hello" } }, 2);
        object[] first = server.ExchangeBatch(Batch(
            (1, "sh", new[] { "-c", "read line; echo \"$line $CT_GREETING\"" }, "a line\n"),
            (2, "sleep", new[] { "30" }, null)));

        Dictionary<long, PSObject> rows = Collect(server, [1, 2], first);

        Assert.Equal("a line hello", rows[1].Properties["StdOut"].Value);
        Assert.True((bool)rows[2].Properties["TimedOut"].Value);
        Assert.InRange((double)rows[2].Properties["DurationMs"].Value, 900, 20_000);
    }

    [Fact]
    public void Dispose_kills_running_tasks_and_starts_none_of_those_waiting()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            // Dispose may wait up to 5 minutes for the killed task to be reaped: it must return as soon as it is.
            var options = new RemotePoolOptions();
            var server = new RemoteTaskServer(options, 1, (poolOptions, n) => new LocalProcessRunner(poolOptions, n), RemoteTaskServer.AbandonedAfter, TimeSpan.FromMinutes(5));
            var watch = Stopwatch.StartNew();
            string[] arguments = { "-c", "echo started >> \"$1\"; sleep 30", "sh", log };
            server.ExchangeBatch(Batch((1, "sh", arguments, null), (2, "sh", arguments, null)));
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
        server.ExchangeBatch(Batch((1, "a", [], null), (2, "b", [], null), (3, "c", [], null)));
        await runner.FirstStarted.WaitAsync(HangGuard);

        // The runner ends task 1 on the stopping thread, so its slot frees up while the server is still stopping.
        // (On a pool thread, as in a remote session: under the test's synchronization context the end would be
        // queued instead, after the stop.)
        await Task.Run(server.Dispose);

        // Whatever was launched has ended by now (Dispose waits for it) and left its row; only task 1 may have one.
        object[] rows = server.ExchangeBatch(null);
        Assert.Equal(new long[] { 1 }, rows.Cast<PSObject>().Select(row => Convert.ToInt64(row.Properties["Seq"].Value)));
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

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"Id\": 1, \"FilePath\": \"a\"}")]
    [InlineData("[{\"Id\": 1, \"FilePath\": \"a\", \"Arguments\": [], \"StandardInput\": null}, {\"Id\": \"two\"}]")]
    [InlineData("[{\"Id\": 1, \"FilePath\": \"a\", \"Arguments\": \"one argument, not a list\"}]")]
    public void A_batch_that_is_not_one_is_refused_naming_it_and_starts_none_of_its_tasks(string text)
    {
        var runner = new RecordingRunner();
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 2, (_, _) => runner);

        var refused = Assert.Throws<ArgumentException>(() => server.ExchangeBatch(text));

        Assert.Equal("batch", refused.ParamName);
        Assert.StartsWith("Not a batch of tasks: ", refused.Message);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(refused.InnerException);
        Assert.Empty(runner.Started);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void Bad_options_and_slots_are_refused_with_messages_naming_them()
    {
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new RemoteTaskServer(null!, 1)).ParamName);
        Assert.Equal("slots", Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteTaskServer(new RemotePoolOptions(), 0)).ParamName);
        Assert.Equal("slots", Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteTaskServer(new RemotePoolOptions(), ProcessPoolOptions.MaxThrottleLimit + 1)).ParamName);
        using var largest = new RemoteTaskServer(new RemotePoolOptions(), ProcessPoolOptions.MaxThrottleLimit, (_, _) => new RecordingRunner());
        Assert.Equal(ProcessPoolOptions.MaxThrottleLimit, largest.Slots);
    }

    [Fact]
    public void A_server_left_without_an_exchange_while_tasks_run_kills_them_but_an_idle_one_waits()
    {
        var runner = new RecordingRunner();
        // Longer than an exchange's wait for a busy host (half a second), so the exchange below is not taken for silence.
        using var idle = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => runner, TimeSpan.FromSeconds(3));
        // The watchdog looks every second; nothing runs, so a silent server stays usable.
        Thread.Sleep(4500);
        var answers = new List<object>(idle.ExchangeBatch(Batch("a", 1)));

        // The server starts a task on a thread-pool item: the exchange may return before the runner has it.
        var started = Stopwatch.StartNew();
        while (runner.Started.Length == 0 && started.Elapsed < HangGuard)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(new long[] { 1 }, runner.Started);

        // Now a task runs and no exchange comes: the server stops it and leaves its row.
        var deadline = Stopwatch.StartNew();
        while (idle.Running > 0 && deadline.Elapsed < HangGuard)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(0, idle.Running);
        // (On a loaded machine the first exchange itself may outlast the silence and carry the row.)
        answers.AddRange(idle.ExchangeBatch(null));
        PSObject row = (PSObject)Assert.Single(answers);
        Assert.Equal("Killed.", row.Properties["Error"].Value);
    }

    [Fact]
    public void A_row_crosses_the_wire_with_every_column_a_primitive()
    {
        var start = new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.FromMinutes(90));
        var end = new DateTimeOffset(2026, 12, 5, 10, 0, 2, TimeSpan.FromMinutes(-300));
        var runner = new ScriptedRunner((task, slot) => new ProcessTaskResult(task, "scripted")
        {
            Slot = slot,
            MachineName = "host-a",
            ProcessId = 4321,
            StartTime = start,
            EndTime = end,
            DurationMs = 2000.5,
            CpuTimeMs = 12.25,
            PeakWorkingSetBytes = 7_000_000_000,
            ExitCode = 3,
            Signal = 9,
            TimedOut = true,
            Succeeded = false,
            StdOut = "out",
            StdErr = "err",
            StdInBytes = 5,
            StdOutBytes = 6,
            StdErrBytes = 7,
            Truncated = true,
            Error = "why",
        });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 2, (_, _) => runner);

        PSObject row = (PSObject)Assert.Single(Collect(server, [42], server.ExchangeBatch(Batch("x", 42))).Values);

        var expected = new Dictionary<string, object?>
        {
            ["Seq"] = 42L, ["MachineName"] = "host-a", ["Slot"] = 1, ["ProcessId"] = 4321,
            ["StartTimeUtcTicks"] = start.UtcTicks, ["StartTimeOffsetMinutes"] = 90,
            ["EndTimeUtcTicks"] = end.UtcTicks, ["EndTimeOffsetMinutes"] = -300,
            ["DurationMs"] = 2000.5, ["CpuTimeMs"] = 12.25, ["PeakWorkingSetBytes"] = 7_000_000_000L,
            ["ExitCode"] = 3, ["Signal"] = 9, ["TimedOut"] = true, ["Succeeded"] = false,
            ["StdOut"] = "out", ["StdErr"] = "err", ["StdInBytes"] = 5L, ["StdOutBytes"] = 6L, ["StdErrBytes"] = 7L,
            ["Truncated"] = true, ["Error"] = "why",
        };
        Assert.Equal(expected.Keys, row.Properties.Select(p => p.Name));
        foreach (KeyValuePair<string, object?> column in expected)
        {
            Assert.Equal(column.Value, row.Properties[column.Key].Value);
        }

        Assert.Equal(start, RemoteTaskServer.FromWire(start.UtcTicks, 90));
        Assert.Equal(TimeSpan.FromMinutes(90), RemoteTaskServer.FromWire(start.UtcTicks, 90)!.Value.Offset);
        Assert.Null(RemoteTaskServer.FromWire(null, 90));
    }

    [Fact]
    public void A_runner_that_throws_leaves_a_row_naming_the_error_and_frees_its_slot()
    {
        var runner = new ScriptedRunner((task, _) => task.Seq == 1 ? throw new InvalidOperationException("no such program") : new ProcessTaskResult(task, "scripted") { Succeeded = true });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => runner);

        Dictionary<long, PSObject> rows = Collect(server, [1, 2], server.ExchangeBatch(Batch((1, "a", [], null), (2, "b", [], null))));

        Assert.Equal("InvalidOperationException: no such program", rows[1].Properties["Error"].Value);
        Assert.Equal(1, rows[1].Properties["Slot"].Value);
        Assert.Equal(false, rows[1].Properties["Succeeded"].Value);
        Assert.Equal(true, rows[2].Properties["Succeeded"].Value);
        Assert.Equal(new long[] { 1, 2 }, runner.Started);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void A_slot_freed_with_no_task_waiting_takes_the_next_task_sent_later()
    {
        // The host's pipeline sends a task only after an earlier one's row came back: a slot its task freed while
        // nothing waited must still be free then, or the task would wait for ever in a server that runs nothing.
        var runner = new ScriptedRunner((task, slot) => new ProcessTaskResult(task, "scripted") { Slot = slot, Succeeded = true });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => runner);

        for (long id = 1; id <= 3; id++)
        {
            Dictionary<long, PSObject> rows = Collect(server, [id], server.ExchangeBatch(Batch((id, "x", [], null))));
            Assert.True(rows.ContainsKey(id), $"task {id} never ran");
            Assert.Equal(1, rows[id].Properties["Slot"].Value);
            Assert.Equal(0, server.Running);
        }

        Assert.Equal(new long[] { 1, 2, 3 }, runner.Started);
    }

    [Fact]
    public void A_batch_of_one_input_starts_its_tasks_with_their_arguments_and_input_and_an_empty_one_polls()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted") { StdOut = $"{task.Seq}:{task.Input}:{task.FilePath}|" + string.Join(",", task.Arguments) + "|" + (task.StandardInput ?? "none") });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 2, (_, _) => runner);
        // The caller's task numbers and inputs are its own: a task travels under the id its row comes back with.
        string batch = RemoteTaskBatch.Write(new (long, ProcessTask)[]
        {
            (11, new ProcessTask(1, "in 1", "tool", new[] { "a b", "", "\"quoted\" ü\n2nd line" }, "text")),
            (12, new ProcessTask(2, "in 2", "other", Array.Empty<string>(), null)),
            (13, new ProcessTask(3, "in 3", "third", new[] { "3" }, string.Empty)),
        });
        // As remoting carries it: the whole batch is one string, a primitive at any depth.
        batch = (string)PSSerializer.Deserialize(PSSerializer.Serialize(batch, depth: 1));

        Dictionary<long, PSObject> rows = Collect(server, [11, 12, 13], server.ExchangeBatch(batch));

        Assert.Equal("11::tool|a b,,\"quoted\" ü\n2nd line|text", rows[11].Properties["StdOut"].Value);
        Assert.Equal("12::other||none", rows[12].Properties["StdOut"].Value);
        Assert.Equal("13::third|3|", rows[13].Properties["StdOut"].Value);
        Assert.Equal(new long[] { 11, 12, 13 }, runner.Started.Order());
        Assert.Empty(server.ExchangeBatch(string.Empty));
        Assert.Empty(server.ExchangeBatch(null));
        Assert.Equal(3, runner.Started.Length);
    }

    [Fact]
    public void A_batch_without_arguments_or_without_tasks_starts_what_it_says_and_one_without_a_file_path_none()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted") { StdOut = $"{task.FilePath}|{task.Arguments.Count}|" + (task.StandardInput ?? "none") });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 2, (_, _) => runner);

        // Arguments and input the caller's JSON leaves out or sets to null arrive as none.
        Dictionary<long, PSObject> rows = Collect(server, [5, 6], server.ExchangeBatch("[{\"Id\": 5, \"FilePath\": \"a\"}, {\"Id\": 6, \"FilePath\": \"b\", \"Arguments\": null, \"StandardInput\": \"in\"}]"));
        Assert.Equal("a|0|none", rows[5].Properties["StdOut"].Value);
        Assert.Equal("b|0|in", rows[6].Properties["StdOut"].Value);

        // An empty list and JSON's null are batches of no task: polls.
        Assert.Empty(server.ExchangeBatch("[]"));
        Assert.Empty(server.ExchangeBatch("null"));

        // A task without a program refuses its whole batch, the good task before it included.
        foreach (string noFile in new[] { "[{\"Id\": 7, \"FilePath\": \"c\"}, {\"Id\": 8}]", "[{\"Id\": 7, \"FilePath\": \"c\"}, {\"Id\": 8, \"FilePath\": \"\"}]" })
        {
            var refused = Assert.Throws<ArgumentException>(() => server.ExchangeBatch(noFile));
            Assert.Equal("batch", refused.ParamName);
            Assert.StartsWith("Not a batch of tasks: task 8 has no file path.", refused.Message);
        }

        Assert.Equal(new long[] { 5, 6 }, runner.Started.Order());
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void With_Stream_each_output_line_is_answered_before_its_row()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted"), line: "a line");
        using var server = new RemoteTaskServer(new RemotePoolOptions { Stream = true }, 1, (_, _) => runner);

        var answers = new List<object>(server.ExchangeBatch(Batch("x", 5)));
        var deadline = Stopwatch.StartNew();
        while (!answers.OfType<PSObject>().Any() && deadline.Elapsed < HangGuard)
        {
            answers.AddRange(server.ExchangeBatch(null));
        }

        Assert.Equal(2, answers.Count);
        ProcessOutputLine line = Assert.IsType<ProcessOutputLine>(answers[0]);
        Assert.Equal("a line", line.Line);
        Assert.Equal(5, line.Seq);

        var quiet = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted"), line: "a line");
        using var withoutStream = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => quiet);
        Assert.All(Collect(withoutStream, [5], withoutStream.ExchangeBatch(Batch("x", 5))).Values, row => Assert.IsType<PSObject>(row));
        Assert.Equal(1, quiet.LinesOffered);
    }

    /// <summary>Ends each task at once with the row <c>result</c> makes (or its exception), writing <c>line</c> first if there is a sink.</summary>
    private sealed class ScriptedRunner(Func<ProcessTask, int, ProcessTaskResult> result, string? line = null) : IProcessRunner
    {
        private readonly ConcurrentQueue<long> _started = new();
        private int _linesOffered;

        public string ComputerName => "scripted";

        public int Slots => 1;

        public long[] Started => _started.ToArray();

        public int LinesOffered => _linesOffered;

        public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
        {
            _started.Enqueue(task.Seq);
            await Task.Yield();
            if (line is not null)
            {
                Interlocked.Increment(ref _linesOffered);
                if (onLine is not null)
                {
                    await onLine.WriteAsync(new ProcessOutputLine(task.Seq, attempt, 1, "StdOut", line));
                }
            }

            return result(task, slot);
        }
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
