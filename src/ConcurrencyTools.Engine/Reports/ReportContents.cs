using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>What a written report holds: the charts drawn, the kinds of rows it could not draw, and notes on rows it left out.</summary>
public sealed class ReportContents
{
    internal ReportContents(IReadOnlyList<string> charts, IReadOnlyList<string> notDrawn, IReadOnlyList<string> notes)
    {
        Charts = charts;
        NotDrawn = notDrawn;
        Notes = notes;
    }

    /// <summary>The id of every chart, in page order (e.g. <c>speedup</c>, <c>distribution</c>, <c>timeline</c>).</summary>
    public IReadOnlyList<string> Charts { get; }

    /// <summary>One line per kind of row the report does not know: its type name and count.</summary>
    public IReadOnlyList<string> NotDrawn { get; }

    /// <summary>Rows of known kinds that were left out, and why.</summary>
    public IReadOnlyList<string> Notes { get; }
}
