namespace ConcurrencyTools.Engine.Races;

/// <summary>How the threads of a race test protect their shared state.</summary>
public enum RaceStrategy
{
    /// <summary>Nothing: plain fields and a plain <c>Dictionary</c>.</summary>
    None,

    /// <summary><c>Volatile.Read</c> and <c>Volatile.Write</c>: every access is visible, yet read-modify-write is still not atomic.</summary>
    Volatile,

    /// <summary><c>Interlocked</c>: <c>Increment</c>, or a <c>CompareExchange</c> retry loop when the update has a race window or two fields (packed into one 64-bit word).</summary>
    Interlocked,

    /// <summary>The C# <c>lock</c> statement (<c>Monitor.Enter</c> and <c>Exit</c>).</summary>
    Lock,

    /// <summary><c>System.Threading.SpinLock</c>: busy-waits instead of blocking.</summary>
    SpinLock,

    /// <summary><c>System.Threading.Mutex</c>: an operating-system mutex.</summary>
    Mutex,

    /// <summary><c>SemaphoreSlim(1, 1)</c> used as a lock.</summary>
    SemaphoreSlim,

    /// <summary><c>ReaderWriterLockSlim</c>: the write lock for updates, the read lock for audits.</summary>
    ReaderWriterLockSlim,

    /// <summary><c>ConcurrentDictionary</c>: <c>AddOrUpdate</c> and <c>TryAdd</c>, each atomic on its own.</summary>
    ConcurrentDictionary,
}
