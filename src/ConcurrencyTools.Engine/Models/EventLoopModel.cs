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
        using var loop = new EventLoopSynchronizationContext();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(loop);
        try
        {
            var context = new AsyncTaskContext(state.Token);
            var coroutines = new Task[workers];
            for (int i = 0; i < workers; i++)
            {
                coroutines[i] = RunCoroutineAsync(state, context);
            }

            Task all = Task.WhenAll(coroutines);
            all.ContinueWith(_ => loop.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            loop.RunOnCurrentThread();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
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

    private sealed class AsyncTaskContext : ITaskContext
    {
        public AsyncTaskContext(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

        public CancellationToken CancellationToken { get; }

        public void Checkpoint() => CancellationToken.ThrowIfCancellationRequested();

        public ValueTask WaitAsync(int milliseconds) =>
            milliseconds > 0 ? new ValueTask(Task.Delay(milliseconds, CancellationToken)) : default;
    }
}
