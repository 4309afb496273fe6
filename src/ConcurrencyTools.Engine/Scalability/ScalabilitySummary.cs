namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// The Universal Scalability Law fitted to one model's runs of one task list on one machine, over its worker
/// counts. Every speedup is throughput divided by <see cref="SingleWorkerThroughput"/> (λ, the fitted
/// throughput of one worker), so measured and fitted speedups share one yardstick.
/// </summary>
public sealed class ScalabilitySummary
{
    /// <summary>The machine the runs came from.</summary>
    public string MachineName { get; internal set; } = string.Empty;

    /// <summary>The workload.</summary>
    public string Workload { get; internal set; } = string.Empty;

    /// <summary>Tasks in the task list.</summary>
    public int Tasks { get; internal set; }

    /// <summary>Size of one task.</summary>
    public string TaskSize { get; internal set; } = string.Empty;

    /// <summary>The model.</summary>
    public string Model { get; internal set; } = string.Empty;

    /// <summary>The measured worker counts, ascending and comma-separated, e.g. <c>1,2,4,8</c>.</summary>
    public string WorkerCounts { get; internal set; } = string.Empty;

    /// <summary>Valid runs fitted, each one point.</summary>
    public int Runs { get; internal set; }

    /// <summary>Runs left out because they failed, were not verified, or had no usable time.</summary>
    public int ExcludedRuns { get; internal set; }

    /// <summary>What throughput counts: <c>tasks/s</c>, or <c>runs/s</c> when the rows give no task count.</summary>
    public string ThroughputUnit { get; internal set; } = string.Empty;

    /// <summary>λ: the fitted throughput of one worker, X(1); the yardstick of every speedup.</summary>
    public double SingleWorkerThroughput { get; internal set; }

    /// <summary>σ: contention, the serial fraction that caps the speedup at 1/σ (Amdahl); below 0 (down to −1) the scaling is super-linear.</summary>
    public double Sigma { get; internal set; }

    /// <summary>Asymptotic standard error of σ; empty with no more runs than parameters.</summary>
    public double? SigmaStdError { get; internal set; }

    /// <summary>κ: coherency, the crosstalk cost that makes more workers slower past the peak.</summary>
    public double Kappa { get; internal set; }

    /// <summary>Asymptotic standard error of κ; empty with no more runs than parameters.</summary>
    public double? KappaStdError { get; internal set; }

    /// <summary>N* = sqrt((1 − σ) / κ), at least 1: the fitted worker count of the highest throughput; empty when κ ≈ 0 puts it beyond 10,000, or when FitRSquared is below 0.5.</summary>
    public double? PeakWorkers { get; internal set; }

    /// <summary>The fitted speedup at N*; empty when PeakWorkers is.</summary>
    public double? PeakSpeedup { get; internal set; }

    /// <summary>1 − SSres / SStot of the USL fit over every run's throughput.</summary>
    public double? FitRSquared { get; internal set; }

    /// <summary>Residual standard error of the USL fit, in ThroughputUnit.</summary>
    public double? ResidualStdError { get; internal set; }

    /// <summary>Per worker count, the median run's residual relative to the fit, e.g. <c>1:+0.4% 2:-2.1%</c>.</summary>
    public string Residuals { get; internal set; } = string.Empty;

    /// <summary>σ of Amdahl's law (the USL with κ = 0) fitted to the same runs, for comparison.</summary>
    public double AmdahlSigma { get; internal set; }

    /// <summary>R² of the Amdahl fit; well below FitRSquared means coherency (κ) is real.</summary>
    public double? AmdahlRSquared { get; internal set; }

    /// <summary>1 / AmdahlSigma: the speedup Amdahl's law says is never exceeded; empty when AmdahlSigma is 0.</summary>
    public double? AmdahlLimit { get; internal set; }

    /// <summary>The measured worker count with the highest median throughput.</summary>
    public int MeasuredBestWorkers { get; internal set; }

    /// <summary>The median throughput at MeasuredBestWorkers over SingleWorkerThroughput.</summary>
    public double MeasuredBestSpeedup { get; internal set; }

    /// <summary>Logical cores of the machine, when the rows say (column LogicalCores); 0 when unknown.</summary>
    public int LogicalCores { get; internal set; }

    /// <summary>False when the fit stopped at the iteration limit (1,000) instead of converging; FitWarning says so too.</summary>
    public bool FitConverged { get; internal set; } = true;

    /// <summary>Iterations the USL fit took.</summary>
    public int FitIterations { get; internal set; }

    /// <summary>What to distrust in the fit, or empty: not converged, poor (R² below 0.5), super-linear (σ below 0).</summary>
    public string? FitWarning { get; internal set; }

    /// <summary>The measured best worker count and the fitted peak, in one sentence.</summary>
    public string Recommendation { get; internal set; } = string.Empty;

    /// <summary>Every run fitted, with its fitted value and residual (hidden by the default view).</summary>
    public ScalabilityPoint[] Points { get; internal set; } = System.Array.Empty<ScalabilityPoint>();
}
