using System;
using System.Diagnostics;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// The clocks and counters around one in-process run: wall clock, this process's CPU time, the
/// runtime's counters and the sampled peaks of working set and thread count.
/// </summary>
internal sealed class RunMeter : IDisposable
{
    private readonly ProcessSampler _sampler;
    private readonly RuntimeCounters _countersBefore;
    private readonly TimeSpan _cpuBefore;
    private readonly long _started;

    private RunMeter()
    {
        _sampler = ProcessSampler.Start();
        _countersBefore = RuntimeCounters.Capture();
        _cpuBefore = ExecutionModel.ProcessCpuTime();
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>What the meter read over the run.</summary>
    public readonly record struct Reading(TimeSpan Elapsed, TimeSpan CpuTime, RuntimeCounters Counters, long PeakWorkingSetBytes, int PeakThreadCount, int PoolThreadsAdded);

    /// <summary>The run's start as a Stopwatch timestamp, for runs that time their own steps against it.</summary>
    public long Started => _started;

    /// <summary>Starts the sampler and the clocks.</summary>
    public static RunMeter Start() => new();

    /// <summary>Stops the clocks and the sampler and reads them.</summary>
    public Reading Stop()
    {
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_started);
        TimeSpan cpu = ExecutionModel.ProcessCpuTime() - _cpuBefore;
        RuntimeCounters counters = RuntimeCounters.Capture().Since(_countersBefore);
        _sampler.Stop();
        return new Reading(elapsed, cpu, counters, _sampler.PeakWorkingSetBytes, _sampler.PeakThreadCount, _sampler.PoolThreadsAdded);
    }

    /// <summary>Stops the sampler, also when the run threw before <see cref="Stop"/>.</summary>
    public void Dispose() => _sampler.Dispose();
}
