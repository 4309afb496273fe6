using System;
using System.Linq;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Waiting for a child's exit: reported by the reaper (a pidfd), so a waiting task wakes once, when the child ends.</summary>
public class ChildReaperTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task WaitingForARunningChildNeverChecksAgain()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sleep", new[] { "0.3" }));
        ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);

        Assert.Equal(0, exit.ExitCode);
        Assert.NotNull(exit.CpuTime);
        Assert.Equal(0, child.ExitPolls);
        Assert.True(child.Watched);
    }

    /// <summary>
    /// Runs <paramref name="script"/> in sh, then `times`; returns the reaped exit, the output, and the times it printed in
    /// seconds (the shell's own user and system time, then its children's).
    /// </summary>
    private static async Task<(ChildExit Exit, string Text, double[] Times)> RunThenTimesAsync(string script)
    {
        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", script + "; times" }));
        child.StandardInput.Dispose();
        Task<string> output = new System.IO.StreamReader(child.StandardOutput).ReadToEndAsync();
        ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);
        string text = await output.WaitAsync(HangGuard);
        double[] times = System.Text.RegularExpressions.Regex.Matches(text, @"(\d+)m([\d.]+)s")
            .Select(m => (double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 60) + double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
        return (exit, text, times);
    }

    [Fact]
    public async Task AChildsCpuTimeIsItsOwnAndItsChildrensUserAndSystemTime()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // A shell that computes for over a second with built-ins only, then prints its own and its children's user and
        // system times (`times`, to the clock tick): the reaped child's CPU time is their sum, seconds and all.
        (ChildExit exit, string text, double[] times) = await RunThenTimesAsync("i=0; while [ $i -lt 1500000 ]; do i=$((i+1)); done");

        double own = times.Sum();
        Assert.True(own >= 1, $"the shell computed only {own} s: {text}");
        Assert.Equal(0, exit.ExitCode);
        Assert.InRange(exit.CpuTime!.Value.TotalSeconds, own - 0.05, own + 0.05);
    }

    [Fact]
    public async Task AChildsSecondsInTheKernelAreAddedToItsUserTime()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // dd copies 150 GB from /dev/zero to /dev/null in 1 MB reads: seconds of system time, little user time. The shell
        // prints its children's user and system times apart (`times`' second line); the reaped child's CPU time is their
        // sum, whole seconds of each included.
        (ChildExit exit, string text, double[] times) = await RunThenTimesAsync("dd if=/dev/zero of=/dev/null bs=1M count=150000 2>/dev/null");
        Assert.True(times.Length == 4, $"`times` printed: {text}");
        double user = times[0] + times[2];
        double system = times[1] + times[3];
        Assert.True(system >= 1, $"the children spent only {system} s in the kernel: {text}");
        Assert.Equal(0, exit.ExitCode);
        Assert.InRange(exit.CpuTime!.Value.TotalSeconds, user + system - 0.05, user + system + 0.05);
    }

    [Fact]
    public async Task AChildThatEndedBeforeTheWaitCostsTheReaperNothing()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()));
        DateTime giveUp = DateTime.UtcNow + HangGuard;
        while (State(child.Id) != 'Z')
        {
            Assert.True(DateTime.UtcNow < giveUp, "the child did not end");
            await Task.Delay(5);
        }

        ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(0, child.ExitPolls);
        Assert.False(child.Watched);
    }

    [Fact]
    public async Task ManyChildrenEndingTogetherEachGetTheirOwnStatus()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        PosixChildProcess[] children = Enumerable.Range(0, 40)
            .Select(i => (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", $"sleep 0.{i % 3}; exit {i}" })))
            .ToArray();
        try
        {
            ChildExit[] exits = await Task.WhenAll(children.Select(child => child.WaitForExitAsync())).WaitAsync(HangGuard);

            Assert.Equal(Enumerable.Range(0, 40).Select(i => (int?)i), exits.Select(exit => exit.ExitCode));
            Assert.All(children, child => Assert.Equal(0, child.ExitPolls));
        }
        finally
        {
            foreach (PosixChildProcess child in children)
            {
                child.Dispose();
            }
        }
    }

    [Fact]
    public async Task AKilledChildIsReportedWithItsSignal()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sleep", new[] { "300" }));
        Task<ChildExit> waiting = child.WaitForExitAsync();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        child.KillTree();
        ChildExit exit = await waiting.WaitAsync(HangGuard);

        Assert.Equal(9, exit.Signal);
        Assert.Equal(137, exit.ExitCode);
        Assert.Equal(0, child.ExitPolls);
    }

    [Fact]
    public async Task ACancelledWaitEndsOnlyTheWait()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sleep", new[] { "0.5" }));
        Assert.False(child.WaitForExit(TimeSpan.FromMilliseconds(50)));

        ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);
        Assert.Equal(0, exit.ExitCode);
    }

    /// <summary>A kernel without pidfd_open: the wait polls wait4, and still gets the status.</summary>
    [Fact]
    public async Task WithoutTheReaperTheWaitPollsAndStillGetsTheStatus()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        using var child = (PosixChildProcess)ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", "sleep 0.3; exit 3" }));
        child.NeverWatchForTests();

        ChildExit exit = await child.WaitForExitAsync().WaitAsync(HangGuard);
        Assert.Equal(3, exit.ExitCode);
        Assert.True(child.ExitPolls > 0);
        Assert.False(child.Watched);
    }

    /// <summary>The process state letter from /proc/pid/stat ('Z' for a zombie: ended, not yet reaped).</summary>
    private static char State(int pid)
    {
        string stat = System.IO.File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }
}
