using System;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>Builds a process pool whose slots are on remote hosts: ThrottleLimit slots per session.</summary>
public static class SessionProcessPool
{
    /// <summary>Starts one remote pipeline per session and returns a pool that deals tasks to all of them.</summary>
    /// <param name="options">The pool's options; ThrottleLimit is per host.</param>
    /// <param name="sessions">Open sessions, one per host.</param>
    /// <param name="hostOptions">What every host applies itself (see <see cref="RemotePoolOptions"/>).</param>
    /// <param name="version">The module version the hosts must have.</param>
    /// <param name="moduleBase">This module's folder, named in the hint when a host lacks it.</param>
    public static BoundedProcessPool Create(ProcessPoolOptions options, IReadOnlyList<PSSession> sessions, RemotePoolOptions hostOptions, string version, string? moduleBase)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(hostOptions);
        var runners = new List<IProcessRunner>(sessions.Count);
        foreach (PSSession session in sessions)
        {
            runners.Add(new SessionProcessRunner(session, options.ThrottleLimit, 1 + (runners.Count * options.ThrottleLimit), hostOptions, version, moduleBase));
        }

        return new BoundedProcessPool(options, runners);
    }
}
