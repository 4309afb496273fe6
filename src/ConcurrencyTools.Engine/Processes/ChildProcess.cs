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
        if (LiveChildren.HostExiting is string exiting)
        {
            throw new ChildStartException($"Not started: {exiting}");
        }

        CheckNoNul(info);
        ChildProcess child = PosixNative.IsSupported && !portable ? PosixChildProcess.Start(info) : DotnetChildProcess.Start(info);
        LiveChildren.Add(child);
        return child;
    }

    /// <summary>
    /// Refuses a start request that holds a NUL character: the C strings of an argument vector and an environment end at
    /// the first NUL, so the child would silently get a shorter value ("a`0b" arrives as "a"). Nothing is started.
    /// </summary>
    internal static void CheckNoNul(ChildStartInfo info)
    {
        static string Shown(string value) => value.Replace("\0", "`0", StringComparison.Ordinal);
        const string Why = " contains a NUL character, which cannot be passed to a process (it would end the value there); nothing was started.";
        if (info.FileName.Contains('\0'))
        {
            throw new ChildStartException($"The file name '{Shown(info.FileName)}'" + Why, ChildStartFailure.InvalidArgument);
        }

        for (int i = 0; i < info.Arguments.Count; i++)
        {
            if (info.Arguments[i].Contains('\0'))
            {
                throw new ChildStartException($"Argument {i + 1} '{Shown(info.Arguments[i])}'" + Why, ChildStartFailure.InvalidArgument);
            }
        }

        if (info.WorkingDirectory?.Contains('\0') == true)
        {
            throw new ChildStartException($"The working directory '{Shown(info.WorkingDirectory)}'" + Why, ChildStartFailure.InvalidArgument);
        }

        if (info.Environment is not null)
        {
            foreach (KeyValuePair<string, string?> variable in info.Environment)
            {
                if (variable.Key.Contains('\0') || variable.Key.Contains('=') || variable.Key.Length == 0)
                {
                    throw new ChildStartException(
                        $"The environment variable name '{Shown(variable.Key)}' is empty or contains '=' or a NUL character, which cannot be passed to a process; nothing was started.",
                        ChildStartFailure.InvalidArgument);
                }

                if (variable.Value?.Contains('\0') == true)
                {
                    throw new ChildStartException($"The value of environment variable '{variable.Key}' ('{Shown(variable.Value)}')" + Why, ChildStartFailure.InvalidArgument);
                }
            }
        }
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
            throw new ChildStartException("The file name is empty.", ChildStartFailure.InvalidArgument);
        }

        if (fileName.Contains('/'))
        {
            string full = Path.IsPathRooted(fileName) ? fileName : Path.GetFullPath(fileName, workingDirectory ?? System.Environment.CurrentDirectory);
            if (!File.Exists(full))
            {
                throw Directory.Exists(full)
                    ? new ChildStartException($"'{fileName}' is a directory, not an executable file (permission denied).", ChildStartFailure.PermissionDenied)
                    : new ChildStartException($"The file '{fileName}' does not exist.", ChildStartFailure.NotFound);
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

        throw denied is null
            ? new ChildStartException($"'{fileName}' was not found on PATH.", ChildStartFailure.NotFound)
            : new ChildStartException($"'{denied}' is not executable (permission denied).", ChildStartFailure.PermissionDenied);
    }

    /// <summary>What an errno from starting a process means for the caller.</summary>
    internal static ChildStartFailure FailureOf(int errno) => errno switch
    {
        1 or 13 => ChildStartFailure.PermissionDenied, // EPERM, EACCES
        2 or 20 => ChildStartFailure.NotFound, // ENOENT, ENOTDIR
        _ => ChildStartFailure.Other,
    };

    private static bool IsExecutable(string file)
    {
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & anyExecute) != 0;
    }
}
