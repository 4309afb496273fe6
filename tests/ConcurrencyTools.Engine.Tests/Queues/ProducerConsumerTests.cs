using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ProducerConsumerTests
{
    public static IEnumerable<object[]> ModelsAndShapes() =>
        from model in ProducerConsumerPlan.SupportedModels
        from shape in new[] { (1, 1, "1"), (1, 4, "2"), (3, 2, "1"), (4, 4, "Unbounded"), (2, 3, "1000") }
        select new object[] { model, shape.Item1, shape.Item2, shape.Item3 };

    [Theory]
    [MemberData(nameof(ModelsAndShapes))]
    public void EveryItemIsProducedAndConsumedExactlyOnce(ConcurrencyModel model, int producers, int consumers, string capacity)
    {
        // Zero-length waits make hand-offs as dense as they get; 1 ms ones interleave the sides.
        var plan = new ProducerConsumerPlan(
            new[] { model }, new[] { producers }, new[] { consumers }, new[] { 150 }, new[] { QueueCapacity.Parse(capacity) },
            produceMs: new[] { 0, 1 }, consumeMs: new[] { 0, 1 }, repeat: 3, warmup: 0);
        List<ProducerConsumerResult> rows = new ProducerConsumerBenchmark(plan).Run(null, CancellationToken.None).ToList();

        Assert.Equal(4 * 3, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Null(row.Error);
            Assert.True(row.Verified);
            Assert.Equal((150, 150, 0, 0), (row.ItemsProduced, row.ItemsConsumed, row.Lost, row.Duplicated));
            Assert.Equal(row.ExpectedChecksum, row.Checksum);
            int[] perConsumer = row.ItemsPerConsumer.Split(';').Select(int.Parse).ToArray();
            Assert.Equal(consumers, perConsumer.Length);
            Assert.Equal(150, perConsumer.Sum());
            Assert.Equal(perConsumer.Min() / 150.0, row.MinConsumerShare, 6);
            Assert.Equal(perConsumer.Max() / 150.0, row.MaxConsumerShare, 6);
            if (capacity != "Unbounded")
            {
                Assert.InRange(row.MaxQueueDepth, 1, int.Parse(capacity));
            }

            Assert.InRange(row.MeanQueueDepth, 0, row.MaxQueueDepth);
            // Threads that ran work: one loop thread, or at most a thread per worker (an idle consumer runs none).
            Assert.InRange(row.ThreadsUsed, 1, model == ConcurrencyModel.EventLoop ? 1 : producers + consumers);
            Assert.Equal(model == ConcurrencyModel.GilThreads, row.GilSwitches.HasValue);
        });
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.EventLoop)]
    public void CpuBoundWorkOnBothSidesIsConservedToo(ConcurrencyModel model)
    {
        var plan = new ProducerConsumerPlan(
            new[] { model }, new[] { 2 }, new[] { 3 }, new[] { 40 }, new[] { new QueueCapacity(3) },
            producerWorkload: WorkloadKind.Cpu, consumerWorkload: WorkloadKind.Mixed, producerIterations: 20_000, consumerIterations: 20_000,
            consumeMs: new[] { 2 }, repeat: 2, warmup: 0);
        List<ProducerConsumerResult> rows = new ProducerConsumerBenchmark(plan).Run(null, CancellationToken.None).ToList();

        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.True(row.Verified, row.Error);
            Assert.Equal("Cpu/Mixed", row.Workload);
            Assert.Equal("Producers=2;Capacity=3;Produce:Iterations=20000;Consume:Iterations=20000;DurationMs=2;CpuFraction=0.5", row.TaskSize);
            Assert.True(row.ProducerItemMs > 0 && row.ConsumerItemMs >= 1, $"{row.ProducerItemMs} {row.ConsumerItemMs}");
        });
    }

    public static IEnumerable<object[]> ModelsAndSlowSides() =>
        from model in ProducerConsumerPlan.SupportedModels
        from side in new[] { "Consumers", "Producers" }
        select new object[] { model, side };

    [Theory]
    [MemberData(nameof(ModelsAndSlowSides))]
    public void TheSlowSideIsTheBottleneck(ConcurrencyModel model, string slow)
    {
        // Slow consumers fill a small queue and push back on the producers; a slow producer leaves consumers idle.
        ProducerConsumerResult row = slow == "Consumers"
            ? RunOnce(model, producers: 2, consumers: 1, items: 16, capacity: new QueueCapacity(2), produceMs: 1, consumeMs: 25)
            : RunOnce(model, producers: 1, consumers: 3, items: 12, capacity: new QueueCapacity(10), produceMs: 25, consumeMs: 1);

        Assert.True(row.Verified, row.Error);
        Assert.Equal(slow, row.Bottleneck);
        string times = $"blocked {row.ProducerBlockedMs} idle {row.ConsumerIdleMs}";
        Assert.True(slow == "Consumers" ? row.ProducerBlockedMs > row.ConsumerIdleMs : row.ConsumerIdleMs > row.ProducerBlockedMs, times);
        Assert.Equal(slow == "Consumers" ? 16 * 25 : 12 * 25, row.BoundMs);
        Assert.InRange(row.MaxQueueDepth, 1, slow == "Consumers" ? 2 : 10);
    }

    [Fact]
    public void EquallyBusySidesAreBalanced()
    {
        // The sides' busy shares are measured, and a loaded machine oversleeps one side or the other now
        // and then; so up to three runs, of which one must come out Balanced (a rule that cannot say
        // Balanced for equal sides fails all three).
        var seen = new List<string>();
        for (int attempt = 0; attempt < 3 && !seen.Contains("Balanced"); attempt++)
        {
            ProducerConsumerResult row = RunOnce(ConcurrencyModel.Threads, producers: 1, consumers: 1, items: 12, capacity: new QueueCapacity(4), produceMs: 20, consumeMs: 20);
            Assert.True(row.Verified, row.Error);
            seen.Add(row.Bottleneck);
        }

        Assert.Contains("Balanced", seen);
    }

    [Fact]
    public void AnUnboundedQueueLetsTheBacklogGrowWhereABoundedOneBlocks()
    {
        ProducerConsumerResult bounded = RunOnce(ConcurrencyModel.Threads, 1, 1, 20, new QueueCapacity(2), produceMs: 0, consumeMs: 15);
        ProducerConsumerResult unbounded = RunOnce(ConcurrencyModel.Threads, 1, 1, 20, QueueCapacity.Unbounded, produceMs: 0, consumeMs: 15);

        Assert.True(bounded.Verified && unbounded.Verified);
        Assert.InRange(bounded.MaxQueueDepth, 1, 2);
        Assert.True(bounded.ProducerBlockedMs > 0);
        Assert.True(unbounded.MaxQueueDepth > 2, $"max depth {unbounded.MaxQueueDepth}");
        Assert.Equal(0, unbounded.ProducerBlockedMs);
        Assert.Equal("Unbounded", unbounded.Capacity);
    }

    [Fact]
    public void RunsAreInterleavedAndWorkersIsTheConsumerCount()
    {
        var plan = new ProducerConsumerPlan(consumers: new[] { 1, 2 }, items: new[] { 4 }, produceMs: new[] { 0 }, consumeMs: new[] { 1 }, repeat: 2, warmup: 1);
        var progress = new List<MeasurementProgress>();
        List<ProducerConsumerResult> rows = new ProducerConsumerBenchmark(plan).Run(new Progress(progress), CancellationToken.None).ToList();

        Assert.Equal(new[] { (1, 1), (2, 1), (1, 2), (2, 2) }, rows.Select(r => (r.Workers, r.Run)));
        Assert.All(rows, r => Assert.Equal(r.Consumers, r.Workers));
        Assert.Equal(6, plan.TotalRuns);
        Assert.Equal(Enumerable.Range(0, 6), progress.Select(p => p.RunsDone));
        Assert.Equal(new[] { MeasurementPhase.Warmup, MeasurementPhase.Warmup, MeasurementPhase.Run, MeasurementPhase.Run, MeasurementPhase.Run, MeasurementPhase.Run }, progress.Select(p => p.Phase));
    }

    [Theory]
    [InlineData("Capacity", 0)]
    [InlineData("Capacity", -5)]
    [InlineData("Producers", 0)]
    [InlineData("Consumers", 1001)]
    [InlineData("Items", 0)]
    [InlineData("ProduceMs", -1)]
    [InlineData("Repeat", 0)]
    public void BadSettingsNameTheirParameter(string name, int value)
    {
        int[] one = { value };
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => name switch
        {
            "Capacity" => new ProducerConsumerPlan(capacities: new[] { new QueueCapacity(value) }),
            "Producers" => new ProducerConsumerPlan(producers: one),
            "Consumers" => new ProducerConsumerPlan(consumers: one),
            "Items" => new ProducerConsumerPlan(items: one),
            "ProduceMs" => new ProducerConsumerPlan(produceMs: one),
            _ => new ProducerConsumerPlan(repeat: value),
        });
        Assert.Equal(name, error.ParamName);
        Assert.Equal(value, error.ActualValue);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Processes)]
    [InlineData(ConcurrencyModel.Sequential)]
    [InlineData(ConcurrencyModel.ThreadPool)]
    public void ModelsThatCannotRunAPipelineAreRejected(ConcurrencyModel model)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(new[] { model }));
        Assert.Equal("Model", error.ParamName);
    }

    [Theory]
    [InlineData("10", 10)]
    [InlineData(" 3 ", 3)]
    [InlineData("Unbounded", null)]
    [InlineData("unbounded", null)]
    [InlineData("0", 0)]
    public void CapacityReadsNumbersAndUnbounded(string text, int? limit)
    {
        QueueCapacity capacity = QueueCapacity.Parse(text);
        Assert.Equal(limit, capacity.Limit);
        Assert.Equal(text.Trim() == "unbounded" ? "Unbounded" : text.Trim(), capacity.ToString());
    }

    [Fact]
    public void CapacityRejectsOtherText() => Assert.Throws<FormatException>(() => QueueCapacity.Parse("ten"));

    [Theory]
    [MemberData(nameof(ModelsAndSlowSides))]
    public void AFailingWorkerIsARowWithItsErrorNotAHang(ConcurrencyModel model, string failing)
    {
        var configuration = Configuration(model, producers: 2, consumers: 2, items: 30, new QueueCapacity(3));
        var producer = new ProbeWorkload(30, waitMs: 1, failOn: failing == "Producers" ? 4 : -1);
        var consumer = new ProbeWorkload(30, waitMs: 1, failOn: failing == "Consumers" ? 7 : -1);
        var row = new ProducerConsumerResult { ExpectedChecksum = consumer.ExpectedChecksum() };
        Task run = Task.Run(() => new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum()).Execute(row, 5, CancellationToken.None));

        // The failure stops the other workers too: the run ends, as a row.
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), "the run hung");
        Assert.False(row.Verified);
        Assert.Contains($"Probe task {(failing == "Producers" ? 4 : 7)} fails on purpose", row.Error);
        Assert.True(row.Lost > 0);
        Assert.InRange(row.ItemsProduced, failing == "Producers" ? 0 : 1, failing == "Producers" ? 29 : 30);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.EventLoop)]
    public void CancellationWhileProducersWaitForRoomStopsEveryThread(ConcurrencyModel model)
    {
        // Consumers that would wait a minute per item, a queue kept full by a fast producer.
        var configuration = Configuration(model, producers: 2, consumers: 3, items: 50, new QueueCapacity(4));
        var producer = new ThreadRecordingWorkload(50, waitMs: 0);
        var consumer = new ThreadRecordingWorkload(50, waitMs: 60_000);
        var run = new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum());
        using var cancellation = new CancellationTokenSource();
        Task execute = Task.Run(() => run.Execute(new ProducerConsumerResult(), 5, cancellation.Token));

        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        // 3 items with the consumers, 4 in the queue, one in each producer's hand: both producers are
        // about to wait for room (or waiting) when the run is stopped.
        while ((consumer.Started < 3 || producer.Started < 9) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(3, consumer.Started);
        Assert.Equal(9, producer.Started);
        Thread.Sleep(200);
        cancellation.Cancel();
        Assert.True(((Func<bool>)(() =>
        {
            try
            {
                return execute.Wait(TimeSpan.FromSeconds(20));
            }
            catch (AggregateException error) when (error.InnerException is OperationCanceledException)
            {
                return true;
            }
        }))(), "the run did not stop");
        Assert.True(execute.IsCanceled || execute.Exception?.InnerException is OperationCanceledException);

        // Execute returns only once its threads have ended: every thread that ran work is dead.
        Assert.NotEmpty(producer.Threads.Concat(consumer.Threads));
        Assert.All(producer.Threads.Concat(consumer.Threads), thread => Assert.False(thread.IsAlive, thread.Name));
        Assert.Equal(0, consumer.Running);
    }

    [Fact]
    public void EveryExtraDeliveryCountsNotEveryDuplicatedItem()
    {
        // Item 1 twice, item 2 three times, item 3 never: 1 + 2 extra deliveries, of 2 items; 1 lost.
        Assert.Equal((1, 3), ProducerConsumerRun.CountDeliveries(new[] { 1, 2, 3, 0, 1 }));
        Assert.Equal((0, 0), ProducerConsumerRun.CountDeliveries(new[] { 1, 1, 1 }));
        Assert.Equal((2, 0), ProducerConsumerRun.CountDeliveries(new[] { 0, 1, 0 }));
    }

    private static ProducerConsumerResult RunOnce(ConcurrencyModel model, int producers, int consumers, int items, QueueCapacity capacity, int produceMs, int consumeMs)
    {
        var plan = new ProducerConsumerPlan(
            new[] { model }, new[] { producers }, new[] { consumers }, new[] { items }, new[] { capacity },
            new[] { produceMs }, new[] { consumeMs }, repeat: 1, warmup: 0);
        return new ProducerConsumerBenchmark(plan).Run(null, CancellationToken.None).Single();
    }

    private static ProducerConsumerConfiguration Configuration(ConcurrencyModel model, int producers, int consumers, int items, QueueCapacity capacity) =>
        new(model, producers, consumers, capacity, new WorkloadSpec(WorkloadKind.Io, items), new WorkloadSpec(WorkloadKind.Io, items));

    private sealed class Progress : IProgress<MeasurementProgress>
    {
        private readonly List<MeasurementProgress> _reports;

        public Progress(List<MeasurementProgress> reports) => _reports = reports;

        public void Report(MeasurementProgress value) => _reports.Add(value);
    }

    /// <summary>Waits per item and keeps every thread that ran an item, and how many items are running now.</summary>
    private sealed class ThreadRecordingWorkload : Workload
    {
        private readonly int _waitMs;
        private int _started;
        private int _running;

        public ThreadRecordingWorkload(int tasks, int waitMs)
            : base(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: waitMs)) => _waitMs = waitMs;

        public ConcurrentBag<Thread> Threads { get; } = new();

        public int Started => Volatile.Read(ref _started);

        public int Running => Volatile.Read(ref _running);

        public override async ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            Threads.Add(Thread.CurrentThread);
            Interlocked.Increment(ref _started);
            Interlocked.Increment(ref _running);
            try
            {
                await context.WaitAsync(_waitMs);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }

            return Mix(index);
        }

        public override long ExpectedChecksum(int index) => Mix(index);
    }
}
