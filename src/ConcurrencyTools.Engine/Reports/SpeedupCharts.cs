using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Statistics;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// The charts of Measure-ThreadedWorkload and Measure-Speedup rows, one section per task list:
/// speedup and efficiency against workers, the distribution of every run, CPU use against speedup.
/// </summary>
internal static class SpeedupCharts
{
    public static IEnumerable<ReportSection> Build(
        IReadOnlyList<ReportRow> measurementRows,
        IReadOnlyList<ReportRow> summaryRows,
        ICollection<string> notes,
        CancellationToken cancellationToken)
    {
        List<MeasuredRun> runs = measurementRows.Select(MeasuredRun.From).ToList();
        int unusable = runs.Count(r => !r.Sample.Valid);
        if (unusable > 0)
        {
            notes.Add($"{ReportFormat.Plural(unusable, "WorkloadMeasurement row")} failed, were not verified or had no usable ElapsedMs: drawn nowhere, counted as ExcludedRuns in the tables.");
        }

        // Summaries the user made (with the -Baseline they chose) win over ones computed here.
        List<SpeedupSummary> summaries = summaryRows.Select(SummaryFrom).ToList();
        var given = new HashSet<TaskList>(summaries.Select(TaskList.Of));
        summaries.AddRange(Summarize(runs.Where(r => !given.Contains(r.TaskList)).ToList()));

        List<TaskList> taskLists = summaries.Select(TaskList.Of).Concat(runs.Select(r => r.TaskList)).Distinct().ToList();
        bool severalMachines = taskLists.Select(t => t.MachineName).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1;
        foreach (TaskList taskList in taskLists)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SpeedupSummary[] own = summaries.Where(s => TaskList.Of(s) == taskList).ToArray();
            MeasuredRun[] ownRuns = runs.Where(r => r.TaskList == taskList).ToArray();
            var section = new ReportSection(
                ownRuns.Length > 0 ? ReportRowKind.WorkloadMeasurement : ReportRowKind.SpeedupSummary,
                taskList.Describe(severalMachines));
            if (own.Any(s => s.Speedup is not null))
            {
                section.Figures.Add(SpeedupFigure(own));
            }

            if (ownRuns.Any(r => r.Sample.Valid))
            {
                section.Figures.Add(DistributionFigure(own, ownRuns));
            }

            if (ownRuns.Any(r => r.Sample.Valid && r.CpuUtilization is not null) && own.Any(s => s.Speedup is not null))
            {
                section.Figures.Add(CpuFigure(own, ownRuns));
            }

            if (section.Figures.Count == 0)
            {
                notes.Add($"{section.Title}: no valid runs and no speedups, so nothing to draw.");
                continue;
            }

            yield return section;
        }
    }

    private static IEnumerable<SpeedupSummary> Summarize(IReadOnlyList<MeasuredRun> runs)
    {
        if (runs.Count == 0)
        {
            return Array.Empty<SpeedupSummary>();
        }

        var analysis = new SpeedupAnalysis();
        foreach (MeasuredRun run in runs)
        {
            analysis.Add(run.Sample);
        }

        // Measure-Speedup's default baseline when there are Sequential runs; otherwise each model against its own single worker.
        bool hasSequential = runs.Any(r => r.Sample.Valid && string.Equals(r.Sample.Model, SpeedupBaseline.Sequential.Model, StringComparison.OrdinalIgnoreCase));
        return analysis.Summarize(hasSequential ? SpeedupBaseline.Sequential : SpeedupBaseline.SameModelSingleWorker).Summaries;
    }

    private static SpeedupSummary SummaryFrom(ReportRow row) => new()
    {
        MachineName = row.Text(nameof(SpeedupSummary.MachineName)) ?? string.Empty,
        Workload = row.Text(nameof(SpeedupSummary.Workload)) ?? string.Empty,
        Tasks = row.Integer(nameof(SpeedupSummary.Tasks)) ?? 0,
        TaskSize = row.Text(nameof(SpeedupSummary.TaskSize)) ?? string.Empty,
        Model = row.Text(nameof(SpeedupSummary.Model)) ?? string.Empty,
        Workers = row.Integer(nameof(SpeedupSummary.Workers)) ?? 0,
        Runs = row.Integer(nameof(SpeedupSummary.Runs)) ?? 0,
        ExcludedRuns = row.Integer(nameof(SpeedupSummary.ExcludedRuns)) ?? 0,
        MeanMs = row.Number(nameof(SpeedupSummary.MeanMs)),
        StdDevMs = row.Number(nameof(SpeedupSummary.StdDevMs)),
        MedianMs = row.Number(nameof(SpeedupSummary.MedianMs)),
        MinMs = row.Number(nameof(SpeedupSummary.MinMs)),
        MaxMs = row.Number(nameof(SpeedupSummary.MaxMs)),
        CoefficientOfVariation = row.Number(nameof(SpeedupSummary.CoefficientOfVariation)),
        Outliers = row.Integer(nameof(SpeedupSummary.Outliers)) ?? 0,
        OutlierRuns = row.Text(nameof(SpeedupSummary.OutlierRuns)),
        Unstable = row.Boolean(nameof(SpeedupSummary.Unstable)) ?? false,
        UnstableReason = row.Text(nameof(SpeedupSummary.UnstableReason)),
        Baseline = row.Text(nameof(SpeedupSummary.Baseline)),
        Speedup = row.Number(nameof(SpeedupSummary.Speedup)),
        SpeedupCiLow = row.Number(nameof(SpeedupSummary.SpeedupCiLow)),
        SpeedupCiHigh = row.Number(nameof(SpeedupSummary.SpeedupCiHigh)),
        Efficiency = row.Number(nameof(SpeedupSummary.Efficiency)),
    };

    private static ReportFigure SpeedupFigure(IReadOnlyList<SpeedupSummary> summaries)
    {
        SpeedupSummary[] drawn = summaries.Where(s => s.Speedup is not null && s.Workers > 0).ToArray();
        int maxWorkers = drawn.Max(s => s.Workers);
        double top = drawn.Max(s => Math.Max(s.Speedup!.Value, s.SpeedupCiHigh ?? 0));

        PlotModel speedup = SvgChart.NewModel("Speedup");
        speedup.Axes.Add(SvgChart.CountAxis(maxWorkers, "workers"));
        speedup.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, Maximum = Math.Max(Math.Max(maxWorkers, top) * 1.08, 1.2) }, AxisPosition.Left, "speedup (x)"));
        speedup.Series.Add(new LineSeries
        {
            Title = "ideal (linear)",
            Color = ChartPalette.Reference,
            LineStyle = LineStyle.Dash,
            StrokeThickness = 1,
            Points = { new DataPoint(0, 0), new DataPoint(maxWorkers, maxWorkers) },
        });
        speedup.Annotations.Add(ReferenceLine(1, "1.0: no gain"));

        PlotModel efficiency = SvgChart.NewModel("Efficiency (speedup / workers)");
        efficiency.Axes.Add(SvgChart.CountAxis(maxWorkers, "workers"));
        // The efficiency drawn: the summary's, or speedup / workers when it has none (as the points below).
        double topEfficiency = drawn.Max(s => s.Efficiency ?? (s.Speedup!.Value / s.Workers));
        efficiency.Axes.Add(SvgChart.Styled(
            new LinearAxis { Minimum = 0, Maximum = Math.Max(1.15, topEfficiency * 1.1), StringFormat = "P0" },
            AxisPosition.Left,
            "efficiency"));
        efficiency.Annotations.Add(ReferenceLine(1, "100%: perfect scaling"));

        string[] models = drawn.Select(s => s.Model).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        for (int m = 0; m < models.Length; m++)
        {
            SpeedupSummary[] points = drawn.Where(s => string.Equals(s.Model, models[m], StringComparison.OrdinalIgnoreCase)).OrderBy(s => s.Workers).ToArray();
            OxyColor color = ChartPalette.ForModel(models[m], m);
            var line = ModelLine(models[m], color);
            var whiskers = new ScatterErrorSeries
            {
                ErrorBarColor = color,
                ErrorBarStopWidth = 5,
                ErrorBarStrokeThickness = 1.5,
                MarkerSize = 0,
                MarkerType = MarkerType.None,
                RenderInLegend = false,
            };
            var efficiencyLine = ModelLine(models[m], color);

            // Models side by side at each worker count (dodged), so their whiskers do not hide each other.
            double dodge = models.Length == 1 ? 0 : (m - ((models.Length - 1) / 2.0)) * Math.Min(0.06, 0.3 / models.Length);
            foreach (SpeedupSummary s in points)
            {
                line.Points.Add(new DataPoint(s.Workers + dodge, s.Speedup!.Value));
                efficiencyLine.Points.Add(new DataPoint(s.Workers, s.Efficiency ?? s.Speedup.Value / s.Workers));
                if (s.SpeedupCiLow is { } low && s.SpeedupCiHigh is { } high)
                {
                    // OxyPlot draws a whisker of ErrorY in all (half above, half below), so the error is the interval's whole width.
                    whiskers.Points.Add(new ScatterErrorPoint(s.Workers + dodge, (low + high) / 2, 0, high - low));
                }
            }

            speedup.Series.Add(whiskers);
            speedup.Series.Add(line);
            efficiency.Series.Add(efficiencyLine);
        }

        var table = new ReportTable("Model", "Workers", "Runs", "MedianMs", "CV", "Speedup", "95% CI", "Eff.", "Unstable");
        foreach (SpeedupSummary s in summaries)
        {
            table.Add(
                s.Model,
                ReportFormat.Count(s.Workers),
                ReportFormat.Count(s.Runs),
                ReportFormat.Number(s.MedianMs),
                ReportFormat.Percent(s.CoefficientOfVariation, 1),
                ReportFormat.Number(s.Speedup, "N2"),
                s.SpeedupCiLow is null ? null : $"{ReportFormat.Number(s.SpeedupCiLow, "N2")}..{ReportFormat.Number(s.SpeedupCiHigh, "N2")}",
                ReportFormat.Percent(s.Efficiency),
                s.Unstable ? "yes" : null);
        }

        string? baseline = summaries.Select(s => s.Baseline).FirstOrDefault(b => b is not null);
        return new ReportFigure(
            $"Speedup over {baseline ?? "the baseline"} (median times; whiskers: 95% bootstrap interval). The closer a line to the dashed ideal, " +
            "the better the model scales; on or under the 1.0 line, extra workers buy nothing. The right panel shows the same as the share of each worker that turns into speed.",
            table,
            SvgChart.Render("speedup", speedup),
            SvgChart.Render("efficiency", efficiency));
    }

    private static ReportFigure DistributionFigure(IReadOnlyList<SpeedupSummary> summaries, IReadOnlyList<MeasuredRun> runs)
    {
        // One category per configuration, in the order the summaries list them (the order they were measured).
        var configurations = summaries.Select(s => (s.Model, s.Workers))
            .Concat(runs.Select(r => (r.Sample.Model, r.Sample.Workers)))
            .Distinct()
            .Where(c => runs.Any(r => r.Sample.Valid && r.Sample.Model == c.Item1 && r.Sample.Workers == c.Item2))
            .ToArray();
        double[] all = runs.Where(r => r.Sample.Valid).Select(r => r.Sample.ElapsedMs).ToArray();
        bool logarithmic = all.Max() / all.Min() > 30;

        PlotModel model = SvgChart.NewModel("ElapsedMs of every run");
        model.Legends.Clear();
        var categories = SvgChart.Styled(new CategoryAxis { GapWidth = 0.4, Angle = configurations.Length > 6 ? -30 : 0 }, AxisPosition.Bottom, "configuration (model x workers)");
        categories.MajorGridlineStyle = LineStyle.None;
        categories.Labels.AddRange(configurations.Select(c => $"{c.Item1} x{c.Item2}"));
        model.Axes.Add(categories);
        model.Axes.Add(logarithmic
            ? SvgChart.Styled(new LogarithmicAxis(), AxisPosition.Left, "ElapsedMs (log scale)")
            : SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.08 }, AxisPosition.Left, "ElapsedMs"));

        string[] models = configurations.Select(c => c.Item1).Distinct().ToArray();
        var table = new ReportTable("Model", "Workers", "Runs", "Excluded", "MinMs", "MedianMs", "MaxMs", "MeanMs", "StdDevMs", "Outlier runs");
        for (int i = 0; i < configurations.Length; i++)
        {
            var (name, workers) = configurations[i];
            OxyColor color = ChartPalette.ForModel(name, Array.IndexOf(models, name));
            MeasuredRun[] own = runs.Where(r => r.Sample.Model == name && r.Sample.Workers == workers).ToArray();
            MeasuredRun[] valid = own.Where(r => r.Sample.Valid).ToArray();
            double[] times = valid.Select(r => r.Sample.ElapsedMs).OrderBy(t => t).ToArray();
            double q1 = ReportFormat.Quantile(times, 0.25), q3 = ReportFormat.Quantile(times, 0.75), iqr = q3 - q1;
            var box = new BoxPlotSeries
            {
                Fill = OxyColor.FromAColor(50, color),
                Stroke = color,
                BoxWidth = 0.5,
                WhiskerWidth = 0.5,
                OutlierSize = 0, // Every run is drawn as a dot below.
            };
            box.Items.Add(new BoxPlotItem(
                i,
                times.Where(t => t >= q1 - (1.5 * iqr)).Min(),
                q1,
                ReportFormat.Quantile(times, 0.5),
                q3,
                times.Where(t => t <= q3 + (1.5 * iqr)).Max()));
            model.Series.Add(box);

            var dots = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 3, MarkerFill = OxyColor.FromAColor(200, color), MarkerStroke = OxyColors.White, MarkerStrokeThickness = 0.5 };
            for (int k = 0; k < valid.Length; k++)
            {
                // A fixed spread across the box (not random), so repeated reports of the same rows are identical.
                double offset = valid.Length == 1 ? 0 : -0.18 + (0.36 * k / (valid.Length - 1));
                dots.Points.Add(new ScatterPoint(i + offset, valid[k].Sample.ElapsedMs));
            }

            model.Series.Add(dots);
            RunStatistics stats = RunStatistics.Compute(valid.Select(r => r.Sample.ElapsedMs));
            table.Add(
                name,
                ReportFormat.Count(workers),
                ReportFormat.Count(times.Length),
                ReportFormat.Count(own.Length - times.Length),
                ReportFormat.Number(stats.Min),
                ReportFormat.Number(stats.Median),
                ReportFormat.Number(stats.Max),
                ReportFormat.Number(stats.Mean),
                ReportFormat.Number(stats.StdDev),
                string.Join(", ", stats.OutlierIndices.Select(k => valid[k].Sample.Run)));
        }

        double width = Math.Clamp(120 + (configurations.Length * 80), SvgChart.Width, 1200);
        return new ReportFigure(
            "Every valid run as a dot over its box (quartiles, whiskers to 1.5 IQR). A tall box or a dot far from its box is a noisy " +
            "configuration; two clusters of dots mean the runs behaved two ways (bimodal), and the mean hides it.",
            table,
            SvgChart.Render("distribution", model, width, SvgChart.Height));
    }

    private static ReportFigure CpuFigure(IReadOnlyList<SpeedupSummary> summaries, IReadOnlyList<MeasuredRun> runs)
    {
        var points = new List<(SpeedupSummary Summary, double CoresBusy, double Utilization)>();
        foreach (SpeedupSummary s in summaries.Where(s => s.Speedup is not null))
        {
            MeasuredRun[] own = runs.Where(r => r.Sample.Valid && r.Sample.Model == s.Model && r.Sample.Workers == s.Workers && r.CpuUtilization is not null).ToArray();
            if (own.Length > 0)
            {
                double utilization = own.Average(r => r.CpuUtilization!.Value);
                points.Add((s, utilization * (own[0].LogicalCores ?? 1), utilization));
            }
        }

        int cores = runs.Select(r => r.LogicalCores ?? 0).DefaultIfEmpty(1).Max();
        double right = Math.Max(points.Max(p => p.Summary.Speedup!.Value), 1) * 1.15;
        double top = Math.Max(Math.Max(cores, points.Max(p => p.CoresBusy)), 1) * 1.1;
        PlotModel model = SvgChart.NewModel("CPU used against speedup");
        model.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, Maximum = right }, AxisPosition.Bottom, "speedup (x)"));
        model.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, Maximum = top }, AxisPosition.Left, $"cores busy (of {cores})"));
        model.Series.Add(new LineSeries
        {
            Title = "every busy core adds speed",
            Color = ChartPalette.Reference,
            LineStyle = LineStyle.Dash,
            StrokeThickness = 1,
            Points = { new DataPoint(0, 0), new DataPoint(Math.Min(right, top), Math.Min(right, top)) },
        });
        model.Annotations.Add(ReferenceLine(1, "one core"));

        string[] models = points.Select(p => p.Summary.Model).Distinct().ToArray();
        var table = new ReportTable("Model", "Workers", "Speedup", "Cores busy", "CpuUtilization");
        var labels = new LabelPlacer(right, top);
        for (int m = 0; m < models.Length; m++)
        {
            OxyColor color = ChartPalette.ForModel(models[m], m);
            var series = new ScatterSeries { Title = models[m], MarkerType = MarkerType.Circle, MarkerSize = 5, MarkerFill = color };
            foreach (var p in points.Where(p => p.Summary.Model == models[m]).OrderBy(p => p.Summary.Workers))
            {
                series.Points.Add(new ScatterPoint(p.Summary.Speedup!.Value, p.CoresBusy));
                model.Annotations.Add(new TextAnnotation
                {
                    Text = $"x{p.Summary.Workers}",
                    TextPosition = new DataPoint(p.Summary.Speedup.Value, p.CoresBusy),
                    Offset = labels.Place(p.Summary.Speedup.Value, p.CoresBusy, $"x{p.Summary.Workers}"),
                    TextHorizontalAlignment = HorizontalAlignment.Left,
                    TextColor = color,
                    FontSize = 10,
                    Stroke = OxyColors.Transparent,
                    StrokeThickness = 0,
                });
                table.Add(models[m], ReportFormat.Count(p.Summary.Workers), ReportFormat.Number(p.Summary.Speedup, "N2"), ReportFormat.Number(p.CoresBusy, "N2"), ReportFormat.Percent(p.Utilization));
            }

            model.Series.Add(series);
        }

        return new ReportFigure(
            "CPU time over wall time (cores kept busy) against speedup; labels give the workers. On the dashed line every busy core turns into speed. " +
            "Far above it, cores burn without speeding up (lock hand-offs, spinning); a model pinned at the one-core line cannot use more than one core, as threads under a GIL.",
            table,
            SvgChart.Render("cpu", model));
    }

    /// <summary>
    /// Offsets for point labels so that none covers another: the worker counts of two close points (Processes x1
    /// and x2 at the same speedup) overlapped. Positions are estimated on the default plot area, which is enough
    /// to step a label down below the ones already placed.
    /// </summary>
    private sealed class LabelPlacer(double right, double top)
    {
        private const double PlotWidth = SvgChart.Width - 110;
        private const double PlotHeight = SvgChart.Height - 110;
        private const double LineHeight = 12;
        private readonly List<(double X, double Y, double Width)> _placed = new();

        public ScreenVector Place(double x, double y, string text)
        {
            double width = 6.5 * text.Length;
            double left = (x / right * PlotWidth) + 6;
            double baseline = ((1 - (y / top)) * PlotHeight) - 4;
            double dy = -4;
            while (_placed.Any(p => left < p.X + p.Width && p.X < left + width && Math.Abs(baseline - p.Y) < LineHeight))
            {
                baseline += LineHeight;
                dy += LineHeight;
            }

            _placed.Add((left, baseline, width));
            return new ScreenVector(6, dy);
        }
    }

    private static LineSeries ModelLine(string model, OxyColor color) => new()
    {
        Title = model,
        Color = color,
        StrokeThickness = 2,
        MarkerType = MarkerType.Circle,
        MarkerSize = 4,
        MarkerFill = color,
    };

    internal static LineAnnotation ReferenceLine(double y, string text) => new()
    {
        Type = LineAnnotationType.Horizontal,
        Y = y,
        Text = text,
        Color = ChartPalette.Muted,
        TextColor = ChartPalette.Reference,
        LineStyle = LineStyle.Dot,
        StrokeThickness = 1.2,
        FontSize = 10,
    };

    private readonly record struct TaskList(string MachineName, string Workload, int Tasks, string TaskSize)
    {
        public static TaskList Of(SpeedupSummary s) => new(s.MachineName, s.Workload, s.Tasks, s.TaskSize);

        public string Describe(bool withMachine) =>
            $"{Workload}: {Tasks} tasks{(TaskSize.Length == 0 ? string.Empty : " of " + TaskSize)}{(withMachine && MachineName.Length > 0 ? " on " + MachineName : string.Empty)}";
    }

    private sealed record MeasuredRun(SpeedupSample Sample, double? CpuUtilization, int? LogicalCores)
    {
        public TaskList TaskList => new(Sample.MachineName, Sample.Workload, Sample.Tasks, Sample.TaskSize);

        /// <summary>
        /// The run as Measure-Speedup reads it (<see cref="SpeedupInputReader"/>), so a run counts in the report exactly
        /// when it counts there. ElapsedMs goes through the row, which reports a cell that is not a number in the
        /// report's culture; the reader's own problems are not reported again (an excluded run is counted in a note).
        /// </summary>
        public static MeasuredRun From(ReportRow row)
        {
            (SpeedupSample sample, _) = new SpeedupInputReader(row.Culture).Read(
                0,
                row.Text(nameof(WorkloadMeasurement.MachineName)),
                row.Text(nameof(WorkloadMeasurement.Workload)),
                row.Value(nameof(WorkloadMeasurement.Tasks)),
                row.Text(nameof(WorkloadMeasurement.TaskSize)),
                row.Text(nameof(WorkloadMeasurement.Model)),
                row.Value(nameof(WorkloadMeasurement.Workers)),
                row.Value(nameof(WorkloadMeasurement.Run)),
                row.Number(nameof(WorkloadMeasurement.ElapsedMs)),
                row.Value(nameof(WorkloadMeasurement.Verified)),
                row.Text(nameof(WorkloadMeasurement.Error)));
            return new MeasuredRun(sample, row.Number(nameof(WorkloadMeasurement.CpuUtilization)), row.Integer(nameof(WorkloadMeasurement.LogicalCores)));
        }
    }
}
