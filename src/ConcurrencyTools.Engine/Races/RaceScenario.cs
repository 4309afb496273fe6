namespace ConcurrencyTools.Engine.Races;

/// <summary>What the threads of a race test do to their shared state.</summary>
public enum RaceScenario
{
    /// <summary>Every thread increments one shared counter (read, modify, write); the final value must be Threads x Increments.</summary>
    Counter,

    /// <summary>Every thread adds the same keys if absent; each key must be added exactly once, with no exception.</summary>
    CheckThenAct,

    /// <summary>Threads move units between two accounts and audit their total; the total must never change, not even for a moment.</summary>
    Transfer,
}
