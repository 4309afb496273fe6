using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Models;

/// <summary>Tests that load every core of the machine themselves; they run alone so as not to slow the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadedMachineCollection
{
    public const string Name = "Every core loaded by the test";
}

[Collection(LoadedMachineCollection.Name)]
public class TaskCpuUnderLoadTests
{
    /// <summary>
    /// Computing tasks while six busy processes a core compete for the cores: each task waits for a core most
    /// of its time, and that wait is not time it could have computed, so its share stays well above what its
    /// wall time gives (about 1 / 6.5 on an otherwise quiet machine, 0.03 on a loaded one). Seen on a machine
    /// loaded besides: 0.26 to 1 (the threads also spend some time neither computing nor waiting for a core);
    /// before, the event loop's 0.03 every time (its wait for a core was not counted), and the Threads model's
    /// 0.03 now and then (the wait during a reading of the thread's figures lay outside the wall time, the
    /// figures did not add up, and the whole wait was left out).
    /// </summary>
    /// <remarks>
    /// ThreadPool is left out: a pool thread whose next task went to another pool thread has its figures read
    /// from the run's thread when the run ends, and on a machine this loaded the thread may have waited for a
    /// core after its last task for longer than its tasks took; those figures do not add up and its wait is
    /// left out (seen once in 3 runs). Reading each pool thread's figures after every task would cost about
    /// 2 us a task, ten times the pool's own cost of a task.
    /// </remarks>
    [Theory]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.EventLoop)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.Processes)]
    public void ComputingTasksKeepTheirShareWhenEveryCoreIsBusy(ConcurrencyModel model)
    {
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 20_000_000), new[] { model }, new[] { 1 }, repeat: 1, warmup: 1, measureOverhead: false);
        WorkloadMeasurement cpu;
        using (new BusyCores(6 * Environment.ProcessorCount))
        {
            cpu = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single();
        }

        Assert.True(cpu.TaskCpuShare > 0.2, $"{model}: TaskCpuShare {cpu.TaskCpuShare}, TaskCpuMs {cpu.TaskCpuMs}, ElapsedMs {cpu.ElapsedMs}");
    }

    [Theory]
    [InlineData(100.0, 1000.0, 1000.0, 100.0)] // tasks back to back over the whole loop: all of its wait
    [InlineData(100.0, 1000.0, 4000.0, 400.0)] // four tasks in flight all along: each held every wait
    [InlineData(100.0, 1000.0, 250.0, 25.0)]   // tasks over a quarter of the loop: a quarter of its wait
    [InlineData(0.0, 1000.0, 1000.0, 0.0)]
    [InlineData(100.0, 0.0, 1000.0, 0.0)]
    [InlineData(100.0, 1000.0, 0.0, 0.0)]
    public void TheEventLoopSharesItsWaitForACoreOutByTheTasksSpans(double loopWaitMs, double loopMs, double tasksWallMs, double expected) =>
        Assert.Equal(expected, EventLoopModel.TasksRunWaitMs(loopWaitMs, loopMs, tasksWallMs), 9);

    /// <summary>
    /// Processes that spin until disposed, at the test's own priority (processes, so that no thread of the test's
    /// runtime is busy; busy threads in the test process left the tasks blocked for long stretches, likely in the
    /// garbage collector's suspensions). Each also ends when the test process is gone, so a crashed test host
    /// leaves no busy process behind.
    /// </summary>
    private sealed class BusyCores : IDisposable
    {
        private readonly System.Diagnostics.Process[] _spinners;

        public BusyCores(int count) =>
            _spinners = Enumerable.Range(0, count)
                .Select(_ => System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", new[] { "-c", "while kill -0 $PPID 2>/dev/null; do :; done" }))!)
                .ToArray();

        public void Dispose()
        {
            foreach (System.Diagnostics.Process spinner in _spinners)
            {
                spinner.Kill();
                spinner.WaitForExit();
                spinner.Dispose();
            }
        }
    }
}
