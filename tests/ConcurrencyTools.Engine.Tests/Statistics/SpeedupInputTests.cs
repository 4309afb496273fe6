using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>How Measure-Speedup reads the cells of a row, live or from a CSV file of any culture.</summary>
public class SpeedupInputTests
{
    private static (SpeedupSample Sample, SpeedupInputProblem[] Problems) Read(
        string culture, object? elapsedMs, object? workers = null, object? tasks = null, object? run = null, string? model = "Threads", object? verified = null, string? error = null)
    {
        var reader = new SpeedupInputReader(CultureInfo.GetCultureInfo(culture));
        var (sample, problems) = reader.Read(7, "host", "Cpu", tasks ?? 8, "Iterations=1", model, workers ?? 2, run ?? 3, elapsedMs, verified, error);
        return (sample, problems.ToArray());
    }

    [Theory]
    [InlineData("de-DE", "1001,5", 1001.5)]
    [InlineData("fr-FR", "1001,5", 1001.5)]
    [InlineData("en-US", "1001.5", 1001.5)]
    [InlineData("", "1001.5", 1001.5)]
    [InlineData("de-DE", "1001", 1001.0)]
    [InlineData("en-US", " 2.5E+3 ", 2500.0)]
    public void TimesAreReadInTheGivenCulture(string culture, string text, double expected)
    {
        var (sample, problems) = Read(culture, text);
        Assert.Empty(problems);
        Assert.True(sample.Valid);
        Assert.Equal(expected, sample.ElapsedMs);
    }

    [Theory]
    // What a comma-decimal file holds, read as en-US: 10015 by PowerShell's binder, an error here.
    [InlineData("en-US", "1001,5")]
    [InlineData("", "1001,5")]
    // A thousands separator is never taken: is it 1.001 or 1001?
    [InlineData("de-DE", "1.001")]
    [InlineData("en-US", "1,001.5")]
    [InlineData("en-US", "abc")]
    public void ATimeThatCannotBeReadUnambiguouslyIsAnError(string culture, string text)
    {
        var (sample, problems) = Read(culture, text);
        Assert.False(sample.Valid);
        Assert.Equal("ElapsedMs is not a number", sample.ExcludedReason);
        SpeedupInputProblem problem = Assert.Single(problems);
        Assert.Equal("InvalidElapsedMs", problem.ErrorId);
        Assert.Equal(text, problem.Value);
        Assert.StartsWith($"ElapsedMs '{text}' of row 7 (Threads x2 run 3) is not a number in ", problem.Message);
        Assert.EndsWith("no thousands separator); the run is excluded. If the file was written under another culture, name it with -Culture.", problem.Message);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("ar-SA")]
    [InlineData("fr-CH")]
    [InlineData("en-IN")]
    public void WhatACultureWritesItReadsBack(string culture)
    {
        // Export-Csv writes a double with ToString() in the current culture.
        foreach (double value in new[] { 1001.5, 0.0001234, 123456789.125, 3.5e-7 })
        {
            string text = value.ToString(CultureInfo.GetCultureInfo(culture));
            var (sample, problems) = Read(culture, text);
            Assert.Empty(problems);
            Assert.Equal(value, sample.ElapsedMs);
        }
    }

    [Theory]
    [InlineData("2.5", "Workers", "is not a whole number")]
    [InlineData("3.5", "Workers", "is not a whole number")]
    [InlineData(2.5, "Workers", "is not a whole number")]
    [InlineData("abc", "Workers", "is not a whole number")]
    [InlineData("0", "Workers", "is not at least 1")]
    [InlineData(0, "Workers", "is not at least 1")]
    [InlineData(-1, "Workers", "is not at least 1")]
    [InlineData("", "Workers", "is empty")]
    [InlineData("1,0", "Workers", "is not a whole number")]
    [InlineData("99999999999", "Workers", "is too large")]
    [InlineData("2147483648", "Workers", "is too large")]
    [InlineData(9e18, "Workers", "is not a whole number")]
    [InlineData(float.NaN, "Workers", "is not a whole number")]
    public void WorkersMustBeAWholeNumberOfAtLeastOne(object value, string column, string reason)
    {
        var (sample, problems) = Read("de-DE", 100.0, workers: value);
        Assert.False(sample.Valid);
        Assert.Equal(0, sample.Workers);
        Assert.Equal($"{column} {reason}", sample.ExcludedReason);
        SpeedupInputProblem problem = Assert.Single(problems);
        Assert.Equal("Invalid" + column, problem.ErrorId);
        Assert.Contains("row 7", problem.Message);
        Assert.Contains(column, problem.Message);
    }

    [Theory]
    [InlineData("4", 4)]
    [InlineData(" 4 ", 4)]
    [InlineData(4, 4)]
    [InlineData(4L, 4)]
    [InlineData(4.0, 4)]
    [InlineData(4.0f, 4)]
    [InlineData((short)4, 4)]
    [InlineData((byte)4, 4)]
    [InlineData(4u, 4)]
    [InlineData("1", 1)]
    [InlineData(1, 1)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData(2147483647L, int.MaxValue)]
    public void WholeWorkerCountsAreRead(object value, int expected)
    {
        var (sample, problems) = Read("en-US", 100.0, workers: value);
        Assert.Empty(problems);
        Assert.Equal(expected, sample.Workers);
    }

    [Fact]
    public void ADecimalWorkerCountIsReadWhenItIsWhole()
    {
        // A decimal cell (a [decimal] column of a live object) is whole or not, and beyond long's range it is not a count.
        var (whole, wholeProblems) = Read("en-US", 100.0, workers: 4m);
        Assert.Empty(wholeProblems);
        Assert.Equal(4, whole.Workers);

        foreach (object value in new object[] { 4.5m, -0.5m, 1e20m, new object() })
        {
            var (sample, problems) = Read("en-US", 100.0, workers: value);
            Assert.Equal("Workers is not a whole number", sample.ExcludedReason);
            Assert.Equal("InvalidWorkers", Assert.Single(problems).ErrorId);
        }
    }

