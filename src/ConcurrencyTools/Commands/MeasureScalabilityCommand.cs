using System;
using System.Globalization;
using System.Management.Automation;
using ConcurrencyTools.Engine.Scalability;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Fits Gunther's Universal Scalability Law to a worker sweep per machine, task list and model: contention, coherency, the peak worker count, and predictions.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Scalability")]
[OutputType(typeof(ScalabilitySummary), typeof(ScalabilityPrediction))]
public sealed class MeasureScalabilityCommand : RunInputCommand
{
    private readonly ScalabilityAnalysis _analysis = new();

    /// <summary>Logical cores of the run's machine (from the pipeline, column LogicalCores); marks predictions beyond them.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, int.MaxValue)]
    public int LogicalCores { get; set; }

    /// <summary>Worker counts to predict the speedup at, e.g. 8, 16, 32: one ScalabilityPrediction row per fit and count, after all the fits.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, 1_000_000)]
    public int[] Predict { get; set; } = Array.Empty<int>();

    /// <inheritdoc/>
    protected override void ProcessRecord() => _analysis.Add(ReadSample(), LogicalCores);

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var (fits, notFitted, context) = _analysis.Analyze(Predict);
        foreach (string note in context)
        {
            WriteVerbose(note);
        }

        // One non-terminating error per group that cannot be fitted; the other groups still are.
        foreach (string why in notFitted)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Not fitted: {why}"),
                why.Contains("distinct worker count", StringComparison.Ordinal) ? "TooFewWorkerCounts" : "FitFailed",
                ErrorCategory.InvalidData,
                why));
        }

        foreach (var (summary, predictions) in fits)
        {
            WriteVerbose(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Model} on {summary.Workload}: {summary.Runs} runs at {summary.WorkerCounts} workers; USL λ {summary.SingleWorkerThroughput:G4} {summary.ThroughputUnit}, σ {summary.Sigma:G4}, κ {summary.Kappa:G4}, R² {summary.FitRSquared:G4}; Amdahl σ {summary.AmdahlSigma:G4}, R² {summary.AmdahlRSquared:G4}."));
            if (summary.FitWarning is not null)
            {
                WriteWarning($"{summary.Model} on {summary.Workload} ({summary.Tasks} tasks of {summary.TaskSize}): {summary.FitWarning}.");
            }

            WriteObject(summary);
        }

        // Predictions after every fit, so each type comes out as one table.
        foreach (var (_, predictions) in fits)
        {
            foreach (ScalabilityPrediction prediction in predictions)
            {
                WriteObject(prediction);
            }
        }
    }
}
