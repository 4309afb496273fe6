using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ProcessesTests
{
    [Fact]
    public void WorkerAnswersTheProtocol()
    {
        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 3, iterations: 10_000);
        var workload = Workload.Create(spec);
        var output = new StringWriter { NewLine = "\n" };
        int exit = WorkerServer.Run(spec.ToArguments().ToArray(), new StringReader("run 2\nrun 0\nrun 9\nhello\nexit\n"), output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, exit);
        Assert.Equal("ready", lines[0]);
        // done N CHECKSUM CPU_MS WALL_MS RUNWAIT_MS: the task's own thread CPU (or '-' without a thread clock), wall time and wait for a core.
        string cpu = ThreadCpuClock.IsThreadTime ? "[0-9.E+-]+" : "-";
        Assert.Matches($"^done 2 {workload.ExpectedChecksum(2)} {cpu} [0-9.E+-]+ [0-9.E+-]+$", lines[1]);
        Assert.Matches($"^done 0 {workload.ExpectedChecksum(0)} {cpu} [0-9.E+-]+ [0-9.E+-]+$", lines[2]);
        Assert.StartsWith("error", lines[3]);
        Assert.StartsWith("error", lines[4]);
        Assert.Matches(@"^stats [0-9.E+-]+ 1 [0-9]+ (Workstation|Server)/\w+( -?[0-9]+){6}$", lines[5]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void WorkerRejectsBadArguments()
    {
        var output = new StringWriter();
        Assert.Equal(2, WorkerServer.Run(new[] { "--workload", "Nope" }, new StringReader(string.Empty), output));
        Assert.StartsWith("error", output.ToString());
    }

    [Fact]
    public void AHostIsFoundBesideTheRunningRuntime()
    {
        WorkerHost host = WorkerHost.Locate();
        Assert.Equal("dotnet", host.Kind);
        Assert.True(File.Exists(host.FileName));
        Assert.EndsWith(WorkerHost.WorkerAssemblyName, host.PrefixArguments.Single());
    }

    [Fact]
    public void APwshHostLoadsTheEngineAndRunsTheWorkerLoop()
    {
        WorkerHost host = WorkerHost.ForPwsh("/usr/bin/pwsh", "/mod's dir/ConcurrencyTools.Engine.dll");
        ChildStartInfo info = host.CreateStartInfo(new[] { "--workload", "Io" });
        Assert.Equal("pwsh", host.Kind);
        Assert.Equal(5, info.Arguments.Count);
        Assert.Equal("-Command", info.Arguments[3]);
        Assert.StartsWith("Add-Type -Path '/mod''s dir/ConcurrencyTools.Engine.dll'; ", info.Arguments[4]);
        Assert.EndsWith("::RunStandardStreams([string[]]@('--workload', 'Io'))", info.Arguments[4]);
        Assert.Equal("Major", info.Environment!["DOTNET_ROLL_FORWARD"]);
    }

    [Fact]
    public void AMissingWorkerAssemblyIsAClearError()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        var error = Assert.Throws<FileNotFoundException>(() => WorkerHost.Locate(empty));
        Assert.Contains(WorkerHost.WorkerAssemblyName, error.Message);
    }

    [Fact]
    public void AWorkerThatCannotStartIsAnErrorWithItsOutput()
    {
        WorkerHost real = WorkerHost.Locate();
        WorkerHost broken = WorkerHost.ForDotnet(real.FileName, "/nonexistent/ConcurrencyTools.Worker.dll");
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Io, 2, durationMs: 1));
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Processes, new ModelOptions { WorkerHost = broken })
            .Run(workload, 2, CancellationToken.None);
        Assert.NotNull(result.Error);
        Assert.Contains("Worker process", result.Error!.Message);
        Assert.Contains("nonexistent", result.Error.Message);
        Assert.Equal(0, result.CompletedTasks);
    }

    [Fact]
    public void ProcessesReportStartupAndChildCpuTime()
    {
        // 4 x 100 million iterations: well over 100 ms of CPU time in the children on any machine,
        // however loaded (CPU time, not wall-clock time), while the parent only waits for replies.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: 4, iterations: 100_000_000));
        TimeSpan parentBefore = ExecutionModel.ProcessCpuTime();
        ModelRunResult result = ExecutionModel.Create(ConcurrencyModel.Processes).Run(workload, 2, CancellationToken.None);
        TimeSpan parent = ExecutionModel.ProcessCpuTime() - parentBefore;
        Assert.Null(result.Error);
        Assert.True(result.Startup > TimeSpan.Zero && result.Startup < result.Elapsed);
        Assert.Equal(2, result.ThreadsUsed);

        // Without the children's CPU time, CpuTime would be at most the parent's own.
        Assert.True(result.CpuTime - parent > TimeSpan.FromMilliseconds(100), $"run {result.CpuTime}, parent alone {parent}");
    }

    [Fact]
    public void CancellingManyWorkerProcessesKillsThemAtOnce()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Workers busy in a long task do not read their input, so each would wait out its 2 s exit
        // grace before being killed: 6 workers, 12 s. Killed on cancellation, they are gone at once.
        const int workers = 6;
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: workers, iterations: 100_000_000_000));
        using var cts = new CancellationTokenSource();
        var model = ExecutionModel.Create(ConcurrencyModel.Processes);
        var run = System.Threading.Tasks.Task.Run(() => model.Run(workload, workers, cts.Token));
        var clock = Stopwatch.StartNew();
        while (ChildWorkers().Count < workers && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(20);
        }

        // Busy, not starting or idle (an idle worker ends when its input closes): each has used more CPU
        // time than a worker's start-up costs, which the parent allows only once all are ready.
        while (ChildWorkers().Count(pid => ChildCpuTime(pid) < TimeSpan.FromSeconds(0.8)) > 0 && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            Thread.Sleep(50);
        }

        List<int> busy = ChildWorkers();
        Assert.Equal(workers, busy.Count(pid => ChildCpuTime(pid) >= TimeSpan.FromSeconds(0.8)));
        clock.Restart();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
        TimeSpan stopping = clock.Elapsed;
        Assert.Empty(ChildWorkers());
        Assert.True(stopping < TimeSpan.FromSeconds(workers), $"{workers} workers took {stopping} to stop");
    }

    [Fact]
    public void NoWorkerProcessOutlivesACancelledRun()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: 8, iterations: 100_000_000_000));
        using var cts = new CancellationTokenSource();
        var model = ExecutionModel.Create(ConcurrencyModel.Processes);
        var run = System.Threading.Tasks.Task.Run(() => model.Run(workload, 3, cts.Token));

        // Wait until the workers exist, then cancel mid-run.
        var clock = Stopwatch.StartNew();
        while (ChildWorkers().Count < 3 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(20);
        }

        Assert.Equal(3, ChildWorkers().Count);
        Thread.Sleep(300);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => run.GetAwaiter().GetResult());
        Assert.Empty(ChildWorkers());
    }

    [Fact]
    public void AFailedTasksCpuAndWallTimeCountInTheRun()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // A stand-in worker: task 0 is done after 7.25 ms of CPU, task 1 fails after 12.5 ms of CPU; a failed
        // task used CPU too, so TaskCpu holds both.
        WithStandInWorker("echo ready\nread a\necho \"done 0 5 7.25 10 1\"\nread b\necho \"fail 1 12.5 20 2 InvalidOperationException: boom\"\nread c\n", model =>
        {
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 3), 1, CancellationToken.None);
            Assert.Contains("boom", result.Error?.Message);
            Assert.Equal(1, result.CompletedTasks);
            Assert.Equal(19.75, result.TaskCpu!.Value.TotalMilliseconds, 6);
            Assert.Equal(30, result.TaskWall!.Value.TotalMilliseconds, 6);
            Assert.Equal(3, result.TaskRunWait!.Value.TotalMilliseconds, 6);
        });
    }

    [Fact]
    public void TheRunsTimeLastsUntilItsWorkersAreGone()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // A stand-in worker that takes 400 ms to exit after its last word (its stats): the run is not over
        // until its workers are reaped, as a threaded run is not over until its threads are joined and
        // CPython's `with ProcessPoolExecutor()` block until its workers are joined.
        WithStandInWorker("echo ready\nread a\necho \"done 0 5 1 1 0\"\nread b\necho \"stats 1 1 1000 Workstation/Concurrent 0 0 0 0 0 0\"\nsleep 0.4\n", model =>
        {
            var clock = Stopwatch.StartNew();
            ModelRunResult result = model.Run(new ProbeWorkload(tasks: 1), 1, CancellationToken.None);
            TimeSpan wall = clock.Elapsed;
            Assert.Null(result.Error);
            Assert.True(result.Elapsed >= TimeSpan.FromMilliseconds(400), $"the run measured {result.Elapsed.TotalMilliseconds} ms, its worker exited 400 ms after its stats");
            // Without the exit in it, the run's time would end at least the worker's 400 ms before Run returns.
            Assert.True(result.Elapsed <= wall && wall - result.Elapsed < TimeSpan.FromMilliseconds(200), $"the run measured {result.Elapsed.TotalMilliseconds} ms of {wall.TotalMilliseconds} ms");
        });
    }

    /// <summary>Runs <paramref name="test"/> on a Processes model whose worker is a shell script of <paramref name="body"/>, speaking the worker's protocol.</summary>
    internal static void WithStandInWorker(string body, Action<ExecutionModel> test)
    {
        string script = Path.Combine(Path.GetTempPath(), $"ct-stand-in-worker-{Guid.NewGuid():N}.sh");
        File.WriteAllText(script, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        try
        {
            test(ExecutionModel.Create(ConcurrencyModel.Processes, new ModelOptions { WorkerHost = WorkerHost.ForNative(script) }));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public void TooManyWorkerProcessesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ExecutionModel.Create(ConcurrencyModel.Processes).Run(new ProbeWorkload(1), ProcessesModel.MaxWorkers + 1, CancellationToken.None));
    }

    /// <summary>CPU time (user and system) a process has used so far, from /proc; zero once it is gone.</summary>
    internal static TimeSpan ChildCpuTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // utime and stime are fields 14 and 15 of stat, 11 and 12 after the state, in ticks of 1/100 s.
            return TimeSpan.FromSeconds((long.Parse(rest[11]) + long.Parse(rest[12])) / 100.0);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Live child processes of this test process that run the worker assembly (from /proc).</summary>
    internal static List<int> ChildWorkers()
    {
        int self = Environment.ProcessId;
        var children = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));

                // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (int.Parse(rest[1]) == self && rest[0] != "Z" && cmdline.Contains(WorkerHost.WorkerAssemblyName, StringComparison.Ordinal))
                {
                    children.Add(pid);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while it was read.
            }
        }

        return children;
    }

    [Fact]
    public void AParentPipeThatEndsInTheMiddleOfATaskMeansTheParentIsGone()
    {
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, server.ClientSafePipeHandle);
        using var gone = new ManualResetEventSlim();
        using var pipe = new ParentPipe(new StreamReader(client), gone.Set);
        var writer = new StreamWriter(server) { AutoFlush = true, NewLine = "\n" };
        writer.WriteLine("run 0");
        Assert.Equal("run 0", pipe.ReadLine());

        // The "task" is running (nobody reads) when the parent's end closes.
        server.Dispose();
        Assert.True(gone.Wait(TimeSpan.FromSeconds(10)), "the end of the pipe during a task must be reported at once");
    }

    [Fact]
    public void AParentPipeThatEndsBetweenTasksIsAnOrdinaryEnd()
    {
        using var gone = new ManualResetEventSlim();
        using var pipe = new ParentPipe(new StringReader("run 1\nexit\n"), gone.Set);
        Assert.Equal("run 1", pipe.ReadLine());
        Assert.Equal("exit", pipe.ReadLine());
        Assert.Null(pipe.ReadLine());
        Assert.Null(pipe.ReadLine());
        Assert.False(gone.IsSet);
    }

    [Fact]
    public void TheNativeWorkerIsPreferredAndMissingOneIsSaid()
    {
        string directory = Directory.CreateTempSubdirectory("ct-worker-").FullName;
        try
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, WorkerHost.WorkerAssemblyName), Path.Combine(directory, WorkerHost.WorkerAssemblyName));
            WorkerHost managed = WorkerHost.Locate(directory);
            Assert.NotEqual(WorkerHost.NativeKind, managed.Kind);
            Assert.Contains($"no native worker for {WorkerHost.CurrentRuntimeIdentifier}", managed.FallbackReason);
            Assert.Contains(managed.FallbackReason!, managed.ToString());

            string native = Path.Combine(directory, WorkerHost.CurrentRuntimeIdentifier, WorkerHost.NativeWorkerName);
            Directory.CreateDirectory(Path.GetDirectoryName(native)!);
            File.WriteAllText(native, string.Empty);
            WorkerHost chosen = WorkerHost.Locate(directory);
            Assert.Equal(WorkerHost.NativeKind, chosen.Kind);
            Assert.Equal(native, chosen.FileName);
            Assert.Empty(chosen.PrefixArguments);
            Assert.Null(chosen.FallbackReason);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
