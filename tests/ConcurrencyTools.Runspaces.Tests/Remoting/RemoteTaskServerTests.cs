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

/// <summary>The host's side of Invoke-ProcessPool -Session, driven as the remote commands drive it.</summary>
public sealed class RemoteTaskServerTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

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

            answer = server.Exchange(null, null, null, null, null);
        }
    }

    [Fact]
    public void Exchange_runs_each_task_once_in_its_slots_and_queues_those_sent_ahead()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            using var server = new RemoteTaskServer(new RemotePoolOptions { WorkingDirectory = Path.GetTempPath() }, 2);
            long[] ids = [11, 12, 13, 14, 15];
            // Each task logs its start and end: at most 2 may be between the two at any moment.
            string script = "echo \"+ $1\" >> \"$2\"; sleep 0.2; echo \"- $1\" >> \"$2\"; echo \"out $1\"";
            object[] first = server.Exchange(
                ids,
                ids.Select(_ => "sh").ToArray(),
                ids.Select(_ => 5).ToArray(),
                ids.SelectMany(id => new[] { "-c", script, "sh", id.ToString(), log }).ToArray(),
                ids.Select(_ => (string?)null).ToArray());

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
    public void Exchange_passes_standard_input_and_environment_and_applies_the_time_limit()
    {
        using var server = new RemoteTaskServer(
            new RemotePoolOptions { TimeoutSeconds = 1.0, Environment = new Dictionary<string, string?> { ["CT_GREETING"] = "hello" } }, 2);
        object[] first = server.Exchange(
            new long[] { 1, 2 },
            new[] { "sh", "sleep" },
            new[] { 2, 1 },
            new[] { "-c", "read line; echo \"$line $CT_GREETING\"", "30" },
            new[] { "a line\n", null });

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
            var server = new RemoteTaskServer(new RemotePoolOptions(), 1);
            var watch = Stopwatch.StartNew();
            server.Exchange(
                new long[] { 1, 2 },
                new[] { "sh", "sh" },
                new[] { 4, 4 },
                new[] { "-c", "echo started >> \"$1\"; sleep 30", "sh", log, "-c", "echo started >> \"$1\"; sleep 30", "sh", log },
                new string?[] { null, null });
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
        server.Exchange(new long[] { 1, 2, 3 }, new[] { "a", "b", "c" }, new[] { 0, 0, 0 }, Array.Empty<string>(), new string?[] { null, null, null });
        await runner.FirstStarted.WaitAsync(HangGuard);

        // The runner ends task 1 on the stopping thread, so its slot frees up while the server is still stopping.
        // (On a pool thread, as in a remote session: under the test's synchronization context the end would be
        // queued instead, after the stop.)
        await Task.Run(server.Dispose);

        // Whatever was launched has ended by now (Dispose waits for it) and left its row; only task 1 may have one.
        object[] rows = server.Exchange(null, null, null, null, null);
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

    [Fact]
    public void Exchange_rejects_task_arrays_that_do_not_line_up()
    {
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1);
        Assert.Throws<ArgumentException>(() => server.Exchange(new long[] { 1, 2 }, new[] { "true" }, new[] { 0, 0 }, Array.Empty<string>(), new string?[] { null, null }));
        Assert.Throws<ArgumentException>(() => server.Exchange(new long[] { 1 }, new[] { "true" }, new[] { 3 }, new[] { "a" }, new string?[] { null }));
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void Bad_arrays_and_slots_are_refused_with_messages_naming_them()
    {
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new RemoteTaskServer(null!, 1)).ParamName);
        Assert.Equal("slots", Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteTaskServer(new RemotePoolOptions(), 0)).ParamName);

        using var server = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted")));
        var lengths = Assert.Throws<ArgumentException>(() => server.Exchange(new long[] { 1 }, new[] { "a" }, new[] { 0 }, Array.Empty<string>(), new string?[] { null, null }));
        Assert.Equal("ids", lengths.ParamName);
        Assert.StartsWith("The task arrays differ in length.", lengths.Message);
        var counts = Assert.Throws<ArgumentException>(() => server.Exchange(new long[] { 1 }, new[] { "a" }, new[] { 2 }, new[] { "x" }, new string?[] { null }));
        Assert.Equal("argumentCounts", counts.ParamName);
        Assert.StartsWith("The argument counts do not match the arguments.", counts.Message);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void A_server_left_without_an_exchange_while_tasks_run_kills_them_but_an_idle_one_waits()
    {
        var runner = new RecordingRunner();
        // Longer than an exchange's wait for a busy host (half a second), so the exchange below is not taken for silence.
        using var idle = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => runner, TimeSpan.FromSeconds(3));
        // The watchdog looks every second; nothing runs, so a silent server stays usable.
        Thread.Sleep(4500);
        var answers = new List<object>(idle.Exchange(new long[] { 1 }, new[] { "a" }, new[] { 0 }, Array.Empty<string>(), new string?[] { null }));
        Assert.Equal(new long[] { 1 }, runner.Started);

        // Now a task runs and no exchange comes: the server stops it and leaves its row.
        var deadline = Stopwatch.StartNew();
        while (idle.Running > 0 && deadline.Elapsed < HangGuard)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(0, idle.Running);
        // (On a loaded machine the first exchange itself may outlast the silence and carry the row.)
        answers.AddRange(idle.Exchange(null, null, null, null, null));
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

        PSObject row = (PSObject)Assert.Single(Collect(server, [42], server.Exchange(new long[] { 42 }, new[] { "x" }, new[] { 0 }, Array.Empty<string>(), new string?[] { null })).Values);

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

        Dictionary<long, PSObject> rows = Collect(server, [1, 2], server.Exchange(new long[] { 1, 2 }, new[] { "a", "b" }, new[] { 0, 0 }, Array.Empty<string>(), new string?[] { null, null }));

        Assert.Equal("InvalidOperationException: no such program", rows[1].Properties["Error"].Value);
        Assert.Equal(1, rows[1].Properties["Slot"].Value);
        Assert.Equal(false, rows[1].Properties["Succeeded"].Value);
        Assert.Equal(true, rows[2].Properties["Succeeded"].Value);
        Assert.Equal(new long[] { 1, 2 }, runner.Started);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void Tasks_arrive_as_PowerShell_sends_them_wrapped_or_single_and_keep_their_arguments_and_input()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted") { StdOut = task.FilePath + "|" + string.Join(",", task.Arguments) + "|" + (task.StandardInput ?? "none") });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 3, (_, _) => runner);

        // One task as single values (a PowerShell array of one arrives unrolled), then two wrapped in PSObjects.
        Dictionary<long, PSObject> rows = Collect(server, [7], server.Exchange(PSObject.AsPSObject(7L), "tool", 2, new object[] { PSObject.AsPSObject("a b"), 3 }, "in"));
        Assert.Equal("tool|a b,3|in", rows[7].Properties["StdOut"].Value);

        rows = Collect(server, [8, 9], server.Exchange(
            PSObject.AsPSObject(new object[] { PSObject.AsPSObject(8), 9 }),
            new[] { "p", "q" },
            new object[] { 0, PSObject.AsPSObject(1) },
            new object?[] { PSObject.AsPSObject("z") },
            new object?[] { null, "" }));
        Assert.Equal("p||none", rows[8].Properties["StdOut"].Value);
        Assert.Equal("q|z|", rows[9].Properties["StdOut"].Value);

        Assert.Throws<ArgumentException>(() => server.Exchange(new long[] { 1 }, new[] { "x" }, new[] { -1 }, Array.Empty<string>(), new string?[] { null }));
        Assert.Equal(new long[] { 7, 8, 9 }, runner.Started.Order());
    }

    [Fact]
    public void A_batch_of_one_input_starts_its_tasks_with_their_arguments_and_input_and_an_empty_one_polls()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted") { StdOut = task.FilePath + "|" + string.Join(",", task.Arguments) + "|" + (task.StandardInput ?? "none") });
        using var server = new RemoteTaskServer(new RemotePoolOptions(), 2, (_, _) => runner);
        string batch = RemoteTaskBatch.Write(new (long, ProcessTask)[]
        {
            (11, new ProcessTask(1, "in 1", "tool", new[] { "a b", "" }, "text")),
            (12, new ProcessTask(2, "in 2", "other", Array.Empty<string>(), null)),
        });

        var answers = new List<object>(server.ExchangeBatch(batch));
        var deadline = Stopwatch.StartNew();
        while (answers.OfType<PSObject>().Count() < 2 && deadline.Elapsed < HangGuard)
        {
            answers.AddRange(server.ExchangeBatch(null));
        }

        Dictionary<long, PSObject> rows = answers.OfType<PSObject>().ToDictionary(r => Convert.ToInt64(r.Properties["Seq"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("tool|a b,|text", rows[11].Properties["StdOut"].Value);
        Assert.Equal("other||none", rows[12].Properties["StdOut"].Value);
        Assert.Equal(new long[] { 11, 12 }, runner.Started.Order());
        Assert.Empty(server.ExchangeBatch(string.Empty));
        Assert.Throws<ArgumentException>(() => server.ExchangeBatch("not json"));
    }

    [Fact]
    public void With_Stream_each_output_line_is_answered_before_its_row()
    {
        var runner = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted"), line: "a line");
        using var server = new RemoteTaskServer(new RemotePoolOptions { Stream = true }, 1, (_, _) => runner);

        var answers = new List<object>(server.Exchange(new long[] { 5 }, new[] { "x" }, new[] { 0 }, Array.Empty<string>(), new string?[] { null }));
        var deadline = Stopwatch.StartNew();
        while (!answers.OfType<PSObject>().Any() && deadline.Elapsed < HangGuard)
        {
            answers.AddRange(server.Exchange(null, null, null, null, null));
        }

        Assert.Equal(2, answers.Count);
        ProcessOutputLine line = Assert.IsType<ProcessOutputLine>(answers[0]);
        Assert.Equal("a line", line.Line);
        Assert.Equal(5, line.Seq);

        var quiet = new ScriptedRunner((task, _) => new ProcessTaskResult(task, "scripted"), line: "a line");
        using var withoutStream = new RemoteTaskServer(new RemotePoolOptions(), 1, (_, _) => quiet);
        Assert.All(Collect(withoutStream, [5], withoutStream.Exchange(new long[] { 5 }, new[] { "x" }, new[] { 0 }, Array.Empty<string>(), new string?[] { null })).Values, row => Assert.IsType<PSObject>(row));
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
