using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// ONE OS thread running up to Workers tasks as coroutines, like Python's asyncio: waits are the loop's
/// timers and overlap, while CPU work runs on the loop thread and blocks everything else.
/// </summary>
/// <remarks>
/// Each coroutine is one small object driven by the loop thread (<see cref="Coroutine"/>), not an async method:
/// with an async method per coroutine, 100,000 of them allocated about 500 bytes each before their first wait
/// (its state machine, the task's, the continuation each await allocated, the array of them, Task.WhenAll's),
/// so the last wait started long after the first, half of it in the garbage collector (issue 24).
/// </remarks>
internal sealed class EventLoopModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.EventLoop;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
            RunOnThreads(1, "EventLoop", () => RunLoop(state, workers)));

    /// <summary>Runs the tasks of <paramref name="state"/> on an event loop on the calling thread, <paramref name="workers"/> at a time.</summary>
    internal static void RunLoop(RunState state, int workers)
    {
        // Every task runs on this one thread, interleaved: its CPU over the loop is the tasks' CPU, less the
        // time the JIT compiler spent on it (the loop's own code, compiled on a first run: 11 to 12 ms of a
        // run of four 50 ms waits, which made their TaskCpuShare 0.05 to 0.10 where the other models show 0.01).
        // The clock before the thread's figures and after them at the end, as Models/ThreadSpan reads them.
        long started = Stopwatch.GetTimestamp();
        ThreadTimes before = ThreadCpuClock.Now();
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
        double tasksWallBefore = state.TaskWallMs;
        try
        {
            var context = new AsyncTaskContext(state.Token);
            EventLoopSynchronizationContext.Run(loop =>
            {
                // A coroutine beyond the number of tasks would find the queue empty at once.
                var run = new CoroutineRun(state, loop, context, Math.Min(workers, state.Workload.Spec.Tasks));
                run.Start();
                return run.Ended;
            });
        }
        finally
        {
            double jitMs = (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitBefore).TotalMilliseconds;
            ThreadTimes spent = ThreadCpuClock.Now() - before;
            double loopMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            double cpuMs = Math.Max(0, spent.CpuMs - jitMs);
            state.AddThreadTimes(new ThreadTimes(cpuMs, TasksRunWaitMs(spent.RunWaitMs, loopMs, state.TaskWallMs - tasksWallBefore)), wallTicks: 0);
        }
    }

    /// <summary>
    /// The loop thread's wait for a core, as the tasks' summed wall times hold it. One wait of the loop holds up
    /// every task in flight at that moment, so it lies in as many task spans as were open; the loop does not
    /// read the thread's figures around each task (two reads a task, the cost of 100,000 waits), so the wait
    /// is taken as spread over the loop's time like the tasks are: the loop's wait times the tasks' summed wall
    /// time over the loop's. Left out, a computing task on a loaded machine showed a TaskCpuShare of 0.03 to 0.2
    /// (the time it waited for a core counted as time it could have computed), where the other models show 1.
    /// </summary>
    internal static double TasksRunWaitMs(double loopRunWaitMs, double loopMs, double tasksWallMs) =>
        loopRunWaitMs > 0 && loopMs > 0 && tasksWallMs > 0 ? loopRunWaitMs * tasksWallMs / loopMs : 0;

    /// <summary>The coroutines of one run, and how many of them have not ended yet; touched by the loop thread only.</summary>
    private sealed class CoroutineRun
    {
        private readonly TaskCompletionSource _ended = new();
        private readonly int _coroutines;
        private int _running;

        public CoroutineRun(RunState state, EventLoopSynchronizationContext loop, ITaskContext context, int coroutines)
        {
            State = state;
            Loop = loop;
            Context = context;
            SingleWait = state.Workload as SingleWaitWorkload;
            _coroutines = coroutines;
        }

        public RunState State { get; }

        public EventLoopSynchronizationContext Loop { get; }

        public ITaskContext Context { get; }

        /// <summary>The workload when its tasks wait once each: then the loop drives its steps itself.</summary>
        public SingleWaitWorkload? SingleWait { get; }

        /// <summary>Ends when every coroutine has.</summary>
        public Task Ended => _ended.Task;

        /// <summary>Starts every coroutine, one after another: each runs until its first task waits.</summary>
        public void Start()
        {
            _running = _coroutines;
            if (_running == 0)
            {
                _ended.SetResult();
                return;
            }

            for (int i = 0; i < _coroutines; i++)
            {
                new Coroutine(this).Run();
            }
        }

        public void CoroutineEnded()
        {
            if (--_running == 0)
            {
                _ended.SetResult();
            }
        }
    }

    /// <summary>
    /// One of Workers coroutines: takes tasks until the queue is empty, the run stops or a task fails. A task that
    /// waits leaves the loop free; the loop calls the coroutine back on its own thread when the wait ends.
    /// </summary>
    private sealed class Coroutine : EventLoopSynchronizationContext.LoopWaiter
    {
        private readonly CoroutineRun _run;
        private Action? _resumeAwaited;
        private ValueTaskAwaiter<long> _awaiter;
        private int _index;
        private long _started;
        private long _beforeWait;

        public Coroutine(CoroutineRun run) => _run = run;

        public override CancellationToken CancellationToken => _run.State.Token;

        // The loop is going through its timers: the task goes on in the loop's next turn.
        public override void OnWaitEnded() => _run.Loop.Post(static s => ((Coroutine)s!).ResumeWaited(), this);

        /// <summary>Runs tasks until one waits (the loop resumes this coroutine then), or until the coroutine ends.</summary>
        public void Run()
        {
            RunState state = _run.State;
            while (!state.Token.IsCancellationRequested && state.Queue.TryTake(out int index))
            {
                state.NoteThread();
                _index = index;
                _started = Stopwatch.GetTimestamp();
                long checksum;
                try
                {
                    if (!TryRunAtOnce(out checksum))
                    {
                        return;
                    }
                }
                catch (Exception error)
                {
                    Fail(error);
                    return;
                }

                EndTask(checksum);
            }

            _run.CoroutineEnded();
        }

        // True when the task ended without waiting; false when it waits and the loop will resume this coroutine.
        private bool TryRunAtOnce(out long checksum)
        {
            checksum = 0;
            if (_run.SingleWait is { } workload)
            {
                // The task's own steps (see SingleWaitWorkload.RunTaskAsync), its wait one of the loop's timers.
                _beforeWait = workload.BeforeWait(_index, _run.Context);
                if (workload.WaitMs > 0)
                {
                    _run.Loop.StartWait(workload.WaitMs, this);
                    return false;
                }

                checksum = workload.AfterWait(_index, _beforeWait);
                return true;
            }

            // Any other task list: its own async method, resumed through the loop's context. A task that ended
            // on the loop thread continues here at once; one that ended elsewhere is posted back to the loop.
            ValueTask<long> task = _run.State.Workload.RunTaskAsync(_index, _run.Context);
            if (task.IsCompleted)
            {
                checksum = task.Result;
                return true;
            }

            _awaiter = task.GetAwaiter();
            _awaiter.UnsafeOnCompleted(_resumeAwaited ??= ResumeAwaited);
            return false;
        }

        // Like an awaited wait of the loop's, one ended by cancellation throws.
        private void ResumeWaited() => Resume(static coroutine =>
        {
            coroutine._run.State.Token.ThrowIfCancellationRequested();
            return coroutine._run.SingleWait!.AfterWait(coroutine._index, coroutine._beforeWait);
        });

        private void ResumeAwaited() => Resume(static coroutine =>
        {
            ValueTaskAwaiter<long> awaiter = coroutine._awaiter;
            coroutine._awaiter = default;
            return awaiter.GetResult();
        });

        // On the loop thread, once the task's wait has ended: its end, then the coroutine's next tasks.
        private void Resume(Func<Coroutine, long> end)
        {
            long checksum;
            try
            {
                checksum = end(this);
            }
            catch (Exception error)
            {
                Fail(error);
                return;
            }

            EndTask(checksum);
            Run();
        }

        private void EndTask(long checksum)
        {
            RunState state = _run.State;
            state.AddTaskWall(Stopwatch.GetTimestamp() - _started);
            state.NoteThread();
            state.Complete(checksum);
        }

        // A failed task ends its coroutine and stops the run; its wall time counts as well as its CPU (the loop
        // thread's, read in RunLoop).
        private void Fail(Exception error)
        {
            _run.State.AddTaskWall(Stopwatch.GetTimestamp() - _started);
            _run.State.Fail(error);
            _run.CoroutineEnded();
        }
    }
}
