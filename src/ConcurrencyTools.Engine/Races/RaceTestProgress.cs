namespace ConcurrencyTools.Engine.Races;

/// <summary>Reported before each round of trials (one trial of every scenario and strategy).</summary>
public sealed record RaceTestProgress(int Round, bool Warmup, long TrialsDone, long TotalTrials)
{
    /// <summary>Share of the trials done, 0 to 100.</summary>
    public int PercentComplete => TotalTrials == 0 ? 100 : (int)(100L * TrialsDone / TotalTrials);

    /// <summary>A line for progress and -Verbose.</summary>
    public string Describe() => Warmup ? $"Warm-up trial {Round}" : $"Trial {Round}";
}
