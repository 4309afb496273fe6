using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// One run of a pipeline: producers take item indices from a shared counter, do the producer work of
/// each and write it to a <see cref="Channel{T}"/>, bounded or not; consumers read items and do the
/// consumer work. The last producer to finish completes the channel, and consumers end when it is empty.
/// Time spent waiting for room (blocked) and for items (idle) is clocked apart from the work itself.
/// </summary>
internal sealed class ProducerConsumerRun
{
    private readonly ProducerConsumerConfiguration _configuration;
    private readonly Workload _producerWork;
    private readonly Workload _consumerWork;
    private readonly long _producerExpected;
    private readonly Channel<Item> _channel;
    private readonly QueueDepthGauge _depth = new();
    private readonly int[] _finished;
    private readonly long[] _producerBusy;
    private readonly long[] _producerBlocked;
    private readonly long[] _consumerBusy;
    private readonly long[] _consumerIdle;
    private readonly int[] _consumed;
    private long _consumerChecksum;
    private long _deliveredChecksum;
    private int _producersLeft;

    /// <summary>A run of <paramref name="configuration"/>; <paramref name="producerExpected"/> is the producers' checksum, computed without running their work.</summary>
    public ProducerConsumerRun(ProducerConsumerConfiguration configuration, Workload producerWork, Workload consumerWork, long producerExpected)
    {
        _producerExpected = producerExpected;
        _configuration = configuration;
        _producerWork = producerWork;
        _consumerWork = consumerWork;
        _channel = configuration.Capacity.Limit is int limit
            ? Channel.CreateBounded<Item>(new BoundedChannelOptions(limit) { FullMode = BoundedChannelFullMode.Wait })
            : Channel.CreateUnbounded<Item>();
        _finished = new int[configuration.Items];
        _producerBusy = new long[configuration.Producers];
        _producerBlocked = new long[configuration.Producers];
        _consumerBusy = new long[configuration.Consumers];
        _consumerIdle = new long[configuration.Consumers];
        _consumed = new int[configuration.Consumers];
        _producersLeft = configuration.Producers;
    }

