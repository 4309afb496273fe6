using System;
using System.Collections.Generic;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// Runs a <see cref="ProducerConsumerPlan"/> in the order of the interleaved schedule Measure-ThreadedWorkload
/// uses: warm-up rounds, then measured rounds of every configuration once. Rows are yielded as soon as
/// they are measured; a failed run is a row with its error; cancellation ends the enumeration with
/// <see cref="OperationCanceledException"/> after every thread of the run has ended.
/// </summary>
public sealed class ProducerConsumerBenchmark
{
    private readonly ProducerConsumerPlan _plan;
    private readonly Dictionary<string, (Workload Work, long Expected, double ItemMs)> _sides = new();

    /// <summary>Creates a benchmark of a plan.</summary>
    public ProducerConsumerBenchmark(ProducerConsumerPlan plan) => _plan = plan ?? throw new ArgumentNullException(nameof(plan));

    /// <summary>Runs the plan lazily: each row is measured when the enumerator asks for it.</summary>
    public IEnumerable<ProducerConsumerResult> Run(IProgress<MeasurementProgress>? progress, CancellationToken cancellationToken)
    {
        foreach (var run in InterleavedSchedule.Runs(_plan.Grid, _plan.Warmup, _plan.Repeat, overhead: false, progress))
        {
            ProducerConsumerResult row = Measure(run.Configuration, run.Round, cancellationToken);
            if (run.Phase == MeasurementPhase.Run)
            {
                yield return row;
            }
        }
    }

    private ProducerConsumerResult Measure(ProducerConsumerConfiguration configuration, int round, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var producer = Side(configuration.Producer, cancellationToken);
        var consumer = Side(configuration.Consumer, cancellationToken);
        var row = new ProducerConsumerResult
        {
            Workload = configuration.Workload,
            Model = configuration.Model.ToString(),
            Workers = configuration.Consumers,
            Producers = configuration.Producers,
            Consumers = configuration.Consumers,
            Items = configuration.Items,
            Capacity = configuration.Capacity.ToString(),
            ProducerWorkload = configuration.Producer.Kind.ToString(),
            ConsumerWorkload = configuration.Consumer.Kind.ToString(),
            ProduceMs = configuration.Producer.DurationMs,
            ConsumeMs = configuration.Consumer.DurationMs,
            TaskSize = configuration.TaskSize,
            Run = round,
            ProducerItemMs = producer.ItemMs,
            ConsumerItemMs = consumer.ItemMs,
            BoundMs = Math.Round(Math.Max(
                configuration.Items * producer.ItemMs / configuration.Producers,
                configuration.Items * consumer.ItemMs / configuration.Consumers), 4),
            ExpectedChecksum = consumer.Expected,
            SwitchIntervalMs = configuration.Model == ConcurrencyModel.GilThreads ? _plan.SwitchIntervalMs : null,
            Machine = MachineStamp.Take(),
        };

        try
        {
            new ProducerConsumerRun(configuration, producer.Work, consumer.Work, producer.Expected).Execute(row, _plan.SwitchIntervalMs, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error)
        {
            row.Error = $"{error.GetType().Name}: {error.Message}";
            return row;
        }

        row.Efficiency = row.ElapsedMs > 0 ? Math.Round(row.BoundMs / row.ElapsedMs, 6) : 0;
        return row;
    }

    /// <summary>A side's work, its checksum, and what one item costs alone; built once per distinct spec.</summary>
    private (Workload Work, long Expected, double ItemMs) Side(WorkloadSpec spec, CancellationToken cancellationToken)
    {
        string key = $"{spec.Kind} {spec.Tasks} {spec.TaskSize}";
        if (!_sides.TryGetValue(key, out var side))
        {
            Workload work = Workload.Create(spec);
            side = (work, work.ExpectedChecksum(cancellationToken), ItemMs(work, cancellationToken));
            _sides[key] = side;
        }

        return side;
    }

    /// <summary>
    /// An Io item costs its wait by definition. Any other item is run alone on this thread, the best of
    /// three after one untimed run (so the code is compiled), timed by the thread's CPU clock so that a
    /// loaded machine does not inflate it; a Mixed item adds its nominal wait.
    /// </summary>
    private static double ItemMs(Workload work, CancellationToken cancellationToken)
    {
        WorkloadSpec spec = work.Spec;
        if (spec.Kind == WorkloadKind.Io)
        {
            return spec.DurationMs;
        }

        var context = new BlockingTaskContext(cancellationToken);
        int waitMs = spec.Kind == WorkloadKind.Mixed ? spec.MixedDurationMs : 0;
        double best = double.MaxValue;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            double started = ThreadCpuClock.NowMs();
            var task = work.RunTaskAsync(0, context);
            _ = task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
            double ms = ThreadCpuClock.NowMs() - started;
            if (attempt > 0)
            {
                best = Math.Min(best, ms);
            }
        }

        // The wall clock, where it is the fallback, has counted the wait already.
        return Math.Round(best + (ThreadCpuClock.IsThreadTime ? waitMs : 0), 4);
    }
}
