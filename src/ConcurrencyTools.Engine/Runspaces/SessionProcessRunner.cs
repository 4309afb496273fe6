using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Runs attempts on a remote host through one long-running pipeline, started once: the host's own
/// Invoke-ProcessPool reads tasks from an input that stays open and returns a row per task, so a task costs one
/// object each way and no pipeline start. The host applies the time limit and kills its trees; retries, halting
/// and ordering stay with the local pool. A broken session fails every attempt inside it with
/// <see cref="HostFailedException"/>, and the local pool gives them to the other hosts.
/// </summary>
internal sealed class SessionProcessRunner : IProcessRunner, IDisposable
{
    // The host's Invoke-ProcessPool numbers its input from 1 in the order fed, which is how rows find their tasks.
    private const string RemoteScript = "param([hashtable] $Parameters, [string] $Version, [string] $FilePath)\n" + RemoteModule.ImportScript + """

        $input | ConcurrencyTools\Invoke-ProcessPool -FilePath $FilePath -ScriptBlock { $_.A } @Parameters -NoProgress -ErrorAction Ignore
        """;

    private readonly PSSession _session;
    private readonly string? _moduleBase;
    private readonly string _version;
    private readonly PSDataCollection<PSObject> _input = new();
    private readonly PSDataCollection<PSObject> _output = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PSObject>> _pending = new();
    private readonly object _feed = new();
    private PowerShell? _powerShell;
    private long _fed;
    private volatile HostFailedException? _failure;
    private int _stopping;

    /// <param name="session">An open session to the host.</param>
    /// <param name="slots">Tasks the host runs at once.</param>
    /// <param name="filePath">The executable, as the host should find it.</param>
    /// <param name="parameters">Invoke-ProcessPool parameters for the host (time limit, output limit, directory, environment, standard input template).</param>
    /// <param name="version">The module version the host must have.</param>
    /// <param name="moduleBase">This module's folder, named in the hint when the host lacks it.</param>
    public SessionProcessRunner(PSSession session, int slots, string filePath, Hashtable parameters, string version, string? moduleBase)
    {
        _session = session;
        _version = version;
        _moduleBase = moduleBase;
        Slots = slots;
        ComputerName = SessionFanOut.Describe(session);
        try
        {
            if (session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened)
            {
                throw new InvalidOperationException($"The session is {session.Runspace.RunspaceStateInfo.State}, not open.");
            }

            var remote = (Hashtable)parameters.Clone();
            remote["ThrottleLimit"] = slots;
            remote["RetryCount"] = 0;
            _output.DataAdded += OnOutput;
            _powerShell = PowerShell.Create();
            _powerShell.Runspace = session.Runspace;
            _powerShell.AddScript(RemoteScript).AddArgument(remote).AddArgument(version).AddArgument(filePath);
            _powerShell.BeginInvoke(_input, _output, null, Finished, null);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Fail(error.Message, error);
        }
    }

    public string ComputerName { get; }

    public int Slots { get; }

