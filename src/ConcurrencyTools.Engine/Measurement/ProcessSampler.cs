using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// Samples this process's working set and OS thread count every 10 ms on a thread of its own, and
/// keeps the peaks. On Linux it reads /proc/self/status (tens of microseconds a sample); elsewhere it
/// refreshes a <see cref="Process"/>. Its own thread is not counted. It also keeps the most threads
/// the .NET thread pool had, so a row shows how many the pool added while tasks blocked its threads.
/// </summary>
internal sealed class ProcessSampler : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;
    private long _peakWorkingSet;
    private int _peakThreads;
    private int _peakPoolThreads;

    private ProcessSampler()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "ConcurrencyTools sampler" };
        StartPoolThreads = ThreadPool.ThreadCount;
    }

    /// <summary>Threads in the .NET thread pool when sampling started.</summary>
    public int StartPoolThreads { get; }

    /// <summary>Threads the .NET thread pool added beyond those it had at the start (0 when it added none).</summary>
    public int PoolThreadsAdded => Math.Max(0, Volatile.Read(ref _peakPoolThreads) - StartPoolThreads);

    /// <summary>The largest working set seen, in bytes.</summary>
    public long PeakWorkingSetBytes => Interlocked.Read(ref _peakWorkingSet);

    /// <summary>The most OS threads seen in the process, the sampler's own excluded.</summary>
    public int PeakThreadCount => Volatile.Read(ref _peakThreads);

    /// <summary>Takes a first sample and starts sampling.</summary>
    public static ProcessSampler Start()
    {
        var sampler = new ProcessSampler();
        sampler.Sample(excludeSelf: false);
        sampler._thread.Start();
        return sampler;
    }

    /// <summary>Takes a last sample and stops.</summary>
    public void Stop()
    {
        if (!_stop.IsSet)
        {
            _stop.Set();
            _thread.Join();
            Sample(excludeSelf: false);
        }
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            Sample(excludeSelf: true);
        }
    }

    private void Sample(bool excludeSelf)
    {
        (long workingSet, int threads) = Read();
        if (excludeSelf)
        {
            threads--;
        }

        if (workingSet > _peakWorkingSet)
        {
            Interlocked.Exchange(ref _peakWorkingSet, workingSet);
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
