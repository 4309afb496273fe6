namespace ConcurrencyTools.Engine.Races;

/// <summary>What one thread saw and did in one trial, kept in its own slot so threads never share a counter of their own.</summary>
internal struct ThreadTally
{
    /// <summary>Acts the thread believes it did (CheckThenAct: keys it added).</summary>
    public long Acts;

    /// <summary>Audits that saw a total other than the expected one.</summary>
    public long TornReads;

    /// <summary>Exceptions the thread threw (it stops its trial at the first).</summary>
    public int Exceptions;

    public string? FirstError;

    /// <summary>Stopwatch timestamps of the thread's first and last operation.</summary>
    public long StartTicks;

    public long EndTicks;
}
