using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// A bounded pool of processes. The caller adds tasks as they arrive (<see cref="TryAdd"/> refuses when the
/// small input queue is full, which paces an endless input), and takes rows and output lines on its own thread;
/// nothing here writes to a pipeline. Each slot runs one task at a time, with retries; a halted pool turns the
/// rest of the input into skipped rows. Memory stays bounded: rows are handed over as they finish, and only
/// <see cref="ProcessPoolOptions.KeepOrder"/> holds finished rows back, at most a window of them.
/// Disposing stops it: no task starts, running process trees are killed, and it returns once all are gone.
/// </summary>
public sealed class BoundedProcessPool : IDisposable
{
    private readonly ProcessPoolOptions _options;
    private readonly Channel<QueuedTask> _input;
    private readonly Channel<ProcessTaskResult> _results = Channel.CreateUnbounded<ProcessTaskResult>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<ProcessOutputLine> _lines;
    private readonly ProcessLineSink? _lineSink;
    // Set when there may be something to take or room for input. No spinning before it blocks: a
    // SemaphoreSlim spins through dozens of sched_yield calls on every wait, and the pipeline thread waits
    // once or more per task, so that spinning cost pwsh CPU for as long as the tasks ran.
    private readonly ManualResetEventSlim _activity = new(false, spinCount: 0);
    private readonly SemaphoreSlim? _window;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Dictionary<long, ProcessTaskResult> _early = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly Task _all;
    private readonly IReadOnlyList<IProcessRunner> _runners;
    private readonly ConcurrentQueue<QueuedTask> _orphans = new();
    private readonly ConcurrentQueue<HostFailedException> _hostFailures = new();
    private readonly HashSet<IProcessRunner> _failedRunners = new();
    private CancellationTokenSource _wake = new();
    private int _liveSlots;
    private long _taken;
    private bool _noHostLeft;
    private long _arrived;
    private long _nextToEmit;
    private long _completed;
    private long _ran;
    private long _failed;
    private long _skipped;
    private int _running;
    private int _peakRunning;
    private bool _halted;
    private bool _inputComplete;
    private int _disposed;

    /// <summary>Creates a pool that runs tasks on this machine and starts its slots.</summary>
    public BoundedProcessPool(ProcessPoolOptions options)
        : this(options, null)
    {
    }

    /// <summary>Creates a pool over the given runners (each with its own slots), or on this machine.</summary>
    internal BoundedProcessPool(ProcessPoolOptions options, IReadOnlyList<IProcessRunner>? runners)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        runners ??= new[] { new LocalProcessRunner(options, options.ThrottleLimit) };
        int slots = 0;
        foreach (IProcessRunner runner in runners)
        {
            slots += runner.Slots;
        }

        TotalSlots = slots;
        _liveSlots = slots;
        _runners = runners;
        _input = Channel.CreateBounded<QueuedTask>(new BoundedChannelOptions(Math.Max(64, 4 * slots)) { SingleWriter = true });
        if (options.KeepOrder)
        {
            ReorderWindow = options.ReorderWindow > 0 ? options.ReorderWindow : Math.Max(256, 16 * slots);
            _window = new SemaphoreSlim(ReorderWindow, ReorderWindow);
        }

        // Bounded: a task whose lines are not taken fast enough waits to write more (see ProcessLineSink).
        _lines = Channel.CreateBounded<ProcessOutputLine>(new BoundedChannelOptions(options.LineQueueCapacity) { SingleReader = true });
        if (options.StreamLines)
        {
            _lineSink = new ProcessLineSink(_lines.Writer, Signal, _stop.Token);
        }

        var running = new List<Task>(slots);
        int number = 0;
        foreach (IProcessRunner runner in runners)
        {
            for (int i = 0; i < runner.Slots; i++)
            {
                int slot = ++number;
                running.Add(runner.WantsSlotThreads
                    ? SlotThread.Run(string.Create(CultureInfo.InvariantCulture, $"Process pool slot {slot}"), () => RunSlotAsync(runner, slot))
                    : Task.Run(() => RunSlotAsync(runner, slot)));
            }
        }

