using ConcurrencyTools.Engine.Workloads;
using System.Threading;

namespace ConcurrencyTools.Engine.Models;

/// <summary>The baseline: one thread runs the tasks one after another, whatever the worker count.</summary>
internal sealed class SequentialModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.Sequential;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
            RunOnThreads(1, "Sequential", () => DrainQueue(state, new BlockingTaskContext(state.Token))));
}
