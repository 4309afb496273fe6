using System;
using System.Globalization;
using System.Management.Automation;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// A cmdlet that reads run rows, WorkloadMeasurement objects or an Import-Csv of them, by property name:
/// Measure-Speedup and Measure-Scalability read them alike.
/// </summary>
public abstract class RunInputCommand : PSCmdlet
{
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

    /// <summary>The current pipeline row as a run; rows that failed, are unverified or have no usable time are marked not valid (with an error record where the row is wrong).</summary>
    protected SpeedupSample ReadSample()
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

        return new SpeedupSample(MachineName ?? string.Empty, Workload, Tasks, TaskSize ?? string.Empty, Model, Workers, Run, ElapsedMs, valid);
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
