using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// GilThreads hand-over latency: CPU-bound threads share one <see cref="GilScheduler"/> and run the Cpu
/// workload's loop; every time a thread is made to drop the lock, the time until it holds the lock again
/// is one sample. With a CPU-bound holder, CPython's design makes that the switch interval plus the
/// holder's way to its next checkpoint; the goal is the 95th percentile within 2x the interval.
/// Not a BenchmarkDotNet benchmark: a distribution of single waits, not the mean of a repeated operation.
/// </summary>
internal static class GilHandoverLatency
{
    /// <summary>Runs <paramref name="threads"/> threads until <paramref name="samples"/> hand-overs were timed; returns each in milliseconds.</summary>
    public static double[] Measure(double switchIntervalMs, int samples, int threads)
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(switchIntervalMs), CancellationToken.None);
        var latencies = new List<double>(samples + threads);
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() => Run(gil, latencies, samples)) { IsBackground = true, Name = $"Hand-over {i + 1}" };
        }

        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        return latencies.Take(samples).ToArray();
    }

    /// <summary>Entry point of <c>handover --interval-ms 1,5 --samples 10000 --threads 2</c>: prints one CSV line per interval.</summary>
    public static void Report(string[] args)
    {
        double[] intervals = { 1, ModelOptions.DefaultSwitchIntervalMs };
        int samples = 10_000;
        int threads = 2;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--interval-ms":
                    intervals = args[i + 1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--samples":
                    samples = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--threads":
                    threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        Console.WriteLine("Lock,SwitchIntervalMs,Threads,Samples,MeanMs,P50Ms,P95Ms,P99Ms,MaxMs");

        // The same two wake-ups with no interval and no work: what the OS scheduler alone costs right now.
        Print("PingPong", 0, threads, MeasurePingPong(samples));
        foreach (double interval in intervals)
        {
            Print("GilScheduler", interval, threads, Measure(interval, samples, threads));
        }
    }

    /// <summary>
    /// Two threads passing a turn back and forth under a plain monitor: each sample is the time from
    /// handing the turn over until it comes back, two thread wake-ups, the floor of any hand-over.
    /// </summary>
    public static double[] MeasurePingPong(int samples)
    {
        var gate = new object();
        var latencies = new List<double>(samples);
        int turn = 0;
        bool done = false;
        void Play(int me)
        {
            lock (gate)
            {
                while (true)
                {
                    while (turn != me && !done)
                    {
                        Monitor.Wait(gate);
                    }

                    if (done)
                    {
                        return;
                    }

                    turn = 1 - me;
                    long started = Stopwatch.GetTimestamp();
                    Monitor.PulseAll(gate);
                    while (turn != me && !done)
                    {
                        Monitor.Wait(gate);
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (latencies.Count >= samples)
                    {
                        done = true;
                        Monitor.PulseAll(gate);
                    }
                }
            }
        }

        var players = new[] { new Thread(() => Play(0)), new Thread(() => Play(1)) };
        foreach (Thread player in players)
        {
            player.IsBackground = true;
            player.Start();
        }

        foreach (Thread player in players)
        {
            player.Join();
        }

        return latencies.Take(samples).ToArray();
    }

    private static void Print(string kind, double interval, int threads, double[] latencies)
    {
        double[] sorted = latencies.OrderBy(v => v).ToArray();
        Console.WriteLine(kind + "," + string.Join(',', new double[]
        {
            interval, threads, sorted.Length, sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1],
        }.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))));
    }

    private static double Percentile(double[] sorted, double percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void Run(GilScheduler gil, List<double> latencies, int samples)
    {
        var context = new TimingContext(gil, latencies, samples);
        gil.Acquire();
        try
        {
            long start = 0;
            while (!context.Done)
            {
                // The Cpu workload's own loop, with a checkpoint every CheckpointInterval iterations.
                CpuWorkload.Sum(start, 1 << 20, context);
                start += 1 << 20;
            }
        }
        finally
        {
            gil.Release();
        }
    }

    private sealed class TimingContext : ITaskContext
    {
        private readonly GilScheduler _gil;
        private readonly List<double> _latencies;
        private readonly int _samples;

        public TimingContext(GilScheduler gil, List<double> latencies, int samples)
        {
            _gil = gil;
            _latencies = latencies;
            _samples = samples;
        }

        public CancellationToken CancellationToken => CancellationToken.None;

        public bool Done
        {
            get
            {
                lock (_latencies)
                {
                    return _latencies.Count >= _samples;
                }
            }
        }

        public void Checkpoint()
        {
            // Only the holder counts forced drops, and this thread holds the lock while it is here,
            // so a change of the count during the call means this thread dropped and waited.
            long drops = _gil.ForcedDrops;
            long started = Stopwatch.GetTimestamp();
            _gil.Checkpoint();
            if (_gil.ForcedDrops != drops)
            {
                double waited = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (_latencies)
                {
                    _latencies.Add(waited);
                }
            }
        }

        public ValueTask WaitAsync(int milliseconds) => default;
    }
}
