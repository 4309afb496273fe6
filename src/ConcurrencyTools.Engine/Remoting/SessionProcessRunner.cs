using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
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
/// Runs attempts on a remote host through a <see cref="RemoteTaskServer"/> kept in the session. One pump per host
/// runs one remote command at a time: it hands over the tasks waiting to go as one batch, and brings back rows as
/// the host's tasks end, until the host has only as many tasks waiting as it runs in one round trip; then the next
/// command brings the tasks gathered meanwhile. The pool hands the host as many tasks ahead of its slots as that
/// takes (see <see cref="Allowed"/>): a few for long tasks, so that other hosts get their share, up to
/// <see cref="MaxAhead"/> for tasks shorter than a round trip. A broken session fails every attempt on the host
/// with <see cref="HostFailedException"/>, and the local pool gives them to the other hosts.
/// </summary>
internal sealed class SessionProcessRunner : IProcessRunner, IDisposable
{
    /// <summary>After rows came back, how long the pump waits for the freed slots to send their next tasks.</summary>
    private static readonly TimeSpan RefillWait = TimeSpan.FromMilliseconds(2);

    /// <summary>How long stopping waits for the host to kill its process trees.</summary>
    private static readonly TimeSpan CleanupWait = TimeSpan.FromSeconds(30);

    // The options arrive as the flat hashtable RemotePoolOptions.ToWire made; the working directory is resolved here, on the host.
    private const string SetupScript = "param([string] $Name, [hashtable] $Options, [int] $Slots, [string] $Version)\n$missing = & {\n" +
        RemoteModule.ImportScript + """

        }
        if ($missing) { return $missing }
        $hostOptions = [ConcurrencyTools.Engine.Remoting.RemotePoolOptions]::FromWire($Options)
        $directory = if ($null -ne $hostOptions.WorkingDirectory) {
            $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($hostOptions.WorkingDirectory)
        } else {
            $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
        }
        Set-Variable -Scope Global -Name $Name -Value ([ConcurrencyTools.Engine.Remoting.RemoteTaskServer]::new($hostOptions.WithWorkingDirectory($directory), $Slots))
        """;

    // Each answer is written as it comes, so rows cross the wire while the command runs.
    private const string ExchangeScript = "param([string] $Name, [string] $Batch, [int] $LowWater)\n" +
        "$server = Get-Variable -Scope Global -Name $Name -ValueOnly\n$server.Send($Batch)\n" +
        "while ($null -ne ($answer = $server.Answer($LowWater))) { $answer }";

    /// <summary>The most tasks sent ahead of a host's slots (with more slots, one per slot).</summary>
    private const int MaxAhead = 128;

    private static long s_exchanges;

    private const string CleanupScript = "param($Name)\n" +
        "$server = Get-Variable -Scope Global -Name $Name -ValueOnly -ErrorAction Ignore\nif ($server) { $server.Dispose() }\nRemove-Variable -Scope Global -Name $Name -ErrorAction Ignore";

    private readonly PSSession _session;
    private readonly RemotePoolOptions _options;
    private readonly string _version;
    private readonly string? _moduleBase;
    private readonly string _name = "ConcurrencyToolsTaskServer_" + Guid.NewGuid().ToString("N");
    private readonly ConcurrentQueue<long> _toSend = new();
    private readonly ConcurrentDictionary<long, Attempt> _attempts = new();
    private readonly SemaphoreSlim _work = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Task _pump;
    private readonly int _firstSlot;
    private readonly HashSet<int> _placed = new();
    private readonly Queue<(int Slot, TaskCompletionSource Room)> _waitingForRoom = new();
    private readonly object _answerGate = new();
    private PowerShell? _current;
    private double _roundTripMs = double.NaN;
    private double _taskMs = double.NaN;
    private HostFailedException? _failure;
    private long _nextId;
    private bool _serverStarted;
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
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Remote commands that exchanged tasks and rows, by every runner of this process (a test counts them).</summary>
    internal static long Exchanges => Interlocked.Read(ref s_exchanges);

    public string ComputerName { get; }

    /// <summary>
    /// The most tasks the pool may hand this host at once: those it runs and up to <see cref="MaxAhead"/> waiting there.
    /// How many it takes at a time follows the tasks' length and the round trip (see <see cref="Allowed"/>).
    /// </summary>
    public int Slots => HostSlots + Math.Max(HostSlots, MaxAhead);

