using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>One or more charts side by side, a caption saying what to look for, and the table of their numbers.</summary>
internal sealed class ReportFigure
{
    public ReportFigure(string caption, ReportTable? table, params ReportChart[] charts)
    {
        Caption = caption;
        Table = table;
        Charts = charts;
    }

    public IReadOnlyList<ReportChart> Charts { get; }

    public string Caption { get; }

    public ReportTable? Table { get; }
}

/// <summary>One rendered chart: its id (what it shows, e.g. <c>speedup</c>), its SVG and its natural width in pixels.</summary>
internal sealed record ReportChart(string Id, string Svg, double Width);
