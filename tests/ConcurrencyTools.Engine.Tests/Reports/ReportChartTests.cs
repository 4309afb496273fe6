using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ConcurrencyTools.Engine.Reports;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// What the race and producer/consumer charts say in words and numbers: their tables cell by cell, the
/// titles and legends in the SVG, the axis a race's costs get, and the rows they leave out.
/// </summary>
public class ReportChartTests
{
    [Fact]
    public void TheProducerConsumerTableHoldsEachConfigurationsMeansMaximaAndSums()
    {
        // Two settings vary (Capacity, ConsumeMs) together; three runs per consumer count, values chosen so that a
        // mean, a maximum, a sum and the most frequent bottleneck each differ from any other way to combine them.
        var rows = new List<ReportRow>();
        foreach (int capacity in new[] { 10, 20 })
        {
            foreach (int consumers in new[] { 1, 2 })
            {
                foreach (int run in new[] { 1, 2, 3 })
                {
                    rows.Add(Queue(capacity, consumers, run));
                }
            }
        }

        (string html, ReportContents contents) = Write(rows);

        Assert.Equal(new[] { "throughput", "waits" }, contents.Charts);
        Assert.Contains("<figcaption>Every line: Model Threads, Producers 1, Items 50. Items per second against consumers (means over runs).", html);
        Assert.Contains("<thead><tr><th class=\"text\">Configuration</th><th>Consumers</th><th>Runs</th><th>ElapsedMs</th><th>Items/s</th><th>Blocked ms</th><th>Idle ms</th><th>Max depth</th><th>Lost</th><th>Duplicated</th><th>Bottleneck</th></tr></thead>", html);
        Assert.Equal(
            new[]
            {
                "<tr><td class=\"text\">Capacity 10, ConsumeMs 15</td><td>1</td><td>3</td><td>2,000.0</td><td>22.0</td><td>200.0</td><td>32.0</td><td>9</td><td>6</td><td>3</td><td>Producers</td></tr>",
                "<tr><td class=\"text\">Capacity 10, ConsumeMs 15</td><td>2</td><td>3</td><td>1,000.0</td><td>42.0</td><td>200.0</td><td>62.0</td><td>9</td><td>6</td><td>6</td><td>Producers</td></tr>",
                "<tr><td class=\"text\">Capacity 20, ConsumeMs 25</td><td>1</td><td>3</td><td>2,000.0</td><td>22.0</td><td>200.0</td><td>32.0</td><td>19</td><td>6</td><td>3</td><td>Producers</td></tr>",
                "<tr><td class=\"text\">Capacity 20, ConsumeMs 25</td><td>2</td><td>3</td><td>1,000.0</td><td>42.0</td><td>200.0</td><td>62.0</td><td>19</td><td>6</td><td>6</td><td>Producers</td></tr>",
            },
            Regex.Matches(html, "<tr><td class=\"text\">Capacity.*</tr>").Select(m => m.Value));

        string[][] texts = SvgTexts(html);
        Assert.Equal(new[] { "consumers", "items per second", "Throughput", "Capacity 10, ConsumeMs 15", "Capacity 20, ConsumeMs 25" }, texts[0].Where(t => !IsNumber(t)));
        Assert.Equal(
            new[] { "consumers", "milliseconds (mean over runs)", "Blocked and idle time", "Capacity 10, ConsumeMs 15: blocked", "Capacity 10, ConsumeMs 15: idle", "Capacity 20, ConsumeMs 25: blocked", "Capacity 20, ConsumeMs 25: idle" },
            texts[1].Where(t => !IsNumber(t)));

        // The consumer axes end half a consumer after the most consumers: ticks at 0, 1 and 2.
        Assert.Equal(new[] { "0", "1", "2" }, texts[0].TakeWhile(t => t != "consumers"));
    }

