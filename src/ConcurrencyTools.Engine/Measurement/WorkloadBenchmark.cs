using System;
using System.Collections.Generic;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// Runs a <see cref="MeasurementPlan"/> in the order of an <see cref="InterleavedSchedule"/>: warm-up
/// rounds, one run of each configuration on empty tasks, then the measured rounds. Rows are yielded as
/// soon as they are measured; a failed run is a row with its error and the sweep goes on; cancellation
/// ends the enumeration with <see cref="OperationCanceledException"/>.
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
        Workload? empty = null;
        long emptyExpected = 0;

        // Each configuration on empty tasks, once, after the warm-up: the model's own cost.
        var overhead = new Dictionary<MeasurementConfiguration, double?>();
        foreach (var run in InterleavedSchedule.Runs(_plan.Grid, _plan.Warmup, _plan.Repeat, _plan.MeasureOverhead, progress))
        {
            switch (run.Phase)
            {
                case MeasurementPhase.Warmup:
                    _ = Measure(workload, expected, run.Configuration, run.Round, cancellationToken);
                    break;
                case MeasurementPhase.Overhead:
                    if (empty is null)
                    {
                        empty = Workload.Create(_plan.Workload.AsEmpty());
                        emptyExpected = empty.ExpectedChecksum(cancellationToken);
                    }

                    WorkloadMeasurement emptyRow = Measure(empty, emptyExpected, run.Configuration, run.Round, cancellationToken);
                    overhead[run.Configuration] = emptyRow.Verified ? emptyRow.ElapsedMs : null;
                    break;
                default:
                    WorkloadMeasurement row = Measure(workload, expected, run.Configuration, run.Round, cancellationToken);
                    row.ModelOverheadMs = overhead.GetValueOrDefault(run.Configuration);
                    yield return row;
                    break;
            }
        }
    }

    /// <summary>A row of one run, stamped with the configuration, the machine and the time.</summary>
    internal static WorkloadMeasurement NewRow(string workload, MeasurementConfiguration configuration, int tasks, string taskSize, int round) => new()
    {
        Workload = workload,
        Model = configuration.Model.ToString(),
        Workers = configuration.Workers,
        Tasks = tasks,
        TaskSize = taskSize,
        Run = round,
        Machine = MachineStamp.Take(),
    };

    /// <summary>Fills the time and CPU columns.</summary>
    internal static void SetTimes(WorkloadMeasurement row, TimeSpan elapsed, TimeSpan cpuTime)
    {
        row.ElapsedMs = Milliseconds(elapsed);
        row.CpuTimeMs = Milliseconds(cpuTime);
        row.CpuUtilization = row.ElapsedMs > 0 ? Math.Round(row.CpuTimeMs / (row.ElapsedMs * row.LogicalCores), 6) : 0;
    }

    /// <summary>Fills TaskCpuMs and TaskCpuShare from the tasks' CPU and summed wall time (left empty without either).</summary>
    internal static void SetTaskCpu(WorkloadMeasurement row, double? taskCpuMs, double? taskWallMs)
    {
        if (taskCpuMs is not { } cpu || taskWallMs is not > 0 || !(cpu >= 0))
        {
            return;
        }

        row.TaskCpuMs = Math.Round(cpu, 4);
        row.TaskCpuShare = Math.Round(cpu / taskWallMs.Value, 6);
    }

    /// <summary>Fills the runtime counter columns.</summary>
    internal static void SetCounters(WorkloadMeasurement row, RuntimeCounters? counters)
    {
        row.LockContentions = counters?.LockContentions;
        row.ThreadPoolCompletedWorkItems = counters?.ThreadPoolCompletedWorkItems;
        row.Gen0Collections = counters?.Gen0Collections;
        row.Gen1Collections = counters?.Gen1Collections;
        row.Gen2Collections = counters?.Gen2Collections;
        row.AllocatedBytes = counters?.AllocatedBytes;
    }

    private WorkloadMeasurement Measure(Workload workload, long expected, MeasurementConfiguration configuration, int round, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WorkloadMeasurement row = NewRow(_plan.Workload.Kind.ToString(), configuration, _plan.Workload.Tasks, workload.Spec.TaskSize, round);
        row.ExpectedChecksum = expected;
        row.SwitchIntervalMs = configuration.Model == ConcurrencyModel.GilThreads ? _plan.SwitchIntervalMs : null;

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

        SetTimes(row, result.Elapsed, result.CpuTime);
        SetTaskCpu(row, result.TaskCpu?.TotalMilliseconds, result.TaskWall?.TotalMilliseconds);
        row.Checksum = result.Checksum;
        row.CompletedTasks = result.CompletedTasks;
        row.ThreadsUsed = result.ThreadsUsed;
        row.Verified = result.Error is null && result.CompletedTasks == row.Tasks && result.Checksum == expected;
        row.StartupMs = result.Startup is { } startup ? Milliseconds(startup) : null;
        row.WorkerHost = result.WorkerHost;
        row.GilSwitches = result.GilSwitches;
        row.GilForcedDrops = result.GilForcedDrops;
        SetCounters(row, result.Counters);
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
    internal static double Milliseconds(TimeSpan time) => Math.Round(time.TotalMilliseconds, 4);

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

    internal static string Describe(Exception error) =>
        error is AggregateException { InnerExceptions.Count: 1 } aggregate
            ? Describe(aggregate.InnerExceptions[0])
            : $"{error.GetType().Name}: {error.Message}";
}
