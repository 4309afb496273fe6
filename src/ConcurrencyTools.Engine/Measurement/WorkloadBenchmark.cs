using System;
using System.Collections.Generic;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// Runs a <see cref="MeasurementPlan"/>: warm-up rounds first, then the measured rounds, each round
/// running every configuration once (round robin), so that drift of a shared machine hits every
/// configuration alike. Rows are yielded as soon as they are measured; a failed run is a row with its
/// error and the sweep goes on; cancellation ends the enumeration with <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class WorkloadBenchmark
{
    private readonly MeasurementPlan _plan;
    private readonly ModelOptions _options;
    private readonly Dictionary<ConcurrencyModel, (ExecutionModel? Model, Exception? Error)> _models = new();
    private readonly Func<ConcurrencyModel, ModelOptions, ExecutionModel> _createModel;

    /// <summary>Creates a benchmark of a plan.</summary>
    public WorkloadBenchmark(MeasurementPlan plan, ModelOptions? options = null)
        : this(plan, options, ExecutionModel.Create)
    {
    }

    /// <summary>Creates a benchmark whose models come from <paramref name="createModel"/> (tests give it faulty ones).</summary>
    internal WorkloadBenchmark(MeasurementPlan plan, ModelOptions? options, Func<ConcurrencyModel, ModelOptions, ExecutionModel> createModel)
    {
        _plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _options = options ?? new ModelOptions();
        _options.SwitchIntervalMs = plan.SwitchIntervalMs;
        _createModel = createModel ?? throw new ArgumentNullException(nameof(createModel));
    }

    /// <summary>Runs the plan lazily: each row is measured when the enumerator asks for it.</summary>
    public IEnumerable<WorkloadMeasurement> Run(IProgress<MeasurementProgress>? progress, CancellationToken cancellationToken)
    {
        Workload workload = Workload.Create(_plan.Workload);
        long expected = workload.ExpectedChecksum(cancellationToken);
        int done = 0;
        for (int round = 1; round <= _plan.Warmup; round++)
        {
            foreach (MeasurementConfiguration configuration in _plan.Grid)
            {
                progress?.Report(new MeasurementProgress(configuration, MeasurementPhase.Warmup, round, done, _plan.TotalRuns));
                _ = Measure(workload, expected, configuration, round, cancellationToken);
                done++;
            }
        }

        // Each configuration on empty tasks, once, after the warm-up: the model's own cost.
        var overhead = new Dictionary<MeasurementConfiguration, double?>();
        if (_plan.MeasureOverhead)
        {
            Workload empty = Workload.Create(_plan.Workload.AsEmpty());
            long emptyExpected = empty.ExpectedChecksum(cancellationToken);
            foreach (MeasurementConfiguration configuration in _plan.Grid)
            {
                progress?.Report(new MeasurementProgress(configuration, MeasurementPhase.Overhead, 1, done, _plan.TotalRuns));
                WorkloadMeasurement row = Measure(empty, emptyExpected, configuration, 1, cancellationToken);
                overhead[configuration] = row.Verified ? row.ElapsedMs : null;
                done++;
            }
        }

        for (int round = 1; round <= _plan.Repeat; round++)
        {
            foreach (MeasurementConfiguration configuration in _plan.Grid)
            {
                progress?.Report(new MeasurementProgress(configuration, MeasurementPhase.Run, round, done, _plan.TotalRuns));
                WorkloadMeasurement row = Measure(workload, expected, configuration, round, cancellationToken);
                row.ModelOverheadMs = overhead.GetValueOrDefault(configuration);
                done++;
                yield return row;
            }
        }
    }

    private WorkloadMeasurement Measure(Workload workload, long expected, MeasurementConfiguration configuration, int round, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var row = new WorkloadMeasurement
        {
            Workload = _plan.Workload.Kind.ToString(),
            Model = configuration.Model.ToString(),
            Workers = configuration.Workers,
            Tasks = _plan.Workload.Tasks,
            TaskSize = workload.Spec.TaskSize,
            Run = round,
            ExpectedChecksum = expected,
            Timestamp = DateTimeOffset.Now,
            MachineName = MachineInfo.MachineName,
            LogicalCores = MachineInfo.LogicalCores,
            Runtime = MachineInfo.Runtime,
            OS = MachineInfo.OS,
            SwitchIntervalMs = configuration.Model == ConcurrencyModel.GilThreads ? _plan.SwitchIntervalMs : null,
        };

        ModelRunResult result;
        try
        {
            result = GetModel(configuration.Model).Run(workload, configuration.Workers, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error)
        {
            row.Error = Describe(error);
            return row;
        }

        row.ElapsedMs = Milliseconds(result.Elapsed);
        row.CpuTimeMs = Milliseconds(result.CpuTime);
        row.CpuUtilization = row.ElapsedMs > 0 ? Math.Round(row.CpuTimeMs / (row.ElapsedMs * row.LogicalCores), 6) : 0;
        row.Checksum = result.Checksum;
        row.CompletedTasks = result.CompletedTasks;
        row.ThreadsUsed = result.ThreadsUsed;
        row.Verified = result.Error is null && result.CompletedTasks == row.Tasks && result.Checksum == expected;
        row.StartupMs = result.Startup is { } startup ? Milliseconds(startup) : null;
        row.GilSwitches = result.GilSwitches;
        row.GilForcedDrops = result.GilForcedDrops;
        row.LockContentions = result.Counters?.LockContentions;
        row.ThreadPoolCompletedWorkItems = result.Counters?.ThreadPoolCompletedWorkItems;
        row.Gen0Collections = result.Counters?.Gen0Collections;
        row.Gen1Collections = result.Counters?.Gen1Collections;
        row.Gen2Collections = result.Counters?.Gen2Collections;
        row.AllocatedBytes = result.Counters?.AllocatedBytes;
        row.PeakWorkingSetBytes = result.PeakWorkingSetBytes;
        row.PeakThreadCount = result.PeakThreadCount;
        row.ThreadPoolThreadsAdded = result.ThreadPoolThreadsAdded;
        row.GcMode = result.GcMode;
        row.Error = result.Error is null
            ? (row.Verified ? null : $"Checksum {result.Checksum} differs from the expected {expected}.")
            : Describe(result.Error);
        return row;
    }

    /// <summary>
    /// Times to 0.1 microsecond, the resolution of the clocks: fewer than 15 significant digits, so
    /// Export-Csv writes them exactly and Import-Csv | Measure-Speedup computes the same statistics.
    /// </summary>
    private static double Milliseconds(TimeSpan time) => Math.Round(time.TotalMilliseconds, 4);

    private ExecutionModel GetModel(ConcurrencyModel model)
    {
        if (!_models.TryGetValue(model, out var entry))
        {
            try
            {
                entry = (_createModel(model, _options), null);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // E.g. no host to start worker processes: every run of the model reports it.
                entry = (null, error);
            }

            _models[model] = entry;
        }

        return entry.Model ?? throw entry.Error!;
    }

    private static string Describe(Exception error) =>
        error is AggregateException { InnerExceptions.Count: 1 } aggregate
            ? Describe(aggregate.InnerExceptions[0])
            : $"{error.GetType().Name}: {error.Message}";
}
