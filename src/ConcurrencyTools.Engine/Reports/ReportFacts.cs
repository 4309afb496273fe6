using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>The facts the rows carry about where and when they were measured, for the top of the page.</summary>
internal sealed class ReportFacts
{
    public ReportFacts(IReadOnlyList<ReportRow> rows)
    {
        Machines = Distinct(rows, "MachineName");
        Runtimes = Distinct(rows, "Runtime");
        Systems = Distinct(rows, "OS");
        Cores = Distinct(rows, "LogicalCores");
        DateTimeOffset[] times = rows.SelectMany(r => new[] { r.Time("Timestamp"), r.Time("StartTime") }).Where(t => t is not null).Select(t => t!.Value).ToArray();
        if (times.Length > 0)
        {
            First = times.Min();
            Last = times.Max();
        }

        Rows = rows.Count;
    }

    public IReadOnlyList<string> Machines { get; }

    public IReadOnlyList<string> Runtimes { get; }

    public IReadOnlyList<string> Systems { get; }

    public IReadOnlyList<string> Cores { get; }

    public DateTimeOffset? First { get; }

    public DateTimeOffset? Last { get; }

    public int Rows { get; }

    private static IReadOnlyList<string> Distinct(IEnumerable<ReportRow> rows, string column) =>
        rows.Select(r => r.Text(column)).Where(t => t is not null).Select(t => t!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}
