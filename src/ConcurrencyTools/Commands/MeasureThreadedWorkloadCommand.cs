using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Runspaces;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Runs a CPU-bound or I/O-bound task list under several concurrency models and worker counts, and emits one timed row per run.</para>
/// </summary>
/// <remarks>
/// All measuring happens in the engine, enumerated on the pipeline thread: every row and progress
/// record is written here, never from a worker thread. StopProcessing (Ctrl+C, Select-Object -First)
/// cancels the token; the engine returns only once its threads and child processes are gone.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Measure, "ThreadedWorkload", DefaultParameterSetName = WorkloadSet)]
[OutputType(typeof(WorkloadMeasurement))]
public sealed partial class MeasureThreadedWorkloadCommand : ConcurrencyCmdlet
{
    private const string Activity = "Measure-ThreadedWorkload";
    private const string WorkloadSet = "Workload";
    private const string ScriptBlockSet = "ScriptBlock";
    private readonly List<object?> _items = new();

    /// <summary>The work each task does: Cpu (integer arithmetic), Io (a blocking wait), Mixed (part of each), Memory (list appends) or Recursive (naive Fibonacci).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    public WorkloadKind Workload { get; set; } = WorkloadKind.Cpu;

    /// <summary>Your own work: a script block run once per item, with the item as $_ and as its first argument.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>The items, from the pipeline or this parameter: each item is one task.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = ScriptBlockSet)]
    [AllowNull]
    [AllowEmptyCollection]
    public object[]? InputObject { get; set; }

    /// <summary>Arguments passed to the script block after the item, the same in every model.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [AllowNull]
    [AllowEmptyCollection]
    public object[]? ArgumentList { get; set; }

    /// <summary>Modules (names or paths) every runspace, job and process imports before it runs an item.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [ValidateNotNullOrEmpty]
    public string[]? ImportModule { get; set; }

    /// <summary>Variables (name = value) every runspace, job and process defines: use these instead of $using:.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public Hashtable? Variable { get; set; }

    /// <summary>The concurrency models to compare; all of them by default.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public ConcurrencyModel[]? Model { get; set; }

    /// <summary>
    /// Worker counts to run each model with (Sequential always runs with one); 1, 2, 4 by default, capped at the task count.
    /// Threads and GilThreads accept up to 10,000 (an OS thread each), Processes 256, EventLoop and ThreadPool 1,000,000.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ThrottleLimit")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, MeasurementPlan.MaxWorkers)]
    public int[]? Workers { get; set; }

    /// <summary>Number of tasks in the task list; every model and worker count runs the same list.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(1, WorkloadSpec.MaxTasks)]
    public int Tasks { get; set; } = WorkloadSpec.DefaultTasks;

    /// <summary>Loop iterations per Cpu or Mixed task, or numbers appended per Memory task.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(1L, WorkloadSpec.MaxIterations)]
    public long Iterations { get; set; } = WorkloadSpec.DefaultIterations;

    /// <summary>Mixed: the share of each task that computes (of Iterations); the rest of it waits (of DurationMs).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(0.0, 1.0)]
    public double CpuFraction { get; set; } = WorkloadSpec.DefaultCpuFraction;

    /// <summary>Recursive: the Fibonacci number each task computes by naive recursion.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(1, WorkloadSpec.MaxDepth)]
    public int Depth { get; set; } = WorkloadSpec.DefaultDepth;

    /// <summary>Milliseconds each Io task waits (and a Mixed task at CpuFraction 0).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(1, WorkloadSpec.MaxDurationMs)]
    public int DurationMs { get; set; } = WorkloadSpec.DefaultDurationMs;

    /// <summary>Measured runs per configuration.</summary>
    [Parameter]
    [ValidateRange(1, MeasurementPlan.MaxRepeat)]
    public int Repeat { get; set; } = 3;

    /// <summary>Unreported warm-up runs per configuration before the measured ones.</summary>
    [Parameter]
    [ValidateRange(0, MeasurementPlan.MaxWarmup)]
    public int Warmup { get; set; } = 1;

    /// <summary>GilThreads: how long a CPU-bound holder keeps the lock while another thread waits, in milliseconds (CPython's default is 5).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkloadSet)]
    [ValidateRange(MeasurementPlan.MinSwitchIntervalMs, MeasurementPlan.MaxSwitchIntervalMs)]
    public double SwitchIntervalMs { get; set; } = ModelOptions.DefaultSwitchIntervalMs;

