using System;
using System.Management.Automation;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Commands;

/// <summary>Writes a measurement's progress on the pipeline thread: every step as verbose text, the bar through a <see cref="ProgressThrottle"/>.</summary>
internal sealed class MeasurementProgressWriter : IProgress<MeasurementProgress>
{
    private readonly PSCmdlet _cmdlet;
    private readonly ProgressThrottle _bar;

    public MeasurementProgressWriter(PSCmdlet cmdlet, string activity, bool silent)
    {
        _cmdlet = cmdlet;
        _bar = new ProgressThrottle(cmdlet, activity, silent);
    }

    public void Report(MeasurementProgress value)
    {
        string step = value.Describe();
        _cmdlet.WriteVerbose(step);
        _bar.Write($"{step} ({value.RunsDone} of {value.TotalRuns} runs done)", value.RunsDone, value.TotalRuns);
    }

    public void Complete() => _bar.Complete();
}
