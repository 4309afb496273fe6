using System;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>A child process could not be started: the file is missing, not executable, the start request is malformed, or the system refused.</summary>
internal sealed class ChildStartException : Exception
{
    public ChildStartException(string message, Exception? inner = null)
        : this(message, ChildStartFailure.Other, inner)
    {
    }

    public ChildStartException(string message, ChildStartFailure failure, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    /// <summary>Why the start failed, for the caller's error category.</summary>
    public ChildStartFailure Failure { get; }
}
