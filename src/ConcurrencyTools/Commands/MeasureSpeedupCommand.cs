using System;
using System.Management.Automation;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Summarizes WorkloadMeasurement rows per configuration: mean, deviation, median, confidence interval, outliers, and speedup over a baseline.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Speedup")]
[OutputType(typeof(SpeedupSummary))]
public sealed class MeasureSpeedupCommand : RunInputCommand
{
    private readonly SpeedupAnalysis _analysis = new();
    private readonly RecommendationAnalysis _recommendations = new();
    private SpeedupBaseline _baseline = SpeedupBaseline.Sequential;

    /// <summary>The CPU time of the run in milliseconds (from the pipeline); with LogicalCores it gives Bound.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? CpuTimeMs { get; set; }

    /// <summary>The work's own CPU over its wall time (from the pipeline); when given, Bound is judged from it rather than from CpuTimeMs.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? TaskCpuShare { get; set; }

    /// <summary>The logical cores of the machine of the run (from the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? LogicalCores { get; set; }

    /// <summary>The set-up part of the run in milliseconds (from the pipeline); the Recommendation names the largest.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? StartupMs { get; set; }

    /// <summary>What speedups are measured against: a model name (default Sequential), or SingleWorker for each model with one worker.</summary>
    [Parameter]
    [ValidateBaseline]
    [ArgumentCompleter(typeof(BaselineCompleter))]
    public string Baseline { get; set; } = "Sequential";

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        _baseline = SpeedupBaseline.Parse(Baseline);
        base.BeginProcessing();
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        SpeedupSample sample = ReadSample();
        _analysis.Add(sample);
        if (sample.Valid)
        {
            _recommendations.Add(sample.MachineName, sample.Workload, sample.Tasks, sample.TaskSize, sample.Model, sample.Workers, sample.ElapsedMs,
                ReadOptionalNumber(CpuTimeMs, nameof(CpuTimeMs)), (int?)ReadOptionalNumber(LogicalCores, nameof(LogicalCores)), ReadOptionalNumber(StartupMs, nameof(StartupMs)),
                ReadOptionalNumber(TaskCpuShare, nameof(TaskCpuShare)));
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        foreach (string duplicate in _analysis.DuplicateRuns())
        {
            WriteWarning($"Run numbers repeat within a configuration, so runs may have been counted twice: {duplicate}.");
        }

        var (summaries, missing) = _analysis.Summarize(_baseline);
        _recommendations.Apply(summaries);
        foreach (string what in missing)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"No baseline for -Baseline {_baseline}: there are no valid {what}. Speedup columns of those configurations are empty; include baseline runs (e.g. -Model {(_baseline.Model ?? "<model>")}) or choose another -Baseline."),
                "BaselineNotFound",
                ErrorCategory.ObjectNotFound,
                what));
        }

        foreach (SpeedupSummary summary in summaries)
        {
            WriteObject(summary);
        }
    }
}
