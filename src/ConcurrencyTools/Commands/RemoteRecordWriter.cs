using System;
using System.Management.Automation;
using ConcurrencyTools.Engine.Remoting;

namespace ConcurrencyTools.Commands;

/// <summary>
/// Writes what a remote Measure-ThreadedWorkload sends back to the local pipeline, on the pipeline thread: rows gain
/// ComputerName, and each host's warnings, verbose text and errors are named by host. A host without the module, or
/// one whose run fails, is an error of its own; the other hosts go on.
/// </summary>
internal sealed class RemoteRecordWriter
{
    private readonly PSCmdlet _cmdlet;
    private readonly string _version;

    public RemoteRecordWriter(PSCmdlet cmdlet, string version)
    {
        _cmdlet = cmdlet;
        _version = version;
    }

    /// <summary>Writes one record; true when it was a result row.</summary>
    public bool Write(SessionRecord record)
    {
        string host = SessionFanOut.Describe(record.Session);
        switch (record.Kind)
        {
            case SessionRecordKind.Output when record.Data is PSObject row && RemoteModule.IsMissingMarker(row):
                _cmdlet.WriteError(new ErrorRecord(
                    new InvalidOperationException(RemoteModule.MissingMessage(row, host, _version, _cmdlet.MyInvocation.MyCommand.Module?.ModuleBase)),
                    "ModuleMissingOnHost",
                    ErrorCategory.NotInstalled,
                    record.Session));
                return false;
            case SessionRecordKind.Output when record.Data is PSObject message && RemoteMeasurement.IsRecordOf(message, "WarningRecord"):
                _cmdlet.WriteWarning($"{host}: {RemoteMeasurement.RecordMessage(message)}");
                return false;
            case SessionRecordKind.Output when record.Data is PSObject message && RemoteMeasurement.IsRecordOf(message, "VerboseRecord"):
                _cmdlet.WriteVerbose($"{host}: {RemoteMeasurement.RecordMessage(message)}");
                return false;
            case SessionRecordKind.Output when record.Data is PSObject row:
                row.Properties.Add(new PSNoteProperty("ComputerName", host));
                _cmdlet.WriteObject(row);
                return true;
            case SessionRecordKind.Error when record.Data is ErrorRecord error:
                _cmdlet.WriteError(new ErrorRecord(error, new RemoteHostException($"{host}: {error}")));
                return false;
            case SessionRecordKind.Warning:
                _cmdlet.WriteWarning($"{host}: {record.Data}");
                return false;
            case SessionRecordKind.Verbose:
                _cmdlet.WriteVerbose($"{host}: {record.Data}");
                return false;
            case SessionRecordKind.Failed:
                var failure = (Exception)record.Data!;
                _cmdlet.WriteError(new ErrorRecord(
                    new RemoteHostException($"The run on {host} failed, the other hosts go on: {failure.Message}", failure),
                    "SessionFailed",
                    ErrorCategory.ConnectionError,
                    record.Session));
                return false;
            case SessionRecordKind.Completed:
                _cmdlet.WriteVerbose($"{host}: done.");
                return false;
            default:
                return false;
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
