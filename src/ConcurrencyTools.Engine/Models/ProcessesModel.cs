using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// Workers child processes (the native worker where one was built for this platform, else the worker
/// assembly on a .NET host), each taking task indices from the parent over its standard input, one at a
/// time, from the shared queue. All are launched at once; start-up is timed separately: the run's clock
/// starts before the first launch, and <see cref="ModelRunResult.Startup"/> ends when every worker has
/// said it is ready; tasks are handed out only after that. <see cref="ModelRunResult.Elapsed"/> ends
/// when every worker has exited and been reaped.
/// </summary>
internal sealed class ProcessesModel : ExecutionModel
{
    /// <summary>Upper bound on worker processes per run.</summary>
    public const int MaxWorkers = 256;

    private readonly WorkerHost _host;

    public ProcessesModel(WorkerHost host) => _host = host ?? throw new ArgumentNullException(nameof(host));

    public override ConcurrencyModel Model => ConcurrencyModel.Processes;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken)
    {
        if (workers > MaxWorkers)
        {
            throw new ArgumentOutOfRangeException(nameof(workers), workers, $"Processes runs at most {MaxWorkers} workers.");
        }

        var queue = new TaskQueue(workload.Spec.Tasks);
        var totals = new ChildTotals();
        var result = new ModelRunResult { WorkerHost = _host.Kind };
        Exception? error = null;

        TimeSpan cpuBefore = ProcessCpuTime();
        long started = Stopwatch.GetTimestamp();
        var pool = new WorkerPool(cancellationToken);
        try
        {
            pool.Start(workers, _host.CreateStartInfo(workload.Spec.ToArguments()), ExpectReadyAsync);
            result.Startup = Stopwatch.GetElapsedTime(started);
            pool.Drive(process => DriveAsync(process, workload, queue, totals, pool));
        }
        catch (Exception failure)
        {
            error = failure;
            pool.Fail();
        }
        finally
        {
            // The run ends when its last worker is gone, as an in-process run ends when its threads are
            // joined and CPython's `with ProcessPoolExecutor()` when its workers are: reaping the workers
            // is part of the run's time.
            pool.Dispose();
            result.Elapsed = Stopwatch.GetElapsedTime(started);
        }

        cancellationToken.ThrowIfCancellationRequested();
        result.CpuTime = ProcessCpuTime() - cpuBefore + TimeSpan.FromMilliseconds(totals.CpuMs);
        result.Checksum = totals.Checksum;
        result.CompletedTasks = totals.Completed;
        result.ThreadsUsed = totals.Threads;
        result.TaskCpu = totals.TaskCpuMs is { } taskCpu ? TimeSpan.FromMilliseconds(taskCpu) : null;
        result.TaskWall = TimeSpan.FromMilliseconds(totals.TaskWallMs);
        result.TaskRunWait = TimeSpan.FromMilliseconds(totals.TaskRunWaitMs);

        // Figures only when every worker reported them; a partial sum would understate the run.
        if (totals.Reported == workers)
        {
            result.Counters = totals.Counters;
            result.PeakWorkingSetBytes = totals.PeakWorkingSet;
            result.GcMode = totals.GcMode;
        }

        result.Error = totals.Error ?? error ??
            (totals.Completed == workload.Spec.Tasks ? null : new InvalidOperationException($"Only {totals.Completed} of {workload.Spec.Tasks} tasks completed."));
        return result;
    }

    private static async Task ExpectReadyAsync(WorkerProcess process, CancellationToken cancellationToken)
    {
        string line = await process.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (line != "ready")
        {
            throw new InvalidOperationException($"Worker process {process.Id} did not start{await process.DescribeEndAsync(line).ConfigureAwait(false)}");
        }
    }

    private static async Task DriveAsync(WorkerProcess process, Workload workload, TaskQueue queue, ChildTotals totals, WorkerPool pool)
    {
        try
        {
            while (!pool.IsStopping && queue.TryTake(out int index))
            {
                await process.SendAsync("run " + index.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                // done N CHECKSUM CPU_MS WALL_MS RUNWAIT_MS, or fail N CPU_MS WALL_MS RUNWAIT_MS MESSAGE (see WorkerServer).
                string[] reply = (await process.ReceiveAsync(pool.Stopping).ConfigureAwait(false)).Split(' ', 6);
                bool ours = reply.Length == 6 && reply[1] == index.ToString(CultureInfo.InvariantCulture);
                if (ours && reply[0] == "done")
                {
                    totals.AddTaskTimes(reply[3], reply[4], reply[5]);
                    totals.Complete(long.Parse(reply[2], CultureInfo.InvariantCulture));
                }
                else if (ours && reply[0] == "fail")
                {
                    // A failed task used CPU too.
                    totals.AddTaskTimes(reply[2], reply[3], reply[4]);
                    throw new InvalidOperationException($"Task {index} failed in worker process {process.Id}: {reply[5]}");
                }
                else
                {
                    throw new InvalidOperationException($"Worker process {process.Id} answered '{string.Join(' ', reply)}' to task {index}.");
                }
            }

            await process.SendAsync("exit").ConfigureAwait(false);
            string[] stats = (await process.ReceiveAsync(pool.Stopping).ConfigureAwait(false)).Split(' ');
            if (stats.Length != 11 || stats[0] != "stats")
            {
                throw new InvalidOperationException($"Worker process {process.Id} ended with '{string.Join(' ', stats)}'.");
            }

            totals.AddStats(
                double.Parse(stats[1], CultureInfo.InvariantCulture),
                int.Parse(stats[2], CultureInfo.InvariantCulture),
                long.Parse(stats[3], CultureInfo.InvariantCulture),
                stats[4],
                RuntimeCounters.FromWire(stats[5..]));
        }
        catch (Exception error) when (!pool.IsStopping || error is not OperationCanceledException)
        {
            if (totals.Fail(error))
            {
                pool.Fail();
            }
        }
    }

    /// <summary>Figures gathered from all workers, updated from their drivers concurrently.</summary>
    private sealed class ChildTotals
    {
        private readonly object _gate = new();
        private long _checksum;
        private int _completed;
        private double _taskCpuMs;
        private double _taskWallMs;
        private double _taskRunWaitMs;
        private bool _taskCpuMissing;

        public long Checksum => Interlocked.Read(ref _checksum);

        public int Completed => Volatile.Read(ref _completed);

        public double CpuMs { get; private set; }

        public int Threads { get; private set; }

        public long PeakWorkingSet { get; private set; }

        public Exception? Error { get; private set; }

        public void Complete(long checksum)
        {
            Interlocked.Add(ref _checksum, checksum);
            Interlocked.Increment(ref _completed);
        }

        /// <summary>The tasks' CPU as their workers' thread clocks read it; null when a worker could not read it for some task.</summary>
        public double? TaskCpuMs
        {
            get
            {
                lock (_gate)
                {
                    return _taskCpuMissing ? null : _taskCpuMs;
                }
            }
        }

        public double TaskWallMs
        {
            get
            {
                lock (_gate)
                {
                    return _taskWallMs;
                }
            }
        }

        public double TaskRunWaitMs
        {
            get
            {
                lock (_gate)
                {
                    return _taskRunWaitMs;
                }
            }
        }

        /// <summary>Adds one task's CPU, wall time and wait for a core as its worker wrote them (CPU <c>-</c> when the worker had no thread clock).</summary>
        public void AddTaskTimes(string cpuMs, string wallMs, string runWaitMs)
        {
            bool hasCpu = double.TryParse(cpuMs, NumberStyles.Float, CultureInfo.InvariantCulture, out double cpu) && cpu >= 0;
            double wall = double.Parse(wallMs, NumberStyles.Float, CultureInfo.InvariantCulture);
            double runWait = double.Parse(runWaitMs, NumberStyles.Float, CultureInfo.InvariantCulture);
            lock (_gate)
            {
                _taskCpuMs += hasCpu ? cpu : 0;
                _taskCpuMissing |= !hasCpu;
                _taskWallMs += wall;
                _taskRunWaitMs += runWait;
            }
        }

        public RuntimeCounters Counters { get; private set; }

        public string? GcMode { get; private set; }

        public int Reported { get; private set; }

        public void AddStats(double cpuMs, int threads, long peakWorkingSet, string gcMode, RuntimeCounters counters)
        {
            lock (_gate)
            {
                CpuMs += cpuMs;
                Threads += threads;
                PeakWorkingSet = Math.Max(PeakWorkingSet, peakWorkingSet);
                GcMode ??= gcMode;
                Counters = Counters.Add(counters);
                Reported++;
            }
        }

        /// <summary>Keeps the first error; returns whether this one was first.</summary>
        public bool Fail(Exception error)
        {
            lock (_gate)
            {
                if (Error is not null)
                {
                    return false;
                }

                Error = error;
                return true;
            }
        }
    }
}
