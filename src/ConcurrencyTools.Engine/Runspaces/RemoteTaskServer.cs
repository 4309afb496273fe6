using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The host's side of a remote process pool (Invoke-ProcessPool -Session): it runs inside one long-running remote
/// pipeline and is fed one input object per task, then a poll. A task object starts its process at once; a poll
/// waits a little for a finished task and answers with every row (and output line) ready, then an end marker.
/// A remote pipeline can only write while it handles an input object, so the poll is what lets rows come back
/// while no task is being sent; the caller keeps exactly one poll outstanding while anything runs here.
/// Retries, halting and ordering stay with the caller; time limits and killing process trees are applied here.
/// </summary>
public sealed class RemoteTaskServer : IDisposable
{
    /// <summary>The property that marks the end of a poll's answer.</summary>
    public const string EndMarker = "ConcurrencyToolsPollEnd";

    /// <summary>How long a poll waits for a task to finish while the host has a free slot (new tasks wait behind it).</summary>
    internal static readonly TimeSpan PollWaitWithFreeSlot = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a poll waits while every slot is busy (no new task can come until one finishes).</summary>
    internal static readonly TimeSpan PollWaitWhenFull = TimeSpan.FromMilliseconds(500);

    /// <summary>How long Dispose waits for killed process trees to be reaped.</summary>
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(10);

    private readonly IProcessRunner _runner;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<object> _ready = new();
    private readonly SemaphoreSlim _finished = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private int _disposed;

    /// <summary>Creates the server with the caller's options.</summary>
    /// <param name="options">TimeoutSeconds, WorkingDirectory (already a path on this host), Environment, MaxOutputBytes, Stream.</param>
    /// <param name="slots">Tasks this host runs at once.</param>
    public RemoteTaskServer(Hashtable options, int slots)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentRange.Check(nameof(slots), slots, 1, ProcessPoolOptions.MaxThrottleLimit);
        double? timeout = options["TimeoutSeconds"] is object seconds ? LanguagePrimitives.ConvertTo<double>(seconds) : null;
        var poolOptions = new ProcessPoolOptions
        {
            ThrottleLimit = slots,
            Timeout = timeout is double s ? TimeSpan.FromSeconds(s) : null,
            WorkingDirectory = options["WorkingDirectory"] as string,
            Environment = (options["Environment"] as IDictionary)?.Cast<DictionaryEntry>()
                .ToDictionary(e => e.Key.ToString()!, e => e.Value is null ? null : LanguagePrimitives.ConvertTo<string>(e.Value)),
            MaxOutputBytes = options["MaxOutputBytes"] is object max ? LanguagePrimitives.ConvertTo<int>(max) : ProcessPoolOptions.DefaultMaxOutputBytes,
            StreamLines = options["Stream"] is true,
        };
        poolOptions.Validate();
        Slots = slots;
        _runner = new LocalProcessRunner(poolOptions, slots);
        StreamLines = poolOptions.StreamLines;
    }

    /// <summary>Tasks this host runs at once.</summary>
    public int Slots { get; }

    /// <summary>Tasks running now.</summary>
    public int Running => _running.Count;

    private bool StreamLines { get; }

    /// <summary>The input object for a task (what the caller sends).</summary>
    internal static PSObject TaskMessage(long id, ProcessTask task)
    {
        var message = new PSObject();
        message.Properties.Add(new PSNoteProperty("Id", id));
        message.Properties.Add(new PSNoteProperty("FilePath", task.FilePath));
        message.Properties.Add(new PSNoteProperty("Arguments", task.Arguments.ToArray()));
        message.Properties.Add(new PSNoteProperty("StandardInput", task.StandardInput));
        return message;
    }

    /// <summary>The input object for a poll.</summary>
    internal static PSObject PollMessage()
    {
        var message = new PSObject();
        message.Properties.Add(new PSNoteProperty("Poll", true));
        return message;
    }

    /// <summary>Handles one input object: starts a task and answers nothing, or answers a poll.</summary>
    public object[] Exchange(PSObject message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Properties["Id"]?.Value is object id)
        {
            Start(LanguagePrimitives.ConvertTo<long>(id), message);
            return Array.Empty<object>();
        }

        if (message.Properties["Poll"] is null)
        {
            throw new ArgumentException("The message is neither a task nor a poll.", nameof(message));
        }

        if (_ready.IsEmpty && !_running.IsEmpty)
        {
            _finished.Wait(_running.Count < Slots ? PollWaitWithFreeSlot : PollWaitWhenFull, _stop.Token);
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

        var end = new PSObject();
        end.Properties.Add(new PSNoteProperty(EndMarker, true));
        end.Properties.Add(new PSNoteProperty("Running", _running.Count));
        answer.Add(end);
        return answer.ToArray();
    }

    /// <summary>Kills every running process tree and waits (a little) until they are reaped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            Task.WaitAll(_running.Values.ToArray(), DisposeWait);
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

    private void Start(long id, PSObject message)
    {
        object? arguments = message.Properties["Arguments"]?.Value;
        IEnumerable<string> list = arguments is null ? Array.Empty<string>()
            : LanguagePrimitives.GetEnumerable(arguments) is IEnumerable many ? many.Cast<object?>().Select(a => LanguagePrimitives.ConvertTo<string>(a) ?? string.Empty)
            : new[] { LanguagePrimitives.ConvertTo<string>(arguments) ?? string.Empty };
        var task = new ProcessTask(
            id,
            string.Empty,
            LanguagePrimitives.ConvertTo<string>(message.Properties["FilePath"]?.Value) ?? string.Empty,
            list.ToList(),
            message.Properties["StandardInput"]?.Value is object input ? LanguagePrimitives.ConvertTo<string>(input) : null);
        Action<ProcessOutputLine>? onLine = StreamLines ? line => _ready.Enqueue(line) : null;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[id] = started.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                ProcessTaskResult row = await _runner.RunAsync(task, 0, 1, onLine, _stop.Token).ConfigureAwait(false);
                _ready.Enqueue(ToWire(row));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                _ready.Enqueue(ToWire(new ProcessTaskResult(task, _runner.ComputerName) { Error = $"{error.GetType().Name}: {error.Message}" }));
            }
            finally
            {
                _running.TryRemove(id, out _);
                started.TrySetResult();
                _finished.Release();
            }
        });
    }
}
