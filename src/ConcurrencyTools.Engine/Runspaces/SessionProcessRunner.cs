using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Runs attempts on a remote host through one long-running pipeline, started once, that hosts a
/// <see cref="RemoteTaskServer"/>. One pump per host sends the tasks waiting to go, then a poll, and reads the
/// answer (the rows ready there, then an end marker) before it sends again: a task costs one small object each
/// way and no pipeline start. A broken session fails every attempt on the host with <see cref="HostFailedException"/>,
/// and the local pool gives them to the other hosts.
/// </summary>
internal sealed class SessionProcessRunner : IProcessRunner, IDisposable
{
    /// <summary>After rows came back, how long the pump waits for the freed slots to send their next tasks.</summary>
    private static readonly TimeSpan RefillWait = TimeSpan.FromMilliseconds(2);

    // The environment travels as an argument of its own: inside the options it would be too deep to serialize.
    private const string RemoteScript = "param([hashtable] $Options, [hashtable] $Environment, [int] $Slots, [string] $Version)\nbegin {\n    $server = $null\n    $missing = & {\n" +
        RemoteModule.ImportScript + """

            }
            if ($missing) { $missing; return }
            if ($Environment) { $Options.Environment = $Environment }
            if ($Options.ContainsKey('WorkingDirectory')) {
                $Options.WorkingDirectory = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Options.WorkingDirectory)
            } else {
                $Options.WorkingDirectory = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
            }
            $server = [ConcurrencyTools.Engine.Runspaces.RemoteTaskServer]::new($Options, $Slots)
        }
        process { if ($server) { $server.Exchange($_) } }
        clean { if ($server) { $server.Dispose() } }
        """;

    private readonly string _version;
    private readonly string? _moduleBase;
    private readonly PSDataCollection<PSObject> _input = new();
    private readonly PSDataCollection<PSObject> _output = new();
    private readonly Channel<PSObject> _answers = Channel.CreateUnbounded<PSObject>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<long> _toSend = new();
    private readonly ConcurrentDictionary<long, Attempt> _attempts = new();
    private readonly SemaphoreSlim _work = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly PowerShell? _powerShell;
    private readonly Task _pump = Task.CompletedTask;
    private HostFailedException? _failure;
    private long _nextId;
    private int _stopping;

    /// <param name="session">An open session to the host.</param>
    /// <param name="slots">Tasks the host runs at once.</param>
    /// <param name="options">The host's options: TimeoutSeconds, WorkingDirectory (as the host resolves it), Environment, MaxOutputBytes, Stream.</param>
    /// <param name="version">The module version the host must have.</param>
    /// <param name="moduleBase">This module's folder, named in the hint when the host lacks it.</param>
    public SessionProcessRunner(PSSession session, int slots, Hashtable options, string version, string? moduleBase)
    {
        ArgumentNullException.ThrowIfNull(session);
        _version = version;
        _moduleBase = moduleBase;
        Slots = slots;
        ComputerName = SessionFanOut.Describe(session);
        if (session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened)
        {
            Fail("SessionFailed", $"the session is {session.Runspace.RunspaceStateInfo.State}, not open.", null);
            return;
        }

        try
        {
            _output.DataAdded += (_, e) => _answers.Writer.TryWrite(_output[e.Index]);
            _powerShell = PowerShell.Create();
            _powerShell.Runspace = session.Runspace;
            var hostOptions = (Hashtable)options.Clone();
            object? environment = hostOptions["Environment"];
            hostOptions.Remove("Environment");
            _powerShell.AddScript(RemoteScript).AddArgument(hostOptions).AddArgument(environment).AddArgument(slots).AddArgument(version);
            _powerShell.BeginInvoke(_input, _output, null, Finished, null);
            _pump = Task.Run(PumpAsync);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Fail("SessionFailed", error.Message, error);
        }
    }

    public string ComputerName { get; }

    public int Slots { get; }

