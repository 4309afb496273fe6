namespace ConcurrencyTools.Engine.Statistics;

/// <summary>
/// The statistics of one configuration (machine, workload, task list, model, workers) over its valid
/// runs, and its speedup over the baseline. Failed and unverified runs are counted, not used.
/// </summary>
public sealed class SpeedupSummary
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

    /// <summary>Workers.</summary>
    public int Workers { get; internal set; }

    /// <summary>Valid runs the statistics use.</summary>
    public int Runs { get; internal set; }

    /// <summary>Runs left out because they failed, were not verified, or had no usable time.</summary>
    public int ExcludedRuns { get; internal set; }

    /// <summary>Mean of ElapsedMs.</summary>
    public double? MeanMs { get; internal set; }

    /// <summary>Sample standard deviation of ElapsedMs (n - 1).</summary>
    public double? StdDevMs { get; internal set; }

    /// <summary>Median of ElapsedMs.</summary>
    public double? MedianMs { get; internal set; }

    /// <summary>Fastest run.</summary>
    public double? MinMs { get; internal set; }

    /// <summary>Slowest run.</summary>
    public double? MaxMs { get; internal set; }

    /// <summary>Lower end of the 95% confidence interval of the mean (Student t).</summary>
    public double? MeanCiLowMs { get; internal set; }

    /// <summary>Upper end of the 95% confidence interval of the mean (Student t).</summary>
    public double? MeanCiHighMs { get; internal set; }

    /// <summary>StdDevMs / MeanMs.</summary>
    public double? CoefficientOfVariation { get; internal set; }

    /// <summary>Runs whose modified z-score exceeds 3.5 (flagged, still used).</summary>
    public int Outliers { get; internal set; }

    /// <summary>Run numbers of the outliers, comma-separated.</summary>
    public string? OutlierRuns { get; internal set; }

    /// <summary>True when there are fewer than 3 valid runs, the coefficient of variation exceeds 10%, an outlier lies more than 10% from the median, or the runs are bimodal.</summary>
    public bool Unstable { get; internal set; }

    /// <summary>Which of the instability conditions hold.</summary>
    public string? UnstableReason { get; internal set; }

    /// <summary>The configuration the speedup is measured against, e.g. <c>Sequential x1</c>.</summary>
    public string? Baseline { get; internal set; }

    /// <summary>Median ElapsedMs of the baseline.</summary>
    public double? BaselineMedianMs { get; internal set; }

    /// <summary>BaselineMedianMs / MedianMs: above 1 is faster than the baseline.</summary>
    public double? Speedup { get; internal set; }

    /// <summary>Lower end of the 95% bootstrap interval of the speedup.</summary>
    public double? SpeedupCiLow { get; internal set; }

    /// <summary>Upper end of the 95% bootstrap interval of the speedup.</summary>
    public double? SpeedupCiHigh { get; internal set; }

    /// <summary>
    /// Speedup / (Workers / baseline workers): 1 is perfect scaling. Against a baseline of one worker this
    /// is Speedup / Workers; against e.g. Threads x2 the baseline's two workers are the unit.
    /// </summary>
    public double? Efficiency { get; internal set; }

    /// <summary>
    /// Karp-Flatt experimentally determined serial fraction, (1/Speedup - 1/p) / (1 - 1/p) with
    /// p = Workers / baseline workers; defined when p is above 1.
    /// </summary>
    public double? SerialFraction { get; internal set; }

    /// <summary>Why runs were excluded, each reason with its count, e.g. <c>not verified (2 runs)</c>.</summary>
    public string? ExcludedReason { get; internal set; }

    /// <summary>True when the baseline itself is unstable, which makes every speedup against it questionable (and this summary Unstable).</summary>
    public bool? BaselineUnstable { get; internal set; }

    /// <summary>
    /// Faster, Slower or Same: whether the runs differ from the baseline's by more than 5%, by two one-sided
    /// Mann-Whitney U tests at p below 0.05 (see SpeedupSignificance); empty with fewer than 2 runs on a side.
    /// </summary>
    public string? Comparison { get; internal set; }

    /// <summary>The one-sided Mann-Whitney p-value behind Comparison (for Same, the smaller of the two).</summary>
    public double? ComparisonPValue { get; internal set; }

    /// <summary>The mvalue of the run times' histogram (2 for one peak, about 4 for two), for information: it does not decide bimodality.</summary>
    public double? MValue { get; internal set; }

    /// <summary>
    /// Ashman's D of the best cut of the run times into two groups. From 15 runs on, 5 or more with the groups'
    /// means at least 5% apart makes the summary Unstable as bimodal (see ModeSplit).
    /// </summary>
    public double? ModeSeparation { get; internal set; }

    /// <summary>
    /// CpuBound, IoBound or Mixed, from the median CPU per busy worker of the runs (CpuTimeMs / (ElapsedMs x
    /// min(Workers, LogicalCores)): from 0.6 CpuBound, up to 0.25 IoBound); empty without CPU figures.
    /// </summary>
    public string? Bound { get; internal set; }

    /// <summary>One sentence for the whole task list: the fastest configuration, why, and who lost most to start-up.</summary>
    public string? Recommendation { get; internal set; }
}
