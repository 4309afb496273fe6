namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// Part compute, part wait: each task runs <see cref="WorkloadSpec.MixedIterations"/> iterations of
/// the Cpu loop over its own slice, then waits <see cref="WorkloadSpec.MixedDurationMs"/>. Sweeping
/// CpuFraction shows where threads under an interpreter lock stop paying off.
/// </summary>
internal sealed class MixedWorkload : SingleWaitWorkload
{
    public MixedWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override int WaitMs => Spec.MixedDurationMs;

    public override long BeforeWait(int index, ITaskContext context)
    {
        long iterations = Spec.MixedIterations;
        return CpuWorkload.Sum(index * iterations, iterations, context);
    }

    public override long AfterWait(int index, long beforeWait) => unchecked(beforeWait + Mix(index));

    public override long ExpectedChecksum(int index)
    {
        long iterations = Spec.MixedIterations;
        return unchecked(CpuWorkload.ExpectedSum(index * iterations, iterations) + Mix(index));
    }
}
