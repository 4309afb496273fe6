using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// The worker processes of one run, shared by the Processes model (the worker executable) and
/// script-block Processes (pwsh children): start them all at once, wait until every one is ready,
/// drive each over its pipes, and kill them all on a stop or on the first failure. Disposing waits
/// until every worker is gone.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly List<WorkerProcess> _workers = new();
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenRegistration _kill;
    private int _disposed;

    public WorkerPool(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _kill = _stop.Token.Register(KillAll);
    }

    /// <summary>Cancelled by the caller's token, by <see cref="Fail"/> or by a driver; cancelling kills every worker.</summary>
    public CancellationToken Stopping => _stop.Token;

    public bool IsStopping => _stop.IsCancellationRequested;

    public int Count
    {
        get
        {
            lock (_workers)
            {
                return _workers.Count;
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> workers at once and returns when every one has passed
    /// <paramref name="expectReady"/>: each worker's readiness is awaited while the others are still
    /// being launched, so start-up costs the slowest worker, not the sum. A worker that cannot start or
    /// does not become ready stops the pool and is thrown.
    /// </summary>
    public void Start(int count, ChildStartInfo startInfo, Func<WorkerProcess, CancellationToken, Task> expectReady)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ArgumentNullException.ThrowIfNull(expectReady);
        var ready = new List<Task>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                _stop.Token.ThrowIfCancellationRequested();
                WorkerProcess worker = WorkerProcess.Start(startInfo);
                lock (_workers)
                {
                    _workers.Add(worker);
                }

                // A stop between the launch and the Add above would have missed this worker.
                if (_stop.IsCancellationRequested)
                {
                    worker.Kill();
                }

                ready.Add(Task.Run(() => expectReady(worker, _stop.Token)));
            }

            Task.WhenAll(ready).GetAwaiter().GetResult();
        }
        catch
        {
            Fail();
            throw;
        }
    }

    /// <summary>Runs <paramref name="drive"/> on every worker concurrently and returns when all have ended.</summary>
    public void Drive(Func<WorkerProcess, Task> drive)
    {
        ArgumentNullException.ThrowIfNull(drive);
        WorkerProcess[] workers;
        lock (_workers)
        {
            workers = _workers.ToArray();
        }

        Task.WhenAll(workers.Select(drive)).GetAwaiter().GetResult();
    }

    /// <summary>Stops the run: every worker is killed.</summary>
    public void Fail()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _stop.Cancel();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _kill.Dispose();
        WorkerProcess[] workers;
        lock (_workers)
        {
            workers = _workers.ToArray();
        }

        // Each waits up to 2 s for its worker to exit after its input closes: in parallel, a stuck worker costs 2 s, not 2 s each.
        Parallel.ForEach(workers, worker => worker.Dispose());
        _stop.Dispose();
    }

    private void KillAll()
    {
        WorkerProcess[] workers;
        lock (_workers)
        {
            workers = _workers.ToArray();
        }

        foreach (WorkerProcess worker in workers)
        {
            worker.Kill();
        }
    }
}
