namespace ConcurrencyTools.Engine.Processes;

/// <summary>Why a child process could not be started.</summary>
public enum ChildStartFailure
{
    /// <summary>The system refused for another reason (no pipes, no memory, the host exiting).</summary>
    Other,

    /// <summary>The file or the working directory does not exist, or the name is not on PATH.</summary>
    NotFound,

    /// <summary>The file exists but may not be executed.</summary>
    PermissionDenied,

    /// <summary>The request itself cannot be passed to a process: an argument or environment value holds a NUL character.</summary>
    InvalidArgument,
}
