using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using ConcurrencyTools.Engine.Reports;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ReportTests
{
    private static readonly string[] Models = { "Sequential", "Threads", "GilThreads" };

    [Fact]
    public void RowsAreRecognisedByTheirColumns()
    {
        Assert.Equal(ReportRowKind.WorkloadMeasurement, ReportRowClassifier.Classify(Measurement("Threads", 2, 1, 50)));
        Assert.Equal(ReportRowKind.SpeedupSummary, ReportRowClassifier.Classify(Row(("Workload", "Cpu"), ("Model", "Threads"), ("Workers", "2"), ("Runs", "3"), ("MedianMs", "50"), ("Speedup", "1.9"))));
        Assert.Equal(ReportRowKind.ProcessTaskResult, ReportRowClassifier.Classify(PoolTask(1, 1, 0, 10, true, false)));
        Assert.Equal(ReportRowKind.RaceTestResult, ReportRowClassifier.Classify(Race("None", 200, 190, 2)));

        // Producer/consumer rows also carry Measure-Speedup's columns; they must not be taken for measurements.
        ReportRow queue = Queue(2, 1);
        Assert.True(queue.Has("ElapsedMs") && queue.Has("Model") && queue.Has("Run"));
        Assert.Equal(ReportRowKind.ProducerConsumerResult, ReportRowClassifier.Classify(queue));

        Assert.Equal(ReportRowKind.Unknown, ReportRowClassifier.Classify(Row(("Model", "Threads"), ("Workers", "2"))));
    }

    [Fact]
    public void CsvTextIsReadInTheInvariantCultureWhateverTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            ReportRow row = Row(("ElapsedMs", "1234.5"), ("Verified", "True"), ("Bad", "1,5x"), ("StartTime", "11/23/2026 19:22:18 +00:00"), ("Live", 2.5));
            Assert.Equal(1234.5, row.Number("ElapsedMs"));
            Assert.Equal(2.5, row.Number("Live"));
            Assert.Null(row.Number("Bad"));
            Assert.Null(row.Number("Missing"));
            Assert.True(row.Boolean("Verified"));
            Assert.Equal(new DateTimeOffset(2026, 11, 23, 19, 22, 18, TimeSpan.Zero), row.Time("StartTime"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void MeasurementsGetSpeedupDistributionAndCpuChartsWithMeasureSpeedupsNumbers()
    {
        List<ReportRow> rows = Sweep().ToList();
        ConcurrencyReport report = ReportOf(rows);
        (string html, ReportContents contents) = Write(report);

        Assert.Equal(new[] { "speedup", "efficiency", "distribution", "cpu" }, contents.Charts);
        Assert.Equal(contents.Charts.Count, Regex.Matches(html, "<div class=\"chart\"[^>]*>\\s*<svg ").Count);
        Assert.DoesNotContain("<?xml", html);
        Assert.Empty(contents.NotDrawn);

        // The table under the speedup chart holds what Measure-Speedup computes from the same rows.
        var analysis = new SpeedupAnalysis();
        foreach (ReportRow r in rows)
        {
            analysis.Add(new SpeedupSample("vm", "Cpu", 4, "Iterations=1000", r.Text("Model")!, r.Integer("Workers")!.Value, r.Integer("Run")!.Value, r.Number("ElapsedMs")!.Value, true));
        }

        foreach (SpeedupSummary s in analysis.Summarize(SpeedupBaseline.Sequential).Summaries)
        {
            string speedup = s.Speedup!.Value.ToString("N2", CultureInfo.InvariantCulture);
            Assert.Matches($"<td class=\"text\">{s.Model}</td><td>{s.Workers}</td><td>{s.Runs}</td><td>[^<]*</td><td>[^<]*</td><td>{Regex.Escape(speedup)}</td>", html);
        }
    }

    [Fact]
    public void ThePageFetchesNothingAndRunsNoScript()
    {
        ConcurrencyReport report = ReportOf(Sweep().Concat(Pool()).Append(Race("None", 100, 90, 2)).Append(Queue(1, 1)));

        (string html, _) = Write(report, "<script>alert(1)</script> & co");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", html);

        // The only URLs allowed are XML namespace names, which no browser fetches.
        string[] urls = Regex.Matches(html, "https?://[^\"'\\s<>)]+").Select(m => m.Value).Distinct().ToArray();
        Assert.All(urls, u => Assert.Contains(u, new[] { "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink" }));
        Assert.DoesNotMatch("(src|href)=\"(?!#)", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotMatch("url\\((?!#)", html);
    }

    [Fact]
    public void RowValuesAreEncodedInTheirCellsNotJustTheTitle()
    {
        // Rows read back from a CSV someone else wrote: a Strategy and a task's Input that are markup.
        ConcurrencyReport report = ReportOf(
            Pool().Append(PoolTask(7, 2, 160, 10, true, false, input: "<script>alert('input')</script>"))
                .Append(Race("<script>alert('strategy')</script>", 200, 190, 2)));

        (string html, _) = Write(report);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<tr><td class=\"text\">&lt;script&gt;alert(&#39;strategy&#39;)&lt;/script&gt;</td><td>5</td>", html);
    }

    [Fact]
    public void TheRaceTableShowsEachRowsOwnMinMeanAndMax()
    {
        ConcurrencyReport report = ReportOf(new[]
        {
            Race("None", 200, 190, 2, min: 287, mean: 412.4, max: 499),
            Race("Lock", 200, 0, 25, min: 500, mean: 500, max: 500),
        });

        (string html, _) = Write(report);
        // Strategy, Threads, Operations, Trials, Expected, then Min, Mean and Max seen.
        Assert.Contains("<tr><td class=\"text\">None</td><td>5</td><td>500</td><td>200</td><td>500</td><td>287</td><td>412.4</td><td>499</td><td>190</td>", html);
        Assert.Contains("<tr><td class=\"text\">Lock</td><td>5</td><td>500</td><td>200</td><td>500</td><td>500</td><td>500.0</td><td>500</td><td>0</td>", html);
    }

    [Fact]
    public void EveryChartHasItsOwnClipPathIds()
    {
        ConcurrencyReport report = ReportOf(Sweep());

        (string html, _) = Write(report);
        string[] ids = Regex.Matches(html, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        foreach (Match reference in Regex.Matches(html, "url\\(#([^)]+)\\)"))
        {
            Assert.Contains(reference.Groups[1].Value, ids);
        }

        // The charts do clip: each chart's references carry its own prefix, as its ids do.
        Assert.NotEmpty(Regex.Matches(html, "url\\(#chart\\d+-clipPath"));
        Assert.Equal(Regex.Matches(html, "url\\(#").Count, Regex.Matches(html, "url\\(#chart\\d+-clipPath").Count);
    }

    [Fact]
    public void EveryKindGetsItsCharts()
    {
        ConcurrencyReport report = ReportOf(Pool().Concat(new[] { Race("None", 200, 190, 2), Race("Lock", 200, 0, 25) }).Concat(Enumerable.Range(1, 3).SelectMany(c => new[] { Queue(c, 1), Queue(c, 2) })));

        (string html, ReportContents contents) = Write(report);
        Assert.Equal(new[] { "timeline", "durations", "race-outcomes", "race-cost", "throughput", "waits" }, contents.Charts);

        // The pool's summary row counts each outcome once: 6 tasks, 4 succeeded, 1 failed, 1 timed out.
        Assert.Contains("<tr><td>6</td><td>6</td><td>4</td><td>1</td><td>1</td><td>0</td>", html);
    }

    [Fact]
    public void UnknownKindsAreListedAsNotDrawnNeverAnError()
    {
        var report = new ConcurrencyReport();
        report.Add(new ReportRow("Contoso.Widget", new Dictionary<string, object?> { ["Color"] = "blue", ["Size"] = 3 }));
        report.Add(new ReportRow("Contoso.Widget", new Dictionary<string, object?> { ["Color"] = "red", ["Size"] = 4 }));
        (string html, ReportContents contents) = Write(report);
        Assert.Empty(contents.Charts);
        Assert.Equal("Contoso.Widget: 2 rows with columns Color, Size", Assert.Single(contents.NotDrawn));
        Assert.Contains("<h2>Not drawn</h2>", html);
    }

    [Fact]
    public void FailedAndUnverifiedRunsAreCountedNotDrawn()
    {
        ConcurrencyReport report = ReportOf(Sweep());

        report.Add(Measurement("Threads", 2, 9, 1, verified: "False"));
        report.Add(Measurement("Threads", 2, 10, 1, error: "worker crashed"));
        (string html, ReportContents contents) = Write(report);
        Assert.Contains(contents.Notes, n => n.StartsWith("2 WorkloadMeasurement rows", StringComparison.Ordinal));

        // Distribution table: Threads x2 has 3 valid runs and 2 excluded; its fastest run is still 51, not the excluded 1.
        Assert.Contains("<td class=\"text\">Threads</td><td>2</td><td>3</td><td>2</td><td>51.0</td>", html);
    }

    [Fact]
    public void ARunCountsByMeasureSpeedupsRule()
    {
        ConcurrencyReport report = ReportOf(Sweep());

        // Measure-Speedup excludes a run whose Workers is empty or not a whole number; the report did count them, as one worker.
        report.Add(Row(("Workload", "Cpu"), ("Model", "Threads"), ("Workers", ""), ("Tasks", "4"), ("TaskSize", "Iterations=1000"), ("Run", "7"), ("ElapsedMs", "1"), ("MachineName", "vm")));
        report.Add(Row(("Workload", "Cpu"), ("Model", "Threads"), ("Workers", "1.5"), ("Tasks", "4"), ("TaskSize", "Iterations=1000"), ("Run", "8"), ("ElapsedMs", "1"), ("MachineName", "vm")));
        (string html, ReportContents contents) = Write(report);

        Assert.Contains(contents.Notes, n => n.StartsWith("2 WorkloadMeasurement rows", StringComparison.Ordinal));
        // Threads x1 keeps its 3 runs and its fastest, 101, not the excluded 1.
        Assert.Contains("<td class=\"text\">Threads</td><td>1</td><td>3</td><td>0</td><td>101.0</td>", html);
    }

    [Fact]
    public void AStoppedReportThrowsOperationCanceled()
    {
        ConcurrencyReport report = ReportOf(Sweep());

        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => report.Write(TextWriter.Null, new ReportHeader(), cancellation.Token));
    }

    [Fact]
    public void EachStepIsReportedAsProgress()
    {
        ConcurrencyReport report = ReportOf(Sweep().Concat(Pool()));
        var steps = new StepList();
        report.Write(TextWriter.Null, new ReportHeader(), CancellationToken.None, steps);
        Assert.Equal(new[] { "Drawing speedups and run times", "Drawing the process pool", "Drawing race tests and producer/consumer runs", "Writing the page" }, steps.Select(s => s.Step));
        Assert.Equal(new[] { 0, 1, 2, 3 }, steps.Select(s => s.StepsDone));
        Assert.All(steps, s => Assert.Equal(4, s.TotalSteps));

        // Without pool rows there is no pool step, and the count says so.
        steps.Clear();
        ReportOf(Sweep()).Write(TextWriter.Null, new ReportHeader(), CancellationToken.None, steps);
        Assert.Equal(new[] { (0, 3), (1, 3), (2, 3) }, steps.Select(s => (s.StepsDone, s.TotalSteps)));
    }

    [Fact]
    public void TextIsMeasuredInCssPixels()
    {
        // Chromium measures "Sequential" at 11px in Liberation Sans (Helvetica's metrics) as 52.0 px wide.
        var measurer = new HelveticaTextMeasurer(100, 100);
        Assert.Equal(52.0, measurer.MeasureText("Sequential", "Helvetica, Arial, sans-serif", 11, 400).Width, 1);
    }

    // Progress<T> would post to the thread pool; the cmdlet's writer, like this list, records on the calling thread.
    private sealed class StepList : List<ReportProgress>, IProgress<ReportProgress>
    {
        public void Report(ReportProgress value) => Add(value);
    }

    private static ConcurrencyReport ReportOf(IEnumerable<ReportRow> rows)
    {
        var report = new ConcurrencyReport();
        foreach (ReportRow row in rows)
        {
            report.Add(row);
        }

        return report;
    }

    [Fact]
    public void AProducerConsumerLegendNamesTheModelAndTheCaptionTheSharedSettings()
    {
        ReportRow Configured(int consumers) => Row(
            ("Workload", "Io"), ("Model", "Threads"), ("Workers", consumers.ToString(CultureInfo.InvariantCulture)), ("Run", "1"),
            ("Producers", "1"), ("Consumers", consumers.ToString(CultureInfo.InvariantCulture)), ("Items", "50"), ("Capacity", "10"),
            ("ProduceMs", "10"), ("ConsumeMs", "50"), ("ProducerWorkload", "Io"), ("ConsumerWorkload", "Io"),
            ("ElapsedMs", "900"), ("ThroughputPerSecond", "55"), ("ProducerBlockedMs", "80"), ("ConsumerIdleMs", "60"),
            ("MaxQueueDepth", "10"), ("Lost", "0"), ("Duplicated", "0"), ("Bottleneck", "Consumers"));

        (string html, _) = Write(ReportOf(new[] { Configured(1), Configured(2), Configured(3) }));

        // The legend held every setting and was cut ("...ProducerWorkloa"): no chart text names them now.
        string[] texts = Regex.Matches(html, "<text[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains("Model Threads", texts);
        Assert.DoesNotContain(texts, t => t.Contains("ProducerWorkload", StringComparison.Ordinal));
        Assert.Contains("Every line: Model Threads, Producers 1, Items 50, Capacity 10, ProduceMs 10, ConsumeMs 50, ProducerWorkload Io, ConsumerWorkload Io.", html);
    }

    [Fact]
    public void PointLabelsOfTheCpuChartDoNotCoverEachOther()
    {
        // Processes with one and two workers at almost the same speedup and CPU: their labels x1 and x2 overlapped.
        IEnumerable<ReportRow> Runs(string model, int workers, double elapsed, string utilization) => Enumerable.Range(1, 3).Select(run => Row(
            ("Workload", "Cpu"), ("Model", model), ("Workers", workers.ToString(CultureInfo.InvariantCulture)), ("Tasks", "4"), ("TaskSize", "Iterations=1000"),
            ("Run", run.ToString(CultureInfo.InvariantCulture)), ("ElapsedMs", (elapsed + run).ToString(CultureInfo.InvariantCulture)), ("CpuUtilization", utilization),
            ("Verified", "True"), ("Error", string.Empty), ("MachineName", "vm"), ("LogicalCores", "2"), ("Timestamp", "2026-11-23T19:00:00+00:00")));

        (string html, _) = Write(ReportOf(Runs("Sequential", 1, 100, "0.5").Concat(Runs("Processes", 1, 66, "0.75")).Concat(Runs("Processes", 2, 65, "0.76"))));

        string cpu = Regex.Matches(html, "<svg.*?</svg>", RegexOptions.Singleline).Select(m => m.Value).Single(svg => svg.Contains("CPU used against speedup", StringComparison.Ordinal));
        var labels = Regex.Matches(cpu, "<text[^>]*?translate\\(([-\\d.]+),([-\\d.]+)\\)[^>]*>(x[12])</text>")
            .Select(m => (X: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Y: double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Text: m.Groups[3].Value))
            .ToArray();
        Assert.Equal(3, labels.Length);
        for (int a = 0; a < labels.Length; a++)
        {
            for (int b = a + 1; b < labels.Length; b++)
            {
                // A 10-pixel label two characters wide covers about 13 by 10 pixels.
                bool overlap = Math.Abs(labels[a].X - labels[b].X) < 13 && Math.Abs(labels[a].Y - labels[b].Y) < 10;
                Assert.False(overlap, $"{labels[a].Text} at ({labels[a].X}, {labels[a].Y}) covers {labels[b].Text} at ({labels[b].X}, {labels[b].Y})");
            }
        }
    }

    private static (string Html, ReportContents Contents) Write(ConcurrencyReport report, string title = "Test report")
    {
        using var writer = new StringWriter();
        ReportContents contents = report.Write(writer, new ReportHeader { Title = title, ModuleVersion = "0.1.0" });
        return (writer.ToString(), contents);
    }

    // Rows as Import-Csv gives them: every value is text.
    private static ReportRow Row(params (string Name, object? Value)[] values) =>
        new("CSV:ConcurrencyTools.Test", values.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    private static IEnumerable<ReportRow> Sweep()
    {
        foreach (string model in Models)
        {
            foreach (int workers in model == "Sequential" ? new[] { 1 } : new[] { 1, 2 })
            {
                for (int run = 1; run <= 3; run++)
                {
                    // Threads scale, GilThreads do not: the shapes the charts are there to show.
                    yield return Measurement(model, workers, run, (model == "Threads" ? 100.0 / workers : 100.0) + run);
                }
            }
        }
    }

    private static ReportRow Measurement(string model, int workers, int run, double elapsed, string verified = "True", string error = "") => Row(
        ("Workload", "Cpu"), ("Model", model), ("Workers", workers.ToString(CultureInfo.InvariantCulture)), ("Tasks", "4"), ("TaskSize", "Iterations=1000"),
        ("Run", run.ToString(CultureInfo.InvariantCulture)), ("ElapsedMs", elapsed.ToString(CultureInfo.InvariantCulture)), ("CpuUtilization", "0.45"),
        ("Verified", verified), ("Error", error), ("MachineName", "vm"), ("LogicalCores", "2"), ("Timestamp", "2026-11-23T19:00:00+00:00"));

    private static ReportRow PoolTask(int seq, int slot, double startMs, double durationMs, bool succeeded, bool timedOut, string input = "")
    {
        var start = new DateTimeOffset(2026, 11, 23, 19, 0, 0, TimeSpan.Zero).AddMilliseconds(startMs);
        return Row(
            ("Seq", seq), ("Input", input), ("Slot", slot), ("StartTime", start), ("EndTime", start.AddMilliseconds(durationMs)), ("QueueWaitMs", startMs),
            ("DurationMs", durationMs), ("Succeeded", succeeded), ("TimedOut", timedOut), ("Skipped", false), ("ExitCode", succeeded ? 0 : 1));
    }

    private static IEnumerable<ReportRow> Pool()
    {
        yield return PoolTask(1, 1, 0, 40, true, false);
        yield return PoolTask(2, 2, 0, 60, true, false);
        yield return PoolTask(3, 1, 40, 30, false, false);
        yield return PoolTask(4, 2, 60, 100, false, true);
        yield return PoolTask(5, 1, 70, 35, true, false);
        yield return PoolTask(6, 1, 105, 20, true, false);
    }

    private static ReportRow Race(string strategy, int trials, int violated, double ns, int min = 287, double mean = 400, int max = 500) => Row(
        ("Scenario", "Counter"), ("Strategy", strategy), ("Threads", "5"), ("Operations", "500"), ("Trials", trials.ToString(CultureInfo.InvariantCulture)),
        ("Expected", "500"), ("MinObserved", min.ToString(CultureInfo.InvariantCulture)), ("MaxObserved", max.ToString(CultureInfo.InvariantCulture)),
        ("MeanObserved", mean.ToString(CultureInfo.InvariantCulture)), ("TrialsWithViolation", violated.ToString(CultureInfo.InvariantCulture)),
        ("ViolationRate", (violated / (double)trials).ToString(CultureInfo.InvariantCulture)), ("MeanLostUpdates", "12"), ("NsPerOperation", ns.ToString(CultureInfo.InvariantCulture)),
        ("ElapsedMs", "40"), ("Verdict", violated > 0 ? "RaceDetected" : "NoRaceObserved"));

    private static ReportRow Queue(int consumers, int run) => Row(
        ("Workload", "Io"), ("Model", "Threads"), ("Workers", consumers.ToString(CultureInfo.InvariantCulture)), ("Run", run.ToString(CultureInfo.InvariantCulture)),
        ("Producers", "1"), ("Consumers", consumers.ToString(CultureInfo.InvariantCulture)), ("Items", "50"), ("Capacity", "10"),
        ("ElapsedMs", (2500.0 / consumers).ToString(CultureInfo.InvariantCulture)), ("ThroughputPerSecond", (20.0 * consumers).ToString(CultureInfo.InvariantCulture)),
        ("ProducerBlockedMs", (2000.0 / consumers).ToString(CultureInfo.InvariantCulture)), ("ConsumerIdleMs", (30.0 * consumers).ToString(CultureInfo.InvariantCulture)),
        ("MaxQueueDepth", "10"), ("Lost", "0"), ("Duplicated", "0"), ("Bottleneck", "Consumers"));
}
