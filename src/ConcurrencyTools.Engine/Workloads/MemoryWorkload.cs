using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// Allocation-heavy work, after the GIL articles' "append random numbers to a list": each task appends
/// <see cref="WorkloadSpec.Iterations"/> pseudo-random numbers to a list of its own (which grows by
/// doubling, as Python's lists and .NET's do), then sums the list. The garbage collector's work shows
/// in the GC columns.
/// </summary>
internal sealed class MemoryWorkload : Workload
{
    public MemoryWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    // Fully optimized from the first call, as CpuWorkload.Sum is, so every model runs the same code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        long count = Spec.Iterations;
        long seed = (long)index << 40;
        var list = new List<long>();
        for (long k = 0; k < count; k++)
        {
            list.Add(Number(seed + k));
            if ((k & (CheckpointInterval - 1)) == CheckpointInterval - 1)
            {
                context.Checkpoint();
            }
        }

        long sum = 0;
        foreach (long value in list)
        {
            sum += value;
        }

        context.Checkpoint();
        return new ValueTask<long>(sum);
    }

    // The same numbers added up as they are generated, with no list at all.
    public override long ExpectedChecksum(int index)
    {
        long seed = (long)index << 40;
        long sum = 0;
        for (long k = 0; k < Spec.Iterations; k++)
        {
            sum += Number(seed + k);
        }

        return sum;
    }

    private static long Number(long key) => Mix(key) & 0xFFFFF;
}
