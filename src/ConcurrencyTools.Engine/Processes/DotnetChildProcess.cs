using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// A child started with System.Diagnostics.Process, where posix_spawn is not used (Windows, macOS, 32-bit).
/// CPU time is read where the platform still gives it after exit (Windows); the peak working set is not known.
/// </summary>
internal sealed class DotnetChildProcess : ChildProcess
{
    private readonly Process _process;
    private int _disposed;

    private DotnetChildProcess(Process process)
    {
        _process = process;
    }

    public override int Id => _process.Id;

    public override Stream StandardInput => _process.StandardInput.BaseStream;

    public override Stream StandardOutput => _process.StandardOutput.BaseStream;

    public override Stream StandardError => _process.StandardError.BaseStream;

    public static DotnetChildProcess Start(ChildStartInfo info)
    {
        if (info.WorkingDirectory is not null && !Directory.Exists(info.WorkingDirectory))
        {
            throw new ChildStartException($"The working directory '{info.WorkingDirectory}' does not exist.", ChildStartFailure.NotFound);
        }

        string file = OperatingSystem.IsWindows() || info.FileName.Contains('/')
            ? info.FileName
            : ResolveExecutable(info.FileName, info.WorkingDirectory, Environment.GetEnvironmentVariable("PATH"));
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = info.WorkingDirectory ?? string.Empty,
        };
        foreach (string argument in info.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (info.Environment is not null)
        {
            foreach (var change in info.Environment)
            {
                if (change.Value is null)
                {
                    start.Environment.Remove(change.Key);
                }
                else
                {
                    start.Environment[change.Key] = change.Value;
                }
            }
        }

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception error) when (error is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new ChildStartException($"Could not start '{info.FileName}': {error.Message}", error is Win32Exception native ? FailureOf(native.NativeErrorCode) : ChildStartFailure.Other, error);
        }

        return new DotnetChildProcess(process);
    }

    public override async Task<ChildExit> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        TimeSpan? cpu = null;
        try
        {
            cpu = _process.TotalProcessorTime;
        }
        catch (Exception error) when (error is InvalidOperationException or NotSupportedException or Win32Exception)
        {
            // Linux and macOS forget an exited child's times.
        }

        int code = _process.ExitCode;
        return new ChildExit(code, null, cpu, null);
    }

    public override void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception error) when (error is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_process.HasExited)
        {
            KillTree();
        }

        _process.WaitForExit();
        try
        {
            _process.StandardInput.Dispose();
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException)
        {
            // The reader is gone, or the pipe was closed through its base stream.
        }

        _process.Dispose();
        LiveChildren.Remove(this);
    }
}
