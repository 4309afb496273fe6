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

    /// <summary>The task count of the run (from the pipeline; Items for producer/consumer rows).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Items")]
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

    /// <summary>
    /// An optional figure of the current row: a number, or its invariant text from a CSV file; null or empty is
    /// missing. A cell that is not a finite number is an error record naming the column, and the figure is missing.
    /// </summary>
    protected double? ReadOptionalNumber(object? cell, string column)
    {
        switch (cell is PSObject { BaseObject: var inner } ? inner : cell)
        {
            case null:
            case string text when string.IsNullOrWhiteSpace(text):
                return null;
            case double d when double.IsFinite(d):
                return d;
            case float f when float.IsFinite(f):
                return f;
            case int i:
                return i;
            case long l:
                return l;
            case decimal m:
                return (double)m;
            case string text when double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && double.IsFinite(parsed):
                return parsed;
            default:
                WriteError(new ErrorRecord(
                    new ArgumentException($"{column} must be a number; '{cell}' of {Model} x{Workers} run {Run} is not, so the run is read without it.", column),
                    "Invalid" + column,
                    ErrorCategory.InvalidData,
                    cell));
                return null;
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
