using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// A pool of line-protocol children, with <c>sh</c> as the worker: all start before any is awaited, each is
/// driven, a worker that is not ready or a stop kills them all, and a worker that ends says what it printed.
/// </summary>
public sealed class WorkerPoolTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>A worker that says ready, then answers each line with "got" and the line, until its input ends.</summary>
    private static ChildStartInfo Echo() =>
        new("sh", new[] { "-c", "echo ready; while read -r line; do echo \"got $line\"; done" });

    private static async Task ExpectReady(WorkerProcess worker, CancellationToken cancellationToken) =>
        Assert.Equal("ready", await worker.ReceiveAsync(cancellationToken));

    [Fact]
    public void EveryWorkerStartsIsReadyAndIsDriven()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var pool = new WorkerPool(CancellationToken.None);
        pool.Start(3, Echo(), ExpectReady);
        Assert.Equal(3, pool.Count);
        Assert.False(pool.IsStopping);

        var answers = new ConcurrentBag<string>();
        pool.Drive(async worker =>
        {
            await worker.SendAsync($"to {worker.Id}");
            answers.Add(await worker.ReceiveAsync(pool.Stopping) + " " + worker.Id);
        });
        Assert.Equal(3, answers.Count);
        Assert.All(answers, answer => Assert.Matches(@"^got to (\d+) \1$", answer));
        Assert.Equal(3, answers.Distinct().Count());

        Assert.Equal("startInfo", Assert.Throws<ArgumentNullException>(() => pool.Start(1, null!, ExpectReady)).ParamName);
        Assert.Equal("expectReady", Assert.Throws<ArgumentNullException>(() => pool.Start(1, Echo(), null!)).ParamName);
        Assert.Equal("drive", Assert.Throws<ArgumentNullException>(() => pool.Drive(null!)).ParamName);
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void AWorkerThatIsNotReadyStopsThePoolAndKillsTheOthers()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var pool = new WorkerPool(CancellationToken.None);
        var workers = new ConcurrentBag<WorkerProcess>();
        int calls = 0;
        var error = Assert.Throws<InvalidDataException>(() => pool.Start(3, new ChildStartInfo("sleep", new[] { "300" }), (worker, token) =>
        {
            workers.Add(worker);
            if (Interlocked.Increment(ref calls) == 2)
            {
                throw new InvalidDataException("not ready");
            }

            return Task.CompletedTask;
        }));
        Assert.Equal("not ready", error.Message);
        Assert.True(pool.IsStopping);
        Assert.True(pool.Stopping.IsCancellationRequested);

        // Every worker was killed by the stop: each has ended (with SIGKILL) long before it would sleep out.
        Assert.Equal(3, workers.Count);
        Assert.All(workers, worker => Assert.True(SpinWait.SpinUntil(() => !ProcessTree.TryReadParent(worker.Id, out int parent) || parent != Environment.ProcessId || IsZombie(worker.Id), HangGuard)));
        pool.Dispose();
        pool.Dispose();
        pool.Fail();
    }

    [Fact]
    public void TheCallersCancellationKillsEveryWorkerAndNoMoreStart()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var cts = new CancellationTokenSource();
        using var pool = new WorkerPool(cts.Token);
        pool.Start(2, Echo(), ExpectReady);
        var ended = new ConcurrentBag<Exception>();
        Task driving = Task.Run(() => pool.Drive(async worker =>
        {
            try
            {
                await worker.ReceiveAsync(CancellationToken.None);
            }
            catch (IOException error)
            {
                ended.Add(error);
            }
        }));

        cts.Cancel();
        Assert.True(driving.Wait(HangGuard), "a worker outlived the stop");
        Assert.Equal(2, ended.Count);
        Assert.All(ended, error => Assert.Contains("closed its output", error.Message, StringComparison.Ordinal));
        Assert.True(pool.IsStopping);

        Assert.Throws<OperationCanceledException>(() => pool.Start(1, Echo(), ExpectReady));
        Assert.Equal(2, pool.Count);
    }

    [Fact]
    public async Task AWorkerThatEndsSaysWhatItPrintedAndHowItEnded()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using WorkerProcess worker = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo ready; echo 'some   more'; echo boom >&2; exit 5" }));
        Assert.Equal("ready", await worker.ReceiveAsync(CancellationToken.None));
        Assert.Equal("some   more", await worker.ReceiveAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<IOException>(() => worker.ReceiveAsync(CancellationToken.None));
        Assert.Equal($"Worker process {worker.Id} closed its output: boom (exit code 5)", error.Message);

        using WorkerProcess talker = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo first; printf '%1200s' x; exit 0" }));
        Assert.Equal("first", await talker.ReceiveAsync(CancellationToken.None));
        string described = await talker.DescribeEndAsync("error bad  request");
        Assert.Equal(": error bad request x (exit code 0)", described);

        using WorkerProcess longer = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "head -c 1500 /dev/zero | tr '\\0' y; exit 0" }));
        string cut = await longer.DescribeEndAsync("z");
        Assert.Equal(": z " + new string('y', 998) + "...", cut);

        // Exactly 1000 characters: kept whole.
        using WorkerProcess exact = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "head -c 984 /dev/zero | tr '\\0' y; exit 0" }));
        string whole = await exact.DescribeEndAsync("z");
        Assert.Equal(": z " + new string('y', 984) + " (exit code 0)", whole);
        Assert.Equal(1000 + 2, whole.Length);
    }

    [Fact]
    public async Task ErrorOutputWrittenAfterTheWorkerEndedIsWaitedForInItsDescription()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // The worker leaves a descendant that holds its error output open and writes there only when the test sends it a
        // line, after the worker has ended: the description waits for the end of the error output, not only the worker's.
        using WorkerProcess worker = WorkerProcess.Start(new ChildStartInfo("sh", new[]
        {
            "-c", "exec 3<&0; (exec >/dev/null; read -r word <&3; echo \"late $word\" >&2) & echo ready; exit 7",
        }));
        Assert.Equal("ready", await worker.ReceiveAsync(CancellationToken.None));
        Task<string> described = worker.DescribeEndAsync("x");
        await Task.WhenAny(described, Task.Delay(TimeSpan.FromSeconds(1)));
        await worker.SendAsync("word");
        Assert.Equal(": x late word (exit code 7)", await described.WaitAsync(HangGuard));
    }

    [Fact]
    public void AReceiveCancelledJustAsTheWorkersOutputEndsIsCancelledNotAnEnd()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using WorkerProcess worker = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "echo ready; read -r line; exit 0" }));
        Assert.Equal("ready", worker.ReceiveAsync(CancellationToken.None).WaitAsync(HangGuard).GetAwaiter().GetResult());

        // The token is cancelled when the read's end is handed on: an AsyncLocal's change handler runs as the read's
        // continuation enters the receive's execution context on another thread, after the pipe has reported its end
        // (the read is done, so the cancellation cannot stop it) and before the receive looks at the token.
        using var cancel = new CancellationTokenSource();
        Thread testThread = Thread.CurrentThread;
        object marker = new();
        var local = new AsyncLocal<object?>(change =>
        {
            if (change.ThreadContextChanged && ReferenceEquals(change.CurrentValue, marker) && Thread.CurrentThread != testThread)
            {
                cancel.Cancel();
            }
        });
        local.Value = marker;
        Task<string> receive = worker.ReceiveAsync(cancel.Token);
        local.Value = null;
        Assert.False(receive.IsCompleted);

        worker.SendAsync("end").WaitAsync(HangGuard).GetAwaiter().GetResult();
        Exception? error = Record.Exception(() => receive.WaitAsync(HangGuard).GetAwaiter().GetResult());
        Assert.True(cancel.IsCancellationRequested);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public async Task AWorkerThatHasNotEndedIsDescribedByWhatItWasAskedOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // After 2 s of waiting for the end, what the worker printed and how it ended are not read.
        using WorkerProcess running = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exec 0<&-; echo ready; exec sleep 311" }));
        Assert.Equal("ready", await running.ReceiveAsync(CancellationToken.None));
        Assert.Equal(".", await running.DescribeEndAsync(" "));
        running.Kill();
    }

    [Fact]
    public async Task AWorkerThatDoesNotEndWhenItsInputClosesIsKilled()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using WorkerProcess quiet = WorkerProcess.Start(new ChildStartInfo("sh", new[] { "-c", "exec 0<&-; echo ready; exec sleep 300" }));
        Assert.Equal("ready", await quiet.ReceiveAsync(CancellationToken.None));
        int id = quiet.Id;
        quiet.Dispose();
        Assert.False(ProcessTree.TryReadParent(id, out int parent) && parent == Environment.ProcessId && !IsZombie(id));
        quiet.Dispose();

        var missing = Assert.Throws<InvalidOperationException>(() => WorkerProcess.Start(new ChildStartInfo("/no/such/worker", Array.Empty<string>())));
        Assert.Equal("Could not start a worker process with '/no/such/worker': The file '/no/such/worker' does not exist.", missing.Message);
        Assert.IsType<ChildStartException>(missing.InnerException);
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [Fact]
    public async Task TheRealWorkerAnswersOverItsStandardStreamsLineByLine()
    {
        // The worker program as the Processes model starts it: each answer must arrive as its own line as soon as it
        // is written (a buffered or unterminated answer leaves the parent waiting), and the end of input ends it.
        var workload = Workload.Create(new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 1000));
        using WorkerProcess worker = WorkerProcess.Start(WorkerHost.Locate(), workload.Spec.ToArguments());
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        Assert.Equal("ready", await worker.ReceiveAsync(guard.Token));

        await worker.SendAsync("run 1");
        string[] done = (await worker.ReceiveAsync(guard.Token)).Split(' ');
        Assert.Equal(new[] { "done", "1", workload.ExpectedChecksum(1).ToString(System.Globalization.CultureInfo.InvariantCulture) }, done[..3]);
        Assert.Equal(6, done.Length);

        await worker.SendAsync("exit");
        Assert.StartsWith("stats ", await worker.ReceiveAsync(guard.Token), StringComparison.Ordinal);
        Assert.Equal(": (exit code 0)", await worker.DescribeEndAsync(string.Empty).WaitAsync(HangGuard));
    }
}
