using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// How the producers and consumers of one run execute under a concurrency model: each role is one
/// async body, run on a dedicated thread (Threads, GilThreads: every await completes synchronously, so
/// the body never leaves its thread) or as a coroutine of one event loop (EventLoop). Waits on the queue
/// block the thread, block it with the interpreter lock released, or are awaited on the loop.
/// </summary>
internal abstract class PipelineRunner : IDisposable
{
    /// <summary>The model for one run.</summary>
    public static PipelineRunner Create(ConcurrencyModel model, double switchIntervalMs, CancellationToken cancellationToken) => model switch
    {
        ConcurrencyModel.Threads => new ThreadsPipeline(),
        ConcurrencyModel.GilThreads => new GilThreadsPipeline(TimeSpan.FromMilliseconds(switchIntervalMs), cancellationToken),
        ConcurrencyModel.EventLoop => new EventLoopPipeline(),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, $"Model '{model}' cannot run a producer/consumer pipeline."),
    };

    /// <summary>How many times the interpreter lock was taken (GilThreads only).</summary>
    public virtual long? GilSwitches => null;

    /// <summary>
    /// Runs every role, each with a task context of its own, and returns when all have ended. Roles report
    /// their own failures; <paramref name="fail"/> receives those of the model (a cancelled lock wait).
    /// </summary>
    public abstract void Run(IReadOnlyList<(string Name, Func<ITaskContext, Task> Body)> roles, CancellationToken cancellationToken, Action<Exception> fail);

    /// <summary>Waits for room or for an item, as the model waits: <paramref name="wait"/> starts the channel's own wait.</summary>
    public abstract ValueTask<bool> WaitAsync(ITaskContext context, Func<ValueTask<bool>> wait);

    public virtual void Dispose()
    {
    }

    /// <summary>Blocks the calling thread until a wait has ended.</summary>
    private protected static bool Block(ValueTask<bool> wait) => wait.IsCompleted ? wait.Result : wait.AsTask().GetAwaiter().GetResult();

    private sealed class ThreadsPipeline : PipelineRunner
    {
        public override void Run(IReadOnlyList<(string Name, Func<ITaskContext, Task> Body)> roles, CancellationToken cancellationToken, Action<Exception> fail) =>
            ExecutionModel.RunOnThreads(roles.Select(role => (role.Name, (Action)(() =>
                role.Body(new BlockingTaskContext(cancellationToken)).GetAwaiter().GetResult()))).ToArray());

        public override ValueTask<bool> WaitAsync(ITaskContext context, Func<ValueTask<bool>> wait) => new(Block(wait()));
    }

    private sealed class GilThreadsPipeline : PipelineRunner
    {
        private readonly GilScheduler _gil;

        public GilThreadsPipeline(TimeSpan switchInterval, CancellationToken cancellationToken) => _gil = new GilScheduler(switchInterval, cancellationToken);

        public override long? GilSwitches => _gil.Switches;

        public override void Run(IReadOnlyList<(string Name, Func<ITaskContext, Task> Body)> roles, CancellationToken cancellationToken, Action<Exception> fail) =>
            ExecutionModel.RunOnThreads(roles.Select(role => (role.Name, (Action)(() =>
                GilTaskContext.RunHolding(_gil, cancellationToken, fail, context => role.Body(context).GetAwaiter().GetResult())))).ToArray());

        // Like CPython's queue.Queue, a thread waiting on the queue does so with the interpreter lock released.
        public override ValueTask<bool> WaitAsync(ITaskContext context, Func<ValueTask<bool>> wait) =>
            new(((GilTaskContext)context).Released(() => Block(wait())));

        public override void Dispose() => _gil.Dispose();
    }

    private sealed class EventLoopPipeline : PipelineRunner
    {
        public override void Run(IReadOnlyList<(string Name, Func<ITaskContext, Task> Body)> roles, CancellationToken cancellationToken, Action<Exception> fail) =>
            ExecutionModel.RunOnThreads(new (string, Action)[]
            {
                ("EventLoop", () => EventLoopSynchronizationContext.Run(() =>
                    Task.WhenAll(roles.Select(role => role.Body(new AsyncTaskContext(cancellationToken)))))),
            });

        // Awaited on the loop: the channel resumes the coroutine through the loop's synchronization context.
        public override ValueTask<bool> WaitAsync(ITaskContext context, Func<ValueTask<bool>> wait) => wait();
    }
}