    /// <summary>Skips the run of each configuration on empty tasks, leaving ModelOverheadMs empty.</summary>
    [Parameter]
    public SwitchParameter NoOverhead { get; set; }

    /// <summary>Writes no progress bar.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == ScriptBlockSet)
        {
            // Every item first: the task list is the same for every model and worker count.
            _items.AddRange(InputObject ?? new object?[] { null });
            return;
        }

        MeasurementPlan plan;
        try
        {
            plan = new MeasurementPlan(
                new WorkloadSpec(Workload, Tasks, IsBound(nameof(Iterations)) ? Iterations : null, DurationMs, CpuFraction, Depth),
                Model,
                Workers,
                Repeat,
                Warmup,
                SwitchIntervalMs,
                measureOverhead: !NoOverhead.IsPresent);
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, "InvalidMeasurementParameter");
            return;
        }

        WriteVerbose($"{plan.Workload.Kind} workload, {plan.Workload.Tasks} tasks of {plan.Workload.TaskSize}: " +
            $"{plan.Grid.Count} configurations ({string.Join(", ", plan.Grid)}), {plan.Warmup} warm-up and {plan.Repeat} measured runs each, {plan.TotalRuns} runs in all, interleaved round by round.");
        if (Session is { Length: > 0 })
        {
            // Each host checks its own machine: warnings about workers and the pool come back from it.
            RunOnSessions(plan);
            return;
        }

        if (plan.Models.Contains(ConcurrencyModel.Processes))
        {
            // Each Processes row will carry a missing worker's error; say it once up front as well.
            (string? host, string? problem) = WorkerHost.Probe();
            if (problem is null)
            {
                WriteVerbose(host);
            }
            else
            {
                WriteWarning(problem);
            }
        }

        foreach (string warning in PlanWarnings.For(plan))
        {
            WriteWarning(warning);
        }

        WriteRows(new WorkloadBenchmark(plan).Run);
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (ParameterSetName != ScriptBlockSet)
        {
            return;
        }

        ScriptBlockBenchmark benchmark;
        try
        {
            var state = ScriptBlockState.From(ImportModule, Variable, ArgumentList);
            var list = new ScriptTaskList(ScriptBlock!.ToString(), _items.Select(ScriptBlockState.Unwrap).ToArray(), state);
            benchmark = new ScriptBlockBenchmark(list, Model, Workers, Repeat, Warmup, measureOverhead: !NoOverhead.IsPresent);
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, "InvalidMeasurementParameter");
            return;
        }

        using (benchmark)
        {
            WriteVerbose($"Script block {benchmark.TaskList.TaskSize} on {_items.Count} items: {benchmark.Grid.Count} configurations ({string.Join(", ", benchmark.Grid)}), " +
                $"{benchmark.Warmup} warm-up and {benchmark.Repeat} measured runs each, {benchmark.TotalRuns} runs in all, interleaved round by round.");
            WriteRows(benchmark.Run);
        }
    }

    /// <summary>Drains a sweep on the pipeline thread: rows, progress and verbose text.</summary>
    private void WriteRows(Func<IProgress<MeasurementProgress>, CancellationToken, IEnumerable<WorkloadMeasurement>> sweep)
    {
        var progress = new ProgressThrottle(this, Activity, NoProgress.IsPresent);
        try
        {
            RunUntilStopped(() =>
            {
                foreach (WorkloadMeasurement row in sweep(MeasurementSteps(progress), StopToken))
                {
                    WriteVerbose($"{row.Model} x{row.Workers} run {row.Run}: {row.ElapsedMs:F1} ms, CPU {row.CpuTimeMs:F1} ms, " +
                        (row.Verified ? "checksum verified." : "NOT verified: " + row.Error));
                    foreach (object error in row.ErrorRecords ?? Array.Empty<object>())
                    {
                        WriteVerbose($"{row.Model} x{row.Workers} run {row.Run} error: {Describe(error)}");
                    }

                    WriteObject(row);
                }
            });
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>An ErrorRecord as PowerShell shows it: the message, the category and where it happened.</summary>
    private static string Describe(object error) => error is ErrorRecord record
        ? $"{record} ({record.CategoryInfo}; {record.FullyQualifiedErrorId}){(record.InvocationInfo?.PositionMessage is { Length: > 0 } position ? " " + position : string.Empty)}"
        : error.ToString() ?? string.Empty;

    private bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);
}
