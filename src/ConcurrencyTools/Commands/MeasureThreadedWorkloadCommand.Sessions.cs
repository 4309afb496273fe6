using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Remoting;
using ConcurrencyTools.Engine.Runspaces;

namespace ConcurrencyTools.Commands;

/// <summary>Measure-ThreadedWorkload on remote hosts: the same plan on every session at once.</summary>
public sealed partial class MeasureThreadedWorkloadCommand
{
    /// <summary>
    /// Remote sessions (from New-PSSession -HostName or -ComputerName) to run the same plan on, all at once.
    /// Each host needs PowerShell 7.4 or later and this version of ConcurrencyTools installed; rows come back
    /// with every column, plus ComputerName, and feed Measure-Speedup, which groups them by MachineName.
    /// </summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    private void RunOnSessions(MeasurementPlan plan)
    {
        string version = MyInvocation.MyCommand.Module?.Version.ToString() ?? typeof(MeasureThreadedWorkloadCommand).Assembly.GetName().Version!.ToString(3);
        Hashtable parameters = RemoteMeasurement.Parameters(plan, Model, Workers, IsBound(nameof(Iterations)), MyInvocation.BoundParameters.ContainsKey("Verbose"));
        int expected = plan.Grid.Count * plan.Repeat * Session!.Length;
        int received = 0;
        WriteVerbose($"Running the plan on {Session.Length} hosts at once: {string.Join(", ", Array.ConvertAll(Session, SessionFanOut.Describe))}.");

        var progress = new ProgressThrottle(this, Activity, NoProgress.IsPresent);
        try
        {
            RunUntilStopped(() =>
            {
                var writer = new RemoteRecordWriter(this, version);
                foreach (SessionRecord record in SessionFanOut.Run(Session, (powerShell, _) => powerShell.AddScript(RemoteMeasurement.Script).AddArgument(parameters).AddArgument(version), StopToken))
                {
                    if (writer.Write(record))
                    {
                        received++;
                        progress.Write($"{received} of {expected} rows from {Session.Length} hosts", received, expected);
                    }
                }
            });
        }
        finally
        {
            progress.Complete();
        }
    }
}
