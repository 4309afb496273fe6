using System.Globalization;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>One point of a producer/consumer grid: the model, both sides' workers and work, and the queue.</summary>
public sealed record ProducerConsumerConfiguration(
    ConcurrencyModel Model,
    int Producers,
    int Consumers,
    QueueCapacity Capacity,
    WorkloadSpec Producer,
    WorkloadSpec Consumer)
{
    /// <summary>Items to produce and consume: the task count of both sides.</summary>
    public int Items => Producer.Tasks;

    /// <summary>E.g. <c>Io/Cpu</c>.</summary>
    public string Workload => $"{Producer.Kind}/{Consumer.Kind}";

    /// <summary>Everything but the model and the consumer count, as the TaskSize column shows it.</summary>
    public string TaskSize => string.Create(CultureInfo.InvariantCulture, $"Producers={Producers};Capacity={Capacity};Produce:{Producer.TaskSize};Consume:{Consumer.TaskSize}");

    /// <summary>E.g. <c>Threads 1 producer x 3 consumers, 50 items, capacity 10, Io/Io</c>; also the configuration's identity in a plan.</summary>
    public override string ToString() =>
        $"{Model} {Producers} producer(s) x {Consumers} consumer(s), {Items} items, capacity {Capacity}, {Workload} ({Producer.TaskSize} / {Consumer.TaskSize})";
}
