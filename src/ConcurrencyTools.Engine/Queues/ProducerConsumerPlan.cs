using System;
using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// What one Measure-ProducerConsumer invocation measures: the grid of models x producers x consumers x
/// items x capacities x per-item costs, and how often. Validation errors name the parameter as the
/// cmdlet calls it.
/// </summary>
public sealed class ProducerConsumerPlan
{
    /// <summary>Largest accepted producer or consumer count.</summary>
    public const int MaxWorkers = 1_000;

    /// <summary>Largest accepted item count.</summary>
    public const int MaxItems = 1_000_000;

    /// <summary>Largest accepted bounded capacity.</summary>
    public const int MaxCapacity = 1_000_000;

    /// <summary>Default producer and consumer iterations per item for the iteration-sized workloads.</summary>
    public const long DefaultIterations = 5_000_000;

    /// <summary>The articles' configuration: 1 producer at 10 ms, 3 consumers at 50 ms, 50 items, a queue of 10.</summary>
    public const int DefaultProducers = 1, DefaultConsumers = 3, DefaultItems = 50, DefaultCapacity = 10, DefaultProduceMs = 10, DefaultConsumeMs = 50;

    /// <summary>The models a pipeline runs under: in-process workers sharing one queue.</summary>
    public static IReadOnlyList<ConcurrencyModel> SupportedModels => ModelCatalog.ModelsThatRun(ModelUses.Pipelines);

    /// <summary>Builds and validates a plan; null lists take the articles' configuration.</summary>
    public ProducerConsumerPlan(
        IEnumerable<ConcurrencyModel>? models = null,
        IEnumerable<int>? producers = null,
        IEnumerable<int>? consumers = null,
        IEnumerable<int>? items = null,
        IEnumerable<QueueCapacity>? capacities = null,
        IEnumerable<int>? produceMs = null,
        IEnumerable<int>? consumeMs = null,
        WorkloadKind producerWorkload = WorkloadKind.Io,
        WorkloadKind consumerWorkload = WorkloadKind.Io,
        long producerIterations = DefaultIterations,
        long consumerIterations = DefaultIterations,
        int repeat = 3,
        int warmup = 1,
        double switchIntervalMs = ModelOptions.DefaultSwitchIntervalMs)
    {
        ConcurrencyModel[] modelList = List("Model", models, ConcurrencyModel.Threads);
        foreach (ConcurrencyModel model in modelList)
        {
            if (!SupportedModels.Contains(model))
            {
                throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' cannot run a producer/consumer pipeline; use {string.Join(", ", SupportedModels)}.");
            }
        }

        int[] producerList = Counts("Producers", producers, DefaultProducers, 1, MaxWorkers);
        int[] consumerList = Counts("Consumers", consumers, DefaultConsumers, 1, MaxWorkers);
        int[] itemList = Counts("Items", items, DefaultItems, 1, MaxItems);
        int[] produceList = Counts("ProduceMs", produceMs, DefaultProduceMs, 0, WorkloadSpec.MaxDurationMs);
        int[] consumeList = Counts("ConsumeMs", consumeMs, DefaultConsumeMs, 0, WorkloadSpec.MaxDurationMs);
        QueueCapacity[] capacityList = List("Capacity", capacities, new QueueCapacity(DefaultCapacity));
        foreach (QueueCapacity capacity in capacityList)
        {
            if (capacity.Limit is int limit)
            {
                ArgumentRange.Check("Capacity", limit, 1, MaxCapacity);
            }
        }

        Side("ProducerWorkload", "ProducerIterations", producerWorkload, producerIterations);
        Side("ConsumerWorkload", "ConsumerIterations", consumerWorkload, consumerIterations);
        ArgumentRange.Check("Repeat", repeat, 1, MeasurementPlan.MaxRepeat);
        ArgumentRange.Check("Warmup", warmup, 0, MeasurementPlan.MaxWarmup);
        ArgumentRange.Check("SwitchIntervalMs", switchIntervalMs, MeasurementPlan.MinSwitchIntervalMs, MeasurementPlan.MaxSwitchIntervalMs);

        Repeat = repeat;
        Warmup = warmup;
        SwitchIntervalMs = switchIntervalMs;

        // Knobs a side's workload does not use (ProduceMs for Cpu work, say) collapse to one configuration.
        Grid = (from model in modelList
                from count in itemList
                from producerMs in produceList
                from consumerMs in consumeList
                from capacity in capacityList
                from producerCount in producerList
                from consumerCount in consumerList
                select new ProducerConsumerConfiguration(
                    model,
                    producerCount,
                    consumerCount,
                    capacity,
                    new WorkloadSpec(producerWorkload, count, producerIterations, producerMs),
                    new WorkloadSpec(consumerWorkload, count, consumerIterations, consumerMs)))
            .DistinctBy(c => c.ToString())
            .ToArray();
    }

    /// <summary>The configurations, in the order each round runs them (consumer count varying fastest).</summary>
    public IReadOnlyList<ProducerConsumerConfiguration> Grid { get; }

    /// <summary>Measured runs per configuration.</summary>
    public int Repeat { get; }

    /// <summary>Unreported warm-up runs per configuration, before the measured ones.</summary>
    public int Warmup { get; }

    /// <summary>GilThreads switch interval.</summary>
    public double SwitchIntervalMs { get; }

    /// <summary>All runs, warm-up runs included.</summary>
    public int TotalRuns => InterleavedSchedule.Count(Grid.Count, Warmup, Repeat, overhead: false);

    private static T[] List<T>(string name, IEnumerable<T>? values, T fallback)
    {
        T[] list = (values ?? new[] { fallback }).Distinct().ToArray();
        return list.Length > 0 ? list : throw new ArgumentException($"{name} must list at least one value.", name);
    }

    private static int[] Counts(string name, IEnumerable<int>? values, int fallback, int min, int max)
    {
        int[] list = List(name, values, fallback);
        foreach (int value in list)
        {
            ArgumentRange.Check(name, value, min, max);
        }

        return list;
    }

    private static void Side(string workloadName, string iterationsName, WorkloadKind kind, long iterations)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(workloadName, kind, $"{workloadName} '{kind}' is not a known workload.");
        }

        ArgumentRange.Check(iterationsName, iterations, 1, kind == WorkloadKind.Memory ? WorkloadSpec.MaxMemoryIterations : WorkloadSpec.MaxIterations);
    }
}
