using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Measures a user's script block under PowerShell's parallel primitives, with the same sweep order,
/// rows and columns as the built-in workloads (<see cref="WorkloadBenchmark"/>). A row is Verified when
/// every item ran exactly once to its end; errors of the script block are counted and kept on the row,
/// never fatal to the sweep. Dispose to close the runspaces the models keep between runs.
/// </summary>
public sealed class ScriptBlockBenchmark : IDisposable
{
    /// <summary>The Workload column of script-block rows.</summary>
    public const string WorkloadName = "ScriptBlock";

    // The overhead run: the same items and state, a script block that does nothing.
    private const string EmptyScript = " ";

    private readonly ScriptTaskList _list;
    private readonly Dictionary<ConcurrencyModel, ScriptBlockRunner> _models = new();

    /// <summary>Builds and validates a sweep; errors name the parameter as the cmdlet calls it.</summary>
    public ScriptBlockBenchmark(ScriptTaskList list, IEnumerable<ConcurrencyModel>? models = null, IEnumerable<int>? workers = null, int repeat = 3, int warmup = 1, bool measureOverhead = true)
    {
        _list = list ?? throw new ArgumentNullException(nameof(list));
        ConcurrencyModel[] modelList = (models ?? ModelCatalog.DefaultModels(ModelUses.ScriptBlocks)).Distinct().ToArray();
        if (modelList.Length == 0)
        {
            throw new ArgumentException("Model must name at least one model.", "Model");
        }

        foreach (ConcurrencyModel model in modelList)
        {
            if (!ModelCatalog.Runs(model, ModelUses.ScriptBlocks))
            {
                throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' cannot run a script block; choose one of {string.Join(", ", ModelCatalog.ModelsThatRun(ModelUses.ScriptBlocks))}.");
            }
        }

        int[] workerList = MeasurementPlan.ValidateSweep(workers, list.Items.Count, MaxWorkers, repeat, warmup);
        Models = modelList;
        Workers = workerList;
        Repeat = repeat;
        Warmup = warmup;
        MeasureOverhead = measureOverhead;
        Grid = MeasurementPlan.BuildGrid(modelList, workerList);
    }

    /// <summary>Most runspaces, jobs or processes at once: each is a runspace or a process, far heavier than a thread.</summary>
    public const int MaxWorkers = 256;

    /// <summary>The models, in the order given.</summary>
    public IReadOnlyList<ConcurrencyModel> Models { get; }

    /// <summary>The worker counts, in the order given.</summary>
    public IReadOnlyList<int> Workers { get; }

    /// <summary>Measured runs per configuration.</summary>
    public int Repeat { get; }

    /// <summary>Unreported warm-up runs per configuration.</summary>
    public int Warmup { get; }

    /// <summary>Whether each configuration also runs once with an empty script block (ModelOverheadMs).</summary>
    public bool MeasureOverhead { get; }

    /// <summary>The configurations, in the order each round runs them.</summary>
    public IReadOnlyList<MeasurementConfiguration> Grid { get; }

    /// <summary>All runs, warm-up and overhead runs included.</summary>
    public int TotalRuns => InterleavedSchedule.Count(Grid.Count, Warmup, Repeat, MeasureOverhead);

    /// <summary>The task list measured.</summary>
    public ScriptTaskList TaskList => _list;

