namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// A cell of an input row that cannot be used: the run is excluded (and counted), or for an optional
/// figure read without it, and the problem is reported as an error whose id is <see cref="ErrorId"/>.
/// </summary>
/// <param name="Column">The column, e.g. <c>ElapsedMs</c>.</param>
/// <param name="Value">The value as it came in.</param>
/// <param name="Reason">What is wrong, briefly, e.g. <c>is not a number</c>; the run's ExcludedReason.</param>
/// <param name="Message">The full message, naming the column, the value and the row.</param>
public sealed record SpeedupInputProblem(string Column, object? Value, string Reason, string Message)
{
    /// <summary>The stable error id: <c>Invalid</c> and the column, e.g. <c>InvalidWorkers</c>.</summary>
    public string ErrorId => "Invalid" + Column;
}
