using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// Runs attempts on a remote host through one long-running remote pipeline that holds a <see cref="RemoteTaskServer"/>
/// (see there for the protocol). One pump per host writes the tasks waiting to go as one input as soon as they come
/// (the first once the host is ready), ahead of the host's slots, and a poll when tasks run there and no input is on
/// its way; rows stream back as the answers come. A broken session or pipeline fails every attempt on the host with
/// <see cref="HostFailedException"/>, and the local pool gives them to the other hosts. While it runs, a
/// <see cref="SshPipeGuard"/> holds the session's ssh pipe, so that a host dying with the pipeline's input open cannot
/// end the local pwsh.
/// </summary>
internal sealed class SessionProcessRunner : IProcessRunner, IDisposable
{
    /// <summary>How long disposing waits for the pump to end (it ends at once when cancelled).</summary>
    private static readonly TimeSpan CleanupWait = TimeSpan.FromSeconds(30);

    /// <summary>The property of the object that ends the answer to one input.</summary>
    internal const string AnswerEnd = "ConcurrencyToolsAnswerEnd";

    /// <summary>The property of the object the host writes once its server is made and it reads inputs.</summary>
    internal const string Ready = "ConcurrencyToolsReady";

    // The server lives in the pipeline: the clean block disposes it (killing its process trees) however the pipeline
    // ends. The options arrive as the flat hashtable RemotePoolOptions.ToWire made; the working directory is resolved
    // here, on the host. Each input is a batch of tasks (or a poll), answered with the rows ready and the end marker.
    private const string ServerScript = "param([hashtable] $Options, [int] $Slots, [string] $Version)\n" +
        "begin {\n$server = $null\n$missing = & {\n" + RemoteModule.ImportScript + """

        }
        if ($missing) { $missing; return }
        $hostOptions = [ConcurrencyTools.Engine.Remoting.RemotePoolOptions]::FromWire($Options)
        $directory = if ($null -ne $hostOptions.WorkingDirectory) {
            $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($hostOptions.WorkingDirectory)
        } else {
            $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
        }
        $server = [ConcurrencyTools.Engine.Remoting.RemoteTaskServer]::new($hostOptions.WithWorkingDirectory($directory), $Slots)
        [pscustomobject] @{ ConcurrencyToolsReady = $true }
        }
        process { if ($server) { $server.ExchangeBatch($_); [pscustomobject] @{ ConcurrencyToolsAnswerEnd = $true } } }
        clean { if ($server) { $server.Dispose() } }
        """;

    /// <summary>The most tasks sent ahead of a host's slots (with more slots, one per slot).</summary>
    private const int MaxAhead = 128;

    /// <summary>
    /// Inputs written and not yet answered: two, so that the host finds the next one waiting when it answers one,
    /// and tasks that come meanwhile wait to go together rather than queue on the wire one round trip each.
    /// </summary>
    private const int MaxInputsOnTheWay = 2;

    private static long s_commandsStarted;

    private readonly PSSession _session;
    private readonly RemotePoolOptions _options;
    private readonly SshPipeGuard _guard;
    private readonly string _version;
    private readonly string? _moduleBase;
    private readonly ConcurrentQueue<long> _toSend = new();
    private readonly ConcurrentDictionary<long, Attempt> _attempts = new();
    private readonly SemaphoreSlim _work = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly PSDataCollection<PSObject> _input = new();
    private readonly PSDataCollection<PSObject> _output = new();
    private readonly Task _pump;
    private readonly TaskCompletionSource _hostReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _firstSlot;
    private PowerShell? _pipeline;
    private HostFailedException? _failure;
    private long _nextId;
    private readonly HashSet<int> _placed = new();
    private readonly Queue<(int Slot, TaskCompletionSource Room)> _waitingForRoom = new();
    private readonly Queue<long> _sentAt = new();
    private double _answerMs = double.NaN;
    private double _taskMs = double.NaN;
    private int _inFlight;
    private long _inputs;
    private int _disposed;

