using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>Tasks that do nothing but return a distinct value: what a model costs on its own.</summary>
internal sealed class EmptyWorkload : Workload
{
    public EmptyWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override ValueTask<long> RunTaskAsync(int index, ITaskContext context) => new(Mix(index));

    public override long ExpectedChecksum(int index) => Mix(index);
}
