using System;
using System.Diagnostics;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The CPU time and wait for a core of one thread over the tasks it runs in one run, read when the span opens
/// and when it closes instead of around every task. A reading is two system calls (the thread's CPU clock and
/// its /proc schedstat): read before and after every task it cost about 3 us a task, ten times what running
/// an empty task costs (issue 24). A thread's tasks run back to back, and between two of them the thread runs
/// only the harness's own few instructions (a queue take, a timestamp, an addition), which the span counts
/// with them. The span's wall-clock time (its start to the end of its thread's last task in it) is the tasks'
/// summed wall time: CPU, wait for a core and wall time are then taken over the same stretch, which
/// TaskCpuShare needs (a wait for a core between two tasks, counted against their wall times alone, would not
/// add up and would be left out).
/// </summary>
internal sealed class ThreadSpan
{
    // The span of the pool thread that runs this code, when it last ran a task of a run (ThreadPool only).
    [ThreadStatic]
    private static ThreadSpan? t_poolSpan;

    private readonly RunState _state;
    private readonly int _threadId;
    private readonly ThreadTimes _start;
    private readonly long _opened;
    private readonly object _gate = new();
    private long _lastTaskEnd;
    private bool _open;

    private ThreadSpan(RunState state, int threadId)
    {
        _state = state;
        _threadId = threadId;

        // The clock first, then the thread's figures, and the other way round at the end: a wait for a core
        // in a reading (a system call, after which a loaded machine often preempts) then lies in the wall
        // time too. Read the other way, such waits outside the wall time made CPU plus wait exceed it on a
        // machine loaded with three busy threads a core, and the whole wait was then left out.
        _opened = Stopwatch.GetTimestamp();
        _start = Read(state);
        _lastTaskEnd = _opened;
        _open = true;
    }

    /// <summary>Opens a span on the calling thread; it ends with <see cref="Close"/> on the same thread.</summary>
    public static ThreadSpan Open(RunState state) => new(state, threadId: 0);

    /// <summary>Ends the span on its own thread after its last task and adds its times to the run; a second call does nothing.</summary>
    public void Close() => CloseAt(lastTaskEnd: null);

    // On the span's own thread; the wall time ends at lastTaskEnd, or when the figures have been read.
    private void CloseAt(long? lastTaskEnd)
    {
        lock (_gate)
        {
            if (!_open)
            {
                return;
            }

            _open = false;
            ThreadTimes end = Read(_state);
            _state.AddThreadTimes(end - _start, (lastTaskEnd ?? Stopwatch.GetTimestamp()) - _opened);
        }
    }

    /// <summary>
    /// Before a task on a pool thread: keeps the span this thread already has for this run open, else opens
    /// one (and ends the span it had for another run: a pool thread serves whoever queues work, and each of
    /// its spans must hold only its own run's tasks).
    /// </summary>
    public static void EnterPoolTask(RunState state)
    {
        ThreadSpan? current = t_poolSpan;
        if (current is not null && current._state == state && Volatile.Read(ref current._open))
        {
            return;
        }

        current?.CloseAt(current._lastTaskEnd);
        var span = new ThreadSpan(state, ThreadCpuClock.CurrentThreadId());
        state.AddPoolSpan(span);
        t_poolSpan = span;
    }

    /// <summary>
    /// After a task on a pool thread: ends its span when the run has no task left to give (this thread's task
    /// was its last), or when the span could not be ended from another thread; otherwise the span stays open
    /// for the next task this thread takes, and the run ends it with <see cref="CloseFromRun"/>.
    /// </summary>
    public static void LeavePoolTask(RunState state)
    {
        ThreadSpan? current = t_poolSpan;
        if (current is null || current._state != state)
        {
            return;
        }

        Volatile.Write(ref current._lastTaskEnd, Stopwatch.GetTimestamp());
        if (current._threadId == 0 || state.Queue.IsDrained || state.Token.IsCancellationRequested)
        {
            current.CloseAt(lastTaskEnd: null);
        }
    }

    /// <summary>
    /// Ends a pool thread's span from the thread that ran the run, once all its tasks are done: the pool
    /// thread's clock is read from here. Between its last task and this reading the pool thread only went
    /// back to the pool (it sleeps there without using CPU) unless it ran other work meanwhile; the span's wall
    /// time ends with its last task. A pool thread that sat idle between two tasks of the run has that idle
    /// time in its span's wall time (it used no CPU then), as a thread of the Threads model waiting in a task does.
    /// </summary>
    public void CloseFromRun()
    {
        lock (_gate)
        {
            if (!_open)
            {
                return;
            }

            _open = false;
            _state.CountClockReading();
            if (ThreadCpuClock.TryReadThread(_threadId, out ThreadTimes end))
            {
                _state.AddThreadTimes(end - _start, Volatile.Read(ref _lastTaskEnd) - _opened);
            }
        }
    }

    private static ThreadTimes Read(RunState state)
    {
        state.CountClockReading();
        return ThreadCpuClock.Now();
    }
}
