using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>One running worker process and its pipes. Disposing kills it if it still runs and waits until it is gone.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly ChildProcess _child;
    private readonly StreamWriter _input;
    private readonly StreamReader _output;
    private readonly OutputCapture _stderr = new(4096);
    private readonly Task _stderrRead;
    private int _disposed;

    private WorkerProcess(ChildProcess child)
    {
        _child = child;
        _input = new StreamWriter(child.StandardInput, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        _output = new StreamReader(child.StandardOutput, new UTF8Encoding(false));
        _stderrRead = _stderr.ReadToEndAsync(child.StandardError);
    }

    public int Id => _child.Id;

    public static WorkerProcess Start(WorkerHost host, IEnumerable<string> workerArguments) =>
        Start(host.CreateStartInfo(workerArguments));

    /// <summary>Starts any child whose standard streams carry a line protocol.</summary>
    public static WorkerProcess Start(ChildStartInfo startInfo)
    {
        try
        {
            return new WorkerProcess(ChildProcess.Start(startInfo));
        }
        catch (ChildStartException error)
        {
            throw new InvalidOperationException($"Could not start a worker process with '{startInfo.FileName}': {error.Message}", error);
        }
    }

    public Task SendAsync(string line) => _input.WriteLineAsync(line);

    /// <summary>Reads the next line; a worker that ended instead is an error that says what it printed.</summary>
    public async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        string? line = await _output.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is not null)
        {
            return line;
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new IOException($"Worker process {_child.Id} closed its output{await DescribeEndAsync(string.Empty).ConfigureAwait(false)}");
    }

    /// <summary>
    /// What a worker that went wrong said: <paramref name="firstLine"/>, the rest of its output and its
    /// error output once it has ended (a host that cannot load the worker prints its reasons there).
    /// </summary>
    public async Task<string> DescribeEndAsync(string firstLine)
    {
        var text = new StringBuilder(firstLine);
        if (_child.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            text.Append(' ').Append(await _output.ReadToEndAsync().ConfigureAwait(false));
            await _stderrRead.ConfigureAwait(false);
            text.Append(' ').Append(_stderr.Text);
            ChildExit exit = await _child.WaitForExitAsync().ConfigureAwait(false);
            text.Append(" (exit code ").Append(exit.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown").Append(')');
        }

        string joined = string.Join(' ', text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return joined.Length == 0 ? "." : ": " + (joined.Length > 1000 ? joined[..1000] + "..." : joined);
    }

    /// <summary>Ends the process tree now; safe to call from any thread, any number of times.</summary>
    public void Kill() => _child.KillTree();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _input.Dispose();
        }
        catch (IOException)
        {
            // The pipe is broken when the worker is already gone.
        }

        // A worker told to exit ends by itself; one that does not is killed.
        if (!_child.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            Kill();
        }

        _child.Dispose();
        _output.Dispose();
    }
}
