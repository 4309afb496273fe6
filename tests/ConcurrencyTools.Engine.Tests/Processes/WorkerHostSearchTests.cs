using System;
using System.IO;
using System.Runtime.InteropServices;
using ConcurrencyTools.Engine.Processes;
using Xunit;
using HostSearch = ConcurrencyTools.Engine.Processes.WorkerHost.HostSearch;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// The worker host search turn by turn, on a made-up machine in a temporary folder: which dotnet wins (this
/// process, the one beside the runtime, DOTNET_ROOT, PATH), pwsh as this process or on PATH, the last resort
/// and its error, Windows names, and the native worker's folder name on every platform. On the test machine
/// itself the first candidate always exists, so removing a later one would go unseen there.
/// </summary>
public sealed class WorkerHostSearchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ct-hosts-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private string FileIn(string directory, string name)
    {
        string path = Path.Combine(Dir(directory), name);
        File.WriteAllText(path, string.Empty);
        return path;
    }

    /// <summary>A runtime directory laid out as an install's: &lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/.</summary>
    private string RuntimeDirectory(string install) =>
        Dir(Path.Combine(install, "shared", "Microsoft.NETCore.App", "10.0.0")) + Path.DirectorySeparatorChar;

    private static HostSearch Search(string? self = null, string runtime = "/nonexistent/shared/Microsoft.NETCore.App/1.0.0/", string? dotnetRoot = null, string? path = null, bool windows = false, string? choice = null) =>
        new(choice, self, runtime, dotnetRoot, path, windows);

    [Fact]
    public void TheCurrentSearchIsWhatThisProcessSees()
    {
        HostSearch current = HostSearch.Current;
        Assert.Equal(Environment.GetEnvironmentVariable(WorkerHost.OverrideVariable), current.Choice);
        Assert.Equal(Environment.ProcessPath, current.ProcessPath);
        Assert.Equal(RuntimeEnvironment.GetRuntimeDirectory(), current.RuntimeDirectory);
        Assert.Equal(Environment.GetEnvironmentVariable("DOTNET_ROOT"), current.DotnetRoot);
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), current.Path);
        Assert.Equal(OperatingSystem.IsWindows(), current.Windows);
    }

    [Fact]
    public void DotnetIsThisProcessThenBesideTheRuntimeThenDotnetRootThenPath()
    {
        string self = FileIn("self", "dotnet");
        string runtime = RuntimeDirectory("install");
        string beside = FileIn("install", "dotnet");
        string rooted = FileIn("root", "dotnet");
        string onPath = FileIn("bin", "dotnet");
        string path = $"::{Dir("empty")}:{Path.GetDirectoryName(onPath)}";
        string runtimeWithout = RuntimeDirectory("bare");

        Assert.Equal(self, WorkerHost.FindDotnet(Search(self, runtime, Path.GetDirectoryName(rooted), path)));
        Assert.Equal(beside, WorkerHost.FindDotnet(Search(FileIn("self", "pwsh"), runtime, Path.GetDirectoryName(rooted), path)));
        Assert.Equal(beside, WorkerHost.FindDotnet(Search(null, runtime, Path.GetDirectoryName(rooted), path)));

        // A candidate that is named but not there is passed over.
        Assert.Equal(beside, WorkerHost.FindDotnet(Search(Path.Combine(_root, "gone", "dotnet"), runtime, Path.GetDirectoryName(rooted), path)));

        Assert.Equal(rooted, WorkerHost.FindDotnet(Search(null, runtimeWithout, Path.GetDirectoryName(rooted), path)));
        Assert.Equal(onPath, WorkerHost.FindDotnet(Search(null, runtimeWithout, null, path)));
        Assert.Equal(onPath, WorkerHost.FindDotnet(Search(null, runtimeWithout, string.Empty, path)));
        Assert.Null(WorkerHost.FindDotnet(Search(null, runtimeWithout, Dir("none"), Dir("empty"))));
        Assert.Null(WorkerHost.FindDotnet(Search(null, path: null)));
    }

    [Fact]
    public void ARuntimeDirectoryTooShallowForAnInstallHasNoDotnetBesideIt()
    {
        // <root>/shared/Microsoft.NETCore.App/<version>/ needs three parents; these have fewer, so the search goes on.
        string rooted = FileIn("root", "dotnet");
        Assert.Equal(rooted, WorkerHost.FindDotnet(Search(null, "/opt/", Path.GetDirectoryName(rooted))));
        Assert.Equal(rooted, WorkerHost.FindDotnet(Search(null, "/opt/runtime", Path.GetDirectoryName(rooted))));
    }

    [Fact]
    public void OnWindowsTheExecutablesEndInExeAndPathIsSplitAtSemicolons()
    {
        string runtime = RuntimeDirectory("install");
        FileIn("install", "dotnet");
        string besideExe = FileIn("install", "dotnet.exe");
        string onPathExe = FileIn("bin", "dotnet.exe");
        FileIn("bin", "dotnet");
        string pwshExe = FileIn("bin", "pwsh.exe");
        FileIn("bin", "pwsh");
        string bin = Path.GetDirectoryName(onPathExe)!;

        Assert.Equal(besideExe, WorkerHost.FindDotnet(Search(null, runtime, windows: true)));
        Assert.Equal(onPathExe, WorkerHost.FindDotnet(Search(null, RuntimeDirectory("bare"), path: $"{Dir("empty")};{bin}", windows: true)));
        Assert.Equal(pwshExe, WorkerHost.FindPwsh(Search(path: $";{bin};", windows: true)));
        Assert.Null(WorkerHost.FindPwsh(Search(path: $"{Dir("empty")}:{bin}", windows: true)));
        Assert.Equal(Path.Combine(bin, "pwsh"), WorkerHost.FindPwsh(Search(path: $"{Dir("empty")}:{bin}")));
    }

    [Fact]
    public void PwshIsThisProcessWhenItIsPwshElseTheFirstOnPath()
    {
        string first = FileIn("first", "pwsh");
        FileIn("second", "pwsh");
        string path = $"{Dir("empty")}:{Path.GetDirectoryName(first)}:{Path.Combine(_root, "second")}";

        Assert.Equal("/opt/microsoft/powershell/7/pwsh", WorkerHost.FindPwsh(Search("/opt/microsoft/powershell/7/pwsh", path: path)));
        Assert.Equal(first, WorkerHost.FindPwsh(Search("/usr/share/dotnet/dotnet", path: path)));
        Assert.Equal(first, WorkerHost.FindPwsh(Search(null, path: path)));
        Assert.Null(WorkerHost.FindPwsh(Search("/usr/share/dotnet/dotnet", path: null)));
    }

    [Fact]
    public void WithoutAnyDotnetPwshRunsTheWorkerLoopElseTheSearchSaysWhatItLookedFor()
    {
        string module = Dir("module");
        File.Copy(Path.Combine(AppContext.BaseDirectory, WorkerHost.WorkerAssemblyName), Path.Combine(module, WorkerHost.WorkerAssemblyName));
        string engine = Path.Combine(module, Path.GetFileName(typeof(WorkerHost).Assembly.Location));
        string native = Path.Combine(module, WorkerHost.CurrentRuntimeIdentifier, WorkerHost.NativeWorkerName);
        string runtime = RuntimeDirectory("bare");

        WorkerHost pwsh = WorkerHost.Locate(module, Search("/opt/pwsh/pwsh", runtime, path: Dir("empty")));
        Assert.Equal(("pwsh", "/opt/pwsh/pwsh"), (pwsh.Kind, pwsh.FileName));
        Assert.Equal(new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command" }, pwsh.PrefixArguments);
        Assert.Equal($"no native worker for {WorkerHost.CurrentRuntimeIdentifier} at '{native}'", pwsh.FallbackReason);
        Assert.StartsWith($"Add-Type -Path '{engine}'; ", pwsh.CreateStartInfo(new[] { "--tasks", "1" }).Arguments[4], StringComparison.Ordinal);

        var none = Assert.Throws<InvalidOperationException>(() => WorkerHost.Locate(module, Search("/usr/bin/python3", runtime, path: Dir("empty"))));
        Assert.Equal(
            "No host was found to start worker processes: no native worker for this platform, and neither a 'dotnet' executable (beside the running .NET runtime, under DOTNET_ROOT or on PATH) nor pwsh as the current process.",
            none.Message);
        Assert.Throws<InvalidOperationException>(() => WorkerHost.Locate(module, Search(null, runtime, path: Dir("empty"))));

        // A dotnet found anywhere comes before pwsh as this process.
        string onPath = FileIn("bin", "dotnet");
        WorkerHost dotnet = WorkerHost.Locate(module, Search("/opt/pwsh/pwsh", runtime, path: Path.GetDirectoryName(onPath)));
        Assert.Equal(("dotnet", onPath), (dotnet.Kind, dotnet.FileName));

        // Asked for pwsh: this process when it is pwsh, else the first on PATH, else the bare name.
        string pwshOnPath = FileIn("bin", "pwsh");
        Assert.Equal("/opt/pwsh/pwsh", WorkerHost.Locate(module, Search("/opt/pwsh/pwsh", runtime, path: Path.GetDirectoryName(pwshOnPath), choice: "pwsh")).FileName);
        Assert.Equal(pwshOnPath, WorkerHost.Locate(module, Search("/usr/bin/dotnet", runtime, path: Path.GetDirectoryName(pwshOnPath), choice: "pwsh")).FileName);
        WorkerHost bare = WorkerHost.Locate(module, Search("/usr/bin/dotnet", runtime, path: Dir("empty"), choice: "Pwsh"));
        Assert.Equal(("pwsh", "pwsh", null), (bare.Kind, bare.FileName, bare.FallbackReason));
    }

    [Theory]
    [InlineData("Windows", "win-x64", Architecture.X64)]
    [InlineData("OSX", "osx-arm64", Architecture.Arm64)]
    [InlineData("FreeBSD", "freebsd-x64", Architecture.X64)]
    [InlineData("Linux", "linux-musl-arm64", Architecture.Arm64)]
    [InlineData("Linux", "linux-x64", Architecture.X64)]
    public void TheNativeWorkersFolderIsNamedAfterThePlatform(string platform, string expected, Architecture architecture)
    {
        OSPlatform os = OSPlatform.Create(platform.ToUpperInvariant());
        string runtimeIdentifier = expected.StartsWith("linux-musl", StringComparison.Ordinal) ? "Alpine.3.20-MUSL-arm64" : "ubuntu.24.04-x64";
        Assert.Equal(expected, WorkerHost.RuntimeIdentifierOf(p => p == os, runtimeIdentifier, architecture));
    }
}
