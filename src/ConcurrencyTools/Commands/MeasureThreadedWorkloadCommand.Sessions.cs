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
                foreach (SessionRecord record in SessionFanOut.Run(Session, (powerShell, _) => powerShell.AddScript(RemoteMeasurement.Script).AddArgument(parameters).AddArgument(version), StopToken))
                {
                    string host = SessionFanOut.Describe(record.Session);
                    switch (record.Kind)
                    {
                        case SessionRecordKind.Output when record.Data is PSObject row && RemoteModule.IsMissingMarker(row):
                            WriteError(new ErrorRecord(
                                new InvalidOperationException(RemoteModule.MissingMessage(row, host, version, MyInvocation.MyCommand.Module?.ModuleBase)),
                                "ModuleMissingOnHost",
                                ErrorCategory.NotInstalled,
                                record.Session));
                            break;
                        case SessionRecordKind.Output when record.Data is PSObject message && RemoteMeasurement.IsRecordOf(message, "WarningRecord"):
                            WriteWarning($"{host}: {RemoteMeasurement.RecordMessage(message)}");
                            break;
                        case SessionRecordKind.Output when record.Data is PSObject message && RemoteMeasurement.IsRecordOf(message, "VerboseRecord"):
                            WriteVerbose($"{host}: {RemoteMeasurement.RecordMessage(message)}");
                            break;
                        case SessionRecordKind.Output when record.Data is PSObject row:
                            row.Properties.Add(new PSNoteProperty("ComputerName", host));
                            WriteObject(row);
                            received++;
                            progress.Write($"{received} of {expected} rows from {Session.Length} hosts", received, expected);

                            break;
                        case SessionRecordKind.Error when record.Data is ErrorRecord error:
                            WriteError(new ErrorRecord(error, new RemoteHostException($"{host}: {error}")));
                            break;
                        case SessionRecordKind.Warning:
                            WriteWarning($"{host}: {record.Data}");
                            break;
                        case SessionRecordKind.Verbose:
                            WriteVerbose($"{host}: {record.Data}");
                            break;
                        case SessionRecordKind.Failed:
                            var failure = (Exception)record.Data!;
                            WriteError(new ErrorRecord(
                                new RemoteHostException($"The run on {host} failed, the other hosts go on: {failure.Message}", failure),
                                "SessionFailed",
                                ErrorCategory.ConnectionError,
                                record.Session));
                            break;
                        case SessionRecordKind.Completed:
                            WriteVerbose($"{host}: done.");
                            break;
                    }
                }
            });
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>A problem on a remote host, with the host named in its message.</summary>
    private sealed class RemoteHostException : Exception
    {
        public RemoteHostException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
