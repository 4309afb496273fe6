using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ConcurrencyTools.Engine.Reports;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// What a reader sees in the charts beyond their words: the report's fonts and frame, where the legend sits,
/// gridlines and ticks, the bars' lengths, colours and order. Each chart is read back as SVG (it is XML) and
/// checked by its elements' geometry and styles, never against a stored copy of a chart.
/// </summary>
public class ReportChartDrawingTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private const string Green = "rgb(44,160,44)";
    private const string Red = "rgb(214,39,40)";
    private const string GridGrey = "rgb(230,230,230)";
    private const string TickGrey = "rgb(144,144,144)";
    private const string Blue = "rgb(31,119,180)";
    private const string Orange = "rgb(255,127,14)";
    private const string Grey = "rgb(154,154,154)";

    [Fact]
    public void EveryChartHasTheReportsFontsBackgroundAndPlotFrame()
    {
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "2", violated: 4), Race("Counter", "Lock", "30", violated: 0) }))[0];

        Assert.Equal("600", chart.Attribute("width")?.Value);
        Assert.Equal("220", chart.Attribute("height")?.Value);
        Assert.All(chart.Descendants(Svg + "text"), t => Assert.Equal("Helvetica, Arial, sans-serif", t.Attribute("font-family")?.Value));

        // The title in bold 14 px at the top, axis labels in 12 px, the legend in 11 px.
        XElement title = Text(chart, "Trials by outcome");
        Assert.Equal(("14", "700"), (title.Attribute("font-size")?.Value, title.Attribute("font-weight")?.Value));
        Assert.Equal(8, Position(title).Y);
        Assert.All(new[] { "None", "Lock", "trials", "10" }, t => Assert.Equal(("12", "400"), (Text(chart, t).Attribute("font-size")?.Value, Text(chart, t).Attribute("font-weight")?.Value)));
        Assert.Equal("11", Text(chart, "updates lost (forbidden)").Attribute("font-size")?.Value);

        // A white page and a light grey frame round the plot area.
        XElement background = chart.Elements(Svg + "rect").First();
        Assert.Equal(("600", "220"), (background.Attribute("width")?.Value, background.Attribute("height")?.Value));
        Assert.Equal("rgb(255,255,255)", Style(background, "fill"));
        Assert.Single(PlotFrames(chart));
    }

    [Fact]
    public void TheLegendIsOneRowBetweenTheTitleAndThePlot()
    {
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "2", violated: 4), Race("Counter", "Lock", "30", violated: 0) }))[0];

        XElement frame = PlotFrames(chart).Single();
        XElement box = chart.Descendants(Svg + "rect").Single(r => Style(r, "stroke") == "rgb(208,208,208)");
        Assert.Equal("rgb(255,255,255)", Style(box, "fill"));
        Assert.Equal(220 / 255.0, double.Parse(Style(box, "fill-opacity")!, CultureInfo.InvariantCulture), 6);

        XElement acceptable = Text(chart, "expected value (acceptable)"), forbidden = Text(chart, "updates lost (forbidden)");
        Assert.Equal(Position(acceptable).Y, Position(forbidden).Y);
        Assert.True(Position(acceptable).X < Position(forbidden).X);
        Assert.InRange(Position(acceptable).Y, Position(Text(chart, "Trials by outcome")).Y + 14, Number(frame, "y"));
        Assert.InRange(Number(box, "y") + Number(box, "height"), 0, Number(frame, "y"));

        // Centred over the plot: as much room left of the box as right of it, within a pixel.
        double left = Number(box, "x") - Number(frame, "x"), right = Number(frame, "x") + Number(frame, "width") - (Number(box, "x") + Number(box, "width"));
        Assert.Equal(left, right, 0.6);
    }

    [Fact]
    public void AxesHaveSolidLightGridlinesAtTheirTicksAndGreyTickMarks()
    {
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "2", violated: 4), Race("Counter", "Lock", "30", violated: 0) }))[0];
        XElement frame = PlotFrames(chart).Single();

        // The trials axis: a vertical line across the plot at each labelled tick, none across the strategies.
        double[] ticks = new[] { "0", "2", "4", "6", "8", "10" }.Select(t => Position(Text(chart, t)).X).ToArray();
        double[][] grid = Lines(chart, GridGrey).ToArray();
        Assert.Equal(ticks.Length, grid.Length);
        for (int i = 0; i < ticks.Length; i++)
        {
            Close(new[] { ticks[i], Number(frame, "y"), ticks[i], Number(frame, "y") + Number(frame, "height") }, grid[i]);
        }

        Assert.NotEmpty(Lines(chart, TickGrey));
        Assert.All(chart.Descendants(Svg + "polyline"), l => Assert.Contains(Style(l, "stroke"), new[] { GridGrey, TickGrey }));
    }

    [Fact]
    public void ACountAxisHasNoGridlinesAcrossIt()
    {
        // The producer/consumer charts count consumers along the bottom: only the value axis has gridlines.
        XElement chart = Charts(Write(new[] { Queue(1), Queue(2) }))[0];

        double[][] grid = Lines(chart, GridGrey).ToArray();
        Assert.NotEmpty(grid);
        Assert.All(grid, g => Assert.Equal(g[1], g[3]));
        Assert.Equal(new[] { "0", "1", "2" }, chart.Descendants(Svg + "text").Select(t => t.Value).TakeWhile(t => t != "consumers"));
    }

    [Fact]
    public void RenderingNothingIsRefusedNamingTheModel()
    {
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => SvgChart.Render("none", null!)).ParamName);
    }

    [Fact]
    public void ARacesOutcomeBarsAreItsTrialsStackedGreenThenRed()
    {
        // None: 6 of 10 trials acceptable, 4 forbidden; Lock: all 10 acceptable; Broken: more violations than trials.
        XElement chart = Charts(Write(new[]
        {
            Race("Counter", "None", "2", violated: 4),
            Race("Counter", "Lock", "30", violated: 0),
            Race("Counter", "Broken", "3", violated: 12),
        }))[0];

        double zero = Position(Text(chart, "0")).X, perTrial = (Position(Text(chart, "10")).X - zero) / 10;
        XElement[] bars = Bars(chart).ToArray();
        XElement[] green = bars.Where(b => Style(b, "fill") == Green).ToArray(), red = bars.Where(b => Style(b, "fill") == Red).ToArray();
        Assert.Equal(3, green.Length);
        Assert.Equal(3, red.Length);
        Close(new double[] { 6, 10, 0 }, green.Select(b => Number(b, "width") / perTrial));
        Close(new double[] { 4, 0, 12 }, red.Select(b => Number(b, "width") / perTrial));

        // Stacked: each red bar starts where its green one ends, on the same band as its strategy's label.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(zero, Number(green[i], "x"), 3);
            Assert.Equal(Number(green[i], "x") + Number(green[i], "width"), Number(red[i], "x"), 3);
            Assert.Equal(Number(green[i], "y"), Number(red[i], "y"), 3);
        }

        Assert.All(bars, b => Assert.Equal("rgb(255,255,255)", Style(b, "stroke")));

        // The first strategy on top, in the rows' order, each label beside its own bar.
        double[] labels = new[] { "None", "Lock", "Broken" }.Select(s => Position(Text(chart, s)).Y).ToArray();
        Assert.Equal(labels.OrderBy(y => y), labels);
        for (int i = 0; i < 3; i++)
        {
            Assert.InRange(labels[i], Number(green[i], "y"), Number(green[i], "y") + Number(green[i], "height"));
        }

        // The legend's swatches have the bars' colours, in the same order as the legend's words.
        Assert.Equal(new[] { Green, Red }, chart.Descendants(Svg + "rect").Where(r => Number(r, "width") < 12 && Number(r, "width") > 0).Select(r => Style(r, "fill")));
        Assert.DoesNotContain(Lines(chart, GridGrey), g => g[1] == g[3]);
    }

    [Fact]
    public void TheRaceTableHasEveryColumnOfEveryRow()
    {
        string html = Write(new[] { Race("Counter", "None", "2.5", violated: 4) });

        Assert.Contains(
            "<thead><tr><th class=\"text\">Strategy</th><th>Threads</th><th>Operations</th><th>Trials</th><th>Expected</th><th>Min seen</th><th>Mean seen</th><th>Max seen</th>" +
            "<th>Violated</th><th>Rate</th><th>Mean lost</th><th>Verdict</th></tr></thead>",
            html);
        Assert.Contains(
            "<tr><td class=\"text\">None</td><td>5</td><td>500</td><td>10</td><td>500</td><td>400</td><td>450.0</td><td>500</td><td>4</td><td>40.0 %</td><td>50.0</td><td>RaceDetected</td></tr>",
            html);
        Assert.Contains("<thead><tr><th class=\"text\">Strategy</th><th>NsPerOperation</th><th>ElapsedMs</th></tr></thead>", html);
        Assert.Contains("<tr><td class=\"text\">None</td><td>2.5</td><td>40.0</td></tr>", html);
        Assert.Contains(
            "<figcaption>Each trial ends with the expected value (green) or with a forbidden one (red: updates were lost or an invariant broke), as jcstress counts outcomes. " +
            "Any red is a race caught in the act; all green is no race observed, which is not proof of safety. The table gives the range of final values seen.</figcaption>",
            html);
        Assert.Contains(
            "<figcaption>What each strategy costs per operation, measured side by side in the same run. The unsynchronized plain field is the floor; the distance of each fix from it is its price.</figcaption>",
            html);
    }

    [Theory]
    [InlineData("2", "30")]
    [InlineData("2", "500")]
    public void ARacesCostBarsAreLabelledWithTheirCostsAndOrderedAsTheRows(string cheap, string dear)
    {
        XElement chart = Charts(Write(new[] { Race("Counter", "None", cheap), Race("Counter", "Lock", dear) }))[1];

        XElement[] bars = Bars(chart).ToArray();
        Assert.Equal(2, bars.Length);
        Assert.All(bars, b => Assert.Equal("rgb(31,119,180)", Style(b, "fill")));
        Assert.True(Number(bars[0], "width") > 0);
        Assert.True(Number(bars[1], "width") > Number(bars[0], "width") * 2);

        // Each bar carries its cost as a 10 px label just past its end, on its strategy's band.
        for (int i = 0; i < 2; i++)
        {
            XElement label = chart.Descendants(Svg + "text").Single(t => t.Value == (i == 0 ? cheap : dear) && t.Attribute("font-size")?.Value == "10");
            Assert.InRange(Position(label).X, Number(bars[i], "x") + Number(bars[i], "width"), Number(bars[i], "x") + Number(bars[i], "width") + 40);
            Assert.Equal(Position(Text(chart, i == 0 ? "None" : "Lock")).Y, Position(label).Y, 3);
        }

        Assert.True(Position(Text(chart, "None")).Y < Position(Text(chart, "Lock")).Y);

        // No legend: the bars are one series.
        Assert.DoesNotContain(chart.Descendants(Svg + "rect"), r => Style(r, "stroke") == "rgb(208,208,208)");
    }

    [Fact]
    public void AFreeRaceStrategyIsDrawnWhereALogarithmicAxisStarts()
    {
        // A cost of 0 has no place on a log scale: it is drawn at half the cheapest cost, where the axis starts.
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "0"), Race("Counter", "Lock", "4"), Race("Counter", "Mutex", "1000") }))[1];

        Assert.Contains("ns per operation (log scale)", chart.Descendants(Svg + "text").Select(t => t.Value));
        XElement[] bars = Bars(chart).ToArray();
        Assert.Equal(3, bars.Length);
        XElement frame = PlotFrames(chart).Single();
        Assert.Equal(Number(frame, "x"), Number(bars[0], "x"), 3);

        // On a log axis from 2 the bars of 2 (0 drawn at half of 4), 4 and 1000 are 0, 1 and log2(500) doublings long.
        double doubling = Number(bars[1], "width");
        Assert.True(doubling > 20);
        Assert.Equal(0, Number(bars[0], "width"), 3);
        Assert.Equal(Math.Log2(500), Number(bars[2], "width") / doubling, 3);
    }

    [Fact]
    public void AProducerConsumerLineGoesThroughTheMeanOfEachConsumerCount()
    {
        // Two runs per consumer count: the points are the means of the two, on value axes that start at 0.
        XElement[] charts = Charts(Write(new[] { Queue(1, 1), Queue(1, 2), Queue(2, 1), Queue(2, 2) }));
        (XElement throughput, XElement waits) = (charts[0], charts[1]);

        foreach (XElement chart in charts)
        {
            XElement frame = PlotFrames(chart).Single();
            XElement bottom = chart.Descendants(Svg + "text").Where(t => t.Attribute("text-anchor")?.Value == "end" && IsNumber(t.Value)).MaxBy(t => Position(t).Y)!;
            Assert.Equal(("0", Number(frame, "y") + Number(frame, "height")), (bottom.Value, Position(bottom).Y));
        }

        double[] rate = Lines(throughput, Blue).Single();
        Close(new[] { X(throughput, 1), Y(throughput, 21.5), X(throughput, 2), Y(throughput, 41.5) }, rate);
        Assert.Equal(2, throughput.Descendants(Svg + "ellipse").Count(e => Style(e, "fill") == Blue && Number(e, "cy") > 60));

        // One configuration: producers blocked in its colour with square markers, consumers idle dashed in the next colour with triangles.
        XElement blocked = PlotPolylines(waits).Single(l => Style(l, "stroke") == Blue);
        XElement idle = PlotPolylines(waits).Single(l => Style(l, "stroke") == Orange);
        Close(new[] { X(waits, 1), Y(waits, 150), X(waits, 2), Y(waits, 75) }, Points(blocked));
        Close(new[] { X(waits, 1), Y(waits, 31.5), X(waits, 2), Y(waits, 61.5) }, Points(idle));
        Assert.Null(Style(blocked, "stroke-dasharray"));
        Assert.NotNull(Style(idle, "stroke-dasharray"));
        Assert.Equal(("2", "2"), (Style(blocked, "stroke-width"), Style(idle, "stroke-width")));
        Assert.Equal(3, waits.Descendants(Svg + "rect").Count(r => Style(r, "fill") == Blue && Number(r, "width") == 8));
        Assert.Equal(3, waits.Descendants(Svg + "polygon").Count(p => Style(p, "fill") == Orange));
        Assert.Equal(3, throughput.Descendants(Svg + "ellipse").Count(e => Style(e, "fill") == Blue && Number(e, "rx") == 4));
    }

    [Fact]
    public void EachProducerConsumerConfigurationKeepsItsColourForItsWaits()
    {
        XElement waits = Charts(Write(new[] { Queue(1, 1, capacity: 10), Queue(2, 1, capacity: 10), Queue(1, 1, capacity: 20), Queue(2, 1, capacity: 20) }))[1];

        Assert.Equal(
            new (string?, bool)[] { (Blue, false), (Blue, true), (Orange, false), (Orange, true) },
            PlotPolylines(waits).Where(l => Style(l, "stroke") is Blue or Orange).Select(l => (Style(l, "stroke"), Style(l, "stroke-dasharray") is not null)));
        Assert.Equal(new[] { "Capacity 10: blocked", "Capacity 10: idle", "Capacity 20: blocked", "Capacity 20: idle" }, waits.Descendants(Svg + "text").Where(t => t.Value.StartsWith("Capacity", StringComparison.Ordinal)).Select(t => t.Value));
    }

    [Fact]
    public void TheProducerConsumerSectionIsCaptionedInFull()
    {
        string html = Write(new[] { Queue(1, 1), Queue(2, 1) });

        Assert.Contains("<h2>Producer/consumer</h2>", html);
        Assert.Contains(
            "<figcaption>Every line: Model Threads, Producers 1, Items 50, Capacity 10. Items per second against consumers (means over runs). Where the line flattens, adding consumers stops paying: " +
            "the producers (or the queue) are the bottleneck. On the right, time producers spent blocked on a full queue (back-pressure) and consumers spent idle on an empty one: the side that waits is not the bottleneck.</figcaption>",
            html);
    }

    [Fact]
    public void APoolsTimelineDrawsEachTaskFromItsStartToItsEndOnItsSlotsRow()
    {
        XElement timeline = Charts(Write(Pool()))[0];

        Assert.Equal(("900", "220"), (timeline.Attribute("width")?.Value, timeline.Attribute("height")?.Value));

        // Only the slots used are labelled, the first on top; the time axis starts when the first task was queued.
        Assert.Equal(new[] { "3", "7" }, Texts(timeline).SkipWhile(t => t != "milliseconds since the first task was queued").Skip(1).TakeWhile(t => t != "slot"));
        Assert.Equal("0", Texts(timeline).First());
        double three = Position(Text(timeline, "3")).Y, seven = Position(Text(timeline, "7")).Y;
        Assert.True(three < seven);

        // Slot 3: queued at 0, waited 10, ran 10..50 (succeeded); queued at 0, waited 50, ran 50..80 (timed out).
        // Slot 7: ran 5..25 (failed); ran 25..40 (succeeded; its end from its duration, there is no EndTime).
        var expected = new[] { (Green, 10.0, 50.0, three), (Green, 25.0, 40.0, seven), (Red, 5.0, 25.0, seven), (Orange, 50.0, 80.0, three) };
        XElement[] tasks = Bars(timeline).Where(b => Style(b, "fill") != Grey).ToArray();
        Assert.Equal(expected.Length, tasks.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            (string colour, double start, double end, double row) = expected[i];
            Assert.Equal(colour, Style(tasks[i], "fill"));
            Assert.Equal(X(timeline, start), Number(tasks[i], "x"), 3);
            Assert.Equal(X(timeline, end), Number(tasks[i], "x") + Number(tasks[i], "width"), 3);
            Assert.InRange(row, Number(tasks[i], "y"), Number(tasks[i], "y") + Number(tasks[i], "height"));
        }

        // The waits: thin grey bands just under their slot's row, from when the task was queued to when it started.
        XElement[] waits = timeline.Descendants(Svg + "rect").Where(r => Style(r, "fill") == Grey && Number(r, "y") > 60).ToArray();
        Assert.Equal(2, waits.Length);
        Assert.All(waits, w => Assert.Equal(0.353, double.Parse(Style(w, "fill-opacity")!, CultureInfo.InvariantCulture), 3));
        Assert.Equal(new[] { X(timeline, 10), X(timeline, 50) }, waits.Select(w => Number(w, "x") + Number(w, "width")).Order(), new Tolerance());
        Assert.All(waits, w => Assert.Equal(X(timeline, 0), Number(w, "x"), 3));
        double rowHeight = Number(tasks[0], "height") / 0.6;
        Assert.All(waits, w =>
        {
            Assert.Equal(0.12 * rowHeight, Number(w, "height"), 3);
            Assert.Equal(Number(tasks[0], "y") + (0.65 * rowHeight), Number(w, "y"), 3);
        });
    }

    [Fact]
    public void APoolsTimelineLeavesOutOutcomesNoTaskHadAndGrowsWithItsSlots()
    {
        // One slot, no waits, every task succeeded: only "succeeded" in the legend.
        XElement one = Charts(Write(new[] { PoolTask(1, 0, 0, 30, true, false), PoolTask(1, 30, 0, 30, true, false) }))[0];
        Assert.Contains("succeeded", Texts(one));
        Assert.DoesNotContain("queue wait", Texts(one));
        Assert.DoesNotContain("failed", Texts(one));
        Assert.DoesNotContain("timed out", Texts(one));

        Assert.Equal(new[] { 220.0, 370.0, 720.0 }, new[] { 2, 10, 30 }.Select(slots =>
        {
            XElement timeline = Charts(Write(Enumerable.Range(1, slots).Select(s => PoolTask(s, 0, 0, 10, true, false))))[0];
            return Number(timeline, "height");
        }));
    }

    [Fact]
    public void APoolsDurationsAreAStackedHistogramWithTheLargestInTheLastBin()
    {
        // Four tasks ran, so two bins of 12.5 ms from 15 to 40: 15 (succeeded) and 20 (failed) in the first,
        // 30 (timed out) and 40 (succeeded, on the last bin's upper edge) in the second.
        XElement histogram = Charts(Write(Pool()))[1];

        Assert.Equal(new[] { "timed out", "failed", "succeeded" }, Texts(histogram).Where(t => t is "timed out" or "failed" or "succeeded"));
        double bottom = Y(histogram, 0), perTask = Y(histogram, 1) - bottom;
        var expected = new[] { (Orange, 27.5, 40.0, 2.0), (Red, 15.0, 27.5, 2.0), (Green, 15.0, 27.5, 1.0), (Green, 27.5, 40.0, 1.0) };
        XElement[] bars = Bars(histogram).ToArray();
        Assert.Equal(expected.Length, bars.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            (string colour, double low, double high, double height) = expected[i];
            Assert.Equal(colour, Style(bars[i], "fill"));
            Assert.Equal(X(histogram, low), Number(bars[i], "x"), 3);
            Assert.Equal(X(histogram, high), Number(bars[i], "x") + Number(bars[i], "width"), 3);
            Assert.Equal(bottom, Number(bars[i], "y") + Number(bars[i], "height"), 3);
            Assert.Equal(height, Number(bars[i], "height") / -perTask, 3);
        }
    }

    [Fact]
    public void TasksOfOneDurationAreOneBarCentredOnIt()
    {
        // All 50 ms: one bin 5 ms wide (a tenth of the duration) round 50.
        XElement histogram = Charts(Write(Enumerable.Range(0, 3).Select(i => PoolTask(1, i * 50, 0, 50, true, false))))[1];

        XElement bar = Bars(histogram).Single();
        Assert.Equal(X(histogram, 47.5), Number(bar, "x"), 3);
        Assert.Equal(X(histogram, 52.5), Number(bar, "x") + Number(bar, "width"), 3);
        Assert.Equal(3, Number(bar, "height") / (Y(histogram, 0) - Y(histogram, 1)), 3);
    }

    [Fact]
    public void ThePoolsTablesCountEachSlotAndEachOutcome()
    {
        string html = Write(Pool());

        Assert.Contains("<tr><td class=\"text\">3</td><td>2</td><td>1</td><td>0</td><td>1</td><td>70.0</td><td>10.0</td><td>80.0</td></tr>", html);
        Assert.Contains("<tr><td class=\"text\">7</td><td>2</td><td>1</td><td>1</td><td>0</td><td>35.0</td><td>5.0</td><td>40.0</td></tr>", html);
        Assert.Contains("<thead><tr><th class=\"text\">Slot</th><th>Tasks</th><th>Succeeded</th><th>Failed</th><th>Timed out</th><th>Busy ms</th><th>First start ms</th><th>Last end ms</th></tr></thead>", html);

        // Five tasks, four ran (one skipped); the skipped one is neither failed nor drawn; the mean wait is of the four that ran.
        Assert.Contains("<tr><td>5</td><td>4</td><td>2</td><td>1</td><td>1</td><td>1</td><td>15.0</td><td>25.0</td><td>40.0</td><td>15.0</td></tr>", html);
        Assert.Contains("<h2>Process pool: 5 tasks</h2>", html);
        Assert.Contains(
            "<figcaption>One row per slot, one bar per task (green succeeded, red failed, orange timed out); the grey band under a row is how long that task waited in the queue. " +
            "Gaps in a row are idle slots: the pool waited for input or for a slow task elsewhere.</figcaption>",
            html);
    }

    [Fact]
    public void SkippedTasksAndTasksWithoutTimesAreLeftOutOfTheTimeline()
    {
        // A skipped task keeps its slot and times in the CSV; a task without a Slot cannot be placed.
        ReportRow skipped = PoolTask(3, 0, 0, 500, false, false, skipped: true);
        ReportRow unplaced = Row(PoolTask(3, 0, 0, 40, true, false).Columns.Where(c => c != "Slot").Select(c => (c, PoolTask(3, 0, 0, 40, true, false).Value(c))).Append(("Slot", (object?)string.Empty)).ToArray());
        string html = Write(new[] { PoolTask(5, 0, 0, 20, true, false), skipped, unplaced });

        XElement timeline = Charts(html)[0];
        Assert.Single(Bars(timeline));
        Assert.DoesNotContain("3", Texts(timeline));
        Assert.Contains("<tr><td>3</td><td>2</td><td>2</td><td>0</td><td>0</td><td>1</td><td>20.0</td><td>30.0</td><td>40.0</td><td>0.0</td></tr>", html);

        string none = Write(new[] { unplaced });
        Assert.Contains("<li>Process pool rows without StartTime, EndTime and Slot: the timeline is not drawn.</li>", none);
        Assert.Single(Charts(none));
    }

    private static string Write(IEnumerable<ReportRow> rows)
    {
        var report = new ConcurrencyReport();
        foreach (ReportRow row in rows)
        {
            report.Add(row);
        }

        using var writer = new StringWriter();
        report.Write(writer, new ReportHeader());
        return writer.ToString();
    }

    /// <summary>Each chart of the page as XML.</summary>
    private static XElement[] Charts(string html) =>
        Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToArray();

    private static XElement Text(XElement chart, string text) => chart.Descendants(Svg + "text").First(t => t.Value == text);

    private static (double X, double Y) Position(XElement text)
    {
        Match m = Regex.Match(text.Attribute("transform")?.Value ?? string.Empty, "translate\\(([-\\d.]+),([-\\d.]+)\\)");
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static string? Style(XElement element, string property) =>
        (element.Attribute("style")?.Value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':', 2))
            .Where(p => p[0] == property)
            .Select(p => p[1])
            .FirstOrDefault();

    private static double Number(XElement element, string attribute) => double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    /// <summary>The frame round the plot area: an unfilled rectangle in the frame's grey.</summary>
    private static IEnumerable<XElement> PlotFrames(XElement chart) =>
        chart.Descendants(Svg + "rect").Where(r => Style(r, "fill") == "none" && Style(r, "stroke") == "rgb(176,176,176)");

    /// <summary>The filled rectangles drawn inside the plot area (bars), in the order they are drawn.</summary>
    private static IEnumerable<XElement> Bars(XElement chart)
    {
        XElement frame = PlotFrames(chart).Single();
        return chart.Descendants(Svg + "rect").Where(r => r.Attribute("style") is not null && Style(r, "fill") != "none" && Number(r, "x") >= Number(frame, "x") - 0.001
            && Number(r, "y") >= Number(frame, "y") && Number(r, "height") < Number(frame, "height") && r.Parent?.Name != Svg + "clipPath"
            && r.Ancestors(Svg + "g").Any(g => (g.Attribute("clip-path")?.Value ?? string.Empty).Length > 0) && Style(r, "stroke") != "rgb(208,208,208)"
            && Number(r, "y") + Number(r, "height") <= Number(frame, "y") + Number(frame, "height") + 0.001 && Number(r, "width") >= 0 && Number(r, "height") > 12);
    }

    /// <summary>The points of every polyline in one stroke colour drawn in the plot (not the legend's): x1, y1, x2, y2 and so on.</summary>
    private static IEnumerable<double[]> Lines(XElement chart, string stroke) => PlotPolylines(chart).Where(l => Style(l, "stroke") == stroke).Select(Points);

    private static IEnumerable<XElement> PlotPolylines(XElement chart)
    {
        XElement frame = PlotFrames(chart).Single();
        return chart.Descendants(Svg + "polyline").Where(l => Points(l)[1] >= Number(frame, "y") - 0.001);
    }

    private static string[] Texts(XElement chart) => chart.Descendants(Svg + "text").Select(t => t.Value).ToArray();

    private sealed class Tolerance : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-3;

        public int GetHashCode(double obj) => 0;
    }

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _);

    /// <summary>The pixel column of a value on the bottom axis, from two of its numbered ticks.</summary>
    private static double X(XElement chart, double value) => Scale(chart, "middle", p => p.X, value);

    /// <summary>The pixel row of a value on the left axis, from two of its numbered ticks.</summary>
    private static double Y(XElement chart, double value) => Scale(chart, "end", p => p.Y, value);

    private static double Scale(XElement chart, string anchor, Func<(double X, double Y), double> coordinate, double value)
    {
        var ticks = chart.Descendants(Svg + "text")
            .Where(t => t.Attribute("text-anchor")?.Value == anchor && t.Attribute("dominant-baseline")?.Value != "baseline" && t.Attribute("font-size")?.Value == "12" && IsNumber(t.Value))
            .Select(t => (Value: double.Parse(t.Value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture), Pixel: coordinate(Position(t))))
            .ToArray();
        (double v0, double p0) = ticks[0];
        (double v1, double p1) = ticks[^1];
        return p0 + ((value - v0) * (p1 - p0) / (v1 - v0));
    }

    private static double[] Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Equal lists of pixel positions (the exporter writes four decimals).</summary>
    private static void Close(double[] expected, IEnumerable<double> actual)
    {
        double[] values = actual.ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], values[i], 3);
        }
    }

    private static ReportRow Row(params (string Name, object? Value)[] values) =>
        new("CSV:ConcurrencyTools.Test", values.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    private static ReportRow Race(string scenario, string strategy, string nsPerOperation, int violated = 4) => Row(
        ("Scenario", scenario), ("Strategy", strategy), ("Threads", "5"), ("Operations", "500"), ("Trials", "10"), ("Expected", "500"),
        ("MinObserved", "400"), ("MaxObserved", "500"), ("MeanObserved", "450"), ("TrialsWithViolation", violated.ToString(CultureInfo.InvariantCulture)),
        ("ViolationRate", (violated / 10.0).ToString(CultureInfo.InvariantCulture)), ("MeanLostUpdates", "50"), ("NsPerOperation", nsPerOperation), ("ElapsedMs", "40"),
        ("Verdict", violated > 0 ? "RaceDetected" : "NoRaceObserved"));

    private static ReportRow PoolTask(int slot, double queuedMs, double waitMs, double durationMs, bool succeeded, bool timedOut, bool skipped = false, bool withEnd = true)
    {
        DateTimeOffset start = new DateTimeOffset(2026, 11, 23, 19, 0, 0, TimeSpan.Zero).AddMilliseconds(queuedMs + waitMs);
        var values = new List<(string, object?)>
        {
            ("Seq", 1), ("Slot", slot), ("StartTime", start), ("QueueWaitMs", waitMs), ("DurationMs", durationMs),
            ("Succeeded", succeeded), ("TimedOut", timedOut), ("Skipped", skipped),
        };
        if (withEnd)
        {
            values.Add(("EndTime", start.AddMilliseconds(durationMs)));
        }

        return Row(values.ToArray());
    }

    private static IEnumerable<ReportRow> Pool() => new[]
    {
        PoolTask(3, 0, 10, 40, true, false),
        PoolTask(7, 5, 0, 20, false, false),
        PoolTask(3, 0, 50, 30, false, true),
        PoolTask(7, 25, 0, 15, true, false, withEnd: false),
        PoolTask(7, 0, 0, 1000, false, false, skipped: true),
    };

    private static ReportRow Queue(int consumers, int run = 1, int capacity = 10)
    {
        static string S(double v) => v.ToString(CultureInfo.InvariantCulture);
        return Row(
            ("Workload", "Io"), ("Model", "Threads"), ("Workers", S(consumers)), ("Run", S(run)), ("Producers", "1"), ("Consumers", S(consumers)),
            ("Items", "50"), ("Capacity", S(capacity)), ("ElapsedMs", S(1000.0 / consumers)), ("ThroughputPerSecond", S((20 * consumers) + run)),
            ("ProducerBlockedMs", S(100.0 * run / consumers)), ("ConsumerIdleMs", S((30 * consumers) + run)), ("MaxQueueDepth", "5"), ("Lost", "0"), ("Duplicated", "0"),
            ("Bottleneck", "Consumers"));
    }
}
