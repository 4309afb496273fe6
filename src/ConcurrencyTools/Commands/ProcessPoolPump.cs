using System;
using System.Management.Automation;
using System.Threading;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Commands;

/// <summary>
/// Invoke-ProcessPool's pipeline side: hands tasks to the pool and writes what the pool hands back (failed
/// hosts, output lines, rows with their error records, progress), always on the pipeline thread, since the
/// pool's own threads must never write to the pipeline. It does not own the pool: the cmdlet disposes it.
/// </summary>
internal sealed class ProcessPoolPump
{
    private static readonly TimeSpan ActivityWait = TimeSpan.FromMilliseconds(200);
    private readonly Cmdlet _cmdlet;
    private readonly BoundedProcessPool _pool;
    private readonly ProcessTaskBuilder _tasks;
    private readonly ProgressThrottle _progress;
    private readonly bool _verbose;

    public ProcessPoolPump(Cmdlet cmdlet, BoundedProcessPool pool, ProcessTaskBuilder tasks, ProgressThrottle progress, bool verbose)
    {
        _cmdlet = cmdlet;
        _pool = pool;
        _tasks = tasks;
        _progress = progress;
        _verbose = verbose;
    }

    /// <summary>Hands <paramref name="task"/> to the pool, writing what it has ready while it waits for room (the pool's bound on memory).</summary>
    public void Add(ProcessTask task, CancellationToken cancellationToken)
    {
        while (!_pool.TryAdd(task))
        {
            Drain();
            _pool.WaitForActivity(ActivityWait, cancellationToken);
        }

        Drain();
    }

    /// <summary>Tells the pool no task follows and writes what it hands back until every task has its row.</summary>
    public void Finish(CancellationToken cancellationToken)
    {
        _pool.CompleteAdding();
        while (!_pool.IsCompleted)
        {
            Drain();
            _pool.WaitForActivity(ActivityWait, cancellationToken);
        }

        Drain();
    }

    /// <summary>Completes the progress bar, if it was ever shown.</summary>
    public void CompleteProgress() => _progress.Complete();

    /// <summary>Writes what the pool has ready: failed hosts, output lines, then rows, then progress.</summary>
    private void Drain()
    {
        while (_pool.TryTakeHostFailure(out HostFailedException failure))
        {
            _cmdlet.WriteError(new ErrorRecord(
                failure,
                failure.ErrorId,
                failure.ErrorId == "ModuleMissingOnHost" ? ErrorCategory.NotInstalled : ErrorCategory.ConnectionError,
                failure.ComputerName));
        }

        while (_pool.TryTakeLine(out ProcessOutputLine line))
        {
            _cmdlet.WriteInformation(new HostInformationMessage { Message = line.ToString() }, new[] { "PSHOST", line.Stream });
        }

        while (_pool.TryTakeResult(out ProcessTaskResult row))
        {
            if (_verbose)
            {
                _cmdlet.WriteVerbose($"Task {row.Seq} ({row.Input}): " + (row.Succeeded ? $"exit 0 in {row.DurationMs:F1} ms" : row.Error) +
                    (row.Attempt > 1 ? $", attempt {row.Attempt}" : string.Empty) + ".");
            }

            _cmdlet.WriteObject(row);
            if (!row.Succeeded && !row.Skipped)
            {
                // A failed task is a row first; the error record lets -ErrorAction and -ErrorVariable act on it.
                _cmdlet.WriteError(_tasks.TryTakePreparationError(row.Seq, out Exception error, out string errorId)
                    ? new ErrorRecord(error, errorId, ErrorCategory.InvalidArgument, row)
                    : ProcessTaskErrorRecord.Create(row));
            }
        }

        if (_progress.Due)
        {
            ProcessPoolProgress progress = _pool.GetProgress();
            _progress.Write(progress.Describe(), progress.PercentComplete, progress.EstimatedRemaining);
        }
    }
}
