using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>The context of the event loop: waits are awaited delays, which resume on the loop.</summary>
internal sealed class AsyncTaskContext : ITaskContext
{
    public AsyncTaskContext(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

    public CancellationToken CancellationToken { get; }

    public void Checkpoint() => CancellationToken.ThrowIfCancellationRequested();

    // On the loop thread a wait is one of the loop's own timers; elsewhere (never in this module's
    // runs, but the context may be handed on) a runtime timer.
    public ValueTask WaitAsync(int milliseconds) =>
        milliseconds <= 0 ? default
        : SynchronizationContext.Current is EventLoopSynchronizationContext { IsLoopThread: true } loop ? loop.Delay(milliseconds, CancellationToken)
        : new ValueTask(Task.Delay(milliseconds, CancellationToken));
}
