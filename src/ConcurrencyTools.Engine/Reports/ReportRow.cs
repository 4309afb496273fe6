using System;
using System.Collections.Generic;
using System.Globalization;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// One input row of a report, read by property name: a live result object's scalar properties or a
/// row of <c>Import-Csv</c>, where every value is text. The accessors accept both.
/// </summary>
public sealed class ReportRow
{
    private readonly Dictionary<string, object?> _values;

    /// <summary>Creates a row from its type name (for the "not drawn" list) and its property values.</summary>
    public ReportRow(string typeName, IEnumerable<KeyValuePair<string, object?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        TypeName = typeName ?? string.Empty;
        _values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            _values[name] = value;
        }
    }

    /// <summary>The type the row came as, e.g. <c>ConcurrencyTools.Engine.Measurement.WorkloadMeasurement</c> or <c>CSV:...</c>.</summary>
    public string TypeName { get; }

    /// <summary>The property names of the row.</summary>
    public IEnumerable<string> Columns => _values.Keys;

    /// <summary>True when the row has the property (even if its value is empty).</summary>
    public bool Has(string column) => _values.ContainsKey(column);

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

    /// <summary>The value as a finite number, or null. Text is read in the invariant culture, as PowerShell writes it to CSV.</summary>
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
            string s when double.TryParse(s.Trim(), NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out double parsed) => parsed,
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
}
