using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>A table under a chart: the numbers the chart draws.</summary>
internal sealed class ReportTable
{
    public ReportTable(params string[] headers) => Headers = headers;

    public IReadOnlyList<string> Headers { get; }

    /// <summary>Columns whose cells are left-aligned text (the rest are numbers, right-aligned).</summary>
    public int TextColumns { get; init; } = 1;

    public List<string?[]> Rows { get; } = new();

    public void Add(params string?[] cells) => Rows.Add(cells);
}
