using System;
using System.Globalization;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// When the pool stops starting tasks: after a number of failed tasks, or once failed tasks make up a share of
/// the finished ones (judged from <see cref="MinimumFinishedForShare"/> finished tasks on, so one early failure
/// does not halt a run). Tasks that do not start are still reported, as skipped rows.
/// </summary>
public sealed class HaltPolicy
{
    /// <summary>How many tasks must have finished before a percentage is judged.</summary>
    public const int MinimumFinishedForShare = 10;

    private HaltPolicy(int? failures, double? percent)
    {
        Failures = failures;
        Percent = percent;
    }

    /// <summary>Halt once this many tasks have failed, or null.</summary>
    public int? Failures { get; }

    /// <summary>Halt once this percentage of finished tasks have failed, or null.</summary>
    public double? Percent { get; }

    /// <summary>Halt after <paramref name="failures"/> failed tasks.</summary>
    public static HaltPolicy AfterFailures(int failures)
    {
        ArgumentRange.Check("HaltAfter", failures, 1, int.MaxValue);
        return new HaltPolicy(failures, null);
    }

    /// <summary>Halt once <paramref name="percent"/> percent of the finished tasks have failed.</summary>
    public static HaltPolicy AfterPercent(double percent)
    {
        if (!(percent > 0 && percent <= 100))
        {
            throw new ArgumentOutOfRangeException("HaltAfter", percent, $"HaltAfter must be a count of at least 1 or a percentage above 0% and at most 100%; {percent.ToString(CultureInfo.InvariantCulture)}% is not.");
        }

        return new HaltPolicy(null, percent);
    }

    /// <summary>Reads <c>3</c> (failed tasks) or <c>10%</c> (share of finished tasks), in the invariant culture.</summary>
    public static HaltPolicy Parse(string text)
    {
        string trimmed = (text ?? string.Empty).Trim();
        if (trimmed.EndsWith('%') &&
            double.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double percent))
        {
            return AfterPercent(percent);
        }

        if (int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out int failures))
        {
            return AfterFailures(failures);
        }

        throw new ArgumentException($"HaltAfter must be a count of failed tasks (3) or a percentage of finished tasks (10%); '{text}' is neither.", "HaltAfter");
    }

    /// <summary>Whether the pool halts with <paramref name="failed"/> of <paramref name="finished"/> tasks failed.</summary>
    public bool ShouldHalt(long failed, long finished) =>
        Failures is int count
            ? failed >= count
            : finished >= MinimumFinishedForShare && failed * 100.0 >= Percent!.Value * finished;

    /// <summary>The policy as the parameter is written.</summary>
    public override string ToString() =>
        Failures is int count ? count.ToString(CultureInfo.InvariantCulture) : Percent!.Value.ToString(CultureInfo.InvariantCulture) + "%";
}
