namespace ConcurrencyTools.Engine.Races;

/// <summary>One line of a race test's histogram, as jcstress reports it: an outcome, how often it was seen, and whether it is allowed.</summary>
public sealed class RaceOutcome
{
    /// <summary>The scenario, so expanded outcomes of several results stay apart.</summary>
    public string Scenario { get; internal set; } = string.Empty;

    /// <summary>The strategy.</summary>
    public string Strategy { get; internal set; } = string.Empty;

    /// <summary>The outcome as text: the observed value, then any torn reads or exceptions, e.g. <c>397</c> or <c>2000, torn reads</c>.</summary>
    public string Outcome { get; internal set; } = string.Empty;

    /// <summary>The observed value: the final counter, the number of adds, or the final total.</summary>
    public long Observed { get; internal set; }

    /// <summary>Trials that ended in this outcome.</summary>
    public int Count { get; internal set; }

    /// <summary>Count / Trials, 0 to 1.</summary>
    public double Frequency { get; internal set; }

    /// <summary><c>Acceptable</c>, <c>Forbidden</c> (a race), <c>Exception</c> (threads threw but the value was right) or <c>TimedOut</c> (the trial ran out of time).</summary>
    public string Expectation { get; internal set; } = string.Empty;

    /// <summary>What the outcome means, e.g. <c>3 updates lost</c>.</summary>
    public string Description { get; internal set; } = string.Empty;
}
