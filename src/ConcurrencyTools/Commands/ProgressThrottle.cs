using System;
using System.Management.Automation;

namespace ConcurrencyTools.Commands;

/// <summary>
/// Writes progress records for one activity on the pipeline thread, at most every 200 ms (rendering progress
/// is expensive and trials can be microseconds long), and completes the bar only if it was ever shown.
/// </summary>
internal sealed class ProgressThrottle
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly bool _silent;
    private DateTime _lastWrite = DateTime.MinValue;
    private bool _written;

    public ProgressThrottle(Cmdlet cmdlet, string activity, bool silent)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _silent = silent;
    }

    /// <summary>Shows <paramref name="status"/> unless progress is off or was shown less than 200 ms ago.</summary>
    public void Write(string status, int percentComplete)
    {
        DateTime now = DateTime.UtcNow;
        if (_silent || now - _lastWrite < MinimumInterval)
        {
            return;
        }

        _lastWrite = now;
        _written = true;
        _cmdlet.WriteProgress(new ProgressRecord(0, _activity, status) { PercentComplete = Math.Clamp(percentComplete, 0, 100) });
    }

    public void Complete()
    {
        if (_written)
        {
            _cmdlet.WriteProgress(new ProgressRecord(0, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
