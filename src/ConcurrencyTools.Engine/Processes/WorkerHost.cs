using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// How to start a worker process. The module ships the worker twice: compiled ahead of time for one
/// platform (<c>&lt;module&gt;/&lt;rid&gt;/ConcurrencyTools.Worker</c>, Native AOT, which starts in a few
/// milliseconds like a forked CPython worker) and framework-dependent (<c>ConcurrencyTools.Worker.dll</c>,
/// which needs a .NET host and about ten times longer to start). The native worker is used when one was
/// built for the running platform. Otherwise an ordinary pwsh install has no separate .NET SDK on PATH,
/// so the host is found from the running process: the <c>dotnet</c> muxer that runs it, the one beside
/// its runtime, <c>DOTNET_ROOT</c>, PATH, and at last pwsh itself loading the engine assembly.
/// The environment variable <c>CONCURRENCYTOOLS_WORKER_HOST</c> overrides the search: <c>native</c>
/// requires the native worker, <c>managed</c> skips it, <c>pwsh</c> forces the pwsh host, and any other
/// value is the path of a <c>dotnet</c> executable.
/// </summary>
public sealed class WorkerHost
{
    /// <summary>File name of the worker assembly, beside the engine assembly.</summary>
    public const string WorkerAssemblyName = "ConcurrencyTools.Worker.dll";

    /// <summary>File name of the native worker, in the folder named after its runtime identifier.</summary>
    public static readonly string NativeWorkerName = OperatingSystem.IsWindows() ? "ConcurrencyTools.Worker.exe" : "ConcurrencyTools.Worker";

    /// <summary>Environment variable that chooses the host: <c>native</c>, <c>managed</c>, <c>pwsh</c>, or the path of a dotnet executable.</summary>
    public const string OverrideVariable = "CONCURRENCYTOOLS_WORKER_HOST";

    /// <summary>The <see cref="Kind"/> of the ahead-of-time compiled worker.</summary>
    public const string NativeKind = "native";

    private readonly string? _engineAssemblyPath;

    private WorkerHost(string fileName, IReadOnlyList<string> prefixArguments, string kind, string? engineAssemblyPath = null, string? fallbackReason = null)
    {
        FileName = fileName;
        PrefixArguments = prefixArguments;
        Kind = kind;
        _engineAssemblyPath = engineAssemblyPath;
        FallbackReason = fallbackReason;
    }

    /// <summary>The executable started.</summary>
    public string FileName { get; }

    /// <summary>Arguments placed before the workload arguments.</summary>
    public IReadOnlyList<string> PrefixArguments { get; }

    /// <summary>What runs the worker: <c>native</c> (the ahead-of-time compiled worker), <c>dotnet</c> or <c>pwsh</c>.</summary>
    public string Kind { get; }

    /// <summary>Why the native worker is not used, when it is not; null when it is, or when it was not wanted.</summary>
    public string? FallbackReason { get; }

    /// <summary>A short description for verbose output.</summary>
    public override string ToString() => FallbackReason is null
        ? $"{Kind}: {FileName}"
        : $"{Kind}: {FileName} ({FallbackReason}; the framework-dependent worker takes longer to start)";

    /// <summary>
    /// The runtime identifier of the running platform as the native worker's folder is named: <c>linux-x64</c>,
    /// <c>linux-musl-arm64</c>, <c>osx-arm64</c>, <c>win-x64</c>.
    /// </summary>
    public static string CurrentRuntimeIdentifier =>
        RuntimeIdentifierOf(RuntimeInformation.IsOSPlatform, RuntimeInformation.RuntimeIdentifier, RuntimeInformation.ProcessArchitecture);

    /// <summary>
    /// What -Verbose says about the host worker processes start with, or, when none can be found here, the problem
    /// that keeps the Processes model from running (then the first item is null).
    /// </summary>
    public static (string? Host, string? Problem) Probe()
    {
        try
        {
            return ($"Worker processes start with {Locate()}.", null);
        }
        catch (Exception error) when (error is InvalidOperationException or FileNotFoundException)
        {
            return (null, $"The Processes model cannot run here: {error.Message}");
        }
    }

