using System.Globalization;
using System.Management.Automation;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// A cmdlet that reads run rows, WorkloadMeasurement objects or an Import-Csv of them, by property name:
/// Measure-Speedup and Measure-Scalability read them alike. Cells are taken as they come (number or
/// text) and read by <see cref="SpeedupInputReader"/>, so that a bad cell is an error naming its column
/// and row and the run is counted as excluded, never dropped by the binder, rounded, or read in the
/// wrong culture.
/// </summary>
public abstract class RunInputCommand : PSCmdlet
{
    private SpeedupInputReader? _reader;
    private int _row;

    /// <summary>The workload of the run (from the pipeline); empty is an error and the run is excluded.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? Workload { get; set; }

    /// <summary>The model of the run (from the pipeline); names are compared ignoring case; empty is an error and the run is excluded.</summary>
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

    /// <summary>The task count of the run (from the pipeline; Items for producer/consumer rows): a whole number.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Items")]
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

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        _reader = new SpeedupInputReader(Culture);
        WriteVerbose($"Reading numbers in text in culture '{Culture.Name}' (decimal separator '{Culture.NumberFormat.NumberDecimalSeparator}').");
    }

    /// <summary>
    /// The current pipeline row as a run. Rows that failed, are unverified or have cells that cannot be
    /// used are marked not valid with the reason; each unusable cell is also an error record whose id
    /// names the column (e.g. InvalidWorkers) and whose message names the value and the row.
    /// </summary>
    protected SpeedupSample ReadSample()
    {
        _reader ??= new SpeedupInputReader(Culture);
        _row++;
        var (sample, problems) = _reader.Read(_row, MachineName, Workload, Unwrap(Tasks), TaskSize, Model, Unwrap(Workers), Unwrap(Run), Unwrap(ElapsedMs), Unwrap(Verified), RunError);
        foreach (SpeedupInputProblem problem in problems)
        {
            WriteError(new ErrorRecord(new System.ArgumentException(problem.Message, problem.Column), problem.ErrorId, ErrorCategory.InvalidData, problem.Value));
        }

        return sample;
    }

    /// <summary>
    /// An optional figure of the current row (read by <see cref="ReadSample"/> first), in -Culture like every
    /// other cell; empty is missing, and a cell that is not a number is an error naming the column (e.g.
    /// InvalidCpuTimeMs) while the run still counts.
    /// </summary>
    protected double? ReadOptionalNumber(object? cell, string column)
    {
        _reader ??= new SpeedupInputReader(Culture);
        var (value, problem) = _reader.ReadOptional(_row, column, Unwrap(cell));
        if (problem is not null)
        {
            WriteError(new ErrorRecord(new System.ArgumentException(problem.Message, problem.Column), problem.ErrorId, ErrorCategory.InvalidData, problem.Value));
        }

        return value;
    }

    private static object? Unwrap(object? value) => value is PSObject wrapped ? Unwrap(wrapped.BaseObject) : value;
}
