using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// A single-threaded event loop, like asyncio's: continuations posted from any thread (I/O completions,
/// channels) are queued and run one at a time on the one thread that called <see cref="Run(Func{EventLoopSynchronizationContext, Task})"/>, and the
/// waits of the tasks on it (<see cref="Delay"/>) are the loop's own timers, kept in due order and fired
/// by the loop thread itself between callbacks.
/// </summary>
/// <remarks>
/// Why the loop keeps its own timers (issue 24): with a runtime timer per wait, 100,000 concurrent waits
/// were 100,000 timers in the runtime's timer queues, each registered under a lock the timer thread holds
/// while it scans them, each firing as a thread-pool work item that posted its continuation back across
/// threads; starting them took longer than the waits (a wait that starts late ends late) and the run took
/// 1.58x the wait. Here a wait is one entry (its due time and its waiter) in a queue on the loop thread:
/// no lock, no other thread.
/// </remarks>
internal sealed class EventLoopSynchronizationContext : SynchronizationContext
{
    // Posted on the loop thread (the usual case: continuations of the loop's own tasks): no lock needed.
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();

    // Posted from other threads; _gate also wakes the loop when it sleeps until its next timer.
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _incoming = new();
    private readonly object _gate = new();

    // The waits in progress, one first-in first-out queue per length of wait: a wait's due time is its
    // start plus its length, so each queue is in due order and the next due wait is the earliest of the
    // queues' heads (a few lengths, not one per wait). Touched by the loop thread only.
    private readonly List<TimerQueue> _timers = new();
    private int _pendingWaits;

    // The tokens the waits were given, each watched once (one registration per token, not per wait).
    private readonly List<WatchedToken> _registrations = new();
    private CancellationToken _watched;

    private readonly int _loopThread = Environment.CurrentManagedThreadId;
    private bool _completed;

    private EventLoopSynchronizationContext()
    {
    }

    /// <summary>True on the thread that runs this loop.</summary>
    public bool IsLoopThread => Environment.CurrentManagedThreadId == _loopThread;

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (IsLoopThread)
        {
            _ready.Enqueue((d, state));
            return;
        }

