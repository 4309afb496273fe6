using System;
using System.Collections.Generic;
using System.Globalization;
using ConcurrencyTools.Engine.Rows;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// Reads the cells of one run, from live objects (numbers) or from a CSV file (text), into a
/// <see cref="SpeedupSample"/>. Numbers in text follow <see cref="CellReader"/>'s rule, in one culture
/// (Export-Csv writes numbers in the current culture, so that is the default). Every row comes out as a
/// sample: one whose cells cannot be used is not Valid, says why, and comes with its problems.
/// </summary>
public sealed class SpeedupInputReader
{
    private const NumberStyles CountStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign;

    /// <summary>Creates a reader of text in <paramref name="culture"/>.</summary>
    public SpeedupInputReader(CultureInfo culture)
    {
        Culture = culture ?? throw new ArgumentNullException(nameof(culture));
    }

    /// <summary>The culture numbers in text are read in.</summary>
    public CultureInfo Culture { get; }

    /// <summary>
    /// Reads row <paramref name="row"/> (1 for the first input object). Counts must be whole numbers,
    /// Workers at least 1, Tasks and Run not negative (empty Tasks or Run: not given, 0); ElapsedMs must
    /// be a number, and positive in a run that did not fail; Verified True or False (empty: True).
    /// </summary>
    public (SpeedupSample Sample, IReadOnlyList<SpeedupInputProblem> Problems) Read(
        int row, string? machineName, string? workload, object? tasks, string? taskSize, string? model, object? workers, object? run, object? elapsedMs, object? verified, string? error)
    {
        var problems = new List<SpeedupInputProblem>();
        string label = $"row {row.ToString(CultureInfo.InvariantCulture)}";
        string name = Text(workload, "Workload", label, problems);
        string modelName = Text(model, "Model", label, problems);
        int workerCount = Count(workers, "Workers", minimum: 1, required: true, label, problems);
        int taskCount = Count(tasks, "Tasks", minimum: 0, required: false, label, problems);
        int runNumber = Count(run, "Run", minimum: 0, required: false, label, problems);
        label = $"{label} ({modelName} x{workerCount.ToString(CultureInfo.InvariantCulture)} run {runNumber.ToString(CultureInfo.InvariantCulture)})";
        double? time = Time(elapsedMs, label, problems);
        bool? isVerified = Verified(verified, label, problems);

        string? reason = problems.Count > 0 ? $"{problems[0].Column} {problems[0].Reason}"
            : !string.IsNullOrEmpty(error) ? "failed"
            : isVerified == false ? "not verified"
            : null;
        if (reason is null && !(time > 0 && double.IsFinite(time.Value)))
        {
            string shown = time!.Value.ToString(CultureInfo.InvariantCulture);
            problems.Add(new SpeedupInputProblem("ElapsedMs", elapsedMs, "is not a positive time", $"ElapsedMs {shown} of {label} is not a positive time; the run is excluded."));
            reason = "ElapsedMs is not a positive time";
        }

        var sample = new SpeedupSample(machineName ?? string.Empty, name, taskCount, taskSize ?? string.Empty, modelName, workerCount, runNumber, time ?? 0, reason is null, reason);
        return (sample, problems);
    }

    private static string Text(string? value, string column, string label, List<SpeedupInputProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(new SpeedupInputProblem(column, value, "is empty", $"{column} of {label} is empty; the run is excluded."));
            return string.Empty;
        }

