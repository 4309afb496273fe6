using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The calling thread's CPU time for the item driver (see <see cref="ItemTimes"/>), where this assembly is loaded. It
/// is the kernel's thread CPU clock, exact to the call; the first field of /proc/thread-self/schedstat, which the
/// driver reads elsewhere, is brought up to date only at the scheduler's ticks and switches, so a start read from it
/// could lie up to a tick (4 ms at 250 Hz) in the past, and an item was measured with more CPU than wall time.
/// </summary>
public static class ItemClock
{
    /// <summary>The calling thread's CPU time so far in nanoseconds, or -1 where the thread clock cannot be read.</summary>
    public static double ThreadCpuNanoseconds() => ThreadCpuClock.IsThreadTime ? ThreadCpuClock.NowMs() * 1e6 : -1;
}
