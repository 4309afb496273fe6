using System;
using System.Diagnostics;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// The queue's depth over a run, read from the channel after every write and read: its maximum, and its
/// mean weighted by how long each depth lasted.
/// </summary>
internal sealed class QueueDepthGauge
{
    private readonly object _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _last;
    private double _area;
    private int _depth;

    public QueueDepthGauge() => _last = _started;

    public int Max { get; private set; }

    /// <summary>Records the depth now; <paramref name="read"/> reads it, under the gauge's lock so readings stay in order.</summary>
    public void Note(Func<int> read)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            _area += (double)_depth * (now - _last);
            _last = now;
            _depth = read();
            Max = Math.Max(Max, _depth);
        }
    }

    /// <summary>The time-weighted mean depth from the gauge's creation until now.</summary>
    public double Mean()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            double area = _area + ((double)_depth * (now - _last));
            return now > _started ? area / (now - _started) : 0;
        }
    }
}
