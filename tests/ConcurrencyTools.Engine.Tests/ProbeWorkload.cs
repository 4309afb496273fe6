using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// A workload that watches itself: it counts how many tasks are inside a CPU slice or a wait at the
/// same moment, records the threads that ran it, and can fail on a chosen task.
/// </summary>
internal sealed class ProbeWorkload : Workload
{
    private int _computing;
    private int _waiting;
    private int _maxComputing;
    private int _maxWaiting;
    private int _started;

    public ProbeWorkload(int tasks, int spinMs = 0, int waitMs = 0, int failOn = -1, int holdUntilThreads = 0)
        : base(new WorkloadSpec(WorkloadKind.Cpu, tasks, iterations: 1))
    {
        SpinMs = spinMs;
        WaitMs = waitMs;
        FailOn = failOn;
        HoldUntilThreads = holdUntilThreads;
    }

    public int SpinMs { get; }

    public int WaitMs { get; }

    public int FailOn { get; }

    /// <summary>
    /// A task first waits (through the model, as its other waits) until tasks have begun on this many threads, or
    /// 30 s have passed: a model that runs its tasks on that many threads then uses them all, however late a thread
    /// starts on a busy machine, and one that runs them on fewer does not.
    /// </summary>
    public int HoldUntilThreads { get; }

    public int MaxComputing => Volatile.Read(ref _maxComputing);

    public int MaxWaiting => Volatile.Read(ref _maxWaiting);

    /// <summary>Tasks that began, the failing one included.</summary>
    public int Started => Volatile.Read(ref _started);

    public ConcurrentDictionary<int, byte> Threads { get; } = new();

    public override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
    {
        Threads.TryAdd(Environment.CurrentManagedThreadId, 0);
        Interlocked.Increment(ref _started);
        if (index == FailOn)
        {
            throw new InvalidOperationException($"Probe task {index} fails on purpose.");
        }

        long holdUntil = Environment.TickCount64 + 30_000;
        while (Threads.Count < HoldUntilThreads && Environment.TickCount64 < holdUntil)
        {
            await context.WaitAsync(5);
        }

        if (SpinMs > 0)
        {
            // CPU slices between checkpoints; the count of threads inside one at once is recorded.
            long until = Environment.TickCount64 + SpinMs;
            while (Environment.TickCount64 < until)
            {
                Raise(ref _computing, ref _maxComputing);
                for (int i = 0; i < 20_000; i++)
                {
                    Thread.SpinWait(1);
                }

                Interlocked.Decrement(ref _computing);
                context.Checkpoint();
            }
        }

        if (WaitMs > 0)
        {
            Raise(ref _waiting, ref _maxWaiting);
            try
            {
                await context.WaitAsync(WaitMs);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }

            Threads.TryAdd(Environment.CurrentManagedThreadId, 0);
        }

        return ExpectedChecksum(index);
    }

    public override long ExpectedChecksum(int index) => Mix(index + 17);

    private static void Raise(ref int counter, ref int max)
    {
        int now = Interlocked.Increment(ref counter);
        int seen;
        while (now > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, now, seen) != seen)
        {
        }
    }
}