        lock (_gate)
        {
            _incoming.Enqueue((d, state));
            Monitor.Pulse(_gate);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The event loop runs callbacks asynchronously only.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// A wait of <paramref name="milliseconds"/> on the loop's own timers; its continuation runs on the loop.
    /// Call it on the loop thread only (<see cref="IsLoopThread"/>).
    /// </summary>
    public ValueTask Delay(int milliseconds, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var delay = new LoopDelay(this, cancellationToken);
        StartWait(milliseconds, delay);
        return new ValueTask(delay, 0);
    }

    /// <summary>
    /// Starts a wait of <paramref name="milliseconds"/> on the loop's own timers: the loop calls
    /// <paramref name="waiter"/>'s <see cref="LoopWaiter.OnWaitEnded"/> when it is due, or when the waiter's token is
    /// cancelled. Call it on the loop thread only (<see cref="IsLoopThread"/>).
    /// </summary>
    public void StartWait(int milliseconds, LoopWaiter waiter)
    {
        if (!IsLoopThread)
        {
            throw new InvalidOperationException("A wait on the event loop's timers must start on the loop thread.");
        }

        Watch(waiter.CancellationToken);
        long ticks = milliseconds * Stopwatch.Frequency / 1000;
        QueueOf(ticks).Enqueue((Stopwatch.GetTimestamp() + ticks, waiter));
        _pendingWaits++;
    }

    /// <summary>
    /// Runs an event loop on the calling thread: <paramref name="start"/> is called on the loop (so every
    /// await in it resumes there), and the loop runs until the task it returns has ended.
    /// </summary>
    public static void Run(Func<Task> start) => Run(_ => start());

    /// <summary>
    /// Runs an event loop on the calling thread: <paramref name="start"/> is called on the loop, given the loop,
    /// and the loop runs until the task it returns has ended; then, like asyncio's <c>run</c>, this throws what
    /// that task threw (or its cancellation).
    /// </summary>
    /// <remarks>
    /// The models' coroutines and the pipelines' roles catch their own failures and report them through the
    /// run, so their tasks end without one; a fault that still escapes is a bug, and is thrown here rather than
    /// lost with the ended task (an assertion failing inside a test's loop was lost that way).
    /// </remarks>
    public static void Run(Func<EventLoopSynchronizationContext, Task> start)
    {
        var loop = new EventLoopSynchronizationContext();
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(loop);
        try
        {
            Task all = start(loop);
            all.ContinueWith(_ => loop.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            loop.RunOnCurrentThread();
            all.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
            foreach (WatchedToken registration in loop._registrations)
            {
                registration.Dispose();
            }
        }
    }

    private void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Runs queued callbacks and due timers until <see cref="Complete"/> is called and nothing is queued.</summary>
    private void RunOnCurrentThread()
    {
        while (true)
        {
            bool completed;
            lock (_gate)
            {
                while (_incoming.Count > 0)
                {
                    _ready.Enqueue(_incoming.Dequeue());
                }

                completed = _completed;
            }

            // Only what is queued now: callbacks queued meanwhile wait for the next turn, after the timers.
            for (int count = _ready.Count; count > 0; count--)
            {
                var (callback, state) = _ready.Dequeue();
                callback(state);
            }

            FireDueTimers();
            if (_ready.Count > 0)
            {
                continue;
            }

            if (completed)
            {
                return;
            }

            lock (_gate)
            {
                if (_incoming.Count == 0 && !_completed)
                {
                    Monitor.Wait(_gate, MillisecondsToNextTimer());
                }
            }
        }
    }

    private Queue<(long Due, LoopWaiter Waiter)> QueueOf(long ticks)
    {
        foreach (TimerQueue queue in _timers)
        {
            if (queue.Ticks == ticks)
            {
                return queue.Waits;
            }
        }

        var added = new TimerQueue(ticks);
        _timers.Add(added);
        return added.Waits;
    }

    private void FireDueTimers()
    {
        if (_pendingWaits == 0)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        foreach (TimerQueue queue in _timers)
        {
            Queue<(long Due, LoopWaiter Waiter)> waits = queue.Waits;
            while (waits.TryPeek(out var wait) && wait.Due <= now)
            {
                waits.Dequeue();
                _pendingWaits--;
                wait.Waiter.OnWaitEnded();
            }
        }
    }

    // Rounded up: waking before the next timer is due would only mean sleeping again.
    private int MillisecondsToNextTimer()
    {
        long next = long.MaxValue;
        foreach (TimerQueue queue in _timers)
        {
            if (queue.Waits.TryPeek(out var wait) && wait.Due < next)
            {
                next = wait.Due;
            }
        }

        return MillisecondsUntil(next);
    }

    /// <summary>
    /// A wait's timeout until <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp): <see cref="Timeout.Infinite"/>
    /// for <see cref="long.MaxValue"/> (never), 0 once it has passed, else in milliseconds rounded up.
    /// </summary>
    internal static int MillisecondsUntil(long timestamp)
    {
        if (timestamp == long.MaxValue)
        {
            return Timeout.Infinite;
        }

        long ticks = timestamp - Stopwatch.GetTimestamp();
        return ticks <= 0 ? 0 : (int)Math.Min(int.MaxValue, ((ticks * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    private void Watch(CancellationToken cancellationToken)
    {
        // Every wait of a run has the run's token: one registration for all of them. (A wait with
        // another token is watched too; the list is short, so a linear search is enough.)
        if (!cancellationToken.CanBeCanceled || cancellationToken == _watched)
        {
            return;
        }

        _watched = cancellationToken;
        foreach (WatchedToken registration in _registrations)
        {
            if (registration.Token == cancellationToken)
            {
                return;
            }
        }

        // Cancellation comes from another thread: the loop itself ends the waits of that token.
        _registrations.Add(new WatchedToken(cancellationToken, cancellationToken.UnsafeRegister(_ => Post(_ => CancelWaits(), null), null)));
    }

    private void CancelWaits()
    {
        foreach (TimerQueue queue in _timers)
        {
            Queue<(long Due, LoopWaiter Waiter)> waits = queue.Waits;
            for (int count = waits.Count; count > 0; count--)
            {
                var wait = waits.Dequeue();
                if (wait.Waiter.CancellationToken.IsCancellationRequested)
                {
                    _pendingWaits--;
                    wait.Waiter.OnWaitEnded();
                }
                else
                {
                    waits.Enqueue(wait); // the same order: the queue stays in due order
                }
            }
        }
    }

    /// <summary>The waits of one length, in due order.</summary>
    private sealed class TimerQueue
    {
        public TimerQueue(long ticks) => Ticks = ticks;

        public long Ticks { get; }

        // A wait is its due time and its waiter, not an object of its own (one waiter may wait many times).
        public Queue<(long Due, LoopWaiter Waiter)> Waits { get; } = new();
    }

    /// <summary>What a wait on the loop's timers ends: a delay, or a coroutine the loop drives itself.</summary>
    internal abstract class LoopWaiter
    {
        /// <summary>The token that ends the wait early.</summary>
        public abstract CancellationToken CancellationToken { get; }

        /// <summary>
        /// Called by the loop thread when the wait is due or its token is cancelled, while the loop goes through its
        /// timers: it may only queue work on the loop (<see cref="EventLoopSynchronizationContext.Post"/>), not run it.
        /// </summary>
        public abstract void OnWaitEnded();
    }

    /// <summary>A token the loop watches, and its registration.</summary>
    private sealed class WatchedToken
    {
        private readonly CancellationTokenRegistration _registration;

        public WatchedToken(CancellationToken token, CancellationTokenRegistration registration)
        {
            Token = token;
            _registration = registration;
        }

        public CancellationToken Token { get; }

        public void Dispose() => _registration.Dispose();
    }

    /// <summary>One wait on the loop: completed by the loop thread when due or when its token is cancelled.</summary>
    private sealed class LoopDelay : LoopWaiter, IValueTaskSource
    {
        private readonly EventLoopSynchronizationContext _loop;
        private Action<object?>? _continuation;
        private object? _state;
        private ExecutionContext? _executionContext;
        private bool _done;

        public LoopDelay(EventLoopSynchronizationContext loop, CancellationToken cancellationToken)
        {
            _loop = loop;
            CancellationToken = cancellationToken;
        }

        public override CancellationToken CancellationToken { get; }

        public ValueTaskSourceStatus GetStatus(short token) =>
            !_done ? ValueTaskSourceStatus.Pending
            : CancellationToken.IsCancellationRequested ? ValueTaskSourceStatus.Canceled
            : ValueTaskSourceStatus.Succeeded;

        public void GetResult(short token)
        {
            if (!_done)
            {
                throw new InvalidOperationException("The wait has not ended.");
            }

            CancellationToken.ThrowIfCancellationRequested();
        }

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            _continuation = continuation;
            _state = state;
            if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
            {
                _executionContext = ExecutionContext.Capture();
            }

            if (_done)
            {
                QueueContinuation();
            }
        }

        /// <summary>Ends the wait on the loop thread and queues its continuation on the loop.</summary>
        public override void OnWaitEnded()
        {
            _done = true;
            if (_continuation is not null)
            {
                QueueContinuation(); // else not awaited yet: the awaiter will see it done
            }
        }

        private void QueueContinuation()
        {
            if (_executionContext is null)
            {
                _loop.Post(static s => ((LoopDelay)s!).Resume(), this);
            }
            else
            {
                _loop.Post(static s => ExecutionContext.Run(((LoopDelay)s!)._executionContext!, static d => ((LoopDelay)d!).Resume(), s), this);
            }
        }

        private void Resume() => _continuation!(_state);
    }
}
