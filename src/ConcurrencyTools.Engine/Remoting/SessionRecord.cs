using System.Management.Automation.Runspaces;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>Something one remote session produced: an output object, a stream record, or its end.</summary>
/// <param name="Session">The session it came from.</param>
/// <param name="Kind">What it is.</param>
/// <param name="Data">
/// The output object (a deserialized PSObject), the ErrorRecord, the warning or verbose text, or for
/// <see cref="SessionRecordKind.Failed"/> the exception that ended the session's pipeline.
/// </param>
public sealed record SessionRecord(PSSession Session, SessionRecordKind Kind, object? Data);
