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
