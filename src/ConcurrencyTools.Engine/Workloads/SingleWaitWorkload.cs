using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// A task list whose every task works, waits once, and finishes (Io, Mixed). <see cref="RunTaskAsync"/> is
/// these three steps; the event loop takes them one at a time instead, so that a waiting task is not an
/// async method with its own state machine and continuation: with 100,000 tasks at once, allocating those
/// took longer than the wait itself (issue 24), and a wait that starts late ends late.
/// </summary>
internal abstract class SingleWaitWorkload : Workload
{
    protected SingleWaitWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    /// <summary>The wait of every task, in milliseconds; none when at most 0.</summary>
    public abstract int WaitMs { get; }

    public sealed override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        long beforeWait = BeforeWait(index, context);
        await context.WaitAsync(WaitMs);
        return AfterWait(index, beforeWait);
    }

    /// <summary>Task <paramref name="index"/>'s work before its wait; returns what <see cref="AfterWait"/> needs.</summary>
    public abstract long BeforeWait(int index, ITaskContext context);

    /// <summary>Task <paramref name="index"/>'s checksum, from what <see cref="BeforeWait"/> returned.</summary>
    public abstract long AfterWait(int index, long beforeWait);
}
