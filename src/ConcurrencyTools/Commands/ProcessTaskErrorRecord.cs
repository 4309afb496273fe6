using System;
using System.Management.Automation;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.ProcessPool;

namespace ConcurrencyTools.Commands;

/// <summary>The error record of a task that did not succeed: its id and category tell failures apart for -ErrorAction and catch blocks.</summary>
internal static class ProcessTaskErrorRecord
{
    /// <summary>The error record for a failed row (not a skipped one), with the row as its target.</summary>
    public static ErrorRecord Create(ProcessTaskResult row)
    {
        (string id, ErrorCategory category) = row.ProcessId is not null
            ? row.TimedOut ? ("ProcessTaskTimedOut", ErrorCategory.OperationTimeout) : ("ProcessTaskFailed", ErrorCategory.InvalidResult)
            : row.GetStartFailure() switch
            {
                ChildStartFailure.PermissionDenied => ("ProcessStartFailed", ErrorCategory.PermissionDenied),
                ChildStartFailure.InvalidArgument => ("InvalidProcessArgument", ErrorCategory.InvalidArgument),
                ChildStartFailure.Other => ("ProcessStartFailed", ErrorCategory.ResourceUnavailable),
                _ => ("ProcessStartFailed", ErrorCategory.ObjectNotFound),
            };
        return new ErrorRecord(new InvalidOperationException($"Task {row.Seq} ({row.CommandLine}): {row.Error}"), id, category, row);
    }
}
