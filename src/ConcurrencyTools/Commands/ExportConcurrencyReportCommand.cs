using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;
using ConcurrencyTools.Engine.Reports;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Writes the module's result rows, live or from Import-Csv, as one self-contained HTML page of charts and tables.</para>
/// </summary>
[Cmdlet(VerbsData.Export, "ConcurrencyReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportConcurrencyReportCommand : ConcurrencyCmdlet
{
    private readonly ConcurrencyReport _report = new();
    private readonly List<ReportRow> _read = new();
    private int _rows;

    /// <summary>The HTML file to write (replaced if it exists, unless NoClobber). It is written to a temporary file beside it and renamed at the end, so a failed or stopped write leaves an existing report as it was.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The rows: WorkloadMeasurement, SpeedupSummary, process pool, race test and producer/consumer results, or their Import-Csv rows. Other rows are listed as not drawn.</summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>The page title.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Concurrency report";

    /// <summary>Refuses to replace an existing file: a terminating NoClobber error, and nothing is written.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Writes the report's FileInfo to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Opens the report with the platform's opener (the default browser) once it is written.</summary>
    [Parameter]
    public SwitchParameter Open { get; set; }

    /// <summary>
    /// The culture that numbers in text (from Import-Csv) are written in; the current culture by default,
    /// which is the one Export-Csv wrote them in on this machine. Use '' for the invariant culture.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public CultureInfo Culture { get; set; } = CultureInfo.CurrentCulture;

    /// <summary>Writes no progress while the charts are drawn.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (InputObject is null)
        {
            return;
        }

        _rows++;
        ReportRow row = ToRow(InputObject, Culture, _rows);
        _read.Add(row);
        ReportRowKind kind = _report.Add(row);
        if (kind == ReportRowKind.Unknown)
        {
            WriteVerbose($"Row {_rows} ({InputObject.TypeNames.FirstOrDefault()}) is of a kind the report does not draw; it is listed as not drawn.");
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        foreach (ReportRowKind kind in Enum.GetValues<ReportRowKind>())
        {
            WriteVerbose($"{kind}: {_report.Count(kind)} rows");
        }

        ReportContents contents;
        try
        {
            var header = new ReportHeader
            {
                Title = Title,
                CommandLine = MyInvocation.Line,
                ModuleVersion = MyInvocation.MyCommand.Module?.Version.ToString() ?? typeof(ConcurrencyReport).Assembly.GetName().Version?.ToString(),
            };

            if (NoClobber && File.Exists(path))
            {
                // As Out-File and Export-Csv do: a terminating NoClobber error.
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"The file '{path}' already exists; -NoClobber leaves it as it is."), "NoClobber", ErrorCategory.ResourceExists, Path));
            }

            if (!ShouldProcess(path, "Write the concurrency report"))
            {
                return;
            }

            // All or nothing: a failed or stopped write leaves no temporary file and an existing report as it was.
            // WriteFile runs on the pipeline thread, so each step is shown as it is reported, not queued.
            var progress = new ProgressThrottle(this, "Export-ConcurrencyReport", NoProgress);
            contents = _report.WriteFile(path, header, NoClobber, StopToken, progress.For<ReportProgress>(p => (p.Step, p.StepsDone, p.TotalSteps)));
            progress.Complete();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"Cannot write the report to -Path '{path}': {e.Message}", e),
                "ReportWriteFailed",
                ErrorCategory.WriteError,
                Path));
            return;
        }

        // The same error ids as Measure-Speedup's (e.g. InvalidElapsedMs): a file of another culture is named, not read 10x off.
        foreach (SpeedupInputProblem problem in _read.SelectMany(r => r.Problems))
        {
            WriteError(new ErrorRecord(new ArgumentException(problem.Message, problem.Column), problem.ErrorId, ErrorCategory.InvalidData, problem.Value));
        }

        WriteVerbose($"Wrote {path}: charts {string.Join(", ", contents.Charts)}.");
        foreach (string line in contents.NotDrawn)
        {
            WriteWarning($"Not drawn: {line}");
        }

        foreach (string note in contents.Notes)
        {
            WriteVerbose(note);
        }

        if (Open)
        {
            OpenReport(path);
        }

        if (PassThru)
        {
            WriteObject(new FileInfo(path));
        }
    }

    // Only scalar values are kept: the report reads rows by column, the way Export-Csv writes them.
    private static ReportRow ToRow(PSObject input, CultureInfo culture, int row)
    {
        var values = new List<KeyValuePair<string, object?>>();
        foreach (PSPropertyInfo property in input.Properties)
        {
            object? value;
            try
            {
                value = property.Value;
            }
            catch (GetValueException)
            {
                continue;
            }

            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }

            if (value is IEnumerable and not string)
            {
                continue;
            }

            values.Add(new KeyValuePair<string, object?>(property.Name, value));
        }

        return new ReportRow(input.TypeNames.FirstOrDefault() ?? string.Empty, values, culture, row);
    }

    private void OpenReport(string path)
    {
        try
        {
            ProcessStartInfo start = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? new ProcessStartInfo(path) { UseShellExecute = true }
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? new ProcessStartInfo("open", new[] { path })
                : new ProcessStartInfo("xdg-open", new[] { path });
            using Process? opener = Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"The report was written to '{path}', but no program could open it: {e.Message}", e),
                "ReportOpenFailed",
                ErrorCategory.ResourceUnavailable,
                path));
        }
    }
}
