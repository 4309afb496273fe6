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

    /// <summary>A batch as the caller writes it: each task with its id.</summary>
    private static string Batch(params (long Id, string FilePath, string[] Arguments, string? StandardInput)[] tasks) =>
        RemoteTaskBatch.Write(tasks.Select(t => (t.Id, new ProcessTask(t.Id, string.Empty, t.FilePath, t.Arguments, t.StandardInput))));

    /// <summary>Exchanges until every id has a row; returns the rows by id.</summary>
    private static Dictionary<long, PSObject> Collect(RemoteTaskServer server, IReadOnlyCollection<long> ids, object[] first)
    {
        var rows = new Dictionary<long, PSObject>();
        var deadline = Stopwatch.StartNew();
        object[] answer = first;
        while (true)
        {
            Assert.True(RemoteTaskServer.IsAnswerEnd((PSObject)answer[^1]), "every answer ends with its marker");
            foreach (PSObject row in answer[..^1].Cast<PSObject>())
            {
                rows.Add(Convert.ToInt64(row.Properties["Seq"].Value), row);
            }

            if (rows.Count == ids.Count || deadline.Elapsed > HangGuard)
            {
                return rows;
            }

            answer = server.Exchange(null);
        }
    }

    [Fact]
    public void Exchange_runs_each_task_once_in_its_slots_and_queues_those_sent_ahead()
    {
        string log = Path.Combine(Path.GetTempPath(), $"ct-server-{Guid.NewGuid():N}");
        try
        {
            using var server = new RemoteTaskServer(new ProcessPoolOptions { ThrottleLimit = 2, WorkingDirectory = Path.GetTempPath() });
            long[] ids = [11, 12, 13, 14, 15];
            // Each task logs its start and end: at most 2 may be between the two at any moment.
            string script = "echo \"+ $1\" >> \"$2\"; sleep 0.2; echo \"- $1\" >> \"$2\"; echo \"out $1\"";
            object[] first = server.Exchange(Batch(ids.Select(id => (id, "sh", new[] { "-c", script, "sh", id.ToString(), log }, (string?)null)).ToArray()));

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
        // As the remote pipeline makes it, from the options as they crossed the wire.
        using var server = RemoteTaskServer.Create(2, 1.0, Path.GetTempPath(), new Hashtable { ["CT_GREETING"] = "hello" }, 1024, false);
        object[] first = server.Exchange(Batch(
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
            var server = new RemoteTaskServer(new ProcessPoolOptions { ThrottleLimit = 1 });
            var watch = Stopwatch.StartNew();
            string[] arguments = ["-c", "echo started >> \"$1\"; sleep 30", "sh", log];
            server.Exchange(Batch((1, "sh", arguments, null), (2, "sh", arguments, null)));
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
        var server = new RemoteTaskServer(new ProcessPoolOptions { ThrottleLimit = 1 }, (_, _) => runner);
        server.Exchange(Batch((1, "a", [], null), (2, "b", [], null), (3, "c", [], null)));
        await runner.FirstStarted.WaitAsync(HangGuard);

        // The runner ends task 1 on the stopping thread, so its slot frees up while the server is still stopping.
        // (On a pool thread, as in a remote session: under the test's synchronization context the end would be
        // queued instead, after the stop.)
        await Task.Run(server.Dispose);

        // Whatever was launched has ended by now (Dispose waits for it) and left its row; only task 1 may have one.
        object[] rows = server.Exchange(null);
        Assert.Equal(new long[] { 1 }, rows[..^1].Cast<PSObject>().Select(row => Convert.ToInt64(row.Properties["Seq"].Value)));
        Assert.Equal(new long[] { 1 }, runner.Started);
        Assert.Equal(0, server.Running);
    }

    [Fact]
    public void Exchange_rejects_a_batch_that_is_not_one_and_answers_a_poll_at_once_when_nothing_runs()
    {
        using var server = new RemoteTaskServer(new ProcessPoolOptions { ThrottleLimit = 1 });
        Assert.Throws<ArgumentException>(() => server.Exchange("{not json"));
        Assert.Equal(0, server.Running);

        var watch = Stopwatch.StartNew();
        object[] answer = server.Exchange(string.Empty);
        Assert.Single(answer);
        Assert.True(RemoteTaskServer.IsAnswerEnd((PSObject)answer[0]));
        Assert.True(watch.Elapsed < RemoteTaskServer.PollWaitWithFreeSlot, "nothing runs, so nothing is waited for");
    }

    [Fact]
    public void A_batch_carries_each_task_whole_and_the_host_options_cross_the_wire_unchanged()
    {
        var task = new ProcessTask(7, "item", "/bin/echo", ["a b", "", "ü\"'\n"], "input\n");
        (long id, ProcessTask read) = Assert.Single(RemoteTaskBatch.Read(RemoteTaskBatch.Write([(42, task)])));
        Assert.Equal(42, id);
        Assert.Equal(task.FilePath, read.FilePath);
        Assert.Equal(task.Arguments, read.Arguments);
        Assert.Equal(task.StandardInput, read.StandardInput);

        var options = new ProcessPoolOptions
        {
            ThrottleLimit = 3,
            Timeout = TimeSpan.FromSeconds(2.5),
            WorkingDirectory = "~/work",
            Environment = new Dictionary<string, string?> { ["A"] = "1", ["GONE"] = null },
            MaxOutputBytes = 10,
            StreamLines = true,
        };
        object?[] wire = RemotePoolOptions.ToArguments(options);
        ProcessPoolOptions host = RemotePoolOptions.ForHost((int)wire[0]!, (double)wire[1]!, "/home/x/work", (IDictionary?)wire[3], (int)wire[4]!, (bool)wire[5]!);
        Assert.Equal("~/work", wire[2]);
        Assert.Equal(3, host.ThrottleLimit);
        Assert.Equal(TimeSpan.FromSeconds(2.5), host.Timeout);
        Assert.Equal("/home/x/work", host.WorkingDirectory);
        Assert.Equal(options.Environment, host.Environment);
        Assert.Equal(10, host.MaxOutputBytes);
        Assert.True(host.StreamLines);

        ProcessPoolOptions defaults = RemotePoolOptions.ForHost(1, (double)RemotePoolOptions.ToArguments(new ProcessPoolOptions())[1]!, string.Empty, null, 0, false);
        Assert.Null(defaults.Timeout);
        Assert.Null(defaults.WorkingDirectory);
        Assert.Null(defaults.Environment);
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
