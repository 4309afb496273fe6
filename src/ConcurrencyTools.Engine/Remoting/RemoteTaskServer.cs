using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// The host's side of a remote process pool (Invoke-ProcessPool -Session). It lives in a variable of the remote
/// session for the whole run. Each exchange is one remote command that hands it a batch of tasks
/// (<see cref="Send"/>), which it starts at once or queues for a slot, and then writes rows and output lines back as
/// tasks end (<see cref="Answer"/>) until only as many tasks wait here as run in one round trip: then the command
/// ends and the caller's next one brings the next batch while those still run. Nothing is written into a running
/// command: PowerShell's SSH transport brings the whole client down when a host dies while the client has unsent
/// input for it, so the caller writes only when it starts a command. Retries, halting and ordering stay with the
/// caller; time limits and killing process trees happen here.
/// </summary>
public sealed class RemoteTaskServer : IDisposable
{
    /// <summary>How long a poll waits for a task to finish while the host has a free slot (new tasks wait behind it).</summary>
    internal static readonly TimeSpan PollWaitWithFreeSlot = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a poll waits while every slot is busy (then the caller has nothing to send until one finishes).</summary>
    internal static readonly TimeSpan PollWaitWhenFull = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the server goes on without an exchange while tasks run before it kills them: the caller exchanges every
    /// half second while anything runs here, so silence means it stopped or lost the session without cleaning up.
    /// </summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(10);

    /// <summary>After a task ended, how long an answer that does not end the command waits for more to end with it.</summary>
    internal static readonly TimeSpan GatherWait = TimeSpan.FromMilliseconds(2);

    /// <summary>How long Dispose waits for killed process trees to be reaped.</summary>
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(10);

    private readonly IProcessRunner _runner;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _ready = new();
    private readonly SemaphoreSlim _finished = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly object _slots = new();
    private readonly SortedSet<int> _freeSlots;
    private readonly Queue<(long Id, ProcessTask Task)> _waiting = new();
    private readonly Timer _watchdog;
    private long _lastExchange = Stopwatch.GetTimestamp();
    private long _commandStarted = Stopwatch.GetTimestamp();
    private volatile bool _answerEnds;
    private int _disposed;

    /// <summary>Creates the server with the caller's options.</summary>
    /// <param name="options">The caller's options, the working directory already a path on this host.</param>
    /// <param name="slots">Tasks this host runs at once.</param>
    public RemoteTaskServer(RemotePoolOptions options, int slots)
        : this(options, slots, (poolOptions, n) => new LocalProcessRunner(poolOptions, n))
    {
    }

