using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// A running child process with its three standard streams as pipes: the one way the engine starts,
/// talks to and kills children (the Processes model's workers and the process pool's tasks alike).
/// On 64-bit Linux the child is started with posix_spawn in a process group of its own and reaped with
/// wait4, which yields its CPU time and peak resident set; elsewhere System.Diagnostics.Process does it.
/// </summary>
internal abstract class ChildProcess : IDisposable
{
    /// <summary>The process id.</summary>
    public abstract int Id { get; }

    /// <summary>The child's standard input; close it to send end-of-file.</summary>
    public abstract Stream StandardInput { get; }

    /// <summary>The child's standard output.</summary>
    public abstract Stream StandardOutput { get; }

    /// <summary>The child's standard error.</summary>
    public abstract Stream StandardError { get; }

    /// <summary>Starts a child; a file that cannot be started is a <see cref="ChildStartException"/>.</summary>
    public static ChildProcess Start(ChildStartInfo info, bool portable = false)
    {
        ArgumentNullException.ThrowIfNull(info);
        return PosixNative.IsSupported && !portable ? PosixChildProcess.Start(info) : DotnetChildProcess.Start(info);
    }

    /// <summary>Waits until the child has ended and returns how; <paramref name="cancellationToken"/> ends only the wait.</summary>
    public abstract Task<ChildExit> WaitForExitAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits at most <paramref name="timeout"/> for the child to end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            WaitForExitAsync(cts.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kills the child and every descendant: its process group where it has one (which catches grandchildren
    /// that were re-parented), then every process below it in the process tree. Safe to call from any
    /// thread, any number of times, also after the child has ended.
    /// </summary>
    public abstract void KillTree();

    /// <summary>Kills the tree if it still runs, waits for the child and releases its pipes.</summary>
    public abstract void Dispose();

    /// <summary>This process's environment (as .NET sees it, with changes made by the host) plus <paramref name="changes"/>.</summary>
    internal static SortedDictionary<string, string> MergeEnvironment(IReadOnlyDictionary<string, string?>? changes)
    {
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        if (changes is not null)
        {
            foreach (KeyValuePair<string, string?> change in changes)
            {
                if (change.Value is null)
                {
                    environment.Remove(change.Key);
                }
                else
                {
                    environment[change.Key] = change.Value;
                }
            }
        }

        return environment;
    }

    /// <summary>
    /// The file to execute: a path as given (relative to <paramref name="workingDirectory"/>), or a bare name
    /// searched on the child's PATH like execvp does. Missing or not executable files are a clear error.
    /// </summary>
    internal static string ResolveExecutable(string fileName, string? workingDirectory, string? path)
    {
        if (fileName.Length == 0)
        {
            throw new ChildStartException("The file name is empty.");
        }

        if (fileName.Contains('/'))
        {
            string full = Path.IsPathRooted(fileName) ? fileName : Path.GetFullPath(fileName, workingDirectory ?? System.Environment.CurrentDirectory);
            if (!File.Exists(full))
            {
                throw new ChildStartException(Directory.Exists(full) ? $"'{fileName}' is a directory, not an executable file." : $"The file '{fileName}' does not exist.");
            }

            return full;
        }

        string? denied = null;
        foreach (string directory in (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                if (IsExecutable(candidate))
                {
                    return candidate;
                }

                denied ??= candidate;
            }
        }

        throw new ChildStartException(denied is null
            ? $"'{fileName}' was not found on PATH."
            : $"'{denied}' is not executable (permission denied).");
    }

    private static bool IsExecutable(string file)
    {
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & anyExecute) != 0;
    }
}
