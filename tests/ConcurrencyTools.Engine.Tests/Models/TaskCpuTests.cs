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
        // Four computing workers on two cores: each task waits half its time for a core, and is still CPU-bound.
        Assert.Equal(1.0, WorkloadBoundRule.TaskCpuPerCore(0.5, 4, 2));
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
        var workload = new ComputeThenThrowWorkload(cpuMs: 40);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 1, CancellationToken.None);
        Assert.Contains("after computing", result.Error?.Message);
        Assert.True(result.TaskCpu?.TotalMilliseconds >= 39, $"{model}: TaskCpu {result.TaskCpu?.TotalMilliseconds} ms");
        Assert.True(result.TaskWall?.TotalMilliseconds >= 39, $"{model}: TaskWall {result.TaskWall?.TotalMilliseconds} ms");
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
