using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The shared bookkeeping of one in-process run: the task queue, the checksum total, the threads seen,
/// the first failure (which stops the other workers), and the token that stops everything.
/// </summary>
internal sealed class RunState : IDisposable
{
    private readonly HashSet<int> _threads = new();
    private readonly CancellationTokenSource _stop;
    private long _checksum;
    private int _completed;
    private readonly object _times = new();
    private readonly List<ThreadSpan> _poolSpans = new();
    private double _taskCpuMs;
    private long _taskWallTicks;
    private double _taskRunWaitMs;
    private int _clockReadings;
    private Exception? _error;
    private int _lastThread;

    public RunState(Workload workload, CancellationToken cancellationToken)
    {
        Workload = workload;
        Queue = new TaskQueue(workload.Spec.Tasks);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        OuterToken = cancellationToken;
    }

    public Workload Workload { get; }

    public TaskQueue Queue { get; }

    /// <summary>Cancelled by the caller or by the first failing task.</summary>
    public CancellationToken Token => _stop.Token;

    public CancellationToken OuterToken { get; }

    public long Checksum => Interlocked.Read(ref _checksum);

    public int Completed => Volatile.Read(ref _completed);

    public Exception? Error => Volatile.Read(ref _error);

    public int ThreadsUsed
    {
        get
        {
            lock (_threads)
            {
                return _threads.Count;
            }
        }
    }

    public void NoteThread()
    {
        // Most notes repeat the last thread (the event loop's one thread notes 200,000 times in a run of
        // 100,000 tasks): only an id already in the set is ever stored here, so skipping it loses nothing.
        int id = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _lastThread) == id)
        {
            return;
        }

        lock (_threads)
        {
            _threads.Add(id);
        }

        Volatile.Write(ref _lastThread, id);
    }

    /// <summary>CPU of the threads that ran the tasks, read on each thread over the tasks it ran; null where the thread clock cannot be read.</summary>
    public double? TaskCpuMs => ThreadCpuClock.IsThreadTime ? Volatile.Read(ref _taskCpuMs) : null;

    /// <summary>The tasks' wall-clock times, summed.</summary>
    public double TaskWallMs => Interlocked.Read(ref _taskWallTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>How long the threads running the tasks waited, runnable, for a core while they ran them.</summary>
    public double TaskRunWaitMs => Volatile.Read(ref _taskRunWaitMs);

    /// <summary>How many times the run read a thread's CPU clock and schedstat (a pair of system calls each).</summary>
    public int ClockReadings => Volatile.Read(ref _clockReadings);

    /// <summary>
    /// Adds one thread's CPU and wait for a core over the tasks it ran (or the loop thread's over the run), and
    /// the wall-clock time those tasks spanned, in <see cref="Stopwatch"/> ticks.
    /// </summary>
    public void AddThreadTimes(ThreadTimes times, long wallTicks)
    {
        lock (_times)
        {
            _taskCpuMs += times.CpuMs;
            _taskRunWaitMs += times.RunWaitMs;
        }

        AddTaskWall(wallTicks);
    }

    /// <summary>Adds wall-clock time of tasks, in <see cref="Stopwatch"/> ticks.</summary>
    public void AddTaskWall(long ticks) => Interlocked.Add(ref _taskWallTicks, ticks);

    public void CountClockReading() => Interlocked.Increment(ref _clockReadings);

    /// <summary>Keeps a pool thread's span, to be ended by <see cref="ClosePoolSpans"/> if its thread does not end it.</summary>
    public void AddPoolSpan(ThreadSpan span)
    {
        lock (_poolSpans)
        {
            _poolSpans.Add(span);
        }
    }

    /// <summary>Ends the pool threads' spans still open; call it once every task has ended.</summary>
    public void ClosePoolSpans()
    {
        lock (_poolSpans)
        {
            foreach (ThreadSpan span in _poolSpans)
            {
                span.CloseFromRun();
            }
        }
    }

    public void Complete(long checksum)
    {
        Interlocked.Add(ref _checksum, checksum);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Records a failure; cancellation caused by the caller is not a failure.</summary>
    public void Fail(Exception error)
    {
        if (error is OperationCanceledException && OuterToken.IsCancellationRequested)
        {
            return;
        }

        if (error is OperationCanceledException && Token.IsCancellationRequested && Volatile.Read(ref _error) is not null)
        {
            return; // stopped because another task failed first
        }

        Interlocked.CompareExchange(ref _error, error, null);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _stop.Dispose();
}
