using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
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

    [Fact]
    public void TheHostsExitAndItsSignalsAreHookedOnceAndEachKillsTheLiveChildren()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Unhooked first, so that the hooks are made in this test, by its first child.
        LiveChildren.UnhookForTests();
        Assert.Empty(ExitHandlersOfLiveChildren());
        Assert.Empty(LiveChildren.SignalRegistrations);
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "310" }));
        using ChildProcess second = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "310" }));

        // Hooked once, by the first child of the process, however many start: one exit handler, one handler per signal.
        EventHandler onExit = Assert.Single(ExitHandlersOfLiveChildren());
        PosixSignalRegistration[] registrations = LiveChildren.SignalRegistrations;
        Assert.Equal(new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }, registrations.Select(SignalOf));

        try
        {
            onExit(null, EventArgs.Empty);
            Assert.Equal("the host process is exiting.", LiveChildren.HostExiting);
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            LiveChildren.ResetForTests();
        }

        using ChildProcess third = ChildProcess.Start(new ChildStartInfo("sleep", new[] { "310" }));
        try
        {
            HandlerOf(registrations[1])(new PosixSignalContext(PosixSignal.SIGHUP));
            Assert.Equal("the host received SIGHUP.", LiveChildren.HostExiting);
            Assert.True(third.WaitForExit(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            LiveChildren.ResetForTests();
        }
    }

    /// <summary>The process-exit handlers that LiveChildren added, read from the field behind the runtime's AppDomain.ProcessExit event.</summary>
    private static List<EventHandler> ExitHandlersOfLiveChildren()
    {
        FieldInfo field = typeof(AppDomain).GetField("ProcessExit", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("This runtime keeps the process-exit handlers elsewhere; the test needs updating.");
        var handlers = (EventHandler?)field.GetValue(AppDomain.CurrentDomain);
        return (handlers?.GetInvocationList() ?? Array.Empty<Delegate>())
            .Where(handler => handler.Method.DeclaringType == typeof(LiveChildren) || handler.Method.DeclaringType?.DeclaringType == typeof(LiveChildren))
            .Cast<EventHandler>()
            .ToList();
    }

    private static PosixSignal SignalOf(PosixSignalRegistration registration) => (PosixSignal)TokenMember(registration, "Signal");

    private static Action<PosixSignalContext> HandlerOf(PosixSignalRegistration registration) => (Action<PosixSignalContext>)TokenMember(registration, "Handler");

    /// <summary>What a registration holds (its signal and handler), read from the runtime's private token.</summary>
    private static object TokenMember(PosixSignalRegistration registration, string name)
    {
        object token = typeof(PosixSignalRegistration).GetField("_token", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(registration)
            ?? throw new InvalidOperationException("This runtime keeps a signal registration's handler elsewhere; the test needs updating.");
        Type type = token.GetType();
        object? value = (object?)type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(token)
            ?? type.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(token);
        return value ?? throw new InvalidOperationException($"No {name} in the runtime's signal registration; the test needs updating.");
    }
}
