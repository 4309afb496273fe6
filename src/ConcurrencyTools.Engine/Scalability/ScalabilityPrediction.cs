namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// The fitted speedup of one model at a worker count asked for with -Predict: a prediction, not a measurement.
/// </summary>
public sealed class ScalabilityPrediction
{
    /// <summary>The machine whose runs were fitted.</summary>
    public string MachineName { get; internal set; } = string.Empty;

    /// <summary>The workload.</summary>
    public string Workload { get; internal set; } = string.Empty;

    /// <summary>Tasks in the task list.</summary>
    public int Tasks { get; internal set; }

    /// <summary>Size of one task.</summary>
    public string TaskSize { get; internal set; } = string.Empty;

    /// <summary>The model.</summary>
    public string Model { get; internal set; } = string.Empty;

    /// <summary>The worker count predicted for.</summary>
    public int Workers { get; internal set; }

    /// <summary>Always true: this row is a prediction of the fit.</summary>
    public bool Predicted { get; internal set; } = true;

    /// <summary>The USL's speedup over one worker at Workers.</summary>
    public double Speedup { get; internal set; }

    /// <summary>The USL's throughput at Workers, in ThroughputUnit.</summary>
    public double Throughput { get; internal set; }

    /// <summary>What throughput counts: <c>tasks/s</c> or <c>runs/s</c>.</summary>
    public string ThroughputUnit { get; internal set; } = string.Empty;

    /// <summary>Amdahl's law's speedup at Workers (κ = 0), for comparison.</summary>
    public double AmdahlSpeedup { get; internal set; }

    /// <summary>The measured speedup at Workers when that count was measured too; empty otherwise.</summary>
    public double? MeasuredSpeedup { get; internal set; }

    /// <summary>True when Workers exceeds the largest measured worker count: an extrapolation.</summary>
    public bool Extrapolated { get; internal set; }

    /// <summary>True when Workers exceeds the machine's logical cores (when the rows say how many).</summary>
    public bool BeyondLogicalCores { get; internal set; }
}
