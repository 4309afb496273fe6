using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// CPU-bound work: task <c>t</c> adds <c>(j*j) % 1000</c> for <c>j</c> over its own slice
/// <c>[t*Iterations, (t+1)*Iterations)</c> of one long range (strong scaling: the total is fixed).
/// </summary>
internal sealed class CpuWorkload : Workload
{
    private const int Period = 1000;
    private static readonly long[] PrefixSums = BuildPrefixSums();

    public CpuWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        long iterations = Spec.Iterations;
        long j = index * iterations;
        long end = j + iterations;
        long sum = 0;
        while (j < end)
        {
            long stop = end - j > CheckpointInterval ? j + CheckpointInterval : end;
            for (; j < stop; j++)
            {
                // (j % 1000)^2 % 1000 equals (j*j) % 1000 and cannot overflow for any j.
                long r = j % Period;
                sum += r * r % Period;
            }

            context.Checkpoint();
        }

        return new ValueTask<long>(sum);
    }

    public override long ExpectedChecksum(int index)
    {
        long start = index * Spec.Iterations;
        return SumBelow(start + Spec.Iterations) - SumBelow(start);
    }

    // Closed form from the period of (j*j) % 1000: full periods plus a prefix of one.
    private static long SumBelow(long n) => (n / Period * PrefixSums[Period]) + PrefixSums[n % Period];

    private static long[] BuildPrefixSums()
    {
        var sums = new long[Period + 1];
        for (int r = 0; r < Period; r++)
        {
            sums[r + 1] = sums[r] + ((long)r * r % Period);
        }

        return sums;
    }
}
