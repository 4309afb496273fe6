using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text;
using System.Threading;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// A worker's requests from its parent, read on a thread of its own. The parent holds the only writing
/// end of the worker's standard input (the pipes are close-on-exec), so the end of that pipe means the
/// parent has gone, killed with SIGKILL included. The main thread reads between tasks and sees the end
/// itself; while it runs a task, the reading thread sees it and calls <c>parentGone</c> at once, so an
/// orphaned worker does not run on until its task ends (a 20 s wait once kept workers alive 20 s after pwsh).
/// </summary>
public sealed class ParentPipe : IDisposable
{
    /// <summary>Exit code of a worker that ended because its parent went away in the middle of a task.</summary>
    public const int ParentGoneExitCode = 3;

    private readonly BlockingCollection<string?> _lines = new();
    private readonly Action _parentGone;
    private readonly object _gate = new();
    private bool _waiting;
    private bool _ended;
    private bool _disposed;

    /// <summary>Starts reading <paramref name="input"/>; <paramref name="parentGone"/> runs on the reading thread.</summary>
    public ParentPipe(TextReader input, Action parentGone)
    {
        ArgumentNullException.ThrowIfNull(input);
        _parentGone = parentGone ?? throw new ArgumentNullException(nameof(parentGone));
        var reader = new Thread(() => Read(input)) { IsBackground = true, Name = "ParentPipe" };
        reader.Start();
    }

    /// <summary>
    /// This process's standard input, ending the process with <see cref="ParentGoneExitCode"/> when the parent
    /// goes while a request is being handled. The pwsh children of script-block Processes use it too.
    /// </summary>
    public static ParentPipe ForStandardInput() => new(
        new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false)),
        () => Environment.Exit(ParentGoneExitCode));

    /// <summary>The next request; null when the parent closed the pipe. Blocks until one comes.</summary>
    public string? ReadLine()
    {
        lock (_gate)
        {
            if (_ended && _lines.Count == 0)
            {
                return null;
            }

            _waiting = true;
        }

        string? line = _lines.Take();
        lock (_gate)
        {
            _waiting = false;
        }

        return line;
    }

    /// <summary>Stops watching: after this the end of the pipe is nobody's concern (the worker is ending anyway).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private void Read(TextReader input)
    {
        try
        {
            string? line;
            while ((line = input.ReadLine()) is not null)
            {
                _lines.Add(line);
            }
        }
        catch (IOException)
        {
            // A broken pipe is an end like any other.
        }

        bool orphaned;
        lock (_gate)
        {
            _ended = true;
            orphaned = !_waiting && !_disposed && _lines.Count == 0;
        }

        _lines.Add(null);
        if (orphaned)
        {
            _parentGone();
        }
    }
}