    /// <summary>
    /// Runs the pipeline and fills the measured columns of <paramref name="row"/>; returns after every
    /// thread of the run is gone. Cancellation by the caller empties the queue and throws.
    /// </summary>
    public void Execute(ProducerConsumerResult row, double switchIntervalMs, CancellationToken cancellationToken)
    {
        using var state = new RunState(_producerWork, cancellationToken);
        using var model = PipelineRunner.Create(_configuration.Model, switchIntervalMs, state.Token);
        var roles = new (string, Func<ITaskContext, Task>)[_configuration.Producers + _configuration.Consumers];
        for (int p = 0; p < _configuration.Producers; p++)
        {
            int slot = p;
            roles[p] = ($"Producer {p + 1}", context => ProduceAsync(slot, state, model, context));
        }

        for (int c = 0; c < _configuration.Consumers; c++)
        {
            int slot = c;
            roles[_configuration.Producers + c] = ($"Consumer {c + 1}", context => ConsumeAsync(slot, state, model, context));
        }

        RunMeter.Reading reading;
        using (RunMeter meter = RunMeter.Start())
        {
            try
            {
                model.Run(roles, state.Token, state.Fail);
            }
            finally
            {
                reading = meter.Stop();

                // Whatever is left after a stop or a failure is dropped, so the run holds nothing.
                while (_channel.Reader.TryRead(out _))
                {
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        Fill(row, reading, state, model);
    }

    private async Task ProduceAsync(int slot, RunState state, PipelineRunner model, ITaskContext context)
    {
        try
        {
            ChannelWriter<Item> writer = _channel.Writer;
            while (!state.Token.IsCancellationRequested && state.Queue.TryTake(out int index))
            {
                state.NoteThread();
                long started = Stopwatch.GetTimestamp();
                long checksum = await _producerWork.RunTaskAsync(index, context);
                _producerBusy[slot] += Stopwatch.GetTimestamp() - started;
                var item = new Item(index, checksum);
                while (!writer.TryWrite(item))
                {
                    long waiting = Stopwatch.GetTimestamp();
                    bool open = await model.WaitAsync(context, () => writer.WaitToWriteAsync(state.Token));
                    _producerBlocked[slot] += Stopwatch.GetTimestamp() - waiting;
                    if (!open)
                    {
                        throw new InvalidOperationException($"The queue was closed while producer {slot + 1} still had item {index}.");
                    }
                }

                _depth.Note(() => _channel.Reader.Count);
                state.Complete(checksum);
            }
        }
        catch (Exception error)
        {
            state.Fail(error);
        }
        finally
        {
            if (Interlocked.Decrement(ref _producersLeft) == 0)
            {
                _channel.Writer.TryComplete();
            }
        }
    }

    private async Task ConsumeAsync(int slot, RunState state, PipelineRunner model, ITaskContext context)
    {
        try
        {
            ChannelReader<Item> reader = _channel.Reader;
            while (true)
            {
                state.Token.ThrowIfCancellationRequested();
                if (!reader.TryRead(out Item item))
                {
                    long waiting = Stopwatch.GetTimestamp();
                    bool more = await model.WaitAsync(context, () => reader.WaitToReadAsync(state.Token));
                    _consumerIdle[slot] += Stopwatch.GetTimestamp() - waiting;
                    if (!more)
                    {
                        return;
                    }

                    continue;
                }

                _depth.Note(() => reader.Count);
                state.NoteThread();
                long started = Stopwatch.GetTimestamp();
                long checksum = await _consumerWork.RunTaskAsync(item.Index, context);
                _consumerBusy[slot] += Stopwatch.GetTimestamp() - started;
                Interlocked.Increment(ref _finished[item.Index]);
                _consumed[slot]++;
                Interlocked.Add(ref _consumerChecksum, checksum);
                Interlocked.Add(ref _deliveredChecksum, item.Checksum);
            }
        }
        catch (Exception error)
        {
            state.Fail(error);
        }
    }

    private void Fill(ProducerConsumerResult row, RunMeter.Reading reading, RunState state, PipelineRunner model)
    {
        int consumed = _consumed.Sum();
        row.ElapsedMs = Math.Round(reading.Elapsed.TotalMilliseconds, 4);
        row.ThroughputPerSecond = row.ElapsedMs > 0 ? Math.Round(consumed * 1000 / row.ElapsedMs, 4) : 0;
        row.ItemsProduced = state.Completed;
        row.ItemsConsumed = consumed;
        (row.Lost, row.Duplicated) = CountDeliveries(_finished);
        row.ProducerBusyMs = SideMs(_producerBusy);
        row.ProducerBlockedMs = SideMs(_producerBlocked);
        row.ConsumerBusyMs = SideMs(_consumerBusy);
        row.ConsumerIdleMs = SideMs(_consumerIdle);
        row.MeanQueueDepth = Math.Round(_depth.Mean(), 4);
        row.MaxQueueDepth = _depth.Max;
        row.ItemsPerConsumer = string.Join(';', _consumed.Select(n => n.ToString(CultureInfo.InvariantCulture)));
        row.MinConsumerShare = consumed > 0 ? Math.Round((double)_consumed.Min() / consumed, 6) : 0;
        row.MaxConsumerShare = consumed > 0 ? Math.Round((double)_consumed.Max() / consumed, 6) : 0;
        row.Bottleneck = FindBottleneck(row).ToString();
        row.CpuTimeMs = Math.Round(reading.CpuTime.TotalMilliseconds, 4);
        row.AllocatedBytes = reading.Counters.AllocatedBytes;
        row.PeakWorkingSetBytes = reading.PeakWorkingSetBytes;
        row.PeakThreadCount = reading.PeakThreadCount;
        row.ThreadsUsed = state.ThreadsUsed;
        row.GilSwitches = model.GilSwitches;
        row.Checksum = Interlocked.Read(ref _consumerChecksum);
        bool delivered = Interlocked.Read(ref _deliveredChecksum) == _producerExpected;
        row.Verified = state.Error is null && row.Lost == 0 && row.Duplicated == 0 && delivered && row.Checksum == row.ExpectedChecksum;
        row.Error = state.Error is { } error
            ? $"{error.GetType().Name}: {error.Message}"
            : row.Verified ? null
            : $"{row.Lost} items lost, {row.Duplicated} duplicated; " +
              $"the producers' checksums {(delivered ? "arrived intact" : "did not arrive intact")}, the consumers' checksum {row.Checksum} {(row.Checksum == row.ExpectedChecksum ? "is" : "is not")} the expected {row.ExpectedChecksum}.";
    }

    /// <summary>
    /// Items never delivered, and every delivery of an item after its first (an item delivered three times
    /// counts two): the extra work done, not the number of items it was done for.
    /// </summary>
    /// <param name="deliveries">How many times each item reached a consumer, by item index.</param>
    internal static (int Lost, int Duplicated) CountDeliveries(int[] deliveries) =>
        (deliveries.Count(n => n == 0), deliveries.Sum(n => Math.Max(0, n - 1)));

    /// <summary>
    /// The side whose workers spent the larger share of the run working; within 10 percentage points
    /// both are busy alike. Measured, not derived from the settings, so it holds for any workload.
    /// </summary>
    private static Bottleneck FindBottleneck(ProducerConsumerResult row)
    {
        if (row.ElapsedMs <= 0)
        {
            return Bottleneck.Balanced;
        }

        double producers = row.ProducerBusyMs / (row.Producers * row.ElapsedMs);
        double consumers = row.ConsumerBusyMs / (row.Consumers * row.ElapsedMs);
        return Math.Abs(producers - consumers) < 0.1 ? Bottleneck.Balanced
            : producers > consumers ? Bottleneck.Producers
            : Bottleneck.Consumers;
    }

    /// <summary>
    /// A side's clock: the stopwatch ticks of all its workers summed (a side of three consumers idle for the whole
    /// run was idle three runs long), in milliseconds to 0.1 microsecond so Export-Csv writes them exactly.
    /// </summary>
    private static double SideMs(long[] ticksByWorker) => Math.Round((double)ticksByWorker.Sum() * 1000 / Stopwatch.Frequency, 4);

    private readonly record struct Item(int Index, long Checksum);
}
