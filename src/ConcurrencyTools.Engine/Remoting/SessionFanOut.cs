using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// Runs one PowerShell command on several remote sessions at once (PowerShell remoting over SSH or
/// WinRM: the sessions the user made, with their own authentication) and merges what comes back into
/// one sequence, read on the caller's thread. Remote pipelines raise their events on remoting threads;
/// those only queue, so the caller (a cmdlet) writes every object on the pipeline thread.
/// A session that fails is reported once and the others go on. Cancellation stops every remote
/// pipeline (the remote cmdlets' own Stop then ends their threads and child processes) before the
/// enumeration ends with <see cref="OperationCanceledException"/>.
/// </summary>
public static class SessionFanOut
{
    /// <summary>
    /// Runs <paramref name="build"/>'s command on every session and yields its output, its error, warning
    /// and verbose records, and one <see cref="SessionRecordKind.Completed"/> or
    /// <see cref="SessionRecordKind.Failed"/> record per session, as they arrive.
    /// </summary>
    /// <param name="sessions">Open sessions; each runs one pipeline.</param>
    /// <param name="build">Adds the command and its parameters to a fresh <see cref="PowerShell"/> bound to the session.</param>
    /// <param name="cancellationToken">Stops every remote pipeline.</param>
    public static IEnumerable<SessionRecord> Run(IReadOnlyList<PSSession> sessions, Action<PowerShell, PSSession> build, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(build);
        using var queue = new BlockingCollection<SessionRecord>();
        var pipelines = new List<RemotePipeline>(sessions.Count);
        try
        {
            foreach (PSSession session in sessions)
            {
                var pipeline = new RemotePipeline(session, queue);
                pipelines.Add(pipeline);
                pipeline.Start(build);
            }

            int open = pipelines.Count;
            while (open > 0)
            {
                SessionRecord record;
                try
                {
                    record = queue.Take(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    StopAll(pipelines);
                    throw;
                }

                if (record.Kind is SessionRecordKind.Completed or SessionRecordKind.Failed)
                {
                    open--;
                }

                yield return record;
            }
        }
        finally
        {
            // Also reached when the reader stops early (Select-Object -First): nothing keeps running remotely.
            StopAll(pipelines);
            foreach (RemotePipeline pipeline in pipelines)
            {
                pipeline.Dispose();
            }
        }
    }

    /// <summary>A short name for a session: the computer it is connected to.</summary>
    public static string Describe(PSSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return string.IsNullOrEmpty(session.ComputerName) ? session.Name : session.ComputerName;
    }

    private static void StopAll(List<RemotePipeline> pipelines)
    {
        // Stop them all first, then wait: hosts stop in parallel, not one after another.
        var stops = pipelines.Select(p => p.BeginStop()).Where(r => r is not null).ToList();
        foreach (IAsyncResult? stop in stops)
        {
            stop!.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>One remote pipeline and the handlers that queue what it produces.</summary>
    private sealed class RemotePipeline : IDisposable
    {
        private readonly PSSession _session;
        private readonly BlockingCollection<SessionRecord> _queue;
        private readonly PSDataCollection<PSObject> _output = new();
        private readonly SshPipeGuard _guard;
        private PowerShell? _powerShell;
        private IAsyncResult? _invocation;
        private int _finished;

        public RemotePipeline(PSSession session, BlockingCollection<SessionRecord> queue)
        {
            _session = session;
            _queue = queue;
            _guard = SshPipeGuard.For(session);
        }

        public void Start(Action<PowerShell, PSSession> build)
        {
            try
            {
                if (_session.Runspace.RunspaceStateInfo.State != RunspaceState.Opened)
                {
                    throw new InvalidOperationException(
                        $"The session to {Describe(_session)} is {_session.Runspace.RunspaceStateInfo.State}, not open" +
                        (_session.Runspace.RunspaceStateInfo.Reason is { } reason ? $": {reason.Message}" : "."));
                }

                _powerShell = PowerShell.Create();
                _powerShell.Runspace = _session.Runspace;
                build(_powerShell, _session);
                _output.DataAdded += (_, e) => Add(SessionRecordKind.Output, _output[e.Index]);
                _powerShell.Streams.Error.DataAdded += (_, e) => Add(SessionRecordKind.Error, _powerShell.Streams.Error[e.Index]);
                _powerShell.Streams.Warning.DataAdded += (_, e) => Add(SessionRecordKind.Warning, _powerShell.Streams.Warning[e.Index].Message);
                _powerShell.Streams.Verbose.DataAdded += (_, e) => Add(SessionRecordKind.Verbose, _powerShell.Streams.Verbose[e.Index].Message);
                _invocation = _powerShell.BeginInvoke<PSObject, PSObject>(null, _output, null, Finished, null);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                Finish(error);
            }
        }

        public IAsyncResult? BeginStop()
        {
            if (_powerShell is null || Volatile.Read(ref _finished) != 0)
            {
                return null;
            }

            try
            {
                return _powerShell.BeginStop(null, null);
            }
            catch (InvalidOperationException)
            {
                // Already finished or disposed: nothing to stop.
                return null;
            }
        }

        public void Dispose()
        {
            _powerShell?.Dispose();
            _output.Dispose();
            _guard.Dispose();
        }

        private void Finished(IAsyncResult result)
        {
            Exception? failure = null;
            try
            {
                _powerShell!.EndInvoke(result);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                failure = error;
            }

            // A pipeline stopped by us is not a failure of the host.
            if (failure is PipelineStoppedException)
            {
                failure = null;
            }

            Finish(failure);
        }

        private void Finish(Exception? failure)
        {
            if (Interlocked.Exchange(ref _finished, 1) != 0)
            {
                return;
            }

            Add(failure is null ? SessionRecordKind.Completed : SessionRecordKind.Failed, failure);
        }

        private void Add(SessionRecordKind kind, object? data)
        {
            try
            {
                _queue.Add(new SessionRecord(_session, kind, data));
            }
            catch (InvalidOperationException)
            {
                // The reader has gone (the queue completed or disposed): nothing more is wanted.
            }
        }
    }
}
