using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// CPU-bound work: task <c>t</c> adds <c>(j*j) % 1000</c> for <c>j</c> over its own slice
/// <c>[t*Iterations, (t+1)*Iterations)</c> of one long range (strong scaling: the total is fixed), and
/// returns that sum plus a mix of <c>t</c>: with whole periods of 1000 every slice has the same sum,
/// so without the mix a task done twice and another skipped would leave the total unchanged.
/// </summary>
internal sealed class CpuWorkload : Workload
{
    private const int Period = 1000;
    private static readonly long[] PrefixSums = BuildPrefixSums();

    public CpuWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override ValueTask<long> RunTaskAsync(int index, ITaskContext context) =>
        new(unchecked(Sum(index * Spec.Iterations, Spec.Iterations, context) + Mix(index)));

    public override long ExpectedChecksum(int index) => unchecked(ExpectedSum(index * Spec.Iterations, Spec.Iterations) + Mix(index));

    /// <summary>Adds <c>(j*j) % 1000</c> for <c>j</c> in <c>[start, start + count)</c>, checkpointing as it goes.</summary>
    /// <remarks>
    /// Compiled fully optimized on first call: a worker process runs it only a few times, so with tiered
    /// compilation it would run unoptimized or on-stack-replaced code while the in-process models run
    /// tier-1 code. Every model must run the same machine code.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long Sum(long start, long count, ITaskContext context)
    {
        long j = start;
        long end = start + count;
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

        return sum;
    }

    /// <summary>The value of <see cref="Sum"/> from the period of <c>(j*j) % 1000</c>: full periods plus a prefix of one.</summary>
    internal static long ExpectedSum(long start, long count) => SumBelow(start + count) - SumBelow(start);

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
