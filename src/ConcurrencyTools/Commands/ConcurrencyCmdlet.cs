using System;
using System.Management.Automation;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Commands;

/// <summary>
/// What the module's long-running cmdlets share: a cancellation token that StopProcessing (Ctrl+C,
/// Select-Object -First) cancels and that is passed all the way down to the engine; the rule that a
/// cancellation caused by stopping ends the cmdlet as a stopped pipeline; and the error record of a
/// parameter the engine refused.
/// </summary>
public abstract class ConcurrencyCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Cancelled when the pipeline stops; hand it to every engine call that can take long.</summary>
    protected CancellationToken StopToken => _cancellation.Token;

    /// <summary>Whether the -Verbose text is wanted: -Verbose given, or $VerbosePreference asks for it; so costly verbose text is built only then.</summary>
    protected bool VerboseWanted => MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose)
        ? ((SwitchParameter)verbose).IsPresent
        : GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Releases the cancellation source; a cmdlet that owns more releases it too.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancellation.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>. A cancellation that stopping caused becomes PipelineStoppedException, the
    /// way PowerShell expects a stopped cmdlet to end (no error record); any other exception passes unchanged.
    /// </summary>
    protected void RunUntilStopped(Action body)
    {
        try
        {
            body();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>A measurement's progress: every step as verbose text, and the bar through <paramref name="bar"/>.</summary>
    private protected IProgress<MeasurementProgress> MeasurementSteps(ProgressThrottle bar) => bar.For<MeasurementProgress>(progress =>
    {
        string step = progress.Describe();
        WriteVerbose(step);
        return ($"{step} ({progress.RunsDone} of {progress.TotalRuns} runs done)", progress.RunsDone, progress.TotalRuns);
    });

    /// <summary>
    /// Writes a parameter the engine refused as a non-terminating error with the stable id <paramref name="errorId"/>;
    /// its target is the offending value when the engine named it, else the parameter's name.
    /// </summary>
    protected void WriteParameterError(ArgumentException error, string errorId)
    {
        object? target = error is ArgumentOutOfRangeException range ? range.ActualValue : null;
        WriteError(new ErrorRecord(error, errorId, ErrorCategory.InvalidArgument, target ?? error.ParamName));
    }
}
