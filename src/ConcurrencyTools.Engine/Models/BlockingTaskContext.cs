using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>The context of the thread-based models: waits block the calling thread.</summary>
internal sealed class BlockingTaskContext : ITaskContext
{
    public BlockingTaskContext(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

    public CancellationToken CancellationToken { get; }

    public void Checkpoint() => CancellationToken.ThrowIfCancellationRequested();

    public ValueTask WaitAsync(int milliseconds)
    {
        BlockingWait(milliseconds, CancellationToken);
        return default;
    }

    /// <summary>A sleep that ends early, with an exception, when the token is cancelled.</summary>
    internal static void BlockingWait(int milliseconds, CancellationToken cancellationToken)
    {
        if (milliseconds > 0 && cancellationToken.WaitHandle.WaitOne(milliseconds))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
