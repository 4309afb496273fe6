using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.Models;

/// <summary>Settings of the models that have any.</summary>
public sealed class ModelOptions
{
    /// <summary>Default GilThreads switch interval: CPython's <c>sys.getswitchinterval()</c>, 5 ms.</summary>
    public const double DefaultSwitchIntervalMs = 5;

    /// <summary>How long a GilThreads waiter lets a CPU-bound holder run before it asks for the lock.</summary>
    public double SwitchIntervalMs { get; set; } = DefaultSwitchIntervalMs;

    /// <summary>How to start worker processes; found automatically when null.</summary>
    public WorkerHost? WorkerHost { get; set; }
}
