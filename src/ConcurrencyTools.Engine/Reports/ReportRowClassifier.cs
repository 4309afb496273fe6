using System;
using System.Linq;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>
/// Tells a row's kind from its columns, never its type name: rows from <c>Import-Csv</c> carry no type,
/// and a CSV may have been written by another version of the module.
/// </summary>
internal static class ReportRowClassifier
{
    // The most specific signatures first: producer/consumer rows also carry the Measure-Speedup
    // columns (Workload, Model, Workers, ElapsedMs), so they must be told apart before measurements.
    private static readonly (ReportRowKind Kind, string[] Columns)[] Signatures =
    {
        (ReportRowKind.ProducerConsumerResult, new[] { "ThroughputPerSecond", "ProducerBlockedMs", "ConsumerIdleMs" }),
        (ReportRowKind.ProcessTaskResult, new[] { "Seq", "Slot", "QueueWaitMs", "DurationMs", "Succeeded" }),
        (ReportRowKind.RaceTestResult, new[] { "Scenario", "Strategy", "Trials", "TrialsWithViolation", "NsPerOperation" }),
        (ReportRowKind.SpeedupSummary, new[] { "Workload", "Model", "Workers", "Runs", "MedianMs", "Speedup" }),
        (ReportRowKind.WorkloadMeasurement, new[] { "Workload", "Model", "Workers", "Run", "ElapsedMs" }),
    };

    public static ReportRowKind Classify(ReportRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        foreach (var (kind, columns) in Signatures)
        {
            if (columns.All(row.Has))
            {
                return kind;
            }
        }

        return ReportRowKind.Unknown;
    }
}
