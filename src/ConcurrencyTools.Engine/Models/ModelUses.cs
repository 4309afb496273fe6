using System;

namespace ConcurrencyTools.Engine.Models;

/// <summary>What a model can run: the kinds of work the cmdlets hand it.</summary>
[Flags]
public enum ModelUses
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The built-in workloads of Measure-ThreadedWorkload (an <see cref="ExecutionModel"/>).</summary>
    Workloads = 1,

    /// <summary>Script blocks of Measure-ThreadedWorkload -ScriptBlock and Test-RaceCondition -ScriptBlock.</summary>
    ScriptBlocks = 2,

    /// <summary>The producer/consumer pipelines of Measure-ProducerConsumer.</summary>
    Pipelines = 4,
}
