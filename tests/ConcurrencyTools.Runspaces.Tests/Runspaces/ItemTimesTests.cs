using System;
using System.Collections;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class ItemTimesTests
{
    // Computes for at least 50 ms of its thread's CPU.
    private const string Compute = """
        $end = [double][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0] + 50e6
        while ([double][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0] -lt $end) { }
        """;

    private static ScriptTaskResult RunOne(string script)
    {
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 1, CancellationToken.None);
        return set.InvokeEach(script, [1], CancellationToken.None).Single();
    }

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

        // The block computes, then throws; the runspace's thread is read after the pipeline ended, from
        // /proc/self/task/<tid>/schedstat.
        ScriptTaskResult result = RunOne(Compute + "\nthrow 'after the work'");
        Assert.True(result.Failed);
        Assert.True(result.TaskCpuMs >= 45, $"TaskCpuMs {result.TaskCpuMs}");
        Assert.True(result.TaskWallMs >= result.TaskCpuMs, $"TaskWallMs {result.TaskWallMs}, TaskCpuMs {result.TaskCpuMs}");
    }

    [Fact]
    public void AnItemThatEndsCountsTheCpuOfItsThreadClock()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The same work without the throw: the driver reads the thread's CPU clock around the block.
        ScriptTaskResult result = RunOne(Compute);
        Assert.False(result.Failed);
        Assert.True(result.TaskCpuMs >= 45, $"TaskCpuMs {result.TaskCpuMs}");
        Assert.True(result.TaskWallMs >= result.TaskCpuMs, $"TaskWallMs {result.TaskWallMs}, TaskCpuMs {result.TaskCpuMs}");
        Assert.NotNull(result.TaskRunWaitMs);
        Assert.Equal(1, ItemClock.ThreadCpuNanoseconds() >= 0 ? 1 : 0);
    }

    [Fact]
    public void AFilledHolderGivesTheBlocksCpuWallAndWaitLessTheJitsCpu()
    {
        // Slots: 0 start stamp, 1 CPU ns, 2 wait ns, 3 thread, 4 end stamp, 5 CPU ns, 6 wait ns, 7 and 8 JIT ticks, 9 clock.
        double start = 1_000_000;
        double tenthOfASecond = Stopwatch.Frequency / 10.0;
        double[] holder = [start, 1e6, 2e6, 0, start + tenthOfASecond, 41e6, 12e6, 500_000, 600_000, 1];

        // CPU 40 ms, wall 100 ms, wait 10 ms; the JIT's 10 ms split as 40 ran to 10 waited: 8 ms of CPU.
        ItemTimes.Figures figures = ItemTimes.Read(holder)!.Value;
        Assert.Equal(32, figures.CpuMs, 6);
        Assert.Equal(92, figures.WallMs, 6);
        Assert.Equal(10, figures.RunWaitMs, 6);

        // Without the JIT's end (slot 8) its time is not counted; clocks that went back count as nothing.
        holder[8] = 0;
        figures = ItemTimes.Read(holder)!.Value;
        Assert.Equal(40, figures.CpuMs, 6);
        Assert.Equal(100, figures.WallMs, 6);
        holder[5] = 0.5e6;
        holder[6] = 1e6;
        holder[7] = 600_000;
        holder[8] = 500_000;
        figures = ItemTimes.Read(holder)!.Value;
        Assert.Equal(0, figures.CpuMs);
        Assert.Equal(0, figures.RunWaitMs);
        Assert.Equal(100, figures.WallMs, 6);

        // A block that threw left the end to the reader, who reads the thread's clocks then: here, this thread's own.
        if (OperatingSystem.IsLinux())
        {
            int thread = int.Parse(new System.IO.FileInfo("/proc/thread-self").LinkTarget!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
            long begun = Stopwatch.GetTimestamp();
            double[] thrown = [begun, ItemClock.ThreadCpuNanoseconds(), 0, thread, 0, 0, 0, 0, 0, 1];
            ItemTimes.Figures read = ItemTimes.Read(thrown)!.Value;
            Assert.True(thrown[4] >= begun, "the end stamp is read");
            Assert.True(thrown[5] >= thrown[1], "the end CPU is this thread's clock");
            Assert.InRange(read.WallMs, 0, 60_000);
            Assert.InRange(read.CpuMs, 0, 60_000);

            // A thread that is gone has no figures.
            thrown[3] = int.MaxValue;
            thrown[4] = 0;
            Assert.Null(ItemTimes.Read(thrown));
        }

        // A block that never started has no figures.
        Assert.Null(ItemTimes.Read(null));
        holder[0] = 0;
        Assert.Null(ItemTimes.Read(holder));
        Assert.Equal(ItemTimes.Length, ItemTimes.Create()!.Length);
    }
}
