using System;
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
/// The host's side of a remote process pool (Invoke-ProcessPool -Session). It lives for the whole run in one
/// long-running remote pipeline (see SessionProcessRunner), whose inputs bring batches of tasks
/// (<see cref="ExchangeBatch"/>) and whose output takes back rows: for each input it starts the tasks, waits a little
/// for one to finish, and answers with every row (and output line) ready. A remote pipeline can only write while it
/// handles an input, so the caller sends an empty batch (a poll) whenever tasks run here and no input is on its way.
/// Writing into a running pipeline used to be unsafe: PowerShell's SSH client ended the whole client
/// when a host died with its input open, until SshPipeGuard held the ssh pipe. Retries, halting and ordering stay
/// with the caller; time limits and killing process trees happen here.
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

    /// <summary>How long Dispose waits, by default, for killed process trees to be reaped.</summary>
    internal static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(10);

    private readonly IProcessRunner _runner;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<object> _ready = new();
    private readonly SemaphoreSlim _finished = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly object _slots = new();
    private readonly SortedSet<int> _freeSlots;
    private readonly Queue<(long Id, ProcessTask Task)> _waiting = new();
    private readonly Timer _watchdog;
    private readonly TimeSpan _abandonedAfter;
    private readonly TimeSpan _disposeWait;
    private long _lastExchange = Stopwatch.GetTimestamp();
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
        : this(options, slots, createRunner, AbandonedAfter)
    {
    }

    /// <summary>
    /// Creates the server, which kills its tasks after <paramref name="abandonedAfter"/> without an exchange, and whose
    /// Dispose waits at most <paramref name="disposeWait"/> (<see cref="DisposeWait"/> when null) for them to be reaped.
    /// </summary>
    internal RemoteTaskServer(RemotePoolOptions options, int slots, Func<ProcessPoolOptions, int, IProcessRunner> createRunner, TimeSpan abandonedAfter, TimeSpan? disposeWait = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentRange.Check(nameof(slots), slots, 1, ProcessPoolOptions.MaxThrottleLimit);
        ProcessPoolOptions poolOptions = options.ToPoolOptions(slots);
        Slots = slots;
        _freeSlots = new SortedSet<int>(Enumerable.Range(1, slots));
        _runner = createRunner(poolOptions, slots);
        StreamLines = poolOptions.StreamLines;
        _abandonedAfter = abandonedAfter;
        _disposeWait = disposeWait ?? DisposeWait;
        _watchdog = new Timer(_ => DisposeIfAbandoned(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Tasks this host runs at once.</summary>
    public int Slots { get; }

    /// <summary>Tasks running now.</summary>
    public int Running => _running.Count;

    private bool StreamLines { get; }

    /// <summary>
    /// Starts the tasks of <paramref name="batch"/> (one JSON text, see <see cref="RemoteTaskBatch"/>; null or empty for
    /// a poll), then waits a little for one to finish, and returns the rows and lines ready: the answer to one input of
    /// the caller's long-running remote pipeline.
    /// </summary>
    public object[] ExchangeBatch(string? batch)
    {
        Volatile.Write(ref _lastExchange, Stopwatch.GetTimestamp());
        foreach ((long id, ProcessTask task) in RemoteTaskBatch.Read(batch))
        {
            Start(id, task);
        }

        object[] answer = Poll();
        Volatile.Write(ref _lastExchange, Stopwatch.GetTimestamp());
        return answer;
    }

    /// <summary>Waits a little for a task to finish (not at all if one has), then returns the rows and lines ready.</summary>
    private object[] Poll()
    {
        if (_ready.IsEmpty && !_running.IsEmpty)
        {
            bool idleSlot;
            lock (_slots)
            {
                idleSlot = _freeSlots.Count > 0;
            }

            _finished.Wait(idleSlot ? PollWaitWithFreeSlot : PollWaitWhenFull, _stop.Token);
        }

        var answer = new List<object>();
        while (_ready.TryDequeue(out object? item))
        {
            answer.Add(item);
        }

        // The semaphore counts finished tasks; what was just taken need not wake the next poll.
        while (_finished.CurrentCount > 0 && _finished.Wait(0))
        {
        }

        return answer.ToArray();
    }

    private void DisposeIfAbandoned()
    {
        if (!_running.IsEmpty && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastExchange)) > _abandonedAfter)
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
            Task.WaitAll(running, _disposeWait);
        }
        catch (AggregateException)
        {
            // Cancelled attempts end either way; their rows are not wanted any more.
        }

        _stop.Dispose();
    }

    /// <summary>A time as it crossed the wire (see <see cref="ToWire"/>).</summary>
    internal static DateTimeOffset? FromWire(long? utcTicks, int offsetMinutes) =>
        utcTicks is long ticks ? new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes)) : null;

    /// <summary>
    /// A row as remoting carries it whole: every value a primitive at the top level. (Serialized as it is, a row's
    /// DateTimeOffset columns would arrive as text, being one level too deep.)
    /// </summary>
    private static PSObject ToWire(ProcessTaskResult row)
    {
        var wire = new PSObject();
        void Add(string name, object? value) => wire.Properties.Add(new PSNoteProperty(name, value));
        Add(nameof(row.Seq), row.Seq);
        Add(nameof(row.MachineName), row.MachineName);
        Add(nameof(row.Slot), row.Slot);
        Add(nameof(row.ProcessId), row.ProcessId);
        Add("StartTimeUtcTicks", row.StartTime?.UtcTicks);
        Add("StartTimeOffsetMinutes", (int?)row.StartTime?.Offset.TotalMinutes);
        Add("EndTimeUtcTicks", row.EndTime?.UtcTicks);
        Add("EndTimeOffsetMinutes", (int?)row.EndTime?.Offset.TotalMinutes);
        Add(nameof(row.DurationMs), row.DurationMs);
        Add(nameof(row.CpuTimeMs), row.CpuTimeMs);
        Add(nameof(row.PeakWorkingSetBytes), row.PeakWorkingSetBytes);
        Add(nameof(row.ExitCode), row.ExitCode);
        Add(nameof(row.Signal), row.Signal);
        Add(nameof(row.TimedOut), row.TimedOut);
        Add(nameof(row.Succeeded), row.Succeeded);
        Add(nameof(row.StdOut), row.StdOut);
        Add(nameof(row.StdErr), row.StdErr);
        Add(nameof(row.StdInBytes), row.StdInBytes);
        Add(nameof(row.StdOutBytes), row.StdOutBytes);
        Add(nameof(row.StdErrBytes), row.StdErrBytes);
        Add(nameof(row.Truncated), row.Truncated);
        Add(nameof(row.Error), row.Error);
        return wire;
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
        ProcessLineSink? onLine = StreamLines ? new ProcessLineSink(line => _ready.Enqueue(line)) : null;
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[id] = ended.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                ProcessTaskResult row = await _runner.RunAsync(task, slot, 1, onLine, _stop.Token).ConfigureAwait(false);
                _ready.Enqueue(ToWire(row));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                _ready.Enqueue(ToWire(new ProcessTaskResult(task, _runner.ComputerName) { Slot = slot, Error = $"{error.GetType().Name}: {error.Message}" }));
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
