using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>The charts of Measure-ProducerConsumer rows: throughput, and where the time went, against consumers.</summary>
internal static class ProducerConsumerCharts
{
    // The settings that, with Consumers, make one configuration; each distinct combination is one line.
    private static readonly string[] Settings = { "Model", "Producers", "Items", "Capacity", "ProduceMs", "ConsumeMs", "ProducerWorkload", "ConsumerWorkload" };

    public static ReportSection? Build(IReadOnlyList<ReportRow> rows, ICollection<string> notes)
    {
        ReportRow[] usable = rows.Where(r => r.Integer("Consumers") is not null && r.Text("Error") is null).ToArray();
        if (usable.Length == 0)
        {
            notes.Add($"{ReportFormat.Plural(rows.Count, "producer/consumer row")} without a Consumers column or without an error-free run: not drawn.");
            return null;
        }

        string[] varying = Settings.Where(s => usable.Select(r => r.Text(s)).Distinct().Count() > 1).ToArray();

        // Settings every row shares go in the caption, once: in a legend they made one line too long to show.
        string[] shared = Settings.Where(s => !varying.Contains(s) && usable.Any(r => r.Text(s) is not null)).ToArray();
        string common = shared.Length == 0 ? string.Empty : $"Every line: {Describe(usable[0], shared)}. ";
        if (varying.Length == 0 && usable.Any(r => r.Text("Model") is not null))
        {
            varying = new[] { "Model" };
        }

        var lines = usable.GroupBy(r => Describe(r, varying)).ToArray();
        int maxConsumers = usable.Max(r => r.Integer("Consumers")!.Value);

        PlotModel throughput = SvgChart.NewModel("Throughput");
        throughput.Axes.Add(SvgChart.CountAxis(maxConsumers, "consumers"));
        throughput.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.1 }, AxisPosition.Left, "items per second"));
        PlotModel waits = SvgChart.NewModel("Blocked and idle time");
        waits.Axes.Add(SvgChart.CountAxis(maxConsumers, "consumers"));
        waits.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.1 }, AxisPosition.Left, "milliseconds (mean over runs)"));

        var table = new ReportTable("Configuration", "Consumers", "Runs", "ElapsedMs", "Items/s", "Blocked ms", "Idle ms", "Max depth", "Lost", "Duplicated", "Bottleneck");
        for (int i = 0; i < lines.Length; i++)
        {
            OxyColor color = ChartPalette.ForIndex(i);
            string name = lines[i].Key.Length == 0 ? "runs" : lines[i].Key;
            var rate = new LineSeries { Title = name, Color = color, StrokeThickness = 2, MarkerType = MarkerType.Circle, MarkerSize = 4, MarkerFill = color };
            var blocked = new LineSeries { Title = lines.Length == 1 ? "producers blocked (queue full)" : name + ": blocked", Color = color, StrokeThickness = 2, MarkerType = MarkerType.Square, MarkerSize = 4, MarkerFill = color };
            var idle = new LineSeries { Title = lines.Length == 1 ? "consumers idle (queue empty)" : name + ": idle", Color = lines.Length == 1 ? ChartPalette.ForIndex(1) : color, LineStyle = LineStyle.Dash, StrokeThickness = 2, MarkerType = MarkerType.Triangle, MarkerSize = 4 };
            idle.MarkerFill = idle.Color;
            foreach (var point in lines[i].GroupBy(r => r.Integer("Consumers")!.Value).OrderBy(g => g.Key))
            {
                double? Mean(string column) => ReportFormat.MeanOf(point.Select(r => r.Number(column)));
                if (Mean("ThroughputPerSecond") is { } perSecond)
                {
                    rate.Points.Add(new DataPoint(point.Key, perSecond));
                }

                if (Mean("ProducerBlockedMs") is { } blockedMs)
                {
                    blocked.Points.Add(new DataPoint(point.Key, blockedMs));
                }

                if (Mean("ConsumerIdleMs") is { } idleMs)
                {
                    idle.Points.Add(new DataPoint(point.Key, idleMs));
                }

                table.Add(
                    name,
                    ReportFormat.Count(point.Key),
                    ReportFormat.Count(point.Count()),
                    ReportFormat.Number(Mean("ElapsedMs")),
                    ReportFormat.Number(Mean("ThroughputPerSecond")),
                    ReportFormat.Number(Mean("ProducerBlockedMs")),
                    ReportFormat.Number(Mean("ConsumerIdleMs")),
                    ReportFormat.Number(point.Max(r => r.Number("MaxQueueDepth")), "N0"),
                    ReportFormat.Number(point.Sum(r => r.Number("Lost") ?? 0), "N0"),
                    ReportFormat.Number(point.Sum(r => r.Number("Duplicated") ?? 0), "N0"),
                    point.GroupBy(r => r.Text("Bottleneck")).OrderByDescending(g => g.Count()).First().Key);
            }

            throughput.Series.Add(rate);
            waits.Series.Add(blocked);
            waits.Series.Add(idle);
        }

        var section = new ReportSection(ReportRowKind.ProducerConsumerResult, "Producer/consumer");
        section.Figures.Add(new ReportFigure(
            common + "Items per second against consumers (means over runs). Where the line flattens, adding consumers stops paying: the producers (or the queue) are the bottleneck. " +
            "On the right, time producers spent blocked on a full queue (back-pressure) and consumers spent idle on an empty one: the side that waits is not the bottleneck.",
            table,
            SvgChart.Render("throughput", throughput),
            SvgChart.Render("waits", waits)));
        return section;
    }

    private static string Describe(ReportRow row, IEnumerable<string> varying) =>
        string.Join(", ", varying.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {row.Text(s)}")));
}
