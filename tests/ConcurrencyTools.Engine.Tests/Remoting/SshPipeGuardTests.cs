using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// Tests that compare this process's open file descriptors before and after (<c>/proc/self/fd</c>): no other test may
/// open or close descriptors beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenDescriptorsCollection
{
    public const string Name = "Open descriptors";
}

/// <summary>
/// The guard that keeps PowerShell's SSH client from ending pwsh when a host dies: a write into the stdin pipe of an
/// ssh process that has ended must not fail while the guard holds it. A stand-in "ssh" (a shell script of that name,
/// started by this process with the arguments PowerShell gives a session's ssh) plays the client's ssh.
/// The guard's descriptors (the second read end, a pidfd, its stop pipe) are checked in <c>/proc/self/fd</c>: a guard that
/// ends and leaves one open would leak a descriptor for every session a long-running pwsh opens.
/// </summary>
[Collection(OpenDescriptorsCollection.Name)]
public sealed class SshPipeGuardTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ct-ssh-guard-" + Guid.NewGuid().ToString("N"));

    public SshPipeGuardTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public void AWriteAfterTheSshProcessDiedSucceedsWhileGuardedAndTheGuardEndsWhenTheWriterCloses(int pieces)
    {
        using Process ssh = StartStandIn("-p", "2222", "-s", "127.0.0.77", "powershell");
        var before = OpenDescriptors();
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.77", 2222, "powershell");
        try
        {
            Assert.Equal(new[] { ssh.Id }, guard.SshProcessIds);
            var opened = AssertGuardOpenedItsDescriptors(before, ssh);
            StreamWriter writer = ssh.StandardInput;
            writer.AutoFlush = true;
            Kill(ssh);

            // What PowerShell's client does after its ssh ended: a message, then its writer disposed. Both throw
            // "broken pipe" unguarded (the next test), and the one on the client's error thread ends pwsh.
            if (pieces == 1)
            {
                writer.Write(new string('x', 100_000));
            }

            // In pieces, each wakes the guard, which reads it and then finds the pipe empty (EAGAIN): an empty pipe
            // whose writer is still open must be held on to, not let go as if the writer had closed.
            for (int i = 1; i < pieces; i++)
            {
                writer.Write('x');
                Thread.Sleep(50);
            }

            Assert.True(WaitFor(() => guard.Exited == 1), "the guard never saw its ssh end");
            writer.Write('y');
            Assert.Equal(0, guard.Drained);
            writer.Dispose();

            Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still runs after the writer closed");
            Assert.Equal(1, guard.Drained);
            AssertClosed(opened, before);

            // The thread closed its stop pipe and forgot both ends: the Dispose below must write to no descriptor.
            Assert.Equal(new[] { -1, -1 }, guard.StopDescriptors);
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
        var before = OpenDescriptors();
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.78", 0, "powershell");
        Assert.Equal(new[] { ssh.Id }, guard.SshProcessIds);
        var opened = AssertGuardOpenedItsDescriptors(before, ssh);
        guard.Dispose();
        Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still runs after it was disposed");
        Assert.Equal(0, guard.Drained);
        AssertClosed(opened, before);
        guard.Dispose();

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

    [Fact]
    public void AGuardDisposedWhileDrainingKeepsThePipeOfTheEndedSshUntilItsWriterCloses()
    {
        using Process ended = StartStandIn("-p", "2225", "-s", "127.0.0.82", "powershell");
        using Process running = StartStandIn("-p", "2225", "-s", "127.0.0.82", "powershell");
        var before = OpenDescriptors();
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.82", 2225, "powershell");
        try
        {
            Assert.Equal(new[] { ended.Id, running.Id }.Order(), guard.SshProcessIds.Order());
            StreamWriter writer = ended.StandardInput;
            writer.AutoFlush = true;
            Kill(ended);
            Assert.True(WaitFor(() => guard.Exited == 1), "the guard never saw its ssh end");

            guard.Dispose();

            // The running ssh's pipe is let go at once; the ended one's still takes what the client writes.
            StreamWriter other = running.StandardInput;
            other.AutoFlush = true;
            Kill(running);
            Assert.Throws<IOException>(() => other.Write(new string('x', 100_000)));
            writer.Write(new string('x', 100_000));
            Assert.Equal(0, guard.Drained);
            writer.Dispose();

            Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still runs after the writer closed");
            Assert.Equal(1, guard.Drained);
            Assert.Equal(1, guard.Exited);
            AssertClosed(OpenedSince(before), before);
        }
        finally
        {
            guard.Dispose();
        }
    }

    [Fact]
    public void AWriterThatNeverClosesIsLetGoOnceTheDrainLimitHasPassed()
    {
        using Process ssh = StartStandIn("-s", "127.0.0.83", "powershell");
        var before = OpenDescriptors();
        SshPipeGuard guard = SshPipeGuard.Start("127.0.0.83", 0, "powershell", TimeSpan.FromSeconds(1));
        try
        {
            var opened = AssertGuardOpenedItsDescriptors(before, ssh);
            StreamWriter writer = ssh.StandardInput;
            writer.AutoFlush = true;
            Kill(ssh);
            writer.Write(new string('x', 1000));

            // The writer stays open and silent: only the limit ends the drain.
            Assert.True(guard.Join(TimeSpan.FromSeconds(30)), "the guard still drains a pipe long after its limit");
            Assert.Equal(1, guard.Drained);
            AssertClosed(opened, before);
            Assert.Throws<IOException>(() => writer.Write(new string('x', 100_000)));
        }
        finally
        {
            guard.Dispose();
        }
    }

    [Fact]
    public void AGuardThatFindsNoSshHoldsNothingAndOpensNothing()
    {
        var before = OpenDescriptors();
        using SshPipeGuard guard = SshPipeGuard.Start("127.0.0.84", 0, "powershell");
        Assert.Empty(guard.SshProcessIds);
        Assert.True(guard.Join(TimeSpan.Zero));
        Assert.Empty(OpenedSince(before));
        Assert.Empty(SshPipeGuard.Start(string.Empty, 0, "powershell").SshProcessIds);
    }

    [Fact]
    public void AnSshWhoseStdinIsNotAPipeIsFoundButNotHeld()
    {
        // A session's ssh always reads a pipe from PowerShell; anything else (here /dev/null) is not the client's pipe.
        string quiet = Path.Combine(_directory, "quiet");
        Directory.CreateDirectory(quiet);
        string script = Path.Combine(quiet, "ssh");
        File.WriteAllText(script, "#!/bin/sh\nwhile :; do sleep 1; done\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (string argument in new[] { "-c", "exec \"$0\" \"$@\" < /dev/null", script, "-s", "127.0.0.86", "powershell" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process ssh = Process.Start(start)!;
        try
        {
            Assert.True(WaitFor(() => ReadName(ssh.Id) == "ssh"), "the stand-in never ran");
            Assert.Equal(new[] { ssh.Id }, SshPipeGuard.FindSshProcesses(Environment.ProcessId, "127.0.0.86", 0, "powershell"));
            Assert.Equal("/dev/null", new FileInfo($"/proc/{ssh.Id}/fd/0").LinkTarget);

            var before = OpenDescriptors();
            using SshPipeGuard guard = SshPipeGuard.Start("127.0.0.86", 0, "powershell");
            Assert.Empty(guard.SshProcessIds);
            Assert.Empty(OpenedSince(before));
        }
        finally
        {
            Kill(ssh);
        }
    }

    [Fact]
    public void OnlyChildrenOfTheGivenProcessNamedSshAreFound()
    {
        using Process otherName = StartNamedStandIn("sshx", "-s", "127.0.0.85", "powershell");
        using Process grandchild = StartGrandchildStandIn("-s", "127.0.0.85", "powershell");
        try
        {
            int child = 0;
            Assert.True(
                WaitFor(() => (child = SshPipeGuard.FindSshProcesses(grandchild.Id, "127.0.0.85", 0, "powershell").SingleOrDefault()) != 0),
                "the stand-in started by the shell was not found as the shell's child");
            Assert.Equal("ssh", ReadName(child));
            Assert.Equal("sshx", ReadName(otherName.Id));

            // Neither a child of another name with the same arguments nor an ssh started by a child of this process.
            Assert.Empty(SshPipeGuard.FindSshProcesses(Environment.ProcessId, "127.0.0.85", 0, "powershell"));
            Assert.Empty(SshPipeGuard.Start("127.0.0.85", 0, "powershell").SshProcessIds);
        }
        finally
        {
            Kill(otherName);
            Kill(grandchild);
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
    [InlineData("ssh|-s|host|powershell", "host", 0, "powershell", true)]
    [InlineData("ssh|-p|0|-s|host|powershell", "host", 0, "powershell", false)]
    [InlineData("ssh|-p|-s|host|powershell", "host", 0, "powershell", true)]
    public void ASessionsCommandLineIsKnownByItsEnd(string commandLine, string host, int port, string subsystem, bool expected)
    {
        Assert.Equal(expected, SshPipeGuard.IsSessionCommandLine(commandLine.Split('|'), host, port, subsystem));
    }

    /// <summary>A child of this process named ssh, with a pipe as its stdin and that pipe's only reader.</summary>
    private Process StartStandIn(params string[] arguments) => StartNamedStandIn("ssh", arguments);

    /// <summary>A shell, child of this process, that runs the stand-in ssh as its own child (and waits for it).</summary>
    private Process StartGrandchildStandIn(params string[] arguments)
    {
        string ssh = Script("ssh");
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (string argument in new[] { "-c", "\"$0\" \"$@\"; echo", ssh }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private Process StartNamedStandIn(string name, params string[] arguments)
    {
        string script = Script(name);
        var start = new ProcessStartInfo(script) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;

        // The kernel names a script's process after the script once it runs it; until then it has the runtime's name.
        WaitFor(() => ReadName(process.Id) == name);
        return process;
    }

    private string Script(string name)
    {
        string script = Path.Combine(_directory, name);
        if (!File.Exists(script) && !OperatingSystem.IsWindows())
        {
            // The shell keeps the name ssh and is the pipe's only reader; it waits for a line nobody sends. (A child
            // with its own stdin would not do: sh moves its own stdin aside for the child's redirection.)
            File.WriteAllText(script, "#!/bin/sh\nread line\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return script;
    }

    /// <summary>Polls <paramref name="condition"/> for up to 30 s (a hang guard, not a timing).</summary>
    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    /// <summary>
    /// This process's open descriptors: each one's target (a pipe's or a pidfd's inode) and access mode, so that the
    /// read end of a pipe is told from its write end. The descriptor of the listing itself is left out.
    /// </summary>
    private static Dictionary<int, string> OpenDescriptors()
    {
        var open = new Dictionary<int, string>();
        foreach (string path in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                int fd = int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture);
                string? target = new FileInfo(path).LinkTarget;
                if (target is null || target.StartsWith("/proc/", StringComparison.Ordinal))
                {
                    continue;
                }

                string flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").First(line => line.StartsWith("flags:", StringComparison.Ordinal));
                int access = Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3;
                open[fd] = target + (access == 0 ? " read" : access == 1 ? " write" : " read-write");
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return open;
    }

    private static Dictionary<int, string> OpenedSince(Dictionary<int, string> before) =>
        OpenDescriptors().Where(d => !before.TryGetValue(d.Key, out string? target) || target != d.Value).ToDictionary(d => d.Key, d => d.Value);

    /// <summary>What a guard holds for one ssh: a second read end of its stdin, a pidfd, and the two ends of its stop pipe.</summary>
    private static Dictionary<int, string> AssertGuardOpenedItsDescriptors(Dictionary<int, string> before, Process ssh)
    {
        var opened = OpenedSince(before);
        string stdin = new FileInfo($"/proc/{ssh.Id}/fd/0").LinkTarget!;
        Assert.StartsWith("pipe:", stdin);
        Assert.Single(opened, d => d.Value == stdin + " read");
        Assert.Single(opened, d => d.Value.Contains("pidfd", StringComparison.Ordinal));
        var stop = opened.Values.Where(v => v.StartsWith("pipe:", StringComparison.Ordinal) && !v.StartsWith(stdin, StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(2, stop.Count);
        Assert.Equal(stop[0].Replace(" read", " write", StringComparison.Ordinal), stop[1]);
        Assert.Equal(4, opened.Count);
        return opened;
    }

    /// <summary>The guard's own descriptors are closed, and this process's standard streams it never opened are not.</summary>
    private static void AssertClosed(Dictionary<int, string> opened, Dictionary<int, string> before)
    {
        var now = OpenDescriptors();
        foreach (int standard in new[] { 0, 1, 2 }.Where(before.ContainsKey))
        {
            Assert.True(now.TryGetValue(standard, out string? target) && target == before[standard], $"descriptor {standard} was closed");
        }

        Assert.DoesNotContain(opened, d => now.TryGetValue(d.Key, out string? target) && target == d.Value);
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
