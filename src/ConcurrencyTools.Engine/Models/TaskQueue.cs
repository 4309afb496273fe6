using System.Threading;

namespace ConcurrencyTools.Engine.Models;

/// <summary>The shared queue of task indices that every worker takes from; lock-free.</summary>
internal sealed class TaskQueue
{
    private readonly int _count;
    private int _next = -1;

    public TaskQueue(int count) => _count = count;

    /// <summary>True once every task has been taken (a thread that finishes one then has none left to take).</summary>
    public bool IsDrained => Volatile.Read(ref _next) >= _count - 1;

    public bool TryTake(out int index)
    {
        index = Interlocked.Increment(ref _next);
        return index < _count;
    }
}
