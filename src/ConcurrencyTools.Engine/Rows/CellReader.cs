using System.Globalization;

namespace ConcurrencyTools.Engine.Rows;

/// <summary>
/// The one rule for numbers in the text cells of rows (an Import-Csv of results), shared by every cmdlet
/// that reads rows back: Measure-Speedup, Measure-Scalability and Export-ConcurrencyReport. Text is read
/// in one culture (Export-Csv writes numbers in the current culture): a decimal separator and a sign,
/// never a thousands separator, so <c>1001,5</c> is 1001.5 under de-DE and an error under en-US, never 10015.
/// </summary>
public static class CellReader
{
    /// <summary>What a number in text may contain: sign, decimal separator, exponent, surrounding white space.</summary>
    public const NumberStyles NumberStyle = NumberStyles.Float;

    /// <summary>Reads <paramref name="text"/> as a number in <paramref name="culture"/>.</summary>
    public static bool TryReadNumber(string text, CultureInfo culture, out double value) =>
        double.TryParse(text, NumberStyle, culture, out value);

    /// <summary>"the invariant culture" or "culture de-DE", for messages.</summary>
    public static string Describe(CultureInfo culture) =>
        culture.Name.Length == 0 ? "the invariant culture" : $"culture {culture.Name}";

    /// <summary>
    /// The message for text that is not a number in <paramref name="culture"/>: names the column, the value,
    /// where it is, the separators expected, what happens to it, and -Culture as the way out.
    /// </summary>
    public static string NotANumber(string column, string text, string where, CultureInfo culture, string consequence) =>
        $"{column} '{text}' of {where} is not a number in {Describe(culture)} (decimal separator '{culture.NumberFormat.NumberDecimalSeparator}', no thousands separator); " +
        $"{consequence} If the file was written under another culture, name it with -Culture.";
}
