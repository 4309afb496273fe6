using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// Starting a child: the request is required, posix_spawn starts it unless the portable start is asked for,
/// waiting has a limit, a path is run as given, and of several files on PATH that may not be run the first is named.
/// </summary>
public sealed class ChildStartTests
{
    [Fact]
    public void AStartRequestIsRequired()
    {
        Assert.Equal("info", Assert.Throws<ArgumentNullException>(() => ChildProcess.Start(null!)).ParamName);
        Assert.Equal("info", Assert.Throws<ArgumentNullException>(() => ChildProcess.Start(null!, portable: true)).ParamName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PosixSpawnStartsTheChildUnlessThePortableStartIsAsked(bool portable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(PosixNative.IsSupported);
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exit 4" }), portable);
        Assert.IsType(portable ? typeof(DotnetChildProcess) : typeof(PosixChildProcess), child);
        Assert.Equal(4, (await child.WaitForExitAsync()).ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WaitingForTheExitHasALimit(bool portable)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using ChildProcess running = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "300" }), portable);
        Assert.False(running.WaitForExit(TimeSpan.FromMilliseconds(50)));
        running.KillTree();
        Assert.True(running.WaitForExit(TimeSpan.FromSeconds(60)));

        using ChildProcess quick = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exit 0" }), portable);
        Assert.True(quick.WaitForExit(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void APathIsRunAsGivenAndTheFirstFileThatMayNotBeRunIsNamed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string root = Directory.CreateTempSubdirectory("ct-start-").FullName;
        try
        {
            string sh = Path.Combine(root, "..", Path.GetFileName(root), "tool");
            File.WriteAllText(Path.Combine(root, "tool"), "#!/bin/sh\n");
            Assert.Equal(sh, ChildProcess.ResolveExecutable(sh, null, null));

            string first = Directory.CreateDirectory(Path.Combine(root, "first")).FullName;
            string second = Directory.CreateDirectory(Path.Combine(root, "second")).FullName;
            foreach (string directory in new[] { first, second })
            {
                File.WriteAllText(Path.Combine(directory, "tool"), "#!/bin/sh\n");
                File.SetUnixFileMode(Path.Combine(directory, "tool"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var denied = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable("tool", null, $"{first}:{second}"));
            Assert.Equal($"'{Path.Combine(first, "tool")}' is not executable (permission denied).", denied.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AMissingWorkingDirectoryOrAFileThatIsNoProgramIsAClearErrorEitherWay(bool portable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var noDirectory = Assert.Throws<ChildStartException>(() => ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()) { WorkingDirectory = "/no/such/dir" }, portable));
        Assert.Equal(("The working directory '/no/such/dir' does not exist.", ChildStartFailure.NotFound), (noDirectory.Message, noDirectory.Failure));

        var notOnPath = Assert.Throws<ChildStartException>(() => ChildProcess.Start(new ChildStartInfo("no-such-program-ct", Array.Empty<string>()), portable));
        Assert.Equal(("'no-such-program-ct' was not found on PATH.", ChildStartFailure.NotFound), (notOnPath.Message, notOnPath.Failure));

        // Executable by its mode, but neither a binary nor a script: exec refuses it (ENOEXEC), and nothing starts.
        string file = Path.Combine(Directory.CreateTempSubdirectory("ct-noexec-").FullName, "data");
        try
        {
            File.WriteAllBytes(file, new byte[] { 0, 1, 2, 3 });
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var refused = Assert.Throws<ChildStartException>(() => ChildProcess.Start(new ChildStartInfo(file, Array.Empty<string>()), portable));
            Assert.StartsWith($"Could not start '{file}': ", refused.Message, StringComparison.Ordinal);
            Assert.Equal(ChildStartFailure.Other, refused.Failure);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AVariableIsSetOrRemovedEitherWay(bool portable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // HOME, which the shell leaves unset when it is not passed (it gives PATH a default).
        Assert.NotNull(Environment.GetEnvironmentVariable("HOME"));
        var environment = new Dictionary<string, string?> { ["CT_START_SET"] = "set here", ["HOME"] = null };
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("/bin/sh", new[] { "-c", "printf '%s|%s' \"$CT_START_SET\" \"${HOME-removed}\"" }) { Environment = environment }, portable);
        string output = await new StreamReader(child.StandardOutput).ReadToEndAsync();

        Assert.Equal(0, (await child.WaitForExitAsync()).ExitCode);
        Assert.Equal("set here|removed", output);
    }
}
