namespace ConcurrencyTools.Engine.Reports;

/// <summary>The kinds of rows a report recognises by their columns.</summary>
public enum ReportRowKind
{
    /// <summary>A kind the report does not know: listed as not drawn.</summary>
    Unknown,

    /// <summary>A run of Measure-ThreadedWorkload.</summary>
    WorkloadMeasurement,

    /// <summary>A configuration summarized by Measure-Speedup.</summary>
    SpeedupSummary,

    /// <summary>A task of Invoke-ProcessPool.</summary>
    ProcessTaskResult,

    /// <summary>A (scenario, strategy) of Test-RaceCondition.</summary>
    RaceTestResult,

    /// <summary>A configuration and run of Measure-ProducerConsumer.</summary>
    ProducerConsumerResult,
}
