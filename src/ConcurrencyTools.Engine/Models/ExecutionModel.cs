using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Workloads;

using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// Runs a task list under one concurrency model. <see cref="Run"/> blocks until every task is done, a
/// task fails, or the token is cancelled; it returns only after every thread or child process it
/// started is gone. Cancellation by the caller surfaces as <see cref="OperationCanceledException"/>;
/// a failing task is reported in <see cref="ModelRunResult.Error"/>.
/// </summary>
public abstract class ExecutionModel
{
    /// <summary>The model's name.</summary>
    public abstract ConcurrencyModel Model { get; }

    /// <summary>Creates a model.</summary>
    public static ExecutionModel Create(ConcurrencyModel model, ModelOptions? options = null)
    {
        options ??= new ModelOptions();
        return model switch
        {
            ConcurrencyModel.Sequential => new SequentialModel(),
            ConcurrencyModel.Threads => new ThreadsModel(),
            ConcurrencyModel.ThreadPool => new ThreadPoolModel(),
            ConcurrencyModel.EventLoop => new EventLoopModel(),
            ConcurrencyModel.Processes => new ProcessesModel(options.WorkerHost ?? WorkerHost.Locate()),
            ConcurrencyModel.GilThreads => new GilThreadsModel(options.SwitchIntervalMs),
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, $"Model '{model}' is not a known model."),
        };
    }

    /// <summary>Runs every task of <paramref name="workload"/> with <paramref name="workers"/> workers.</summary>
    public ModelRunResult Run(Workload workload, int workers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (workers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(workers), workers, "Workers must be at least 1.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        ModelRunResult result = RunCore(workload, workers, cancellationToken);

        // Stopped by the caller: whatever was measured is incomplete and is not a result.
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>The model's own execution.</summary>
    protected abstract ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken);

    /// <summary>Times an in-process run and fills the common figures.</summary>
    private protected static ModelRunResult MeasureInProcess(Workload workload, CancellationToken cancellationToken, Action<RunState> execute)
    {
        using var state = new RunState(workload, cancellationToken);
        using RunMeter meter = RunMeter.Start();
        execute(state);
        RunMeter.Reading reading = meter.Stop();
        return new ModelRunResult
        {
            Counters = reading.Counters,
            PeakWorkingSetBytes = reading.PeakWorkingSetBytes,
            PeakThreadCount = reading.PeakThreadCount,
            ThreadPoolThreadsAdded = reading.PoolThreadsAdded,
            GcMode = RuntimeCounters.GcMode,
            Elapsed = reading.Elapsed,
            CpuTime = reading.CpuTime,
            Checksum = state.Checksum,
            CompletedTasks = state.Completed,
            ThreadsUsed = state.ThreadsUsed,
            TaskCpu = state.TaskCpuMs is { } taskCpu ? TimeSpan.FromMilliseconds(taskCpu) : null,
            TaskWall = TimeSpan.FromMilliseconds(state.TaskWallMs),
            TaskRunWait = TimeSpan.FromMilliseconds(state.TaskRunWaitMs),
            ThreadClockReadings = state.ClockReadings,
            Error = state.Error ?? IncompleteError(state, workload),
        };
    }

    /// <summary>Takes tasks from the queue until it is empty or the run stops; failures stop the run.</summary>
    private protected static void DrainQueue(RunState state, ITaskContext context)
    {
        // The tasks' own CPU: this thread's clock, read before its first task and after its last (not around
        // each: see ThreadSpan); a task that throws ends the loop and is counted too, since it used CPU as well.
        ThreadSpan span = ThreadSpan.Open(state);
        try
        {
            while (TryRunNext(state, context))
            {
            }
        }
        finally
        {
            span.Close();
        }
    }

    /// <summary>
    /// Takes one task from the queue and runs it; false when the queue is empty, the run stopped or the task failed.
    /// On a pool thread (<paramref name="onPoolThread"/>) the task is counted in that thread's span for the run.
    /// </summary>
    private protected static bool TryRunNext(RunState state, ITaskContext context, bool onPoolThread = false)
    {
        try
        {
            if (state.Token.IsCancellationRequested || !state.Queue.TryTake(out int index))
            {
                return false;
            }

            state.NoteThread();
            if (onPoolThread)
            {
                ThreadSpan.EnterPoolTask(state);
            }

            long checksum;
            try
            {
                ValueTask<long> task = state.Workload.RunTaskAsync(index, context);
                checksum = task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                // The task's wall time is its span's (see ThreadSpan), which a thrown task ends too.
                if (onPoolThread)
                {
                    ThreadSpan.LeavePoolTask(state);
                }
            }

            state.Complete(checksum);
            return true;
        }
        catch (Exception error)
        {
            state.Fail(error);
            return false;
        }
    }

    /// <summary>Starts one named background thread per worker, each running <paramref name="body"/>, and waits for all.</summary>
    private protected static void RunOnThreads(int workers, string name, Action body) => RunOnThreads(workers, name, _ => body());

    /// <summary>Starts one named background thread per worker, each running <paramref name="body"/> with its 0-based index, and waits for all.</summary>
    internal static void RunOnThreads(int workers, string name, Action<int> body)
    {
        var threads = new (string, Action)[workers];
        for (int i = 0; i < workers; i++)
        {
            int worker = i;
            threads[i] = ($"{name} {worker + 1}", () => body(worker));
        }

        RunOnThreads(threads);
    }

    /// <summary>Starts one named background thread per body and waits for all of them to end.</summary>
    internal static void RunOnThreads(IReadOnlyList<(string Name, Action Body)> bodies)
    {
        var threads = new Thread[bodies.Count];
        for (int i = 0; i < threads.Length; i++)
        {
            Action body = bodies[i].Body;
            threads[i] = new Thread(() =>
            {
                try
                {
                    body();
                }
                finally
                {
                    ThreadCpuClock.ReleaseThread();
                }
            })
            { IsBackground = true, Name = bodies[i].Name };
        }

        int started = 0;
        try
        {
            for (; started < threads.Length; started++)
            {
                threads[started].Start();
            }
        }
        finally
        {
            for (int i = 0; i < started; i++)
            {
                threads[i].Join();
            }
        }
    }

    internal static TimeSpan ProcessCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static Exception? IncompleteError(RunState state, Workload workload) =>
        state.Completed == workload.Spec.Tasks || state.OuterToken.IsCancellationRequested
            ? null
            : new InvalidOperationException($"Only {state.Completed} of {workload.Spec.Tasks} tasks completed.");
}
