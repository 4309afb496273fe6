using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Where a running task's output lines go (Invoke-ProcessPool -Stream). Into the pool's bounded line queue, a
/// writer waits for room: a child that writes faster than the pipeline shows its lines is slowed down (its pipe
/// fills while its reader waits) instead of its lines piling up in memory. Once the pool stops, lines are dropped.
/// </summary>
internal sealed class ProcessLineSink
{
    private readonly ChannelWriter<ProcessOutputLine>? _queue;
    private readonly Action<ProcessOutputLine>? _deliver;
    private readonly Action? _written;
    private readonly CancellationToken _stop;

    /// <summary>A sink that hands each line to <paramref name="deliver"/> at once (which must not block long).</summary>
    public ProcessLineSink(Action<ProcessOutputLine> deliver) => _deliver = deliver ?? throw new ArgumentNullException(nameof(deliver));

    /// <summary>A sink into a bounded queue: writers wait for room until <paramref name="stop"/>; <paramref name="written"/> follows each line.</summary>
    public ProcessLineSink(ChannelWriter<ProcessOutputLine> queue, Action written, CancellationToken stop)
    {
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _written = written;
        _stop = stop;
    }

    /// <summary>Passes a line on, waiting asynchronously while the queue is full.</summary>
    public async ValueTask WriteAsync(ProcessOutputLine line)
    {
        if (_queue is null)
        {
            _deliver!(line);
            return;
        }

        try
        {
            if (!_queue.TryWrite(line))
            {
                await _queue.WriteAsync(line, _stop).ConfigureAwait(false);
            }

            _written?.Invoke();
        }
        catch (Exception error) when (error is OperationCanceledException or ChannelClosedException)
        {
            // The pool stopped: nobody will show the line.
        }
    }

    /// <summary>Passes a line on, blocking this thread while the queue is full (for callers that cannot await).</summary>
    public void Write(ProcessOutputLine line)
    {
        ValueTask pending = WriteAsync(line);
        if (!pending.IsCompleted)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }
}