    /// <summary>Creates the server with the runner <paramref name="createRunner"/> makes from the options and slots.</summary>
    internal RemoteTaskServer(RemotePoolOptions options, int slots, Func<ProcessPoolOptions, int, IProcessRunner> createRunner)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentRange.Check(nameof(slots), slots, 1, ProcessPoolOptions.MaxThrottleLimit);
        ProcessPoolOptions poolOptions = options.ToPoolOptions(slots);
        Slots = slots;
        _freeSlots = new SortedSet<int>(Enumerable.Range(1, slots));
        _runner = createRunner(poolOptions, slots);
        StreamLines = poolOptions.StreamLines;
        _watchdog = new Timer(_ => DisposeIfAbandoned(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Tasks this host runs at once.</summary>
    public int Slots { get; }

    /// <summary>Tasks running now.</summary>
    public int Running => _running.Count;

    private bool StreamLines { get; }

    /// <summary>
    /// Starts the tasks of <paramref name="batch"/> (see <see cref="RemoteWire.WriteTasks"/>; null or empty for a poll)
    /// at once, or queues them until a slot frees up. The command that sends them then calls <see cref="Answer"/> until
    /// it returns null.
    /// </summary>
    public void Send(string? batch)
    {
        Volatile.Write(ref _lastExchange, Stopwatch.GetTimestamp());
        IReadOnlyList<(long Id, ProcessTask Task)> tasks = RemoteWire.ReadTasks(batch);
        Volatile.Write(ref _commandStarted, Stopwatch.GetTimestamp());
        _answerEnds = false;
        foreach ((long id, ProcessTask task) in tasks)
        {
            Start(id, task);
        }
    }

    /// <summary>
    /// Waits a little for a task to finish (not at all if one has) and returns the rows and lines ready as one answer
    /// (see <see cref="RemoteWire.WriteAnswer"/>); null when the command should end so that the caller can send more.
    /// It ends once no more than <paramref name="lowWater"/> tasks wait here (the caller's next batch arrives before
    /// they run out), or when nothing finished for a while (a poll: the caller may have tasks for a free slot).
    /// Rows go back as their tasks end, so that when a host dies the caller knows which tasks finished.
    /// </summary>
    public string? Answer(int lowWater)
    {
        Volatile.Write(ref _lastExchange, Stopwatch.GetTimestamp());
        if (_answerEnds)
        {
            _answerEnds = false;
            return null;
        }

        if (_ready.IsEmpty && !_running.IsEmpty)
        {
            _finished.Wait(IdleSlot ? PollWaitWithFreeSlot : PollWaitWhenFull, _stop.Token);
        }

        // Tasks that end close together go back together: each answer costs the wire more than a row in it.
        if (!_ready.IsEmpty && Waiting > lowWater)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(GatherWait.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline && _finished.Wait(GatherWait, _stop.Token))
            {
            }
        }

        var records = new List<string>();
        while (_ready.TryDequeue(out string? record))
        {
            records.Add(record);
        }

        // The semaphore counts finished tasks; what was just taken need not wake the next wait.
        while (_finished.CurrentCount > 0 && _finished.Wait(0))
        {
        }

        Volatile.Write(ref _lastExchange, Stopwatch.GetTimestamp());
        if (records.Count == 0)
        {
            return null;
        }

        _answerEnds = Waiting <= lowWater;
        return RemoteWire.WriteAnswer(Stopwatch.GetElapsedTime(Volatile.Read(ref _commandStarted)).TotalMilliseconds, records);
    }

    /// <summary>Tasks sent here that wait for a slot.</summary>
    private int Waiting
    {
        get
        {
            lock (_slots)
            {
                return _waiting.Count;
            }
        }
    }

    private bool IdleSlot
    {
        get
        {
            lock (_slots)
            {
                return _freeSlots.Count > 0;
            }
        }
    }

    private void DisposeIfAbandoned()
    {
        if (!_running.IsEmpty && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastExchange)) > AbandonedAfter)
        {
            Dispose();
        }
    }

    /// <summary>Kills every running process tree and waits (a little) until they are reaped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watchdog.Dispose();
        _stop.Cancel();
        Task[] running;
        lock (_slots)
        {
            _waiting.Clear();
            running = _running.Values.ToArray();
        }

        try
        {
            Task.WaitAll(running, DisposeWait);
        }
        catch (AggregateException)
        {
            // Cancelled attempts end either way; their rows are not wanted any more.
        }

        _stop.Dispose();
    }

    /// <summary>Starts a task in a free slot, or queues it until one frees up (the caller sends a few ahead).</summary>
    private void Start(long id, ProcessTask task)
    {
        lock (_slots)
        {
            if (_freeSlots.Count == 0)
            {
                _waiting.Enqueue((id, task));
                return;
            }

            Launch(id, task, _freeSlots.Min);
        }
    }

    /// <summary>Runs a task in <paramref name="slot"/>; when it ends, the slot takes the next waiting task. Called under the slots lock.</summary>
    private void Launch(long id, ProcessTask task, int slot)
    {
        _freeSlots.Remove(slot);
        ProcessLineSink? onLine = StreamLines ? new ProcessLineSink(line => _ready.Enqueue(RemoteWire.WriteLine(id, line))) : null;
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[id] = ended.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                ProcessTaskResult row = await _runner.RunAsync(task, slot, 1, onLine, _stop.Token).ConfigureAwait(false);
                _ready.Enqueue(RemoteWire.WriteRow(id, row));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                _ready.Enqueue(RemoteWire.WriteRow(id, new ProcessTaskResult(task, _runner.ComputerName) { Slot = slot, Error = $"{error.GetType().Name}: {error.Message}" }));
            }
            finally
            {
                lock (_slots)
                {
                    _running.TryRemove(id, out _);
                    _freeSlots.Add(slot);
                    if (!_stop.IsCancellationRequested && _waiting.TryDequeue(out (long Id, ProcessTask Task) next))
                    {
                        Launch(next.Id, next.Task, slot);
                    }
                }

                ended.TrySetResult();
                _finished.Release();
            }
        });
    }
}
