using System;
using System.Linq;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Queues;

/// <summary>
/// The producer/consumer plan and its parts without running a pipeline: defaults, every limit at and past its
/// edge, the grid's order and what collapses in it, the configuration's texts and the capacity's text form.
/// </summary>
public class ProducerConsumerPlanTests
{
    [Fact]
    public void WithoutListsThePlanIsTheArticlesConfiguration()
    {
        var plan = new ProducerConsumerPlan();

        ProducerConsumerConfiguration only = Assert.Single(plan.Grid);
        Assert.Equal(ConcurrencyModel.Threads, only.Model);
        Assert.Equal((1, 3, 50, "10"), (only.Producers, only.Consumers, only.Items, only.Capacity.ToString()));
        Assert.Equal((WorkloadKind.Io, 50, ProducerConsumerPlan.DefaultIterations, 10), (only.Producer.Kind, only.Producer.Tasks, only.Producer.Iterations, only.Producer.DurationMs));
        Assert.Equal((WorkloadKind.Io, 50, ProducerConsumerPlan.DefaultIterations, 50), (only.Consumer.Kind, only.Consumer.Tasks, only.Consumer.Iterations, only.Consumer.DurationMs));
        Assert.Equal((3, 1, 5.0), (plan.Repeat, plan.Warmup, plan.SwitchIntervalMs));
        Assert.Equal(4, plan.TotalRuns);
    }

    [Fact]
    public void TheGridVariesTheConsumerCountFastestAndDropsRepeatedValues()
    {
        var plan = new ProducerConsumerPlan(
            models: new[] { ConcurrencyModel.Threads, ConcurrencyModel.EventLoop, ConcurrencyModel.Threads },
            producers: new[] { 1, 2 },
            consumers: new[] { 1, 4, 1 },
            capacities: new[] { new QueueCapacity(5), QueueCapacity.Unbounded },
            repeat: 2,
            warmup: 0);

        Assert.Equal(16, plan.Grid.Count);
        Assert.Equal(
            new[] { "Threads 1x1 5", "Threads 1x4 5", "Threads 2x1 5", "Threads 2x4 5", "Threads 1x1 Unbounded" },
            plan.Grid.Take(5).Select(c => $"{c.Model} {c.Producers}x{c.Consumers} {c.Capacity}"));
        Assert.Equal(ConcurrencyModel.EventLoop, plan.Grid[8].Model);
        Assert.Equal(32, plan.TotalRuns);
    }

    [Fact]
    public void KnobsAWorkloadDoesNotUseCollapseToOneConfiguration()
    {
        // Cpu work ignores the milliseconds: four (ProduceMs, ConsumeMs) pairs are one configuration.
        var cpu = new ProducerConsumerPlan(produceMs: new[] { 0, 5 }, consumeMs: new[] { 1, 2 }, producerWorkload: WorkloadKind.Cpu, consumerWorkload: WorkloadKind.Cpu, producerIterations: 1000, consumerIterations: 2000);
        ProducerConsumerConfiguration one = Assert.Single(cpu.Grid);
        Assert.Equal("Cpu/Cpu", one.Workload);
        Assert.Equal("Producers=1;Capacity=10;Produce:Iterations=1000;Consume:Iterations=2000", one.TaskSize);

        var io = new ProducerConsumerPlan(produceMs: new[] { 0, 5 }, consumeMs: new[] { 1, 2 });
        Assert.Equal(4, io.Grid.Count);
    }

    [Fact]
    public void AConfigurationSaysWhatItIs()
    {
        var configuration = new ProducerConsumerConfiguration(ConcurrencyModel.GilThreads, 2, 3, QueueCapacity.Unbounded,
            new WorkloadSpec(WorkloadKind.Io, 7, 1, 4), new WorkloadSpec(WorkloadKind.Cpu, 7, 99, 0));

        Assert.Equal(7, configuration.Items);
        Assert.Equal("Io/Cpu", configuration.Workload);
        Assert.Equal("Producers=2;Capacity=Unbounded;Produce:DurationMs=4;Consume:Iterations=99", configuration.TaskSize);
        Assert.Equal("GilThreads 2 producer(s) x 3 consumer(s), 7 items, capacity Unbounded, Io/Cpu (DurationMs=4 / Iterations=99)", configuration.ToString());
    }

