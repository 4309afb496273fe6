using System;

namespace ConcurrencyTools.Engine;

/// <summary>The one range check behind every size and count the cmdlets accept, so every such error reads alike.</summary>
internal static class ArgumentRange
{
    /// <summary>
    /// Throws an <see cref="ArgumentOutOfRangeException"/> naming <paramref name="name"/> (the parameter as the
    /// cmdlet calls it) unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>].
    /// NaN compares below every number, so it is rejected too.
    /// </summary>
    public static void Check<T>(string name, T value, T min, T max)
        where T : struct, IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}; {value} is not.");
        }
    }
}
