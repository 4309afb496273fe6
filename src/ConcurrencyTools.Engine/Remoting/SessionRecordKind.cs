namespace ConcurrencyTools.Engine.Remoting;

/// <summary>The kinds of <see cref="SessionRecord"/>.</summary>
public enum SessionRecordKind
{
    /// <summary>An object the remote command wrote.</summary>
    Output,

    /// <summary>An error record the remote command wrote (not terminating).</summary>
    Error,

    /// <summary>A warning the remote command wrote.</summary>
    Warning,

    /// <summary>A verbose message the remote command wrote.</summary>
    Verbose,

    /// <summary>The remote command ended normally (or was stopped by the caller).</summary>
    Completed,

    /// <summary>The remote command or its session failed; Data holds the exception.</summary>
    Failed,
}
