using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
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
/// runs one short remote command at a time that hands over the tasks waiting to go and brings back the rows
/// ready, and runs the next while anything is out there. A broken session fails every attempt on the host with
/// <see cref="HostFailedException"/>, and the local pool gives them to the other hosts.
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

    private const string ExchangeScript = "param($Name, $Ids, $FilePaths, $Counts, $Arguments, $Inputs)\n" +
        "(Get-Variable -Scope Global -Name $Name -ValueOnly).Exchange($Ids, $FilePaths, $Counts, $Arguments, $Inputs)";

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
    private readonly SshPipeGuard _guard;
    private readonly int _firstSlot;
    private PowerShell? _current;
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
        _guard = SshPipeGuard.For(session);
        _pump = Task.Run(PumpAsync);
    }

    public string ComputerName { get; }

    /// <summary>
    /// Tasks the pool hands this host at once: twice what it runs, so that a task waits there for each slot and a slot
    /// that frees up starts its next task without waiting for a round trip.
    /// </summary>
    public int Slots => 2 * HostSlots;

    /// <summary>Tasks the host runs at once.</summary>
    public int HostSlots { get; }

    public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
    {
        var pending = new Attempt(task, attempt, onLine);
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

        _guard.Dispose();
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

                var ids = new List<long>();
                var files = new List<string>();
                var counts = new List<int>();
                var arguments = new List<string>();
                var inputs = new List<string?>();
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
                foreach ((long id, Attempt attempt) in batch.OrderBy(b => b.Attempt.Task.Seq).ThenBy(b => b.Attempt.Number))
                {
                    attempt.Sent = true;
                    ids.Add(id);
                    files.Add(attempt.Task.FilePath);
                    counts.Add(attempt.Task.Arguments.Count);
                    arguments.AddRange(attempt.Task.Arguments);
                    inputs.Add(attempt.Task.StandardInput);
                }

                Collection<PSObject> answer = await InvokeAsync(
                    ExchangeScript, _name, ids.ToArray(), files.ToArray(), counts.ToArray(), arguments.ToArray(), inputs.ToArray()).ConfigureAwait(false);
                int delivered = Deliver(answer);
                if (delivered > 0)
                {
                    // The slots just freed take their next tasks on other threads: let them reach the queue.
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

    /// <summary>Runs one remote command, with no input (see <see cref="RemoteTaskServer"/>), and returns its output.</summary>
    private async Task<Collection<PSObject>> InvokeAsync(string script, params object?[] arguments)
    {
        using PowerShell command = Command(script, arguments);
        lock (_gate)
        {
            _stop.Token.ThrowIfCancellationRequested();
            _current = command;
        }

        try
        {
            var output = new PSDataCollection<PSObject>();
            IAsyncResult invocation = command.BeginInvoke<PSObject, PSObject>(null, output, null, null, null);
            await Task.Factory.FromAsync(invocation, command.EndInvoke).ConfigureAwait(false);
            if (command.Streams.Error.Count > 0)
            {
                throw new InvalidOperationException(command.Streams.Error[0].ToString());
            }

            return new Collection<PSObject>(output.ReadAll());
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

    /// <summary>Completes the attempts whose rows came back, passes on output lines; returns how many rows.</summary>
    private int Deliver(Collection<PSObject> answer)
    {
        int delivered = 0;
        foreach (PSObject item in answer)
        {
            long id = Convert.ToInt64(item.Properties["Seq"]?.Value ?? 0L, CultureInfo.InvariantCulture);
            if (!_attempts.TryGetValue(id, out Attempt? attempt))
            {
                continue;
            }

            if (item.Properties["Line"] is { Value: var text })
            {
                attempt.OnLine?.Write(new ProcessOutputLine(
                    attempt.Task.Seq, attempt.Number, Get<int>(item, "ProcessId"), Get<string>(item, "Stream") ?? "StdOut", text as string ?? string.Empty));
                continue;
            }

            if (_attempts.TryRemove(id, out _))
            {
                attempt.Done.TrySetResult(ToResult(attempt, item));
                delivered++;
            }
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
        MachineName = Get<string>(row, "MachineName") ?? string.Empty,
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
        public Attempt(ProcessTask task, int number, ProcessLineSink? onLine)
        {
            Task = task;
            Number = number;
            OnLine = onLine;
        }

        public ProcessTask Task { get; }

        public int Number { get; }

        public ProcessLineSink? OnLine { get; }

        public TaskCompletionSource<ProcessTaskResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Sent;
    }
}
