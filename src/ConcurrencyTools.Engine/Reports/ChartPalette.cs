using System;
using System.Collections.Generic;
using OxyPlot;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>One colour per model on every chart of a report, so a reader learns it once.</summary>
internal static class ChartPalette
{
    private static readonly Dictionary<string, OxyColor> Models = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Sequential"] = OxyColor.FromRgb(0x6B, 0x6B, 0x6B),
        ["Threads"] = OxyColor.FromRgb(0x1F, 0x77, 0xB4),
        ["ThreadPool"] = OxyColor.FromRgb(0x17, 0xBE, 0xCF),
        ["EventLoop"] = OxyColor.FromRgb(0x94, 0x67, 0xBD),
        ["Processes"] = OxyColor.FromRgb(0x2C, 0xA0, 0x2C),
        ["GilThreads"] = OxyColor.FromRgb(0xD6, 0x27, 0x28),
        ["Runspaces"] = OxyColor.FromRgb(0x8C, 0x56, 0x4B),
    };

    private static readonly OxyColor[] Others =
    {
        OxyColor.FromRgb(0xFF, 0x7F, 0x0E), OxyColor.FromRgb(0xE3, 0x77, 0xC2), OxyColor.FromRgb(0xBC, 0xBD, 0x22),
        OxyColor.FromRgb(0x1F, 0x3A, 0x93), OxyColor.FromRgb(0x7F, 0x7F, 0x00), OxyColor.FromRgb(0x00, 0x80, 0x80),
    };

    public static readonly OxyColor Good = OxyColor.FromRgb(0x2C, 0xA0, 0x2C);
    public static readonly OxyColor Bad = OxyColor.FromRgb(0xD6, 0x27, 0x28);
    public static readonly OxyColor Warning = OxyColor.FromRgb(0xFF, 0x7F, 0x0E);
    public static readonly OxyColor Muted = OxyColor.FromRgb(0x9A, 0x9A, 0x9A);
    public static readonly OxyColor Reference = OxyColor.FromRgb(0x55, 0x55, 0x55);

    /// <summary>The model's colour; names the module does not know get the others in turn, by their index in the chart.</summary>
    public static OxyColor ForModel(string model, int index) =>
        Models.TryGetValue(model, out OxyColor color) ? color : Others[Math.Abs(index) % Others.Length];

    /// <summary>A series colour by position, for series that are not models.</summary>
    public static OxyColor ForIndex(int index) => index switch
    {
        0 => Models["Threads"],
        1 => Others[0],
        2 => Models["Processes"],
        3 => Models["EventLoop"],
        _ => Others[(index - 4) % Others.Length],
    };
}
