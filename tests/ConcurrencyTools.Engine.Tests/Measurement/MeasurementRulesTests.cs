using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The rules of a measurement sweep on their own, without running real models: the schedule and its
/// progress, what goes into a row, plan validation texts, the counters' arithmetic and wire form, and
/// the starvation warning's figures. A scripted model returns exactly the result each test needs.
/// </summary>
public class MeasurementRulesTests
{
    /// <summary>Returns what the test gives it (or throws it), and counts its runs.</summary>
    private sealed class ScriptedModel : ExecutionModel
    {
        private readonly Func<Workload, ModelRunResult> _result;

        public ScriptedModel(Func<Workload, ModelRunResult> result)
        {
            _result = result;
        }

        public int Runs { get; private set; }

        public override ConcurrencyModel Model => ConcurrencyModel.Threads;

        protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken)
        {
            Runs++;
            return _result(workload);
        }
    }

    private sealed class ListProgress : IProgress<MeasurementProgress>
    {
        public List<MeasurementProgress> Reports { get; } = new();

        public void Report(MeasurementProgress value) => Reports.Add(value);
    }

    private static ModelRunResult Honest(Workload workload, double elapsedMs = 1) => new()
    {
        Elapsed = TimeSpan.FromMilliseconds(elapsedMs),
        Checksum = workload.ExpectedChecksum(),
        CompletedTasks = workload.Spec.Tasks,
        ThreadsUsed = 1,
    };

    private static MeasurementPlan Plan(ConcurrencyModel model = ConcurrencyModel.Threads, int repeat = 1, int warmup = 0, bool overhead = false) =>
        new(new WorkloadSpec(WorkloadKind.Io, 3, durationMs: 0), new[] { model }, new[] { 2 }, repeat, warmup, measureOverhead: overhead);

    [Fact]
    public void TheScheduleRunsWarmupsThenOverheadThenRoundsAndReportsEachRunBeforeItStarts()
    {
        var progress = new ListProgress();
        var runs = new List<string>();
        foreach (var run in InterleavedSchedule.Runs(new[] { "a", "b" }, warmup: 2, repeat: 2, overhead: true, progress))
        {
            // Reported before the run is handed out, and only once.
            Assert.Equal(runs.Count + 1, progress.Reports.Count);
            runs.Add($"{run.Configuration} {run.Phase} {run.Round}");
        }

        Assert.Equal(
            new[]
            {
                "a Warmup 1", "b Warmup 1", "a Warmup 2", "b Warmup 2", "a Overhead 1", "b Overhead 1",
                "a Run 1", "b Run 1", "a Run 2", "b Run 2",
            },
            runs);
        Assert.Equal(runs, progress.Reports.Select(p => $"{p.Configuration} {p.Phase} {p.Round}"));
        Assert.Equal(Enumerable.Range(0, 10), progress.Reports.Select(p => p.RunsDone));
        Assert.All(progress.Reports, p => Assert.Equal(10, p.TotalRuns));
        Assert.Equal(10, InterleavedSchedule.Count(2, 2, 2, overhead: true));
        Assert.Equal(8, InterleavedSchedule.Count(2, 2, 2, overhead: false));
        Assert.Equal(4, InterleavedSchedule.Runs(new[] { "a", "b" }, 0, 2, false, null).Count());
    }

    [Theory]
    [InlineData(0, 0, 100)]
    [InlineData(0, 3, 0)]
    [InlineData(1, 3, 33)]
    [InlineData(2, 3, 66)]
    [InlineData(3, 3, 100)]
    [InlineData(30_000_000, 40_000_000, 75)]
    public void PercentCompleteIsTheShareOfRunsDoneRoundedDown(int done, int total, int percent)
    {
        Assert.Equal(percent, new MeasurementProgress("Threads x2", MeasurementPhase.Run, 1, done, total).PercentComplete);
    }

    [Fact]
    public void ProgressDescribesEachPhase()
    {
        var configuration = new MeasurementConfiguration(ConcurrencyModel.GilThreads, 4);
        Assert.Equal("Warm-up 2: GilThreads x4", new MeasurementProgress(configuration, MeasurementPhase.Warmup, 2, 0, 9).Describe());
        Assert.Equal("Overhead on empty tasks: GilThreads x4", new MeasurementProgress(configuration, MeasurementPhase.Overhead, 1, 0, 9).Describe());
        Assert.Equal("Run 3: GilThreads x4", new MeasurementProgress(configuration, MeasurementPhase.Run, 3, 0, 9).Describe());
    }

    [Fact]
    public void APlanKeepsEachModelAndWorkerCountOnceInTheOrderGiven()
    {
        var plan = new MeasurementPlan(
            new WorkloadSpec(WorkloadKind.Cpu, 4, 10),
            new[] { ConcurrencyModel.Threads, ConcurrencyModel.Sequential, ConcurrencyModel.Threads },
            new[] { 2, 1, 2 },
            repeat: 4,
            warmup: 3,
            switchIntervalMs: 7.5,
            measureOverhead: false);
        Assert.Equal(new[] { ConcurrencyModel.Threads, ConcurrencyModel.Sequential }, plan.Models);
        Assert.Equal(new[] { 2, 1 }, plan.Workers);
        Assert.Equal(new[] { "Threads x2", "Threads x1", "Sequential x1" }, plan.Grid.Select(c => c.ToString()));
        Assert.Equal((4, 3, 7.5, false), (plan.Repeat, plan.Warmup, plan.SwitchIntervalMs, plan.MeasureOverhead));
        Assert.Equal(3 * (3 + 4), plan.TotalRuns);
        Assert.Equal("workload", Assert.Throws<ArgumentNullException>(() => new MeasurementPlan(null!)).ParamName);
    }

    [Fact]
    public void IdleWorkersAreWarnedOfWithTheLargestCountUnlessOnlySequentialRuns()
    {
        var cpu = new WorkloadSpec(WorkloadKind.Cpu, 4, 10);
        string Idle(int workers) =>
            $"Workers {workers} is more than Tasks 4: the extra workers have nothing to do. Raise -Tasks to give every worker work.";

        Assert.Equal(
            new[] { Idle(8) },
            PlanWarnings.For(new MeasurementPlan(cpu, new[] { ConcurrencyModel.Sequential, ConcurrencyModel.Threads }, new[] { 2, 8, 6, 4 })));
        Assert.Equal(new[] { Idle(5) }, PlanWarnings.For(new MeasurementPlan(cpu, new[] { ConcurrencyModel.GilThreads }, new[] { 5 })));
        Assert.Empty(PlanWarnings.For(new MeasurementPlan(cpu, new[] { ConcurrencyModel.Threads }, new[] { 1, 4 })));
        Assert.Empty(PlanWarnings.For(new MeasurementPlan(cpu, new[] { ConcurrencyModel.Sequential }, new[] { 8 })));

        // A starving plan's warning follows, as the starvation rule words it.
        var io = new WorkloadSpec(WorkloadKind.Io, 20_000);
        var starving = new MeasurementPlan(io, new[] { ConcurrencyModel.ThreadPool }, new[] { 1024 });
        Assert.Equal(new[] { ThreadPoolStarvationWarning.For(starving)! }, PlanWarnings.For(starving));
    }

    [Fact]
    public void WorkerLimitsNameTheModelsAndTheLimit()
    {
        var io = new WorkloadSpec(WorkloadKind.Io, 20_000);
        Assert.Equal(256, MeasurementPlan.MaxWorkersOf(ConcurrencyModel.Processes));
        Assert.Equal(MeasurementPlan.MaxThreadWorkers, MeasurementPlan.MaxWorkersOf(ConcurrencyModel.Threads));
        Assert.Equal(MeasurementPlan.MaxThreadWorkers, MeasurementPlan.MaxWorkersOf(ConcurrencyModel.GilThreads));
        Assert.Equal(MeasurementPlan.MaxWorkers, MeasurementPlan.MaxWorkersOf(ConcurrencyModel.Sequential));

        Assert.Single(new MeasurementPlan(io, new[] { ConcurrencyModel.Processes }, new[] { 256 }).Grid);
        var processes = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(io, new[] { ConcurrencyModel.Processes }, new[] { 257 }));
        Assert.StartsWith("The Processes model runs at most 256 workers; 257 is too many.", processes.Message);

        var one = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(io, new[] { ConcurrencyModel.Threads }, new[] { 10_001 }));
        Assert.StartsWith("The Threads model starts one OS thread per worker and runs at most 10000 workers; 10001 is too many.", one.Message);
        var two = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(io, new[] { ConcurrencyModel.Threads, ConcurrencyModel.GilThreads }, new[] { 10_001 }));
        Assert.StartsWith("The Threads and GilThreads models start one OS thread per worker and run at most 10000 workers; 10001 is too many.", two.Message);
    }

    [Fact]
    public void ARowCarriesEveryFigureOfTheModelsResult()
    {
        var counters = new RuntimeCounters(1, 2, 3, 4, 5, 6);
        var model = new ScriptedModel(w => new ModelRunResult
        {
            Elapsed = TimeSpan.FromTicks(12_345_678),
            CpuTime = TimeSpan.FromMilliseconds(2000),
            Checksum = w.ExpectedChecksum(),
            CompletedTasks = w.Spec.Tasks,
            ThreadsUsed = 2,
            Startup = TimeSpan.FromTicks(123_456),
            GilSwitches = 11,
            GilForcedDrops = 12,
            Counters = counters,
            PeakWorkingSetBytes = 13,
            PeakThreadCount = 14,
            ThreadPoolThreadsAdded = 15,
            GcMode = "Server/NonConcurrent",
        });
        WorkloadMeasurement row = new WorkloadBenchmark(Plan(), null, (_, _) => model).Run(null, CancellationToken.None).Single();

        Assert.True(row.Verified);
        Assert.Null(row.Error);
        Assert.Equal(1234.5678, row.ElapsedMs);
        Assert.Equal(2000, row.CpuTimeMs);
        Assert.Equal(Math.Round(2000 / (1234.5678 * Environment.ProcessorCount), 6), row.CpuUtilization);
        Assert.Equal(12.3456, row.StartupMs);
        Assert.Equal((3, 3, 2), (row.Tasks, row.CompletedTasks, row.ThreadsUsed));
        Assert.Equal((11L, 12L), (row.GilSwitches!.Value, row.GilForcedDrops!.Value));
        Assert.Equal(new long?[] { 1, 2, 3, 4, 5, 6 }, new long?[] { row.LockContentions, row.ThreadPoolCompletedWorkItems, row.Gen0Collections, row.Gen1Collections, row.Gen2Collections, row.AllocatedBytes });
        Assert.Equal((13L, 14, 15), (row.PeakWorkingSetBytes!.Value, row.PeakThreadCount!.Value, row.ThreadPoolThreadsAdded!.Value));
        Assert.Equal("Server/NonConcurrent", row.GcMode);
        Assert.Null(row.SwitchIntervalMs);
        Assert.Equal(("Io", "Threads", 2, "DurationMs=0", 1), (row.Workload, row.Model, row.Workers, row.TaskSize, row.Run));
        Assert.Equal((Environment.MachineName, Environment.ProcessorCount), (row.MachineName, row.LogicalCores));
        Assert.False(string.IsNullOrEmpty(row.OS));
        Assert.True(Math.Abs((DateTimeOffset.Now - row.Timestamp).TotalMinutes) < 10, $"{row.Timestamp}");
    }

    [Fact]
    public void TimesAreKeptToATenthOfAMicrosecondAndNoTimeMeansNoUtilization()
    {
        Assert.Equal(0.0001, WorkloadBenchmark.Milliseconds(TimeSpan.FromTicks(1)));
        Assert.Equal(1.2345, WorkloadBenchmark.Milliseconds(TimeSpan.FromTicks(12_345)));

        var row = new WorkloadMeasurement { Machine = MachineStamp.Take() with { LogicalCores = 4 } };
        WorkloadBenchmark.SetTimes(row, TimeSpan.Zero, TimeSpan.FromMilliseconds(5));
        Assert.Equal((0.0, 5.0, 0.0), (row.ElapsedMs, row.CpuTimeMs, row.CpuUtilization));
        WorkloadBenchmark.SetTimes(row, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(30));
        Assert.Equal(0.75, row.CpuUtilization);

        WorkloadBenchmark.SetCounters(row, null);
        Assert.Null(row.Gen0Collections);
    }

    [Fact]
    public void AModelThatReportsAnErrorIsNotVerifiedEvenWithTheRightChecksum()
    {
        var model = new ScriptedModel(w =>
        {
            ModelRunResult result = Honest(w);
            result.Error = new AggregateException(new InvalidOperationException("task 2 failed"));
            return result;
        });
        WorkloadMeasurement row = new WorkloadBenchmark(Plan(), null, (_, _) => model).Run(null, CancellationToken.None).Single();
        Assert.False(row.Verified);
        Assert.Equal(row.ExpectedChecksum, row.Checksum);
        Assert.Equal("InvalidOperationException: task 2 failed", row.Error);
    }

    [Fact]
    public void OnlyASingleInnerErrorIsUnwrapped()
    {
        Assert.Equal("TimeoutException: slow", WorkloadBenchmark.Describe(new AggregateException(new AggregateException(new TimeoutException("slow")))));
        Assert.StartsWith("AggregateException: ", WorkloadBenchmark.Describe(new AggregateException(new TimeoutException("a"), new TimeoutException("b"))));
    }

    [Fact]
    public void EachModelIsCreatedOnceWithThePlansSwitchIntervalAndAFailureToCreateItIsEveryRunsError()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 3, durationMs: 0), new[] { ConcurrencyModel.GilThreads, ConcurrencyModel.Threads }, new[] { 1, 2 }, repeat: 2, warmup: 1, switchIntervalMs: 3.5);
        var created = new List<(ConcurrencyModel Model, double Interval)>();
        var threads = new ScriptedModel(w => Honest(w));
        ExecutionModel Create(ConcurrencyModel model, ModelOptions options)
        {
            created.Add((model, options.SwitchIntervalMs));
            return model == ConcurrencyModel.Threads ? threads : throw new InvalidOperationException("no GIL today");
        }

        List<WorkloadMeasurement> rows = new WorkloadBenchmark(plan, new ModelOptions(), Create).Run(null, CancellationToken.None).ToList();

        Assert.Equal(new[] { (ConcurrencyModel.GilThreads, 3.5), (ConcurrencyModel.Threads, 3.5) }, created);
        Assert.Equal(8, rows.Count);
        Assert.All(rows.Where(r => r.Model == "GilThreads"), r =>
        {
            Assert.Equal("InvalidOperationException: no GIL today", r.Error);
            Assert.False(r.Verified);
            Assert.Equal(3.5, r.SwitchIntervalMs);
        });
        Assert.All(rows.Where(r => r.Model == "Threads"), r => Assert.True(r.Verified));

        // Threads x1 and x2: one warm-up, one overhead and two measured runs each.
        Assert.Equal(2 * 4, threads.Runs);
        Assert.Equal("plan", Assert.Throws<ArgumentNullException>(() => new WorkloadBenchmark(null!)).ParamName);
        Assert.Equal("createModel", Assert.Throws<ArgumentNullException>(() => new WorkloadBenchmark(plan, null, null!)).ParamName);
    }

    [Fact]
    public void TheOverheadIsTheEmptyRunsTimeAndOnlyWhenThatRunWasVerified()
    {
        var honest = new ScriptedModel(w => Honest(w, w.Spec.IsEmpty ? 7 : 50));
        WorkloadMeasurement row = new WorkloadBenchmark(Plan(overhead: true), null, (_, _) => honest).Run(null, CancellationToken.None).Single();
        Assert.Equal(7, row.ModelOverheadMs);
        Assert.Equal(50, row.ElapsedMs);

        var faultyWhenEmpty = new ScriptedModel(w =>
        {
            ModelRunResult result = Honest(w, 50);
            result.Checksum += w.Spec.IsEmpty ? 1 : 0;
            return result;
        });
        WorkloadMeasurement second = new WorkloadBenchmark(Plan(overhead: true), null, (_, _) => faultyWhenEmpty).Run(null, CancellationToken.None).Single();
        Assert.True(second.Verified);
        Assert.Null(second.ModelOverheadMs);
    }

    [Fact]
    public void AModelsOwnCancellationIsAFailedRowButTheCallersStopsTheSweep()
    {
        var model = new ScriptedModel(_ => throw new OperationCanceledException("a worker gave up"));
        WorkloadMeasurement row = new WorkloadBenchmark(Plan(), null, (_, _) => model).Run(null, CancellationToken.None).Single();
        Assert.Equal("OperationCanceledException: a worker gave up", row.Error);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var idle = new ScriptedModel(w => Honest(w));
        Assert.ThrowsAny<OperationCanceledException>(() => new WorkloadBenchmark(Plan(), null, (_, _) => idle).Run(null, cancelled.Token).ToList());
        Assert.Equal(0, idle.Runs);
    }

    [Fact]
    public void CountersSubtractAddAndCrossTheWire()
    {
        var before = new RuntimeCounters(1, 20, 3, 2, 1, 1000);
        var after = new RuntimeCounters(4, 70, 9, 5, 2, 5000);
        Assert.Equal(new RuntimeCounters(3, 50, 6, 3, 1, 4000), after.Since(before));
        Assert.Equal(new RuntimeCounters(5, 90, 12, 7, 3, 6000), after.Add(before));

        var odd = new RuntimeCounters(-1, long.MaxValue, int.MaxValue, 0, 7, long.MinValue + 1);
        Assert.Equal("-1 9223372036854775807 2147483647 0 7 -9223372036854775807", odd.ToWire());
        Assert.Equal(odd, RuntimeCounters.FromWire(odd.ToWire().Split(' ')));
        Assert.Equal("Expected 6 counters, got 5.", Assert.Throws<FormatException>(() => RuntimeCounters.FromWire(new[] { "1", "2", "3", "4", "5" })).Message);
        Assert.Matches("^(Workstation|Server)/(Concurrent|NonConcurrent)$", RuntimeCounters.GcMode);
    }

    [Fact]
    public void TheStarvationWarningGivesItsFiguresInMillisecondsBelowASecondAndInSecondsFromOne()
    {
        // 10 waits of 100 ms on 1 thread: 1000 ms, said as 1 s; on 10 workers 100 ms. One run: no "in each".
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 10, durationMs: 100), new[] { ConcurrencyModel.ThreadPool }, new[] { 50 }, repeat: 1, warmup: 0);
        string? warning = ThreadPoolStarvationWarning.For(plan, poolThreads: 0);
        Assert.NotNull(warning);
        Assert.Contains("ThreadPool x10 with 100 ms blocking waits", warning);
        Assert.Contains("the pool has 1 threads now", warning);
        Assert.Contains("about 1 s (waits of 10 tasks queued on 1 threads) instead of 100 ms. EventLoop", warning);

        var ninety = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 9, durationMs: 100), new[] { ConcurrencyModel.ThreadPool }, new[] { 9 }, repeat: 1, warmup: 1);
        Assert.Contains("about 900 ms (waits of 9 tasks queued on 1 threads) instead of 100 ms, in each of 2 runs.", ThreadPoolStarvationWarning.For(ninety, poolThreads: 1));

        var noWait = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 10, durationMs: 0), new[] { ConcurrencyModel.ThreadPool }, new[] { 10 });
        Assert.Null(ThreadPoolStarvationWarning.For(noWait, poolThreads: 1));
        Assert.Null(ThreadPoolStarvationWarning.For(plan, poolThreads: 10));
        Assert.NotNull(ThreadPoolStarvationWarning.For(plan, poolThreads: 9));
        Assert.Throws<ArgumentNullException>(() => ThreadPoolStarvationWarning.For(null!, 1));
    }

    [Fact]
    public void TheThreadClockReadsThisThreadsCpuTimeInMilliseconds()
    {
        Assert.True(ThreadCpuClock.IsThreadTime);
        double start = ThreadCpuClock.NowMs();
        double processMs = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

        // One thread's CPU time is part of the process's (not the wall clock since boot, not nanoseconds).
        Assert.InRange(start, 0.001, processMs + 1);

        // Busy work moves it forward; a hang guard only, the amount is not asserted.
        var guard = Stopwatch.StartNew();
        long spin = 0;
        while (ThreadCpuClock.NowMs() - start < 5 && guard.Elapsed < TimeSpan.FromMinutes(1))
        {
            spin++;
        }

        Assert.True(ThreadCpuClock.NowMs() - start >= 5, $"{spin} spins");
    }
    [Theory]
    [InlineData("17044061 2500000 42\n", 2.5)]       // /proc/thread-self/schedstat: CPU ns, wait ns, slices
    [InlineData("17044061 123456789 42", 123.456789)]
    [InlineData("17044061 7000000", 7.0)]             // no third field: the second runs to the end
    [InlineData("17044061 0 3", 0.0)]
    [InlineData("17044061", 0.0)]                     // malformed: one field
    [InlineData("17044061 x 3", 0.0)]                 // malformed: the wait is not a number
    [InlineData("", 0.0)]
    public void TheWaitForACoreIsTheSecondSchedstatFieldInMilliseconds(string line, double expectedMs)
    {
        Assert.Equal(expectedMs, ThreadCpuClock.ParseRunWaitMs(System.Text.Encoding.ASCII.GetBytes(line)), 9);
    }

    [Fact]
    public void ThreadTimesSubtractFieldByField()
    {
        ThreadTimes span = new ThreadTimes(10.5, 4.25) - new ThreadTimes(3.0, 1.0);
        Assert.Equal(new ThreadTimes(7.5, 3.25), span);
    }

    [Fact]
    public void AThreadsClockCountsWholeSecondsOfCpu()
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // On a thread of its own, computing until the kernel's own count of its CPU (utime and stime of
        // /proc/thread-self/stat, in ticks of 10 ms) passes 1.1 s: the clock's whole seconds must count as seconds.
        double clockMs = 0;
        long ticksBefore = 0;
        long ticksAfter = 0;
        var thread = new Thread(() =>
        {
            long sink = 0;
            do
            {
                for (int i = 0; i < 1_000_000; i++)
                {
                    sink += i ^ (sink >> 3);
                }

                ticksBefore = ThreadTicks();
            }
            while (ticksBefore < 110);

            clockMs = ThreadCpuClock.NowMs();
            ticksAfter = ThreadTicks();
            GC.KeepAlive(sink);
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "the computing thread never reached 1.1 s of CPU");

        Assert.InRange(clockMs, (ticksBefore * 10.0) - 20, (ticksAfter * 10.0) + 20);
    }

    // The calling thread's user and system CPU, in the kernel's clock ticks (100 a second on Linux).
    private static long ThreadTicks()
    {
        string stat = System.IO.File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void AnotherThreadsClockIsReadByItsIdAndAGoneThreadIsNot()
    {
        Assert.True(ThreadCpuClock.IsThreadTime);
        int ownId = ThreadCpuClock.CurrentThreadId();
        Assert.True(ownId > 0);

        // This thread's clock read from "outside" is its own clock: the same CPU time, a little later.
        double before = ThreadCpuClock.NowMs();
        Assert.True(ThreadCpuClock.TryReadThread(ownId, out ThreadTimes outside));
        double after = ThreadCpuClock.NowMs();
        Assert.InRange(outside.CpuMs, before, after);
        Assert.True(outside.RunWaitMs >= 0);
        Assert.True(ThreadCpuClock.RunWaitMs() >= 0);

        // A thread that has ended has no clock and no schedstat file.
        int goneId = 0;
        var thread = new Thread(() => goneId = ThreadCpuClock.CurrentThreadId());
        thread.Start();
        thread.Join();
        Assert.True(goneId > 0 && goneId != ownId);

        // Join returns when the thread's code has finished; the system thread ends a moment later (on a loaded
        // machine, later still), and until then its clock still reads.
        ThreadTimes gone = default;
        var deadline = Stopwatch.StartNew();
        bool read;
        while ((read = ThreadCpuClock.TryReadThread(goneId, out gone)) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        Assert.False(read, "the ended thread's clock still read after 10 s");
        Assert.Equal(default, gone);
        Assert.False(ThreadCpuClock.TryReadThread(0, out _));
        Assert.False(ThreadCpuClock.TryReadThread(-1, out _));
    }

    [Fact]
    public void AThreadsFirstWaitReadingOpensItsOwnSchedstat()
    {
        // The handle is opened on a thread's first call only: a new thread makes that call.
        Exception? error = null;
        double waitMs = -1;
        var thread = new Thread(() =>
        {
            try
            {
                waitMs = ThreadCpuClock.RunWaitMs();
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                ThreadCpuClock.ReleaseThread();
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(error);
        Assert.True(waitMs >= 0, $"{waitMs} ms");
    }

    [Fact]
    public void BadModelAndWorkerListsSayWhatIsWrong()
    {
        var spec = new WorkloadSpec(WorkloadKind.Cpu, 4);
        Assert.StartsWith("Model must name at least one model.", Assert.Throws<ArgumentException>(() => new MeasurementPlan(spec, Array.Empty<ConcurrencyModel>())).Message);
        Assert.StartsWith("Workers must list at least one worker count.", Assert.Throws<ArgumentException>(() => new MeasurementPlan(spec, null, Array.Empty<int>())).Message);
        Assert.StartsWith("Model '99' is not a known model.", Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(spec, new[] { (ConcurrencyModel)99 })).Message);
        Assert.StartsWith(
            "Model 'Jobs' runs script blocks only; give -ScriptBlock, or choose one of Sequential, Threads, ThreadPool, EventLoop, Processes, GilThreads for a built-in workload.",
            Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(spec, new[] { ConcurrencyModel.Jobs })).Message);
    }

    [Fact]
    public void TheStarvationWarningTakesTheLargestWorkerCount()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 10, durationMs: 100), new[] { ConcurrencyModel.ThreadPool }, new[] { 2, 50, 3 }, repeat: 1, warmup: 0);
        Assert.Contains("ThreadPool x10 with 100 ms blocking waits", ThreadPoolStarvationWarning.For(plan, poolThreads: 4));
    }

    [Fact]
    public void StoppingBetweenRunsEndsTheSweepEvenWhenTheModelCannotBeCreated()
    {
        // The model fails before it could look at the token, so only the sweep's own check stops it.
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.RunsDone == 1)
            {
                stop.Cancel();
            }
        });
        var rows = new List<WorkloadMeasurement>();
        var sweep = new WorkloadBenchmark(Plan(repeat: 3), null, (_, _) => throw new InvalidOperationException("no model"));
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (WorkloadMeasurement row in sweep.Run(progress, stop.Token))
            {
                rows.Add(row);
            }
        });
        Assert.Equal("InvalidOperationException: no model", Assert.Single(rows).Error);
    }

    /// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class SyncProgress : IProgress<MeasurementProgress>
    {
        private readonly Action<MeasurementProgress> _report;

        public SyncProgress(Action<MeasurementProgress> report)
        {
            _report = report;
        }

        public void Report(MeasurementProgress value) => _report(value);
    }

    [Fact]
    public void ARowsTextColumnsAreEmptyNotNullUntilSet()
    {
        var row = new WorkloadMeasurement();
        Assert.Equal(new[] { "", "", "", "", "", "" }, new[] { row.Workload, row.Model, row.TaskSize, row.MachineName, row.Runtime, row.OS });
    }

    [Fact]
    public void TheGcModeNamesTheCollectorThisProcessRuns()
    {
        // The latency mode is an independent witness: Batch exactly when concurrent collection is off.
        string expected = (GCSettings.IsServerGC ? "Server" : "Workstation") + "/" + (GCSettings.LatencyMode == GCLatencyMode.Batch ? "NonConcurrent" : "Concurrent");
        Assert.Equal(expected, RuntimeCounters.GcMode);
    }

    [Fact]
    public void TheSamplerCountsTheThreadsThePoolAdded()
    {
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        int items = ThreadPool.ThreadCount + 8;

        // Nothing the pool items touch is disposable: an item may still be between signalling its start and
        // waiting for the release when the test ends, and a wait on a disposed event there would throw on a
        // pool thread and bring down the whole test host. The test also waits for every item to end.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0, ended = 0;
        Assert.True(ThreadPool.SetMinThreads(items + 8, minIo));
        try
        {
            using ProcessSampler sampler = ProcessSampler.Start();
            for (int i = 0; i < items; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(
                    _ =>
                    {
                        try
                        {
                            if (Interlocked.Increment(ref started) == items)
                            {
                                allStarted.TrySetResult();
                            }

                            release.Task.Wait(TimeSpan.FromMinutes(1));
                        }
                        finally
                        {
                            if (Interlocked.Increment(ref ended) == items)
                            {
                                allEnded.TrySetResult();
                            }
                        }
                    },
                    null);
            }

            // A hang guard only: with the minimum raised every item gets a thread at once.
            Assert.True(allStarted.Task.Wait(TimeSpan.FromMinutes(1)));
            sampler.Stop();
            int now = ThreadPool.ThreadCount;

            // At least one thread was added, and no more than the pool has beyond the start.
            Assert.InRange(sampler.PoolThreadsAdded, 1, now - sampler.StartPoolThreads);
            Assert.True(sampler.PeakThreadCount >= items, $"{sampler.PeakThreadCount} threads, {items} pool items running");
            Assert.True(sampler.PeakWorkingSetBytes > 0);
        }
        finally
        {
            release.TrySetResult();
            allEnded.Task.Wait(TimeSpan.FromMinutes(1));
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }
    }
}
