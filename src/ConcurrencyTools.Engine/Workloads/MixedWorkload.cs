using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// Part compute, part wait: each task runs <see cref="WorkloadSpec.MixedIterations"/> iterations of
/// the Cpu loop over its own slice, then waits <see cref="WorkloadSpec.MixedDurationMs"/>. Sweeping
/// CpuFraction shows where threads under an interpreter lock stop paying off.
/// </summary>
internal sealed class MixedWorkload : Workload
{
    public MixedWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        long iterations = Spec.MixedIterations;
        long sum = CpuWorkload.Sum(index * iterations, iterations, context);
        await context.WaitAsync(Spec.MixedDurationMs);
        return unchecked(sum + Mix(index));
    }

    public override long ExpectedChecksum(int index)
    {
        long iterations = Spec.MixedIterations;
        return unchecked(CpuWorkload.ExpectedSum(index * iterations, iterations) + Mix(index));
    }
}
