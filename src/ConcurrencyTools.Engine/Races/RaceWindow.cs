namespace ConcurrencyTools.Engine.Races;

/// <summary>What a thread does between reading shared state and writing it back: the gap another thread can slip into.</summary>
public enum RaceWindow
{
    /// <summary>No gap beyond the instructions themselves.</summary>
    None,

    /// <summary><c>Thread.Yield()</c>: offers the core to another ready thread, as a time-slice end would.</summary>
    Yield,

    /// <summary><c>Thread.SpinWait</c> of 16 to 47 iterations (the number drawn from the seed): a short busy gap that keeps the core.</summary>
    SpinWait,

    /// <summary><c>Thread.Sleep(1)</c>: the thread leaves the core for about a millisecond, like the articles' <c>time.sleep(0.0001)</c>. Slow.</summary>
    Sleep,
}
