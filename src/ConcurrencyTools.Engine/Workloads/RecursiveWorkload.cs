using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// Call-heavy CPU work, the GIL articles' other CPU benchmark: each task computes Fibonacci of
/// <see cref="WorkloadSpec.Depth"/> by naive recursion (about 1.6^Depth calls).
/// </summary>
internal sealed class RecursiveWorkload : Workload
{
    // A checkpoint on every call would double the cost of a call; fib(20) is about 20,000 calls.
    private const int CheckpointDepth = 20;

    public RecursiveWorkload(WorkloadSpec spec)
        : base(spec)
    {
    }

    public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        long fib = Fibonacci(Spec.Depth, context);
        context.Checkpoint();
        return new ValueTask<long>(unchecked(fib + Mix(index)));
    }

    public override long ExpectedChecksum(int index)
    {
        long previous = 0;
        long current = 1;
        for (int i = 1; i < Spec.Depth; i++)
        {
            (previous, current) = (current, previous + current);
        }

        return unchecked(current + Mix(index));
    }

    // Fully optimized from the first call, as CpuWorkload.Sum is, so every model runs the same code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Fibonacci(int n, ITaskContext context)
    {
        if (n < 2)
        {
            return n;
        }

        if (n == CheckpointDepth)
        {
            context.Checkpoint();
        }

        return Fibonacci(n - 1, context) + Fibonacci(n - 2, context);
    }
}
