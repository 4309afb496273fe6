using System;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Thrown by a runner whose host can run nothing more (its session broke, or the host lacks what it needs).
/// The pool retires that runner's slots, reports the host once and puts the attempt's task back in the queue
/// for the other runners.
/// </summary>
public sealed class HostFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="computerName">The host that failed.</param>
    /// <param name="errorId">A stable error id for the failure (ModuleMissingOnHost, SessionFailed).</param>
    /// <param name="message">What went wrong, naming the host.</param>
    /// <param name="attemptStarted">Whether the attempt may have started on the host (then it counts as an attempt).</param>
    /// <param name="innerException">The cause, if any.</param>
    public HostFailedException(string computerName, string errorId, string message, bool attemptStarted, Exception? innerException = null)
        : base(message, innerException)
    {
        ComputerName = computerName;
        ErrorId = errorId;
        AttemptStarted = attemptStarted;
    }

    /// <summary>The host that failed.</summary>
    public string ComputerName { get; }

    /// <summary>A stable error id for the failure.</summary>
    public string ErrorId { get; }

    /// <summary>Whether the attempt may have started on the host.</summary>
    public bool AttemptStarted { get; }
}
