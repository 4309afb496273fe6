using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// Killing a child's tree reaches the child and every descendant even when they left the child's process group
/// (which the group kill alone would miss); disposing a child that still runs kills and reaps it, either way it was
/// started; and a child that another party reaped has ended with an unknown status instead of being waited for forever.
/// </summary>
public sealed class ChildKillTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task AChildThatLeftItsProcessGroupIsStillKilled()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // The child joins the group of another child (a group of the same session, which it may join), so a kill of
        // its own group reaches no process: only the kill of its id does. (Not the test host's group: inside a PID
        // namespace, as Stryker runs, that group's id may not be visible.)
        using ChildProcess other = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "303" }));
        ChildProcess child = ChildProcess.Start(new ChildStartInfo(
            "perl", new[] { "-e", "setpgrp(0, $ARGV[0]) or die $!; exec 'sleep', '303'", other.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        try
        {
            Assert.True(SpinWait.SpinUntil(() => ProcessGroupOf(child.Id) == other.Id && Command(child.Id) == "sleep", HangGuard));

            child.KillTree();

            Assert.True(child.WaitForExit(HangGuard));
        }
        finally
        {
            // Disposing kills and waits too: bounded, so that a kill that misses the child fails the test instead of hanging it.
            await Task.Run(child.Dispose).WaitAsync(HangGuard);
        }
    }

    [Fact]
    public void ADescendantThatLeftTheGroupIsStillKilled()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // setsid puts the grandchild in a session (and group) of its own: only the kill of each descendant reaches it.
        string marker = "304." + Environment.ProcessId;
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", $"setsid sleep {marker} & wait" }));
        KillsTheTreeWithItsGrandchild(child, pid => ProcessGroupOf(pid) is int group && group != child.Id);
    }

    [Fact]
    public void APortableChildsTreeIsKilledWithItsGrandchildren()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string marker = "305." + Environment.ProcessId;
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", $"sleep {marker} & wait" }), portable: true);
        KillsTheTreeWithItsGrandchild(child, _ => true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposingAChildThatStillRunsKillsAndReapsIt(bool portable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "306" }), portable);
        int id = child.Id;
        Assert.True(ProcessTree.TryReadParent(id, out int parent) && parent == Environment.ProcessId);

        await Task.Run(child.Dispose).WaitAsync(HangGuard);

        // Reaped: no process with that id is left under this one, not even a zombie.
        Assert.NotEqual(Environment.ProcessId, ParentEvenOfAZombie(id));
        child.Dispose();
    }

    [Fact]
    public async Task AChildReapedByAnotherPartyHasEndedWithAnUnknownStatus()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exit 3" }));
        try
        {
            Assert.Equal(child.Id, waitpid(child.Id, out int status, 0));
            Assert.Equal(3, (status >> 8) & 0xff);

            ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);

            Assert.Equal(new ChildExit(null, null, null, null), exit);
        }
        finally
        {
            // Disposing waits for the exit too: bounded, so that a wait that never ends fails the test instead of hanging it.
            await Task.Run(child.Dispose).WaitAsync(HangGuard);
        }
    }

    [Fact]
    public async Task AWorkerReapedByAnotherPartySaysItsExitCodeIsUnknown()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        WorkerProcess worker = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo gone; exit 3" }));
        try
        {
            Assert.Equal(worker.Id, waitpid(worker.Id, out _, 0));

            Assert.Equal(": x gone (exit code unknown)", await worker.DescribeEndAsync("x").WaitAsync(HangGuard));
        }
        finally
        {
            await Task.Run(worker.Dispose).WaitAsync(HangGuard);
        }
    }

    /// <summary>Waits for the child's grandchild (a <c>sleep</c> that <paramref name="ready"/> accepts), kills the tree, and expects both gone.</summary>
    private static void KillsTheTreeWithItsGrandchild(ChildProcess child, Func<int, bool> ready)
    {
        int grandchild = 0;
        Assert.True(SpinWait.SpinUntil(
            () => ProcessTree.Descendants(child.Id).FirstOrDefault(pid => Command(pid) == "sleep" && ready(pid)) is int found && (grandchild = found) != 0,
            HangGuard));
        try
        {
            child.KillTree();

            Assert.True(child.WaitForExit(HangGuard));
            Assert.True(SpinWait.SpinUntil(() => !ProcessTree.TryReadParent(grandchild, out _), TimeSpan.FromSeconds(10)));
        }
        finally
        {
            if (ProcessTree.TryReadParent(grandchild, out _) && Command(grandchild) == "sleep")
            {
                PosixNative.kill(grandchild, PosixNative.SIGKILL);
            }
        }
    }

    private static int? ProcessGroupOf(int pid) => StatField(pid, 2);

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int? ParentEvenOfAZombie(int pid) => StatField(pid, 1);

    private static int? StatField(int pid, int index)
    {
        try
        {
            // "pid (comm) state ppid pgrp ...", read after the last ')' as ProcessTree does.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(rest[index], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);
}
