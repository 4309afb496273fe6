using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// The host's list of live children is one for the whole process, and killing them all refuses every start
/// after it: tests beside these would see their children killed or refused, so these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveChildrenCollection
{
    public const string Name = "Whole-process live children";
}

/// <summary>Every started child is known until it is disposed; the host going down kills them all and starts no more.</summary>
[Collection(LiveChildrenCollection.Name)]
public class LiveChildrenTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AChildIsLiveFromItsStartUntilItIsDisposed(bool portable)
    {
        int before = LiveChildren.Count;
        ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "300" }), portable);
        Assert.Equal(before + 1, LiveChildren.Count);
        child.Dispose();
        Assert.Equal(before, LiveChildren.Count);
        child.Dispose();
        Assert.Equal(before, LiveChildren.Count);
    }

    [Fact]
    public void TheFirstReasonToStopStaysAndAChildThatStartedTooLateIsKilled()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // Started before the host began to exit, recorded after: it is killed, not left running.
        PosixChildProcess late = PosixChildProcess.Start(new ChildStartInfo("sleep", new[] { "300" }));
        try
        {
            LiveChildren.KillAll("the host received SIGHUP.");
            LiveChildren.KillAll("the host process is exiting.");
            Assert.Equal("the host received SIGHUP.", LiveChildren.HostExiting);

            ChildStartException refused = Assert.Throws<ChildStartException>(() => LiveChildren.Add(late));
            Assert.Equal(("Not started: the host received SIGHUP.", ChildStartFailure.Other), (refused.Message, refused.Failure));
            Assert.False(ProcessTree.TryReadParent(late.Id, out _), "the late child still runs");

            ChildStartException notStarted = Assert.Throws<ChildStartException>(() => ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()), portable: true));
            Assert.Equal("Not started: the host received SIGHUP.", notStarted.Message);
        }
        finally
        {
            LiveChildren.ResetForTests();
            late.Dispose();
        }

        Assert.Null(LiveChildren.HostExiting);
    }

    [Fact]
    public void WhenTheHostExitsEveryLiveChildTreeIsKilledAndNoneStartsAfter()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string marker = "sleep 301." + Environment.ProcessId;
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", $"{marker} & {marker} & wait" }));
        try
        {
            Assert.True(SpinWait.SpinUntil(() => ProcessTree.Descendants(child.Id).Count >= 2, TimeSpan.FromSeconds(20)));
            List<int> grandchildren = ProcessTree.Descendants(child.Id);
            Assert.True(LiveChildren.KillAll("the host received SIGTERM.") >= 1);
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.True(SpinWait.SpinUntil(() => grandchildren.All(pid => !ProcessTree.TryReadParent(pid, out _)), TimeSpan.FromSeconds(10)));
            ChildStartException refused = Assert.Throws<ChildStartException>(() => ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>())));
            Assert.Equal("Not started: the host received SIGTERM.", refused.Message);
        }
        finally
        {
            LiveChildren.ResetForTests();
        }

        using ChildProcess after = ChildProcess.Start(new ChildStartInfo("true", Array.Empty<string>()));
        Assert.True(after.WaitForExit(TimeSpan.FromSeconds(10)));
    }
}
