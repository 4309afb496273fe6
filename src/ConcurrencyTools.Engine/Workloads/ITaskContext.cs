using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// What a task may do besides computing: each execution model supplies its own context, so the same
/// workload code runs unchanged under every model (a sleep for threads, an awaited delay on the event
/// loop, a released interpreter lock under GilThreads).
/// </summary>
public interface ITaskContext
{
    /// <summary>The token that stops the run.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// Called by CPU loops every few thousand iterations: it observes cancellation, and under
    /// GilThreads it is where a holder hands the lock over when asked (CPython's eval breaker).
    /// </summary>
    void Checkpoint();

    /// <summary>A blocking I/O wait of the given length; completes synchronously except on the event loop.</summary>
    ValueTask WaitAsync(int milliseconds);
}
