using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// Collects result rows of any kind the module emits (live or from a CSV file) and writes them as one
/// self-contained HTML page of charts and tables: inline SVG and CSS, nothing fetched from the network.
/// </summary>
public sealed class ConcurrencyReport
{
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

    /// <summary>Draws the charts and writes the page, reporting each step (e.g. <c>Drawing the process pool</c>) to <paramref name="progress"/>.</summary>
    public ReportContents Write(TextWriter writer, ReportHeader header, CancellationToken cancellationToken = default, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(header);
        var notes = new List<string>();
        var sections = new List<ReportSection>();
        progress?.Report("Drawing speedups and run times");
        sections.AddRange(SpeedupCharts.Build(_rows[ReportRowKind.WorkloadMeasurement], _rows[ReportRowKind.SpeedupSummary], notes, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (_rows[ReportRowKind.ProcessTaskResult].Count > 0)
        {
            progress?.Report("Drawing the process pool");
            sections.Add(ProcessPoolCharts.Build(_rows[ReportRowKind.ProcessTaskResult], notes));
        }

        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report("Drawing race tests and producer/consumer runs");
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

        progress?.Report("Writing the page");
        var facts = new ReportFacts(_rows.Where(p => p.Key != ReportRowKind.Unknown).SelectMany(p => p.Value).ToList());
        HtmlReportWriter.Write(writer, header, facts, sections, notDrawn, notes);
        return new ReportContents(
            sections.SelectMany(s => s.Figures).SelectMany(f => f.Charts).Select(c => c.Id).ToList(),
            notDrawn,
            notes);
    }
}