    [Fact]
    public void OneProducerConsumerConfigurationIsNamedByItsModelAndItsWaitsByWhoWaits()
    {
        (string html, _) = Write(new[] { Queue(10, 1, 1), Queue(10, 2, 1) }.Select(r => Without(r, "ConsumeMs")));

        string[][] texts = SvgTexts(html);
        Assert.Equal(new[] { "consumers", "items per second", "Throughput", "Model Threads" }, texts[0].Where(t => !IsNumber(t)));
        Assert.Equal(new[] { "consumers", "milliseconds (mean over runs)", "Blocked and idle time", "producers blocked (queue full)", "consumers idle (queue empty)" }, texts[1].Where(t => !IsNumber(t)));
        Assert.Contains("<figcaption>Every line: Model Threads, Producers 1, Items 50, Capacity 10. Items", html);
        Assert.Contains("<tr><td class=\"text\">Model Threads</td><td>1</td><td>1</td>", html);
    }

    [Fact]
    public void ProducerConsumerRowsWithoutSettingsAreOneLineOfRuns()
    {
        ReportRow Bare(int consumers) => Row(("Workload", "Io"), ("Workers", "1"), ("Run", "1"), ("Consumers", consumers.ToString(CultureInfo.InvariantCulture)), ("ElapsedMs", "100"), ("ThroughputPerSecond", "10"), ("ProducerBlockedMs", "1"), ("ConsumerIdleMs", "2"));

        (string html, _) = Write(new[] { Bare(1), Bare(3) });

        Assert.Contains("<figcaption>Items per second against consumers", html);
        Assert.Contains("<tr><td class=\"text\">runs</td><td>3</td><td>1</td><td>100.0</td><td>10.0</td><td>1.0</td><td>2.0</td><td></td><td>0</td><td>0</td><td></td></tr>", html);
        Assert.Equal(new[] { "0", "1", "2", "3" }, SvgTexts(html)[0].TakeWhile(t => t != "consumers"));
    }

    [Fact]
    public void ProducerConsumerRowsWithoutConsumersOrWithAnErrorAreANote()
    {
        ReportRow failed = Row(Queue(10, 1, 1).Columns.Select(c => (c, Queue(10, 1, 1).Value(c))).Append(("Error", "boom")).ToArray());
        ReportRow noConsumers = Without(Queue(10, 2, 1), "Consumers");

        (string html, ReportContents contents) = Write(new[] { failed, noConsumers });

        Assert.Empty(contents.Charts);
        Assert.Equal("2 producer/consumer rows without a Consumers column or without an error-free run: not drawn.", Assert.Single(contents.Notes));
        Assert.DoesNotContain("<h2>Producer/consumer</h2>", html);
    }

    [Theory]
    [InlineData("2", "100", "ns per operation")]
    [InlineData("2", "101", "ns per operation (log scale)")]
    [InlineData("0", "500", "ns per operation")]
    public void RaceCostsGetALogarithmicAxisOnlyWhenTheyDifferMoreThanFiftyFold(string cheap, string dear, string axis)
    {
        // Fifty-fold is still linear; a cost of 0 is not the cheapest cost to compare with.
        (string html, ReportContents contents) = Write(new[] { Race("Counter", "None", cheap), Race("Counter", "Lock", dear) });

        Assert.Equal(new[] { "race-outcomes", "race-cost" }, contents.Charts);
        string[] cost = SvgTexts(html)[1];
        Assert.Contains(axis, cost);
        Assert.Single(cost, t => t.StartsWith("ns per operation", StringComparison.Ordinal));
        Assert.Contains("Cost per operation", cost);
        Assert.DoesNotContain("expected value (acceptable)", cost);
        Assert.Equal(new[] { "None", "Lock" }, cost.Take(2));
    }