        _all = Task.WhenAll(running).ContinueWith(
            done =>
            {
                _results.Writer.TryComplete(done.Exception?.GetBaseException());
                _lines.Writer.TryComplete();
                Signal();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Slots over all runners: the most tasks that run at once.</summary>
    public int TotalSlots { get; }

    /// <summary>Under KeepOrder, the most tasks taken but not yet emitted.</summary>
    public int ReorderWindow { get; }

    /// <summary>The most tasks that ever ran at once (an instrument for the throttle).</summary>
    public int PeakRunning => Volatile.Read(ref _peakRunning);

    /// <summary>Whether every row has been taken and no more will come; rethrows a fault of the pool itself.</summary>
    public bool IsCompleted
    {
        get
        {
            if (_results.Reader.Completion.IsFaulted)
            {
                _results.Reader.Completion.GetAwaiter().GetResult();
            }

            return _results.Reader.Completion.IsCompleted && _lines.Reader.Completion.IsCompleted;
        }
    }

    /// <summary>Whether the halt policy has stopped new tasks from starting.</summary>
    public bool IsHalted
    {
        get
        {
            lock (_gate)
            {
                return _halted;
            }
        }
    }

    /// <summary>Queues a task; false when the input queue is full (take rows, wait for activity, and try again).</summary>
    public bool TryAdd(ProcessTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (Volatile.Read(ref _inputComplete))
        {
            throw new InvalidOperationException("No task can be added after CompleteAdding.");
        }

        if (!_input.Writer.TryWrite(new QueuedTask(task, _arrived, Stopwatch.GetTimestamp())))
        {
            return false;
        }

        Interlocked.Increment(ref _arrived);
        return true;
    }

    /// <summary>Says that no more tasks will come; the pool completes once they have all run.</summary>
    public void CompleteAdding()
    {
        Volatile.Write(ref _inputComplete, true);
        _input.Writer.TryComplete();
    }

    /// <summary>Takes a finished row, if one is ready (in input order under KeepOrder).</summary>
    public bool TryTakeResult(out ProcessTaskResult result) => _results.Reader.TryRead(out result!);

    /// <summary>Takes a host that failed (reported once per host), if one did; its tasks went to the other hosts.</summary>
    public bool TryTakeHostFailure(out HostFailedException failure) => _hostFailures.TryDequeue(out failure!);

    /// <summary>Takes an output line, if one is ready (only with StreamLines).</summary>
    public bool TryTakeLine(out ProcessOutputLine line) => _lines.Reader.TryRead(out line!);

    /// <summary>
    /// Waits until there may be something to take or room for input, or at most <paramref name="timeout"/>.
    /// Rethrows a fault of the pool itself (a task's failure is a row, never an exception).
    /// </summary>
    public void WaitForActivity(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _ = IsCompleted;
        _activity.Wait(timeout, cancellationToken);

        // Cleared after the wait: whatever was signalled before this point is taken by the caller's next drain,
        // and a signal after it stays set for the next wait.
        _activity.Reset();
    }

    /// <summary>The counts so far.</summary>
    public ProcessPoolProgress GetProgress()
    {
        lock (_gate)
        {
            return new ProcessPoolProgress(
                Interlocked.Read(ref _arrived), _completed, Volatile.Read(ref _running), _failed, _skipped, Volatile.Read(ref _inputComplete), Stopwatch.GetElapsedTime(_startedAt));
        }
    }

    /// <summary>Stops the pool: no new task starts and running process trees are killed. Returns at once.</summary>
    public void Cancel() => _stop.Cancel();

    /// <summary>Cancels the pool and returns once every slot has ended and every child process is gone.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _input.Writer.TryComplete();
        try
        {
            _all.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Slots end by cancellation.
        }

        // Runners that hold remote pipelines stop them, all hosts at once.
        var stops = new List<Task>();
        foreach (IProcessRunner runner in _runners)
        {
            if (runner is IDisposable disposable)
            {
                stops.Add(Task.Run(disposable.Dispose));
            }
        }

        // The stop source is not disposed: a stop may still come after (Ctrl+C once an error disposed the pool), and a
        // source without a timer, whose linked sources are all disposed, holds nothing to free.
        Task.WaitAll(stops.ToArray());
    }

    /// <summary>
    /// A slot's loop. Its awaits resume on the captured context (there is none on the thread pool): a slot on a
    /// <see cref="SlotThread"/> stays on its thread, which reads its children itself.
    /// </summary>
    private async Task RunSlotAsync(IProcessRunner runner, int slot)
    {
        CancellationToken stop = _stop.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await runner.WaitForRoomAsync(slot, stop).ConfigureAwait(true);

                // The wake token is read before the orphan queue, so an orphan queued after the check cancels it.
                CancellationToken wake;
                lock (_gate)
                {
                    wake = _wake.Token;
                }

                if (!_orphans.TryDequeue(out QueuedTask item))
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stop, wake);
                    bool placeTaken = false;
                    try
                    {
                        // Under KeepOrder a slot takes a place in the window before it takes a task, so places go out in
                        // input order and the oldest unfinished task always holds one: the window cannot deadlock.
                        // (A task put back by a failed host keeps the place it had.)
                        if (_window is not null)
                        {
                            await _window.WaitAsync(waiting.Token).ConfigureAwait(true);
                            placeTaken = true;
                        }

                        if (!await _input.Reader.WaitToReadAsync(waiting.Token).ConfigureAwait(true) || !_input.Reader.TryRead(out item))
                        {
                            _window?.Release();
                            placeTaken = false;
                            if (_input.Reader.Completion.IsCompleted)
                            {
                                // Tasks still running elsewhere may come back if their host fails: wait for them.
                                if (Interlocked.Read(ref _taken) == 0)
                                {
                                    return;
                                }

                                await Task.Delay(50, waiting.Token).ConfigureAwait(true);
                            }

                            continue;
                        }

                        Interlocked.Increment(ref _taken);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        // Woken for an orphan.
                        if (placeTaken)
                        {
                            _window!.Release();
                        }

                        continue;
                    }
                }

