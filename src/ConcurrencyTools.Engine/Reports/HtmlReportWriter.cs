using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// Writes the page. Everything is inline (SVG, CSS) and there is no script: the file opens offline, can be
/// mailed, and shows the same in any browser.
/// </summary>
internal static class HtmlReportWriter
{
    private const string Style = """
        body { font-family: Helvetica, Arial, "Liberation Sans", sans-serif; color: #222; margin: 0 auto; padding: 1.5em 2em 3em; max-width: 1280px; line-height: 1.4; }
        h1 { font-size: 1.6em; margin: 0 0 .3em; }
        h2 { font-size: 1.25em; margin: 2em 0 .6em; padding-bottom: .2em; border-bottom: 1px solid #ddd; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: 0 0 1em; font-size: .92em; }
        dl.facts dt { color: #666; }
        dl.facts dd { margin: 0; }
        code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .9em; background: #f4f4f4; padding: .1em .3em; word-break: break-all; }
        nav ul { margin: .3em 0; padding-left: 1.2em; columns: 2; font-size: .92em; }
        figure.figure { margin: 1em 0 2em; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        .chart { flex: 0 1 auto; margin: 0; }
        .chart svg { width: 100%; height: auto; display: block; border: 1px solid #eee; }
        figcaption { margin: .5em 0; color: #444; font-size: .92em; max-width: 62em; }
        table { border-collapse: collapse; font-size: .85em; margin: .4em 0; }
        th, td { padding: .2em .7em; border-bottom: 1px solid #e4e4e4; }
        th { text-align: right; background: #f6f6f6; font-weight: 600; }
        td { text-align: right; font-variant-numeric: tabular-nums; }
        th.text, td.text { text-align: left; }
        .not-drawn li, .notes li { font-size: .9em; }
        """;

    public static void Write(TextWriter w, ReportHeader header, ReportFacts facts, IReadOnlyList<ReportSection> sections, IReadOnlyList<string> notDrawn, IReadOnlyList<string> notes)
    {
        w.WriteLine("<!DOCTYPE html>");
        w.WriteLine("<html lang=\"en\">");
        w.WriteLine("<head>");
        w.WriteLine("<meta charset=\"utf-8\">");
        w.WriteLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        w.WriteLine($"<title>{Encode(header.Title)}</title>");
        w.WriteLine($"<style>\n{Style}\n</style>");
        w.WriteLine("</head>");
        w.WriteLine("<body>");
        w.WriteLine($"<h1>{Encode(header.Title)}</h1>");
        WriteFacts(w, header, facts);

        if (sections.Count > 1)
        {
            w.WriteLine("<nav><ul>");
            for (int i = 0; i < sections.Count; i++)
            {
                w.WriteLine($"<li><a href=\"#section-{i + 1}\">{Encode(sections[i].Title)}</a></li>");
            }

            w.WriteLine("</ul></nav>");
        }

        if (sections.Count == 0)
        {
            w.WriteLine("<p class=\"empty\">No rows of a kind this report draws were given.</p>");
        }

        int charts = 0;
        for (int i = 0; i < sections.Count; i++)
        {
            ReportSection section = sections[i];
            w.WriteLine($"<section id=\"section-{i + 1}\" data-kind=\"{section.Kind}\">");
            w.WriteLine($"<h2>{Encode(section.Title)}</h2>");
            foreach (ReportFigure figure in section.Figures)
            {
                w.WriteLine("<figure class=\"figure\">");
                w.WriteLine("<div class=\"charts\">");
                foreach (ReportChart chart in figure.Charts)
                {
                    // Never wider than drawn: scaled up, the chart's text would outgrow the page's.
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<div class=\"chart\" style=\"flex-basis: {chart.Width}px; max-width: {chart.Width}px\" data-chart=\"{Encode(chart.Id)}\" data-kind=\"{section.Kind}\">"));
                    w.WriteLine(UniqueIds(chart.Svg, ++charts));
                    w.WriteLine("</div>");
                }

                w.WriteLine("</div>");
                w.WriteLine($"<figcaption>{Encode(figure.Caption)}</figcaption>");
                if (figure.Table is not null)
                {
                    WriteTable(w, figure.Table);
                }

                w.WriteLine("</figure>");
            }

