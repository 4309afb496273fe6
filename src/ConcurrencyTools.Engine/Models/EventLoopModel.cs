using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// ONE OS thread running up to Workers tasks as async operations, like Python's asyncio: waits are
/// awaited delays and overlap, while CPU work runs on the loop thread and blocks everything else.
/// </summary>
internal sealed class EventLoopModel : ExecutionModel
{
    public override ConcurrencyModel Model => ConcurrencyModel.EventLoop;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
        MeasureInProcess(workload, cancellationToken, state =>
            RunOnThreads(1, "EventLoop", () => RunLoop(state, workers)));

    private static void RunLoop(RunState state, int workers)
    {
        // Every task runs on this one thread, interleaved: its CPU over the loop is the tasks' CPU.
        // Its wait for a core is not left out: one wait of the loop holds up every task interleaved on it, so
        // it cannot be set against the tasks' summed wall time.
        double cpuBefore = ThreadCpuClock.NowMs();
        try
        {
            RunLoopCore(state, workers);
        }
        finally
        {
            state.AddThreadTimes(new ThreadTimes(ThreadCpuClock.NowMs() - cpuBefore, 0), wallTicks: 0);
        }
    }

    private static void RunLoopCore(RunState state, int workers)
    {
        var context = new AsyncTaskContext(state.Token);
        EventLoopSynchronizationContext.Run(() =>
        {
            var coroutines = new Task[workers];
            for (int i = 0; i < workers; i++)
            {
                coroutines[i] = RunCoroutineAsync(state, context);
            }

            return Task.WhenAll(coroutines);
        });
    }

    // One of Workers coroutines: takes tasks until the queue is empty; its awaits resume on the loop.
    private static async Task RunCoroutineAsync(RunState state, ITaskContext context)
    {
        try
        {
            while (!state.Token.IsCancellationRequested && state.Queue.TryTake(out int index))
            {
                state.NoteThread();
                long started = Stopwatch.GetTimestamp();

                // Resumes through the loop's context: a task that ended on the loop thread (the loop's
                // own waits) continues here at once; one that ended elsewhere is posted back to the loop.
                // (ConfigureAwait(false) would not run it inline: with a context on the thread the runtime
                // queues such a continuation to the thread pool, one work item per task.)
                long checksum;
                try
                {
                    checksum = await state.Workload.RunTaskAsync(index, context);
                }
                finally
                {
                    // A failed task's wall time counts as well as its CPU (the loop thread's, read in RunLoop).
                    state.AddTaskWall(Stopwatch.GetTimestamp() - started);
                }

                state.NoteThread();
                state.Complete(checksum);
            }
        }
        catch (Exception error)
        {
            state.Fail(error);
        }
    }
}
