using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// Samples this process's working set and OS thread count every 10 ms while a run is measured, and
/// keeps the peaks. On Linux it reads /proc/self/status (tens of microseconds a sample); elsewhere it
/// refreshes a <see cref="Process"/>. It also keeps the most threads the .NET thread pool had, so a row
/// shows how many the pool added while tasks blocked its threads.
/// </summary>
/// <remarks>
/// Every sampler in the process is served by one shared sampling thread rather than a thread of its
/// own: starting and joining a thread costs a few hundred microseconds on a busy machine, which a run
/// of short tasks paid on every repeat. The thread is a dedicated one, not a timer on the thread pool,
/// so that sampling goes on when blocked tasks starve the pool (the very runs whose peaks matter). It
/// ends after <see cref="IdleLifetime"/> with no sampler running, so a process that stopped measuring
/// keeps no thread; it is never counted in <see cref="PeakThreadCount"/>.
/// </remarks>
internal sealed class ProcessSampler : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <summary>How long the sampling thread waits for the next sampler before it ends.</summary>
    internal static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(2);

    // Guards the list of running samplers and the sampling thread's life; every sample is taken under it
    // so that the thread's own presence is known exactly when it is subtracted.
    private static readonly object Gate = new();
    private static readonly List<ProcessSampler> Running = new();
    private static Thread? _thread;
    private static Thread? _ending;

    private long _peakWorkingSet;
    private int _peakThreads;
    private int _peakPoolThreads;
    private bool _stopped;

    private ProcessSampler() => StartPoolThreads = ThreadPool.ThreadCount;

    /// <summary>Threads in the .NET thread pool when sampling started.</summary>
    public int StartPoolThreads { get; }

    /// <summary>Threads the .NET thread pool added beyond those it had at the start (0 when it added none).</summary>
    public int PoolThreadsAdded => Math.Max(0, Volatile.Read(ref _peakPoolThreads) - StartPoolThreads);

    /// <summary>The largest working set seen, in bytes.</summary>
    public long PeakWorkingSetBytes => Interlocked.Read(ref _peakWorkingSet);

    /// <summary>The most OS threads seen in the process, the sampling thread excluded.</summary>
    public int PeakThreadCount => Volatile.Read(ref _peakThreads);

    /// <summary>Whether the shared sampling thread is running now (for tests).</summary>
    internal static bool IsSamplingThreadAlive
    {
        get
        {
            lock (Gate)
            {
                return _thread is not null;
            }
        }
    }

    /// <summary>Whether the shared sampling thread is a background thread, or null when none runs (for tests).</summary>
    internal static bool? IsSamplingThreadBackground
    {
        get
        {
            lock (Gate)
            {
                return _thread?.IsBackground;
            }
        }
    }

    /// <summary>Takes a first sample and starts sampling.</summary>
    public static ProcessSampler Start()
    {
        var sampler = new ProcessSampler();
        lock (Gate)
        {
            // A thread that gave up waiting is finishing: let it go before counting threads without it.
            _ending?.Join();
            _ending = null;
            sampler.SampleLocked(Read());
            Running.Add(sampler);

            // A running thread is not woken: it takes the next sample within one interval anyway, and a
            // wake-up per run would cost a context switch on a busy core.
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "ConcurrencyTools sampler" };
                _thread.Start();
            }
        }

        return sampler;
    }

    /// <summary>Takes a last sample and stops; the figures stay readable.</summary>
    public void Stop()
    {
        lock (Gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            Running.Remove(this);
            SampleLocked(Read());
        }
    }

    public void Dispose() => Stop();

    private static void Run()
    {
        lock (Gate)
        {
            long lastBusy = Stopwatch.GetTimestamp();
            while (true)
            {
                if (Running.Count > 0)
                {
                    (long WorkingSet, int Threads) reading = Read();
                    foreach (ProcessSampler sampler in Running)
                    {
                        sampler.SampleLocked(reading);
                    }

                    lastBusy = Stopwatch.GetTimestamp();
                }
                else if (Stopwatch.GetElapsedTime(lastBusy) >= IdleLifetime)
                {
                    _ending = _thread;
                    _thread = null;
                    return;
                }

                // Monitor.Wait releases the gate meanwhile, so samplers start and stop between samples.
                Monitor.Wait(Gate, Interval);
            }
        }
    }

    /// <summary>Folds one reading into the peaks; called under <see cref="Gate"/>.</summary>
    private void SampleLocked((long WorkingSet, int Threads) reading)
    {
        int threads = reading.Threads - (_thread is null ? 0 : 1);
        if (reading.WorkingSet > _peakWorkingSet)
        {
            Interlocked.Exchange(ref _peakWorkingSet, reading.WorkingSet);
        }

        if (threads > _peakThreads)
        {
            Volatile.Write(ref _peakThreads, threads);
        }

        int poolThreads = ThreadPool.ThreadCount;
        if (poolThreads > _peakPoolThreads)
        {
            Volatile.Write(ref _peakPoolThreads, poolThreads);
        }
    }

    private static (long WorkingSet, int Threads) Read()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                long rss = 0;
                int threads = 0;
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
                    }
                    else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    {
                        threads = int.Parse(line.AsSpan(8).Trim());
                    }
                }

                return (rss, threads);
            }
            catch (Exception error) when (error is IOException or FormatException or UnauthorizedAccessException)
            {
                // Fall through to the portable way.
            }
        }

        using var self = Process.GetCurrentProcess();
        return (self.WorkingSet64, self.Threads.Count);
    }
}
