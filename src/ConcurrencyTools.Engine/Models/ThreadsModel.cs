using System.Threading;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>Dedicated OS threads, one per worker, taking tasks from a shared queue; waits block their thread.</summary>
internal sealed class ThreadsModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.Threads;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
        {
            var context = new BlockingTaskContext(state.Token);
            RunOnThreads(workers, "Threads worker", () => DrainQueue(state, context));
        });
}
