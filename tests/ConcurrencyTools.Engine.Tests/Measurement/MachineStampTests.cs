using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>The machine columns come from one place: every row type that has them carries the same facts.</summary>
public class MachineStampTests
{
    [Fact]
    public void ATakenStampIsThisMachineAtTheGivenTime()
    {
        var when = new DateTimeOffset(2026, 12, 5, 1, 2, 3, TimeSpan.FromHours(1));

        MachineStamp stamp = MachineStamp.Take(when);

        Assert.Equal(when, stamp.Timestamp);
        Assert.Equal(Environment.MachineName, stamp.MachineName);
        Assert.Equal(Environment.ProcessorCount, stamp.LogicalCores);
        Assert.StartsWith(".NET", stamp.Runtime);
        Assert.NotEmpty(stamp.OS);
        Assert.InRange(MachineStamp.Take().Timestamp, DateTimeOffset.Now.AddMinutes(-1), DateTimeOffset.Now.AddSeconds(1));
    }

    [Fact]
    public void AnUnstampedRowHasEmptyMachineColumns()
    {
        var row = new WorkloadMeasurement();

        Assert.Equal(string.Empty, row.MachineName);
        Assert.Equal(string.Empty, row.Runtime);
        Assert.Equal(string.Empty, row.OS);
        Assert.Equal(0, row.LogicalCores);
    }

    [Fact]
    public void EveryRowTypeCarriesTheSameMachineColumns()
    {
        MachineStamp expected = MachineStamp.Take();
        WorkloadMeasurement workload = WorkloadBenchmark.NewRow("Cpu", new MeasurementConfiguration(ConcurrencyModel.Sequential, 1), 1, "1 iterations", 1);
        ProducerConsumerResult queue = new ProducerConsumerBenchmark(new ProducerConsumerPlan(items: new[] { 2 }, produceMs: new[] { 0 }, consumeMs: new[] { 0 }, repeat: 1, warmup: 0))
            .Run(null, CancellationToken.None).First();
        RaceTestResult race = new RaceTest(new RaceTestPlan([RaceScenario.Counter], [RaceStrategy.Interlocked], 2, 10, 1, RaceWindow.None, 1))
            .Run(null, CancellationToken.None).Single();
        ProcessTaskResult task = ProcessPoolTests.Run(new ProcessPoolOptions(), new[] { new ProcessTask(1, "", "/bin/true", Array.Empty<string>()) }).Single();

        foreach ((string machine, int cores, string runtime) in new[]
        {
            (workload.MachineName, workload.LogicalCores, workload.Runtime),
            (queue.MachineName, queue.LogicalCores, queue.Runtime),
            (race.MachineName, race.LogicalCores, race.Runtime),
        })
        {
            Assert.Equal(expected.MachineName, machine);
            Assert.Equal(expected.LogicalCores, cores);
            Assert.Equal(expected.Runtime, runtime);
        }

        Assert.Equal(expected.OS, workload.OS);
        Assert.Equal(expected.OS, queue.OS);
        Assert.Equal(expected.MachineName, task.MachineName);
        Assert.Equal(task.ComputerName, task.MachineName);
        Assert.All(new[] { workload.Timestamp, queue.Timestamp, race.Timestamp }, t => Assert.True(t >= expected.Timestamp.AddSeconds(-1)));
    }
}
