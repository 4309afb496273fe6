using System;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// A task list: <see cref="WorkloadSpec.Tasks"/> tasks, each returning a checksum. The checksums of a
/// run are added up (order does not matter) and compared with <see cref="ExpectedChecksum(int)"/>,
/// which is computed another way. Every task's checksum includes <see cref="Mix"/> of its index, so a
/// task done twice and another skipped changes the total: the total proves "each task exactly once".
/// </summary>
public abstract class Workload
{
    /// <summary>How many loop iterations CPU work runs between two checkpoints.</summary>
    internal const int CheckpointInterval = 4096;

    /// <summary>Creates the workload base.</summary>
    protected Workload(WorkloadSpec spec)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
    }

    /// <summary>The spec this task list was built from.</summary>
    public WorkloadSpec Spec { get; }

    /// <summary>Builds the task list of a spec.</summary>
    public static Workload Create(WorkloadSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.IsEmpty)
        {
            return new EmptyWorkload(spec);
        }

        return spec.Kind switch
        {
            WorkloadKind.Cpu => new CpuWorkload(spec),
            WorkloadKind.Io => new IoWorkload(spec),
            WorkloadKind.Mixed => new MixedWorkload(spec),
            WorkloadKind.Memory => new MemoryWorkload(spec),
            WorkloadKind.Recursive => new RecursiveWorkload(spec),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown workload."),
        };
    }

    /// <summary>Runs task <paramref name="index"/> and returns its checksum.</summary>
    public abstract ValueTask<long> RunTaskAsync(int index, ITaskContext context);

    /// <summary>The checksum task <paramref name="index"/> must return, computed without running it.</summary>
    public abstract long ExpectedChecksum(int index);

    /// <summary>The checksum of the whole task list; for large Memory task lists this takes a while, so it can be stopped.</summary>
    public long ExpectedChecksum(CancellationToken cancellationToken = default)
    {
        long total = 0;
        for (int i = 0; i < Spec.Tasks; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total = unchecked(total + ExpectedChecksum(i));
        }

        return total;
    }

    /// <summary>SplitMix64: a well-mixed value for an index, so checksums are not trivially equal.</summary>
    internal static long Mix(long value)
    {
        unchecked
        {
            ulong z = (ulong)value + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)(z ^ (z >> 31));
        }
    }
}