    /// <summary>Runs the sweep lazily; cancellation ends it with <see cref="OperationCanceledException"/> once everything started is gone.</summary>
    public IEnumerable<WorkloadMeasurement> Run(IProgress<MeasurementProgress>? progress, CancellationToken cancellationToken)
    {
        // Each configuration on an empty script block, once, after the warm-up: the model's own cost.
        var overhead = new Dictionary<MeasurementConfiguration, double?>();
        foreach (var run in InterleavedSchedule.Runs(Grid, Warmup, Repeat, MeasureOverhead, progress))
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (run.Phase)
            {
                case MeasurementPhase.Warmup:
                    _ = Measure(run.Configuration, run.Round, _list.Script, cancellationToken);
                    break;
                case MeasurementPhase.Overhead:
                    WorkloadMeasurement emptyRow = Measure(run.Configuration, run.Round, EmptyScript, cancellationToken);
                    overhead[run.Configuration] = emptyRow.Verified ? emptyRow.ElapsedMs : null;
                    break;
                default:
                    WorkloadMeasurement row = Measure(run.Configuration, run.Round, _list.Script, cancellationToken);
                    row.ModelOverheadMs = overhead.GetValueOrDefault(run.Configuration);
                    yield return row;
                    break;
            }
        }
    }

    /// <summary>Closes the runspaces kept for the ForEachParallel, ThreadJob and Jobs models.</summary>
    public void Dispose()
    {
        foreach (ScriptBlockRunner model in _models.Values)
        {
            model.Dispose();
        }

        _models.Clear();
    }

    private WorkloadMeasurement Measure(MeasurementConfiguration configuration, int round, string script, CancellationToken cancellationToken)
    {
        int tasks = _list.Items.Count;
        WorkloadMeasurement row = WorkloadBenchmark.NewRow(WorkloadName, configuration, tasks, _list.TaskSize, round);
        row.ExpectedChecksum = (long)tasks * (tasks + 1) / 2;
        if (!_models.TryGetValue(configuration.Model, out ScriptBlockRunner? model))
        {
            model = ScriptBlockRunner.Create(configuration.Model);
            _models[configuration.Model] = model;
        }

        ScriptBlockRun run = model.Run(_list, script, configuration.Workers, cancellationToken);
        if (run.Skipped is not null)
        {
            row.Error = run.Skipped;
            return row;
        }

        WorkloadBenchmark.SetTimes(row, run.Elapsed, run.CpuTime);
        WorkloadBenchmark.SetCounters(row, run.Counters);
        row.StartupMs = run.Startup is { } startup ? WorkloadBenchmark.Milliseconds(startup) : null;
        row.WorkerHost = configuration.Model == ConcurrencyModel.Processes ? "pwsh" : null;
        row.PeakWorkingSetBytes = run.PeakWorkingSetBytes;
        row.PeakThreadCount = run.PeakThreadCount;
        row.GcMode = run.Counters is null ? null : RuntimeCounters.GcMode;

        // Each item is reported once, by index: the checksum (sum of index + 1) and the count prove it.
        ScriptTaskRecord[] records = run.Records.OrderBy(r => r.Index).ToArray();

        // The work's own CPU, over the items that measured it (items that threw measured none).
        ScriptTaskRecord[] timed = records.Where(r => r.TaskCpuMs is not null && r.WallMs is not null).ToArray();
        if (timed.Length > 0)
        {
            WorkloadBenchmark.SetTaskCpu(row, timed.Sum(r => r.TaskCpuMs!.Value), timed.Sum(r => r.WallMs!.Value));
        }
        int distinct = records.Select(r => r.Index).Distinct().Count(i => i >= 0 && i < tasks);
        row.Checksum = records.Sum(r => (long)r.Index + 1);
        row.CompletedTasks = records.Count(r => !r.Failed);
        row.ThreadsUsed = records.Select(r => r.Thread).Distinct().Count();
        row.OutputCount = records.Sum(r => r.OutputCount);
        object[] errors = records.SelectMany(r => r.Errors).Concat(run.RunErrors).ToArray();
        string[] messages = records.SelectMany(r => r.ErrorMessages).Concat(run.RunErrors.Select(e => e.ToString() ?? string.Empty)).ToArray();
        row.ErrorCount = Math.Max(errors.Length, messages.Length);
        row.ErrorRecords = errors;
        row.FirstError = messages.FirstOrDefault();

        int failed = records.Count(r => r.Failed);
        bool complete = records.Length == tasks && distinct == tasks && row.Checksum == row.ExpectedChecksum;
        row.Verified = run.Error is null && complete && failed == 0;
        row.Error = run.Error is not null ? WorkloadBenchmark.Describe(run.Error)
            : failed > 0 ? $"{failed} of {tasks} items stopped with a terminating error; the first: {records.First(r => r.Failed).ErrorMessages.LastOrDefault()}"
            : !complete ? $"{records.Length} results for {tasks} items ({distinct} distinct){(run.RunErrors.Count > 0 ? "; " + messages.Last() : string.Empty)}."
            : null;
        return row;
    }
}
