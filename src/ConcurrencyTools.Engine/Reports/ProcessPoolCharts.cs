using System;
using System.Collections.Generic;
using System.Linq;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>The charts of Invoke-ProcessPool rows: a timeline of tasks per slot, and the histogram of their durations.</summary>
internal static class ProcessPoolCharts
{
    public static ReportSection Build(IReadOnlyList<ReportRow> rows, ICollection<string> notes)
    {
        List<PoolTask> tasks = rows.Select(PoolTask.From).ToList();
        var section = new ReportSection(ReportRowKind.ProcessTaskResult, $"Process pool: {ReportFormat.Plural(tasks.Count, "task")}");
        PoolTask[] timed = tasks.Where(t => t.Start is not null && t.End is not null && t.Slot is not null).ToArray();
        if (timed.Length > 0)
        {
            section.Figures.Add(TimelineFigure(timed));
        }
        else
        {
            notes.Add("Process pool rows without StartTime, EndTime and Slot: the timeline is not drawn.");
        }

        PoolTask[] ran = tasks.Where(t => !t.Skipped && t.DurationMs is not null).ToArray();
        if (ran.Length > 0)
        {
            section.Figures.Add(HistogramFigure(tasks, ran));
        }

        return section;
    }

    private static ReportFigure TimelineFigure(IReadOnlyList<PoolTask> tasks)
    {
        DateTimeOffset origin = tasks.Min(t => t.Start!.Value.AddMilliseconds(-(t.QueueWaitMs ?? 0)));
        double Ms(DateTimeOffset time) => (time - origin).TotalMilliseconds;
        int[] slots = tasks.Select(t => t.Slot!.Value).Distinct().OrderBy(s => s).ToArray();

        PlotModel model = SvgChart.NewModel("Tasks per slot over time");
        model.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.02 }, AxisPosition.Bottom, "milliseconds since the first task was queued"));
        var slotAxis = SvgChart.Styled(
            new LinearAxis { Minimum = -0.6, Maximum = slots.Length - 0.4, MajorStep = 1, MinorStep = 1, StartPosition = 1, EndPosition = 0, LabelFormatter = i => Label(slots, i) },
            AxisPosition.Left,
            "slot");
        slotAxis.MajorGridlineStyle = LineStyle.None;
        model.Axes.Add(slotAxis);

        var waits = Bars("queue wait", OxyColor.FromAColor(90, ChartPalette.Muted));
        var succeeded = Bars("succeeded", ChartPalette.Good);
        var failed = Bars("failed", ChartPalette.Bad);
        var timedOut = Bars("timed out", ChartPalette.Warning);
        foreach (PoolTask task in tasks)
        {
            double row = Array.IndexOf(slots, task.Slot!.Value);
            double start = Ms(task.Start!.Value), end = Math.Max(Ms(task.End!.Value), start);
            if (task.QueueWaitMs is > 0)
            {
                // The wait is drawn as a thin band under the slot's row: the task waited for any slot, not this one.
                waits.Items.Add(new RectangleBarItem(start - task.QueueWaitMs.Value, row + 0.3, start, row + 0.42));
            }

            (task.TimedOut ? timedOut : task.Succeeded ? succeeded : failed).Items.Add(new RectangleBarItem(start, row - 0.35, end, row + 0.25));
        }

        foreach (var series in new[] { waits, succeeded, failed, timedOut }.Where(s => s.Items.Count > 0))
        {
            model.Series.Add(series);
        }

        var table = new ReportTable("Slot", "Tasks", "Succeeded", "Failed", "Timed out", "Busy ms", "First start ms", "Last end ms");
        foreach (int slot in slots)
        {
            PoolTask[] own = tasks.Where(t => t.Slot == slot).ToArray();
            table.Add(
                ReportFormat.Count(slot),
                ReportFormat.Count(own.Length),
                ReportFormat.Count(own.Count(t => t.Succeeded && !t.TimedOut)),
                ReportFormat.Count(own.Count(t => !t.Succeeded && !t.TimedOut)),
                ReportFormat.Count(own.Count(t => t.TimedOut)),
                ReportFormat.Number(own.Sum(t => (t.End!.Value - t.Start!.Value).TotalMilliseconds)),
                ReportFormat.Number(own.Min(t => Ms(t.Start!.Value))),
                ReportFormat.Number(own.Max(t => Ms(t.End!.Value))));
        }

        double height = Math.Clamp(110 + (slots.Length * 26), 220, 720);
        return new ReportFigure(
            "One row per slot, one bar per task (green succeeded, red failed, orange timed out); the grey band under a row is how long that task waited in the queue. " +
            "Gaps in a row are idle slots: the pool waited for input or for a slow task elsewhere.",
            table,
            SvgChart.Render("timeline", model, 900, height));
    }

    private static ReportFigure HistogramFigure(IReadOnlyList<PoolTask> all, IReadOnlyList<PoolTask> ran)
    {
        double[] durations = ran.Select(t => t.DurationMs!.Value).ToArray();
        double min = durations.Min(), max = durations.Max();
        int bins = Math.Clamp((int)Math.Ceiling(Math.Sqrt(durations.Length)), 1, 30);
        double width = max > min ? (max - min) / bins : Math.Max(1, Math.Abs(min) * 0.1);
        double first = max > min ? min : min - (width / 2);

        PlotModel model = SvgChart.NewModel("Task durations");
        model.Axes.Add(SvgChart.Styled(new LinearAxis(), AxisPosition.Bottom, "DurationMs"));
        model.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.1, MinimumMajorStep = 1 }, AxisPosition.Left, "tasks"));
        var groups = new[] { ("succeeded", ChartPalette.Good, (Func<PoolTask, bool>)(t => t.Succeeded && !t.TimedOut)), ("failed", ChartPalette.Bad, t => !t.Succeeded && !t.TimedOut), ("timed out", ChartPalette.Warning, t => t.TimedOut) };
        double[] stacked = new double[bins];
        foreach (var (title, color, select) in groups)
        {
            var series = new HistogramSeries { Title = title, FillColor = color, StrokeColor = OxyColors.White, StrokeThickness = 1 };
            double[] own = ran.Where(select).Select(t => t.DurationMs!.Value).ToArray();
            for (int b = 0; b < bins && own.Length > 0; b++)
            {
                double low = first + (b * width), high = low + width;
                int count = own.Count(d => d >= low && (d < high || (b == bins - 1 && d <= high)));
                if (count > 0)
                {
                    // Stacked by hand: HistogramSeries draws from zero, so each group's bar starts where the last one ended.
                    series.Items.Add(new HistogramItem(low, high, (stacked[b] + count) * width, count));
                    stacked[b] += count;
                }
            }

            if (series.Items.Count > 0)
            {
                model.Series.Insert(0, series); // Tallest (the sum) first, so the smaller ones are drawn over it.
            }
        }

        var table = new ReportTable("Tasks", "Ran", "Succeeded", "Failed", "Timed out", "Skipped", "MinMs", "MedianMs", "MaxMs", "Mean wait ms") { TextColumns = 0 };
        double[] sorted = durations.OrderBy(d => d).ToArray();
        table.Add(
            ReportFormat.Count(all.Count),
            ReportFormat.Count(ran.Count),
            ReportFormat.Count(all.Count(t => t.Succeeded && !t.TimedOut)),
            ReportFormat.Count(all.Count(t => !t.Succeeded && !t.TimedOut && !t.Skipped)),
            ReportFormat.Count(all.Count(t => t.TimedOut)),
            ReportFormat.Count(all.Count(t => t.Skipped)),
            ReportFormat.Number(min),
            ReportFormat.Number(ReportFormat.Quantile(sorted, 0.5)),
            ReportFormat.Number(max),
            ReportFormat.Number(ReportFormat.MeanOf(ran.Select(t => t.QueueWaitMs))));
        return new ReportFigure(
            "How long tasks ran (skipped tasks left out). One tall peak is a uniform batch; a long right tail is the few slow tasks that decide when the pool finishes.",
            table,
            SvgChart.Render("durations", model));
    }

    private static string Label(int[] slots, double position)
    {
        int index = (int)Math.Round(position);
        return Math.Abs(position - index) < 1e-6 && index >= 0 && index < slots.Length ? slots[index].ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;
    }

    private static RectangleBarSeries Bars(string title, OxyColor color) =>
        new() { Title = title, FillColor = color, StrokeColor = OxyColors.White, StrokeThickness = 0.5 };

    private sealed record PoolTask(int? Slot, DateTimeOffset? Start, DateTimeOffset? End, double? DurationMs, double? QueueWaitMs, bool Succeeded, bool TimedOut, bool Skipped)
    {
        public static PoolTask From(ReportRow row)
        {
            DateTimeOffset? start = row.Time("StartTime");
            double? duration = row.Number("DurationMs");
            DateTimeOffset? end = row.Time("EndTime") ?? (start is not null && duration is not null ? start.Value.AddMilliseconds(duration.Value) : null);
            bool skipped = row.Boolean("Skipped") == true;
            return new PoolTask(
                skipped ? null : row.Integer("Slot"),
                skipped ? null : start,
                skipped ? null : end,
                duration,
                row.Number("QueueWaitMs"),
                row.Boolean("Succeeded") == true,
                row.Boolean("TimedOut") == true,
                skipped);
        }
    }
}
