using System;
using System.Globalization;
using System.Management.Automation;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Summarizes WorkloadMeasurement rows per configuration: mean, deviation, median, confidence interval, outliers, and speedup over a baseline.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Speedup")]
[OutputType(typeof(SpeedupSummary))]
public sealed class MeasureSpeedupCommand : PSCmdlet
{
    private readonly SpeedupAnalysis _analysis = new();
    private SpeedupBaseline _baseline = SpeedupBaseline.Sequential;
    private SpeedupInputReader _reader = new(CultureInfo.InvariantCulture);
    private int _row;

    /// <summary>The workload of the run (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? Workload { get; set; }

    /// <summary>The model of the run (from the pipeline); names are compared ignoring case.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? Model { get; set; }

    /// <summary>
    /// The worker count of the run (from the pipeline): a whole number of at least 1. Taken as it comes
    /// (number or text) so that a bad cell is reported and counted, never rounded or dropped.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? Workers { get; set; }

    /// <summary>The wall-clock time of the run in milliseconds (from the pipeline): a number, or its text in -Culture.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? ElapsedMs { get; set; }

    /// <summary>The task count of the run (from the pipeline): a whole number.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? Tasks { get; set; }

    /// <summary>The task size of the run (from the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? TaskSize { get; set; }

    /// <summary>The run number (from the pipeline): a whole number, used to name outliers and find duplicates.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? Run { get; set; }

    /// <summary>Whether the run's checksum was verified (from the pipeline): True, False, or the text of either from a CSV file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    public object? Verified { get; set; }

    /// <summary>The run's error, if it failed (from the pipeline, property Error).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Error")]
    [AllowNull]
    [AllowEmptyString]
    public string? RunError { get; set; }

    /// <summary>The machine of the run (from the pipeline); runs of different machines are never compared.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? MachineName { get; set; }

    /// <summary>
    /// The culture that numbers in text (from Import-Csv) are written in; the current culture by default,
    /// which is the one Export-Csv wrote them in on this machine. Use '' for the invariant culture.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public CultureInfo Culture { get; set; } = CultureInfo.CurrentCulture;

    /// <summary>What speedups are measured against: a model name (default Sequential), or SingleWorker for each model with one worker.</summary>
    [Parameter]
    [ValidateSet("Sequential", "Threads", "ThreadPool", "EventLoop", "Processes", "GilThreads", SpeedupBaseline.SingleWorkerName, IgnoreCase = true)]
    public string Baseline { get; set; } = "Sequential";

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        _baseline = SpeedupBaseline.Parse(Baseline);
        _reader = new SpeedupInputReader(Culture);
        WriteVerbose($"Reading numbers in text in culture '{Culture.Name}' (decimal separator '{Culture.NumberFormat.NumberDecimalSeparator}').");
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        _row++;
        var (sample, problems) = _reader.Read(_row, MachineName, Workload, Unwrap(Tasks), TaskSize, Model, Unwrap(Workers), Unwrap(Run), Unwrap(ElapsedMs), Unwrap(Verified), RunError);
        foreach (SpeedupInputProblem problem in problems)
        {
            WriteError(new ErrorRecord(new ArgumentException(problem.Message, problem.Column), problem.ErrorId, ErrorCategory.InvalidData, problem.Value));
        }

        _analysis.Add(sample);
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        foreach (string duplicate in _analysis.DuplicateRuns())
        {
            WriteWarning($"Run numbers repeat within a configuration, so runs may have been counted twice: {duplicate}.");
        }

        var (summaries, missing) = _analysis.Summarize(_baseline);
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

    private static object? Unwrap(object? value) => value is PSObject wrapped ? Unwrap(wrapped.BaseObject) : value;
}
