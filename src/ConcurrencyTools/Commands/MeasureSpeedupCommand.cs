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
    private readonly RecommendationAnalysis _recommendations = new();
    private SpeedupBaseline _baseline = SpeedupBaseline.Sequential;

    /// <summary>The workload of the run (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Workload { get; set; } = string.Empty;

    /// <summary>The model of the run (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = string.Empty;

    /// <summary>The worker count of the run (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int Workers { get; set; }

    /// <summary>The wall-clock time of the run in milliseconds (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public double ElapsedMs { get; set; }

    /// <summary>The task count of the run (from the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int Tasks { get; set; }

    /// <summary>The task size of the run (from the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string TaskSize { get; set; } = string.Empty;

    /// <summary>The run number (from the pipeline); used to name outliers.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int Run { get; set; }

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

    /// <summary>The CPU time of the run in milliseconds (from the pipeline); with LogicalCores it gives Bound.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public object? CpuTimeMs { get; set; }

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
    [ValidateSet("Sequential", "Threads", "ThreadPool", "EventLoop", "Processes", "GilThreads", "Runspaces", "ForEachParallel", "ThreadJob", "Jobs", SpeedupBaseline.SingleWorkerName, IgnoreCase = true)]
    public string Baseline { get; set; } = "Sequential";

    /// <inheritdoc/>
    protected override void BeginProcessing() => _baseline = SpeedupBaseline.Parse(Baseline);

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        bool valid = string.IsNullOrEmpty(RunError) && ParseVerified(out bool verified) && verified;
        if (valid && !(ElapsedMs > 0 && double.IsFinite(ElapsedMs)))
        {
            WriteError(new ErrorRecord(
                new ArgumentOutOfRangeException(nameof(ElapsedMs), ElapsedMs, $"ElapsedMs {ElapsedMs.ToString(CultureInfo.InvariantCulture)} of {Model} x{Workers} run {Run} is not a positive time; the run is excluded."),
                "InvalidElapsedMs",
                ErrorCategory.InvalidData,
                ElapsedMs));
            valid = false;
        }

        _analysis.Add(new SpeedupSample(MachineName ?? string.Empty, Workload, Tasks, TaskSize ?? string.Empty, Model, Workers, Run, ElapsedMs, valid));
        if (valid)
        {
            _recommendations.Add(MachineName ?? string.Empty, Workload, Tasks, TaskSize ?? string.Empty, Model, Workers, ElapsedMs,
                OptionalNumber(CpuTimeMs), (int?)OptionalNumber(LogicalCores), OptionalNumber(StartupMs));
        }
    }

    /// <summary>An optional figure: a number, or its invariant text from a CSV file; empty or unreadable is missing.</summary>
    private static double? OptionalNumber(object? value) => value is PSObject wrapped ? OptionalNumber(wrapped.BaseObject) : value switch
    {
        double d when double.IsFinite(d) => d,
        int i => i,
        long l => l,
        string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && double.IsFinite(parsed) => parsed,
        _ => null,
    };

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
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

    private bool ParseVerified(out bool verified)
    {
        switch (Verified)
        {
            case null:
                verified = true; // Rows that do not say are taken as verified.
                return true;
            case bool value:
                verified = value;
                return true;
            case PSObject { BaseObject: var inner } when inner is not PSObject:
                Verified = inner;
                return ParseVerified(out verified);
            case string text when bool.TryParse(text.Trim(), out bool parsed):
                verified = parsed;
                return true;
            default:
                WriteError(new ErrorRecord(
                    new ArgumentException($"Verified must be True or False; '{Verified}' of {Model} x{Workers} run {Run} is neither, so the run is excluded.", nameof(Verified)),
                    "InvalidVerified",
                    ErrorCategory.InvalidData,
                    Verified));
                verified = false;
                return false;
        }
    }
}