    /// <param name="session">An open session to the host.</param>
    /// <param name="slots">Tasks the host runs at once.</param>
    /// <param name="firstSlot">The number rows give the host's first slot (slots are numbered across hosts).</param>
    /// <param name="options">What the host applies itself (its working directory as the user wrote it, resolved there).</param>
    /// <param name="version">The module version the host must have.</param>
    /// <param name="moduleBase">This module's folder, named in the hint when the host lacks it.</param>
    public SessionProcessRunner(PSSession session, int slots, int firstSlot, RemotePoolOptions options, string version, string? moduleBase)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        _session = session;
        _options = options;
        _version = version;
        _moduleBase = moduleBase;
        HostSlots = slots;
        _firstSlot = firstSlot;
        ComputerName = SessionFanOut.Describe(session);
        _guard = SshPipeGuard.For(session);
        _output.DataAdded += (_, _) => Deliver();
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Remote commands started by every runner of this process: one per host and run (a test counts them).</summary>
    internal static long CommandsStarted => Interlocked.Read(ref s_commandsStarted);

    public string ComputerName { get; }

    /// <summary>
    /// The most tasks the pool may hand this host at once: those it runs and up to <see cref="MaxAhead"/> waiting there.
    /// How many it takes at a time follows the tasks' length and the round trip (see <see cref="Allowed"/>).
    /// </summary>
    public int Slots => HostSlots + Math.Max(HostSlots, MaxAhead);

    /// <summary>Tasks the host runs at once.</summary>
    public int HostSlots { get; }

    /// <summary>Inputs written to the host's pipeline so far: batches of tasks and polls.</summary>
    public long Inputs => Interlocked.Read(ref _inputs);

    /// <summary>How many of the pool's slots hold a place on this host now (an instrument for tests).</summary>
    internal int PlacesHeld
    {
        get
        {
            lock (_gate)
            {
                return _placed.Count;
            }
        }
    }

    /// <summary>
    /// The running averages of an input's round trip and of a task's duration on the host, in milliseconds; not a
    /// number before the first answer or row (an instrument for tests).
    /// </summary>
    internal (double AnswerMs, double TaskMs) Averages
    {
        get
        {
            lock (_gate)
            {
                return (_answerMs, _taskMs);
            }
        }
    }

    /// <summary>Whether the host has made its server and reads inputs, or failed (an instrument for tests).</summary>
    internal bool HostReady => _hostReady.Task.IsCompleted;

    /// <summary>The guard of the session's ssh pipe, held until this runner is disposed (an instrument for tests).</summary>
    internal SshPipeGuard Guard => _guard;