    [Fact]
    public void RaceChartsGrowWithTheirStrategiesBetweenTheirLimits()
    {
        string[] three = { "None", "Lock", "Interlocked" };
        string[] five = { "None", "Lock", "Interlocked", "Mutex", "SpinLock" };
        string[] twenty = Enumerable.Range(1, 20).Select(i => $"S{i}").ToArray();

        Assert.Equal(new[] { 220.0, 220.0 }, Heights(three));
        Assert.Equal(new[] { 270.0, 270.0 }, Heights(five));
        Assert.Equal(new[] { 600.0, 600.0 }, Heights(twenty));

        static double[] Heights(string[] strategies)
        {
            (string html, _) = Write(strategies.Select(s => Race("Counter", s, "5")));
            return Regex.Matches(html, "<svg viewBox=\"0 0 600 ([\\d.]+)\" preserveAspectRatio=\"xMinYMin meet\" width=\"600\" height=\"\\1\"")
                .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        }
    }

    [Fact]
    public void EachRaceScenarioIsASectionAndCostsAreDrawnOnlyWhenMeasured()
    {
        ReportRow unnamed = Race(string.Empty, string.Empty, "0");
        (string html, ReportContents contents) = Write(new[] { Race("Counter", "None", "0"), Race("Transfer", "Lock", "3"), unnamed });

        Assert.Equal(new[] { "Race test: Counter", "Race test: Transfer", "Race test: " }, Regex.Matches(html, "<h2>([^<]*)</h2>").Select(m => m.Groups[1].Value));
        Assert.Equal(new[] { "race-outcomes", "race-outcomes", "race-cost", "race-outcomes" }, contents.Charts);
        Assert.Contains("<tr><td class=\"text\">?</td><td>5</td>", html);
        Assert.Equal(new[] { "None", "0", "2", "4", "6", "8", "10", "trials", "Trials by outcome", "expected value (acceptable)", "updates lost (forbidden)" }, SvgTexts(html)[0]);
    }

    private static (string Html, ReportContents Contents) Write(IEnumerable<ReportRow> rows)
    {
        var report = new ConcurrencyReport();
        foreach (ReportRow row in rows)
        {
            report.Add(row);
        }

        using var writer = new StringWriter();
        ReportContents contents = report.Write(writer, new ReportHeader());
        return (writer.ToString(), contents);
    }

    /// <summary>The text elements of each chart of the page, in order.</summary>
    private static string[][] SvgTexts(string html) => Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline)
        .Select(svg => Regex.Matches(svg.Value, "<text[^>]*>([^<]*)</text>").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray())
        .ToArray();

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _);

    private static ReportRow Row(params (string Name, object? Value)[] values) =>
        new("CSV:ConcurrencyTools.Test", values.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    private static ReportRow Without(ReportRow row, string column) =>
        Row(row.Columns.Where(c => c != column).Select(c => (c, row.Value(c))).ToArray());

    private static ReportRow Queue(int capacity, int consumers, int run)
    {
        static string S(double v) => v.ToString(CultureInfo.InvariantCulture);
        return Row(
            ("Workload", "Io"), ("Model", "Threads"), ("Workers", S(consumers)), ("Run", S(run)), ("Producers", "1"), ("Consumers", S(consumers)),
            ("Items", "50"), ("Capacity", S(capacity)), ("ConsumeMs", S(capacity + 5)), ("ElapsedMs", S(1000.0 * run / consumers)),
            ("ThroughputPerSecond", S((20 * consumers) + run)), ("ProducerBlockedMs", S(100 * run)), ("ConsumerIdleMs", S((30 * consumers) + run)),
            ("MaxQueueDepth", S(capacity - run)), ("Lost", S(run)), ("Duplicated", S(consumers)), ("Bottleneck", run == 1 ? "Consumers" : "Producers"));
    }

    private static ReportRow Race(string scenario, string strategy, string nsPerOperation) => Row(
        ("Scenario", scenario), ("Strategy", strategy), ("Threads", "5"), ("Operations", "500"), ("Trials", "10"), ("Expected", "500"),
        ("MinObserved", "400"), ("MaxObserved", "500"), ("MeanObserved", "450"), ("TrialsWithViolation", "4"), ("ViolationRate", "0.4"),
        ("MeanLostUpdates", "50"), ("NsPerOperation", nsPerOperation), ("ElapsedMs", "40"), ("Verdict", "RaceDetected"));
}
