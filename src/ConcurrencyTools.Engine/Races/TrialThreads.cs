using System;
using System.Diagnostics;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// Dedicated threads that run one trial at a time, jcstress-style. A barrier releases them together; each
/// then announces itself and yields until all have arrived, so no thread can finish its operations before
/// the others have started (a plain demo often shows no race for exactly that reason). The threads live
/// for the whole test: creating threads per trial would cost more than the trial.
/// </summary>
internal sealed class TrialThreads : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _barrier;
    private readonly CancellationTokenSource _stop;
    private readonly ThreadTally[] _tallies;
    private RaceSubject? _subject;
    private RaceGap[] _gaps;
    private int _arrived;

    public TrialThreads(int count, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _barrier = new Barrier(count + 1);
        _tallies = new ThreadTally[count];
        _gaps = new RaceGap[count];
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            _threads[i] = new Thread(() => Work(index)) { IsBackground = true, Name = $"Race thread {i + 1}" };
            _threads[i].Start();
        }
    }

    public int Count => _threads.Length;

    /// <summary>Threads still running; 0 once disposed.</summary>
    internal int AliveThreads => Array.FindAll(_threads, thread => thread.IsAlive).Length;

    /// <summary>Whether every thread is a background thread (for tests).</summary>
    internal bool AllBackground => Array.TrueForAll(_threads, thread => thread.IsBackground);

    /// <summary>What each thread did in the last trial.</summary>
    public ReadOnlySpan<ThreadTally> Tallies => _tallies;

    /// <summary>Runs one trial of <paramref name="subject"/> on every thread and returns once all are done.</summary>
    public void Run(RaceSubject subject, RaceGap[] gaps)
    {
        _subject = subject;
        _gaps = gaps;
        Array.Clear(_tallies);
        _arrived = 0;
        _barrier.SignalAndWait(_stop.Token);
        _barrier.SignalAndWait(_stop.Token);
    }

    /// <summary>Wall-clock ticks of the last trial: from the first thread's start to the last thread's end.</summary>
    public long SpanTicks()
    {
        long start = long.MaxValue;
        long end = long.MinValue;
        foreach (ThreadTally tally in _tallies)
        {
            start = Math.Min(start, tally.StartTicks);
            end = Math.Max(end, tally.EndTicks);
        }

        return Math.Max(0, end - start);
    }

    private void Work(int index)
    {
        CancellationToken token = _stop.Token;
        try
        {
            while (true)
            {
                _barrier.SignalAndWait(token);
                Interlocked.Increment(ref _arrived);
                while (Volatile.Read(ref _arrived) < _threads.Length && !token.IsCancellationRequested)
                {
                    Thread.Yield();
                }

                ref ThreadTally tally = ref _tallies[index];
                tally.StartTicks = Stopwatch.GetTimestamp();
                try
                {
                    _subject!.Run(index, ref tally, _gaps[index], token);
                }
                catch (Exception error)
                {
                    // A corrupted collection throws: that is an outcome, not a failure of the test.
                    tally.Exceptions++;
                    tally.FirstError ??= $"{error.GetType().Name}: {error.Message}";
                }

                tally.EndTicks = Stopwatch.GetTimestamp();
                _barrier.SignalAndWait(token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by Dispose or by the caller's token.
        }
    }

    /// <summary>Stops the threads and waits until they are gone.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
        _stop.Dispose();
    }
}
