using System;
using System.Diagnostics;
using System.IO;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The guard that keeps PowerShell's SSH client from ending pwsh when a host dies: a write into the stdin pipe of an
/// ssh process that has ended must not fail while the guard holds it. A stand-in "ssh" (a shell script of that name,
/// started by this process with the arguments PowerShell gives a session's ssh) plays the client's ssh.
/// </summary>
public sealed class SshPipeGuardTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ct-ssh-guard-" + Guid.NewGuid().ToString("N"));

    public SshPipeGuardTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AWriteAfterTheSshProcessDiedSucceedsWhileGuardedAndTheGuardEndsWhenTheWriterCloses()
    {
        using Process ssh = StartStandIn("-p", "2222", "-s", "127.0.0.77", "powershell");
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.77", 2222, "powershell");
        try
        {
            Assert.Equal(new[] { ssh.Id }, guard.SshProcessIds);
            StreamWriter writer = ssh.StandardInput;
            writer.AutoFlush = true;
            Kill(ssh);

            // What PowerShell's client does after its ssh ended: a message, then its writer disposed. Both throw
            // "broken pipe" unguarded (the next test), and the one on the client's error thread ends pwsh.
            writer.Write(new string('x', 100_000));
            writer.Dispose();

            Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still runs after the writer closed");
            Assert.Equal(1, guard.Drained);
        }
        finally
        {
            guard.Dispose();
        }
    }

    [Fact]
    public void UnguardedTheSameWriteFailsWithABrokenPipe()
    {
        using Process ssh = StartStandIn("-p", "2222", "-s", "127.0.0.77", "powershell");
        StreamWriter writer = ssh.StandardInput;
        writer.AutoFlush = true;
        Kill(ssh);
        Assert.Throws<IOException>(() => writer.Write(new string('x', 100_000)));
    }

    [Fact]
    public void ADisposedGuardLetsGoOfAPipeWhoseSshStillRuns()
    {
        using Process ssh = StartStandIn("-s", "127.0.0.78", "powershell");
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.78", 0, "powershell");
        Assert.Equal(new[] { ssh.Id }, guard.SshProcessIds);
        guard.Dispose();
        Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still runs after it was disposed");
        Assert.Equal(0, guard.Drained);

        // Nothing holds the pipe any more: the write fails as it would without a guard.
        StreamWriter writer = ssh.StandardInput;
        writer.AutoFlush = true;
        Kill(ssh);
        Assert.Throws<IOException>(() => writer.Write(new string('x', 100_000)));
    }

    [Fact]
    public void OnlyTheSshOfTheSessionsHostPortAndSubsystemIsGuarded()
    {
        using Process other = StartStandIn("-p", "2223", "-s", "127.0.0.79", "powershell");
        try
        {
            using (SshPipeGuard samePortOtherHost = SshPipeGuard.Start("127.0.0.80", 2223, "powershell"))
            {
                Assert.Empty(samePortOtherHost.SshProcessIds);
            }

            using (SshPipeGuard otherPort = SshPipeGuard.Start("127.0.0.79", 2224, "powershell"))
            {
                Assert.Empty(otherPort.SshProcessIds);
            }

            using (SshPipeGuard otherSubsystem = SshPipeGuard.Start("127.0.0.79", 2223, "pwsh"))
            {
                Assert.Empty(otherSubsystem.SshProcessIds);
            }

            using SshPipeGuard match = SshPipeGuard.Start("127.0.0.79", 2223, "powershell");
            Assert.Equal(new[] { other.Id }, match.SshProcessIds);
        }
        finally
        {
            Kill(other);
        }
    }

    [Theory]
    [InlineData("ssh|-i|key|-l|me|-p|2222|-o|A=b|-s|host|powershell", "host", 2222, "powershell", true)]
    [InlineData("ssh|-i|key|-l|me|-p|2222|-o|A=b|-s|HOST|powershell", "host", 2222, "powershell", true)]
    [InlineData("ssh|-p|2222|-s|host|powershell", "host", 2223, "powershell", false)]
    [InlineData("ssh|-p|2222|-s|host|powershell", "host", 0, "powershell", false)]
    [InlineData("ssh|-l|me|-s|host|powershell", "host", 0, "powershell", true)]
    [InlineData("ssh|-l|me|-s|host|powershell", "host", 22, "powershell", true)]
    [InlineData("ssh|-l|me|-s|host|powershell", "host", 2222, "powershell", false)]
    [InlineData("ssh|-s|host|powershell|extra", "host", 0, "powershell", false)]
    [InlineData("ssh|-s|other|powershell", "host", 0, "powershell", false)]
    [InlineData("ssh|-s|host|pwsh", "host", 0, "powershell", false)]
    [InlineData("ssh|-x|host|powershell", "host", 0, "powershell", false)]
    [InlineData("ssh|host|powershell", "host", 0, "powershell", false)]
    public void ASessionsCommandLineIsKnownByItsEnd(string commandLine, string host, int port, string subsystem, bool expected)
    {
        Assert.Equal(expected, SshPipeGuard.IsSessionCommandLine(commandLine.Split('|'), host, port, subsystem));
    }

    /// <summary>A child of this process named ssh, with a pipe as its stdin and that pipe's only reader.</summary>
    private Process StartStandIn(params string[] arguments)
    {
        string script = Path.Combine(_directory, "ssh");
        if (!File.Exists(script) && !OperatingSystem.IsWindows())
        {
            // The shell keeps the name ssh and is the pipe's only reader; it waits for a line nobody sends. (A child
            // with its own stdin would not do: sh moves its own stdin aside for the child's redirection.)
            File.WriteAllText(script, "#!/bin/sh\nread line\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(script) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;

        // The kernel names a script's process after the script once it runs it; until then it has the runtime's name.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ReadName(process.Id) != "ssh" && DateTime.UtcNow < deadline)
        {
            System.Threading.Thread.Sleep(10);
        }

        return process;
    }

    private static string ReadName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
    }
}
