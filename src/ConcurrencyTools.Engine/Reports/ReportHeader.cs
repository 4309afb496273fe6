using System;

namespace ConcurrencyTools.Engine.Reports;

/// <summary>What the top of a report says besides what the rows say: title, when, how, which module.</summary>
public sealed class ReportHeader
{
    /// <summary>The page title.</summary>
    public string Title { get; init; } = "Concurrency report";

    /// <summary>When the report was written.</summary>
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.Now;

    /// <summary>The command line that made the rows, when known.</summary>
    public string? CommandLine { get; init; }

    /// <summary>The version of the module that wrote the report.</summary>
    public string? ModuleVersion { get; init; }
}
