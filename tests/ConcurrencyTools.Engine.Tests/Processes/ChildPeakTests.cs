using System;
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
}
