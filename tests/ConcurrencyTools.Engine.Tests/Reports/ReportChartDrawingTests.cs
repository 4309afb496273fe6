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
    private const string SequentialGrey = "rgb(107,107,107)";

    // The exporter writes four decimals; positions worked out from the axes' ticks agree within this many pixels.
    private const double Px = 0.005;

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
            Assert.Equal(zero, Number(green[i], "x"), Px);
            Assert.Equal(Number(green[i], "x") + Number(green[i], "width"), Number(red[i], "x"), Px);
            Assert.Equal(Number(green[i], "y"), Number(red[i], "y"), Px);
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
            Assert.Equal(Position(Text(chart, i == 0 ? "None" : "Lock")).Y, Position(label).Y, Px);
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
        Assert.Equal(Number(frame, "x"), Number(bars[0], "x"), Px);

        // On a log axis from 2 the bars of 2 (0 drawn at half of 4), 4 and 1000 are 0, 1 and log2(500) doublings long.
        double doubling = Number(bars[1], "width");
        Assert.True(doubling > 20);
        Assert.Equal(0, Number(bars[0], "width"), Px);
        Assert.Equal(Math.Log2(500), Number(bars[2], "width") / doubling, Px);
    }

    [Fact]
    public void AFreeRaceStrategyHasABarOfNoLengthOnALinearAxis()
    {
        // Costs within fifty-fold of each other (0 aside) keep a linear axis from 0, where a cost of 0 is drawn as 0.
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "0"), Race("Counter", "Lock", "2"), Race("Counter", "Mutex", "30") }))[1];

        string[] texts = chart.Descendants(Svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("ns per operation", texts);
        Assert.DoesNotContain("ns per operation (log scale)", texts);
        XElement[] bars = Bars(chart).ToArray();
        Assert.Equal(3, bars.Length);
        XElement frame = PlotFrames(chart).Single();
        Assert.All(bars, bar => Assert.Equal(Number(frame, "x"), Number(bar, "x"), Px));
        Assert.Equal(0, Number(bars[0], "width"), Px);
        Assert.True(Number(bars[1], "width") > 10, $"the bar of 2 is {Number(bars[1], "width")} px long");
        Assert.Equal(15, Number(bars[2], "width") / Number(bars[1], "width"), Px);
    }

    [Fact]
    public void ARacesTrialsAxisRunsFromNoTrialsToFivePercentPastTheLongestBar()
    {
        // Ten trials per strategy: the trials axis runs from 0 at the plot's left edge to 10.5 (5% past the longest bar) at its right.
        XElement chart = Charts(Write(new[] { Race("Counter", "None", "2", violated: 4), Race("Counter", "Lock", "30", violated: 0) }))[0];

        XElement frame = PlotFrames(chart).Single();
        Assert.Equal(Number(frame, "x"), X(chart, 0), Px);
        Assert.Equal(Number(frame, "x") + Number(frame, "width"), X(chart, 10.5), Px);
        Assert.All(Bars(chart), bar => Assert.InRange(Number(bar, "x") + Number(bar, "width"), Number(frame, "x"), X(chart, 10) + Px));
    }

    [Fact]
    public void ARacesCostChartHasNoLegendNotEvenAnEmptyOne()
    {
        // The cost bars are one series without a title: the chart leaves no room for a legend and draws none, not even an empty
        // clip region where a legend of no entries would go (what the exporter writes for a legend kept with nothing in it).
        XElement[] charts = Charts(Write(new[] { Race("Counter", "None", "2", violated: 4), Race("Counter", "Lock", "30", violated: 0) }));
        (XElement outcomes, XElement cost) = (charts[0], charts[1]);

        XElement legend = outcomes.Descendants(Svg + "rect").Single(r => Style(r, "stroke") == "rgb(208,208,208)");
        Assert.True(Number(PlotFrames(cost).Single(), "y") <= Number(PlotFrames(outcomes).Single(), "y") - Number(legend, "height"));
        XElement[] clips = cost.Descendants(Svg + "clipPath").Elements(Svg + "rect").ToArray();
        Assert.NotEmpty(clips);
        Assert.All(clips, clip => Assert.True(Number(clip, "width") > 0 && Number(clip, "height") > 0, $"a clip region of {clip.Attribute("width")?.Value} x {clip.Attribute("height")?.Value}"));
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
    public void ProducerConsumerDepthsAndSumsOfAThousandOrMoreHaveThousandsSeparators()
    {
        // Two runs of one consumer count: the deepest queue (1,500), the lost items summed (2 x 600) and the duplicated (2 x 1,000).
        ReportRow Large(int run) => With(Queue(1, run), ("MaxQueueDepth", run == 1 ? "1500" : "900"), ("Lost", "600"), ("Duplicated", "1000"));
        string html = Write(new[] { Large(1), Large(2) });

        Assert.Contains("<td>31.5</td><td>1,500</td><td>1,200</td><td>2,000</td><td>Consumers</td></tr>", html);
    }

    [Fact]
    public void APoolsTimelineDrawsEachTaskFromItsStartToItsEndOnItsSlotsRow()
    {
        XElement timeline = Charts(Write(Pool()))[0];

        Assert.Equal(("900", "220"), (timeline.Attribute("width")?.Value, timeline.Attribute("height")?.Value));

        // Only the slots used are labelled, the first on top; the time axis starts when the first task was queued.
        Assert.Equal(new[] { "3", "7" }, Texts(timeline).SkipWhile(t => t != "milliseconds since the first task was queued").Skip(1).TakeWhile(t => t != "slot"));
        Assert.Equal("0", Texts(timeline).First());

        // Its title, and a legend entry for each outcome the tasks had and for the waits in the queue.
        Assert.Contains("Tasks per slot over time", Texts(timeline));
        Assert.All(new[] { "queue wait", "succeeded", "failed", "timed out" }, entry => Assert.Contains(entry, Texts(timeline)));
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
            Spans(timeline, tasks[i], colour, start, end);
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
            Assert.Equal(0.12 * rowHeight, Number(w, "height"), Px);
            Assert.Equal(Number(tasks[0], "y") + (0.65 * rowHeight), Number(w, "y"), Px);
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
        Assert.Contains("Task durations", Texts(histogram));
        Assert.Contains("DurationMs", Texts(histogram));
        Assert.Contains("tasks", Texts(histogram));
        double bottom = Y(histogram, 0), perTask = Y(histogram, 1) - bottom;
        var expected = new[] { (Orange, 27.5, 40.0, 2.0), (Red, 15.0, 27.5, 2.0), (Green, 15.0, 27.5, 1.0), (Green, 27.5, 40.0, 1.0) };
        XElement[] bars = Bars(histogram).ToArray();
        Assert.Equal(expected.Length, bars.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            (string colour, double low, double high, double height) = expected[i];
            Spans(histogram, bars[i], colour, low, high);
            Assert.Equal(bottom, Number(bars[i], "y") + Number(bars[i], "height"), Px);
            Assert.Equal(height, Number(bars[i], "height") / -perTask, Px);
        }
    }

    [Fact]
    public void TasksOfOneDurationAreOneBarCentredOnIt()
    {
        // All 50 ms: one bin 5 ms wide (a tenth of the duration) round 50.
        XElement histogram = Charts(Write(Enumerable.Range(0, 3).Select(i => PoolTask(1, i * 50, 0, 50, true, false))))[1];

        XElement bar = Bars(histogram).Single();
        Assert.Equal(X(histogram, 47.5), Number(bar, "x"), Px);
        Assert.Equal(X(histogram, 52.5), Number(bar, "x") + Number(bar, "width"), Px);
        Assert.Equal(3, Number(bar, "height") / (Y(histogram, 0) - Y(histogram, 1)), Px);
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

    [Fact]
    public void APoolsTimeAxisRunsFromTheFirstQueuingToTwoPercentPastTheLastEnd()
    {
        // The first task was queued at 0 and the last ended at 80: the plot spans 0 to 81.6 milliseconds.
        XElement timeline = Charts(Write(Pool()))[0];

        XElement frame = PlotFrames(timeline).Single();
        Assert.Equal(Number(frame, "x"), X(timeline, 0), Px);
        Assert.Equal(Number(frame, "x") + Number(frame, "width"), X(timeline, 81.6), Px);
    }

    [Fact]
    public void APoolsSlotRowsFillThePlotWithSixTenthsOfARowBeyondTheFirstAndTheLast()
    {
        // Rows a unit apart from 0 (slot 3, on top) to 1 (slot 7); the plot runs from 0.6 of a unit above the first row's
        // label to 0.6 below the last's (-0.6 to 2 - 0.4), and a task's bar covers 0.35 above its row to 0.25 below it.
        XElement timeline = Charts(Write(Pool()))[0];

        XElement frame = PlotFrames(timeline).Single();
        double three = Position(Text(timeline, "3")).Y, seven = Position(Text(timeline, "7")).Y, unit = seven - three;
        Assert.True(unit > 20, $"the rows are {unit} px apart");
        Assert.Equal(three - (0.6 * unit), Number(frame, "y"), Px);
        Assert.Equal(seven + (0.6 * unit), Number(frame, "y") + Number(frame, "height"), Px);
        XElement first = Bars(timeline).First(b => Style(b, "fill") != Grey);
        Assert.Equal(new[] { three - (0.35 * unit), three + (0.25 * unit) }, new[] { Number(first, "y"), Number(first, "y") + Number(first, "height") }, new Tolerance());
    }

    [Fact]
    public void APoolsHistogramCountsWholeTasksFromZeroWithATenthMoreRoomThanItsTallestBin()
    {
        // 30, 30 and 40 ms: two bins, of two tasks and one. The count axis runs from 0 at the plot's bottom to 2.2 at its top, numbered in whole tasks.
        XElement histogram = Charts(Write(new[] { PoolTask(1, 0, 0, 30, true, false), PoolTask(1, 30, 0, 30, true, false), PoolTask(1, 60, 0, 40, true, false) }))[1];

        XElement frame = PlotFrames(histogram).Single();
        Assert.Equal(Number(frame, "y") + Number(frame, "height"), Y(histogram, 0), Px);
        Assert.Equal(Number(frame, "y"), Y(histogram, 2.2), Px);
        string[] counts = histogram.Descendants(Svg + "text").Where(t => t.Attribute("text-anchor")?.Value == "end" && IsNumber(t.Value)).Select(t => t.Value).ToArray();
        Assert.Equal(new[] { "0", "1", "2" }, counts);
    }

    [Fact]
    public void APoolsHistogramLegendNamesOnlyTheOutcomesItsTasksHad()
    {
        XElement histogram = Charts(Write(new[] { PoolTask(1, 0, 0, 30, true, false), PoolTask(1, 30, 0, 30, true, false), PoolTask(1, 60, 0, 40, true, false) }))[1];

        Assert.Contains("succeeded", Texts(histogram));
        Assert.DoesNotContain("failed", Texts(histogram));
        Assert.DoesNotContain("timed out", Texts(histogram));
        Assert.Single(histogram.Descendants(Svg + "rect"), r => Number(r, "y") < Number(PlotFrames(histogram).Single(), "y") && Style(r, "stroke") == "rgb(255,255,255)");
    }

    [Fact]
    public void PoolRowsWithoutDurationsGetATimelineButNoHistogram()
    {
        // Start and end times and slots, but DurationMs empty: the tasks can be placed, not binned.
        string html = Write(new[] { With(PoolTask(1, 0, 0, 30, true, false), ("DurationMs", string.Empty)), With(PoolTask(2, 0, 0, 40, false, false), ("DurationMs", string.Empty)) });

        XElement timeline = Charts(html).Single();
        Assert.Contains("Tasks per slot over time", Texts(timeline));
        Assert.Equal(2, Bars(timeline).Count());
        Assert.DoesNotContain("Task durations", html);
        Assert.Contains("<h2>Process pool: 2 tasks</h2>", html);
    }

    [Fact]
    public void APoolTaskWithAStartButNeitherEndNorDurationIsLeftOutOfTheTimeline()
    {
        // Slot 2's task has a StartTime but no EndTime and no DurationMs: it has no end to draw, so its slot is not on the timeline.
        ReportRow unended = With(PoolTask(2, 0, 0, 50, false, false, withEnd: false), ("DurationMs", string.Empty));
        string html = Write(new[] { PoolTask(1, 0, 0, 30, true, false), unended });

        XElement timeline = Charts(html)[0];
        XElement bar = Bars(timeline).Single();
        Spans(timeline, bar, Green, 0, 30);
        Assert.DoesNotContain("2", Texts(timeline).SkipWhile(t => t != "milliseconds since the first task was queued").Skip(1).TakeWhile(t => t != "slot"));
        Assert.DoesNotContain("<tr><td class=\"text\">2</td>", html);
        Assert.Contains("<tr><td>2</td><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td><td>30.0</td><td>30.0</td><td>30.0</td><td>0.0</td></tr>", html);
    }

    [Fact]
    public void APoolTaskEndsAtItsEndTimeNotAtItsStartPlusItsDuration()
    {
        // The task ran 0..50 by its EndTime; its DurationMs (20) is the time its script took, which need not fill the slot's time.
        ReportRow task = PoolTask(1, 0, 0, 50, true, false);
        string html = Write(new[] { With(task, ("DurationMs", 20.0)) });

        XElement timeline = Charts(html)[0];
        Spans(timeline, Bars(timeline).Single(), Green, 0, 50);
        Assert.Contains("<tr><td class=\"text\">1</td><td>1</td><td>1</td><td>0</td><td>0</td><td>50.0</td><td>0.0</td><td>50.0</td></tr>", html);
    }

    [Fact]
    public void ADurationOnAnInnerBinEdgeIsCountedInTheUpperBinOnly()
    {
        // 10, 25, 40 and 40 ms: two bins of 15 ms, 10..25 and 25..40; 25 is the first's upper edge and the second's lower one.
        XElement histogram = Charts(Write(new[] { 10.0, 25, 40, 40 }.Select((d, i) => PoolTask(1, i * 50, 0, d, true, false))))[1];

        XElement[] bars = Bars(histogram).ToArray();
        Assert.Equal(2, bars.Length);
        double perTask = Y(histogram, 0) - Y(histogram, 1);
        Spans(histogram, bars[0], Green, 10, 25);
        Spans(histogram, bars[1], Green, 25, 40);
        Assert.Equal(new[] { 1.0, 3.0 }, bars.Select(b => Number(b, "height") / perTask), new Tolerance());
    }

    [Fact]
    public void ThePoolsMedianDurationIsTheMidpointOfTheMiddleTwoRoundedAsTheirDecimalsRound()
    {
        // 0.5, 0.9, 2 and 3 ms: the median is halfway between 0.9 and 2, 1.45, printed 1.5. Halfway worked out from 2 down
        // (2 - 0.55) is the double just below 1.45, which prints 1.4; from 0.9 up (0.9 + 0.55) it is just above.
        string html = Write(new[] { 2.0, 0.5, 3, 0.9 }.Select((d, i) => PoolTask(1, i * 10, 0, d, true, false)));

        Assert.Contains("<td>0.5</td><td>1.5</td><td>3.0</td>", html);
    }

    [Fact]
    public void ThePoolsFailedCountLeavesOutFailedTasksThatTimedOut()
    {
        // Two tasks failed on their own, one failed because it timed out: 2 failed and 1 timed out, not 1 and 1.
        string html = Write(new[]
        {
            PoolTask(1, 0, 0, 10, false, false), PoolTask(1, 10, 0, 20, false, false), PoolTask(2, 0, 0, 30, false, true), PoolTask(2, 30, 0, 40, true, false),
        });

        Assert.Contains("<tr><td>4</td><td>4</td><td>1</td><td>2</td><td>1</td><td>0</td>", html);
    }

    [Fact]
    public void TheSpeedupChartDrawsEachModelAtItsSpeedupsWithItsIntervalsBesideTheOther()
    {
        string html = Write(new[]
        {
            Summary("Threads", 1, 1.0, 0.9, 1.1, efficiency: 1.0),
            Summary("Threads", 2, 1.8, 1.6, 2.0, efficiency: 0.9, baseline: "Threads x1"),
            Summary("Threads", 4, 3.0, 2.5, 3.5, efficiency: 0.75),
            Summary("GilThreads", 1, 1.0, 0.95, 1.05, efficiency: 1.0),
            Summary("GilThreads", 2, 1.0, efficiency: 0.5, unstable: true),
            Summary("GilThreads", 4, 0.9),
        });
        (XElement speedup, XElement efficiency) = (Charts(html)[0], Charts(html)[1]);

        // Up to the most workers or the highest interval, whichever is higher, and 8% more.
        XElement frame = PlotFrames(speedup).Single();
        Assert.Equal(Y(speedup, 4 * 1.08), Number(frame, "y"), Px);
        Assert.Equal(X(speedup, 4.5), Number(frame, "x") + Number(frame, "width"), Px);
        Close(new[] { X(speedup, 0), Y(speedup, 0), X(speedup, 4), Y(speedup, 4) }, Lines(speedup, "rgb(85,85,85)").Single());
        Assert.NotNull(Style(PlotPolylines(speedup).Single(l => Style(l, "stroke") == "rgb(85,85,85)"), "stroke-dasharray"));
        ReferenceLine(speedup, "1.0: no gain", 1);

        // Two models side by side: Threads 0.03 workers left of each count, GilThreads 0.03 right.
        Close(new[] { X(speedup, 0.97), Y(speedup, 1), X(speedup, 1.97), Y(speedup, 1.8), X(speedup, 3.97), Y(speedup, 3) }, Lines(speedup, Blue).Single(l => l.Length == 6));
        Close(new[] { X(speedup, 1.03), Y(speedup, 1), X(speedup, 2.03), Y(speedup, 1), X(speedup, 4.03), Y(speedup, 0.9) }, Lines(speedup, Red).Single(l => l.Length == 6));

        // The intervals: a vertical whisker from low to high at each point that has one.
        double[][] whiskers = Lines(speedup, Blue).Concat(Lines(speedup, Red)).Where(l => l.Length == 4 && Math.Abs(l[0] - l[2]) < 1e-6).ToArray();
        Assert.Equal(4, whiskers.Length);
        Close(new[] { X(speedup, 0.97), Y(speedup, 0.9), X(speedup, 0.97), Y(speedup, 1.1) }, whiskers[0]);
        Close(new[] { X(speedup, 1.97), Y(speedup, 1.6), X(speedup, 1.97), Y(speedup, 2.0) }, whiskers[1]);
        Close(new[] { X(speedup, 3.97), Y(speedup, 2.5), X(speedup, 3.97), Y(speedup, 3.5) }, whiskers[2]);
        Close(new[] { X(speedup, 1.03), Y(speedup, 0.95), X(speedup, 1.03), Y(speedup, 1.05) }, whiskers[3]);

        // Efficiency at the workers themselves (not side by side), as given or as speedup / workers; 100% is a line.
        Assert.Equal(Y(efficiency, 1.15), Number(PlotFrames(efficiency).Single(), "y"), Px);
        Close(new[] { X(efficiency, 1), Y(efficiency, 1), X(efficiency, 2), Y(efficiency, 0.9), X(efficiency, 4), Y(efficiency, 0.75) }, Lines(efficiency, Blue).Single());
        Close(new[] { X(efficiency, 1), Y(efficiency, 1), X(efficiency, 2), Y(efficiency, 0.5), X(efficiency, 4), Y(efficiency, 0.225) }, Lines(efficiency, Red).Single());
        ReferenceLine(efficiency, "100%: perfect scaling", 1);
        Assert.Contains("100 %", Texts(efficiency));

        Assert.Equal(new[] { "ideal (linear)", "Threads", "GilThreads" }, Texts(speedup).Where(t => t is "ideal (linear)" or "Threads" or "GilThreads"));
        Assert.Contains("<figcaption>Speedup over Threads x1 (median times; whiskers: 95% bootstrap interval). The closer a line to the dashed ideal, the better the model scales; " +
            "on or under the 1.0 line, extra workers buy nothing. The right panel shows the same as the share of each worker that turns into speed.</figcaption>", html);
        Assert.Contains("<thead><tr><th class=\"text\">Model</th><th>Workers</th><th>Runs</th><th>MedianMs</th><th>CV</th><th>Speedup</th><th>95% CI</th><th>Eff.</th><th>Unstable</th></tr></thead>", html);
        Assert.Contains("<tr><td class=\"text\">Threads</td><td>2</td><td>3</td><td>55.5</td><td>2.5 %</td><td>1.80</td><td>1.60..2.00</td><td>90 %</td><td></td></tr>", html);
        Assert.Contains("<tr><td class=\"text\">GilThreads</td><td>2</td><td>3</td><td>55.5</td><td>2.5 %</td><td>1.00</td><td></td><td>50 %</td><td>yes</td></tr>", html);
        Assert.Contains("<tr><td class=\"text\">GilThreads</td><td>4</td><td>3</td><td>55.5</td><td>2.5 %</td><td>0.90</td><td></td><td></td><td></td></tr>", html);
    }

    [Fact]
    public void TheSpeedupAxisMakesRoomForAnIntervalAboveTheWorkersAndOneModelStaysOnItsWorkers()
    {
        string html = Write(new[] { Summary("Threads", 1, 1.0, 0.8, 1.2), Summary("Threads", 2, 2.4, 1.5, 3.0) });
        XElement speedup = Charts(html)[0];

        Assert.Equal(Y(speedup, 3.0 * 1.08), Number(PlotFrames(speedup).Single(), "y"), Px);
        Close(new[] { X(speedup, 1), Y(speedup, 1), X(speedup, 2), Y(speedup, 2.4) }, Lines(speedup, Blue).Single(l => l.Length == 4 && l[0] != l[2] && l[1] != l[3]));
        Assert.Contains("<figcaption>Speedup over the baseline (median times;", html);
        Assert.Equal(Y(Charts(html)[1], 1.2 * 1.1), Number(PlotFrames(Charts(html)[1]).Single(), "y"), Px);
    }

    [Fact]
    public void CpuUseIsDrawnAgainstSpeedupWithTheCoresAsTheScale()
    {
        // Identical runs, so the speedups are exact: Threads x2 2.0, x4 2.5; 4 cores, so 0.9 of the CPU is 3.6 cores.
        string html = Write(Runs("Sequential", 1, 100, cpu: 0.25).Concat(Runs("Threads", 2, 50, cpu: 0.5)).Concat(Runs("Threads", 4, 40, cpu: 0.9)));
        XElement cpu = Charts(html).Single(c => Texts(c).Contains("CPU used against speedup"));

        XElement frame = PlotFrames(cpu).Single();
        Assert.Equal(X(cpu, 2.5 * 1.15), Number(frame, "x") + Number(frame, "width"), Px);
        Assert.Equal(Y(cpu, 4 * 1.1), Number(frame, "y"), Px);
        Assert.Contains("cores busy (of 4)", Texts(cpu));
        Assert.Contains("speedup (x)", Texts(cpu));
        Close(new[] { X(cpu, 0), Y(cpu, 0), X(cpu, 2.875), Y(cpu, 2.875) }, Lines(cpu, "rgb(85,85,85)").Single());
        ReferenceLine(cpu, "one core", 1);

        var points = cpu.Descendants(Svg + "ellipse").Where(e => Number(e, "cy") > Number(frame, "y")).Select(e => (Style(e, "fill"), Number(e, "cx"), Number(e, "cy"))).ToArray();
        Assert.Equal(3, points.Length);
        Assert.Equal(Round((SequentialGrey, X(cpu, 1), Y(cpu, 1))), Round(points[0]));
        Assert.Equal(Round((Blue, X(cpu, 2), Y(cpu, 2))), Round(points[1]));
        Assert.Equal(Round((Blue, X(cpu, 2.5), Y(cpu, 3.6))), Round(points[2]));

        // Each point labelled with its workers, just right of it, in its model's colour.
        foreach ((string label, double x, double y, string colour) in new[] { ("x2", 2.0, 2.0, Blue), ("x4", 2.5, 3.6, Blue) })
        {
            XElement text = Text(cpu, label);
            Assert.Equal(colour, text.Attribute("fill")?.Value);
            Assert.Equal("10", text.Attribute("font-size")?.Value);
            Assert.InRange(Position(text).X - X(cpu, x), 5, 7);
            Assert.InRange(Position(text).Y - Y(cpu, y), -5, -3);
        }

        Assert.Contains("<thead><tr><th class=\"text\">Model</th><th>Workers</th><th>Speedup</th><th>Cores busy</th><th>CpuUtilization</th></tr></thead>", html);
        Assert.Contains("<tr><td class=\"text\">Threads</td><td>4</td><td>2.50</td><td>3.60</td><td>90 %</td></tr>", html);
        Assert.Contains("<tr><td class=\"text\">Sequential</td><td>1</td><td>1.00</td><td>1.00</td><td>25 %</td></tr>", html);
    }

    [Fact]
    public void EveryRunIsADotOverItsConfigurationsBox()
    {
        // Sequential x1: 100, 104, 102, 101 and an outlier, 160; Threads x2: 50, 52, 51.
        string html = Write(Runs("Sequential", 1, 100, 104, 102, 101, 160).Concat(Runs("Threads", 2, 50, 52, 51)));
        XElement distribution = Distribution(html);

        Assert.Equal(new[] { "Sequential x1", "Threads x2" }, Texts(distribution).Where(t => Regex.IsMatch(t, "^\\w+ x\\d+$")));
        Assert.Contains("ElapsedMs", Texts(distribution));
        Assert.Equal("600", distribution.Attribute("width")?.Value);
        double first = Position(Text(distribution, "Sequential x1")).X, second = Position(Text(distribution, "Threads x2")).X, perCategory = second - first;

        // The dots spread evenly across 0.36 of a category, in run order, at their times.
        double[][] dots = distribution.Descendants(Svg + "ellipse").Select(e => new[] { Number(e, "cx"), Number(e, "cy") }).ToArray();
        double[] times = { 100, 104, 102, 101, 160, 50, 52, 51 };
        double[] offsets = { -0.18, -0.09, 0, 0.09, 0.18, -0.18, 0, 0.18 };
        Assert.Equal(times.Length, dots.Length);
        for (int i = 0; i < times.Length; i++)
        {
            Assert.Equal((i < 5 ? first : second) + (offsets[i] * perCategory), dots[i][0], Px);
            Assert.Equal(Y(distribution, times[i]), dots[i][1], Px);
        }

        // The box from the first to the third quartile (101 and 104), the median across it (102), the whiskers to the
        // furthest runs within 1.5 IQR (100 and 104: 160 is beyond 108.5).
        XElement box = distribution.Descendants(Svg + "rect").First(r => Style(r, "fill") == SequentialGrey);
        Assert.Equal(Y(distribution, 104), Number(box, "y"), Px);
        Assert.Equal(Y(distribution, 101), Number(box, "y") + Number(box, "height"), Px);
        Assert.Equal(0.5 * perCategory, Number(box, "width"), Px);
        double[][] greyLines = Lines(distribution, SequentialGrey).ToArray();
        Assert.Contains(greyLines, l => l[1] == l[3] && Math.Abs(l[1] - Y(distribution, 102)) < 1e-3 && Math.Abs(l[2] - l[0] - (0.5 * perCategory)) < 1e-3);
        Assert.Contains(greyLines, l => l[1] == l[3] && Math.Abs(l[1] - Y(distribution, 100)) < 1e-3);
        Assert.Contains(greyLines, l => l[1] == l[3] && Math.Abs(l[1] - Y(distribution, 104)) < 1e-3 && Math.Abs(l[2] - l[0] - (0.25 * perCategory)) < 1e-3);
        Assert.DoesNotContain(greyLines, l => Math.Abs(l[3] - Y(distribution, 160)) < 1e-3);

        Assert.Contains("<tr><td class=\"text\">Sequential</td><td>1</td><td>5</td><td>0</td><td>100.0</td><td>102.0</td><td>160.0</td><td>113.4</td><td>26.1</td><td>5</td></tr>", html);
        Assert.Contains("<thead><tr><th class=\"text\">Model</th><th>Workers</th><th>Runs</th><th>Excluded</th><th>MinMs</th><th>MedianMs</th><th>MaxMs</th><th>MeanMs</th><th>StdDevMs</th><th>Outlier runs</th></tr></thead>", html);
        Assert.Contains("<figcaption>Every valid run as a dot over its box (quartiles, whiskers to 1.5 IQR). A tall box or a dot far from its box is a noisy " +
            "configuration; two clusters of dots mean the runs behaved two ways (bimodal), and the mean hides it.</figcaption>", html);
    }

    [Theory]
    [InlineData(100, 3000, "ElapsedMs")]
    [InlineData(100, 3001, "ElapsedMs (log scale)")]
    public void RunTimesGetALogarithmicAxisOnlyWhenTheyDifferMoreThanThirtyFold(double fast, double slow, string axis)
    {
        XElement distribution = Distribution(Write(Runs("Sequential", 1, slow).Concat(Runs("Threads", 2, fast))));

        Assert.Contains(axis, Texts(distribution));
        Assert.Single(Texts(distribution), t => t.StartsWith("ElapsedMs", StringComparison.Ordinal) && t != "ElapsedMs of every run");
    }

    [Theory]
    [InlineData(2, 600, false)]
    [InlineData(6, 600, false)]
    [InlineData(7, 680, true)]
    [InlineData(14, 1200, true)]
    public void ManyConfigurationsWidenTheDistributionAndSlantItsLabels(int configurations, double width, bool slanted)
    {
        XElement distribution = Distribution(Write(Enumerable.Range(1, configurations).SelectMany(w => Runs("Threads", w, 100.0 / w))));

        Assert.Equal(width, Number(distribution, "width"));
        XElement label = Text(distribution, "Threads x1");
        Assert.Equal(slanted, label.Attribute("transform")!.Value.Contains("rotate(-30)", StringComparison.Ordinal));
    }

    [Fact]
    public void EachTaskListIsASectionNamedByItsMachineOnlyWhenThereAreSeveral()
    {
        // Two task lists on one machine (its name in two cases), then a task list on a second machine.
        string one = Write(Runs("Threads", 1, 100, machine: "vm").Concat(Runs("Threads", 2, 50, machine: "VM", tasks: 8, taskSize: string.Empty)));
        Assert.Equal(new[] { "Cpu: 4 tasks of Iterations=1000", "Cpu: 8 tasks" }, Regex.Matches(one, "<h2>([^<]*)</h2>").Select(m => m.Groups[1].Value));

        string two = Write(Runs("Threads", 1, 100, machine: "vm").Concat(Runs("Threads", 1, 50, machine: "box")));
        Assert.Equal(new[] { "Cpu: 4 tasks of Iterations=1000 on vm", "Cpu: 4 tasks of Iterations=1000 on box" }, Regex.Matches(two, "<h2>([^<]*)</h2>").Select(m => m.Groups[1].Value));
        Assert.Contains("<section id=\"section-1\" data-kind=\"WorkloadMeasurement\">", two);
    }

    [Fact]
    public void ATaskListWithNothingToDrawIsANoteAndSummariesAloneAreTheirOwnKind()
    {
        var report = new ConcurrencyReport();
        foreach (ReportRow row in Runs("Threads", 1, 100, verified: "False", machine: "vm").Concat(Runs("Threads", 2, 100, error: "boom", machine: "vm")))
        {
            report.Add(row);
        }

        using var writer = new StringWriter();
        ReportContents contents = report.Write(writer, new ReportHeader());
        Assert.Equal(
            new[] { "6 WorkloadMeasurement rows failed, were not verified or had no usable ElapsedMs: drawn nowhere, counted as ExcludedRuns in the tables.", "Cpu: 4 tasks of Iterations=1000: no valid runs and no speedups, so nothing to draw." },
            contents.Notes);
        Assert.Empty(contents.Charts);

        string summaries = Write(new[] { Summary("Threads", 1, 1.0), Summary("Threads", 2, 1.9) });
        Assert.Contains("<section id=\"section-1\" data-kind=\"SpeedupSummary\">", summaries);
        Assert.DoesNotContain("Left out", summaries);
    }

    [Fact]
    public void GivenSummariesWinOverRunsAndRunsWithoutSequentialAreComparedWithOneWorker()
    {
        // The runs alone would give Threads x2 a speedup of 2.00; the summary the user made says 5.00.
        string given = Write(Runs("Threads", 1, 100).Concat(Runs("Threads", 2, 50)).Append(Summary("Threads", 2, 5.0, machine: "vm", tasks: 4, taskSize: "Iterations=1000")));
        Assert.Contains("<tr><td class=\"text\">Threads</td><td>2</td><td>3</td><td>55.5</td><td>2.5 %</td><td>5.00</td>", given);
        Assert.DoesNotContain("<td>2</td><td>3</td><td>50.0</td><td>0.0 %</td><td>2.00</td>", given);

        // Without Sequential runs each model is compared with its own single worker.
        string computed = Write(Runs("Threads", 1, 100).Concat(Runs("Threads", 2, 50)));
        Assert.Contains("<td class=\"text\">Threads</td><td>2</td><td>3</td><td>50.0</td><td>0.0 %</td><td>2.00</td>", computed);
        Assert.Contains("Speedup over Threads x1 (median times;", computed);
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

    /// <summary>A bar of one colour from one value to another of the bottom axis.</summary>
    private static void Spans(XElement chart, XElement bar, string colour, double from, double to)
    {
        Assert.Equal(colour, Style(bar, "fill"));
        Assert.Equal(X(chart, from), Number(bar, "x"), Px);
        Assert.Equal(X(chart, to), Number(bar, "x") + Number(bar, "width"), Px);
    }

    private static XElement Distribution(string html) => Charts(html).Single(c => Texts(c).Contains("ElapsedMs of every run"));

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

    /// <summary>A dotted horizontal reference line across the plot at a value, with its label in small grey type.</summary>
    private static void ReferenceLine(XElement chart, string label, double value)
    {
        double[] line = Lines(chart, Grey).Single(l => l.Length == 4 && Math.Abs(l[1] - l[3]) < 1e-6 && Math.Abs(l[1] - Y(chart, value)) < 1e-3);
        XElement frame = PlotFrames(chart).Single();
        Close(new[] { Number(frame, "x"), Number(frame, "x") + Number(frame, "width") }, new[] { line[0], line[2] });
        XElement text = Text(chart, label);
        Assert.Equal(("10", "rgb(85,85,85)"), (text.Attribute("font-size")?.Value, text.Attribute("fill")?.Value));
        Assert.Equal(Y(chart, value), Position(text).Y, Px);
    }

    private static (string?, double, double) Round((string? Fill, double X, double Y) point) => (point.Fill, Math.Round(point.X, 2), Math.Round(point.Y, 2));

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
            .Where(t => t.Attribute("text-anchor")?.Value == anchor && t.Attribute("dominant-baseline")?.Value != "baseline" && t.Attribute("font-size")?.Value == "12" && IsNumber(t.Value.TrimEnd('%', ' ')))
            .Select(t => (Value: double.Parse(t.Value.TrimEnd('%', ' '), NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture) / (t.Value.EndsWith('%') ? 100 : 1), Pixel: coordinate(Position(t))))
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
            Assert.Equal(expected[i], values[i], Px);
        }
    }

    private static ReportRow Row(params (string Name, object? Value)[] values) =>
        new("CSV:ConcurrencyTools.Test", values.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    /// <summary>The row with some of its cells replaced (or added).</summary>
    private static ReportRow With(ReportRow row, params (string Name, object? Value)[] changes) =>
        Row(row.Columns.Where(c => !changes.Any(v => v.Name == c)).Select(c => (c, row.Value(c))).Concat(changes).ToArray());

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

    /// <summary>A Measure-Speedup summary row as Export-Csv writes it (Unstable left empty unless it is true: a stable row may omit it).</summary>
    private static ReportRow Summary(
        string model, int workers, double speedup, double? low = null, double? high = null, double? efficiency = null, string? baseline = null, bool unstable = false,
        string machine = "vm", int tasks = 8, string taskSize = "")
    {
        static string S(double? v) => v?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        return Row(
            ("MachineName", machine), ("Workload", "Cpu"), ("Tasks", S(tasks)), ("TaskSize", taskSize), ("Model", model), ("Workers", S(workers)), ("Runs", "3"),
            ("ExcludedRuns", "0"), ("MeanMs", "55.5"), ("MedianMs", "55.5"), ("CoefficientOfVariation", "0.025"), ("Unstable", unstable ? "True" : string.Empty),
            ("Baseline", baseline ?? string.Empty), ("Speedup", S(speedup)), ("SpeedupCiLow", S(low)), ("SpeedupCiHigh", S(high)), ("Efficiency", S(efficiency)));
    }

    /// <summary>WorkloadMeasurement rows, one per time, runs numbered from 1.</summary>
    private static IEnumerable<ReportRow> Runs(
        string model, int workers, params double[] times) => Runs(model, workers, 0.5, "vm", 4, "Iterations=1000", "True", string.Empty, times);

    private static IEnumerable<ReportRow> Runs(
        string model, int workers, double time, double cpu = 0.5, string machine = "vm", int tasks = 4, string taskSize = "Iterations=1000", string verified = "True", string error = "") =>
        Runs(model, workers, cpu, machine, tasks, taskSize, verified, error, time, time, time);

    private static IEnumerable<ReportRow> Runs(string model, int workers, double cpu, string machine, int tasks, string taskSize, string verified, string error, params double[] times) =>
        times.Select((t, i) => Row(
            ("Workload", "Cpu"), ("Model", model), ("Workers", workers.ToString(CultureInfo.InvariantCulture)), ("Tasks", tasks.ToString(CultureInfo.InvariantCulture)), ("TaskSize", taskSize),
            ("Run", (i + 1).ToString(CultureInfo.InvariantCulture)), ("ElapsedMs", t.ToString(CultureInfo.InvariantCulture)), ("CpuUtilization", cpu.ToString(CultureInfo.InvariantCulture)),
            ("Verified", verified), ("Error", error), ("MachineName", machine), ("LogicalCores", "4")));

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
