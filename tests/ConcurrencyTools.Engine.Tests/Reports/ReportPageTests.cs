using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConcurrencyTools.Engine.Reports;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The frame of the page around the charts (the facts at the top, the contents list, the empty page, the
/// rows not drawn) and the readers of a row's cells, each checked against its exact text.
/// </summary>
public class ReportPageTests
{
    [Fact]
    public void TheFactsNameEveryMachineCoreCountRuntimeAndSystemOnceAndTheSpanMeasured()
    {
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00", ("Runtime", ".NET 10.0.1"), ("OS", "Debian 13"), ("LogicalCores", "2")));
        report.Add(Race("VM", "2026-11-23T19:05:30+00:00", ("Runtime", ".NET 10.0.1"), ("OS", "Debian 13"), ("LogicalCores", "2")));
        report.Add(Race("box", "2026-11-23T18:59:01+00:00", ("Runtime", ".NET 8.0.2"), ("OS", "Debian 13"), ("LogicalCores", "16")));

        string html = Write(report, new ReportHeader { CreatedAt = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.FromHours(1)), CommandLine = "  Test-Race -Strategy <None>  ", ModuleVersion = "1.2.3" });

        // Machine names differ only in case once: "vm" and "VM" are one machine.
        Assert.Contains("<dt>Machines</dt><dd>vm, box</dd>", html);
        Assert.Contains("<dt>Logical cores</dt><dd>2, 16</dd>", html);
        Assert.Contains("<dt>Runtime</dt><dd>.NET 10.0.1, .NET 8.0.2</dd>", html);
        Assert.Contains("<dt>OS</dt><dd>Debian 13</dd>", html);
        Assert.Contains("<dt>Measured</dt><dd>2026-11-23 18:59:01 +00:00 to 2026-11-23 19:05:30 +00:00</dd>", html);
        Assert.Contains("<dt>Report written</dt><dd>2026-12-01 08:30:00 +01:00</dd>", html);
        Assert.Contains("<dt>Command line</dt><dd><code>Test-Race -Strategy &lt;None&gt;</code></dd>", html);
        Assert.Contains("<dt>Module</dt><dd>ConcurrencyTools 1.2.3</dd>", html);
        Assert.Contains("<dt>Rows</dt><dd>3</dd>", html);
        Assert.Matches("<dl class=\"facts\">\\n<dt>Machines</dt>.*\\n<dt>Logical cores</dt>.*\\n<dt>Runtime</dt>.*\\n<dt>OS</dt>.*\\n<dt>Measured</dt>.*\\n<dt>Report written</dt>.*\\n<dt>Command line</dt>.*\\n<dt>Module</dt>.*\\n<dt>Rows</dt>.*\\n</dl>", html);
    }

    [Fact]
    public void OneMachineAndOneTimeAreSaidOnceAndMissingFactsAreLeftOut()
    {
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));

        string html = Write(report, new ReportHeader { CommandLine = " ", ModuleVersion = null });

        Assert.Contains("<dt>Machine</dt><dd>vm</dd>", html);
        Assert.Contains("<dt>Measured</dt><dd>2026-11-23 19:00:00 +00:00</dd>", html);
        Assert.Contains("<dt>Module</dt><dd>ConcurrencyTools (version unknown)</dd>", html);
        Assert.Contains("<dt>Rows</dt><dd>2</dd>", html);
        Assert.DoesNotContain("<dt>Logical cores</dt>", html);
        Assert.DoesNotContain("<dt>Runtime</dt>", html);
        Assert.DoesNotContain("<dt>OS</dt>", html);
        Assert.DoesNotContain("<dt>Command line</dt>", html);
    }

    [Fact]
    public void RowsWithoutAMachineOrATimeNameTheMachineThatWroteTheReportAndNoSpan()
    {
        var report = new ConcurrencyReport();
        report.Add(new ReportRow("Contoso.Widget", new Dictionary<string, object?> { ["Color"] = "blue", ["MachineName"] = "elsewhere", ["Timestamp"] = "2026-11-23T19:00:00+00:00" }));

        string html = Write(report, new ReportHeader());

        // The facts are of the rows drawn: an unknown row's machine and time are not among them.
        Assert.Contains($"<dt>Machine</dt><dd>{Environment.MachineName} (where the report was written)</dd>", html);
        Assert.DoesNotContain("<dt>Measured</dt>", html);
        Assert.Contains("<dt>Rows</dt><dd>0</dd>", html);
        Assert.Contains("<dt>Module</dt><dd>ConcurrencyTools (version unknown)</dd>", html);
        Assert.Contains("<p class=\"empty\">No rows of a kind this report draws were given.</p>", html);
        Assert.DoesNotContain("<nav>", html);
        Assert.DoesNotContain("<h2>Left out</h2>", html);
    }

    [Fact]
    public void ThePageIsItsFrameAroundTheChartsLineByLine()
    {
        // A pool task without times (a note), a race, and a row of an unknown kind: every part of the frame once.
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));
        report.Add(Row(("Seq", "1"), ("Slot", "1"), ("QueueWaitMs", "0"), ("DurationMs", "5"), ("Succeeded", "True")));
        report.Add(new ReportRow("Contoso.Widget", new Dictionary<string, object?> { ["Color"] = "blue" }));

        string html = Write(report, new ReportHeader { Title = "T", CreatedAt = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero), ModuleVersion = "1.0" });

        Assert.Matches("<style>\\n\\s*body \\{ font-family: Helvetica[^<]*\\n</style>", html);
        string frame = Regex.Replace(Regex.Replace(html, "<svg .*?</svg>", "<svg/>", RegexOptions.Singleline), "<style>.*?</style>", "<style/>", RegexOptions.Singleline).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Equal(
            new[]
            {
                "<!DOCTYPE html>",
                "<html lang=\"en\">",
                "<head>",
                "<meta charset=\"utf-8\">",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "<title>T</title>",
                "<style/>",
                "</head>",
                "<body>",
                "<h1>T</h1>",
                "<dl class=\"facts\">",
                "<dt>Machine</dt><dd>vm</dd>",
                "<dt>Measured</dt><dd>2026-11-23 19:00:00 +00:00</dd>",
                "<dt>Report written</dt><dd>2026-12-01 08:30:00 +00:00</dd>",
                "<dt>Module</dt><dd>ConcurrencyTools 1.0</dd>",
                "<dt>Rows</dt><dd>2</dd>",
                "</dl>",
                "<nav><ul>",
                "<li><a href=\"#section-1\">Process pool: 1 task</a></li>",
                "<li><a href=\"#section-2\">Race test: Counter</a></li>",
                "</ul></nav>",
                "<section id=\"section-1\" data-kind=\"ProcessTaskResult\">",
                "<h2>Process pool: 1 task</h2>",
                "<figure class=\"figure\">",
                "<div class=\"charts\">",
                "<div class=\"chart\" style=\"flex-basis: 600px; max-width: 600px\" data-chart=\"durations\" data-kind=\"ProcessTaskResult\">",
                "<svg/>",
                "</div>",
                "</div>",
                "<figcaption>How long tasks ran (skipped tasks left out). One tall peak is a uniform batch; a long right tail is the few slow tasks that decide when the pool finishes.</figcaption>",
                "<table>",
                "<thead><tr><th>Tasks</th><th>Ran</th><th>Succeeded</th><th>Failed</th><th>Timed out</th><th>Skipped</th><th>MinMs</th><th>MedianMs</th><th>MaxMs</th><th>Mean wait ms</th></tr></thead><tbody>",
                "<tr><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>5.0</td><td>5.0</td><td>5.0</td><td>0.0</td></tr>",
                "</tbody></table>",
                "</figure>",
                "</section>",
                "<section id=\"section-2\" data-kind=\"RaceTestResult\">",
                "<h2>Race test: Counter</h2>",
                "<figure class=\"figure\">",
                "<div class=\"charts\">",
                "<div class=\"chart\" style=\"flex-basis: 600px; max-width: 600px\" data-chart=\"race-outcomes\" data-kind=\"RaceTestResult\">",
                "<svg/>",
                "</div>",
                "</div>",
                "<figcaption>Each trial ends with the expected value (green) or with a forbidden one (red: updates were lost or an invariant broke), as jcstress counts outcomes. Any red is a race caught in the act; all green is no race observed, which is not proof of safety. The table gives the range of final values seen.</figcaption>",
                "<table>",
                "<thead><tr><th class=\"text\">Strategy</th><th>Threads</th><th>Operations</th><th>Trials</th><th>Expected</th><th>Min seen</th><th>Mean seen</th><th>Max seen</th><th>Violated</th><th>Rate</th><th>Mean lost</th><th>Verdict</th></tr></thead><tbody>",
                "<tr><td class=\"text\">None</td><td>5</td><td>500</td><td>10</td><td>500</td><td>400</td><td>450.0</td><td>500</td><td>5</td><td>50.0 %</td><td>50.0</td><td>RaceDetected</td></tr>",
                "</tbody></table>",
                "</figure>",
                "<figure class=\"figure\">",
                "<div class=\"charts\">",
                "<div class=\"chart\" style=\"flex-basis: 600px; max-width: 600px\" data-chart=\"race-cost\" data-kind=\"RaceTestResult\">",
                "<svg/>",
                "</div>",
                "</div>",
                "<figcaption>What each strategy costs per operation, measured side by side in the same run. The unsynchronized plain field is the floor; the distance of each fix from it is its price.</figcaption>",
                "<table>",
                "<thead><tr><th class=\"text\">Strategy</th><th>NsPerOperation</th><th>ElapsedMs</th></tr></thead><tbody>",
                "<tr><td class=\"text\">None</td><td>2.0</td><td>40.0</td></tr>",
                "</tbody></table>",
                "</figure>",
                "</section>",
                "<section class=\"not-drawn\"><h2>Not drawn</h2>",
                "<p>Rows of kinds this version of the report does not know; their columns did not match any it draws.</p><ul>",
                "<li>Contoso.Widget: 1 row with columns Color</li>",
                "</ul></section>",
                "<section class=\"notes\"><h2>Left out</h2><ul>",
                "<li>Process pool rows without StartTime, EndTime and Slot: the timeline is not drawn.</li>",
                "</ul></section>",
                "</body>",
                "</html>",
                string.Empty,
            },
            frame.Split('\n'));
    }

    [Fact]
    public void APageWithoutUnknownRowsOrNotesHasNeitherSection()
    {
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));

        using var writer = new StringWriter();
        ReportContents contents = report.Write(writer, new ReportHeader());

        Assert.Empty(contents.NotDrawn);
        Assert.Empty(contents.Notes);
        Assert.DoesNotContain("Not drawn", writer.ToString());
        Assert.DoesNotContain("Left out", writer.ToString());
        Assert.Equal("Concurrency report", new ReportHeader().Title);
        Assert.Contains("<title>Concurrency report</title>", writer.ToString());
    }

    [Fact]
    public void TextIsMeasuredInCssPixelsBothWays()
    {
        // The PDF context measures in points; a CSS pixel is 3/4 of a point, in width and in height alike.
        OxyPlot.OxySize points = new OxyPlot.PdfRenderContext(100, 100, OxyPlot.OxyColors.White).MeasureText("Sequential", "Helvetica", 11, 400);
        OxyPlot.OxySize pixels = new HelveticaTextMeasurer(100, 100).MeasureText("Sequential", "Helvetica", 11, 400);
        Assert.True(points.Height > 0);
        Assert.Equal(points.Width * 4 / 3, pixels.Width, 9);
        Assert.Equal(points.Height * 4 / 3, pixels.Height, 9);
    }

    [Fact]
    public void EveryModelHasItsOwnColourAndOthersTakeTheRestInTurn()
    {
        var expected = new Dictionary<string, string>
        {
            ["Sequential"] = "#ff6b6b6b", ["Threads"] = "#ff1f77b4", ["ThreadPool"] = "#ff17becf", ["EventLoop"] = "#ff9467bd",
            ["Processes"] = "#ff2ca02c", ["GilThreads"] = "#ffd62728", ["Runspaces"] = "#ff8c564b",
        };
        foreach (var (model, colour) in expected)
        {
            Assert.Equal((model, colour), (model, ChartPalette.ForModel(model, 3).ToString().ToLowerInvariant()));
            Assert.Equal(ChartPalette.ForModel(model, 0), ChartPalette.ForModel(model.ToUpperInvariant(), 5));
        }

        string[] others = { "#ffff7f0e", "#ffe377c2", "#ffbcbd22", "#ff1f3a93", "#ff7f7f00", "#ff008080" };
        Assert.Equal(others, Enumerable.Range(0, 6).Select(i => ChartPalette.ForModel("Fibers", i).ToString().ToLowerInvariant()));
        Assert.Equal(others[1], ChartPalette.ForModel("Fibers", 7).ToString().ToLowerInvariant());
        Assert.Equal(others[1], ChartPalette.ForModel("Fibers", -7).ToString().ToLowerInvariant());

        // Series that are not models: Threads' blue, the first other, Processes' green, EventLoop's purple, then the others again.
        Assert.Equal(
            new[] { "#ff1f77b4", "#ffff7f0e", "#ff2ca02c", "#ff9467bd", "#ffff7f0e", "#ffe377c2", "#ff008080", "#ffff7f0e" },
            new[] { 0, 1, 2, 3, 4, 5, 9, 10 }.Select(i => ChartPalette.ForIndex(i).ToString().ToLowerInvariant()));
        Assert.Equal(
            new[] { "#ff2ca02c", "#ffd62728", "#ffff7f0e", "#ff9a9a9a", "#ff555555" },
            new[] { ChartPalette.Good, ChartPalette.Bad, ChartPalette.Warning, ChartPalette.Muted, ChartPalette.Reference }.Select(c => c.ToString().ToLowerInvariant()));
    }

    [Fact]
    public void AProcessPoolTasksStartTimeIsAMeasuredTime()
    {
        var report = new ConcurrencyReport();
        var start = new DateTimeOffset(2026, 11, 23, 19, 0, 0, TimeSpan.Zero);
        foreach (int seq in new[] { 1, 2 })
        {
            report.Add(Row(("Seq", seq), ("Slot", 1), ("StartTime", start.AddSeconds(seq)), ("EndTime", start.AddSeconds(seq + 1)), ("QueueWaitMs", 0.0), ("DurationMs", 1000.0), ("Succeeded", true)));
        }

        string html = Write(report, new ReportHeader());

        Assert.Contains("<dt>Measured</dt><dd>2026-11-23 19:00:01 +00:00 to 2026-11-23 19:00:02 +00:00</dd>", html);
    }

    [Fact]
    public void SeveralSectionsGetAContentsListLinkingEachInOrder()
    {
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));
        report.Add(Queue());

        string html = Write(report, new ReportHeader());

        string[] titles = Regex.Matches(html, "<section id=\"section-(\\d+)\" data-kind=\"(\\w+)\">\\n<h2>([^<]*)</h2>").Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToArray();
        Assert.Equal(new[] { "1 RaceTestResult", "2 ProducerConsumerResult" }, titles);
        string[] links = Regex.Matches(html, "<li><a href=\"#section-(\\d+)\">").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(new[] { "1", "2" }, links);
        Assert.Contains("<nav><ul>", html);
        Assert.DoesNotContain("class=\"empty\"", html);
    }

    [Fact]
    public void OneSectionHasNoContentsList()
    {
        var report = new ConcurrencyReport();
        report.Add(Race("vm", "2026-11-23T19:00:00+00:00"));

        string html = Write(report, new ReportHeader());

        Assert.Single(Regex.Matches(html, "<section id=\"section-"));
        Assert.DoesNotContain("<nav>", html);
    }

    [Fact]
    public void RowsNotDrawnAreGroupedByTypeWithTheirFirstEightColumns()
    {
        var report = new ConcurrencyReport();
        var wide = Enumerable.Range(1, 9).Select(i => new KeyValuePair<string, object?>($"C{i}", i)).ToList();
        var eight = wide.Take(8).ToList();
        report.Add(new ReportRow("Wide", wide));
        report.Add(new ReportRow("Eight", eight));
        report.Add(new ReportRow(string.Empty, eight));
        report.Add(new ReportRow(null!, eight));

        using var writer = new StringWriter();
        ReportContents contents = report.Write(writer, new ReportHeader());

        Assert.Equal(
            new[]
            {
                "Wide: 1 row with columns C1, C2, C3, C4, C5, C6, C7, C8, ...",
                "Eight: 1 row with columns C1, C2, C3, C4, C5, C6, C7, C8",
                "(no type name): 2 rows with columns C1, C2, C3, C4, C5, C6, C7, C8",
            },
            contents.NotDrawn);
        Assert.Contains("<li>(no type name): 2 rows with columns C1, C2, C3, C4, C5, C6, C7, C8</li>", writer.ToString());
        Assert.Equal(4, report.Count(ReportRowKind.Unknown));
        Assert.Equal(0, report.Count(ReportRowKind.RaceTestResult));
    }

    [Fact]
    public void AddSaysWhichKindTheRowWasTakenFor()
    {
        var report = new ConcurrencyReport();
        Assert.Equal(ReportRowKind.RaceTestResult, report.Add(Race("vm", "2026-11-23T19:00:00+00:00")));
        Assert.Equal(ReportRowKind.ProducerConsumerResult, report.Add(Queue()));
        Assert.Equal(1, report.Count(ReportRowKind.RaceTestResult));
        Assert.Equal(1, report.Count(ReportRowKind.ProducerConsumerResult));
        Assert.Throws<ArgumentNullException>(() => report.Add(null!));
        Assert.Throws<ArgumentNullException>(() => report.Write(null!, new ReportHeader()));
        Assert.Throws<ArgumentNullException>(() => report.Write(TextWriter.Null, null!));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 1.75)]
    [InlineData(0.5, 2.5)]
    [InlineData(0.75, 4.75)]
    [InlineData(1.0, 10.0)]
    public void QuantilesInterpolateBetweenTheSortedValues(double p, double expected)
    {
        // Positions p * 3 of 1, 2, 3, 10: 0.75 lies a quarter of the way from 1 to 2, 2.25 a quarter of the way from 3 to 10.
        Assert.Equal(expected, ReportFormat.Quantile(new[] { 1.0, 2.0, 3.0, 10.0 }, p), 10);
    }

    [Fact]
    public void TheQuantileOfOneValueIsThatValueAndNumbersAreInvariant()
    {
        Assert.Equal(7.0, ReportFormat.Quantile(new[] { 7.0 }, 0.5));
        Assert.Null(ReportFormat.Number(null));
        Assert.Null(ReportFormat.Percent(null));
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("1,234.6", ReportFormat.Number(1234.56));
            Assert.Equal("1,234.560", ReportFormat.Number(1234.56, "N3"));
            Assert.Equal("12.35 %", ReportFormat.Percent(0.12345, 2));
            Assert.Equal("12 %", ReportFormat.Percent(0.12345));
            Assert.Equal("1234", ReportFormat.Count(1234));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.Equal("1 row", ReportFormat.Plural(1, "row"));
        Assert.Equal("0 rows", ReportFormat.Plural(0, "row"));
        Assert.Equal("2 rows", ReportFormat.Plural(2, "row"));
        Assert.Equal(2.0, ReportFormat.MeanOf(new double?[] { 1, null, 3 }));
        Assert.Null(ReportFormat.MeanOf(new double?[] { null }));
    }

    [Fact]
    public void CellsAreReadAsWholeNumbersOnlyWhenTheyAreWholeAndInRange()
    {
        ReportRow row = Row(("Whole", "3"), ("Half", "2.5"), ("Big", "3000000000"), ("Small", "-3000000000"), ("Live", 4L), ("Nearly", 5.0000000001), ("Max", int.MaxValue), ("Min", int.MinValue), ("Infinite", double.PositiveInfinity), ("Blank", "  "), ("Decimal", 1.5m), ("Float", 0.5f), ("Short", (short)6), ("Flag", true), ("Null", null));
        Assert.Equal(3, row.Integer("Whole"));
        Assert.Null(row.Integer("Half"));
        Assert.Null(row.Integer("Big"));
        Assert.Null(row.Integer("Small"));
        Assert.Equal(4, row.Integer("Live"));
        Assert.Equal(5, row.Integer("Nearly"));
        Assert.Equal(int.MaxValue, row.Integer("Max"));
        Assert.Equal(int.MinValue, row.Integer("Min"));
        Assert.Null(row.Number("Infinite"));
        Assert.Null(row.Number("Blank"));
        Assert.Equal(1.5, row.Number("Decimal"));
        Assert.Equal(0.5, row.Number("Float"));
        Assert.Equal(6, row.Number("Short"));
        Assert.Null(row.Number("Flag"));
        Assert.Null(row.Number("Null"));
        Assert.Empty(row.Problems);
    }

    [Fact]
    public void TextThatIsNotANumberIsOneProblemPerColumnNamingTheRow()
    {
        var row = new ReportRow("CSV:x", new Dictionary<string, object?> { ["ElapsedMs"] = "fast", ["Workers"] = "two" }, row: 7);
        Assert.Null(row.Number("ElapsedMs"));
        Assert.Null(row.Number("ElapsedMs"));
        Assert.Null(row.Integer("Workers"));
        Assert.Equal(new[] { "ElapsedMs", "Workers" }, row.Problems.Select(p => p.Column).OrderBy(c => c, StringComparer.Ordinal));
        Assert.All(row.Problems, p => Assert.Contains("row 7", p.Message, StringComparison.Ordinal));
        SpeedupInputProblem elapsed = row.Problems.Single(p => p.Column == "ElapsedMs");
        Assert.Equal(("fast", "is not a number", "InvalidElapsedMs"), (elapsed.Value, elapsed.Reason, elapsed.ErrorId));
        Assert.Contains("fast", elapsed.Message, StringComparison.Ordinal);
        Assert.Contains("the value is left out of the report.", elapsed.Message, StringComparison.Ordinal);
        Assert.Equal(CultureInfo.InvariantCulture, row.Culture);
        Assert.Equal("CSV:x", row.TypeName);

        var unnamed = new ReportRow(null!, new Dictionary<string, object?> { ["ElapsedMs"] = "fast" });
        Assert.Null(unnamed.Number("ElapsedMs"));
        Assert.Contains("a row", Assert.Single(unnamed.Problems).Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, unnamed.TypeName);
        Assert.Throws<ArgumentNullException>(() => new ReportRow("x", null!));
    }

    [Fact]
    public void NumbersInTextAreReadInTheRowsCulture()
    {
        var row = new ReportRow("CSV:x", new Dictionary<string, object?> { ["ElapsedMs"] = "1234,5" }, CultureInfo.GetCultureInfo("de-DE"));
        Assert.Equal(1234.5, row.Number("ElapsedMs"));
        Assert.Equal("de-DE", row.Culture.Name);
    }

    [Fact]
    public void AValueWithoutTextIsNoTextNotAnError()
    {
        // A live object's property whose ToString() returns null (nothing forbids it) reads as an empty cell.
        ReportRow row = Row(("Odd", new NoText()), ("Word", "x"));
        Assert.Null(row.Text("Odd"));
        Assert.Null(row.Number("Odd"));
        Assert.Equal("x", row.Text("Word"));
    }

    [Fact]
    public void CellsAreReadAsTextBooleansAndTimes()
    {
        var local = new DateTime(2026, 11, 23, 19, 0, 0, DateTimeKind.Unspecified);
        var utc = new DateTime(2026, 11, 23, 19, 0, 0, DateTimeKind.Utc);
        ReportRow row = Row(("Empty", ""), ("Number", 2.5), ("Word", "x"), ("True", " true "), ("Bool", false), ("Yes", "yes"), ("Local", local), ("Utc", utc), ("Offset", new DateTimeOffset(utc)), ("Text", " 2026-11-23T19:00:00+01:00 "), ("Other", 5), ("Null", null));
        Assert.Null(row.Text("Empty"));
        Assert.Null(row.Text("Missing"));
        Assert.Null(row.Text("Null"));
        Assert.Equal("2.5", row.Text("Number"));
        Assert.Equal("x", row.Text("Word"));
        Assert.True(row.Boolean("True"));
        Assert.False(row.Boolean("Bool"));
        Assert.Null(row.Boolean("Yes"));
        Assert.Null(row.Boolean("Other"));
        Assert.Null(row.Boolean("Missing"));
        Assert.Equal(new DateTimeOffset(local), row.Time("Local"));
        Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(local), row.Time("Local")!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, row.Time("Utc")!.Value.Offset);
        Assert.Equal(new DateTimeOffset(utc), row.Time("Offset"));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 19, 0, 0, TimeSpan.FromHours(1)), row.Time("Text"));
        Assert.Null(row.Time("Other"));
        Assert.Null(row.Time("Word"));
        Assert.Null(row.Time("Null"));
        Assert.Null(row.Time("Missing"));
        Assert.True(row.Has("Null"));
        Assert.True(row.Has("null"));
        Assert.False(row.Has("Missing"));
        Assert.Equal(2.5, row.Value("Number"));
        Assert.Null(row.Value("Missing"));
    }

    private static string Write(ConcurrencyReport report, ReportHeader header)
    {
        using var writer = new StringWriter();
        report.Write(writer, header);
        return writer.ToString();
    }

    private static ReportRow Row(params (string Name, object? Value)[] values) =>
        new("CSV:ConcurrencyTools.Test", values.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    private static ReportRow Race(string machine, string timestamp, params (string Name, object? Value)[] more) => Row(new (string, object?)[]
    {
        ("Scenario", "Counter"), ("Strategy", "None"), ("Threads", "5"), ("Operations", "500"), ("Trials", "10"), ("Expected", "500"),
        ("MinObserved", "400"), ("MaxObserved", "500"), ("MeanObserved", "450"), ("TrialsWithViolation", "5"), ("ViolationRate", "0.5"),
        ("MeanLostUpdates", "50"), ("NsPerOperation", "2"), ("ElapsedMs", "40"), ("Verdict", "RaceDetected"), ("MachineName", machine), ("Timestamp", timestamp),
    }.Concat(more).ToArray());

    private static ReportRow Queue() => Row(
        ("Workload", "Io"), ("Model", "Threads"), ("Workers", "1"), ("Run", "1"), ("Producers", "1"), ("Consumers", "1"), ("Items", "50"), ("Capacity", "10"),
        ("ElapsedMs", "2500"), ("ThroughputPerSecond", "20"), ("ProducerBlockedMs", "2000"), ("ConsumerIdleMs", "30"),
        ("MaxQueueDepth", "10"), ("Lost", "0"), ("Duplicated", "0"), ("Bottleneck", "Consumers"));

    private sealed class NoText
    {
        public override string? ToString() => null;
    }
}
