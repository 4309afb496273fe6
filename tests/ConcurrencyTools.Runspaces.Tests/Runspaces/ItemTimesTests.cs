using System;
using System.Collections;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class ItemTimesTests
{
    [Theory]
    // jit (wall), cpu, wait for a core -> the JIT's CPU.
    [InlineData(28.0, 30.0, 0.0, 28.0)] // quiet machine: the JIT ran the whole time it took
    [InlineData(50.0, 30.0, 60.0, 16.666667)] // busy machine: a third of the item's runnable time ran, so a third of the JIT's
    [InlineData(400.0, 300.0, 600.0, 133.333333)] // a computing item in a fresh process on a busy machine
    [InlineData(90.0, 30.0, 0.0, 30.0)] // never more than the item's CPU
    [InlineData(10.0, 0.0, 0.0, 0.0)]
    public void TheJitsCpuIsItsTimeSplitAsTheItemRanAndWaited(double jitMs, double cpuMs, double runWaitMs, double expected)
    {
        Assert.Equal(expected, ItemTimes.JitCpuMs(jitMs, cpuMs, runWaitMs), 5);
    }

    [Fact]
    public void AnItemThatThrowsInARunspaceStillCountsItsCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The block computes for at least 50 ms of its thread's CPU, then throws; the runspace's thread is read
        // after the pipeline ended, from /proc/self/task/<tid>/schedstat.
        const string script = """
            $end = [double][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0] + 50e6
            while ([double][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0] -lt $end) { }
            throw 'after the work'
            """;
        var state = ScriptBlockState.From(null, new Hashtable(), []);
        using RunspaceSet set = RunspaceSet.Open(state, 1, CancellationToken.None);
        ScriptTaskResult result = set.InvokeEach(script, [1], CancellationToken.None).Single();
        Assert.True(result.Failed);
        Assert.True(result.TaskCpuMs >= 45, $"TaskCpuMs {result.TaskCpuMs}");
        Assert.True(result.TaskWallMs >= result.TaskCpuMs, $"TaskWallMs {result.TaskWallMs}, TaskCpuMs {result.TaskCpuMs}");
    }
}