    /// <summary>Tasks the host runs at once.</summary>
    public int HostSlots { get; }

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
        try
        {
            using (cancellationToken.Register(() => pending.Done.TrySetCanceled(cancellationToken)))
            {
                return await pending.Done.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate)
            {
                FreePlace(slot);
            }
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
                // A failed host lets every slot in at once: each learns of the failure from RunAsync.
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

    /// <summary>
    /// The low-water mark sent with each batch: the tasks the host runs in one round trip (a command's start and an
    /// answer's way back; tens of milliseconds over SSH on a busy machine). The command ends when no more than that
    /// wait there, so the next batch arrives before they run out.
    /// </summary>
    private int LowWater
    {
        get
        {
            lock (_gate)
            {
                if (double.IsNaN(_roundTripMs) || double.IsNaN(_taskMs))
                {
                    return 0;
                }

                return (int)Math.Clamp(Math.Ceiling(HostSlots * _roundTripMs / Math.Max(_taskMs, 0.2)), 0, Math.Max(HostSlots, MaxAhead) / 2);
            }
        }
    }

    /// <summary>
    /// Tasks the host should have at once: its slots, and twice the low-water mark ahead of them (at least one per
    /// slot), so that each command carries about as many tasks as run in a round trip. Called under the gate.
    /// </summary>
    private int Allowed
    {
        get
        {
            int ahead = HostSlots;
            if (!double.IsNaN(_roundTripMs) && !double.IsNaN(_taskMs))
            {
                double perRoundTrip = HostSlots * _roundTripMs / Math.Max(_taskMs, 0.2);
                ahead = (int)Math.Clamp(Math.Ceiling(2 * perRoundTrip), HostSlots, Math.Max(HostSlots, MaxAhead));
            }

            return HostSlots + ahead;
        }
    }

    /// <summary>Frees the place of a slot whose attempt ended (or none), and lets waiting slots in. Called under the gate.</summary>
    private void FreePlace(int? slot)
    {
        if (slot is int one)
        {
            _placed.Remove(one);
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

    /// <summary>A running average that follows a change within a few dozen samples.</summary>
    private static double Follow(double average, double sample) => double.IsNaN(average) ? sample : average + (0.1 * (sample - average));

    /// <summary>Stops the exchange under way, has the host kill the process trees it runs, and waits for that.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        PowerShell? current;
        lock (_gate)
        {
            current = _current;
        }

        // Whatever the stop or the pump throw, the host must still be told to kill its processes.
        try
        {
            current?.Stop();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Finished or broken already.
        }

        try
        {
            _pump.Wait(CleanupWait);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The pump ends by cancellation.
        }

        if (Volatile.Read(ref _serverStarted))
        {
            CleanUp();
        }
    }

    /// <summary>Has the host kill its process trees and drop its server; tries again while the stopped command still holds the session.</summary>
    private void CleanUp()
    {
        DateTime deadline = DateTime.UtcNow + CleanupWait;
        while (_session.Runspace.RunspaceStateInfo.State == RunspaceState.Opened)
        {
            try
            {
                using PowerShell cleanup = Command(CleanupScript, _name);
                IAsyncResult done = cleanup.BeginInvoke<PSObject, PSObject>(null, new PSDataCollection<PSObject>(), null, null, null);
                if (done.AsyncWaitHandle.WaitOne(CleanupWait))
                {
                    cleanup.EndInvoke(done);
                }

                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // Busy with the command just stopped, or gone (then its processes went with it).
                if (DateTime.UtcNow > deadline)
                {
                    return;
                }

                Thread.Sleep(100);
            }
        }
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

            foreach (PSObject item in await InvokeAsync(SetupScript, _name, _options.ToWire(), HostSlots, _version).ConfigureAwait(false))
            {
                if (RemoteModule.IsMissingMarker(item))
                {
                    Fail("ModuleMissingOnHost", RemoteModule.MissingMessage(item, ComputerName, _version, _moduleBase), null, started: false);
                    return;
                }
            }

            Volatile.Write(ref _serverStarted, true);
            while (true)
            {
                await _work.WaitAsync(stop).ConfigureAwait(false);
                if (_attempts.IsEmpty)
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

                // The pool's slots hand over their tasks at the same moment and reach the queue in any order; the host
                // starts what it is sent in the order sent, and holds the rest until a slot frees up. In input order,
                // a task taken first cannot wait there behind long tasks taken after it.
                batch.Sort((a, b) => a.Attempt.Task.Seq != b.Attempt.Task.Seq ? a.Attempt.Task.Seq.CompareTo(b.Attempt.Task.Seq) : a.Attempt.Number.CompareTo(b.Attempt.Number));
                foreach ((long _, Attempt attempt) in batch)
                {
                    attempt.Sent = true;
                }

                int delivered = await ExchangeAsync(RemoteWire.WriteTasks(batch.Select(b => (b.Id, b.Attempt.Task))), LowWater).ConfigureAwait(false);
                if (delivered > 0)
                {
                    // The slots freed by the last answer take their next tasks on other threads: let them reach the queue.
                    var deadline = DateTime.UtcNow + RefillWait;
                    while (_toSend.Count < delivered && DateTime.UtcNow < deadline)
                    {
                        await Task.Yield();
                    }
                }

                // Exchange again while anything is out there; otherwise wait for a task.
                if (!_attempts.IsEmpty && _work.CurrentCount == 0)
                {
                    _work.Release();
                }
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

    /// <summary>
    /// Runs one exchange: sends the batch and delivers each answer as it arrives. Returns how many rows the last answer
    /// brought.
    /// </summary>
    private async Task<int> ExchangeAsync(string batch, int lowWater)
    {
        using PowerShell command = Command(ExchangeScript, _name, batch, lowWater);
        var output = new PSDataCollection<PSObject>();
        long started = Stopwatch.GetTimestamp();
        int lastDelivered = 0;
        Exception? unreadable = null;
        output.DataAdded += (_, _) =>
        {
            lock (_answerGate)
            {
                foreach (PSObject answer in output.ReadAll())
                {
                    try
                    {
                        lastDelivered = Deliver(answer.BaseObject as string ?? string.Empty, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    catch (FormatException error)
                    {
                        unreadable ??= error;
                    }
                }
            }
        };

        Interlocked.Increment(ref s_exchanges);
        await RunAsync(command, output).ConfigureAwait(false);
        lock (_answerGate)
        {
            if (unreadable is not null)
            {
                throw new InvalidOperationException($"An answer of the host could not be read: {unreadable.Message}", unreadable);
            }

            return lastDelivered;
        }
    }

    /// <summary>Runs one remote command, with no input (see <see cref="RemoteTaskServer"/>), and returns its output.</summary>
    private async Task<Collection<PSObject>> InvokeAsync(string script, params object?[] arguments)
    {
        using PowerShell command = Command(script, arguments);
        var output = new PSDataCollection<PSObject>();
        await RunAsync(command, output).ConfigureAwait(false);
        return new Collection<PSObject>(output.ReadAll());
    }

    /// <summary>Runs <paramref name="command"/> as the one under way (what Dispose stops), into <paramref name="output"/>.</summary>
    private async Task RunAsync(PowerShell command, PSDataCollection<PSObject> output)
    {
        lock (_gate)
        {
            _stop.Token.ThrowIfCancellationRequested();
            _current = command;
        }

        try
        {
            IAsyncResult invocation = command.BeginInvoke<PSObject, PSObject>(null, output, null, null, null);
            await Task.Factory.FromAsync(invocation, command.EndInvoke).ConfigureAwait(false);
            if (command.Streams.Error.Count > 0)
            {
                throw new InvalidOperationException(command.Streams.Error[0].ToString());
            }
        }
        finally
        {
            lock (_gate)
            {
                _current = null;
            }
        }
    }

    private PowerShell Command(string script, params object?[] arguments)
    {
        PowerShell command = PowerShell.Create();
        command.Runspace = _session.Runspace;
        command.AddScript(script);
        foreach (object? argument in arguments)
        {
            command.AddArgument(argument);
        }

        return command;
    }

    /// <summary>
    /// Completes the attempts whose rows an answer brought, passes on its output lines, and learns the round trip and
    /// the tasks' length from it; returns how many rows.
    /// </summary>
    private int Deliver(string text, double elapsedMs)
    {
        (double hostElapsedMs, IReadOnlyList<string?[]> records) = RemoteWire.ReadAnswer(text);
        int delivered = 0;
        double taskMs = double.NaN;
        foreach (string?[] record in records)
        {
            long id = RemoteWire.IdOf(record);
            if (!_attempts.TryGetValue(id, out Attempt? attempt))
            {
                continue;
            }

            if (record[0] == RemoteWire.LineKind)
            {
                attempt.OnLine?.Write(RemoteWire.ReadLine(record, attempt.Task.Seq, attempt.Number));
                continue;
            }

            ProcessTaskResult row = RemoteWire.ReadRow(record, attempt.Task, ComputerName, _firstSlot, attempt.Number);
            if (row.DurationMs is double ms)
            {
                taskMs = double.IsNaN(taskMs) ? ms : Follow(taskMs, ms);
            }

            if (_attempts.TryRemove(id, out _))
            {
                attempt.Done.TrySetResult(row);
                delivered++;
            }
        }

        lock (_gate)
        {
            // What the answer spent on the way: the command's start and the answer's way back, both over the wire.
            _roundTripMs = Follow(_roundTripMs, Math.Max(0, elapsedMs - hostElapsedMs));
            if (!double.IsNaN(taskMs))
            {
                _taskMs = Follow(_taskMs, taskMs);
            }

            FreePlace(null);
        }

        return delivered;
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

    private sealed class Attempt
    {
        public Attempt(ProcessTask task, int number, ProcessLineSink? onLine, int slot)
        {
            Task = task;
            Number = number;
            OnLine = onLine;
            Slot = slot;
        }

        public int Slot { get; }

        public ProcessTask Task { get; }

        public int Number { get; }

        public ProcessLineSink? OnLine { get; }

        public TaskCompletionSource<ProcessTaskResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Sent;
    }
}
