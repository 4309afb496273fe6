using System;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>A child process could not be started: the file is missing, not executable, or the system refused.</summary>
internal sealed class ChildStartException : Exception
{
    public ChildStartException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
