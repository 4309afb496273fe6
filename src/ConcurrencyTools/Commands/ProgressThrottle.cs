using System;
using System.Diagnostics;
using System.Management.Automation;

namespace ConcurrencyTools.Commands;

/// <summary>
/// The cmdlets' one progress writer, for one activity, on the pipeline thread: at most one record every 200 ms
/// (rendering progress is expensive and trials can be microseconds long), none when the shown text has
/// not changed, the time remaining estimated from the pace so far, and the bar completed only if it was
/// ever shown.
/// </summary>
internal sealed class ProgressThrottle
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);
    private readonly Cmdlet _cmdlet;
    private readonly string _activity;
    private readonly bool _silent;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private TimeSpan? _lastWrite;
    private string? _lastStatus;

    public ProgressThrottle(Cmdlet cmdlet, string activity, bool silent)
    {
        _cmdlet = cmdlet;
        _activity = activity;
        _silent = silent;
    }

    /// <summary>
    /// Shows <paramref name="status"/> with the share of <paramref name="total"/> done, and the time remaining
    /// at the pace so far once something is done; unless progress is off or was shown less than 200 ms ago.
    /// </summary>
    public void Write(string status, long done, long total)
    {
        if (!Shows(status))
        {
            return;
        }

        int percent = total > 0 ? (int)(100 * Math.Clamp(done, 0, total) / total) : 100;
        TimeSpan? remaining = done > 0 && total >= done
            ? TimeSpan.FromTicks((long)(_elapsed.Elapsed.Ticks * (double)(total - done) / done))
            : null;
        Show(status, percent, remaining);
    }

    /// <summary>Shows <paramref name="status"/>, its percentage and, when known, the time remaining; throttled alike.</summary>
    public void Write(string status, int percentComplete, TimeSpan? remaining = null)
    {
        if (Shows(status))
        {
            Show(status, percentComplete, remaining);
        }
    }

    /// <summary>
    /// An engine's progress reports shown through this writer: <paramref name="step"/> turns a report into the status,
    /// the work done and the work in all (and may write verbose text). The engines report on the calling thread,
    /// which is the pipeline thread, so nothing is queued.
    /// </summary>
    public IProgress<T> For<T>(Func<T, (string Status, long Done, long Total)> step) => new Reporter<T>(this, step);

    /// <summary>
    /// Whether a record would be shown now if its text changed: progress is on and the last one is at least 200 ms old.
    /// A caller whose status is costly to build asks this first.
    /// </summary>
    public bool Due => !_silent && (_lastWrite is not TimeSpan last || _elapsed.Elapsed - last >= MinimumInterval);

    /// <summary>Completes the bar, if it was ever shown.</summary>
    public void Complete()
    {
        if (_lastStatus is not null)
        {
            _cmdlet.WriteProgress(new ProgressRecord(0, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private bool Shows(string status) => status != _lastStatus && Due;

    private void Show(string status, int percentComplete, TimeSpan? remaining)
    {
        _lastWrite = _elapsed.Elapsed;
        _lastStatus = status;
        var record = new ProgressRecord(0, _activity, status) { PercentComplete = Math.Clamp(percentComplete, 0, 100) };
        if (remaining is TimeSpan left)
        {
            record.SecondsRemaining = (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalSeconds));
        }

        _cmdlet.WriteProgress(record);
    }

    private sealed class Reporter<T>(ProgressThrottle bar, Func<T, (string Status, long Done, long Total)> step) : IProgress<T>
    {
        public void Report(T value)
        {
            (string status, long done, long total) = step(value);
            bar.Write(status, done, total);
        }
    }
}
