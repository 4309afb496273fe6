namespace ConcurrencyTools.Engine.Measurement;

/// <summary>A thread's CPU time and how long it waited, runnable, for a core, both in milliseconds.</summary>
internal readonly record struct ThreadTimes(double CpuMs, double RunWaitMs)
{
    public static ThreadTimes operator -(ThreadTimes end, ThreadTimes start) => new(end.CpuMs - start.CpuMs, end.RunWaitMs - start.RunWaitMs);
}
