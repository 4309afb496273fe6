using System;
using System.Threading;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// A global interpreter lock after CPython's (Python/ceval_gil.c, the "new GIL" of 3.2): one lock
/// guards computation; a thread waiting for it waits one switch interval and, if the lock has not
/// changed hands meanwhile, sets a drop request; the holder sees the request at its next checkpoint,
/// releases the lock and waits until another thread has taken it (forced switching), then queues up
/// again. Blocking waits are done with the lock released.
/// </summary>
/// <remarks>
/// The instrumentation (<see cref="MaxConcurrent"/>, <see cref="Violations"/>) is kept apart from the
/// locking logic on purpose: it counts holders with its own atomic counter, so a broken lock would show.
/// </remarks>
internal sealed class GilScheduler : IDisposable
{
    private readonly object _mutex = new();
    private readonly TimeSpan _interval;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;
    private bool _locked;
    private int _holder;
    private long _switchNumber;
    private int _waiting;
    private volatile bool _dropRequest;

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

        _interval = switchInterval;
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

    /// <summary>Waits for the lock. Throws <see cref="OperationCanceledException"/> when the run is stopped.</summary>
    public void Acquire()
    {
        lock (_mutex)
        {
            _waiting++;
            try
            {
                while (_locked)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    long seen = _switchNumber;
                    bool woken = Monitor.Wait(_mutex, _interval);
                    if (!woken && _locked && _switchNumber == seen)
                    {
                        // A whole interval passed without a switch: ask the holder to drop the lock.
                        _dropRequest = true;
                    }
                }

                _cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                _waiting--;
            }

            _locked = true;
            _holder = Environment.CurrentManagedThreadId;
            _switchNumber++;
            _dropRequest = false;

            // A holder that dropped on request waits to see the switch happen.
            Monitor.PulseAll(_mutex);
        }

        int inside = Interlocked.Increment(ref _inside);
        UpdateMax(inside);
    }

    /// <summary>Releases the lock; the caller must hold it.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _inside);
        lock (_mutex)
        {
            ReleaseLocked();
        }
    }

    /// <summary>
    /// Called by the holder between slices of CPU work: records a violation if the caller is not the
    /// only holder, and hands the lock over if a waiter asked for it.
    /// </summary>
    public void Checkpoint()
    {
        if (Volatile.Read(ref _inside) != 1 || Volatile.Read(ref _holder) != Environment.CurrentManagedThreadId)
        {
            Interlocked.Increment(ref _violations);
        }

        if (!_dropRequest)
        {
            return;
        }

        Interlocked.Decrement(ref _inside);
        lock (_mutex)
        {
            long seen = _switchNumber;
            ReleaseLocked();
            Interlocked.Increment(ref _forcedDrops);

            // Forced switching: do not take the lock straight back; wait until a waiter has it.
            while (_switchNumber == seen && _waiting > 0 && !_cancellationToken.IsCancellationRequested)
            {
                Monitor.Wait(_mutex, _interval);
            }
        }

        Acquire();
    }

    public void Dispose() => _registration.Dispose();

    private void ReleaseLocked()
    {
        _locked = false;
        _holder = 0;
        _dropRequest = false;
        Monitor.PulseAll(_mutex);
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