    public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
    {
        var pending = new Attempt(task, attempt, onLine, slot);
        lock (_gate)
        {
            if (_failure is HostFailedException failed)
            {
                throw Copy(failed, attemptStarted: false);
            }

            long id = ++_nextId;
            _attempts[id] = pending;
            _toSend.Enqueue(id);
        }

        _work.Release();
        using (cancellationToken.Register(() => pending.Done.TrySetCanceled(cancellationToken)))
        {
            return await pending.Done.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Holds the pool's slot back while the host has as many tasks as it needs (see <see cref="Allowed"/>).</summary>
    public ValueTask WaitForRoomAsync(int slot, CancellationToken cancellationToken)
    {
        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_failure is not null || _placed.Contains(slot) || _placed.Count < Allowed)
            {
                // A failed host takes every slot at once: each learns of the failure from RunAsync.
                _placed.Add(slot);
                return ValueTask.CompletedTask;
            }

            _waitingForRoom.Enqueue((slot, room));
        }

        return new ValueTask(room.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Gives up the place of a slot that ended.</summary>
    public void LeaveRoom(int slot)
    {
        lock (_gate)
        {
            FreePlace(slot);
        }
    }

    /// <summary>Tasks the host should have at once (see <see cref="TasksToHold"/>). Called under the gate.</summary>
    private int Allowed => TasksToHold(HostSlots, _answerMs, _taskMs);

    /// <summary>
    /// Tasks a host should have at once: its slots, and as many more as it finishes in one round trip (an input
    /// and its answer; tens of milliseconds over SSH, which holds back small writes), so that no slot waits on the
    /// wire; at least as many more as it has slots, at most <see cref="MaxAhead"/> more (or one per slot). Before
    /// the first answer and row (either average not a number yet), as many more as it has slots.
    /// </summary>
    /// <param name="hostSlots">Tasks the host runs at once.</param>
    /// <param name="answerMs">The running average of an input's round trip, in milliseconds.</param>
    /// <param name="taskMs">The running average of a task's duration there, in milliseconds.</param>
    internal static int TasksToHold(int hostSlots, double answerMs, double taskMs)
    {
        int ahead = hostSlots;
        if (!double.IsNaN(answerMs) && !double.IsNaN(taskMs))
        {
            // Four times what the slots finish in one answer's time: a task's row and the next task cross the wire as well.
            double perRoundTrip = 4 * hostSlots * answerMs / Math.Max(taskMs, 0.2);
            ahead = (int)Math.Clamp(Math.Ceiling(perRoundTrip), hostSlots, Math.Max(hostSlots, MaxAhead));
        }

        return hostSlots + ahead;
    }

    /// <summary>Frees the place of a slot whose attempt ended (or of every slot), and lets waiting slots in. Called under the gate.</summary>
    private void FreePlace(int? slot)
    {
        if (slot is int one)
        {
            _placed.Remove(one);
        }
        else
        {
            _placed.Clear();
        }

        while (_waitingForRoom.Count > 0 && (_failure is not null || _placed.Count < Allowed))
        {
            (int next, TaskCompletionSource room) = _waitingForRoom.Dequeue();
            if (room.TrySetResult())
            {
                _placed.Add(next);
            }
        }
    }

    /// <summary>A running average that follows a change within a few dozen samples (the first sample starts it).</summary>
    internal static double Follow(double average, double sample) => double.IsNaN(average) ? sample : average + (0.1 * (sample - average));

    /// <summary>Stops the host's pipeline, whose server kills the process trees it runs, and waits for that.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _pump.Wait(CleanupWait);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The pump ends by cancellation.
        }

        PowerShell? pipeline;
        lock (_gate)
        {
            pipeline = _pipeline;
        }

        // Disposing a running pipeline stops it, whether its tasks are done or not: stopping runs its clean block, which
        // disposes the server, and that kills the process trees it runs. One that ended already is only released.
        pipeline?.Dispose();
        _guard.Dispose();
    }

    private async Task PumpAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            if (_session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened)
            {
                Fail("SessionFailed", $"the session is {_session.Runspace.RunspaceStateInfo.State}, not open.", null, started: false);
                return;
            }

            StartPipeline();

