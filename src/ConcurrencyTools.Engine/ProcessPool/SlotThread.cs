using System;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// A thread of its own for one slot of a pool on this machine. The slot's loop runs on it as an event loop (each of
/// its awaits resumes there), and each attempt's child is read by this thread in poll(2)
/// (<see cref="PosixChildProcess.ReadOutputs"/>): a task costs this thread a wake-up or two. Read asynchronously, a
/// task's end went from the runtime's epoll thread to the thread pool and on through several hand-offs, and idle
/// thread-pool workers spin before they sleep: that was most of pwsh's CPU per short task.
/// </summary>
internal sealed class SlotThread
{
    private const int StackSize = 256 * 1024;

    [ThreadStatic]
    private static SlotThread? t_current;

    private SlotThread(ThreadWake wake) => Wake = wake;

    /// <summary>The slot thread the caller runs on, or null on any other thread.</summary>
    public static SlotThread? Current => t_current;

    /// <summary>Wakes this thread from its poll: a time limit or a cancellation signals it after killing the child.</summary>
    public ThreadWake Wake { get; }

    /// <summary>
    /// Starts a background thread named <paramref name="name"/> that runs <paramref name="loop"/> as an event loop;
    /// the task ends when the loop's task has, with its fault if it had one. Without an eventfd the thread is no slot
    /// thread (<see cref="Current"/> stays null there) and its attempts read asynchronously.
    /// </summary>
    public static Task Run(string name, Func<Task> loop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A small stack: the loop and an attempt go a few frames deep, and a pool may have up to 1,024 slots.
        var thread = new Thread(() => RunLoop(loop, done), StackSize) { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    private static void RunLoop(Func<Task> loop, TaskCompletionSource done)
    {
        ThreadWake? wake = ThreadWake.TryCreate();
        t_current = wake is null ? null : new SlotThread(wake);
        try
        {
            EventLoopSynchronizationContext.Run(loop);
            done.TrySetResult();
        }
        catch (Exception error)
        {
            done.TrySetException(error);
        }
        finally
        {
            t_current = null;
            wake?.Dispose();
        }
    }
}
