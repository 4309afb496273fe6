using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class BenchmarkTests
{
    private sealed class ListProgress : IProgress<MeasurementProgress>
    {
        public List<MeasurementProgress> Reports { get; } = new();

        public void Report(MeasurementProgress value) => Reports.Add(value);
    }

    [Fact]
    public void RunsAreInterleavedRoundRobinAndWarmupsAreNotEmitted()
    {
        var plan = new MeasurementPlan(
            new WorkloadSpec(WorkloadKind.Cpu, 4, 1000),
            new[] { ConcurrencyModel.Sequential, ConcurrencyModel.Threads, ConcurrencyModel.EventLoop },
            new[] { 1, 2 },
            repeat: 3,
            warmup: 2);
        var progress = new ListProgress();
        List<WorkloadMeasurement> rows = new WorkloadBenchmark(plan).Run(progress, CancellationToken.None).ToList();

        // Sequential once, the others once per worker count: 5 configurations x 3 runs.
        Assert.Equal(5, plan.Grid.Count);
        Assert.Equal(15, rows.Count);
        string[] expectedRound = { "Sequential x1", "Threads x1", "Threads x2", "EventLoop x1", "EventLoop x2" };
        for (int round = 0; round < 3; round++)
        {
            var slice = rows.Skip(round * 5).Take(5).ToList();
            Assert.Equal(expectedRound, slice.Select(r => $"{r.Model} x{r.Workers}"));
            Assert.All(slice, r => Assert.Equal(round + 1, r.Run));
        }

        // 10 warm-up runs, then 5 overhead runs on empty tasks, then the 15 measured ones.
        Assert.Equal(30, plan.TotalRuns);
        Assert.Equal(plan.TotalRuns, progress.Reports.Count);
        Assert.True(progress.Reports.Take(10).All(p => p.Phase == MeasurementPhase.Warmup));
        Assert.True(progress.Reports.Skip(10).Take(5).All(p => p.Phase == MeasurementPhase.Overhead));
        Assert.True(progress.Reports.Skip(15).All(p => p.Phase == MeasurementPhase.Run));
        Assert.Equal(Enumerable.Range(0, 30), progress.Reports.Select(p => p.RunsDone));
        Assert.All(rows, r => Assert.NotNull(r.ModelOverheadMs));
    }

    [Fact]
    public void RowsCarryVerifiedChecksumsAndMachineFacts()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 3, durationMs: 2), new[] { ConcurrencyModel.GilThreads }, new[] { 3 }, repeat: 1, warmup: 0, switchIntervalMs: 2.5);
        WorkloadMeasurement row = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single();

        Assert.True(row.Verified);
        Assert.Null(row.Error);
        Assert.Equal(row.ExpectedChecksum, row.Checksum);
        Assert.Equal(("Io", "GilThreads", 3, 3, "DurationMs=2", 1), (row.Workload, row.Model, row.Workers, row.Tasks, row.TaskSize, row.Run));
        Assert.Equal(2.5, row.SwitchIntervalMs);
        Assert.NotNull(row.GilSwitches);
        Assert.Null(row.StartupMs);
        Assert.Equal(Environment.ProcessorCount, row.LogicalCores);
        Assert.Equal(Environment.MachineName, row.MachineName);
        Assert.StartsWith(".NET", row.Runtime);
        Assert.InRange(row.CpuUtilization, 0, 1.5);
        Assert.True(row.ElapsedMs > 0);
    }

    [Fact]
    public void AMeasuredRowCarriesItsTasksOwnCpu()
    {
        // The Linux thread clock; elsewhere the columns stay empty and there is nothing to check.
        if (!ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 2_000_000), new[] { ConcurrencyModel.Sequential }, new[] { 1 }, repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement row = new WorkloadBenchmark(plan).Run(null, CancellationToken.None).Single();

        // Computing tasks used CPU of their own, which the process's CPU holds, and a share of their runnable time.
        Assert.True(row.Verified);
        Assert.NotNull(row.TaskCpuMs);
        Assert.True(row.TaskCpuMs > 0, $"TaskCpuMs {row.TaskCpuMs}");
        Assert.True(row.CpuTimeMs >= row.TaskCpuMs * 0.9, $"the process's CPU {row.CpuTimeMs} holds the tasks' {row.TaskCpuMs}");
        Assert.NotNull(row.TaskCpuShare);
        Assert.InRange(row.TaskCpuShare!.Value, double.Epsilon, 1.0);
    }

    [Fact]
    public void AFailedRunIsARowWithItsErrorAndTheSweepGoesOn()
    {
        // Processes with a host that cannot start workers fails; the other model still runs.
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 2, durationMs: 1), new[] { ConcurrencyModel.Processes, ConcurrencyModel.Threads }, new[] { 2 }, repeat: 2, warmup: 1);
        var options = new ModelOptions { WorkerHost = WorkerHost.ForDotnet(WorkerHost.Locate().FileName, "/nonexistent/worker.dll") };
        List<WorkloadMeasurement> rows = new WorkloadBenchmark(plan, options).Run(null, CancellationToken.None).ToList();

        Assert.Equal(4, rows.Count);
        Assert.All(rows.Where(r => r.Model == "Processes"), r =>
        {
            Assert.False(r.Verified);
            Assert.Contains("did not start", r.Error);
        });
        Assert.All(rows.Where(r => r.Model == "Threads"), r => Assert.True(r.Verified));
    }

    [Fact]
    public void CancellationEndsTheEnumeration()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 2, durationMs: 30_000), new[] { ConcurrencyModel.Threads }, new[] { 2 }, repeat: 5, warmup: 0);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => new WorkloadBenchmark(plan).Run(null, cts.Token).ToList());
    }

    [Fact]
    public void DefaultWorkersAreCappedAtTheTaskCount()
    {
        Assert.Equal(new[] { 1, 2, 4 }, new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 8)).Workers);
        Assert.Equal(new[] { 1, 2 }, new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2)).Workers);
        Assert.Equal(MeasurementPlan.BuiltInModels, new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2)).Models);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Runspaces)]
    [InlineData(ConcurrencyModel.ForEachParallel)]
    [InlineData(ConcurrencyModel.ThreadJob)]
    [InlineData(ConcurrencyModel.Jobs)]
    public void AScriptBlockModelGivenABuiltInWorkloadIsAnErrorNamingTheModel(ConcurrencyModel model)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(new WorkloadSpec(WorkloadKind.Cpu, 2), new[] { ConcurrencyModel.Threads, model }));
        Assert.Equal("Model", error.ParamName);
        Assert.Equal(model, error.ActualValue);
        Assert.Contains($"'{model}' runs script blocks only", error.Message);
    }

    [Theory]
    [InlineData("Workers", 0, 1, 0, 5.0)]
    [InlineData("Workers", 10_001, 1, 0, 5.0)]
    [InlineData("Workers", 257, 1, 0, 5.0)]
    [InlineData("Repeat", 1, 0, 0, 5.0)]
    [InlineData("Warmup", 1, 1, -1, 5.0)]
    [InlineData("Warmup", 1, 1, 101, 5.0)]
    [InlineData("SwitchIntervalMs", 1, 1, 0, 0.0)]
    [InlineData("SwitchIntervalMs", 1, 1, 0, 0.5)]
    [InlineData("SwitchIntervalMs", 1, 1, 0, 1000.5)]
    public void BadPlansAreRejectedNamingTheParameter(string parameter, int workers, int repeat, int warmup, double interval)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new MeasurementPlan(
            new WorkloadSpec(WorkloadKind.Cpu, 4), new[] { ConcurrencyModel.Processes, ConcurrencyModel.Threads }, new[] { workers }, repeat, warmup, interval));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void EmptyModelOrWorkerListsAreRejected()
    {
        var spec = new WorkloadSpec(WorkloadKind.Cpu, 4);
        Assert.Equal("Model", Assert.ThrowsAny<ArgumentException>(() => new MeasurementPlan(spec, Array.Empty<ConcurrencyModel>())).ParamName);
        Assert.Equal("Workers", Assert.ThrowsAny<ArgumentException>(() => new MeasurementPlan(spec, null, Array.Empty<int>())).ParamName);
        Assert.Equal("Model", Assert.ThrowsAny<ArgumentException>(() => new MeasurementPlan(spec, new[] { (ConcurrencyModel)99 })).ParamName);
    }
}
