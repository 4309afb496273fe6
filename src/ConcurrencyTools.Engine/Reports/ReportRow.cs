using System;
using System.Collections.Generic;
using System.Globalization;
using ConcurrencyTools.Engine.Rows;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// One input row of a report, read by property name: a live result object's scalar properties or a
/// row of <c>Import-Csv</c>, where every value is text. The accessors accept both.
/// </summary>
public sealed class ReportRow
{
    private readonly Dictionary<string, object?> _values;
    private readonly Dictionary<string, SpeedupInputProblem> _problems = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _where;

    /// <summary>
    /// Creates a row from its type name (for the "not drawn" list) and its property values. Numbers in text
    /// are read in <paramref name="culture"/> (the invariant culture when null) by <see cref="CellReader"/>'s rule;
    /// <paramref name="row"/> (1 for the first input row) names the row in messages.
    /// </summary>
    public ReportRow(string typeName, IEnumerable<KeyValuePair<string, object?>> values, CultureInfo? culture = null, int row = 0)
    {
        _where = row > 0 ? $"row {row.ToString(CultureInfo.InvariantCulture)}" : "a row";
        ArgumentNullException.ThrowIfNull(values);
        Culture = culture ?? CultureInfo.InvariantCulture;
        TypeName = typeName ?? string.Empty;
        _values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            _values[name] = value;
        }
    }

    /// <summary>The type the row came as, e.g. <c>ConcurrencyTools.Engine.Measurement.WorkloadMeasurement</c> or <c>CSV:...</c>.</summary>
    public string TypeName { get; }

    /// <summary>The culture numbers in text are read in.</summary>
    public CultureInfo Culture { get; }

    /// <summary>
    /// The text cells read as numbers that were not numbers in <see cref="Culture"/>, one per column, with
    /// the same error ids as Measure-Speedup's (e.g. InvalidElapsedMs); such a value is left out of the report.
    /// </summary>
    public IReadOnlyCollection<SpeedupInputProblem> Problems => _problems.Values;

    /// <summary>The property names of the row.</summary>
    public IEnumerable<string> Columns => _values.Keys;

    /// <summary>True when the row has the property (even if its value is empty).</summary>
    public bool Has(string column) => _values.ContainsKey(column);

    /// <summary>The cell as it came (a number or other scalar from a live object, text from a CSV file), or null when absent.</summary>
    public object? Value(string column) => _values.TryGetValue(column, out object? value) ? value : null;

    /// <summary>The value as text, or null when absent or empty.</summary>
    public string? Text(string column)
    {
        if (!_values.TryGetValue(column, out object? value) || value is null)
        {
            return null;
        }

        string text = value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty;
        return text.Length == 0 ? null : text;
    }

    /// <summary>The value as a finite number, or null. Text is read in <see cref="Culture"/>; text that is not a number there is a problem.</summary>
    public double? Number(string column)
    {
        if (!_values.TryGetValue(column, out object? value) || value is null)
        {
            return null;
        }

        double? number = value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            IConvertible c when value is not string && value is not bool && value is not DateTime => c.ToDouble(CultureInfo.InvariantCulture),
            string s when s.Trim().Length == 0 => null,
            string s when CellReader.TryReadNumber(s, Culture, out double parsed) => parsed,
            string s => NotANumber(column, s),
            _ => null,
        };
        return number is { } n && double.IsFinite(n) ? n : null;
    }

    /// <summary>The value as a whole number, or null.</summary>
    public int? Integer(string column) =>
        Number(column) is { } n && n >= int.MinValue && n <= int.MaxValue && Math.Abs(n - Math.Round(n)) < 1e-9 ? (int)Math.Round(n) : null;

    /// <summary>The value as a boolean (True/False, or their text), or null.</summary>
    public bool? Boolean(string column) => _values.TryGetValue(column, out object? value) switch
    {
        false => null,
        true when value is bool b => b,
        true when value is string s && bool.TryParse(s.Trim(), out bool parsed) => parsed,
        _ => null,
    };

    /// <summary>The value as a point in time, or null. Text is read in the invariant culture first (as PowerShell writes it), then round-trip ISO 8601.</summary>
    public DateTimeOffset? Time(string column)
    {
        if (!_values.TryGetValue(column, out object? value) || value is null)
        {
            return null;
        }

        return value switch
        {
            DateTimeOffset o => o,
            DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d),
            string s when DateTimeOffset.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out DateTimeOffset parsed) => parsed,
            _ => null,
        };
    }

    private double? NotANumber(string column, string text)
    {
        _problems.TryAdd(column, new SpeedupInputProblem(column, text, "is not a number",
            CellReader.NotANumber(column, text, _where, Culture, "the value is left out of the report.")));
        return null;
    }
}
