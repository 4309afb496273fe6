using System;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Queues;

/// <summary>
/// One timed run of one producer/consumer configuration: a flat row that <c>Export-Csv</c> writes in
/// full. The identifying columns carry the names of <c>WorkloadMeasurement</c> where they mean the
/// same thing (Workload, Model, Workers, TaskSize, Run, ElapsedMs, Verified, Error, MachineName), so
/// <c>Measure-Speedup -Baseline SingleWorker</c> summarizes a sweep of consumers.
/// </summary>
public sealed class ProducerConsumerResult
{
    /// <summary>The producers' and the consumers' workload, e.g. <c>Io/Io</c> or <c>Io/Cpu</c>.</summary>
    public string Workload { get; internal set; } = string.Empty;

    /// <summary>The execution model every producer and consumer runs under: Threads, GilThreads or EventLoop.</summary>
    public string Model { get; internal set; } = string.Empty;

    /// <summary>The consumers: the workers whose number a sweep varies (the same as <see cref="Consumers"/>).</summary>
    public int Workers { get; internal set; }

    /// <summary>Producer workers.</summary>
    public int Producers { get; internal set; }

    /// <summary>Consumer workers.</summary>
    public int Consumers { get; internal set; }

    /// <summary>Items to produce and consume.</summary>
    public int Items { get; internal set; }

    /// <summary>The queue's capacity: a number of items, or <c>Unbounded</c>.</summary>
    public string Capacity { get; internal set; } = string.Empty;

    /// <summary>The producers' workload kind.</summary>
    public string ProducerWorkload { get; internal set; } = string.Empty;

    /// <summary>The consumers' workload kind.</summary>
    public string ConsumerWorkload { get; internal set; } = string.Empty;

    /// <summary>Milliseconds an Io (or Mixed) producer waits per item.</summary>
    public int ProduceMs { get; internal set; }

    /// <summary>Milliseconds an Io (or Mixed) consumer waits per item.</summary>
    public int ConsumeMs { get; internal set; }

    /// <summary>
    /// Everything that identifies the configuration except the consumer count, e.g.
    /// <c>Producers=1;Capacity=10;Produce:DurationMs=10;Consume:DurationMs=50</c>: Measure-Speedup groups by it.
    /// </summary>
    public string TaskSize { get; internal set; } = string.Empty;

    /// <summary>Run number of this configuration, from 1 (warm-up runs are not emitted).</summary>
    public int Run { get; internal set; }

    /// <summary>Wall-clock time from the first producer's start until the last consumer's end, in milliseconds.</summary>
    public double ElapsedMs { get; internal set; }

    /// <summary>Items consumed per second of ElapsedMs.</summary>
    public double ThroughputPerSecond { get; internal set; }

    /// <summary>Items the producers put in the queue.</summary>
    public int ItemsProduced { get; internal set; }

    /// <summary>Items the consumers finished.</summary>
    public int ItemsConsumed { get; internal set; }

    /// <summary>Items never finished by any consumer: must be 0.</summary>
    public int Lost { get; internal set; }

    /// <summary>Extra finishes of items finished more than once: must be 0.</summary>
    public int Duplicated { get; internal set; }

    /// <summary>
    /// True when no run error, nothing lost or duplicated, and both sides' checksums (the producers' carried
    /// through the queue, the consumers' own) equal the values computed without running the work.
    /// </summary>
    public bool Verified { get; internal set; }

    /// <summary>Milliseconds the producers spent waiting on a full queue, summed over producers: back-pressure.</summary>
    public double ProducerBlockedMs { get; internal set; }

    /// <summary>Milliseconds the consumers spent waiting on an empty queue, summed over consumers.</summary>
    public double ConsumerIdleMs { get; internal set; }

    /// <summary>Milliseconds the producers spent producing, summed over producers.</summary>
    public double ProducerBusyMs { get; internal set; }

    /// <summary>Milliseconds the consumers spent consuming, summed over consumers.</summary>
    public double ConsumerBusyMs { get; internal set; }

    /// <summary>Items in the queue on average over the run (weighted by time).</summary>
    public double MeanQueueDepth { get; internal set; }

    /// <summary>The most items seen in the queue.</summary>
    public int MaxQueueDepth { get; internal set; }

    /// <summary>The smallest share of the items one consumer finished (1/Consumers when fair).</summary>
    public double MinConsumerShare { get; internal set; }

    /// <summary>The largest share of the items one consumer finished.</summary>
    public double MaxConsumerShare { get; internal set; }

    /// <summary>Items finished by each consumer in order, separated by semicolons, e.g. <c>17;17;16</c>.</summary>
    public string ItemsPerConsumer { get; internal set; } = string.Empty;

    /// <summary>Milliseconds one item costs a producer alone: ProduceMs for Io; otherwise the CPU time of one item alone (plus a Mixed item's wait), measured once per invocation.</summary>
    public double ProducerItemMs { get; internal set; }

    /// <summary>Milliseconds one item costs a consumer alone: ConsumeMs for Io; otherwise the CPU time of one item alone (plus a Mixed item's wait), measured once per invocation.</summary>
    public double ConsumerItemMs { get; internal set; }

    /// <summary>The theoretical bound: the slower side's total work divided by its workers, in milliseconds.</summary>
    public double BoundMs { get; internal set; }

    /// <summary>BoundMs / ElapsedMs: 1 means the run took no longer than its slower side had to.</summary>
    public double Efficiency { get; internal set; }

    /// <summary>The side whose workers were busier: Producers, Consumers, or Balanced when within 10 percentage points.</summary>
    public string Bottleneck { get; internal set; } = string.Empty;

    /// <summary>Distinct OS threads that ran producer or consumer work (1 for EventLoop).</summary>
    public int ThreadsUsed { get; internal set; }

    /// <summary>CPU time of the whole process during the run, in milliseconds.</summary>
    public double CpuTimeMs { get; internal set; }

    /// <summary>Bytes allocated on the managed heap during the run (process-wide).</summary>
    public long AllocatedBytes { get; internal set; }

    /// <summary>Peak working set of the process during the run, sampled every 10 ms, in bytes.</summary>
    public long PeakWorkingSetBytes { get; internal set; }

    /// <summary>Most OS threads in the process during the run, sampled every 10 ms.</summary>
    public int PeakThreadCount { get; internal set; }

    /// <summary>GilThreads only: the switch interval in milliseconds.</summary>
    public double? SwitchIntervalMs { get; internal set; }

    /// <summary>GilThreads only: how many times the interpreter lock was taken.</summary>
    public long? GilSwitches { get; internal set; }

    /// <summary>The consumers' checksums added up.</summary>
    public long Checksum { get; internal set; }

    /// <summary>The checksum the consumers must produce, computed without running their work.</summary>
    public long ExpectedChecksum { get; internal set; }

    /// <summary>The failure of the run, or null. A failed run is still a row.</summary>
    public string? Error { get; internal set; }

    /// <summary>The machine columns below, taken once for the row (see <see cref="MachineStamp"/>).</summary>
    internal MachineStamp Machine { get; set; } = MachineStamp.None;

    /// <summary>When the run started.</summary>
    public DateTimeOffset Timestamp => Machine.Timestamp;

    /// <summary>The machine that ran it.</summary>
    public string MachineName => Machine.MachineName;

    /// <summary>Logical processors of the machine.</summary>
    public int LogicalCores => Machine.LogicalCores;

    /// <summary>The .NET runtime that ran it.</summary>
    public string Runtime => Machine.Runtime;

    /// <summary>The operating system.</summary>
    public string OS => Machine.OS;
}
