namespace ConcurrencyTools.Engine.Races;

/// <summary>What the trials showed. There is deliberately no "safe": absence of evidence is not proof of absence.</summary>
public enum RaceVerdict
{
    /// <summary>At least one trial ended in a forbidden outcome.</summary>
    RaceDetected,

    /// <summary>Every trial ended in an acceptable outcome. The code may still be racy.</summary>
    NoRaceObserved,

    /// <summary>No trial ended in a forbidden outcome, but threads threw: the code failed, which is not by itself a race.</summary>
    ExceptionThrown,

    /// <summary>No trial that finished showed a race or an exception, but some trials ran out of time (Test-RaceCondition -TimeoutSeconds).</summary>
    TimedOut,
}
