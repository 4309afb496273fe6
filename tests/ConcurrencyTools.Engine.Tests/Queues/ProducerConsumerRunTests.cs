using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
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

    // How long a test's workers wait for each other before they go on regardless (then its assertions say why).
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

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

        // Back to 0: the time at 3 now ends at this note, and counts when the depth ends, not only when it is read.
        long beforeFall = Stopwatch.GetTimestamp();
        gauge.Note(() => 0);
        long afterFall = Stopwatch.GetTimestamp();
        Thread.Sleep(10);
        beforeMean = Stopwatch.GetTimestamp();
        mean = gauge.Mean();
        afterMean = Stopwatch.GetTimestamp();
        Assert.InRange(mean, 3.0 * (beforeFall - afterNote) / (afterMean - beforeStart), 3.0 * (afterFall - beforeNote) / (beforeMean - afterStart));

        // A smaller depth later does not lower the maximum.
        gauge.Note(() => 1);
        Assert.Equal(3, gauge.Max);
        gauge.Note(() => 5);
        Assert.Equal(5, gauge.Max);
    }

    [Fact]
    public void UnevenConsumersEachGetTheirShareAndEachSidesTimesAreSummedOverItsWorkers()
    {
        // Producer items 0 and 1 meet (each waits until the other has begun), so both producers work at once; every
        // producer item then takes 20 ms. The first item a consumer takes, whichever it is, waits until the three others
        // are done: the consumer that took it consumes only it, the other consumer the three others, each in 20 ms.
        // (Not item 0: a producer may be held up so long that item 1 is consumed before item 0 is in the queue.)
        using var met = new CountdownEvent(2);
        using var othersDone = new CountdownEvent(3);
        int taken = 0;
        var producer = new TimedWorkload(4, index =>
        {
            if (index < 2)
            {
                met.Signal();
                met.Wait(HangGuard);
            }

            Thread.Sleep(20);
        });
        var consumer = new TimedWorkload(4, _ =>
        {
            if (Interlocked.Increment(ref taken) == 1)
            {
                othersDone.Wait(HangGuard);
                return;
            }

            Thread.Sleep(20);
            othersDone.Signal();
        });
        var configuration = new ProducerConsumerConfiguration(ConcurrencyModel.Threads, 2, 2, QueueCapacity.Unbounded, producer.Spec, consumer.Spec);
        var row = new ProducerConsumerResult { ExpectedChecksum = consumer.ExpectedChecksum() };
        new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum()).Execute(row, 5, CancellationToken.None);

        Assert.True(row.Verified, row.Error);
        Assert.Equal(new[] { 1, 3 }, row.ItemsPerConsumer.Split(';').Select(int.Parse).Order());
        Assert.Equal((0.25, 0.75), (row.MinConsumerShare, row.MaxConsumerShare));

        // Each item's work, timed from inside, lies within the time its worker was clocked busy for it, and a side's
        // busy time is the sum over its workers: at least the items' own times summed, more than any one worker's.
        Assert.True(row.ProducerBusyMs >= producer.TimedMs - Rounding, $"producers busy {row.ProducerBusyMs} ms, their items took {producer.TimedMs} ms");
        Assert.True(row.ConsumerBusyMs >= consumer.TimedMs - Rounding, $"consumers busy {row.ConsumerBusyMs} ms, their items took {consumer.TimedMs} ms");
    }

    [Fact]
    public void TheDepthFallsAsConsumersTakeItemsNotOnlyWhenProducersAddThem()
    {
        // One producer adds 4 items at once; one consumer takes them in order, 30 ms each. From the consumer's k-th
        // item on (0-based), at most 3 - k are left in the queue, whoever reads the depth: that bounds the mean from
        // above, with the clock readings taken around the run and the consumer's own.
        var producer = new TimedWorkload(4, _ => { });
        var consumer = new TimedWorkload(4, _ => Thread.Sleep(30));
        var configuration = new ProducerConsumerConfiguration(ConcurrencyModel.Threads, 1, 1, QueueCapacity.Unbounded, producer.Spec, consumer.Spec);
        var row = new ProducerConsumerResult { ExpectedChecksum = consumer.ExpectedChecksum() };
        long beforeGauge = Stopwatch.GetTimestamp();
        var run = new ProducerConsumerRun(configuration, producer, consumer, producer.ExpectedChecksum());
        long afterGauge = Stopwatch.GetTimestamp();
        run.Execute(row, 5, CancellationToken.None);

        Assert.True(row.Verified, row.Error);
        long[] starts = Enumerable.Range(0, 4).Select(k => consumer.Times[k].Start).ToArray();
        double area = (4.0 * (starts[0] - beforeGauge)) + (3.0 * (starts[1] - starts[0])) + (2.0 * (starts[2] - starts[1])) + (starts[3] - starts[2]);
        double highest = area / (consumer.Times[3].End - afterGauge);
        Assert.InRange(row.MeanQueueDepth, 0, highest + Rounding);
        Assert.InRange(row.MaxQueueDepth, 1, 4);
    }

    [Fact]
    public void AFailedRunIsNotVerifiedEvenWhenItsChecksumsCannotTell()
    {
        // Items whose checksums are all 0: a lost item changes no sum, so only the error and the lost count can say
        // that this run went wrong.
        var producer = new TimedWorkload(3, _ => { }, zeroChecksums: true);
        var consumer = new TimedWorkload(3, index => throw new InvalidOperationException($"item {index} fails on purpose"), zeroChecksums: true);
        var configuration = new ProducerConsumerConfiguration(ConcurrencyModel.Threads, 1, 1, new QueueCapacity(1), producer.Spec, consumer.Spec);
        var row = new ProducerConsumerResult { ExpectedChecksum = 0 };
        new ProducerConsumerRun(configuration, producer, consumer, 0).Execute(row, 5, CancellationToken.None);

        Assert.Equal((0L, 0L), (row.Checksum, row.ExpectedChecksum));
        Assert.Equal(0, row.Duplicated);
        Assert.InRange(row.Lost, 1, 3);
        Assert.Equal("InvalidOperationException: item 0 fails on purpose", row.Error);
        Assert.False(row.Verified);
    }

    [Fact]
    public void AnItemCostsItsCpuTimeAloneAndAMixedItemItsWaitBesides()
    {
        // A Mixed item waits 50 ms (100 ms at CpuFraction 0.5) after a little computing; a Cpu item never waits (its
        // 1000 ms would be a wait of 500 ms were it Mixed). Both sides' item costs are
        // measured on this thread, the best of three runs each: three runs of each fit in the CPU time this thread
        // spends on the whole benchmark. This thread first uses 200 ms of CPU, so that a cost read as a sum of clock
        // readings instead of a difference cannot pass for one.
        double spinUntil = 200;
        while (ThreadCpuClock.NowMs() < spinUntil)
        {
            Thread.SpinWait(1000);
        }

        var plan = new ProducerConsumerPlan(
            new[] { ConcurrencyModel.Threads }, new[] { 1 }, new[] { 1 }, new[] { 2 }, new[] { new QueueCapacity(2) },
            produceMs: new[] { 1000 }, consumeMs: new[] { 100 }, producerWorkload: WorkloadKind.Cpu, consumerWorkload: WorkloadKind.Mixed,
            producerIterations: 1_000_000, consumerIterations: 20_000, repeat: 1, warmup: 0);
        double cpuBefore = ThreadCpuClock.NowMs();
        ProducerConsumerResult row = new ProducerConsumerBenchmark(plan).Run(null, CancellationToken.None).Single();
        double cpuSpent = ThreadCpuClock.NowMs() - cpuBefore;

        Assert.True(row.Verified, row.Error);
        Assert.True(ThreadCpuClock.IsThreadTime, "this test needs the thread's CPU clock (Linux)");
        Assert.True(row.ProducerItemMs > 0, $"a Cpu item cost {row.ProducerItemMs} ms");
        Assert.True(row.ConsumerItemMs >= 50, $"a Mixed item cost {row.ConsumerItemMs} ms, less than its 50 ms wait");
        double computing = row.ProducerItemMs + (row.ConsumerItemMs - 50);
        Assert.True(computing <= (cpuSpent / 3) + Rounding, $"items cost {row.ProducerItemMs} and {row.ConsumerItemMs} ms; this thread spent {cpuSpent} ms of CPU in all");
    }

    private static (ProducerConsumerConfiguration Configuration, Workload Producer, Workload Consumer) Sides(ConcurrencyModel model)
    {
        var spec = new WorkloadSpec(WorkloadKind.Io, 6, durationMs: 0);
        return (new ProducerConsumerConfiguration(model, 2, 2, new QueueCapacity(2), spec, spec), Workload.Create(spec), Workload.Create(spec));
    }

    /// <summary>
    /// A side whose items run <c>body</c> on the worker's thread, each timed from inside (the stopwatch readings at its
    /// start and end); its checksums are index + 1, or all 0.
    /// </summary>
    private sealed class TimedWorkload(int items, Action<int> body, bool zeroChecksums = false)
        : Workload(new WorkloadSpec(WorkloadKind.Io, items, durationMs: 0))
    {
        public ConcurrentDictionary<int, (long Start, long End)> Times { get; } = new();

        /// <summary>The items' own times summed, in milliseconds.</summary>
        public double TimedMs => Times.Values.Sum(t => (t.End - t.Start) * 1000.0 / Stopwatch.Frequency);

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            long start = Stopwatch.GetTimestamp();
            body(index);
            Times[index] = (start, Stopwatch.GetTimestamp());
            return new ValueTask<long>(ExpectedChecksum(index));
        }

        public override long ExpectedChecksum(int index) => zeroChecksums ? 0 : index + 1;
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