        return value.Trim();
    }

    private int Count(object? value, string column, int minimum, bool required, string label, List<SpeedupInputProblem> problems)
    {
        long? parsed = value switch
        {
            null => null,
            string text when string.IsNullOrWhiteSpace(text) => null,
            string text => long.TryParse(text, CountStyle, Culture, out long number) ? number : Whole(double.NaN),
            int number => number,
            long number => number,
            short number => number,
            byte number => number,
            uint number => number,
            double number => Whole(number),
            float number => Whole(number),
            decimal number => decimal.Truncate(number) == number && Math.Abs(number) < long.MaxValue ? (long)number : Whole(double.NaN),
            _ => Whole(double.NaN),
        };
        if (parsed is null)
        {
            if (required)
            {
                problems.Add(new SpeedupInputProblem(column, value, "is empty", $"{column} of {label} is empty; the run is excluded."));
            }

            return 0;
        }

        if (parsed == long.MinValue)
        {
            problems.Add(new SpeedupInputProblem(column, value, "is not a whole number", $"{column} '{Show(value)}' of {label} is not a whole number; the run is excluded."));
            return 0;
        }

        if (parsed > int.MaxValue)
        {
            problems.Add(new SpeedupInputProblem(column, value, "is too large", $"{column} {Show(value)} of {label} is too large; the run is excluded."));
            return 0;
        }

        if (parsed < minimum)
        {
            problems.Add(new SpeedupInputProblem(column, value, $"is not at least {minimum}", $"{column} {Show(value)} of {label} must be at least {minimum}; the run is excluded."));
            return 0;
        }

        return (int)parsed.Value;
    }

    // long.MinValue marks a value that is not a whole number (no real count is that negative).
    private static long Whole(double number) =>
        double.IsFinite(number) && Math.Floor(number) == number && Math.Abs(number) < 9e18 ? (long)number : long.MinValue;

    private double? Time(object? value, string label, List<SpeedupInputProblem> problems)
    {
        switch (value)
        {
            case double number:
                return number;
            case float number:
                return number;
            case decimal number:
                return (double)number;
            case int or long or short or byte or uint:
                return Convert.ToDouble(value, CultureInfo.InvariantCulture);
            case string text when !string.IsNullOrWhiteSpace(text):
                if (CellReader.TryReadNumber(text, Culture, out double parsed))
                {
                    return parsed;
                }

                problems.Add(new SpeedupInputProblem("ElapsedMs", value, "is not a number", CellReader.NotANumber("ElapsedMs", text, label, Culture, "the run is excluded.")));
                return null;
            default:
                problems.Add(new SpeedupInputProblem("ElapsedMs", value, "is empty", $"ElapsedMs of {label} is empty or not a number; the run is excluded."));
                return null;
        }
    }

    /// <summary>
    /// Reads an optional figure of row <paramref name="row"/> (CpuTimeMs, LogicalCores, StartupMs): a number,
    /// or its text in <see cref="Culture"/>; empty is missing. A cell that is not a finite number is a problem
    /// naming the column, and the figure is missing; the run itself stays valid.
    /// </summary>
    public (double? Value, SpeedupInputProblem? Problem) ReadOptional(int row, string column, object? value)
    {
        double? number = value switch
        {
            null => null,
            string text when string.IsNullOrWhiteSpace(text) => null,
            string text => CellReader.TryReadNumber(text, Culture, out double parsed) ? parsed : double.NaN,
            double or float or decimal or int or long or short or byte or uint => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            _ => double.NaN,
        };
        if (number is { } figure && !double.IsFinite(figure))
        {
            string culture = CellReader.Describe(Culture);
            return (null, new SpeedupInputProblem(
                column,
                value,
                "is not a number",
                $"{column} '{Show(value)}' of row {row.ToString(CultureInfo.InvariantCulture)} is not a number in {culture}; the run is read without it."));
        }

        return (number, null);
    }

    private static bool? Verified(object? value, string label, List<SpeedupInputProblem> problems)
    {
        switch (value)
        {
            case null:
                return true; // Rows that do not say are taken as verified.
            case bool flag:
                return flag;
            case string text when string.IsNullOrWhiteSpace(text):
                return true;
            case string text when bool.TryParse(text.Trim(), out bool parsed):
                return parsed;
            default:
                problems.Add(new SpeedupInputProblem("Verified", value, "is not True or False", $"Verified must be True or False; '{value}' of {label} is neither, so the run is excluded."));
                return null;
        }
    }

    private static string Show(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
}
