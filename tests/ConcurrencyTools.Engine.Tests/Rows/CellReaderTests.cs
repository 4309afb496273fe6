using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Reports;
using ConcurrencyTools.Engine.Rows;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>One rule for numbers in text cells, the same for Measure-Speedup's reader and the report's rows.</summary>
public class CellReaderTests
{
    private static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");

    private static ReportRow Row(string elapsed, CultureInfo? culture) =>
        new("CSV:Run", new Dictionary<string, object?> { ["ElapsedMs"] = elapsed, ["Workers"] = "2", ["Speedup"] = "" }, culture, row: 4);

    [Fact]
    public void AReportRowReadsACellOfAnotherCultureWithThatCulture()
    {
        ReportRow row = Row("1001,5", German);
        Assert.Equal(1001.5, row.Number("ElapsedMs"));
        Assert.Equal(2, row.Integer("Workers"));
        Assert.Null(row.Number("Speedup"));
        Assert.Empty(row.Problems);
    }

    [Fact]
    public void AReportRowNamesACellOfAnotherCultureInsteadOfReadingIt10xOff()
    {
        // The invariant culture took the comma for a thousands separator: 1001,5 became 10015.
        foreach (CultureInfo culture in new[] { CultureInfo.InvariantCulture, CultureInfo.GetCultureInfo("en-US") })
        {
            ReportRow row = Row("1001,5", culture);
            Assert.Null(row.Number("ElapsedMs"));
            Assert.Null(row.Number("ElapsedMs"));
            SpeedupInputProblem problem = Assert.Single(row.Problems);
            Assert.Equal("InvalidElapsedMs", problem.ErrorId);
            Assert.Equal("1001,5", problem.Value);
            Assert.StartsWith("ElapsedMs '1001,5' of row 4 is not a number in ", problem.Message);
            Assert.EndsWith("name it with -Culture.", problem.Message);
        }

        Assert.Null(Row("1.001,5", German).Number("ElapsedMs"));
        Assert.Null(Row("1001.5", German).Number("ElapsedMs"));
    }

    [Fact]
    public void TheReportAndMeasureSpeedupReadTheSameCellAlike()
    {
        foreach (string text in new[] { "1001,5", "1001.5", "1,001.5", " 7 ", "-3e2", "abc" })
        {
            foreach (CultureInfo culture in new[] { CultureInfo.InvariantCulture, German })
            {
                var (sample, problems) = new SpeedupInputReader(culture).Read(4, "m", "Cpu", "4", "", "Threads", "2", "1", text, "True", null);
                double? fromReport = Row(text, culture).Number("ElapsedMs");
                double? fromSpeedup = problems.Any(p => p.Column == "ElapsedMs" && p.Reason == "is not a number") ? null : sample.ElapsedMs;
                Assert.Equal(fromSpeedup, fromReport);
                Assert.Equal(CellReader.TryReadNumber(text, culture, out double direct) ? direct : null, fromReport);
            }
        }
    }
}
