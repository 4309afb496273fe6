namespace ConcurrencyTools.Engine.Statistics;

/// <summary>What limits a task list, judged from the CPU its runs used per worker (see <see cref="WorkloadBoundRule"/>).</summary>
public enum WorkloadBound
{
    /// <summary>Each worker computed most of the time: more workers help only up to the cores.</summary>
    CpuBound,

    /// <summary>Each worker mostly waited: more workers overlap the waits, beyond the cores.</summary>
    IoBound,

    /// <summary>In between: part computing, part waiting.</summary>
    Mixed,
}