            // Nothing is written until the host has imported the module and made its server (a second or so). The pool's
            // slots take their first tasks in that time, each on its own thread and so in any order; written as they
            // came, the first input could hold tasks 2 to 4, which a host of three slots would start while task 1 came
            // in the next input and waited behind them. Held back, every task dealt so far goes in one input, sorted.
            await _hostReady.Task.WaitAsync(stop).ConfigureAwait(false);
            while (true)
            {
                await _work.WaitAsync(stop).ConfigureAwait(false);

                // Inputs queue on the wire, one round trip each: tasks that come meanwhile wait here and go together.
                if (Volatile.Read(ref _inFlight) >= MaxInputsOnTheWay)
                {
                    continue;
                }

                var batch = new List<(long Id, Attempt Attempt)>();
                while (_toSend.TryDequeue(out long id))
                {
                    if (_attempts.TryGetValue(id, out Attempt? attempt))
                    {
                        batch.Add((id, attempt));
                    }
                }

                // With nothing to send, poll only when tasks are out there and no input is on its way (its answer will
                // bring their rows): never on a timer, so that an idle host costs no writes.
                if (batch.Count == 0 && (_attempts.IsEmpty || Volatile.Read(ref _inFlight) > 0))
                {
                    continue;
                }

                // The pool's slots hand over their tasks at the same moment and reach the queue in any order; the host
                // starts what it is sent in the order sent, and holds the rest until a slot frees up. In input order,
                // a task taken first cannot wait there behind long tasks taken after it.
                batch.Sort((a, b) => a.Attempt.Task.Seq != b.Attempt.Task.Seq ? a.Attempt.Task.Seq.CompareTo(b.Attempt.Task.Seq) : a.Attempt.Number.CompareTo(b.Attempt.Number));

                // Marked sent only while the host has not failed, under the lock its failure is set under: a host that
                // fails before it is ready wakes this pump, which must not mark the attempts it is failing meanwhile.
                lock (_gate)
                {
                    if (_failure is not null)
                    {
                        return;
                    }

                    foreach ((long _, Attempt attempt) in batch)
                    {
                        attempt.Sent = true;
                    }
                }

                string text = RemoteTaskBatch.Write(batch.Select(b => (b.Id, b.Attempt.Task)));
                if (Volatile.Read(ref _failure) is not null || _session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened)
                {
                    return;
                }

                Interlocked.Increment(ref _inFlight);
                Interlocked.Increment(ref _inputs);
                lock (_gate)
                {
                    _sentAt.Enqueue(Stopwatch.GetTimestamp());
                }

                _input.Add(PSObject.AsPSObject(text));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            if (!stop.IsCancellationRequested)
            {
                Fail("SessionFailed", error.Message, error);
            }
        }
    }

    /// <summary>Starts the host's pipeline: it imports the module, makes the server, and answers each input.</summary>
    private void StartPipeline()
    {
        PowerShell pipeline = PowerShell.Create();
        pipeline.Runspace = _session.Runspace;
        pipeline.AddScript(ServerScript);
        pipeline.AddArgument(_options.ToWire());
        pipeline.AddArgument(HostSlots);
        pipeline.AddArgument(_version);
        pipeline.InvocationStateChanged += (_, e) => Ended(e.InvocationStateInfo);
        lock (_gate)
        {
            _pipeline = pipeline;
            Interlocked.Increment(ref s_commandsStarted);
            pipeline.BeginInvoke(_input, _output);
        }
    }

    /// <summary>The pipeline ended: unless this runner ended it, the host failed.</summary>
    private void Ended(PSInvocationStateInfo state)
    {
        if (state.State is PSInvocationState.Running or PSInvocationState.Stopping or PSInvocationState.NotStarted || _stop.IsCancellationRequested)
        {
            return;
        }

        Deliver();
        string reason = state.Reason?.Message ?? (_pipeline?.Streams.Error.Count > 0 ? _pipeline.Streams.Error[0].ToString() : $"its pipeline ended ({state.State}).");
        Fail("SessionFailed", reason, state.Reason);
    }

    /// <summary>Takes what the host wrote: rows and lines to their attempts, end-of-answer markers, a missing module.</summary>
    private void Deliver()
    {
        lock (_output)
        {
            foreach (PSObject item in _output.ReadAll())
            {
                if (item.Properties[AnswerEnd] is not null)
                {
                    lock (_gate)
                    {
                        // Answers come in the order of the inputs.
                        if (_sentAt.TryDequeue(out long sent))
                        {
                            _answerMs = Follow(_answerMs, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                        }
                    }

                    int onTheWay = Interlocked.Decrement(ref _inFlight);
                    if (!_toSend.IsEmpty || (onTheWay == 0 && !_attempts.IsEmpty))
                    {
                        _work.Release();
                    }

                    continue;
                }

                if (item.Properties[Ready] is not null)
                {
                    _hostReady.TrySetResult();
                    continue;
                }

                if (RemoteModule.IsMissingMarker(item))
                {
                    Fail("ModuleMissingOnHost", RemoteModule.MissingMessage(item, ComputerName, _version, _moduleBase), null, started: false);
                    continue;
                }

                DeliverRow(item);
            }
        }
    }

    /// <summary>Completes the attempt whose row came back, or passes on its output line.</summary>
    private void DeliverRow(PSObject item)
    {
        long id = Convert.ToInt64(item.Properties["Seq"]?.Value ?? 0L, CultureInfo.InvariantCulture);
        if (!_attempts.TryGetValue(id, out Attempt? attempt))
        {
            return;
        }

        if (item.Properties["Line"] is { Value: var text })
        {
            attempt.OnLine?.Write(new ProcessOutputLine(
                attempt.Task.Seq, attempt.Number, Get<int>(item, "ProcessId"), Get<string>(item, "Stream") ?? "StdOut", text as string ?? string.Empty));
            return;
        }

        if (_attempts.TryRemove(id, out _))
        {
            ProcessTaskResult row = ToResult(attempt, item);
            lock (_gate)
            {
                if (row.DurationMs is double ms)
                {
                    _taskMs = Follow(_taskMs, ms);
                }

                FreePlace(attempt.Slot);
            }

            attempt.Done.TrySetResult(row);
        }
    }

    /// <summary>Marks the host failed, once, and fails every attempt on it; those sent count as attempts.</summary>
    private void Fail(string errorId, string reason, Exception? error, bool started = true)
    {
        HostFailedException failure;
        lock (_gate)
        {
            _failure ??= new HostFailedException(
                ComputerName,
                errorId,
                errorId == "ModuleMissingOnHost" ? reason : $"The host {ComputerName} failed, its tasks go to the other hosts: {reason}",
                attemptStarted: started,
                error);
            failure = _failure;
            FreePlace(null);
        }

        // A host that fails before it is ready lets the pump go on to find the failure.
        _hostReady.TrySetResult();

        foreach (long id in _attempts.Keys)
        {
            if (_attempts.TryRemove(id, out Attempt? attempt))
            {
                attempt.Done.TrySetException(Copy(failure, attemptStarted: failure.AttemptStarted && attempt.Sent));
            }
        }
    }

    private static HostFailedException Copy(HostFailedException failure, bool attemptStarted) =>
        new(failure.ComputerName, failure.ErrorId, failure.Message, attemptStarted, failure.InnerException);

    private static T? Get<T>(PSObject row, string name)
    {
        object? value = row.Properties[name]?.Value;
        return value is null ? default : LanguagePrimitives.ConvertTo<T>(value is PSObject wrapped ? wrapped.BaseObject : value);
    }

    /// <summary>The host's row as a local one: every column, this pool's slot and attempt, and the host's name.</summary>
    private ProcessTaskResult ToResult(Attempt attempt, PSObject row) => new(attempt.Task, ComputerName)
    {
        Slot = _firstSlot + Get<int>(row, "Slot") - 1,
        Attempt = attempt.Number,
        ProcessId = Get<int?>(row, "ProcessId"),
        StartTime = RemoteTaskServer.FromWire(Get<long?>(row, "StartTimeUtcTicks"), Get<int>(row, "StartTimeOffsetMinutes")),
        EndTime = RemoteTaskServer.FromWire(Get<long?>(row, "EndTimeUtcTicks"), Get<int>(row, "EndTimeOffsetMinutes")),
        DurationMs = Get<double?>(row, "DurationMs"),
        CpuTimeMs = Get<double?>(row, "CpuTimeMs"),
        PeakWorkingSetBytes = Get<long?>(row, "PeakWorkingSetBytes"),
        ExitCode = Get<int?>(row, "ExitCode"),
        Signal = Get<int?>(row, "Signal"),
        TimedOut = Get<bool>(row, "TimedOut"),
        Succeeded = Get<bool>(row, "Succeeded"),
        StdOut = Get<string>(row, "StdOut") ?? string.Empty,
        StdErr = Get<string>(row, "StdErr") ?? string.Empty,
        StdInBytes = Get<long>(row, "StdInBytes"),
        StdOutBytes = Get<long>(row, "StdOutBytes"),
        StdErrBytes = Get<long>(row, "StdErrBytes"),
        Truncated = Get<bool>(row, "Truncated"),
        Error = Get<string>(row, "Error"),
    };

    private sealed class Attempt
    {
        public Attempt(ProcessTask task, int number, ProcessLineSink? onLine, int slot)
        {
            Task = task;
            Number = number;
            OnLine = onLine;
            Slot = slot;
        }

        /// <summary>The pool's slot that holds the place of this attempt.</summary>
        public int Slot { get; }

        public ProcessTask Task { get; }

        public int Number { get; }

        public ProcessLineSink? OnLine { get; }

        public TaskCompletionSource<ProcessTaskResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Sent;
    }
}
