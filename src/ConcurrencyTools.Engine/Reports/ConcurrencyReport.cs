using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// Collects result rows of any kind the module emits (live or from a CSV file) and writes them as one
/// self-contained HTML page of charts and tables: inline SVG and CSS, nothing fetched from the network.
/// </summary>
public sealed class ConcurrencyReport
{
    /// <summary>How the temporary file of <see cref="WriteFile"/> starts (hidden on Unix), followed by the target's name.</summary>
    public const string TemporaryPrefix = ".";

    private readonly Dictionary<ReportRowKind, List<ReportRow>> _rows = Enum.GetValues<ReportRowKind>().ToDictionary(k => k, _ => new List<ReportRow>());

    /// <summary>Adds a row and says which kind it was recognised as (by its columns).</summary>
    public ReportRowKind Add(ReportRow row)
    {
        ReportRowKind kind = ReportRowClassifier.Classify(row);
        _rows[kind].Add(row);
        return kind;
    }

    /// <summary>Rows added so far, per kind.</summary>
    public int Count(ReportRowKind kind) => _rows[kind].Count;

    /// <summary>
    /// Writes the page to <paramref name="path"/> all or nothing: into a new temporary file beside it (so the final
    /// rename stays on one file system and is atomic), renamed over the target only once complete. Whatever ends the
    /// write early (an I/O error, cancellation, an exception from <paramref name="progress"/> such as a stopped
    /// pipeline) deletes the temporary file and leaves an existing report as it was. With
    /// <paramref name="noClobber"/>, an existing file is an <see cref="IOException"/> and is never replaced.
    /// </summary>
    public ReportContents WriteFile(string path, ReportHeader header, bool noClobber = false, CancellationToken cancellationToken = default, IProgress<ReportProgress>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"'{full}' is a directory.");
        }

        if (noClobber && File.Exists(full))
        {
            throw new IOException($"The file '{full}' already exists (NoClobber).");
        }

        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"'{full}' has no directory.");
        string temporary = Path.Combine(directory, TemporaryPrefix + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        bool renamed = false;
        try
        {
            ReportContents contents;
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                contents = Write(writer, header, cancellationToken, progress);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, full, overwrite: !noClobber);
            renamed = true;
            return contents;
        }
        finally
        {
            if (!renamed)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    // Nothing more can be done; the original failure is the one to report.
                }
            }
        }
    }

    /// <summary>Draws the charts and writes the page, reporting each step (e.g. <c>Drawing the process pool</c>) to <paramref name="progress"/>.</summary>
    public ReportContents Write(TextWriter writer, ReportHeader header, CancellationToken cancellationToken = default, IProgress<ReportProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(header);
        var notes = new List<string>();
        var sections = new List<ReportSection>();
        bool pool = _rows[ReportRowKind.ProcessTaskResult].Count > 0;
        int done = 0;
        void report(string step) => progress?.Report(new ReportProgress(step, done++, pool ? 4 : 3));
        report("Drawing speedups and run times");
        sections.AddRange(SpeedupCharts.Build(_rows[ReportRowKind.WorkloadMeasurement], _rows[ReportRowKind.SpeedupSummary], notes, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (pool)
        {
            report("Drawing the process pool");
            sections.Add(ProcessPoolCharts.Build(_rows[ReportRowKind.ProcessTaskResult], notes));
        }

        cancellationToken.ThrowIfCancellationRequested();
        report("Drawing race tests and producer/consumer runs");
        sections.AddRange(RaceCharts.Build(_rows[ReportRowKind.RaceTestResult]));
        cancellationToken.ThrowIfCancellationRequested();
        if (_rows[ReportRowKind.ProducerConsumerResult].Count > 0 && ProducerConsumerCharts.Build(_rows[ReportRowKind.ProducerConsumerResult], notes) is { } queues)
        {
            sections.Add(queues);
        }

        List<string> notDrawn = _rows[ReportRowKind.Unknown]
            .GroupBy(r => r.TypeName.Length == 0 ? "(no type name)" : r.TypeName)
            .Select(g => $"{g.Key}: {ReportFormat.Plural(g.Count(), "row")} with columns {string.Join(", ", g.First().Columns.Take(8))}{(g.First().Columns.Count() > 8 ? ", ..." : string.Empty)}")
            .ToList();

        report("Writing the page");
        var facts = new ReportFacts(_rows.Where(p => p.Key != ReportRowKind.Unknown).SelectMany(p => p.Value).ToList());
        HtmlReportWriter.Write(writer, header, facts, sections, notDrawn, notes);
        return new ReportContents(
            sections.SelectMany(s => s.Figures).SelectMany(f => f.Charts).Select(c => c.Id).ToList(),
            notDrawn,
            notes);
    }
}
