using System;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// The task context of a thread under a <see cref="GilScheduler"/>: CPU checkpoints are where the lock
/// changes hands, and blocking waits (I/O, a full or empty queue) are done with the lock released.
/// </summary>
internal sealed class GilTaskContext : ITaskContext
{
    private readonly GilScheduler _gil;

    public GilTaskContext(GilScheduler gil, CancellationToken cancellationToken)
    {
        _gil = gil;
        CancellationToken = cancellationToken;
    }

    public CancellationToken CancellationToken { get; }

    public bool Holding { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/> on the calling thread holding the lock, as a Python thread needs it
    /// before it runs any code of its own; failures go to <paramref name="fail"/>, and the lock is
    /// released however the body ends.
    /// </summary>
    public static void RunHolding(GilScheduler gil, CancellationToken cancellationToken, Action<Exception> fail, Action<GilTaskContext> body)
    {
        var context = new GilTaskContext(gil, cancellationToken);
        try
        {
            gil.Acquire();
            context.Holding = true;
            body(context);
        }
        catch (Exception error)
        {
            fail(error);
        }
        finally
        {
            if (context.Holding)
            {
                gil.Release();
            }
        }
    }

    public void Checkpoint()
    {
        CancellationToken.ThrowIfCancellationRequested();
        try
        {
            _gil.Checkpoint();
        }
        catch
        {
            // Only the re-acquire after a forced drop throws (on cancellation): the lock is not held.
            Holding = false;
            throw;
        }
    }

    public ValueTask WaitAsync(int milliseconds)
    {
        Released(() =>
        {
            BlockingTaskContext.BlockingWait(milliseconds, CancellationToken);
            return true;
        });
        return default;
    }

    /// <summary>
    /// Runs a blocking wait with the lock released and takes it back afterwards, as CPython's
    /// Py_BEGIN_ALLOW_THREADS does around I/O and around the lock of a queue.
    /// </summary>
    public T Released<T>(Func<T> wait)
    {
        _gil.Release();
        Holding = false;
        try
        {
            return wait();
        }
        finally
        {
            _gil.Acquire();
            Holding = true;
        }
    }
}
