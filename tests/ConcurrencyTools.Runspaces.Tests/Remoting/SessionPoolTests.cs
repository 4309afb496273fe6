using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Remoting;
using ConcurrencyTools.Engine.Tests;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>
/// The client's side of Invoke-ProcessPool -Session and of the cmdlets' remote runs (<see cref="SessionProcessPool"/>,
/// <see cref="SessionProcessRunner"/>, <see cref="SessionFanOut"/>) over real SSH sessions to servers on 127.0.0.x
/// (<see cref="SshHosts"/>). The Pester suite covers the same through the cmdlets; here they run in this process.
/// </summary>
public sealed class SessionPoolTests : IClassFixture<SshHosts>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);
    private readonly SshHosts _hosts;

    public SessionPoolTests(SshHosts hosts) => _hosts = hosts;

    /// <summary>A task that runs <paramref name="script"/> with its number, as text, for input and as $0.</summary>
    private static ProcessTask Shell(long seq, string script)
    {
        string text = seq.ToString(CultureInfo.InvariantCulture);
        return new(seq, text, "sh", ["-c", script, text]);
    }

    /// <summary>Feeds the pool as the cmdlet does and returns every row, line and host failure.</summary>
    private static (List<ProcessTaskResult> Rows, List<ProcessOutputLine> Lines, List<HostFailedException> Failures) Drain(BoundedProcessPool pool, IEnumerable<ProcessTask> tasks)
    {
        var lines = new List<ProcessOutputLine>();
        var failures = new List<HostFailedException>();
        List<ProcessTaskResult> rows = PoolDrain.Drain(pool, tasks, HangGuard, lines, failures);
        return (rows, lines, failures);
    }

    [Fact]
    public void TwoHostsRunEveryTaskOnceAndEachRowSaysWhereAndHow()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession first = _hosts.Open(_hosts.First);
        PSSession second = _hosts.Open(_hosts.Second);
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 2 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [first, second], RemotePoolOptions.From(options, "/tmp"), SshHosts.Version, null);
            Assert.Equal(2 * (2 + 128), pool.TotalSlots);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool,
                Enumerable.Range(1, 16).Select(i => Shell(i, "printf 'out %s' $0; printf 'err %s' $0 >&2; pwd >&2; exit $(($0 % 3))")));

            Assert.Empty(failures);
            Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), rows.Select(r => r.Seq).Order());
            foreach (ProcessTaskResult row in rows)
            {
                string n = row.Seq.ToString(CultureInfo.InvariantCulture);
                Assert.Equal($"out {n}", row.StdOut);
                Assert.Equal($"err {n}/tmp", row.StdErr); // the final line break is not kept
                Assert.Equal((4 + n.Length, 9 + n.Length), (row.StdOutBytes, row.StdErrBytes));
                Assert.Equal((int)(row.Seq % 3), row.ExitCode);
                Assert.Equal(row.Seq % 3 == 0, row.Succeeded);
                Assert.Equal(row.Succeeded ? null : $"Exited with code {row.Seq % 3}.", row.Error);
                Assert.Equal(n, row.Input);
                Assert.Equal(1, row.Attempt);
                Assert.False(row.TimedOut || row.Skipped || row.Truncated);
                Assert.Null(row.Signal);
                Assert.NotNull(row.ProcessId);
                Assert.True(row.DurationMs > 0, $"DurationMs {row.DurationMs}");
                Assert.True(row.CpuTimeMs >= 0, $"CpuTimeMs {row.CpuTimeMs}");
                Assert.NotNull(row.StartTime);
                Assert.True(row.EndTime >= row.StartTime);

                // Slots are numbered across the hosts: the first host's are 1 and 2, the second's 3 and 4.
                Assert.Equal(row.Slot <= 2 ? "127.0.0.1" : "127.0.0.2", row.ComputerName);
                Assert.InRange(row.Slot, 1, 4);
            }
        }
        finally
        {
            _hosts.Close(first);
            _hosts.Close(second);
        }
    }

    [Fact]
    public void StreamedLinesComeBackWithTheirTaskStreamAndProcess()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession session = _hosts.Open(_hosts.First);
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 1, StreamLines = true, MaxOutputBytes = 4 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [session], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, List<ProcessOutputLine> lines, _) = Drain(pool, [Shell(7, "echo one; echo two >&2; echo three")]);

            ProcessTaskResult row = Assert.Single(rows);
            Assert.True(row.Succeeded, row.Error);
            Assert.Equal((true, 10L, 4L), (row.Truncated, row.StdOutBytes, row.StdErrBytes));
            Assert.Equal(["StdOut one", "StdErr two", "StdOut three"], lines.OrderBy(l => l.Stream == "StdErr" ? 1 : l.Line == "one" ? 0 : 2).Select(l => $"{l.Stream} {l.Line}"));
            Assert.All(lines, line => Assert.Equal((7L, 1, row.ProcessId), (line.Seq, line.Attempt, (int?)line.ProcessId)));
        }
        finally
        {
            _hosts.Close(session);
        }
    }

    [Fact]
    public void AHostWithoutTheModuleIsReportedOnceAndItsTasksRunOnTheOther()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession good = _hosts.Open(_hosts.First);
        PSSession bare = _hosts.Open(_hosts.WithoutModule);
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 2 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [bare, good], RemotePoolOptions.From(options, null), SshHosts.Version, "/opt/ct");
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool, Enumerable.Range(1, 6).Select(i => Shell(i, "echo $0")));

            HostFailedException failure = Assert.Single(failures);
            Assert.Equal(("127.0.0.3", "ModuleMissingOnHost"), (failure.ComputerName, failure.ErrorId));
            Assert.StartsWith($"ConcurrencyTools {SshHosts.Version} is not installed on 127.0.0.3 (it has none). Install it there", failure.Message);
            Assert.Contains("-Path '/opt/ct' -Destination '", failure.Message);
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), rows.Select(r => r.Seq).Order());
            Assert.All(rows, row => Assert.Equal((true, "127.0.0.1", $"{row.Seq}", 1), (row.Succeeded, row.ComputerName, row.StdOut, row.Attempt)));
        }
        finally
        {
            _hosts.Close(good);
            _hosts.Close(bare);
        }
    }

    [Fact]
    public void AClosedSessionFailsItsHostBeforeAnyTaskAndTheOtherHostRunsThemAll()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession good = _hosts.Open(_hosts.Second);
        PSSession closed = _hosts.Open(_hosts.First);
        _hosts.Close(closed);
        try
        {
            // A runner is refused its session's options before it does anything (the pool checks them first too).
            Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new SessionProcessRunner(closed, 1, 1, null!, SshHosts.Version, null)).ParamName);

            var options = new ProcessPoolOptions { ThrottleLimit = 1 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [closed, good], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool, Enumerable.Range(1, 4).Select(i => Shell(i, "echo $0")));

            HostFailedException failure = Assert.Single(failures);
            Assert.Equal(("127.0.0.1", "SessionFailed", false), (failure.ComputerName, failure.ErrorId, failure.AttemptStarted));
            Assert.Equal("The host 127.0.0.1 failed, its tasks go to the other hosts: the session is Closed, not open.", failure.Message);
            Assert.Equal(Enumerable.Range(1, 4).Select(i => (long)i), rows.Select(r => r.Seq).Order());
            Assert.All(rows, row => Assert.Equal((true, "127.0.0.2", 1), (row.Succeeded, row.ComputerName, row.Attempt)));
        }
        finally
        {
            _hosts.Close(good);
        }
    }

    [Fact]
    public void WhenEveryHostFailsTheTasksAreRowsThatSaySo()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession bare = _hosts.Open(_hosts.WithoutModule);
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 1 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [bare], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool, Enumerable.Range(1, 3).Select(i => Shell(i, "echo $0")));

            Assert.Single(failures);
            Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Seq).Order());
            Assert.All(rows, row =>
            {
                Assert.False(row.Succeeded);
                Assert.Null(row.ProcessId);
                Assert.False(string.IsNullOrEmpty(row.Error));
            });
        }
        finally
        {
            _hosts.Close(bare);
        }
    }

    [Fact]
    public void DisposingThePoolMidRunEndsTheHostsProcessesAndLeavesTheSessionOpen()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession session = _hosts.Open(_hosts.First);
        string token = $"ct-xunit-{Guid.NewGuid():N}";
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 2 };
            var pool = SessionProcessPool.Create(options, [session], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            for (int i = 1; i <= 4; i++)
            {
                // The shell stays (it cannot exec the sleep, a command follows it), holding the token in its command line.
                Assert.True(pool.TryAdd(new ProcessTask(i, "", "sh", ["-c", "sleep 300; true", token])));
            }

            // The hosts are on this machine: their tasks are processes here whose command line holds the token.
            var clock = Stopwatch.StartNew();
            while (Running(token) < 2)
            {
                Assert.True(clock.Elapsed < HangGuard, $"the host started {Running(token)} of its 2 tasks");
                Thread.Sleep(50);
            }

            Assert.Equal(2, Running(token));

            // Disposing stops the host's pipeline, which kills its tasks at once; the bound is a hang guard.
            var disposing = Stopwatch.StartNew();
            pool.Dispose();
            Assert.True(disposing.Elapsed < TimeSpan.FromSeconds(20), $"disposing took {disposing.Elapsed}");

            Assert.Equal(0, Running(token));
            Assert.Equal(RunspaceState.Opened, session.Runspace.RunspaceStateInfo.State);
            Assert.False(pool.TryTakeResult(out _));
        }
        finally
        {
            _hosts.Close(session);
        }
    }

    [Fact]
    public void EachHostRunsOneRemotePipelineForTheWholeRunAndAsManyTasksAtOnceAsItsSlots()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession first = _hosts.Open(_hosts.First);
        PSSession second = _hosts.Open(_hosts.Second);
        try
        {
            long before = SessionProcessRunner.CommandsStarted;
            var options = new ProcessPoolOptions { ThrottleLimit = 3 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [first, second], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool, Enumerable.Range(1, 24).Select(i => Shell(i, "sleep 0.4")));

            Assert.Empty(failures);
            Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), rows.Select(r => r.Seq).Order());
            Assert.Equal(2, SessionProcessRunner.CommandsStarted - before);
            Assert.Equal([1, 2, 3, 4, 5, 6], rows.Select(r => r.Slot).Distinct().Order());
            foreach (IGrouping<string, ProcessTaskResult> host in rows.GroupBy(r => r.ComputerName))
            {
                // Tasks wait on the host ahead of its slots, so it runs 3 at once throughout, and never 4.
                Assert.Equal(3, PeakOverlap(host));
                Assert.All(host, row => Assert.InRange(row.Slot, host.Key == "127.0.0.1" ? 1 : 4, host.Key == "127.0.0.1" ? 3 : 6));
            }
        }
        finally
        {
            _hosts.Close(first);
            _hosts.Close(second);
        }
    }

    [Fact]
    public void ARowSaysWhenItsTaskWasKilledOrRanOutOfTimeAndARetriedTaskItsAttempt()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession session = _hosts.Open(_hosts.Second);
        string marker = Path.Combine(Path.GetTempPath(), $"ct-xunit-retry-{Guid.NewGuid():N}");
        try
        {
            var options = new ProcessPoolOptions
            {
                ThrottleLimit = 2,
                Timeout = TimeSpan.FromSeconds(5),
                RetryCount = 1,
                Environment = new Dictionary<string, string?> { ["GREETING"] = "hello" },
            };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [session], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool,
            [
                new ProcessTask(1, "line 1", "sh", ["-c", "read line; echo \"$line $GREETING\""], "line 1"),
                Shell(2, "kill -KILL $$"),
                Shell(3, "exec sleep 30"),
                new ProcessTask(4, marker, "sh", ["-c", "test -e \"$1\" || { touch \"$1\"; exit 3; }", "sh", marker]),
            ]);

            Assert.Empty(failures);
            Dictionary<long, ProcessTaskResult> last = rows.GroupBy(r => r.Seq).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Attempt)!);
            Assert.Equal([1L, 2L, 3L, 4L], last.Keys.Order());

            ProcessTaskResult greeted = last[1];
            Assert.Equal((true, "line 1 hello", 6L, 1), (greeted.Succeeded, greeted.StdOut, greeted.StdInBytes, greeted.Attempt));

            ProcessTaskResult killed = last[2];
            Assert.Equal((false, 9, 137, false), (killed.Succeeded, killed.Signal, killed.ExitCode, killed.TimedOut));
            Assert.Equal(2, killed.Attempt);

            ProcessTaskResult late = last[3];
            Assert.Equal((false, true), (late.Succeeded, late.TimedOut));
            Assert.True(late.DurationMs < 20_000, $"the host let the task run {late.DurationMs} ms past its time limit of 5 s");

            ProcessTaskResult retried = last[4];
            Assert.Equal((true, 2, 0), (retried.Succeeded, retried.Attempt, retried.ExitCode));
        }
        finally
        {
            _hosts.Close(session);
            File.Delete(marker);
        }
    }

    [Fact]
    public void ATaskThatUsesMuchMemoryHasItsPeakInItsRow()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        // Without a time limit: a slow start on a loaded machine is not the task's fault.
        PSSession session = _hosts.Open(_hosts.First);
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 1 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [session], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            (List<ProcessTaskResult> rows, _, List<HostFailedException> failures) = Drain(pool, [new ProcessTask(5, "", "python3", ["-c", "b = b'a' * (400 << 20)"])]);

            // A peak above the host's own pwsh is the task's (a smaller one is left empty, as locally).
            Assert.Empty(failures);
            ProcessTaskResult large = Assert.Single(rows);
            Assert.True(large.Succeeded, large.Error);
            Assert.True(large.PeakWorkingSetBytes >= 400L << 20, $"PeakWorkingSetBytes {large.PeakWorkingSetBytes}");
        }
        finally
        {
            _hosts.Close(session);
        }
    }

    [Fact]
    public void AHostThatDiesMidRunGivesItsTasksToTheOtherHostAndNoneRunsTwiceToItsEnd()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession first = _hosts.Open(_hosts.First);
        PSSession second = _hosts.Open(_hosts.Second);
        string token = $"ct-xunit-{Guid.NewGuid():N}";
        string work = Directory.CreateTempSubdirectory("ct-xunit-dies-").FullName;
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 2 };
            using BoundedProcessPool pool = SessionProcessPool.Create(options, [first, second], RemotePoolOptions.From(options, null), SshHosts.Version, null);
            for (int i = 1; i <= 8; i++)
            {
                string n = i.ToString(CultureInfo.InvariantCulture);
                Assert.True(pool.TryAdd(new ProcessTask(i, n, "sh", ["-c", "sleep 3; echo \"$1\" >> \"$2/done\"", token, n, work])));
            }

            pool.CompleteAdding();

            // The tasks are processes of this machine, children of their host's pwsh. Once both hosts run their first two,
            // the first task's host dies: its pwsh is killed, then the tasks it started, long before any can finish.
            var clock = Stopwatch.StartNew();
            List<int> running;
            while ((running = WithToken(token)).Count < 4)
            {
                Assert.True(clock.Elapsed < HangGuard, $"{running.Count} of the first 4 tasks started");
                Thread.Sleep(20);
            }

            Assert.True(ProcessTree.TryReadParent(running[0], out int server), $"task process {running[0]} ended");
            List<int> itsTasks = running.Where(id => ProcessTree.TryReadParent(id, out int parent) && parent == server).ToList();
            Assert.Equal(2, itsTasks.Count);
            using (var doomed = Process.GetProcessById(server))
            {
                doomed.Kill();
            }

            foreach (int id in itsTasks)
            {
                using var task = Process.GetProcessById(id);
                task.Kill();
            }

            var failures = new List<HostFailedException>();
            List<ProcessTaskResult> rows = PoolDrain.Drain(pool, null, HangGuard, null, failures);

            HostFailedException failure = Assert.Single(failures);
            string survivor = failure.ComputerName == "127.0.0.1" ? "127.0.0.2" : "127.0.0.1";
            Assert.Equal("SessionFailed", failure.ErrorId);
            Assert.StartsWith($"The host {failure.ComputerName} failed, its tasks go to the other hosts: ", failure.Message);
            Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), rows.Select(r => r.Seq).Order());
            Assert.All(rows, row => Assert.True(row.Succeeded, $"task {row.Seq} on {row.ComputerName}: {row.Error}"));

            // The tasks the dead host had started count that attempt and run again on the other host.
            List<ProcessTaskResult> moved = rows.Where(r => r.Attempt == 2).ToList();
            Assert.True(moved.Count >= itsTasks.Count, $"{moved.Count} tasks moved; the host had {itsTasks.Count} running");
            Assert.All(moved, row => Assert.Equal(survivor, row.ComputerName));
            Assert.Equal(Enumerable.Range(1, 8).Select(i => i.ToString(CultureInfo.InvariantCulture)), File.ReadAllLines(Path.Combine(work, "done")).OrderBy(int.Parse));
        }
        finally
        {
            _hosts.Close(first);
            _hosts.Close(second);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void TheFanOutBringsEverySessionsOutputAndStreamsAndOneEndEach()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession first = _hosts.Open(_hosts.First);
        PSSession second = _hosts.Open(_hosts.Second);
        PSSession closed = _hosts.Open(_hosts.Second);
        _hosts.Close(closed);
        try
        {
            List<SessionRecord> records = SessionFanOut.Run([first, second, closed], (ps, session) => ps
                .AddScript("param($Name) $VerbosePreference = 'Continue'; \"out $Name\"; Write-Error \"err $Name\"; Write-Warning \"warn $Name\"; Write-Verbose \"verbose $Name\"; if ($Name -eq '127.0.0.2') { throw 'failed here' }")
                .AddArgument(SessionFanOut.Describe(session)), CancellationToken.None).ToList();

            List<SessionRecord> Of(PSSession session) => records.Where(r => ReferenceEquals(r.Session, session)).ToList();
            List<SessionRecord> one = Of(first);
            Assert.Equal(
                [(SessionRecordKind.Output, "out 127.0.0.1"), (SessionRecordKind.Error, "err 127.0.0.1"), (SessionRecordKind.Warning, "warn 127.0.0.1"), (SessionRecordKind.Verbose, "verbose 127.0.0.1"), (SessionRecordKind.Completed, "")],
                one.Select(r => (r.Kind, r.Data?.ToString() ?? "")));
            List<SessionRecord> two = Of(second);
            Assert.Equal(
                [SessionRecordKind.Output, SessionRecordKind.Error, SessionRecordKind.Warning, SessionRecordKind.Verbose, SessionRecordKind.Failed],
                two.Select(r => r.Kind));
            Assert.Contains("failed here", ((Exception)two[^1].Data!).Message);
            SessionRecord gone = Assert.Single(Of(closed));
            Assert.Equal(SessionRecordKind.Failed, gone.Kind);
            Assert.StartsWith("The session to 127.0.0.2 is Closed, not open", ((Exception)gone.Data!).Message);
        }
        finally
        {
            _hosts.Close(first);
            _hosts.Close(second);
        }
    }

    [Fact]
    public void StoppingTheFanOutEndsTheRemoteCommandsAndLeavesTheSessionsUsable()
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession first = _hosts.Open(_hosts.First);
        PSSession second = _hosts.Open(_hosts.Second);
        try
        {
            // Taking the first output leaves the enumeration: every remote command is stopped before it returns.
            var clock = Stopwatch.StartNew();
            SessionRecord firstOut = SessionFanOut.Run([first, second], (ps, _) => ps.AddScript("1; Start-Sleep -Seconds 300; 2"), CancellationToken.None)
                .First(r => r.Kind == SessionRecordKind.Output);
            Assert.Equal(1, (int)((PSObject)firstOut.Data!).BaseObject);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"leaving took {clock.Elapsed}");

            List<SessionRecord> again = SessionFanOut.Run([first, second], (ps, _) => ps.AddScript("42"), CancellationToken.None).ToList();
            Assert.Equal([42, 42], again.Where(r => r.Kind == SessionRecordKind.Output).Select(r => (int)((PSObject)r.Data!).BaseObject));
            Assert.Equal(2, again.Count(r => r.Kind == SessionRecordKind.Completed));
        }
        finally
        {
            _hosts.Close(first);
            _hosts.Close(second);
        }
    }

    /// <summary>How many processes of this machine have <paramref name="token"/> in their command line.</summary>
    private static int Running(string token) => WithToken(token).Count;

    /// <summary>The processes of this machine whose command line holds <paramref name="token"/>.</summary>
    private static List<int> WithToken(string token)
    {
        var found = new List<int>();
        foreach (string directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int id))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(token, StringComparison.Ordinal))
                {
                    found.Add(id);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return found;
    }

    /// <summary>The tasks' start and end times on one host: the most that ran at once.</summary>
    private static int PeakOverlap(IEnumerable<ProcessTaskResult> rows)
    {
        var edges = rows.SelectMany(r => new[] { (Time: r.StartTime!.Value, Step: 1), (Time: r.EndTime!.Value, Step: -1) })
            .OrderBy(e => e.Time).ThenBy(e => e.Step);
        int now = 0, peak = 0;
        foreach ((DateTimeOffset _, int step) in edges)
        {
            now += step;
            peak = Math.Max(peak, now);
        }

        return peak;
    }
}
