using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>One running worker process and its pipes. Disposing kills it if it still runs and waits until it is gone.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private int _disposed;

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public static WorkerProcess Start(WorkerHost host, IEnumerable<string> workerArguments) =>
        Start(host.CreateStartInfo(workerArguments));

    /// <summary>Starts any child whose standard streams carry a line protocol.</summary>
    public static WorkerProcess Start(ProcessStartInfo startInfo)
    {
        var process = new Process { StartInfo = startInfo };
        var worker = new WorkerProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (worker._stderr)
                {
                    if (worker._stderr.Length < 4096)
                    {
                        worker._stderr.AppendLine(e.Data);
                    }
                }
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start a worker process with '{startInfo.FileName}': {error.Message}", error);
        }

        process.StandardInput.AutoFlush = true;
        process.StandardInput.NewLine = "\n";
        process.BeginErrorReadLine();
        return worker;
    }

    public Task SendAsync(string line) => _process.StandardInput.WriteLineAsync(line);

    /// <summary>Reads the next line; a worker that ended instead is an error that says what it printed.</summary>
    public async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        string? line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is not null)
        {
            return line;
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new IOException($"Worker process {_process.Id} closed its output{await DescribeEndAsync(string.Empty).ConfigureAwait(false)}");
    }

    /// <summary>
    /// What a worker that went wrong said: <paramref name="firstLine"/>, the rest of its output and its
    /// error output once it has ended (a host that cannot load the worker prints its reasons there).
    /// </summary>
    public async Task<string> DescribeEndAsync(string firstLine)
    {
        var text = new StringBuilder(firstLine);
        if (_process.WaitForExit(2000))
        {
            text.Append(' ').Append(await _process.StandardOutput.ReadToEndAsync().ConfigureAwait(false));
            _process.WaitForExit(); // drains the error output
            lock (_stderr)
            {
                text.Append(' ').Append(_stderr);
            }

            text.Append(" (exit code ").Append(_process.ExitCode).Append(')');
        }

        string joined = string.Join(' ', text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return joined.Length == 0 ? "." : ": " + (joined.Length > 1000 ? joined[..1000] + "..." : joined);
    }

    /// <summary>Ends the process now; safe to call from any thread, any number of times.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The pipe is broken when the worker is already gone.
        }

        // A worker told to exit ends by itself; one that does not is killed.
        if (!_process.WaitForExit(2000))
        {
            Kill();
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