    public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, Action<ProcessOutputLine>? onLine, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<PSObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_feed)
        {
            if (_failure is HostFailedException failed)
            {
                throw new HostFailedException(failed.ComputerName, failed.ErrorId, failed.Message, attemptStarted: false, failed.InnerException);
            }

            long key = ++_fed;
            _pending[key] = done;
            var item = new PSObject();
            item.Properties.Add(new PSNoteProperty("A", task.Arguments));
            item.Properties.Add(new PSNoteProperty("S", task.StandardInput ?? string.Empty));
            try
            {
                _input.Add(item);
            }
            catch (InvalidOperationException error)
            {
                _pending.TryRemove(key, out _);
                throw new HostFailedException(ComputerName, "SessionFailed", $"The session to {ComputerName} can take no more tasks: {error.Message}", attemptStarted: false, error);
            }
        }

        PSObject row;
        using (cancellationToken.Register(() => done.TrySetCanceled(cancellationToken)))
        {
            row = await done.Task.ConfigureAwait(false);
        }

        return ToResult(task, row, slot, attempt);
    }

    /// <summary>Stops the remote pipeline, whose Invoke-ProcessPool kills the trees it runs, and waits for that.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _stopping, 1);
        try
        {
            _input.Complete();
            if (_powerShell is not null && _powerShell.InvocationStateInfo.State == PSInvocationState.Running)
            {
                IAsyncResult stop = _powerShell.BeginStop(null, null);
                stop.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception error) when (error is InvalidOperationException or ObjectDisposedException or PSRemotingTransportException)
        {
            // Already finished or broken: nothing runs there any more.
        }

        _powerShell?.Dispose();
        _input.Dispose();
        _output.Dispose();
    }

    private void OnOutput(object? sender, DataAddedEventArgs e)
    {
        PSObject row = _output[e.Index];
        if (RemoteModule.IsMissingMarker(row))
        {
            _failure = new HostFailedException(ComputerName, "ModuleMissingOnHost", RemoteModule.MissingMessage(row, ComputerName, _version, _moduleBase), attemptStarted: false);
            FailPending();
            return;
        }

        long key = Convert.ToInt64(row.Properties["Seq"]?.Value ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        if (_pending.TryRemove(key, out TaskCompletionSource<PSObject>? done))
        {
            done.TrySetResult(row);
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
            return;
        }

        Fail(error is null ? "its pipeline ended early." : error.Message, error);
    }

    private void Fail(string reason, Exception? error)
    {
        lock (_feed)
        {
            _failure ??= new HostFailedException(ComputerName, "SessionFailed", $"The host {ComputerName} failed, its tasks go to the other hosts: {reason}", attemptStarted: true, error);
        }

        FailPending();
    }

    private void FailPending()
    {
        foreach (long key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out TaskCompletionSource<PSObject>? done))
            {
                HostFailedException failure = _failure!;
                done.TrySetException(new HostFailedException(failure.ComputerName, failure.ErrorId, failure.Message, failure.AttemptStarted, failure.InnerException));
            }
        }
    }

    /// <summary>The host's row as a local one: every column, this pool's slot and attempt, and the host's name.</summary>
    private ProcessTaskResult ToResult(ProcessTask task, PSObject row, int slot, int attempt)
    {
        T? Get<T>(string name)
        {
            object? value = row.Properties[name]?.Value;
            return value is null ? default : LanguagePrimitives.ConvertTo<T>(value is PSObject wrapped ? wrapped.BaseObject : value);
        }

        return new ProcessTaskResult(task, ComputerName)
        {
            Slot = slot,
            Attempt = attempt,
            ProcessId = Get<int?>("ProcessId"),
            StartTime = Time(row.Properties["StartTime"]?.Value),
            EndTime = Time(row.Properties["EndTime"]?.Value),
            DurationMs = Get<double?>("DurationMs"),
            CpuTimeMs = Get<double?>("CpuTimeMs"),
            PeakWorkingSetBytes = Get<long?>("PeakWorkingSetBytes"),
            ExitCode = Get<int?>("ExitCode"),
            Signal = Get<int?>("Signal"),
            TimedOut = Get<bool>("TimedOut"),
            Succeeded = Get<bool>("Succeeded"),
            StdOut = Get<string>("StdOut") ?? string.Empty,
            StdErr = Get<string>("StdErr") ?? string.Empty,
            StdInBytes = Get<long>("StdInBytes"),
            StdOutBytes = Get<long>("StdOutBytes"),
            StdErrBytes = Get<long>("StdErrBytes"),
            Truncated = Get<bool>("Truncated"),
            Error = Get<string>("Error"),
        };
    }

    // DateTimeOffset is not among remoting's primitive types: it arrives as a property bag.
    private static DateTimeOffset? Time(object? value) => value switch
    {
        null => null,
        DateTimeOffset time => time,
        PSObject { BaseObject: DateTimeOffset time } => time,
        PSObject bag when bag.Properties["UtcTicks"]?.Value is long ticks && bag.Properties["Offset"]?.Value is TimeSpan offset =>
            new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(offset),
        _ => null,
    };
}