            w.WriteLine("</section>");
        }

        if (notDrawn.Count > 0)
        {
            w.WriteLine("<section class=\"not-drawn\"><h2>Not drawn</h2>");
            w.WriteLine("<p>Rows of kinds this version of the report does not know; their columns did not match any it draws.</p><ul>");
            foreach (string line in notDrawn)
            {
                w.WriteLine($"<li>{Encode(line)}</li>");
            }

            w.WriteLine("</ul></section>");
        }

        if (notes.Count > 0)
        {
            w.WriteLine("<section class=\"notes\"><h2>Left out</h2><ul>");
            foreach (string line in notes)
            {
                w.WriteLine($"<li>{Encode(line)}</li>");
            }

            w.WriteLine("</ul></section>");
        }

        w.WriteLine("</body>");
        w.WriteLine("</html>");
    }

    private static void WriteFacts(TextWriter w, ReportHeader header, ReportFacts facts)
    {
        var items = new List<(string Term, string Html)>
        {
            (facts.Machines.Count > 1 ? "Machines" : "Machine", Encode(facts.Machines.Count == 0 ? Environment.MachineName + " (where the report was written)" : string.Join(", ", facts.Machines))),
        };
        Add(items, "Logical cores", facts.Cores);
        Add(items, "Runtime", facts.Runtimes);
        Add(items, "OS", facts.Systems);
        if (facts.First is { } first && facts.Last is { } last)
        {
            items.Add(("Measured", Encode(first == last ? Time(first) : $"{Time(first)} to {Time(last)}")));
        }

        items.Add(("Report written", Encode(Time(header.CreatedAt))));
        if (!string.IsNullOrWhiteSpace(header.CommandLine))
        {
            items.Add(("Command line", $"<code>{Encode(header.CommandLine.Trim())}</code>"));
        }

        items.Add(("Module", Encode($"ConcurrencyTools {header.ModuleVersion ?? "(version unknown)"}")));
        items.Add(("Rows", Encode(facts.Rows.ToString(CultureInfo.InvariantCulture))));
        w.WriteLine("<dl class=\"facts\">");
        foreach (var (term, html) in items)
        {
            w.WriteLine($"<dt>{Encode(term)}</dt><dd>{html}</dd>");
        }

        w.WriteLine("</dl>");
    }

    private static void Add(List<(string, string)> items, string term, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            items.Add((term, Encode(string.Join(", ", values))));
        }
    }

    private static void WriteTable(TextWriter w, ReportTable table)
    {
        w.WriteLine("<table>");
        w.Write("<thead><tr>");
        for (int c = 0; c < table.Headers.Count; c++)
        {
            w.Write($"<th{Align(c, table)}>{Encode(table.Headers[c])}</th>");
        }

        w.WriteLine("</tr></thead><tbody>");
        foreach (string?[] row in table.Rows)
        {
            w.Write("<tr>");
            for (int c = 0; c < row.Length; c++)
            {
                w.Write($"<td{Align(c, table)}>{Encode(row[c] ?? string.Empty)}</td>");
            }

            w.WriteLine("</tr>");
        }

        w.WriteLine("</tbody></table>");
    }

    // Every exported SVG numbers its clip paths from 1; inline in one page, ids are shared by the whole
    // document, so each chart's ids get its own prefix or charts would clip to each other's rectangles.
    private static string UniqueIds(string svg, int chart) => svg
        .Replace("id=\"clipPath", $"id=\"chart{chart}-clipPath", StringComparison.Ordinal)
        .Replace("url(#clipPath", $"url(#chart{chart}-clipPath", StringComparison.Ordinal);

    private static string Align(int column, ReportTable table) => column < table.TextColumns ? " class=\"text\"" : string.Empty;

    private static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
