using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>A part of the report: the figures of one kind of row for one subject (e.g. one task list).</summary>
internal sealed class ReportSection
{
    public ReportSection(ReportRowKind kind, string title)
    {
        Kind = kind;
        Title = title;
    }

    public ReportRowKind Kind { get; }

    public string Title { get; }

    public List<ReportFigure> Figures { get; } = new();
}
