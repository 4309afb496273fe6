using System;
using System.Threading;
using System.Threading.Tasks;
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
                long checksum = await state.Workload.RunTaskAsync(index, context);
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
