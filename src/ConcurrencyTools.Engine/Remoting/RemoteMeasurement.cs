using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// Measure-ThreadedWorkload -Session's remote side: the script each host runs, the parameters that travel to it,
/// and how the warning and verbose records that come back in its output are told apart from rows.
/// </summary>
public static class RemoteMeasurement
{
    /// <summary>Runs on the remote host, with the parameters (<see cref="Parameters"/>) and the module version the caller needs.</summary>
    public const string Script = "param([hashtable] $Parameters, [string] $Version)\n" + RemoteModule.ImportScript + """

        # Warnings and verbose text come back in the output, in order: left in their streams, the remote
        # host would also print them on the local console, unnamed and beyond -WarningAction's reach.
        ConcurrencyTools\Measure-ThreadedWorkload @Parameters 3>&1 4>&1
        """;

    /// <summary>
    /// The plan's resolved values as plain strings and numbers that travel through remoting unchanged. The models,
    /// worker counts and iterations travel only when the user gave them, so each host applies its own defaults
    /// to the rest; progress stays local.
    /// </summary>
    public static Hashtable Parameters(MeasurementPlan plan, IReadOnlyList<ConcurrencyModel>? models, IReadOnlyList<int>? workers, bool iterationsGiven, bool verbose)
    {
        var parameters = new Hashtable
        {
            ["Workload"] = plan.Workload.Kind.ToString(),
            ["Tasks"] = plan.Workload.Tasks,
            ["CpuFraction"] = plan.Workload.CpuFraction,
            ["Depth"] = plan.Workload.Depth,
            ["DurationMs"] = plan.Workload.DurationMs,
            ["Repeat"] = plan.Repeat,
            ["Warmup"] = plan.Warmup,
            ["SwitchIntervalMs"] = plan.SwitchIntervalMs,
            ["NoProgress"] = true,
        };
        if (models is not null)
        {
            parameters["Model"] = models.Select(m => m.ToString()).ToArray();
        }

        if (workers is not null)
        {
            parameters["Workers"] = workers.ToArray();
        }

        if (iterationsGiven)
        {
            parameters["Iterations"] = plan.Workload.Iterations;
        }

        if (!plan.MeasureOverhead)
        {
            parameters["NoOverhead"] = true;
        }

        if (verbose)
        {
            parameters["Verbose"] = true;
        }

        return parameters;
    }

    /// <summary>Whether <paramref name="value"/> is a record of <paramref name="type"/> (e.g. WarningRecord), live or deserialized.</summary>
    public static bool IsRecordOf(PSObject value, string type) =>
        value.BaseObject is InformationalRecord record
            ? record.GetType().Name == type
            : value.TypeNames.Contains("Deserialized.System.Management.Automation." + type);

    /// <summary>The message of a warning or verbose record, live or deserialized (which keeps it under the serializer's property name).</summary>
    public static object? RecordMessage(PSObject value) =>
        value.BaseObject is InformationalRecord record ? record.Message : value.Properties["InformationalRecord_Message"]?.Value;
}
