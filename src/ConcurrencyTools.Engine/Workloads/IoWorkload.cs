namespace ConcurrencyTools.Engine.Workloads;

/// <summary>I/O-bound work: each task waits <see cref="WorkloadSpec.DurationMs"/> and returns a value mixed from its index.</summary>
internal sealed class IoWorkload : SingleWaitWorkload
{
    public IoWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override int WaitMs => Spec.DurationMs;

    public override long BeforeWait(int index, ITaskContext context)
    {
        context.Checkpoint();
        return 0;
    }

    public override long AfterWait(int index, long beforeWait) => Mix(index);

    public override long ExpectedChecksum(int index) => Mix(index);
}
