using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// Reads one output stream of a child to its end: keeps the first <c>maxBytes</c> bytes, counts them all (so a
/// child never blocks on a full pipe however much it writes) and, when asked, hands over each line as it arrives.
/// A line longer than <c>maxLineChars</c> is handed over in pieces of that length, each saying where it starts and
/// whether the line goes on, so one endless line costs a bounded amount of memory. The next read waits until the
/// pieces of the last one were taken: a slow taker slows the child down (back-pressure) instead of buffering.
/// </summary>
internal sealed class OutputCapture
{
    /// <summary>Default <c>maxLineChars</c>: 64 Ki characters.</summary>
    public const int DefaultMaxLineChars = 64 * 1024;

    /// <summary>The most bytes one read takes from a pipe.</summary>
    internal const int ReadSize = 16 * 1024;

    private readonly int _maxBytes;
    private readonly int _maxLineChars;
    private readonly Func<OutputLinePiece, ValueTask>? _onLine;
    private readonly Decoder? _decoder;
    private readonly StringBuilder? _line;
    private readonly List<OutputLinePiece> _pieces = new();
    private byte[] _kept = Array.Empty<byte>();
    private int _keptLength;
    private long _totalBytes;
    private long _lineOffset;

    public OutputCapture(int maxBytes, Func<OutputLinePiece, ValueTask>? onLine = null, int maxLineChars = DefaultMaxLineChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineChars, 1);
        _maxBytes = maxBytes;
        _maxLineChars = maxLineChars;
        _onLine = onLine;
        if (onLine is not null)
        {
            _decoder = new UTF8Encoding(false).GetDecoder();
            _line = new StringBuilder();
        }
    }

    /// <summary>Every byte read, kept or not.</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    /// <summary>Whether more was read than was kept.</summary>
    public bool Truncated => TotalBytes > _keptLength;

    /// <summary>The kept bytes as UTF-8 text, less one final line break.</summary>
    public string Text
    {
        get
        {
            int length = _keptLength;
            if (length > 0 && _kept[length - 1] == (byte)'\n' && !Truncated)
            {
                length -= length > 1 && _kept[length - 2] == (byte)'\r' ? 2 : 1;
            }

            return Encoding.UTF8.GetString(_kept, 0, length);
        }
    }

    /// <summary>
    /// Reads until end-of-file. An I/O error (the pipe torn down) ends the read too, and so does
    /// <paramref name="abandon"/>, for output held open by a descendant that a kill did not reach.
    /// </summary>
    public async Task ReadToEndAsync(Stream stream, CancellationToken abandon = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), abandon).ConfigureAwait(false)) > 0)
            {
                Count(buffer, read);
                if (_onLine is not null)
                {
                    SplitLines(buffer, read, flush: false);
                    await HandOverAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The stream was closed under the read: what was read stays.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (_onLine is not null)
        {
            SplitLines(Array.Empty<byte>(), 0, flush: true);
            await HandOverAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes bytes read by the caller (a thread that reads the pipe itself, see <see cref="PosixChildProcess.ReadOutputs"/>):
    /// kept and counted as a read of <see cref="ReadToEndAsync"/> would. Only for a capture that hands over no lines.
    /// </summary>
    public void Append(byte[] buffer, int read)
    {
        if (_onLine is not null)
        {
            throw new InvalidOperationException("A capture that hands over lines reads its stream itself.");
        }

        Count(buffer, read);
    }

    private void Count(byte[] buffer, int read)
    {
        Keep(buffer, read);
        Interlocked.Add(ref _totalBytes, read);
    }

    private async ValueTask HandOverAsync()
    {
        foreach (OutputLinePiece piece in _pieces)
        {
            await _onLine!(piece).ConfigureAwait(false);
        }

        _pieces.Clear();
    }

    private void Keep(byte[] buffer, int read)
    {
        int take = Math.Min(read, _maxBytes - _keptLength);
        if (take <= 0)
        {
            return;
        }

        if (_keptLength + take > _kept.Length)
        {
            Array.Resize(ref _kept, (int)Math.Min(_maxBytes, Math.Max(_kept.Length * 2L, Math.Max(256, _keptLength + take))));
        }

        Buffer.BlockCopy(buffer, 0, _kept, _keptLength, take);
        _keptLength += take;
    }

    private void SplitLines(byte[] buffer, int read, bool flush)
    {
        int count = _decoder!.GetCharCount(buffer, 0, read, flush);
        char[] chars = ArrayPool<char>.Shared.Rent(Math.Max(count, 1));
        try
        {
            int decoded = _decoder.GetChars(buffer, 0, read, chars, 0, flush);
            for (int i = 0; i < decoded; i++)
            {
                if (chars[i] == '\n')
                {
                    EmitLine(continues: false);
                }
                else
                {
                    // Cut only when one more character comes: a line of exactly the limit is not cut.
                    if (_line!.Length >= _maxLineChars && !char.IsHighSurrogate(_line[^1]))
                    {
                        EmitLine(continues: true);
                    }

                    _line.Append(chars[i]);
                }
            }

            if (flush && (_line!.Length > 0 || _lineOffset > 0))
            {
                EmitLine(continues: false);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private void EmitLine(bool continues)
    {
        int length = _line!.Length;
        if (!continues && length > 0 && _line[length - 1] == '\r')
        {
            length--;
        }

        _pieces.Add(new OutputLinePiece(_line.ToString(0, length), _lineOffset, continues));
        _lineOffset = continues ? _lineOffset + length : 0;
        _line.Clear();
    }
}
