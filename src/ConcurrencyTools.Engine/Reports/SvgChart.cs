using System;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>Renders OxyPlot models as inline SVG in the report's one style.</summary>
internal static class SvgChart
{
    public const double Width = 600;
    public const double Height = 340;

    // Helvetica first: the text measurer uses its metrics, and Arial (Liberation Sans on Linux) shares them.
    private const string Font = "Helvetica, Arial, sans-serif";

    public static PlotModel NewModel(string title)
    {
        var model = new PlotModel
        {
            Title = title,
            TitleFontSize = 14,
            TitleFontWeight = FontWeights.Bold,
            DefaultFont = Font,
            DefaultFontSize = 12,
            Background = OxyColors.White,
            PlotAreaBorderColor = OxyColor.FromRgb(0xB0, 0xB0, 0xB0),
            Padding = new OxyThickness(8, 8, 16, 8),
        };
        model.Legends.Add(new Legend
        {
            // Above the plot, in one row: a legend inside the plot area hides the points it explains.
            LegendPosition = LegendPosition.TopCenter,
            LegendPlacement = LegendPlacement.Outside,
            LegendOrientation = LegendOrientation.Horizontal,
            LegendBackground = OxyColor.FromAColor(220, OxyColors.White),
            LegendBorder = OxyColor.FromRgb(0xD0, 0xD0, 0xD0),
            LegendFontSize = 11,
        });
        return model;
    }

    public static T Styled<T>(T axis, AxisPosition position, string title)
        where T : Axis
    {
        axis.Position = position;
        axis.Title = title;
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = OxyColor.FromRgb(0xE6, 0xE6, 0xE6);
        axis.TicklineColor = OxyColor.FromRgb(0x90, 0x90, 0x90);
        axis.AxisTitleDistance = 6;
        return axis;
    }

    /// <summary>A bottom axis of whole counts (workers, consumers) from 0 to <paramref name="max"/>.</summary>
    public static LinearAxis CountAxis(int max, string title)
    {
        var axis = Styled(new LinearAxis { Minimum = 0, Maximum = max + 0.5, MinimumMajorStep = 1, MinimumMinorStep = 1 }, AxisPosition.Bottom, title);
        axis.MajorGridlineStyle = LineStyle.None;
        return axis;
    }

    public static ReportChart Render(string id, PlotModel model, double width = Width, double height = Height)
    {
        ArgumentNullException.ThrowIfNull(model);
        var exporter = new SvgExporter
        {
            Width = width,
            Height = height,
            IsDocument = false,
            TextMeasurer = new HelveticaTextMeasurer(width, height),
        };
        string svg = exporter.ExportToString(model);

        // The exporter writes an XML declaration even when asked for a fragment; inside HTML it is a stray comment.
        svg = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];

        // A viewBox lets the page scale the chart to its column instead of cropping it.
        return new ReportChart(id, svg.Replace("<svg ", FormattableString.Invariant($"<svg viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"xMinYMin meet\" "), StringComparison.Ordinal), width);
    }
}
