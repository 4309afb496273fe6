using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>A task context whose checkpoint and waits do nothing: tasks run bare, with no model around them.</summary>
internal sealed class NoOpTaskContext : ITaskContext
{
    public static readonly NoOpTaskContext Instance = new();

    public CancellationToken CancellationToken => CancellationToken.None;

    public void Checkpoint()
    {
    }

    public ValueTask WaitAsync(int milliseconds) => default;
}
