using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ProcessPoolTests
{
    /// <summary>
    /// The pipeline thread waits for the pool once or more per task; a wait that spins before it blocks
    /// (SemaphoreSlim: dozens of sched_yield calls a wait) costs pwsh CPU for as long as the tasks run.
    /// CPU time of known work, not a time bound: the same number of waits on the pool and on a plain blocking
    /// event, on this thread, while a child sleeps.
    /// </summary>
    [Fact]
    public void WaitingForThePoolCostsNoMoreCpuThanAPlainBlockingWait()
    {
        if (!Measurement.ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        using var pool = new BoundedProcessPool(new ProcessPoolOptions { ThrottleLimit = 1 });
        Assert.True(pool.TryAdd(new ProcessTask(1, "", "/bin/sleep", new[] { "30" })));
        Thread.Sleep(200);
        const int Waits = 300;
        var timeout = TimeSpan.FromMilliseconds(2);

        double poolCpu = 0, plainCpu = 0;
        using var plain = new ManualResetEventSlim(false, spinCount: 0);
        for (int round = 0; round < 3; round++)
        {
            double before = Measurement.ThreadCpuClock.NowMs();
            for (int i = 0; i < Waits; i++)
            {
                pool.WaitForActivity(timeout, CancellationToken.None);
            }

            double middle = Measurement.ThreadCpuClock.NowMs();
            for (int i = 0; i < Waits; i++)
            {
                plain.Wait(timeout);
            }

            poolCpu += middle - before;
            plainCpu += Measurement.ThreadCpuClock.NowMs() - middle;
        }

        Assert.True(poolCpu < 2 * plainCpu + 5, $"{Waits * 3} waits for the pool took {poolCpu:F1} ms of this thread's CPU against {plainCpu:F1} ms for as many plain blocking waits");
    }

    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryTaskRunsOnceWithItsOutputAndExit(bool portable)
    {
        var options = new ProcessPoolOptions { ThrottleLimit = 3 };
        var runner = new LocalProcessRunner(options, 3, portable);
        List<ProcessTaskResult> rows = Run(options, Enumerable.Range(1, 40).Select(i => Shell(i, "echo out $0; echo err $0 >&2; exit $(($0 % 3))")), new[] { runner });

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), rows.Select(r => r.Seq).OrderBy(s => s));
        foreach (ProcessTaskResult row in rows)
        {
            Assert.Equal("out " + row.Seq, row.StdOut);
            Assert.Equal("err " + row.Seq, row.StdErr);
            Assert.Equal((int)(row.Seq % 3), row.ExitCode);
            Assert.Equal(row.Seq % 3 == 0, row.Succeeded);
            Assert.Equal(row.Succeeded ? null : $"Exited with code {row.Seq % 3}.", row.Error);
            Assert.InRange(row.Slot, 1, 3);
            Assert.Equal(1, row.Attempt);
            Assert.NotNull(row.ProcessId);
            Assert.True(row.EndTime >= row.StartTime);
            Assert.True(row.DurationMs > 0);
            Assert.True(row.QueueWaitMs >= 0);
            Assert.Null(row.Signal);
            Assert.False(row.TimedOut || row.Skipped || row.Truncated);
            Assert.Equal(Environment.MachineName, row.ComputerName);
        }

        // posix_spawn + wait4 measure the child's CPU time; Process on Linux cannot after exit: empty, not 0.
        Assert.All(rows, row => Assert.Equal(portable, row.CpuTimeMs is null));
    }

    [Fact]
    public void AChildsPeakWorkingSetIsItsOwnOrEmpty()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // Small children inherit our high-water mark through vfork: not measurable, so empty.
        ProcessTaskResult small = Run(new ProcessPoolOptions(), new[] { new ProcessTask(1, "", "/bin/true", Array.Empty<string>()) }).Single();
        Assert.Null(small.PeakWorkingSetBytes);
        Assert.NotNull(small.CpuTimeMs);

        // A child that touches more than our own peak reports its own figure.
        long self;
        using (var me = Process.GetCurrentProcess())
        {
            self = me.PeakWorkingSet64;
        }

        long size = self + (64 << 20);
        ProcessTaskResult big = Run(new ProcessPoolOptions(), new[]
        {
            // tail keeps the last bytes of a pipe in memory; sh reports the peak of the children it waited for.
            new ProcessTask(1, "", "sh", new[] { "-c", $"head -c {size + (1 << 20)} /dev/zero | tail -c {size} > /dev/null" }),
        }).Single();
        Assert.True(big.Succeeded, big.StdErr);
        Assert.InRange(big.PeakWorkingSetBytes!.Value, size, size + (256 << 20));
        Assert.True(big.CpuTimeMs > 0);
    }

    [Fact]
    public void HostileItemsAreOnePlainArgumentEach()
    {
        string[] items = { "; rm -rf /tmp/never", "$(touch /tmp/never)", "`id`", "it's \"quoted\"", "two\nlines", "*", "-n", " spaced " };
        List<ProcessTaskResult> rows = Run(
            new ProcessPoolOptions { ThrottleLimit = 2, KeepOrder = true },
            items.Select((item, i) => new ProcessTask(i + 1, item, "printf", new[] { "%s", item })));
        Assert.Equal(items, rows.Select(r => r.StdOut));
        Assert.Equal("%s '; rm -rf /tmp/never'", rows[0].Arguments);
        Assert.Equal("printf %s 'it'\\''s \"quoted\"'", rows[3].CommandLine);
    }

    [Fact]
    public void KeepOrderEmitsInInputOrderAndOtherwiseAsTheyFinish()
    {
        ProcessTask[] tasks = Enumerable.Range(1, 4).Select(i => new ProcessTask(i, "", "sleep", new[] { ((5 - i) * 0.4).ToString(CultureInfo.InvariantCulture) })).ToArray();
        List<ProcessTaskResult> ordered = Run(new ProcessPoolOptions { ThrottleLimit = 4, KeepOrder = true }, tasks);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, ordered.Select(r => r.Seq));

        List<ProcessTaskResult> finished = Run(new ProcessPoolOptions { ThrottleLimit = 4 }, tasks);
        Assert.Equal(4, finished.Count);
        Assert.Equal(4, finished[0].Seq);
        Assert.Equal(1, finished[3].Seq);
    }

    [Fact]
    public void TheReorderWindowBoundsWhatIsHeldBack()
    {
        // Task 1 blocks; the others finish at once. Under KeepOrder no more than the window may be taken.
        using var release = new ManualResetEventSlim();
        var runner = new FakeRunner(3, (task, stop) => task.Seq == 1 ? System.Threading.Tasks.Task.Run(() => release.Wait(HangGuard, stop)) : System.Threading.Tasks.Task.CompletedTask);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true, ReorderWindow = 5 }, new[] { runner });
        for (int i = 1; i <= 20; i++)
        {
            Assert.True(pool.TryAdd(FakeTask(i)));
        }

        pool.CompleteAdding();

        // Wait for the window to fill (the machine may be slow), then give a sixth task time to start wrongly.
        var clock = Stopwatch.StartNew();
        while (runner.Started < 5 && clock.Elapsed < HangGuard)
        {
            Thread.Sleep(20);
        }

        Thread.Sleep(500);
        Assert.Equal(5, runner.Started);
        Assert.False(pool.TryTakeResult(out _));

        release.Set();
        List<ProcessTaskResult> rows = Drain(pool);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), rows.Select(r => r.Seq));
    }

    [Fact]
    public void TheThrottleIsNeverExceeded()
    {
        var runner = new FakeRunner(3, (_, _) => System.Threading.Tasks.Task.Delay(Random.Shared.Next(1, 6)));
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 300).Select(FakeTask));
        Assert.Equal(300, rows.Count);
        Assert.Equal(3, runner.MaxConcurrent);
        Assert.Equal(3, pool.PeakRunning);

        // The same with real processes, each alive for a while.
        using var real = new BoundedProcessPool(new ProcessPoolOptions { ThrottleLimit = 2 });
        rows = Drain(real, Enumerable.Range(1, 12).Select(i => new ProcessTask(i, "", "sleep", new[] { "0.05" })));
        Assert.All(rows, row => Assert.True(row.Succeeded));
        Assert.Equal(2, real.PeakRunning);
        Assert.Equal(new[] { 1, 2 }, rows.Select(r => r.Slot).Distinct().OrderBy(s => s));
    }

    [Fact]
    public void ATimeoutKillsTheWholeTreeIncludingAnOrphanedGrandchild()
    {
        // The inner sh starts a sleeping grandchild and exits at once, so the grandchild is re-parented and no
        // longer below the child in the process tree; only the child's process group still reaches it.
        ProcessTask task = new(1, "", "sh", new[] { "-c", "sh -c 'sleep 300 & echo $!'; sleep 300 & echo $!; wait" });
        ProcessTaskResult row = Run(new ProcessPoolOptions { Timeout = TimeSpan.FromSeconds(1) }, new[] { task }).Single();

        Assert.True(row.TimedOut);
        Assert.False(row.Succeeded);
        Assert.Equal(9, row.Signal);
        Assert.Equal(137, row.ExitCode);
        Assert.Contains("Timed out after 1 s", row.Error);
        int[] sleepers = row.StdOut.Split('\n').Select(int.Parse).ToArray();
        Assert.Equal(2, sleepers.Length);
        foreach (int pid in sleepers)
        {
            Assert.True(WaitUntilGone(pid), $"process {pid} survived the timeout");
        }
    }

    [Fact]
    public void FailedTasksAreRetriedAndTheRowCarriesTheFinalAttempt()
    {
        string counter = Path.Combine(Directory.CreateTempSubdirectory().FullName, "n");
        string script = "n=$(cat \"$0\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$0\"; echo attempt $n; [ $n -ge 3 ]";
        ProcessTaskResult row = Run(new ProcessPoolOptions { RetryCount = 5 }, new[] { new ProcessTask(1, counter, "sh", new[] { "-c", script, counter }) }).Single();
        Assert.True(row.Succeeded);
        Assert.Equal(3, row.Attempt);
        Assert.Equal("attempt 3", row.StdOut);

        File.Delete(counter);
        row = Run(new ProcessPoolOptions { RetryCount = 1 }, new[] { new ProcessTask(1, counter, "sh", new[] { "-c", script, counter }) }).Single();
        Assert.False(row.Succeeded);
        Assert.Equal(2, row.Attempt);
        Assert.Equal("2", File.ReadAllText(counter).Trim());
    }

    [Fact]
    public void HaltingAfterFailuresTurnsTheRestIntoSkippedRows()
    {
        List<ProcessTaskResult> rows = Run(
            new ProcessPoolOptions { ThrottleLimit = 1, HaltAfter = HaltPolicy.Parse("3"), KeepOrder = true },
            Enumerable.Range(1, 30).Select(i => new ProcessTask(i, "", "false", Array.Empty<string>())));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), rows.Select(r => r.Seq));
        Assert.All(rows.Take(3), row => Assert.False(row.Skipped || row.Succeeded));
        Assert.All(rows.Skip(3), row =>
        {
            Assert.True(row.Skipped);
            Assert.False(row.Succeeded);
            Assert.Null(row.ProcessId);
            Assert.Equal(0, row.Attempt);
            Assert.Contains("halted after 3 of 3 tasks failed", row.Error);
        });

        // A share is judged from ten finished tasks on.
        rows = Run(
            new ProcessPoolOptions { ThrottleLimit = 1, HaltAfter = HaltPolicy.Parse("50%") },
            Enumerable.Range(1, 25).Select(i => new ProcessTask(i, "", i % 2 == 0 ? "true" : "false", Array.Empty<string>())));
        Assert.Equal(25, rows.Count);
        Assert.Equal(10, rows.Count(r => !r.Skipped));
        Assert.Equal(15, rows.Count(r => r.Skipped));
    }

    [Fact]
    public void ACommandThatCannotStartIsARowAndThePoolGoesOn()
    {
        string directory = Directory.CreateTempSubdirectory().FullName;
        string notExecutable = Path.Combine(directory, "script.sh");
        File.WriteAllText(notExecutable, "#!/bin/sh\necho hi\n");
        List<ProcessTaskResult> rows = Run(
            new ProcessPoolOptions { ThrottleLimit = 2, RetryCount = 3, KeepOrder = true },
            new[]
            {
                new ProcessTask(1, "", "/no/such/tool", Array.Empty<string>()),
                new ProcessTask(2, "", "no-such-tool-on-path", Array.Empty<string>()),
                new ProcessTask(3, "", notExecutable, Array.Empty<string>()),
                new ProcessTask(4, "", "echo", new[] { "still running" }),
            });
        Assert.Contains("'/no/such/tool' does not exist", rows[0].Error);
        Assert.Contains("'no-such-tool-on-path' was not found on PATH", rows[1].Error);
        Assert.Contains("ermission denied", rows[2].Error);
        Assert.All(rows.Take(3), row =>
        {
            Assert.False(row.Succeeded);
            Assert.Null(row.ProcessId);
            Assert.Null(row.ExitCode);
            Assert.Equal(1, row.Attempt); // not retried: it would fail the same way
        });
        Assert.True(rows[3].Succeeded);
        Assert.Equal("still running", rows[3].StdOut);
    }

    [Fact]
    public void HugeOutputOnBothStreamsIsReadWithoutDeadlockAndTruncated()
    {
        // Error output first: a reader that waited for standard output to end first would block the child forever.
        ProcessTask task = new(1, "", "sh", new[] { "-c", "head -c 20000000 /dev/zero | tr '\\0' e >&2; head -c 30000000 /dev/zero | tr '\\0' o" });
        ProcessTaskResult row = Run(new ProcessPoolOptions { MaxOutputBytes = 1000, Timeout = HangGuard }, new[] { task }).Single();
        Assert.True(row.Succeeded, row.Error);
        Assert.Equal(30_000_000, row.StdOutBytes);
        Assert.Equal(20_000_000, row.StdErrBytes);
        Assert.True(row.Truncated);
        Assert.Equal(new string('o', 1000), row.StdOut);
        Assert.Equal(new string('e', 1000), row.StdErr);

        // The default keeps 1 MiB of each.
        row = Run(new ProcessPoolOptions(), new[] { task }).Single();
        Assert.True(row.Truncated);
        Assert.Equal(ProcessPoolOptions.DefaultMaxOutputBytes, row.StdOut.Length);
        Assert.Equal(30_000_000, row.StdOutBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // with standard input text, read by the asynchronous readers instead of the slot's thread
    public void OneStreamPastTheLimitMarksTheRowTruncated(bool withInput)
    {
        string? input = withInput ? "in" : null;
        ProcessTask longOut = new(1, "", "sh", new[] { "-c", "printf abcdef; printf x >&2" }, input);
        ProcessTask longErr = new(2, "", "sh", new[] { "-c", "printf x; printf abcdef >&2" }, input);
        ProcessTask neither = new(3, "", "sh", new[] { "-c", "printf abc; printf abc >&2" }, input);
        List<ProcessTaskResult> rows = Run(new ProcessPoolOptions { MaxOutputBytes = 3, KeepOrder = true }, new[] { longOut, longErr, neither });

        Assert.Equal((true, "abc", "x"), (rows[0].Truncated, rows[0].StdOut, rows[0].StdErr));
        Assert.Equal((true, "x", "abc"), (rows[1].Truncated, rows[1].StdOut, rows[1].StdErr));
        Assert.Equal((false, "abc", "abc"), (rows[2].Truncated, rows[2].StdOut, rows[2].StdErr));
        Assert.All(rows, row => Assert.True(row.Succeeded, row.Error));
    }

    [Fact]
    public void StandardInputEnvironmentAndWorkingDirectoryReachTheChild()
    {
        string directory = Directory.CreateTempSubdirectory().FullName;
        var options = new ProcessPoolOptions
        {
            WorkingDirectory = directory,
            Environment = new Dictionary<string, string?> { ["POOL_TEST"] = "välue", ["HOME"] = null },
        };
        ProcessTaskResult row = Run(options, new[]
        {
            new ProcessTask(1, "", "sh", new[] { "-c", "cat; echo \"|$POOL_TEST|${HOME-unset}|$(pwd)\"" }, "line one\nline two\n"),
        }).Single();
        Assert.Equal($"line one\nline two\n|välue|unset|{directory}", row.StdOut);
        Assert.Equal(18, row.StdInBytes);

        // A child that does not read its input still ends normally.
        row = Run(new ProcessPoolOptions(), new[] { new ProcessTask(1, "", "true", Array.Empty<string>(), new string('x', 1 << 20)) }).Single();
        Assert.True(row.Succeeded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // with standard input text, read by the asynchronous readers instead of the slot's thread
    public void AChildThatClosesItsOutputAndRunsPastTheLimitTimedOut(bool withInput)
    {
        // The output ends at once, so the limit strikes while the pool waits only for the exit: the kill's signal,
        // not the open output, is what says the task did not end in time.
        ProcessTask task = new(1, "", "sh", new[] { "-c", "exec >&- 2>&-; sleep 300" }, withInput ? "in" : null);
        ProcessTaskResult row = Run(new ProcessPoolOptions { Timeout = TimeSpan.FromSeconds(1) }, new[] { task }).Single();

        Assert.True(row.TimedOut);
        Assert.False(row.Succeeded);
        Assert.Equal(9, row.Signal);
        Assert.Equal("Timed out after 1 s; the process tree was killed.", row.Error);
        Assert.Equal((string.Empty, string.Empty), (row.StdOut, row.StdErr));
    }

    [Fact]
    public void AProcessEndedByASignalSaysWhich()
    {
        ProcessTaskResult row = Run(new ProcessPoolOptions(), new[] { new ProcessTask(1, "", "sh", new[] { "-c", "kill -TERM $$" }) }).Single();
        Assert.Equal(15, row.Signal);
        Assert.Equal(143, row.ExitCode);
        Assert.Equal("Ended by signal 15.", row.Error);
        Assert.False(row.TimedOut);
    }

    [Fact]
    public void LinesAreHandedOverAsTheyArriveBesidesTheRow()
    {
        var options = new ProcessPoolOptions { StreamLines = true, ThrottleLimit = 2 };
        var lines = new List<ProcessOutputLine>();
        List<ProcessTaskResult> rows = Run(options, Enumerable.Range(1, 3).Select(i => Shell(i, "echo a$0; echo b$0 >&2; printf \"c$0\"")), lines: lines);
        Assert.Equal(9, lines.Count);
        foreach (ProcessTaskResult row in rows)
        {
            var mine = lines.Where(l => l.Seq == row.Seq).ToList();
            Assert.Equal(new[] { "a" + row.Seq, "c" + row.Seq }, mine.Where(l => l.Stream == "StdOut").Select(l => l.Line));
            Assert.Equal(new[] { "b" + row.Seq }, mine.Where(l => l.Stream == "StdErr").Select(l => l.Line));
            Assert.All(mine, l => Assert.Equal(row.ProcessId, l.ProcessId));
            Assert.Equal($"a{row.Seq}\nc{row.Seq}", row.StdOut);
        }
    }

    [Fact]
    public void DisposingStopsStartingTasksAndLeavesNoProcess()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var pool = new BoundedProcessPool(new ProcessPoolOptions { ThrottleLimit = 3 });
        for (int i = 1; i <= 10; i++)
        {
            Assert.True(pool.TryAdd(new ProcessTask(i, "", "sh", new[] { "-c", "sh -c 'sleep 300 &'; sleep 300 & wait" })));
        }

        // Wait for three children, each with a sleeping grandchild below it and an orphaned one, then stop.
        var clock = Stopwatch.StartNew();
        List<int> tree, orphans = new();
        while (((tree = PoolTree()).Count(IsSleep) < 3 || (orphans = OrphanedSleepersOf(tree)).Count < 3) && clock.Elapsed < HangGuard)
        {
            Thread.Sleep(20);
        }

        Assert.Equal(3, tree.Count(IsSleep));
        Assert.Equal(3, orphans.Count);
        pool.Dispose();

        Assert.Empty(PoolTree());
        Assert.All(tree.Concat(orphans), pid => Assert.True(WaitUntilGone(pid), $"process {pid} survived"));
        Assert.False(pool.TryTakeResult(out _));
    }

    [Fact]
    public void ARunnerThatThrowsStillGivesTheTaskItsRow()
    {
        var runner = new FakeRunner(2, (task, _) => task.Seq % 2 == 0 ? throw new InvalidOperationException("runner broke") : System.Threading.Tasks.Task.CompletedTask);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = true }, new[] { runner });
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 6).Select(FakeTask));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, rows.Select(r => r.Seq));
        Assert.All(rows.Where(r => r.Seq % 2 == 0), row =>
        {
            Assert.False(row.Succeeded);
            Assert.Equal("InvalidOperationException: runner broke", row.Error);
        });
        Assert.All(rows.Where(r => r.Seq % 2 == 1), row => Assert.True(row.Succeeded));
    }

    [Fact]
    public void TheInputQueueIsBoundedSoInputIsPaced()
    {
        using var release = new ManualResetEventSlim();
        var runner = new FakeRunner(1, (_, stop) => System.Threading.Tasks.Task.Run(() => release.Wait(HangGuard, stop)));
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new[] { runner });
        int accepted = 0;
        while (accepted < 10_000 && pool.TryAdd(FakeTask(accepted + 1)))
        {
            accepted++;
        }

        // One task runs, the queue holds 64; the caller is told to wait instead of buffering the rest.
        Assert.InRange(accepted, 64, 65);
        release.Set();
        pool.CompleteAdding();
        Assert.Equal(accepted, Drain(pool).Count);
    }

    [Theory]
    [InlineData("3", 3, null)]
    [InlineData(" 10% ", null, 10.0)]
    [InlineData("2.5%", null, 2.5)]
    public void HaltPoliciesParseInTheInvariantCulture(string text, int? failures, double? percent)
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            HaltPolicy policy = HaltPolicy.Parse(text);
            Assert.Equal(failures, policy.Failures);
            Assert.Equal(percent, policy.Percent);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("many")]
    [InlineData("2,5%")]
    public void BadHaltPoliciesAreRejectedNamingTheParameter(string text)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => HaltPolicy.Parse(text));
        Assert.Equal("HaltAfter", error.ParamName);
    }

    [Fact]
    public void PlaceholdersExpandToOneArgument()
    {
        static string? Property(string name) => name == "Name" ? "host a" : null;
        Assert.Equal("ping -c1 x;y", ArgumentTemplate.Expand("ping -c1 {}", "x;y", 7, Property));
        Assert.Equal("x;y/x;y", ArgumentTemplate.Expand("{0}/{}", "x;y", 7, Property));
        Assert.Equal("#7 host a", ArgumentTemplate.Expand("#{#} {Name}", "x", 7, Property));
        Assert.Equal("{literal} {}", ArgumentTemplate.Expand("{{literal}} {{}}", "x", 7, Property));
        Assert.Equal("no close {", ArgumentTemplate.Expand("no close {", "x", 7, Property));
        var error = Assert.Throws<ArgumentException>(() => ArgumentTemplate.Expand("{Missing}", "x", 1, Property));
        Assert.Contains("no property 'Missing'", error.Message);

        Assert.True(ArgumentTemplate.HasPlaceholder("a{}b"));
        Assert.True(ArgumentTemplate.HasPlaceholder("{Name}"));
        Assert.False(ArgumentTemplate.HasPlaceholder("{{}}"));
        Assert.False(ArgumentTemplate.HasPlaceholder("plain"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFailedHostsTasksGoToTheOtherHostsOnceEach(bool keepOrder)
    {
        var healthy = new HostRunner("good", 2, failAfter: 1_000_000);
        var doomed = new HostRunner("bad", 2, failAfter: 3);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions { KeepOrder = keepOrder, ReorderWindow = keepOrder ? 8 : 0 }, new IProcessRunner[] { doomed, healthy });
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 40).Select(FakeTask));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), rows.Select(r => r.Seq).Order());
        Assert.All(rows, r => Assert.True(r.Succeeded));
        Assert.Equal(3, doomed.Completed);
        Assert.Equal(37, healthy.Completed);
        Assert.Equal(3, rows.Count(r => r.ComputerName == "bad"));
        // The attempts that were inside the failed host when it broke show in their rows.
        Assert.Equal(doomed.Broken.Order(), rows.Where(r => r.Attempt == 2).Select(r => r.Seq).Order());
        Assert.NotEmpty(doomed.Broken);
        Assert.True(pool.TryTakeHostFailure(out HostFailedException failure));
        Assert.Equal("bad", failure.ComputerName);
        Assert.False(pool.TryTakeHostFailure(out _));
        if (keepOrder)
        {
            Assert.Equal(rows.Select(r => r.Seq).Order(), rows.Select(r => r.Seq));
        }
    }

    [Fact]
    public void WhenEveryHostFailsTheRestAreSkippedRows()
    {
        var first = new HostRunner("a", 1, failAfter: 2);
        var second = new HostRunner("b", 1, failAfter: 2);
        using var pool = new BoundedProcessPool(new ProcessPoolOptions(), new IProcessRunner[] { first, second });
        List<ProcessTaskResult> rows = Drain(pool, Enumerable.Range(1, 20).Select(FakeTask));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), rows.Select(r => r.Seq).Order());
        Assert.Equal(first.Completed + second.Completed, rows.Count(r => r.Succeeded));
        Assert.All(rows.Where(r => !r.Succeeded), r => Assert.True(r.Skipped));
        Assert.Contains(rows, r => r.Skipped && r.Error!.Contains("every host failed", StringComparison.Ordinal));
        Assert.True(pool.TryTakeHostFailure(out _));
        Assert.True(pool.TryTakeHostFailure(out _));
        Assert.False(pool.TryTakeHostFailure(out _));
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedProcessPool(new ProcessPoolOptions { ThrottleLimit = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedProcessPool(new ProcessPoolOptions { RetryCount = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedProcessPool(new ProcessPoolOptions { Timeout = TimeSpan.Zero }));
    }

    private static ProcessTask FakeTask(int seq) => new(seq, seq.ToString(CultureInfo.InvariantCulture), "fake", Array.Empty<string>());

    [Fact]
    public void ATaskThatCouldNotBePreparedIsARowWithItsErrorAndRunsNothing()
    {
        var options = new ProcessPoolOptions { ThrottleLimit = 2, KeepOrder = true };
        var runner = new HostRunner("host", 2, failAfter: 1_000_000);
        ProcessTask[] tasks =
        [
            Shell(1, "true"),
            new ProcessTask(2, "two", "sh", Array.Empty<string>()) { PreparationError = "The input item 'two' has no property 'Name'." },
            Shell(3, "true"),
        ];

        List<ProcessTaskResult> rows = Run(options, tasks, new[] { runner });

        Assert.Equal(new long[] { 1, 2, 3 }, rows.Select(r => r.Seq));
        ProcessTaskResult unprepared = rows[1];
        Assert.False(unprepared.Succeeded);
        Assert.False(unprepared.Skipped);
        Assert.Null(unprepared.ProcessId);
        Assert.Equal("The input item 'two' has no property 'Name'.", unprepared.Error);
        Assert.Equal(2, runner.Completed);
    }

    private static ProcessTask Shell(int seq, string script) =>
        new(seq, seq.ToString(CultureInfo.InvariantCulture), "sh", new[] { "-c", script, seq.ToString(CultureInfo.InvariantCulture) });

    internal static List<ProcessTaskResult> Run(ProcessPoolOptions options, IEnumerable<ProcessTask> tasks, IReadOnlyList<IProcessRunner>? runners = null, List<ProcessOutputLine>? lines = null)
    {
        using var pool = new BoundedProcessPool(options, runners);
        return Drain(pool, tasks, lines);
    }

    /// <summary>Feeds the pool as the cmdlet does and returns every row (see <see cref="PoolDrain"/>).</summary>
    internal static List<ProcessTaskResult> Drain(BoundedProcessPool pool, IEnumerable<ProcessTask>? tasks = null, List<ProcessOutputLine>? lines = null) =>
        PoolDrain.Drain(pool, tasks, HangGuard, lines);

    /// <summary>Live descendants of this test process that run sh or sleep (the pool's children and grandchildren).</summary>
    private static List<int> PoolTree() =>
        ProcessTree.Descendants(Environment.ProcessId).Where(pid => IsSleep(pid) || CommandLine(pid).StartsWith("sh", StringComparison.Ordinal)).ToList();

    /// <summary>Sleepers in the same process groups as <paramref name="tree"/> that are no longer below this process.</summary>
    private static List<int> OrphanedSleepersOf(List<int> tree)
    {
        var groups = tree.Select(ProcessGroup).ToHashSet();
        return Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && !tree.Contains(pid) && IsSleep(pid) && groups.Contains(ProcessGroup(pid)))
            .ToList();
    }

    private static bool IsSleep(int pid) => CommandLine(pid) == "sleep 300";

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static int ProcessGroup(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>Whether the process is gone (or a zombie, which is dead), waiting a little for the kill to land.</summary>
    private static bool WaitUntilGone(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (!ProcessTree.TryReadParent(pid, out _))
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }

    /// <summary>A host that runs <c>failAfter</c> attempts, then breaks: attempts inside it and any later one throw HostFailedException.</summary>
    private sealed class HostRunner : IProcessRunner
    {
        private readonly int _failAfter;
        private readonly TaskCompletionSource _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;
        private int _completed;

        public HostRunner(string name, int slots, int failAfter)
        {
            ComputerName = name;
            Slots = slots;
            _failAfter = failAfter;
        }

        public string ComputerName { get; }

        public int Slots { get; }

        public int Completed => Volatile.Read(ref _completed);

        public System.Collections.Concurrent.ConcurrentBag<long> Broken { get; } = new();

        public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
        {
            int started = Interlocked.Increment(ref _started);
            if (_broken.Task.IsCompleted || started > _failAfter + Slots)
            {
                throw new HostFailedException(ComputerName, "SessionFailed", $"{ComputerName} is gone.", attemptStarted: false);
            }

            if (started > _failAfter)
            {
                // The host breaks while this attempt runs on it.
                Broken.Add(task.Seq);
                await Task.Delay(20, cancellationToken);
                _broken.TrySetResult();
                throw new HostFailedException(ComputerName, "SessionFailed", $"{ComputerName} is gone.", attemptStarted: true);
            }

            await Task.Delay(Random.Shared.Next(1, 5), cancellationToken);
            Interlocked.Increment(ref _completed);
            return new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, ProcessId = 1, ExitCode = 0, Succeeded = true };
        }
    }

    /// <summary>A runner that runs nothing: it counts how many attempts are inside it at once.</summary>
    private sealed class FakeRunner : IProcessRunner
    {
        private readonly Func<ProcessTask, CancellationToken, Task> _body;
        private int _inside;
        private int _maxConcurrent;
        private int _started;

        public FakeRunner(int slots, Func<ProcessTask, CancellationToken, Task> body)
        {
            Slots = slots;
            _body = body;
        }

        public string ComputerName => "fake";

        public int Slots { get; }

        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

        public int Started => Volatile.Read(ref _started);

        public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            int inside = Interlocked.Increment(ref _inside);
            int max;
            while (inside > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, inside, max) != max)
            {
            }

            try
            {
                await _body(task, cancellationToken);
                return new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, ProcessId = 1, ExitCode = 0, Succeeded = true };
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }
}
