using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// Every child process this process started and has not yet reaped, so that none outlives the host. A child runs
/// in a process group of its own (which is what lets a kill reach its grandchildren), so a signal sent to the
/// host's group (a terminal's hang-up, <c>timeout</c>'s SIGTERM) never reaches it; xargs -P's children, which share
/// the group, die with it. Here, on SIGTERM, SIGHUP or SIGQUIT of the host and on its exit, every live child's
/// tree is killed first, and no child starts after that. The signal's own action (ending the host) then goes on as
/// it would have. SIGINT is not handled here: PowerShell turns it into a pipeline stop, which disposes what runs.
/// SIGKILL of the host cannot be caught: its children go on until they end. A signal the host was started ignoring
/// (SIGHUP under <c>nohup</c>) stays ignored: the runtime calls no handler for it, so it ends neither the host nor
/// its children.
/// </summary>
internal static class LiveChildren
{
    private static readonly object s_gate = new();
    private static readonly HashSet<ChildProcess> s_live = new(ReferenceEqualityComparer.Instance);
    private static readonly List<PosixSignalRegistration> s_registrations = new();
    private static bool s_hooked;
    private static EventHandler? s_onExit;
    private static string? s_exiting;

    /// <summary>Why no child may start any more (the host is exiting), or null.</summary>
    public static string? HostExiting => Volatile.Read(ref s_exiting);

    /// <summary>How many children are live (started, not yet reaped).</summary>
    public static int Count
    {
        get
        {
            lock (s_gate)
            {
                return s_live.Count;
            }
        }
    }

    /// <summary>The signal handlers registered so far (tests read what each holds).</summary>
    internal static PosixSignalRegistration[] SignalRegistrations
    {
        get
        {
            lock (s_gate)
            {
                return s_registrations.ToArray();
            }
        }
    }

    /// <summary>
    /// Records a child that just started. When the host is already exiting the child is killed at once and
    /// this throws <see cref="ChildStartException"/>: a task never outlives the host by starting late.
    /// </summary>
    public static void Add(ChildProcess child)
    {
        string? exiting;
        lock (s_gate)
        {
            exiting = s_exiting;
            if (exiting is null)
            {
                Hook();
                s_live.Add(child);
                return;
            }
        }

        child.Dispose();
        throw new ChildStartException($"Not started: {exiting}", ChildStartFailure.Other);
    }

    /// <summary>Forgets a child that has been reaped.</summary>
    public static void Remove(ChildProcess child)
    {
        lock (s_gate)
        {
            s_live.Remove(child);
        }
    }

    /// <summary>
    /// Kills every live child's tree and refuses new children from now on, as the host does when it is signalled or
    /// exits. Internal so that tests can call it without signalling the test host.
    /// </summary>
    internal static int KillAll(string reason)
    {
        ChildProcess[] live;
        lock (s_gate)
        {
            s_exiting ??= reason;
            live = new ChildProcess[s_live.Count];
            s_live.CopyTo(live);
        }

        foreach (ChildProcess child in live)
        {
            try
            {
                child.KillTree();
            }
            catch (Exception)
            {
                // The host is going down: one child that cannot be killed must not stop the others from being killed.
            }
        }

        return live.Length;
    }

    /// <summary>Lets children start again (tests only, after <see cref="KillAll"/>).</summary>
    internal static void ResetForTests()
    {
        lock (s_gate)
        {
            s_exiting = null;
        }
    }

    /// <summary>
    /// Removes the exit and signal handlers, so that the next child hooks them again (tests only: a test that checks the
    /// hooks sees them made while it runs, not once for the whole test host).
    /// </summary>
    internal static void UnhookForTests()
    {
        lock (s_gate)
        {
            if (s_onExit is not null)
            {
                AppDomain.CurrentDomain.ProcessExit -= s_onExit;
                s_onExit = null;
            }

            foreach (PosixSignalRegistration registration in s_registrations)
            {
                registration.Dispose();
            }

            s_registrations.Clear();
            s_hooked = false;
        }
    }

    private static void Hook()
    {
        if (s_hooked)
        {
            return;
        }

        s_hooked = true;
        s_onExit = (_, _) => KillAll("the host process is exiting.");
        AppDomain.CurrentDomain.ProcessExit += s_onExit;
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (PosixSignal signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
        {
            try
            {
                // The handler leaves context.Cancel false, so the signal's default action (the host ends) follows.
                s_registrations.Add(PosixSignalRegistration.Create(signal, context => KillAll($"the host received {context.Signal}.")));
            }
            catch (Exception error) when (error is PlatformNotSupportedException or IOException)
            {
                // A platform without the signal: process exit still kills the children.
            }
        }
    }
}
