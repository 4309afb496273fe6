using System.Threading;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The .NET thread pool with at most Workers work items in flight. Waits block a pool thread, so with
/// more workers than the pool's minimum thread count the pool grows only as its starvation detection
/// adds threads: that delay is real .NET behaviour and is measured, not hidden.
/// </summary>
internal sealed class ThreadPoolModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.ThreadPool;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
        {
            var context = new BlockingTaskContext(state.Token);
            using var done = new CountdownEvent(workers);
            for (int i = 0; i < workers; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(
                    _ =>
                    {
                        try
                        {
                            DrainQueue(state, context);
                        }
                        finally
                        {
                            done.Signal();
                        }
                    },
                    null);
            }

            // Queued items that start after a cancellation return at once, so this wait ends promptly.
            done.Wait();
        });
}
