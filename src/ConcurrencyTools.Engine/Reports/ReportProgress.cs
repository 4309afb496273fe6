namespace ConcurrencyTools.Engine.Reports;

/// <summary>A step of writing a report (e.g. <c>Drawing the process pool</c>), with the steps done before it and the steps in all.</summary>
/// <param name="Step">What is being done now.</param>
/// <param name="StepsDone">Steps finished before this one.</param>
/// <param name="TotalSteps">Steps of this report in all (the process pool's only when there are pool rows).</param>
public readonly record struct ReportProgress(string Step, int StepsDone, int TotalSteps);