    public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, Action<ProcessOutputLine>? onLine, CancellationToken cancellationToken)
    {
        var pending = new Attempt(task, slot, attempt, onLine);
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

    /// <summary>Stops the remote pipeline, whose server kills the trees it runs, and waits for that.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        try
        {
            _input.Complete();
            if (_powerShell is not null && _powerShell.InvocationStateInfo.State == PSInvocationState.Running)
            {
                IAsyncResult stop = _powerShell.BeginStop(null, null);
                stop.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception error) when (error is InvalidOperationException or ObjectDisposedException or PSRemotingTransportException or PSInvalidOperationException)
        {
            // Already finished or broken: nothing runs there any more.
        }

        try
        {
            _pump.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The pump ends by cancellation.
        }

        _powerShell?.Dispose();
        _input.Dispose();
        _output.Dispose();
    }

    private async Task PumpAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            while (true)
            {
                await _work.WaitAsync(stop).ConfigureAwait(false);
                if (_attempts.IsEmpty)
                {
                    continue;
                }

                while (_toSend.TryDequeue(out long id))
                {
                    if (_attempts.TryGetValue(id, out Attempt? attempt))
                    {
                        attempt.Sent = true;
                        _input.Add(RemoteTaskServer.TaskMessage(id, attempt.Task));
                    }
                }

                _input.Add(RemoteTaskServer.PollMessage());
                int delivered = await ReadAnswerAsync(stop).ConfigureAwait(false);
                if (delivered < 0)
                {
                    return;
                }

                if (delivered > 0)
                {
                    // The slots just freed take their next tasks on other threads: let them reach the queue.
                    var deadline = DateTime.UtcNow + RefillWait;
                    while (_toSend.Count < delivered && DateTime.UtcNow < deadline)
                    {
                        await Task.Yield();
                    }
                }

                // Poll again while anything is out there; otherwise wait for a task.
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
            Fail("SessionFailed", error is ChannelClosedException { InnerException: { } inner } ? inner.Message : error.Message, error);
        }
    }

    /// <summary>Reads one poll's answer up to its end marker and completes the attempts it finished; returns how many, or -1 when the host cannot run them.</summary>
    private async Task<int> ReadAnswerAsync(CancellationToken stop)
    {
        int delivered = 0;
        while (true)
        {
            PSObject item = await _answers.Reader.ReadAsync(stop).ConfigureAwait(false);
            if (item.Properties[RemoteTaskServer.EndMarker] is not null)
            {
                return delivered;
            }

            if (RemoteModule.IsMissingMarker(item))
            {
                Fail("ModuleMissingOnHost", RemoteModule.MissingMessage(item, ComputerName, _version, _moduleBase), null, started: false);
                return -1;
            }

            long id = Convert.ToInt64(item.Properties["Seq"]?.Value ?? 0L, CultureInfo.InvariantCulture);
            if (!_attempts.TryGetValue(id, out Attempt? attempt))
            {
                continue;
            }

            if (item.Properties["Line"] is { Value: var text } && item.Properties["ExitCode"] is null)
            {
                attempt.OnLine?.Invoke(new ProcessOutputLine(
                    attempt.Task.Seq, attempt.Number, Get<int>(item, "ProcessId"), Get<string>(item, "Stream") ?? "StdOut", text as string ?? string.Empty));
                continue;
            }

            if (_attempts.TryRemove(id, out _))
            {
                attempt.Done.TrySetResult(ToResult(attempt, item));
                delivered++;
            }
        }
    }

    private void Finished(IAsyncResult invocation)
    {
        Exception? error = null;
        try
        {
            _powerShell!.EndInvoke(invocation);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            error = failure;
        }

        if (Volatile.Read(ref _stopping) != 0)
        {
            _answers.Writer.TryComplete();
            return;
        }

        string reason = error?.Message ?? (_powerShell!.Streams.Error.Count > 0 ? _powerShell.Streams.Error[0].ToString() : "its pipeline ended early.");
        _answers.Writer.TryComplete(new InvalidOperationException(reason, error));
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

    private static T? Get<T>(PSObject row, string name)
    {
        object? value = row.Properties[name]?.Value;
        return value is null ? default : LanguagePrimitives.ConvertTo<T>(value is PSObject wrapped ? wrapped.BaseObject : value);
    }

    /// <summary>The host's row as a local one: every column, this pool's slot and attempt, and the host's name.</summary>
    private ProcessTaskResult ToResult(Attempt attempt, PSObject row) => new(attempt.Task, ComputerName)
    {
        Slot = attempt.Slot,
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
        public Attempt(ProcessTask task, int slot, int number, Action<ProcessOutputLine>? onLine)
        {
            Task = task;
            Slot = slot;
            Number = number;
            OnLine = onLine;
        }

        public ProcessTask Task { get; }

        public int Slot { get; }

        public int Number { get; }

        public Action<ProcessOutputLine>? OnLine { get; }

        public TaskCompletionSource<ProcessTaskResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Sent;
    }
}
