using System;
using System.Collections.Generic;
using System.Linq;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>The charts of Test-RaceCondition rows, one section per scenario: outcomes per strategy, and the price of each strategy.</summary>
internal static class RaceCharts
{
    public static IEnumerable<ReportSection> Build(IReadOnlyList<ReportRow> rows)
    {
        foreach (var scenario in rows.GroupBy(r => r.Text("Scenario") ?? string.Empty))
        {
            ReportRow[] own = scenario.ToArray();
            var section = new ReportSection(ReportRowKind.RaceTestResult, $"Race test: {scenario.Key}");
            section.Figures.Add(OutcomeFigure(own));
            if (own.Any(r => r.Number("NsPerOperation") > 0))
            {
                section.Figures.Add(CostFigure(own));
            }

            yield return section;
        }
    }

    private static ReportFigure OutcomeFigure(IReadOnlyList<ReportRow> rows)
    {
        string[] strategies = rows.Select(Strategy).ToArray();
        PlotModel model = SvgChart.NewModel("Trials by outcome");
        model.Axes.Add(StrategyAxis(strategies));
        model.Axes.Add(SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.05 }, AxisPosition.Bottom, "trials"));
        var acceptable = new BarSeries { Title = "expected value (acceptable)", FillColor = ChartPalette.Good, IsStacked = true, StrokeColor = OxyColors.White, StrokeThickness = 0.5 };
        var forbidden = new BarSeries { Title = "updates lost (forbidden)", FillColor = ChartPalette.Bad, IsStacked = true, StrokeColor = OxyColors.White, StrokeThickness = 0.5 };
        var table = new ReportTable("Strategy", "Threads", "Operations", "Trials", "Expected", "Min seen", "Mean seen", "Max seen", "Violated", "Rate", "Mean lost", "Verdict");
        for (int i = 0; i < rows.Count; i++)
        {
            ReportRow row = rows[i];
            double trials = row.Number("Trials") ?? 0, violated = row.Number("TrialsWithViolation") ?? 0;
            acceptable.Items.Add(new BarItem(Math.Max(trials - violated, 0), i));
            forbidden.Items.Add(new BarItem(violated, i));
            table.Add(
                strategies[i],
                row.Text("Threads"),
                row.Text("Operations"),
                row.Text("Trials"),
                row.Text("Expected"),
                row.Text("MinObserved"),
                ReportFormat.Number(row.Number("MeanObserved")),
                row.Text("MaxObserved"),
                row.Text("TrialsWithViolation"),
                ReportFormat.Percent(row.Number("ViolationRate"), 1),
                ReportFormat.Number(row.Number("MeanLostUpdates")),
                row.Text("Verdict"));
        }

        model.Series.Add(acceptable);
        model.Series.Add(forbidden);
        return new ReportFigure(
            "Each trial ends with the expected value (green) or with a forbidden one (red: updates were lost or an invariant broke), as jcstress counts outcomes. " +
            "Any red is a race caught in the act; all green is no race observed, which is not proof of safety. The table gives the range of final values seen.",
            table,
            SvgChart.Render("race-outcomes", model, SvgChart.Width, Height(strategies.Length)));
    }

    private static ReportFigure CostFigure(IReadOnlyList<ReportRow> rows)
    {
        string[] strategies = rows.Select(Strategy).ToArray();
        double[] costs = rows.Select(r => r.Number("NsPerOperation") ?? 0).ToArray();
        double positive = costs.Where(c => c > 0).DefaultIfEmpty(1).Min();
        bool logarithmic = costs.Max() / positive > 50;
        PlotModel model = SvgChart.NewModel("Cost per operation");
        model.Legends.Clear();
        model.Axes.Add(StrategyAxis(strategies));
        model.Axes.Add(logarithmic
            ? SvgChart.Styled(new LogarithmicAxis { Minimum = positive / 2, MaximumPadding = 0.3 }, AxisPosition.Bottom, "ns per operation (log scale)")
            : SvgChart.Styled(new LinearAxis { Minimum = 0, MaximumPadding = 0.12 }, AxisPosition.Bottom, "ns per operation"));
        var bars = new BarSeries { FillColor = ChartPalette.ForIndex(0), LabelFormatString = "{0:0.#}", LabelPlacement = LabelPlacement.Outside, FontSize = 10 };
        for (int i = 0; i < costs.Length; i++)
        {
            bars.Items.Add(new BarItem(logarithmic ? Math.Max(costs[i], positive / 2) : costs[i], i));
        }

        model.Series.Add(bars);
        var table = new ReportTable("Strategy", "NsPerOperation", "ElapsedMs");
        for (int i = 0; i < rows.Count; i++)
        {
            table.Add(strategies[i], ReportFormat.Number(costs[i]), ReportFormat.Number(rows[i].Number("ElapsedMs")));
        }

        return new ReportFigure(
            "What each strategy costs per operation, measured side by side in the same run. The unsynchronized plain field is the floor; the distance of each fix from it is its price.",
            table,
            SvgChart.Render("race-cost", model, SvgChart.Width, Height(strategies.Length)));
    }

    private static string Strategy(ReportRow row) => row.Text("Strategy") ?? "?";

    private static double Height(int strategies) => Math.Clamp(120 + (strategies * 30), 220, 600);

    private static CategoryAxis StrategyAxis(IEnumerable<string> strategies)
    {
        var axis = SvgChart.Styled(new CategoryAxis { GapWidth = 0.35, StartPosition = 1, EndPosition = 0 }, AxisPosition.Left, string.Empty);
        axis.MajorGridlineStyle = LineStyle.None;
        axis.Labels.AddRange(strategies);
        return axis;
    }
}
