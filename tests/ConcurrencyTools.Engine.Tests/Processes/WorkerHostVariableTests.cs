using System;
using System.IO;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>Tests that set CONCURRENCYTOOLS_WORKER_HOST, which every test of the host reads; they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerHostVariableCollection
{
    public const string Name = "CONCURRENCYTOOLS_WORKER_HOST set by the test";
}

/// <summary>
/// The worker host chosen with CONCURRENCYTOOLS_WORKER_HOST. The variable belongs to the whole test host: while
/// these tests ran beside the others, a Processes run or a host search of another test that began meanwhile would
/// have looked for the host they had named ('NATIVE' in a folder without one, '/no/such/dotnet', pwsh) and failed
/// or used another host; so they run alone.
/// </summary>
[Collection(WorkerHostVariableCollection.Name)]
public class WorkerHostVariableTests
{
    [Fact]
    public void TheHostCanBeChosenWithAnEnvironmentVariable()
    {
        string dotnet = WorkerHost.Locate().FileName;
        try
        {
            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "/no/such/dotnet");
            var error = Assert.Throws<InvalidOperationException>(() => WorkerHost.Locate());
            Assert.Contains("/no/such/dotnet", error.Message);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "pwsh");
            Assert.Equal("pwsh", WorkerHost.Locate().Kind);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, dotnet);
            Assert.Equal(dotnet, WorkerHost.Locate().FileName);
        }
        finally
        {
            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, null);
        }
    }

    [Fact]
    public void TheHostSearchHonoursEveryOverrideAndSaysWhyTheNativeWorkerIsNotUsed()
    {
        string directory = Directory.CreateTempSubdirectory("ct-host-").FullName;
        string? before = Environment.GetEnvironmentVariable(WorkerHost.OverrideVariable);
        try
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, WorkerHost.WorkerAssemblyName), Path.Combine(directory, WorkerHost.WorkerAssemblyName));
            string native = Path.Combine(directory, WorkerHost.CurrentRuntimeIdentifier, WorkerHost.NativeWorkerName);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "NATIVE");
            var required = Assert.Throws<InvalidOperationException>(() => WorkerHost.Locate(directory));
            Assert.Equal(
                $"CONCURRENCYTOOLS_WORKER_HOST is 'NATIVE', but there is no native worker for {WorkerHost.CurrentRuntimeIdentifier} at '{native}'; build the module where clang or gcc is installed, or unset the variable.",
                required.Message);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "  ");
            WorkerHost fallback = WorkerHost.Locate(directory);
            Assert.Equal("dotnet", fallback.Kind);
            Assert.Equal(new[] { Path.Combine(directory, WorkerHost.WorkerAssemblyName) }, fallback.PrefixArguments);
            Assert.Equal($"no native worker for {WorkerHost.CurrentRuntimeIdentifier} at '{native}'", fallback.FallbackReason);
            Assert.Equal($"dotnet: {fallback.FileName} (no native worker for {WorkerHost.CurrentRuntimeIdentifier} at '{native}'; the framework-dependent worker takes longer to start)", fallback.ToString());

            Directory.CreateDirectory(Path.GetDirectoryName(native)!);
            File.WriteAllText(native, string.Empty);
            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "Managed");
            WorkerHost managed = WorkerHost.Locate(directory);
            Assert.Equal("dotnet", managed.Kind);
            Assert.Null(managed.FallbackReason);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "native");
            Assert.Equal(native, WorkerHost.Locate(directory).FileName);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "PWSH");
            WorkerHost pwsh = WorkerHost.Locate(directory);
            Assert.Equal("pwsh", pwsh.Kind);
            Assert.Contains(
                $"Add-Type -Path '{Path.Combine(directory, Path.GetFileName(typeof(WorkerHost).Assembly.Location))}'",
                pwsh.CreateStartInfo(Array.Empty<string>()).Arguments[^1],
                StringComparison.Ordinal);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, "/no/such/dotnet");
            Assert.Equal(
                "CONCURRENCYTOOLS_WORKER_HOST names '/no/such/dotnet', which does not exist; set it to 'native', 'managed', 'pwsh' or the path of a dotnet executable.",
                Assert.Throws<InvalidOperationException>(() => WorkerHost.Locate(directory)).Message);
            (string? host, string? problem) = WorkerHost.Probe();
            Assert.Null(host);
            Assert.StartsWith("The Processes model cannot run here: CONCURRENCYTOOLS_WORKER_HOST names '/no/such/dotnet'", problem, StringComparison.Ordinal);

            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, null);
            (host, problem) = WorkerHost.Probe();
            Assert.Null(problem);
            Assert.Equal($"Worker processes start with {WorkerHost.Locate()}.", host);
        }
        finally
        {
            Environment.SetEnvironmentVariable(WorkerHost.OverrideVariable, before);
            Directory.Delete(directory, recursive: true);
        }
    }
}
