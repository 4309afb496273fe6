using System;
using System.Management.Automation;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Commands;

/// <summary>Writes progress on the pipeline thread, only when what is shown changes and at most every 200 ms.</summary>
internal sealed class MeasurementProgressWriter : IProgress<MeasurementProgress>
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);
    private readonly PSCmdlet _cmdlet;
    private readonly string _activity;
    private readonly bool _silent;
    private DateTime _lastWrite = DateTime.MinValue;
    private bool _written;

    public MeasurementProgressWriter(PSCmdlet cmdlet, string activity, bool silent)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _silent = silent;
    }

    public void Report(MeasurementProgress value)
    {
        _cmdlet.WriteVerbose(value.Describe());
        DateTime now = DateTime.UtcNow;
        if (_silent || now - _lastWrite < MinimumInterval)
        {
            return;
        }

        _lastWrite = now;
        _written = true;
        _cmdlet.WriteProgress(new ProgressRecord(0, _activity, $"{value.Describe()} ({value.RunsDone} of {value.TotalRuns} runs done)")
        {
            PercentComplete = value.PercentComplete,
        });
    }

    public void Complete()
    {
        if (_written)
        {
            _cmdlet.WriteProgress(new ProgressRecord(0, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