    /// <summary>Finds a host for the worker assembly in <paramref name="directory"/> (default: beside the engine).</summary>
    public static WorkerHost Locate(string? directory = null) => Locate(directory, HostSearch.Current);

    /// <summary>
    /// <see cref="Locate(string?)"/> looking at <paramref name="search"/> instead of the running process, so that
    /// every turn of the search can be tested on any machine.
    /// </summary>
    internal static WorkerHost Locate(string? directory, HostSearch search)
    {
        directory ??= Path.GetDirectoryName(typeof(WorkerHost).Assembly.Location) ?? AppContext.BaseDirectory;
        string workerPath = Path.Combine(directory, WorkerAssemblyName);
        if (!File.Exists(workerPath))
        {
            throw new FileNotFoundException($"The worker assembly '{workerPath}' is missing; rebuild the module.", workerPath);
        }

        string enginePath = Path.Combine(directory, Path.GetFileName(typeof(WorkerHost).Assembly.Location));
        string nativePath = Path.Combine(directory, CurrentRuntimeIdentifier, NativeWorkerName);
        string? self = search.ProcessPath;
        string? choice = search.Choice;
        string? fallback = null;
        if (string.IsNullOrWhiteSpace(choice) || string.Equals(choice, NativeKind, StringComparison.OrdinalIgnoreCase))
        {
            if (File.Exists(nativePath))
            {
                return ForNative(nativePath);
            }

            fallback = $"no native worker for {CurrentRuntimeIdentifier} at '{nativePath}'";
            if (!string.IsNullOrWhiteSpace(choice))
            {
                throw new InvalidOperationException($"{OverrideVariable} is '{choice}', but there is {fallback}; build the module where clang or gcc is installed, or unset the variable.");
            }
        }
        else if (string.Equals(choice, "pwsh", StringComparison.OrdinalIgnoreCase))
        {
            return ForPwsh(FindPwsh(search) ?? "pwsh", enginePath);
        }
        else if (!string.Equals(choice, "managed", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(choice))
            {
                throw new InvalidOperationException($"{OverrideVariable} names '{choice}', which does not exist; set it to 'native', 'managed', 'pwsh' or the path of a dotnet executable.");
            }

            return ForDotnet(choice, workerPath);
        }

        string? dotnet = FindDotnet(search);
        if (dotnet is not null)
        {
            return new WorkerHost(dotnet, new[] { workerPath }, "dotnet", fallbackReason: fallback);
        }

        if (self is not null && IsNamed(self, "pwsh"))
        {
            return new WorkerHost(self, PwshArguments, "pwsh", enginePath, fallback);
        }

        throw new InvalidOperationException(
            "No host was found to start worker processes: no native worker for this platform, and neither a 'dotnet' executable (beside the running .NET runtime, under DOTNET_ROOT or on PATH) nor pwsh as the current process.");
    }

    /// <summary>The native worker at <paramref name="path"/>, which needs no host.</summary>
    public static WorkerHost ForNative(string path) => new(path, Array.Empty<string>(), NativeKind);

    /// <summary>A host that runs the worker assembly with a <c>dotnet</c> muxer.</summary>
    public static WorkerHost ForDotnet(string dotnetPath, string workerPath) =>
        new(dotnetPath, new[] { workerPath }, "dotnet");

    /// <summary>A host that runs the worker loop inside pwsh, by loading the engine assembly.</summary>
    public static WorkerHost ForPwsh(string pwshPath, string engineAssemblyPath) =>
        new(pwshPath, PwshArguments, "pwsh", engineAssemblyPath);

    private static string[] PwshArguments => new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command" };

