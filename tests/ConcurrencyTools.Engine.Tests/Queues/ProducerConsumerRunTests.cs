using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// One short pipeline run per model with every column of its row checked against the others and
/// against the settings; the messages of a run that is not verified; the depth gauge's mean and
/// maximum; the runner's refusal; a stop during a benchmark. Fast enough to run under mutation testing,
/// unlike the exhaustive shapes of <see cref="ProducerConsumerTests"/>.
/// </summary>
public class ProducerConsumerRunTests
{
    // Rounded columns may each be off by half their last digit.
    private const double Rounding = 0.001;

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.EventLoop)]
    public void EveryColumnOfARunAgreesWithTheSettingsAndWithTheOthers(ConcurrencyModel model)
    {
        var plan = new ProducerConsumerPlan(
            new[] { model }, new[] { 2 }, new[] { 3 }, new[] { 24 }, new[] { new QueueCapacity(2) },
            produceMs: new[] { 2 }, consumeMs: new[] { 3 }, repeat: 1, warmup: 0);
        ProducerConsumerResult row = new ProducerConsumerBenchmark(plan).Run(null, CancellationToken.None).Single();

        Assert.Null(row.Error);
        Assert.True(row.Verified);

        // The settings.
        Assert.Equal((model.ToString(), "Io/Io", 3, 2, 3, 24, "2"), (row.Model, row.Workload, row.Workers, row.Producers, row.Consumers, row.Items, row.Capacity));
        Assert.Equal(("Io", "Io", 2, 3, 1), (row.ProducerWorkload, row.ConsumerWorkload, row.ProduceMs, row.ConsumeMs, row.Run));
        Assert.Equal("Producers=2;Capacity=2;Produce:DurationMs=2;Consume:DurationMs=3", row.TaskSize);
        Assert.Equal(model == ConcurrencyModel.GilThreads ? (double?)ModelOptions.DefaultSwitchIntervalMs : null, row.SwitchIntervalMs);
        Assert.Equal(Environment.MachineName, row.MachineName);
        Assert.Equal(Environment.ProcessorCount, row.LogicalCores);

        // An Io item costs its wait; the bound is the slower side's items over its workers, 24 x 2 / 2 = 24 x 3 / 3.
        Assert.Equal((2.0, 3.0, 24.0), (row.ProducerItemMs, row.ConsumerItemMs, row.BoundMs));
        Assert.True(row.ElapsedMs > 0);
        Assert.Equal(Math.Round(row.ElapsedMs, 4), row.ElapsedMs);
        Assert.Equal(Math.Round(24.0 / row.ElapsedMs, 6), row.Efficiency);
        Assert.Equal(Math.Round(24 * 1000 / row.ElapsedMs, 4), row.ThroughputPerSecond);

        // Every item made and delivered once, and the checksums.
        Assert.Equal((24, 24, 0, 0), (row.ItemsProduced, row.ItemsConsumed, row.Lost, row.Duplicated));
        Assert.Equal(row.ExpectedChecksum, row.Checksum);
        Assert.NotEqual(0, row.Checksum);
        int[] perConsumer = row.ItemsPerConsumer.Split(';').Select(int.Parse).ToArray();
        Assert.Equal(3, perConsumer.Length);
        Assert.Equal(24, perConsumer.Sum());
        Assert.Equal(Math.Round(perConsumer.Min() / 24.0, 6), row.MinConsumerShare);
        Assert.Equal(Math.Round(perConsumer.Max() / 24.0, 6), row.MaxConsumerShare);

        // Each side's clocks run inside the run: no worker is busy, blocked or idle for longer than the run took.
        Assert.InRange(row.ProducerBusyMs, Rounding, (2 * row.ElapsedMs) + Rounding);
        Assert.InRange(row.ConsumerBusyMs, Rounding, (3 * row.ElapsedMs) + Rounding);
        Assert.InRange(row.ProducerBlockedMs, 0, (2 * row.ElapsedMs) + Rounding);
        Assert.InRange(row.ConsumerIdleMs, 0, (3 * row.ElapsedMs) + Rounding);
        Assert.InRange(row.MaxQueueDepth, 1, 2);
        Assert.InRange(row.MeanQueueDepth, 0, row.MaxQueueDepth);
        Assert.True(Enum.TryParse(row.Bottleneck, out Bottleneck _), row.Bottleneck);

        // The process's figures over the run, and the threads.
        Assert.True(row.CpuTimeMs >= 0);
        Assert.True(row.AllocatedBytes > 0, $"allocated {row.AllocatedBytes}");
        Assert.True(row.PeakWorkingSetBytes > 0);
        Assert.True(row.PeakThreadCount > 0);
        // Each role has a thread of its own (but the loop's one): every consumer that got an item, and the one
        // or two producers, which made them.
        int consumersThatWorked = perConsumer.Count(n => n > 0);
        if (model == ConcurrencyModel.EventLoop)
        {
            Assert.Equal(1, row.ThreadsUsed);
        }
        else
        {
            Assert.InRange(row.ThreadsUsed, consumersThatWorked + 1, consumersThatWorked + 2);
        }

        Assert.Equal(model == ConcurrencyModel.GilThreads, row.GilSwitches is > 0);
        Assert.Equal(model == ConcurrencyModel.GilThreads, row.GilSwitches.HasValue);
    }

    [Fact]
    public void AConsumersChecksumThatIsNotTheExpectedOneIsNotVerifiedAndSaysSo()
    {
        (ProducerConsumerConfiguration configuration, Workload producer, Workload consumer) = Sides(ConcurrencyModel.Threads);
        long expected = consumer.ExpectedChecksum();
        var row = new ProducerConsumerResult { ExpectedChecksum = expected + 1 };
        new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum()).Execute(row, 5, CancellationToken.None);

        Assert.False(row.Verified);
        Assert.Equal(expected, row.Checksum);
        Assert.Equal(
            $"0 items lost, 0 duplicated; the producers' checksums arrived intact, the consumers' checksum {expected} is not the expected {expected + 1}.",
            row.Error);
    }

    [Fact]
    public void ProducersChecksumsThatDoNotArriveIntactAreNotVerifiedAndSaySo()
    {
        (ProducerConsumerConfiguration configuration, Workload producer, Workload consumer) = Sides(ConcurrencyModel.Threads);
        long expected = consumer.ExpectedChecksum();
        var row = new ProducerConsumerResult { ExpectedChecksum = expected };
        new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum() - 1).Execute(row, 5, CancellationToken.None);

        Assert.False(row.Verified);
        Assert.Equal((0, 0, 6, 6), (row.Lost, row.Duplicated, row.ItemsProduced, row.ItemsConsumed));
        Assert.Equal(
            $"0 items lost, 0 duplicated; the producers' checksums did not arrive intact, the consumers' checksum {expected} is the expected {expected}.",
            row.Error);
    }

    [Fact]
    public void AConsumerThatFailsOnItsFirstItemLeavesARowWithNothingConsumed()
    {
        // One producer makes the items in order, so the one consumer's first item is item 0, which fails.
        var configuration = new ProducerConsumerConfiguration(
            ConcurrencyModel.Threads, 1, 1, new QueueCapacity(1), new WorkloadSpec(WorkloadKind.Io, 5), new WorkloadSpec(WorkloadKind.Io, 5));
        var producer = new ProbeWorkload(5);
        var consumer = new ProbeWorkload(5, failOn: 0);
        var row = new ProducerConsumerResult { ExpectedChecksum = consumer.ExpectedChecksum() };
        new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum()).Execute(row, 5, CancellationToken.None);

        Assert.False(row.Verified);
        Assert.Equal("InvalidOperationException: Probe task 0 fails on purpose.", row.Error);
        Assert.Equal(0, row.ItemsConsumed);
        Assert.Equal("0", row.ItemsPerConsumer);
        Assert.Equal((0.0, 0.0, 0.0), (row.MinConsumerShare, row.MaxConsumerShare, row.ThroughputPerSecond));
        Assert.Equal(5, row.Lost);
        Assert.Equal(0, row.Checksum);
    }

    [Fact]
    public void AStopDuringABenchmarkEndsItWithTheStopNotWithAnErrorRow()
    {
        // Consumers that would wait a minute per item: the stop comes while the only run is under way
        // (or, on a very slow start, before it: either way the enumeration must end with the stop, not
        // with a row of the stopped run).
        var plan = new ProducerConsumerPlan(
            new[] { ConcurrencyModel.Threads }, new[] { 1 }, new[] { 1 }, new[] { 3 }, new[] { new QueueCapacity(1) },
            produceMs: new[] { 0 }, consumeMs: new[] { 60_000 }, repeat: 1, warmup: 0);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => new ProducerConsumerBenchmark(plan).Run(null, stop.Token).ToList());

        // A hang guard: a run that ignored the stop would wait out 3 minutes of items.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads)]
    [InlineData(ConcurrencyModel.GilThreads)]
    [InlineData(ConcurrencyModel.EventLoop)]
    public void EachRoleRunsOnAThreadNamedForIt(ConcurrencyModel model)
    {
        var spec = new WorkloadSpec(WorkloadKind.Io, 12, durationMs: 1);
        var configuration = new ProducerConsumerConfiguration(model, 2, 3, new QueueCapacity(2), spec, spec);
        var producer = new NameRecordingWorkload(spec);
        var consumer = new NameRecordingWorkload(spec);
        var row = new ProducerConsumerResult { ExpectedChecksum = consumer.ExpectedChecksum() };
        new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum()).Execute(row, 5, CancellationToken.None);

        Assert.True(row.Verified, row.Error);
        string[] producers = model == ConcurrencyModel.EventLoop ? new[] { "EventLoop" } : new[] { "Producer 1", "Producer 2" };
        string[] consumers = model == ConcurrencyModel.EventLoop ? new[] { "EventLoop" } : new[] { "Consumer 1", "Consumer 2", "Consumer 3" };
        Assert.NotEmpty(producer.Names);
        Assert.NotEmpty(consumer.Names);
        Assert.All(producer.Names, name => Assert.Contains(name, producers));
        Assert.All(consumer.Names, name => Assert.Contains(name, consumers));
    }

    [Fact]
    public void TheBenchmarkNeedsAPlan() =>
        Assert.Equal("plan", Assert.Throws<ArgumentNullException>(() => new ProducerConsumerBenchmark(null!)).ParamName);

    [Theory]
    [InlineData(ConcurrencyModel.Processes)]
    [InlineData(ConcurrencyModel.Runspaces)]
    public void TheRunnerRefusesAModelThatCannotRunAPipelineNamingIt(ConcurrencyModel model)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PipelineRunner.Create(model, 5, CancellationToken.None));
        Assert.Equal("model", error.ParamName);
        Assert.StartsWith($"Model '{model}' cannot run a producer/consumer pipeline.", error.Message);
    }

    [Fact]
    public void OnlyTheInterpreterLocksRunnerCountsSwitches()
    {
        using PipelineRunner threads = PipelineRunner.Create(ConcurrencyModel.Threads, 5, CancellationToken.None);
        using PipelineRunner loop = PipelineRunner.Create(ConcurrencyModel.EventLoop, 5, CancellationToken.None);
        using PipelineRunner gil = PipelineRunner.Create(ConcurrencyModel.GilThreads, 5, CancellationToken.None);
        Assert.Null(threads.GilSwitches);
        Assert.Null(loop.GilSwitches);
        Assert.Equal(0, gil.GilSwitches);
    }

    [Fact]
    public void TheGaugeKeepsTheLargestDepthAndWeighsEachDepthByHowLongItLasted()
    {
        // Depth 0 from the gauge's start, 3 from the first note on. The mean is 3 x (time at 3) / (time in all);
        // each moment is known to lie between the clock readings taken just before and just after it, which
        // bounds the mean however the threads were scheduled.
        long beforeStart = Stopwatch.GetTimestamp();
        var gauge = new QueueDepthGauge();
        long afterStart = Stopwatch.GetTimestamp();
        Thread.Sleep(20);
        long beforeNote = Stopwatch.GetTimestamp();
        gauge.Note(() => 3);
        long afterNote = Stopwatch.GetTimestamp();
        Thread.Sleep(20);
        long beforeMean = Stopwatch.GetTimestamp();
        double mean = gauge.Mean();
        long afterMean = Stopwatch.GetTimestamp();

        double lowest = 3.0 * (beforeMean - afterNote) / (afterMean - beforeStart);
        double highest = 3.0 * (afterMean - beforeNote) / (beforeMean - afterStart);
        Assert.InRange(mean, lowest, highest);
        Assert.True(mean < 3, $"the depth was 0 for a while before the note: the mean is below 3, not {mean}");
        Assert.Equal(3, gauge.Max);

        // A smaller depth later does not lower the maximum, and lowers the mean from here on.
        gauge.Note(() => 1);
        Assert.Equal(3, gauge.Max);
        gauge.Note(() => 5);
        Assert.Equal(5, gauge.Max);
    }

    private static (ProducerConsumerConfiguration Configuration, Workload Producer, Workload Consumer) Sides(ConcurrencyModel model)
    {
        var spec = new WorkloadSpec(WorkloadKind.Io, 6, durationMs: 0);
        return (new ProducerConsumerConfiguration(model, 2, 2, new QueueCapacity(2), spec, spec), Workload.Create(spec), Workload.Create(spec));
    }

    /// <summary>An Io workload that keeps the name of every thread that ran one of its items.</summary>
    private sealed class NameRecordingWorkload : Workload
    {
        private readonly Workload _inner;

        public NameRecordingWorkload(WorkloadSpec spec)
            : base(spec) => _inner = Workload.Create(spec);

        public System.Collections.Concurrent.ConcurrentBag<string?> Names { get; } = new();

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            Names.Add(Thread.CurrentThread.Name);
            return _inner.RunTaskAsync(index, context);
        }

        public override long ExpectedChecksum(int index) => _inner.ExpectedChecksum(index);
    }
}
