namespace ConcurrencyTools.Engine.Workloads;

/// <summary>The kinds of work a measurement runs: the same names as the -Workload parameter and the Workload column.</summary>
public enum WorkloadKind
{
    /// <summary>CPU-bound integer arithmetic: a loop of <c>sum += (i*i) % 1000</c>.</summary>
    Cpu,

    /// <summary>A simulated blocking I/O wait per task (a sleep, or an awaited delay in the async models).</summary>
    Io,

    /// <summary>Each task computes for a fraction of its size (<c>CpuFraction</c>) and waits for the rest.</summary>
    Mixed,

    /// <summary>Allocation-heavy: each task appends pseudo-random numbers to a list of its own, then sums it.</summary>
    Memory,

    /// <summary>CPU-bound, call-heavy: naive recursive Fibonacci of <c>Depth</c> per task.</summary>
    Recursive,
}
