using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The rules of the models' parts that the model runs do not pin: the interpreter lock's checks and
/// interval, a checkpoint outside the lock, the lock of a thread stopped while it queued, and the
/// catalog's lookups and their messages.
/// </summary>
public class ModelRulesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void TheLocksSwitchIntervalMustBePositive(int milliseconds)
    {
        // The model checks the interval first; the lock checks it again for its other callers.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GilScheduler(TimeSpan.FromMilliseconds(milliseconds), CancellationToken.None));
        Assert.Equal("switchInterval", error.ParamName);
        Assert.StartsWith("The switch interval must be positive.", error.Message);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-0.5)]
    public void AnInfiniteOrNegativeSwitchIntervalIsRejectedNamingIt(double interval)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExecutionModel.Create(ConcurrencyModel.GilThreads, new ModelOptions { SwitchIntervalMs = interval }));
        Assert.Equal("switchIntervalMs", error.ParamName);
        Assert.StartsWith("SwitchIntervalMs must be a positive number.", error.Message);
    }

    [Fact]
    public void ASmallPositiveSwitchIntervalIsAccepted()
    {
        Assert.Equal(ConcurrencyModel.GilThreads, ExecutionModel.Create(ConcurrencyModel.GilThreads, new ModelOptions { SwitchIntervalMs = 0.001 }).Model);
        Assert.Equal(5.0, new ModelOptions().SwitchIntervalMs);
    }

    [Fact]
    public void AHolderKeepsTheLockAtItsCheckpointsUntilTheWaitersIntervalHasRunOut()
    {
        // An interval of an hour: however slow the machine, the thousand checkpoints below end long before it,
        // so the holder must not drop the lock at any of them (a deadline not an hour away would let it).
        using var gil = new GilScheduler(TimeSpan.FromHours(1), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task waiter = GilSchedulerTests.StartWaiter(gil, holders, "waiter", turns: 1);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 1);

        for (int i = 0; i < 1000; i++)
        {
            gil.Checkpoint();
        }

        Assert.Equal(0, gil.ForcedDrops);
        Assert.Equal(1, gil.Waiting);
        lock (holders)
        {
            Assert.Empty(holders);
        }

        // Let go by hand, the lock goes to the waiter.
        gil.Release();
        Assert.True(waiter.Wait(Patience));
        Assert.Equal(new[] { "waiter" }, holders);
        Assert.Equal(2, gil.Switches);
        Assert.Equal(0, gil.Violations);
    }

    [Fact]
    public void ATakerWithOthersStillWaitingGetsAWholeIntervalBeforeItIsAskedToDrop()
    {
        // Two threads queue behind the holder; the first gets the lock when the holder lets it go, with the
        // second still waiting. The second's wait starts then, so with an interval of an hour the new holder's
        // checkpoints must not drop the lock (a deadline taken from the past would drop it at the first one).
        using var gil = new GilScheduler(TimeSpan.FromHours(1), CancellationToken.None);
        var holders = new List<string>();
        long dropsSeenByFirst = -1;
        gil.Acquire();
        Task first = Task.Factory.StartNew(
            () =>
            {
                gil.Acquire();
                GilSchedulerTests.Record(holders, "first");
                for (int i = 0; i < 100; i++)
                {
                    gil.Checkpoint();
                }

                dropsSeenByFirst = gil.ForcedDrops;
                gil.Release();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 1);
        Task second = GilSchedulerTests.StartWaiter(gil, holders, "second", turns: 1);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 2);

        gil.Release();
        Assert.True(Task.WaitAll(new[] { first, second }, Patience));
        Assert.Equal(0, dropsSeenByFirst);
        Assert.Equal(new[] { "first", "second" }, holders);
        Assert.Equal(0, gil.Violations);
    }

    [Fact]
    public void ASecondWaiterDoesNotPutOffTheFirstWaitersTurn()
    {
        // The first waiter's interval runs out (a sleep longer than it); a second waiter queuing then must not
        // restart the interval, so the holder's next checkpoint drops the lock. The interval is long enough
        // (2 s) that the checkpoint comes well within an interval of the second waiter's arrival.
        using var gil = new GilScheduler(TimeSpan.FromSeconds(2), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task first = GilSchedulerTests.StartWaiter(gil, holders, "first", turns: 1);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 1);
        Thread.Sleep(2500);
        Task second = GilSchedulerTests.StartWaiter(gil, holders, "second", turns: 1);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 2);

        gil.Checkpoint();
        Assert.Equal(1, gil.ForcedDrops);
        Assert.True(Task.WaitAll(new[] { first, second }, Patience));
        Assert.Equal(new[] { "first", "second" }, holders.Take(2));
        gil.Release();
    }

    [Fact]
    public void AGilThreadComputingAloneStopsAtItsFirstCheckpointAfterTheRunIsStopped()
    {
        // Nobody else waits for the lock, so it is never dropped: the stop must be seen at the task's own
        // checkpoints. The task goes on (and ends by itself) only if a thousand checkpoints let it.
        using var stop = new CancellationTokenSource();
        var workload = new CheckpointCountingWorkload(stop);
        Assert.ThrowsAny<OperationCanceledException>(() => ExecutionModel.Create(ConcurrencyModel.GilThreads).Run(workload, 1, stop.Token));
        Assert.InRange(workload.CheckpointsAfterTheStop, 0, 1);
    }

    [Theory]
    [InlineData(ConcurrencyModel.Threads, "Threads worker")]
    [InlineData(ConcurrencyModel.GilThreads, "GilThreads worker")]
    [InlineData(ConcurrencyModel.EventLoop, "EventLoop")]
    public void TheThreadsThatRanTasksAreTheModelsNamedWorkers(ConcurrencyModel model, string name)
    {
        var workload = new ThreadNameWorkload(12);
        ModelRunResult result = ExecutionModel.Create(model).Run(workload, 3, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.NotEmpty(workload.Names);
        Assert.All(workload.Names, n => Assert.Contains(n, new[] { $"{name} 1", $"{name} 2", $"{name} 3" }));
    }

    // Every entry in full: what it runs, what it runs by default, and its worker limit (W workloads, S script blocks, P pipelines).
    [Theory]
    [InlineData(ConcurrencyModel.Sequential, "W S", "W S", WorkloadSpec.MaxTasks)]
    [InlineData(ConcurrencyModel.Threads, "W P", "W P", ModelCatalog.MaxThreadWorkers)]
    [InlineData(ConcurrencyModel.ThreadPool, "W", "W", WorkloadSpec.MaxTasks)]
    [InlineData(ConcurrencyModel.EventLoop, "W P", "W P", WorkloadSpec.MaxTasks)]
    [InlineData(ConcurrencyModel.Runspaces, "S", "S", 0)]
    [InlineData(ConcurrencyModel.ForEachParallel, "S", "S", 0)]
    [InlineData(ConcurrencyModel.ThreadJob, "S", "", 0)]
    [InlineData(ConcurrencyModel.Jobs, "S", "", 0)]
    [InlineData(ConcurrencyModel.Processes, "W S", "W", 256)]
    [InlineData(ConcurrencyModel.GilThreads, "W P", "W P", 10_000)]
    public void EachCatalogEntryRunsWhatItShould(ConcurrencyModel model, string runs, string byDefault, int maxWorkers)
    {
        static ModelUses Uses(string letters) => letters.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate(ModelUses.None, (uses, letter) => uses | letter switch { "W" => ModelUses.Workloads, "S" => ModelUses.ScriptBlocks, _ => ModelUses.Pipelines });

        ModelEntry entry = ModelCatalog.Of(model);
        Assert.Equal((Uses(runs), Uses(byDefault), maxWorkers), (entry.Runs, entry.ByDefault, entry.MaxWorkers));
    }

    [Fact]
    public void ACheckpointOutsideTheLockIsAViolationAndHandsNothingOver()
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task waiter = GilSchedulerTests.StartWaiter(gil, holders, "waiter", turns: 1);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 1);

        // The waiter's interval has run out (a sleep of 50 intervals), so a holder's checkpoint would drop the lock;
        // a thread that does not hold it must not give it away, nor queue for it.
        Thread.Sleep(50);
        var intruder = new Thread(gil.Checkpoint);
        intruder.Start();
        Assert.True(intruder.Join(Patience));
        Assert.Equal(1, gil.Violations);
        Assert.Equal(0, gil.ForcedDrops);
        Assert.Equal(1, gil.Waiting);
        lock (holders)
        {
            Assert.Empty(holders);
        }

        // The holder is still the only one inside: its own checkpoint is no violation, and it hands the lock over.
        gil.Checkpoint();
        Assert.Equal(1, gil.Violations);
        Assert.Equal(1, gil.ForcedDrops);
        Assert.True(waiter.Wait(Patience));
        Assert.Equal(new[] { "waiter" }, holders);
        Assert.Equal(3, gil.Switches);
        gil.Release();
    }

    [Fact]
    public void AStoppedRunGivesTheLockToNobodyEvenWhenItIsFree()
    {
        using var stop = new CancellationTokenSource();
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(5), stop.Token);
        stop.Cancel();
        Assert.Throws<OperationCanceledException>(gil.Acquire);
        Assert.Equal(0, gil.Switches);
        Assert.Equal(0, gil.MaxConcurrent);
    }

    [Fact]
    public void AThreadStoppedWhileItQueuedAfterADropDoesNotLetGoOfTheLockItNoLongerHolds()
    {
        // A worker computes holding the lock; the test thread asks for it and gets it at the worker's next
        // checkpoint, and the worker queues behind. Stopped while it queues, the worker ends without the lock:
        // it must not release the lock the test thread holds.
        using var stop = new CancellationTokenSource();
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), stop.Token);
        using var holding = new ManualResetEventSlim();
        Exception? failure = null;
        var worker = new Thread(() => GilTaskContext.RunHolding(
            gil,
            stop.Token,
            error => failure = error,
            context =>
            {
                holding.Set();
                while (true)
                {
                    context.Checkpoint();
                }
            }));
        worker.Start();
        Assert.True(holding.Wait(Patience));

        gil.Acquire();
        Assert.Equal(1, gil.ForcedDrops);
        GilSchedulerTests.WaitUntil(() => gil.Waiting == 1);
        stop.Cancel();
        Assert.True(worker.Join(Patience));
        Assert.IsAssignableFrom<OperationCanceledException>(failure);

        // Still the only holder: no violation at its checkpoint, and the lock was taken twice in all.
        Assert.Equal(0, gil.Waiting);
        gil.Checkpoint();
        Assert.Equal(0, gil.Violations);
        Assert.Equal(1, gil.MaxConcurrent);
        Assert.Equal(2, gil.Switches);
        gil.Release();
    }

    [Fact]
    public void AWaitUnderTheLockThatIsStoppedEndsWithoutTheLock()
    {
        // A blocking wait is made with the lock released; stopped during it, the thread cannot take the lock
        // back, and the thread that holds it meanwhile keeps it alone.
        using var stop = new CancellationTokenSource();
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), stop.Token);
        using var waiting = new ManualResetEventSlim();
        Exception? failure = null;
        var worker = new Thread(() => GilTaskContext.RunHolding(
            gil,
            stop.Token,
            error => failure = error,
            context => context.Released(() =>
            {
                waiting.Set();
                BlockingTaskContext.BlockingWait(60_000, stop.Token);
                return 0;
            })));
        worker.Start();
        Assert.True(waiting.Wait(Patience));

        gil.Acquire();
        stop.Cancel();
        Assert.True(worker.Join(Patience));
        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        gil.Checkpoint();
        Assert.Equal(0, gil.Violations);
        Assert.Equal(2, gil.Switches);
        gil.Release();
    }

    [Theory]
    [InlineData(ModelUses.None)]
    [InlineData(ModelUses.Workloads | ModelUses.ScriptBlocks)]
    [InlineData((ModelUses)8)]
    public void TheCatalogAsksForOneKindOfWork(ModelUses use)
    {
        foreach (Func<ModelUses, IReadOnlyList<ConcurrencyModel>> lookup in new Func<ModelUses, IReadOnlyList<ConcurrencyModel>>[] { ModelCatalog.ModelsThatRun, ModelCatalog.DefaultModels })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => lookup(use));
            Assert.Equal("use", error.ParamName);
            Assert.StartsWith("Name one kind of work.", error.Message);
        }
    }

    [Theory]
    [InlineData("GilThreads", ConcurrencyModel.GilThreads)]
    [InlineData("gilthreads", ConcurrencyModel.GilThreads)]
    [InlineData("SEQUENTIAL", ConcurrencyModel.Sequential)]
    [InlineData("Jobs", ConcurrencyModel.Jobs)]
    public void AModelIsFoundByItsNameInAnyCase(string name, ConcurrencyModel expected)
    {
        Assert.True(ModelCatalog.TryParse(name, out ConcurrencyModel model));
        Assert.Equal(expected, model);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("99")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("Thread")]
    [InlineData(" Threads")]
    public void OnlyAModelsNameIsAModel(string? name)
    {
        // Enum.TryParse would take "3" (EventLoop) and "99"; the catalog takes names only.
        Assert.False(ModelCatalog.TryParse(name, out ConcurrencyModel model));
        Assert.Equal(default, model);
    }

    [Fact]
    public void AnUnknownModelHasNoEntryAndTheMessageNamesIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ModelCatalog.Of((ConcurrencyModel)99));
        Assert.Equal("Model", error.ParamName);
        Assert.StartsWith("Model '99' is not a known model.", error.Message);

        var create = Assert.Throws<ArgumentOutOfRangeException>(() => ExecutionModel.Create((ConcurrencyModel)99));
        Assert.Equal("model", create.ParamName);
        Assert.StartsWith("Model '99' is not a known model.", create.Message);
    }

    [Fact]
    public void EachEntryNamesItsModelAndRunsWhatItSays()
    {
        foreach (ModelEntry entry in ModelCatalog.Entries)
        {
            Assert.Equal(entry.Model.ToString(), entry.ToString());
            Assert.Same(entry, ModelCatalog.Of(entry.Model));
            foreach (ModelUses use in new[] { ModelUses.Workloads, ModelUses.ScriptBlocks, ModelUses.Pipelines })
            {
                Assert.Equal(entry.Runs.HasFlag(use), ModelCatalog.Runs(entry.Model, use));
            }
        }

        Assert.Equal(ModelUses.Workloads | ModelUses.ScriptBlocks, ModelCatalog.Of(ConcurrencyModel.Sequential).Runs);
        Assert.Equal(ModelUses.Workloads, ModelCatalog.Of(ConcurrencyModel.Processes).ByDefault);
        Assert.Equal(ModelUses.None, ModelCatalog.Of(ConcurrencyModel.ThreadJob).ByDefault);
        Assert.Equal(ModelCatalog.MaxThreadWorkers, ModelCatalog.Of(ConcurrencyModel.GilThreads).MaxWorkers);
        Assert.Equal(0, ModelCatalog.Of(ConcurrencyModel.Runspaces).MaxWorkers);
    }

    [Fact]
    public void ARunNeedsAWorkloadAndAWorkerAndSaysSo()
    {
        ExecutionModel model = ExecutionModel.Create(ConcurrencyModel.Threads);
        Assert.Equal("workload", Assert.Throws<ArgumentNullException>(() => model.Run(null!, 2, CancellationToken.None)).ParamName);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new ProbeWorkload(1), 0, CancellationToken.None));
        Assert.StartsWith("Workers must be at least 1.", error.Message);
        Assert.Equal(0, error.ActualValue);
    }

    [Fact]
    public void EachWorkerIsANamedBackgroundThreadThatReadsItsClockTwice()
    {
        // Three tasks that each wait until all three run: each of the three workers runs exactly one.
        var workload = new MeetingWorkload(3);
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Threads).Run(workload, 3, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(new[] { "Threads worker 1", "Threads worker 2", "Threads worker 3" }, workload.Threads.Select(t => t.Name).OrderBy(n => n));
        Assert.All(workload.Threads, t => Assert.True(t.IsBackground, t.Name));
        Assert.Equal((3, 3, workload.ExpectedChecksum()), (result.CompletedTasks, result.ThreadsUsed, result.Checksum));

        // Each thread's clock is read when it takes its first task and after its last, not around each task.
        Assert.Equal(6, result.ThreadClockReadings);

        // The figures every in-process run reports.
        Assert.Equal(RuntimeCounters.GcMode, result.GcMode);
        Assert.NotNull(result.Counters);
        Assert.True(result.PeakWorkingSetBytes > 0);
        Assert.True(result.PeakThreadCount > 0);
        Assert.NotNull(result.ThreadPoolThreadsAdded);
        Assert.NotNull(result.TaskCpu);
        Assert.True(result.TaskWall > TimeSpan.Zero);
        Assert.NotNull(result.TaskRunWait);
        Assert.Null(result.Startup);
        Assert.Null(result.GilSwitches);
    }

    [Fact]
    public void SequentialReadsItsOneThreadsClockTwice()
    {
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Sequential).Run(new ProbeWorkload(5), 3, CancellationToken.None);
        Assert.Null(result.Error);
        Assert.Equal((5, 1, 2), (result.CompletedTasks, result.ThreadsUsed, result.ThreadClockReadings));
    }

    /// <summary>Tasks that each wait until every task has started, and keep the threads that ran them.</summary>
    private sealed class MeetingWorkload : Workload
    {
        private readonly CountdownEvent _started;

        public MeetingWorkload(int tasks)
            : base(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: 0)) => _started = new CountdownEvent(tasks);

        /// <summary>The name of each thread that ran a task, and whether it was a background thread then.</summary>
        public System.Collections.Concurrent.ConcurrentBag<(string? Name, bool IsBackground)> Threads { get; } = new();

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            Threads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground));
            _started.Signal();
            Assert.True(_started.Wait(Patience, context.CancellationToken), "the other tasks did not start");
            return new ValueTask<long>(Mix(index));
        }

        public override long ExpectedChecksum(int index) => Mix(index);
    }

    /// <summary>Tasks that return at once and keep the name of every thread that ran one.</summary>
    private sealed class ThreadNameWorkload : Workload
    {
        public ThreadNameWorkload(int tasks)
            : base(new WorkloadSpec(WorkloadKind.Io, tasks, durationMs: 0))
        {
        }

        public System.Collections.Concurrent.ConcurrentBag<string?> Names { get; } = new();

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            Names.Add(Thread.CurrentThread.Name);
            return new ValueTask<long>(Mix(index));
        }

        public override long ExpectedChecksum(int index) => Mix(index);
    }

    /// <summary>One task that reaches checkpoints, stops the run at the hundredth, and ends by itself a thousand checkpoints later.</summary>
    private sealed class CheckpointCountingWorkload : Workload
    {
        private readonly CancellationTokenSource _stop;

        public CheckpointCountingWorkload(CancellationTokenSource stop)
            : base(new WorkloadSpec(WorkloadKind.Cpu, 1, iterations: 1)) => _stop = stop;

        public int CheckpointsAfterTheStop { get; private set; }

        public override ValueTask<long> RunTaskAsync(int index, ITaskContext context)
        {
            for (int i = 0; CheckpointsAfterTheStop <= 1000; i++)
            {
                context.Checkpoint();
                if (_stop.IsCancellationRequested)
                {
                    CheckpointsAfterTheStop++;
                }

                if (i == 100)
                {
                    _stop.Cancel();
                }
            }

            return new ValueTask<long>(0);
        }

        public override long ExpectedChecksum(int index) => 0;
    }
}
