using System;
using System.IO;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The Processes model's side of the worker protocol, against stand-in workers (shell scripts that answer as
/// told): what it adds up from its workers' replies, and what it makes of a reply it did not expect.
/// </summary>
public class ProcessesModelTests
{
    // Answers every "run N" with a checksum of 10, 1.5 ms of CPU, 2 ms of wall time and 0.5 ms of wait for a
    // core; on "exit", the worker's figures. The first worker to start (the one that makes the directory) reports
    // a peak working set of 3000 bytes, the others 1000.
    private static string Worker(string firstOnly, string reply = "done $n 10 1.5 2 0.5", string stats = "stats 3.5 2 $peak Server/Concurrent 1 2 3 4 5 6") =>
        $"peak=1000\nif mkdir '{firstOnly}' 2>/dev/null; then peak=3000; fi\necho ready\n" +
        $"while read cmd n; do\n  if [ \"$cmd\" = exit ]; then echo \"{stats}\"; exit 0; fi\n  echo \"{reply}\"\ndone\n";

    private static void WithWorker(Func<string, string> body, Action<ExecutionModel> test)
    {
        string firstOnly = Path.Combine(Path.GetTempPath(), $"ct-first-worker-{Guid.NewGuid():N}");
        try
        {
            ProcessesTests.WithStandInWorker(body(firstOnly), test);
        }
        finally
        {
            if (Directory.Exists(firstOnly))
            {
                Directory.Delete(firstOnly);
            }
        }
    }

