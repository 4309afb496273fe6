using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>I/O-bound work: each task waits <see cref="WorkloadSpec.DurationMs"/> and returns a value mixed from its index.</summary>
internal sealed class IoWorkload : Workload
{
    public IoWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        context.Checkpoint();
        await context.WaitAsync(Spec.DurationMs);
        return Mix(index);
    }

    public override long ExpectedChecksum(int index) => Mix(index);
}
