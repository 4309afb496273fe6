using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// A child's peak memory as wait4 reports it. A child of posix_spawn starts in this process's memory, and exec
/// records this process's peak as the child's: for a small child the figure is ours, so it is not reported. Run
/// alone (the live-children collection): the test forgets the peak this process last read, which a child reaped by
/// another test meanwhile would read again.
/// </summary>
[Collection(LiveChildrenCollection.Name)]
public sealed class ChildPeakTests
{
    [Fact]
    public async Task ASmallChildsPeakIsThisProcesssAndIsNotReported()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        PosixChildProcess.ForgetOwnPeakForTests();
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()));
        ChildExit exit = await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, exit.ExitCode);
        Assert.Null(exit.PeakWorkingSetBytes);
    }

    [Fact]
    public async Task AFigureEqualToThisProcesssPeakIsThisProcesssAndIsNotReported()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // This process's peak is first raised far above what it holds (256 MB touched, then freed), so it cannot grow
        // while the child runs: the child's figure, this peak as exec recorded it, is then exactly the peak read after the
        // reaping.
        const int Raise = 256 << 20;
        IntPtr block = Marshal.AllocHGlobal(Raise);
        for (int offset = 0; offset < Raise; offset += 4096)
        {
            Marshal.WriteByte(block, offset, 1);
        }

        Marshal.FreeHGlobal(block);
        long peak = PeakKilobytes();
        PosixChildProcess.ForgetOwnPeakForTests();
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()));
        ChildExit exit = await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(peak, PeakKilobytes());
        Assert.Equal(0, exit.ExitCode);
        Assert.Null(exit.PeakWorkingSetBytes);
    }

    private static long PeakKilobytes() => ProcSelf.Status("VmHWM");
}
