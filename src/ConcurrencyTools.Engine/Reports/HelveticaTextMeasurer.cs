using OxyPlot;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// Measures text with the Helvetica metrics built into OxyPlot.Core's PDF renderer, in SVG pixels.
/// </summary>
/// <remarks>
/// SVG export needs a text measurer to lay out axes and legends; the ones OxyPlot ships beside it need a
/// native font library (System.Drawing, SkiaSharp) or a UI toolkit. The PDF context is pure managed but
/// measures in points (1/72 inch), and SVG user units are CSS pixels (1/96 inch), hence the 4/3. Browsers
/// draw the text in Helvetica or a metric-compatible face (Arial, Liberation Sans), so the sizes hold.
/// </remarks>
internal sealed class HelveticaTextMeasurer : PdfRenderContext
{
    private const double PixelsPerPoint = 96.0 / 72.0;

    public HelveticaTextMeasurer(double width, double height)
        : base(width, height, OxyColors.White)
    {
    }

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        OxySize size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
        return new OxySize(size.Width * PixelsPerPoint, size.Height * PixelsPerPoint);
    }
}