    [Theory]
    [InlineData("Producers")]
    [InlineData("Consumers")]
    [InlineData("Items")]
    [InlineData("ProduceMs")]
    [InlineData("ConsumeMs")]
    [InlineData("Model")]
    [InlineData("Capacity")]
    public void AnEmptyListIsRejectedNamingIt(string name)
    {
        int[] none = Array.Empty<int>();
        var error = Assert.Throws<ArgumentException>(() => name switch
        {
            "Producers" => new ProducerConsumerPlan(producers: none),
            "Consumers" => new ProducerConsumerPlan(consumers: none),
            "Items" => new ProducerConsumerPlan(items: none),
            "ProduceMs" => new ProducerConsumerPlan(produceMs: none),
            "ConsumeMs" => new ProducerConsumerPlan(consumeMs: none),
            "Model" => new ProducerConsumerPlan(models: Array.Empty<ConcurrencyModel>()),
            _ => new ProducerConsumerPlan(capacities: Array.Empty<QueueCapacity>()),
        });
        Assert.Equal(name, error.ParamName);
        Assert.StartsWith($"{name} must list at least one value.", error.Message);
    }

    [Theory]
    [InlineData("Producers", 1, 1000, 1001)]
    [InlineData("Consumers", 1, 1000, 0)]
    [InlineData("Items", 1, 1_000_000, 1_000_001)]
    [InlineData("ProduceMs", 0, 3_600_000, 3_600_001)]
    [InlineData("ConsumeMs", 0, 3_600_000, -1)]
    [InlineData("Capacity", 1, 1_000_000, 1_000_001)]
    [InlineData("Repeat", 1, 10_000, 10_001)]
    [InlineData("Warmup", 0, 100, -1)]
    [InlineData("Warmup", 0, 100, 101)]
    public void EachLimitHoldsAtItsEdgesAndStopsPastThem(string name, int lowest, int highest, int bad)
    {
        ProducerConsumerPlan Plan(int value) => name switch
        {
            "Producers" => new ProducerConsumerPlan(producers: new[] { value }),
            "Consumers" => new ProducerConsumerPlan(consumers: new[] { value }),
            "Items" => new ProducerConsumerPlan(items: new[] { value }),
            "ProduceMs" => new ProducerConsumerPlan(produceMs: new[] { value }),
            "ConsumeMs" => new ProducerConsumerPlan(consumeMs: new[] { value }),
            "Capacity" => new ProducerConsumerPlan(capacities: new[] { new QueueCapacity(value) }),
            "Repeat" => new ProducerConsumerPlan(repeat: value),
            _ => new ProducerConsumerPlan(warmup: value),
        };

        Assert.NotEmpty(Plan(lowest).Grid);
        Assert.NotEmpty(Plan(highest).Grid);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Plan(bad));
        Assert.Equal(name, error.ParamName);
        Assert.Equal(bad, error.ActualValue);
        Assert.StartsWith($"{name} must be between {lowest} and {highest}; {bad} is not.", error.Message);
    }

    [Fact]
    public void TheSwitchIntervalHasItsLimits()
    {
        Assert.Equal(1, new ProducerConsumerPlan(switchIntervalMs: 1).SwitchIntervalMs);
        Assert.Equal(1000, new ProducerConsumerPlan(switchIntervalMs: 1000).SwitchIntervalMs);
        Assert.Equal("SwitchIntervalMs", Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(switchIntervalMs: 0.5)).ParamName);
        Assert.Equal("SwitchIntervalMs", Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(switchIntervalMs: 1001)).ParamName);
    }

    [Fact]
    public void EachSidesWorkloadAndIterationsAreCheckedUnderItsOwnName()
    {
        var producer = Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(producerWorkload: (WorkloadKind)99));
        Assert.Equal("ProducerWorkload", producer.ParamName);
        Assert.StartsWith("ProducerWorkload '99' is not a known workload.", producer.Message);
        var consumer = Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(consumerWorkload: (WorkloadKind)99));
        Assert.Equal("ConsumerWorkload", consumer.ParamName);

        Assert.Equal("ProducerIterations", Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(producerIterations: 0)).ParamName);
        Assert.Equal("ConsumerIterations", Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(consumerIterations: 0)).ParamName);

        // Memory work holds an array of the iteration count, so its limit is lower than the others'.
        long memoryPastLimit = WorkloadSpec.MaxMemoryIterations + 1;
        Assert.NotEmpty(new ProducerConsumerPlan(producerWorkload: WorkloadKind.Cpu, producerIterations: memoryPastLimit).Grid);
        Assert.NotEmpty(new ProducerConsumerPlan(producerWorkload: WorkloadKind.Memory, producerIterations: WorkloadSpec.MaxMemoryIterations).Grid);
        Assert.Equal("ProducerIterations", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ProducerConsumerPlan(producerWorkload: WorkloadKind.Memory, producerIterations: memoryPastLimit)).ParamName);
        Assert.Equal("ProducerIterations", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ProducerConsumerPlan(producerWorkload: WorkloadKind.Cpu, producerIterations: WorkloadSpec.MaxIterations + 1)).ParamName);
    }

    [Fact]
    public void AModelThatCannotRunAPipelineIsNamedWithTheOnesThatCan()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(new[] { ConcurrencyModel.Threads, ConcurrencyModel.Processes }));

        Assert.Equal(ConcurrencyModel.Processes, error.ActualValue);
        Assert.StartsWith($"Model 'Processes' cannot run a producer/consumer pipeline; use {string.Join(", ", ProducerConsumerPlan.SupportedModels)}.", error.Message);
        Assert.Equal(new[] { ConcurrencyModel.Threads, ConcurrencyModel.GilThreads, ConcurrencyModel.EventLoop }.OrderBy(m => m), ProducerConsumerPlan.SupportedModels.OrderBy(m => m));
    }

    [Fact]
    public void ANewRowsTextColumnsAreEmptyNotNull()
    {
        var row = new ProducerConsumerResult();
        Assert.All(
            new[] { row.Workload, row.Model, row.Capacity, row.ProducerWorkload, row.ConsumerWorkload, row.TaskSize, row.ItemsPerConsumer, row.Bottleneck, row.MachineName, row.Runtime, row.OS },
            text => Assert.Equal(string.Empty, text));
    }

    [Theory]
    [InlineData("+5", 5)]
    [InlineData("-3", -3)]
    [InlineData("\tUNBOUNDED ", null)]
    public void CapacityTextAllowsASignAndAnyCase(string text, int? limit)
    {
        QueueCapacity capacity = QueueCapacity.Parse(text);
        Assert.Equal(limit, capacity.Limit);
        Assert.Equal(limit is null, capacity.IsUnbounded);
    }

    [Theory]
    [InlineData("1,000")]
    [InlineData("1e3")]
    [InlineData("")]
    public void CapacityTextThatIsNeitherSaysSo(string text)
    {
        var error = Assert.Throws<FormatException>(() => QueueCapacity.Parse(text));
        Assert.Equal($"Capacity must be a number of items or 'Unbounded'; '{text}' is neither.", error.Message);
    }

    [Fact]
    public void ACapacityIsANumberOrUnbounded()
    {
        Assert.Throws<ArgumentNullException>(() => QueueCapacity.Parse(null!));
        QueueCapacity bound = 7;
        Assert.Equal(7, bound.Limit);
        Assert.False(bound.IsUnbounded);
        Assert.Equal("7", bound.ToString());
        Assert.Null(QueueCapacity.Unbounded.Limit);
        Assert.True(QueueCapacity.Unbounded.IsUnbounded);
        Assert.Equal("Unbounded", QueueCapacity.Unbounded.ToString());
        Assert.Equal(QueueCapacity.Unbounded, QueueCapacity.Parse("unbounded"));
    }
}