    /// <summary>What to start for a worker with the given workload arguments.</summary>
    internal ChildStartInfo CreateStartInfo(IEnumerable<string> workerArguments)
    {
        var arguments = new List<string>(PrefixArguments);
        if (_engineAssemblyPath is null)
        {
            arguments.AddRange(workerArguments);
        }
        else
        {
            // pwsh appends whatever follows -Command to the command text, so the arguments go inside it.
            arguments.Add(
                $"Add-Type -Path {Quote(_engineAssemblyPath)}; " +
                $"exit [ConcurrencyTools.Engine.Processes.WorkerServer]::RunStandardStreams([string[]]@({string.Join(", ", workerArguments.Select(Quote))}))");
        }

        // Let a framework-dependent worker run on whichever newer runtime is installed.
        return new ChildStartInfo(FileName, arguments)
        {
            Environment = new Dictionary<string, string?> { ["DOTNET_ROLL_FORWARD"] = "Major" },
        };
    }

    /// <summary>The pwsh to start children with: this process when it is pwsh, else the first pwsh on PATH.</summary>
    internal static string? FindPwsh() => FindPwsh(HostSearch.Current);

    internal static string? FindPwsh(HostSearch search)
    {
        string? self = search.ProcessPath;
        return self is not null && IsNamed(self, "pwsh") ? self : FindOnPath("pwsh", search);
    }

    /// <summary>
    /// The folder name of a platform's native worker, from what <paramref name="isPlatform"/> says the system is,
    /// the runtime's identifier (which tells musl from glibc Linux) and the process architecture.
    /// </summary>
    internal static string RuntimeIdentifierOf(Func<OSPlatform, bool> isPlatform, string runtimeIdentifier, Architecture architecture)
    {
        string os = isPlatform(OSPlatform.Windows) ? "win"
            : isPlatform(OSPlatform.OSX) ? "osx"
            : isPlatform(OSPlatform.FreeBSD) ? "freebsd"
            : runtimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase) ? "linux-musl"
            : "linux";
        return os + "-" + architecture.ToString().ToLowerInvariant();
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string? FindDotnet(HostSearch search)
    {
        string exe = search.Windows ? "dotnet.exe" : "dotnet";
        var candidates = new List<string?>();
        string? self = search.ProcessPath;
        if (self is not null && IsNamed(self, "dotnet"))
        {
            candidates.Add(self);
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtimeDirectory = search.RuntimeDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        DirectoryInfo? root = Directory.GetParent(runtimeDirectory)?.Parent?.Parent;
        candidates.Add(root is null ? null : Path.Combine(root.FullName, exe));

        string? dotnetRoot = search.DotnetRoot;
        candidates.Add(string.IsNullOrEmpty(dotnetRoot) ? null : Path.Combine(dotnetRoot, exe));

        candidates.Add(FindOnPath("dotnet", search));
        foreach (string? candidate in candidates)
        {
            if (candidate is not null && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindOnPath(string name, HostSearch search)
    {
        string exe = search.Windows ? name + ".exe" : name;
        foreach (string directory in (search.Path ?? string.Empty).Split(search.Windows ? ';' : ':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsNamed(string path, string name) =>
        string.Equals(Path.GetFileNameWithoutExtension(path), name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What the host search looks at: the <see cref="OverrideVariable"/>, this process's executable, the running
    /// runtime's directory, <c>DOTNET_ROOT</c>, <c>PATH</c>, and whether executables end in <c>.exe</c> and PATH
    /// is separated by <c>;</c> (Windows).
    /// </summary>
    internal sealed record HostSearch(string? Choice, string? ProcessPath, string RuntimeDirectory, string? DotnetRoot, string? Path, bool Windows)
    {
        /// <summary>What the running process sees.</summary>
        public static HostSearch Current => new(
            Environment.GetEnvironmentVariable(OverrideVariable),
            Environment.ProcessPath,
            RuntimeEnvironment.GetRuntimeDirectory(),
            Environment.GetEnvironmentVariable("DOTNET_ROOT"),
            Environment.GetEnvironmentVariable("PATH"),
            OperatingSystem.IsWindows());
    }
}
