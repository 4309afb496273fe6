using ConcurrencyTools.Engine.Workloads;
using System.Threading;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The baseline: one thread runs the tasks one after another, whatever the worker count. It is the
/// calling thread, as in plain sequential code: starting a thread would add a few hundred microseconds
/// to every run, which is not what running tasks one after another costs.
/// </summary>
internal sealed class SequentialModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.Sequential;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state => DrainQueue(state, new BlockingTaskContext(state.Token)));
}
