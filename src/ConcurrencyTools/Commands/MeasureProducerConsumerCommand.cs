using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Runs producers and consumers joined by a bounded (or unbounded) queue, and emits one row per configuration and run: time, throughput, back-pressure, idle time, queue depth and the bottleneck.</para>
/// </summary>
/// <remarks>
/// All measuring happens in the engine, enumerated on the pipeline thread: every row and progress record
/// is written here, never from a worker thread. StopProcessing (Ctrl+C, Select-Object -First) cancels
/// the token; the engine returns only once the run's threads are gone.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Measure, "ProducerConsumer")]
[OutputType(typeof(ProducerConsumerResult))]
public sealed class MeasureProducerConsumerCommand : ConcurrencyCmdlet
{
    private const string Activity = "Measure-ProducerConsumer";

    /// <summary>The models every producer and consumer runs under: Threads (default), GilThreads or EventLoop.</summary>
    /// <remarks>
    /// Names, not <see cref="ConcurrencyModel"/> values: PowerShell completes an enum-typed parameter with every
    /// value of the enum and ignores an argument completer, and only the catalog's pipeline models run here.
    /// </remarks>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PipelineModelCompleter))]
    public string[]? Model { get; set; }

    /// <summary>Producer counts to sweep; 1 by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, ProducerConsumerPlan.MaxWorkers)]
    public int[]? Producers { get; set; }

    /// <summary>Consumer counts to sweep; 3 by default. The Workers column repeats it.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ThrottleLimit")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, ProducerConsumerPlan.MaxWorkers)]
    public int[]? Consumers { get; set; }

    /// <summary>Item counts to sweep; 50 by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, ProducerConsumerPlan.MaxItems)]
    public int[]? Items { get; set; }

    /// <summary>Queue capacities to sweep: numbers of items (1 or more), or Unbounded; 10 by default.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(QueueCapacityCompleter))]
    public QueueCapacity[]? Capacity { get; set; }

    /// <summary>Milliseconds an Io producer waits per item (a Mixed one: its waiting part); 10 by default. Arrays sweep.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0, WorkloadSpec.MaxDurationMs)]
    public int[]? ProduceMs { get; set; }

    /// <summary>Milliseconds an Io consumer waits per item (a Mixed one: its waiting part); 50 by default. Arrays sweep.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0, WorkloadSpec.MaxDurationMs)]
    public int[]? ConsumeMs { get; set; }

    /// <summary>The work a producer does per item: Io (a wait of ProduceMs, the default), Cpu, Mixed, Memory or Recursive.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public WorkloadKind ProducerWorkload { get; set; } = WorkloadKind.Io;

    /// <summary>The work a consumer does per item: Io (a wait of ConsumeMs, the default), Cpu, Mixed, Memory or Recursive.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public WorkloadKind ConsumerWorkload { get; set; } = WorkloadKind.Io;

    /// <summary>Loop iterations (Cpu, Mixed) or numbers appended (Memory) per producer item; 5,000,000 by default.</summary>
    [Parameter]
    [ValidateRange(1L, WorkloadSpec.MaxIterations)]
    public long ProducerIterations { get; set; } = ProducerConsumerPlan.DefaultIterations;

    /// <summary>Loop iterations (Cpu, Mixed) or numbers appended (Memory) per consumer item; 5,000,000 by default.</summary>
    [Parameter]
    [ValidateRange(1L, WorkloadSpec.MaxIterations)]
    public long ConsumerIterations { get; set; } = ProducerConsumerPlan.DefaultIterations;

    /// <summary>Measured runs per configuration.</summary>
    [Parameter]
    [ValidateRange(1, Engine.Measurement.MeasurementPlan.MaxRepeat)]
    public int Repeat { get; set; } = 3;

    /// <summary>Unreported warm-up runs per configuration before the measured ones.</summary>
    [Parameter]
    [ValidateRange(0, Engine.Measurement.MeasurementPlan.MaxWarmup)]
    public int Warmup { get; set; } = 1;

    /// <summary>GilThreads: how long a CPU-bound holder keeps the lock while another thread waits, in milliseconds (CPython's default is 5).</summary>
    [Parameter]
    [ValidateRange(Engine.Measurement.MeasurementPlan.MinSwitchIntervalMs, Engine.Measurement.MeasurementPlan.MaxSwitchIntervalMs)]
    public double SwitchIntervalMs { get; set; } = ModelOptions.DefaultSwitchIntervalMs;

    /// <summary>Writes no progress bar.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        ProducerConsumerPlan plan;
        try
        {
            plan = new ProducerConsumerPlan(
                ParseModels(Model), Producers, Consumers, Items, Capacity, ProduceMs, ConsumeMs,
                ProducerWorkload, ConsumerWorkload, ProducerIterations, ConsumerIterations,
                Repeat, Warmup, SwitchIntervalMs);
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, "InvalidMeasurementParameter");
            return;
        }

        WriteVerbose($"{plan.Grid.Count} configurations, {plan.Warmup} warm-up and {plan.Repeat} measured runs each, {plan.TotalRuns} runs in all, interleaved round by round. " +
            "The queue is a System.Threading.Channels channel (bounded: producers wait for room).");
        ProducerConsumerConfiguration? idle = plan.Grid.FirstOrDefault(c => c.Consumers > c.Items || c.Producers > c.Items);
        if (idle is not null)
        {
            WriteWarning($"{idle}: more producers or consumers than items; the extra workers have nothing to do. Raise -Items to give every worker work.");
        }

        var progress = new ProgressThrottle(this, Activity, NoProgress.IsPresent);
        try
        {
            RunUntilStopped(() =>
            {
                foreach (ProducerConsumerResult row in new ProducerConsumerBenchmark(plan).Run(MeasurementSteps(progress), StopToken))
                {
                    WriteVerbose($"{row.Model} {row.Producers}x{row.Consumers} capacity {row.Capacity} run {row.Run}: {row.ElapsedMs:F1} ms (bound {row.BoundMs:F1} ms), " +
                        $"producers blocked {row.ProducerBlockedMs:F1} ms, consumers idle {row.ConsumerIdleMs:F1} ms, bottleneck {row.Bottleneck}, " +
                        (row.Verified ? "every item consumed once." : "NOT verified: " + row.Error));
                    WriteObject(row);
                }
            });
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>The models named by -Model; a name that is no model is an error naming -Model, as a model that cannot run a pipeline is.</summary>
    private static ConcurrencyModel[]? ParseModels(string[]? names) =>
        names?.Select(name =>
            ModelCatalog.TryParse(name, out ConcurrencyModel model)
                ? model
                : throw new ArgumentOutOfRangeException("Model", name, $"'{name}' is not a model; a producer/consumer pipeline runs under {string.Join(", ", ProducerConsumerPlan.SupportedModels)}."))
            .ToArray();
}
