using System;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Where a task runs: this machine (<see cref="LocalProcessRunner"/>), or another place that offers slots.
/// The pool deals tasks to every runner's slots as they free up and applies retries, halting and ordering
/// itself, so a runner only runs one attempt.
/// </summary>
internal interface IProcessRunner
{
    /// <summary>The machine rows from this runner name.</summary>
    string ComputerName { get; }

    /// <summary>How many tasks this runner runs at once.</summary>
    int Slots { get; }

    /// <summary>
    /// Whether the pool runs each of this runner's slots on a thread of its own (<see cref="SlotThread"/>), where an
    /// attempt may block: true for children of this machine that the slot's thread reads itself.
    /// </summary>
    bool WantsSlotThreads => false;

    /// <summary>
    /// Runs one attempt and returns its row; never throws for the task's own failure (a command that cannot start
    /// is a row with its error). Cancelling <paramref name="cancellationToken"/> kills the attempt's process tree.
    /// </summary>
    Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until the runner wants a task for <paramref name="slot"/>; the pool calls it before the slot takes one. A
    /// runner with more slots than it needs now (a remote host that sends tasks ahead, as many as cross the wire in
    /// one round trip) holds the rest back here, so that they take no task another runner could start. The place is
    /// the slot's until the runner ends the attempt it then runs.
    /// </summary>
    ValueTask WaitForRoomAsync(int slot, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The pool's <paramref name="slot"/> ended: it gives up its place (see <see cref="WaitForRoomAsync"/>).</summary>
    void LeaveRoom(int slot)
    {
    }
}
