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

    public ValueTask WaitAsync(int milliseconds) =>
        milliseconds > 0 ? new ValueTask(Task.Delay(milliseconds, CancellationToken)) : default;
}
