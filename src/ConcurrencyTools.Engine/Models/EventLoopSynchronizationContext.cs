using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// A single-threaded event loop: continuations posted from any thread (timers, I/O completions) are
/// queued and run one at a time on the one thread that called <see cref="RunOnCurrentThread"/>.
/// </summary>
internal sealed class EventLoopSynchronizationContext : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The event loop runs callbacks asynchronously only.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs queued callbacks until <see cref="Complete"/> is called and the queue is empty.</summary>
    public void RunOnCurrentThread()
    {
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            callback(state);
        }
    }

    public void Complete() => _queue.CompleteAdding();

    /// <summary>
    /// Runs an event loop on the calling thread: <paramref name="start"/> is called on the loop (so every
    /// await in it resumes there), and the loop runs until the task it returns has ended.
    /// </summary>
    public static void Run(Func<Task> start)
    {
        using var loop = new EventLoopSynchronizationContext();
        SynchronizationContext? previous = Current;
        SetSynchronizationContext(loop);
        try
        {
            Task all = start();
            all.ContinueWith(_ => loop.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            loop.RunOnCurrentThread();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    public void Dispose() => _queue.Dispose();
}
