using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// A global interpreter lock after CPython's (Python/ceval_gil.c, the "new GIL" of 3.2): one lock
/// guards computation; a thread that has waited one switch interval without the lock changing hands
/// has the holder drop it at its next checkpoint, and the holder then waits until another thread has
/// taken it (forced switching) before it queues up again. Blocking waits are done with the lock released.
/// </summary>
/// <remarks>
/// <para>
/// The lock is handed over, not left for the waiters to race for: whenever the holder lets it go while
/// threads wait, the thread that has waited longest (the one whose interval ran out first) becomes the
/// holder there and then, so neither the thread that let it go nor a newcomer can take it back first, and
/// the holder that dropped it queues behind the threads already waiting. The interval is timed from the
/// moment the new holder runs, so every holder gets a whole interval. The waiters do not wake up to time
/// the interval themselves (CPython's timed wait on its condition variable): the holder compares the clock
/// with the first waiter's deadline at its checkpoints, the same moment without a wake-up, and a waiting
/// thread wakes once, holding the lock. On a 2-core machine those wake-ups were what stretched the 1 ms
/// hand-over to 5.34 ms at the 95th percentile (issue 24).
/// </para>
/// <para>
/// The instrumentation (<see cref="MaxConcurrent"/>, <see cref="Violations"/>) is kept apart from the
/// locking logic on purpose: it counts holders with its own atomic counter, so a broken lock would show.
/// </para>
/// </remarks>
internal sealed class GilScheduler : IDisposable
{
    private const long NoDeadline = long.MaxValue;

    private readonly object _mutex = new();
    private readonly long _intervalTicks;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;

    // The threads waiting for the lock, longest waiting first; under _mutex.
    private readonly List<int> _waiters = new();

    // The holder's managed thread id, 0 when the lock is free; set under _mutex, read by checkpoints.
    private int _holder;
    private long _switchNumber;

    // True from a hand-over until the new holder runs: the next interval starts when it does.
    private bool _handingOver;

    // When the holder must drop the lock (Stopwatch ticks), NoDeadline while nobody waits; set under
    // _mutex, read by the holder's checkpoints without it.
    private long _dropDeadline = NoDeadline;

    // Instrumentation, independent of the state above.
    private int _inside;
    private int _maxInside;
    private long _violations;
    private long _forcedDrops;

    public GilScheduler(TimeSpan switchInterval, CancellationToken cancellationToken)
    {
        if (switchInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(switchInterval), switchInterval, "The switch interval must be positive.");
        }

        _intervalTicks = Math.Max(1, (long)(switchInterval.TotalSeconds * Stopwatch.Frequency));
        _cancellationToken = cancellationToken;

        // Waiters sleep in Monitor.Wait; wake them all when the run is stopped.
        _registration = cancellationToken.Register(() =>
        {
            lock (_mutex)
            {
                Monitor.PulseAll(_mutex);
            }
        });
    }

    /// <summary>How many times the lock was taken by a thread (the first take included).</summary>
    public long Switches => Interlocked.Read(ref _switchNumber);

    /// <summary>How many times a holder dropped the lock because a waiter asked.</summary>
    public long ForcedDrops => Interlocked.Read(ref _forcedDrops);

    /// <summary>The most threads ever seen holding the lock at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxInside);

    /// <summary>Checkpoints reached by a thread that did not hold the lock, or beside another holder.</summary>
    public long Violations => Interlocked.Read(ref _violations);

    /// <summary>How many threads wait for the lock now.</summary>
    public int Waiting
    {
        get
        {
            lock (_mutex)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Waits for the lock. Throws <see cref="OperationCanceledException"/> when the run is stopped.</summary>
    public void Acquire()
    {
        int me = Environment.CurrentManagedThreadId;
        lock (_mutex)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_holder == 0)
            {
                // Free, and so nobody waits: a lock let go with threads waiting goes to one of them.
                TakeLocked(me);
            }
            else
            {
                Enqueue(me);
                WaitForTurnLocked(me);
            }
        }

        Entered();
    }

    /// <summary>Releases the lock; the caller must hold it. A waiting thread, if any, holds it from here.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _inside);
        lock (_mutex)
        {
            PassOnLocked();
        }
    }

    /// <summary>
    /// Called by the holder between slices of CPU work: records a violation if the caller is not the
    /// only holder, and hands the lock over when a waiter has waited one switch interval.
    /// </summary>
    public void Checkpoint()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _inside) != 1 || Volatile.Read(ref _holder) != me)
        {
            Interlocked.Increment(ref _violations);
        }

        long deadline = Volatile.Read(ref _dropDeadline);
        if (deadline == NoDeadline || Stopwatch.GetTimestamp() < deadline)
        {
            return;
        }

        Interlocked.Decrement(ref _inside);
        lock (_mutex)
        {
            if (_waiters.Count == 0 || _holder != me)
            {
                // The waiter gave up (the run was stopped), or the caller does not hold the lock.
                Interlocked.Increment(ref _inside);
                return;
            }

            // Forced switching: the lock goes to the thread that waited longest, and this thread queues
            // behind every thread already waiting; it cannot take the lock back before they have had it.
            PassOnLocked();
            Interlocked.Increment(ref _forcedDrops);
            Enqueue(me);
            WaitForTurnLocked(me);
        }

        Entered();
    }

    public void Dispose() => _registration.Dispose();

    private void Enqueue(int me)
    {
        _waiters.Add(me);
        if (_waiters.Count == 1 && !_handingOver)
        {
            // The first waiter: it waits one interval from now (CPython's timed wait) before the holder drops.
            Volatile.Write(ref _dropDeadline, Stopwatch.GetTimestamp() + _intervalTicks);
        }
    }

    // Under _mutex: sleeps until the lock has been handed to this thread, then starts its interval.
    private void WaitForTurnLocked(int me)
    {
        while (_holder != me)
        {
            if (_cancellationToken.IsCancellationRequested)
            {
                _waiters.Remove(me);
                if (_waiters.Count == 0)
                {
                    Volatile.Write(ref _dropDeadline, NoDeadline);
                }

                _cancellationToken.ThrowIfCancellationRequested();
            }

            Monitor.Wait(_mutex);
        }

        if (_cancellationToken.IsCancellationRequested)
        {
            // Handed the lock as the run was stopped: pass it on rather than keep it, and stop.
            PassOnLocked();
            _cancellationToken.ThrowIfCancellationRequested();
        }

        TakeLocked(me);
    }

    // Under _mutex: the caller runs now; the interval of the threads still waiting starts here.
    private void TakeLocked(int me)
    {
        _handingOver = false;
        Volatile.Write(ref _holder, me);
        _switchNumber++;
        Volatile.Write(ref _dropDeadline, _waiters.Count > 0 ? Stopwatch.GetTimestamp() + _intervalTicks : NoDeadline);
    }

    // Under _mutex: hands the lock to the longest waiting thread, or frees it when nobody waits.
    private void PassOnLocked()
    {
        Volatile.Write(ref _dropDeadline, NoDeadline);
        if (_waiters.Count == 0)
        {
            _handingOver = false;
            Volatile.Write(ref _holder, 0);
            return;
        }

        Volatile.Write(ref _holder, _waiters[0]);
        _waiters.RemoveAt(0);
        _handingOver = true;
        Monitor.PulseAll(_mutex);
    }

    private void Entered()
    {
        int inside = Interlocked.Increment(ref _inside);
        UpdateMax(inside);
    }

    private void UpdateMax(int value)
    {
        int current = Volatile.Read(ref _maxInside);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref _maxInside, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