    [Fact]
    public void ADecimalCountEndsBeforeLongsLargestValue()
    {
        // Just below long.MaxValue a whole decimal is a long, too large for a count; long.MaxValue itself is
        // past the end, like 1e20m, and so is its negative: not a whole number.
        var (below, belowProblems) = Read("en-US", 100.0, workers: 9223372036854775806m);
        Assert.Equal("Workers is too large", below.ExcludedReason);
        Assert.Equal("Workers 9223372036854775806 of row 7 is too large; the run is excluded.", Assert.Single(belowProblems).Message);

        foreach (decimal value in new[] { 9223372036854775807m, -9223372036854775807m })
        {
            var (sample, problems) = Read("en-US", 100.0, workers: value);
            Assert.Equal("Workers is not a whole number", sample.ExcludedReason);
            Assert.Equal("InvalidWorkers", Assert.Single(problems).ErrorId);
        }
    }

    private sealed class NoText
    {
        public override string ToString() => null!;
    }

    [Fact]
    public void ACellWhoseTextIsNullIsShownEmpty()
    {
        // Convert.ToString returns what ToString returns, null included; the message shows nothing for it.
        var (sample, problems) = Read("en-US", 100.0, workers: new NoText());
        Assert.Equal("Workers is not a whole number", sample.ExcludedReason);
        Assert.Equal("Workers '' of row 7 is not a whole number; the run is excluded.", Assert.Single(problems).Message);
    }

    [Fact]
    public void BadTasksAndRunCellsExcludeTheRunAndEmptyOnesAreNotGiven()
    {
        var (tasks, tasksProblems) = Read("en-US", 100.0, tasks: "abc");
        Assert.False(tasks.Valid);
        Assert.Equal("InvalidTasks", Assert.Single(tasksProblems).ErrorId);

        var (run, runProblems) = Read("en-US", 100.0, run: "five");
        Assert.False(run.Valid);
        Assert.Equal("Run is not a whole number", run.ExcludedReason);
        Assert.Equal("InvalidRun", Assert.Single(runProblems).ErrorId);

        var (negative, negativeProblems) = Read("en-US", 100.0, run: -2);
        Assert.False(negative.Valid);
        Assert.Equal("InvalidRun", Assert.Single(negativeProblems).ErrorId);

        var (empty, emptyProblems) = Read("en-US", 100.0, tasks: string.Empty, run: " ");
        Assert.Empty(emptyProblems);
        Assert.True(empty.Valid);
        Assert.Equal((0, 0), (empty.Tasks, empty.Run));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void AnEmptyTimeIsAnErrorNotZero(string? value)
    {
        var (sample, problems) = Read("en-US", value);
        Assert.False(sample.Valid);
        Assert.Equal("ElapsedMs is empty", sample.ExcludedReason);
        Assert.Equal("InvalidElapsedMs", Assert.Single(problems).ErrorId);
    }

    [Fact]
    public void ANonPositiveTimeIsAnErrorOnlyInARunThatDidNotFail()
    {
        var (zero, zeroProblems) = Read("en-US", 0.0);
        Assert.False(zero.Valid);
        Assert.Equal("ElapsedMs is not a positive time", zero.ExcludedReason);
        Assert.Contains("ElapsedMs 0 of row 7 (Threads x2 run 3) is not a positive time", Assert.Single(zeroProblems).Message);

        var (failed, failedProblems) = Read("en-US", 0.0, error: "InvalidOperationException: boom");
        Assert.Empty(failedProblems);
        Assert.False(failed.Valid);
        Assert.Equal("failed", failed.ExcludedReason);
    }

    [Theory]
    [InlineData("False", null, "not verified")]
    [InlineData(false, null, "not verified")]
    [InlineData(" true ", "", null)]
    [InlineData(true, null, null)]
    [InlineData(null, null, null)]
    [InlineData("", null, null)]
    public void VerifiedAndErrorDecideWhetherARunCounts(object? verified, string? error, string? reason)
    {
        var (sample, problems) = Read("en-US", 10.0, verified: verified, error: error);
        Assert.Empty(problems);
        Assert.Equal(reason is null, sample.Valid);
        Assert.Equal(reason, sample.ExcludedReason);
    }

    [Fact]
    public void AVerifiedCellThatIsNeitherIsAnError()
    {
        var (sample, problems) = Read("en-US", 10.0, verified: "maybe");
        Assert.False(sample.Valid);
        SpeedupInputProblem problem = Assert.Single(problems);
        Assert.Equal("InvalidVerified", problem.ErrorId);
        Assert.Equal("maybe", problem.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void AnEmptyModelIsAnError(string? model)
    {
        var (sample, problems) = Read("en-US", 10.0, model: model);
        Assert.False(sample.Valid);
        Assert.Equal("Model is empty", sample.ExcludedReason);
        Assert.Equal("InvalidModel", Assert.Single(problems).ErrorId);
    }

    [Fact]
    public void EveryBadCellOfARowIsReported()
    {
        var (sample, problems) = Read("en-US", "x", workers: "y", tasks: "z", run: "w", model: string.Empty, verified: "v");
        Assert.False(sample.Valid);
        Assert.Equal(new[] { "InvalidModel", "InvalidWorkers", "InvalidTasks", "InvalidRun", "InvalidElapsedMs", "InvalidVerified" }, problems.Select(p => p.ErrorId));
    }
}
