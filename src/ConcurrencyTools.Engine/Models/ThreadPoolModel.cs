using System;
using System.Threading;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The .NET thread pool with at most Workers tasks in flight, like Python's ThreadPoolExecutor: each
/// task is a work item of its own, and each of the Workers slots queues its next task when one ends.
/// Waits block a pool thread, so with more workers than the pool's minimum thread count the pool grows
/// only as its starvation detection adds threads: that delay is real .NET behaviour and is measured.
/// </summary>
internal sealed class ThreadPoolModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.ThreadPool;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
        {
            var context = new BlockingTaskContext(state.Token);
            int slots = Math.Min(workers, workload.Spec.Tasks);
            using var done = new CountdownEvent(slots);
            void RunSlot(object? unused)
            {
                if (TryRunNext(state, context, onPoolThread: true))
                {
                    ThreadPool.UnsafeQueueUserWorkItem(RunSlot, null);
                }
                else
                {
                    done.Signal();
                }
            }

            for (int i = 0; i < slots; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(RunSlot, null);
            }

            // Items that start after a cancellation end their slot at once, so this wait ends promptly.
            done.Wait();

            // Every task has ended: the spans of pool threads that took no task after their last are read from here.
            state.ClosePoolSpans();
        });
}