                Signal();
                ProcessTaskResult? result = await RowOfAsync(runner, slot, item, stop).ConfigureAwait(true);
                if (result is null)
                {
                    // The host failed and the task went back to the queue.
                    if (Interlocked.Decrement(ref _liveSlots) > 0)
                    {
                        return;
                    }

                    // The last slot stays to turn what is left into rows.
                    lock (_gate)
                    {
                        _noHostLeft = true;
                    }

                    continue;
                }

                if (stop.IsCancellationRequested)
                {
                    return;
                }

                Complete(item.Index, result);
                Interlocked.Decrement(ref _taken);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            // A slot that ends gives up its place, so a slot held back there can take it, find the work done, and end.
            runner.LeaveRoom(slot);
        }
    }

    /// <summary>
    /// The row of a task a slot took: skipped, unprepared, or run; null when its host failed and the task went back
    /// to the queue. A method returning the row, and plain null checks, rather than a local assigned in branches
    /// and a try block: a mutant that empties one of them would leave the local unassigned, and the mutation tests
    /// would then have to skip all of <see cref="RunSlotAsync"/>.
    /// </summary>
    private async Task<ProcessTaskResult?> RowOfAsync(IProcessRunner runner, int slot, QueuedTask item, CancellationToken stop)
    {
        string? reason = SkipReason();
        if (reason is not null)
        {
            return Skip(item, reason);
        }

        string? unprepared = item.Task.PreparationError;
        if (unprepared is not null)
        {
            return new ProcessTaskResult(item.Task, Measurement.MachineInfo.MachineName) { Slot = slot, Error = unprepared };
        }

        try
        {
            return await RunTaskAsync(runner, slot, item, stop).ConfigureAwait(true);
        }
        catch (HostFailedException failure) when (!stop.IsCancellationRequested)
        {
            Retire(runner, item, failure);
            return null;
        }
    }

    /// <summary>Reports a failed host once and puts the task back for the other slots, waking any that wait.</summary>
    private void Retire(IProcessRunner runner, QueuedTask item, HostFailedException failure)
    {
        CancellationTokenSource woken;
        lock (_gate)
        {
            if (_failedRunners.Add(runner))
            {
                _hostFailures.Enqueue(failure);
            }

            _orphans.Enqueue(item with { PriorAttempts = item.PriorAttempts + (failure.AttemptStarted ? 1 : 0) });
            woken = _wake;
            _wake = new CancellationTokenSource();
        }

        woken.Cancel();
        Signal();
    }

    private async Task<ProcessTaskResult> RunTaskAsync(IProcessRunner runner, int slot, QueuedTask item, CancellationToken stop)
    {
        int running = Interlocked.Increment(ref _running);
        int peak;
        while (running > (peak = Volatile.Read(ref _peakRunning)) && Interlocked.CompareExchange(ref _peakRunning, running, peak) != peak)
        {
        }

        double queueWaitMs = Stopwatch.GetElapsedTime(item.ArrivedAt).TotalMilliseconds;
        try
        {
            ProcessTaskResult result;
            int attempt = item.PriorAttempts;
            int tries = 0;
            do
            {
                attempt++;
                tries++;
                result = await runner.RunAsync(item.Task.ForSlot(slot), slot, attempt, _lineSink, stop).ConfigureAwait(true);
            }
            while (!result.Succeeded && result.ProcessId is not null && tries <= _options.RetryCount && !stop.IsCancellationRequested);

            result.QueueWaitMs = queueWaitMs;
            return result;
        }
        catch (Exception error) when (error is not HostFailedException && !stop.IsCancellationRequested)
        {
            // A fault of the runner itself is still this task's row.
            return new ProcessTaskResult(item.Task, runner.ComputerName)
            {
                Slot = slot,
                QueueWaitMs = queueWaitMs,
                Error = $"{error.GetType().Name}: {error.Message}",
            };
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private string? SkipReason()
    {
        lock (_gate)
        {
            return _halted
                ? string.Create(CultureInfo.InvariantCulture, $"Not started: the pool halted after {_failed} of {_ran} tasks failed (HaltAfter {_options.HaltAfter}).")
                : _noHostLeft ? "Not started: every host failed." : null;
        }
    }

    private ProcessTaskResult Skip(QueuedTask item, string reason) =>
        new(item.Task, Environment.MachineName) { Skipped = true, Error = reason };

    private void Complete(long index, ProcessTaskResult result)
    {
        lock (_gate)
        {
            if (result.Skipped)
            {
                _skipped++;
            }
            else
            {
                _ran++;
                if (!result.Succeeded)
                {
                    _failed++;
                }

                _halted |= _options.HaltAfter?.ShouldHalt(_failed, _ran) == true;
            }

            if (_window is null)
            {
                _completed++;
                _results.Writer.TryWrite(result);
            }
            else
            {
                _early.Add(index, result);
                while (_early.Remove(_nextToEmit, out ProcessTaskResult? next))
                {
                    _nextToEmit++;
                    _completed++;
                    _results.Writer.TryWrite(next);
                    _window.Release();
                }
            }
        }

        Signal();
    }

    private void Signal() => _activity.Set();

    private readonly record struct QueuedTask(ProcessTask Task, long Index, long ArrivedAt, int PriorAttempts = 0);
}
