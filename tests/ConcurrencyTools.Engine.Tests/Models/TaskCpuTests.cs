using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Statistics;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Models;

public class TaskCpuTests
{
    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.Processes)]
    public void WaitingTasksUseLittleOfTheirOwnCpuAndComputingTasksAlmostAll(ConcurrencyModel model)
    {
        // The Linux thread clock; elsewhere the column stays empty and there is nothing to check.
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, tasks: 4, durationMs: 50), new[] { model }, new[] { 2 }, repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement io = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single();
        Assert.True(io.TaskCpuShare < 0.1, $"{model} Io: TaskCpuShare {io.TaskCpuShare}, TaskCpuMs {io.TaskCpuMs}");

        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 20_000_000);
        plan = new MeasurementPlan(spec, new[] { model }, new[] { 1 }, repeat: 1, warmup: 1, measureOverhead: false);
        WorkloadMeasurement cpu = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single();

        // The same tasks run here, timed by this thread's clock: CPU time does not depend on how busy the
        // machine is (its wall time does, so the share is only compared with the waiting tasks').
        var workload = Workload.Create(spec);
        var context = new BlockingTaskContext(CancellationToken.None);
        double before = ThreadCpuClock.NowMs();
        for (int i = 0; i < spec.Tasks; i++)
        {
            _ = workload.RunTaskAsync(i, context).Result;
        }

        double reference = ThreadCpuClock.NowMs() - before;
        Assert.True(cpu.TaskCpuMs > 0.5 * reference && cpu.TaskCpuMs < 2 * reference, $"{model} Cpu: TaskCpuMs {cpu.TaskCpuMs}, the same tasks here {reference:F1} ms");
        Assert.True(cpu.TaskCpuShare > 5 * io.TaskCpuShare, $"{model}: Cpu share {cpu.TaskCpuShare}, Io share {io.TaskCpuShare}");
        Assert.True(cpu.CpuTimeMs >= cpu.TaskCpuMs * 0.9, $"{model}: the process's CPU {cpu.CpuTimeMs} holds the tasks' {cpu.TaskCpuMs}");
    }

    [Fact]
    public void BoundFollowsTheWorksOwnCpuNotTheProcesss()
    {
        // A sleeping task list whose process burned 60% of the run (PowerShell's compiler, GC, the sampler):
        // by CpuTimeMs alone it was Mixed or CpuBound; by the tasks' own CPU it is I/O-bound.
        var analysis = new SpeedupAnalysis();
        var recommendations = new RecommendationAnalysis();
        foreach (var (model, workers, ms) in new[] { ("Sequential", 1, 600.0), ("Runspaces", 3, 210.0) })
        {
            for (int run = 1; run <= 3; run++)
            {
                analysis.Add(new SpeedupSample("m", "ScriptBlock", 6, "ScriptBlock", model, workers, run, ms + run, true));
                recommendations.Add("m", "ScriptBlock", 6, "ScriptBlock", model, workers, ms + run, cpuTimeMs: 0.8 * ms, logicalCores: 2, startupMs: null, taskCpuShare: 0.004);
            }
        }

        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        recommendations.Apply(summaries);
        Assert.All(summaries, s => Assert.Equal(nameof(WorkloadBound.IoBound), s.Bound));
        Assert.Contains("I/O-bound", summaries[0].Recommendation);
        Assert.DoesNotContain("CPU-bound", summaries[0].Recommendation);

        // Without TaskCpuShare (an older CSV), the process's CPU still decides.
        Assert.Equal(WorkloadBound.CpuBound, WorkloadBoundRule.Classify(WorkloadBoundRule.CpuPerWorker(480, 600, 1, 2)!.Value));
    }

    [Theory]
    // cpu, wall, wait for a core (ms, summed over the tasks) -> TaskCpuShare and Bound.
    [InlineData(500.0, 1000.0, 500.0, 1.0, WorkloadBound.CpuBound)] // four computing workers on two cores: half the time waiting for a core
    [InlineData(250.0, 1000.0, 740.0, 0.961538, WorkloadBound.CpuBound)] // computing on a machine busy with other work
    [InlineData(20.0, 1000.0, 0.0, 0.02, WorkloadBound.IoBound)] // sleeping
    [InlineData(20.0, 1000.0, 5.0, 0.020101, WorkloadBound.IoBound)] // sleeping, with a little wait for a core on waking
    [InlineData(400.0, 1000.0, 0.0, 0.4, WorkloadBound.Mixed)]
    [InlineData(0.0, 1000.0, 1000.0, 0.0, WorkloadBound.IoBound)] // nothing measured as runnable: no CPU, no share to speak of
    [InlineData(10.0, 1000.0, 1100.0, 0.01, WorkloadBound.IoBound)] // figures that do not add up: the wait is not left out
    [InlineData(70.0, 702.0, 685.0, 0.099715, WorkloadBound.IoBound)] // seen in a fresh job process under a load of 70 on 2 cores
    [InlineData(50.0, 100.0, 53.0, 1.0, WorkloadBound.CpuBound)] // CPU and wait exactly at the slack (100 x 1.02 + 1): the wait is left out
    [InlineData(50.0, 100.0, 53.5, 0.5, WorkloadBound.Mixed)] // just past the slack: not left out
    [InlineData(0.0, 5.0, 5.0, 0.0, WorkloadBound.IoBound)] // all of the time waiting for a core, no CPU: nothing runnable, share 0 (not 0 / 0)
    public void TheShareLeavesOutTheWaitForACore(double cpuMs, double wallMs, double runWaitMs, double share, WorkloadBound bound)
    {
        var row = new WorkloadMeasurement();
        WorkloadBenchmark.SetTaskCpu(row, cpuMs, wallMs, runWaitMs);
        Assert.Equal(cpuMs, row.TaskCpuMs);
        Assert.Equal(share, row.TaskCpuShare!.Value, 6);
        Assert.Equal(bound, WorkloadBoundRule.Classify(WorkloadBoundRule.TaskCpuShare(row.TaskCpuShare)!.Value));
    }

    [Theory]
    [InlineData(null, 1000.0)] // no CPU figure
    [InlineData(10.0, null)] // no wall time
    [InlineData(10.0, 0.0)]
    [InlineData(10.0, -1.0)]
    [InlineData(-1.0, 1000.0)] // a CPU figure that cannot be
    [InlineData(double.NaN, 1000.0)]
    public void TaskCpuIsLeftEmptyWithoutUsableCpuAndWallTime(double? cpuMs, double? wallMs)
    {
        var row = new WorkloadMeasurement();
        WorkloadBenchmark.SetTaskCpu(row, cpuMs, wallMs, 0.0);
        Assert.Null(row.TaskCpuMs);
        Assert.Null(row.TaskCpuShare);
    }

    [Fact]
    public void NoCpuInAllTheTimeIsAShareOfZero()
    {
        var row = new WorkloadMeasurement();
        WorkloadBenchmark.SetTaskCpu(row, 0.0, 1000.0, null);
        Assert.Equal(0.0, row.TaskCpuMs);
        Assert.Equal(0.0, row.TaskCpuShare);
    }

    [Fact]
    public void ManyWaitingWorkersOnFewCoresAreStillIoBound()
    {
        // The old rule multiplied TaskCpuShare by Workers / LogicalCores: 64 sleeping workers on 2 cores with a
        // share of 0.02 became 0.64, CpuBound. A share is a task's own figure; the number of workers does not scale it.
        var analysis = new SpeedupAnalysis();
        var recommendations = new RecommendationAnalysis();
        foreach (var (model, workers, ms) in new[] { ("Sequential", 1, 6400.0), ("Threads", 64, 110.0) })
        {
            for (int run = 1; run <= 3; run++)
            {
                analysis.Add(new SpeedupSample("m", "Io", 64, "DurationMs=100", model, workers, run, ms + run, true));
                recommendations.Add("m", "Io", 64, "DurationMs=100", model, workers, ms + run, cpuTimeMs: 50, logicalCores: 2, startupMs: null, taskCpuShare: 0.02);
            }
        }

        var summaries = analysis.Summarize(SpeedupBaseline.Sequential).Summaries;
        recommendations.Apply(summaries);
        Assert.All(summaries, s => Assert.Equal(nameof(WorkloadBound.IoBound), s.Bound));
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    public void WithMoreWorkersThanCoresComputingTasksKeepAFarHigherShareThanWaitingOnes(ConcurrencyModel model)
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // Twice as many workers as cores, computing and then waiting, in the same test: a computing task waits
        // for a core, and how long depends on the machine's load, so the test compares the two rather than
        // asserting CpuBound from a wall time (on a quiet machine the wait for a core is left out and the
        // computing share is near 1). Processes is left out here: each run starts fresh workers, whose first
        // task also compiles its code, so under load their waiting tasks' share is not steady enough to compare.
        int workers = 2 * Environment.ProcessorCount;
        WorkloadMeasurement Measure(WorkloadSpec spec) =>
            new WorkloadBenchmark(new MeasurementPlan(spec, new[] { model }, new[] { workers }, repeat: 1, warmup: 1, measureOverhead: false))
                .Run(null, CancellationToken.None).Single();

        WorkloadMeasurement cpu = Measure(new WorkloadSpec(WorkloadKind.Cpu, tasks: workers, iterations: 10_000_000));
        WorkloadMeasurement io = Measure(new WorkloadSpec(WorkloadKind.Io, tasks: workers, durationMs: 50));
        Assert.True(cpu.TaskCpuShare > 5 * io.TaskCpuShare, $"{model} x{workers}: Cpu share {cpu.TaskCpuShare}, Io share {io.TaskCpuShare}");
        Assert.True(io.TaskCpuShare <= WorkloadBoundRule.IoBoundAt, $"{model} x{workers}: Io share {io.TaskCpuShare}");
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.GilThreads)]
    public void ATaskThatThrowsStillCountsItsCpu(ConcurrencyModel model)
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // One worker, one task: it computes for 40 ms of its thread's CPU (however long that takes on a busy
        // machine), then throws. The run fails, and TaskCpu holds those 40 ms.
        // A run before it compiles what this run's would (the model's loop, the workload, the first throw): the
        // event loop takes the JIT compiler's time on its thread off the CPU it counts, and that time is wall-clock
        // time, so on a busy machine a compilation inside the task took more off than it spent (38.5 ms once).
        _ = ExecutionModel.Create(model).Run(new ComputeThenThrowWorkload(cpuMs: 1), 1, CancellationToken.None);
        var workload = new ComputeThenThrowWorkload(cpuMs: 40);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 1, CancellationToken.None);
        Assert.Contains("after computing", result.Error?.Message);
        Assert.True(result.TaskCpu?.TotalMilliseconds >= 39, $"{model}: TaskCpu {result.TaskCpu?.TotalMilliseconds} ms");
        Assert.True(result.TaskWall?.TotalMilliseconds >= 39, $"{model}: TaskWall {result.TaskWall?.TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData(ConcurrencyModel.Sequential, 1)]
    [InlineData(ConcurrencyModel.Threads, 4)]
    [InlineData(ConcurrencyModel.ThreadPool, 4)]
    [InlineData(ConcurrencyModel.GilThreads, 4)]
    public void TheThreadClocksAreReadAFewTimesAThreadNotAroundEveryTask(ConcurrencyModel model, int workers)
    {
        // Each reading is two system calls (the CPU clock and /proc schedstat), about 1.5 us: read around each
        // of 2,000 empty tasks they made the run 30 times slower than the tasks (issue 24). A thread reads when
        // it starts its tasks and when it ends them; a pool thread may read again when another run's tasks
        // came in between on it (tests run in parallel), hence the slack, far below one reading a task.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: 2_000).AsEmpty());
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, workers, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal(workload.ExpectedChecksum(), result.Checksum);
        Assert.True(result.ThreadClockReadings >= 2, $"{model}: {result.ThreadClockReadings} readings");
        Assert.True(result.ThreadClockReadings <= (2 * result.ThreadsUsed) + 20, $"{model}: {result.ThreadClockReadings} readings for {result.ThreadsUsed} threads and 2,000 tasks");
        if (ThreadCpuClock.IsThreadTime)
        {
            Assert.True(result.TaskCpu > TimeSpan.Zero && result.TaskCpu < result.Elapsed * workers, $"{model}: TaskCpu {result.TaskCpu}, elapsed {result.Elapsed}");
        }
    }

    [Fact]
    public void AnotherThreadsClockReadsWhatItsOwnThreadReads()
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // A thread computes for 30 ms of its CPU, reads its own clock, and blocks; this thread then reads it
        // from outside, as the ThreadPool model ends a pool thread's span: the same CPU, no more than a
        // few instructions later.
        int threadId = 0;
        ThreadTimes own = default;
        using var computed = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            threadId = ThreadCpuClock.CurrentThreadId();
            double until = ThreadCpuClock.NowMs() + 30;
            while (ThreadCpuClock.NowMs() < until)
            {
                Thread.SpinWait(1_000);
            }

            own = ThreadCpuClock.Now();
            computed.Set();
            release.Wait();
            ThreadCpuClock.ReleaseThread();
        });
        thread.Start();
        computed.Wait();
        Assert.True(ThreadCpuClock.TryReadThread(threadId, out ThreadTimes outside));
        release.Set();
        thread.Join();

        Assert.True(own.CpuMs >= 30, $"own {own.CpuMs} ms");
        Assert.InRange(outside.CpuMs - own.CpuMs, 0, 5);
        Assert.InRange(outside.RunWaitMs - own.RunWaitMs, 0, 1_000);
        Assert.False(ThreadCpuClock.TryReadThread(threadId: 0, out _));
    }

    /// <summary>A single task that computes for a given CPU time on its own thread, then throws.</summary>
    private sealed class ComputeThenThrowWorkload : Workload
    {
        private readonly double _cpuMs;

        public ComputeThenThrowWorkload(double cpuMs)
            : base(new WorkloadSpec(WorkloadKind.Cpu, tasks: 1, iterations: 1)) => _cpuMs = cpuMs;

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            double until = ThreadCpuClock.NowMs() + _cpuMs;
            while (ThreadCpuClock.NowMs() < until)
            {
                Thread.SpinWait(1_000);
            }

            throw new InvalidOperationException("Task fails after computing.");
        }

        public override long ExpectedChecksum(int index) => 0;
    }
}