    [Fact]
    public void ARunAddsUpItsWorkersRepliesAndFigures()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WithWorker(first => Worker(first), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 4), 2, CancellationToken.None);
            Assert.Null(result.Error);
            Assert.Equal("native", result.WorkerHost);
            Assert.Equal(4, result.CompletedTasks);
            Assert.Equal(40, result.Checksum);
            Assert.Equal(6, result.TaskCpu!.Value.TotalMilliseconds, 6);
            Assert.Equal(8, result.TaskWall!.Value.TotalMilliseconds, 6);
            Assert.Equal(2, result.TaskRunWait!.Value.TotalMilliseconds, 6);

            // Each worker's figures: threads and counters summed, the peak the larger, the collector the first.
            Assert.Equal(4, result.ThreadsUsed);
            Assert.Equal(new RuntimeCounters(2, 4, 6, 8, 10, 12), result.Counters);
            Assert.Equal(3000, result.PeakWorkingSetBytes);
            Assert.Equal("Server/Concurrent", result.GcMode);

            // The workers' 2 x 3.5 ms of CPU time are in the run's.
            Assert.True(result.CpuTime >= TimeSpan.FromMilliseconds(7), $"CpuTime {result.CpuTime.TotalMilliseconds} ms");
            Assert.True(result.Startup > TimeSpan.Zero && result.Startup <= result.Elapsed, $"startup {result.Startup}, run {result.Elapsed}");
        });
    }

    [Fact]
    public void AWorkerWithoutAThreadClockLeavesTheTasksCpuUnknownButNotTheirTimes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Four tasks: an unknown CPU stays unknown however many tasks lack it.
        WithWorker(first => Worker(first, reply: "done $n 10 - 2 0.5"), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 4), 1, CancellationToken.None);
            Assert.Null(result.Error);
            Assert.Null(result.TaskCpu);
            Assert.Equal(8, result.TaskWall!.Value.TotalMilliseconds, 6);
            Assert.Equal(2, result.TaskRunWait!.Value.TotalMilliseconds, 6);
        });
    }

    [Fact]
    public void ATaskThatUsedNoCpuCountsZeroNotUnknown()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WithWorker(first => Worker(first, reply: "done $n 10 0 2 0.5"), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 2), 1, CancellationToken.None);
            Assert.Null(result.Error);
            Assert.Equal(TimeSpan.Zero, result.TaskCpu);
        });
    }

    [Fact]
    public void TheRunsCpuTimeIsThisProcesssDuringTheRunPlusEveryWorkersOwn()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Each stand-in worker reports 5 s of CPU of its own, far more than this process spends driving them.
        WithWorker(first => Worker(first, stats: "stats 5000 2 $peak Server/Concurrent 1 2 3 4 5 6"), model =>
        {
            TimeSpan before = ExecutionModel.ProcessCpuTime();
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 4), 2, CancellationToken.None);
            TimeSpan own = ExecutionModel.ProcessCpuTime() - before;
            Assert.Null(result.Error);
            Assert.InRange(result.CpuTime, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10) + own);
        });
    }

    [Fact]
    public void AWorkerWhoseFiguresAreMalformedFailsTheRunAndNoPartialFiguresAreShown()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The first worker's figures are whole, the other's lack the counters: a sum of one worker's figures would
        // understate the run, so none is shown, and the run is failed naming what the worker said.
        WithWorker(first => Worker(first, stats: "$(if [ $peak = 3000 ]; then echo stats 3.5 2 $peak Server/Concurrent 1 2 3 4 5 6; else echo stats 3.5 2; fi)"), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 2), 2, CancellationToken.None);
            // (How many tasks completed depends on the race: the failure stops the other worker, maybe during a task.)
            Assert.Matches(@"^Worker process \d+ ended with 'stats 3\.5 2'\.$", result.Error?.Message);
            Assert.Null(result.Counters);
            Assert.Null(result.PeakWorkingSetBytes);
            Assert.Null(result.GcMode);
        });
    }

    [Theory]
    [InlineData("done 1 10 1.5 2 0.5", "done 1 10 1.5 2 0.5")]
    [InlineData("done $n 10 1.5 2", "done 0 10 1.5 2")]
    [InlineData("finished $n 10 1.5 2 0.5", "finished 0 10 1.5 2 0.5")]
    public void AReplyToAnotherTaskOrOfAnotherShapeFailsTheRunQuotingIt(string reply, string quoted)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WithWorker(first => Worker(first, reply: reply), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 2), 1, CancellationToken.None);
            Assert.Matches($@"^Worker process \d+ answered '{System.Text.RegularExpressions.Regex.Escape(quoted)}' to task 0\.$", result.Error?.Message);
            Assert.Equal(0, result.CompletedTasks);
            Assert.Equal(0, result.Checksum);
        });
    }

    [Fact]
    public void AFailedTaskFailsTheRunNamingTheTaskAndTheWorker()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WithWorker(first => Worker(first, reply: "fail $n 1.5 2 0.5 InvalidOperationException: no luck"), model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 2), 1, CancellationToken.None);
            Assert.Matches(@"^Task 0 failed in worker process \d+: InvalidOperationException: no luck$", result.Error?.Message);
            Assert.Equal(0, result.CompletedTasks);

            // The failed task's times count: it used the CPU it reported.
            Assert.Equal(1.5, result.TaskCpu!.Value.TotalMilliseconds, 6);
            Assert.Equal(2, result.TaskWall!.Value.TotalMilliseconds, 6);
        });
    }

    [Fact]
    public void AFailedTaskStopsTheOtherWorkersFromTakingMoreTasks()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The first worker to start fails its first task at once; the other takes 200 ms a task. Stopped, the other
        // ends after the task it is running (or the next it took meanwhile); left to go on, it would run all 20.
        WithWorker(
            first => $"if mkdir '{first}' 2>/dev/null; then failing=1; else failing=0; fi\necho ready\n" +
                "while read cmd n; do\n  if [ \"$cmd\" = exit ]; then echo \"stats 1 1 1000 Workstation/Concurrent 0 0 0 0 0 0\"; exit 0; fi\n" +
                "  if [ $failing = 1 ]; then echo \"fail $n 1 1 0 InvalidOperationException: first\"; else sleep 0.2; echo \"done $n 10 1 200 0\"; fi\ndone\n",
            model =>
            {
                ModelRunResult result = model.Run(new ProbeWorkload(tasks: 20), 2, CancellationToken.None);
                Assert.Contains("InvalidOperationException: first", result.Error?.Message);
                Assert.InRange(result.CompletedTasks, 0, 3);
            });
    }

    [Fact]
    public void AWorkerThatSaysSomethingElseThanReadyDidNotStart()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ProcessesTests.WithStandInWorker("echo hello\nread cmd\n", model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 2), 1, CancellationToken.None);
            Assert.Matches(@"^Worker process \d+ did not start", result.Error?.Message);
            Assert.Equal(0, result.CompletedTasks);
        });
    }

    [Fact]
    public void AsManyWorkersAsTheLimitAreAcceptedAndOneMoreIsRefusedNamingTheLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExecutionModel.Create(ConcurrencyModel.Processes).Run(new ProbeWorkload(1), ProcessesModel.MaxWorkers + 1, CancellationToken.None));
        Assert.Equal("workers", refused.ParamName);
        Assert.Equal(ProcessesModel.MaxWorkers + 1, refused.ActualValue);
        Assert.StartsWith("Processes runs at most 256 workers.", refused.Message);

        // At the limit the run starts its workers (stand-ins that end at once, so it fails, but not on the count).
        ProcessesTests.WithStandInWorker("exit 0\n", model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 1), ProcessesModel.MaxWorkers, CancellationToken.None);
            Assert.Matches(@"^Worker process \d+ ", result.Error?.Message);
        });
    }
}
