using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// The Processes folder's rules that need no child process: the worker's line protocol read from text, output
/// capture from streams (what is kept, counted and cut into lines), the checks of a start request and their
/// messages, the environment merge, the executable search, exit statuses, and the worker hosts' command lines.
/// </summary>
public class ProcessesRulesTests
{
    private static string[] Serve(WorkloadSpec spec, string requests, out int exit)
    {
        var output = new StringWriter { NewLine = "\n" };
        exit = WorkerServer.Run(spec.ToArguments().ToArray(), new StringReader(requests), output);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void TheWorkerAnswersOnlyRunRequestsForItsTasks()
    {
        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 3, iterations: 100);
        string[] lines = Serve(spec, "run 3\nrun -1\nrun \nrun 1x\nRUN 1\nrunning\nrun 2\n", out int exit);

        Assert.Equal(0, exit);
        Assert.Equal("ready", lines[0]);
        Assert.Equal(
            new[] { "run 3", "run -1", "run ", "run 1x", "RUN 1", "running" }.Select(r => "error unknown request: " + r),
            lines[1..7]);
        Assert.StartsWith($"done 2 {Workload.Create(spec).ExpectedChecksum(2)} ", lines[7], StringComparison.Ordinal);
        Assert.Equal(4, lines[7].Split(' ').Length - 2);
        Assert.StartsWith("stats ", lines[8], StringComparison.Ordinal);
        Assert.Equal(9, lines.Length);
    }

    [Fact]
    public void AWorkerThatRanNothingCountsNoThreadsAndIgnoresWhatFollowsExit()
    {
        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 2, iterations: 100);
        string[] lines = Serve(spec, "exit\nrun 0\n", out int exit);
        Assert.Equal(0, exit);
        Assert.Equal(2, lines.Length);
        Assert.Equal("ready", lines[0]);
        Assert.Matches(@"^stats [0-9.E+-]+ 0 [0-9]+ ", lines[1]);

        // Without exit, the end of the input ends the loop the same way.
        string[] ended = Serve(spec, "run 0\nrun 1", out exit);
        Assert.Equal(0, exit);
        Assert.Equal(4, ended.Length);
        Assert.StartsWith("done 0 ", ended[1], StringComparison.Ordinal);
        Assert.StartsWith("done 1 ", ended[2], StringComparison.Ordinal);
        Assert.Matches(@"^stats [0-9.E+-]+ 1 [0-9]+ ", ended[3]);
    }

    [Fact]
    public void AWorkerWithBadArgumentsSaysWhyOnOneLineAndExitsWithTwo()
    {
        var output = new StringWriter { NewLine = "\n" };
        Assert.Equal(2, WorkerServer.Run(new[] { "--workload", "Cpu", "--tasks" }, new StringReader("run 0\n"), output));
        Assert.Equal("error Argument '--tasks' has no value.\n", output.ToString());

        output = new StringWriter { NewLine = "\n" };
        Assert.Equal(2, WorkerServer.Run(new[] { "--workload", "Cpu", "--tasks", "0" }, new StringReader(string.Empty), output));
        string only = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error ", only, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', only);

        Assert.Throws<ArgumentNullException>(() => WorkerServer.Run(spec(), (TextReader)null!, new StringWriter()));
        Assert.Throws<ArgumentNullException>(() => WorkerServer.Run(spec(), new StringReader(string.Empty), null!));
        static string[] spec() => new WorkloadSpec(WorkloadKind.Cpu, 1, 1).ToArguments().ToArray();
    }

    private static (OutputCapture Capture, List<OutputLinePiece> Pieces) Capture(byte[] data, int maxBytes = 1 << 20, int maxLineChars = OutputCapture.DefaultMaxLineChars, int chunk = int.MaxValue, bool lines = true)
    {
        var pieces = new List<OutputLinePiece>();
        var capture = new OutputCapture(maxBytes, lines ? piece => { pieces.Add(piece); return ValueTask.CompletedTask; } : null, maxLineChars);
        capture.ReadToEndAsync(new ChunkedStream(data, chunk)).GetAwaiter().GetResult();
        return (capture, pieces);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Theory]
    [InlineData("abc\n", "abc")]
    [InlineData("abc\r\n", "abc")]
    [InlineData("abc\n\n", "abc\n")]
    [InlineData("\n", "")]
    [InlineData("\r\n", "")]
    [InlineData("\r", "\r")]
    [InlineData("abc", "abc")]
    [InlineData("", "")]
    public void TheTextLosesOneFinalLineBreak(string written, string text)
    {
        Assert.Equal(text, Capture(Utf8(written), lines: false).Capture.Text);
    }

    [Fact]
    public void MoreThanTheLimitIsCountedButNotKeptAndTheTextKeepsItsLastLineBreak()
    {
        byte[] data = Utf8(string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i:D3}\n")));
        foreach (int chunk in new[] { 1, 7, 300, int.MaxValue })
        {
            OutputCapture capture = Capture(data, maxBytes: 450, chunk: chunk, lines: false).Capture;
            Assert.Equal(data.Length, capture.TotalBytes);
            Assert.True(capture.Truncated);
            Assert.Equal(Encoding.UTF8.GetString(data, 0, 450), capture.Text);
        }

        // Exactly the limit is not truncated; a final line break at the cut stays (the line went on).
        OutputCapture exact = Capture(Utf8("12345\n"), maxBytes: 6, chunk: 2, lines: false).Capture;
        Assert.False(exact.Truncated);
        Assert.Equal("12345", exact.Text);
        OutputCapture cut = Capture(Utf8("12345\n7"), maxBytes: 6, lines: false).Capture;
        Assert.True(cut.Truncated);
        Assert.Equal("12345\n", cut.Text);

        OutputCapture none = Capture(Utf8("abc"), maxBytes: 0, lines: false).Capture;
        Assert.Equal((3L, true, ""), (none.TotalBytes, none.Truncated, none.Text));

        OutputCapture big = Capture(new byte[100_000], maxBytes: 70_000, chunk: 3000, lines: false).Capture;
        Assert.Equal(70_000, big.Text.Length);
        Assert.Equal(100_000, big.TotalBytes);
    }

    [Fact]
    public void LinesAreHandedOverWithoutTheirBreaksWhereverTheReadsEnd()
    {
        byte[] data = Utf8("one\r\ntwo\n\nthré€\r\nlast");
        foreach (int chunk in new[] { 1, 2, 5, int.MaxValue })
        {
            List<OutputLinePiece> pieces = Capture(data, chunk: chunk).Pieces;
            Assert.Equal(new[] { "one", "two", "", "thré€", "last" }, pieces.Select(p => p.Text));
            Assert.All(pieces, p => Assert.Equal((0L, false), (p.Offset, p.Continues)));
        }

        Assert.Empty(Capture(Array.Empty<byte>()).Pieces);
        Assert.Equal(new[] { "x" }, Capture(Utf8("x\n")).Pieces.Select(p => p.Text));

        // A carriage return inside a line, or at the end of a piece that goes on, is text; one before the end is not.
        Assert.Equal(new[] { "a\rb", "c" }, Capture(Utf8("a\rb\nc\r")).Pieces.Select(p => p.Text));
        Assert.Equal(new[] { "ab\r", "c" }, Capture(Utf8("ab\rc"), maxLineChars: 3).Pieces.Select(p => p.Text));
    }

    [Fact]
    public void ALongLineComesInPiecesThatSayWhereTheyStart()
    {
        List<OutputLinePiece> pieces = Capture(Utf8("abcdefgh\nxyz\nuvwx"), maxLineChars: 3, chunk: 2).Pieces;
        Assert.Equal(
            new[] { new OutputLinePiece("abc", 0, true), new OutputLinePiece("def", 3, true), new OutputLinePiece("gh", 6, false), new OutputLinePiece("xyz", 0, false), new OutputLinePiece("uvw", 0, true), new OutputLinePiece("x", 3, false) },
            pieces);

        // A line of exactly the limit is whole; a character pair is never split between pieces.
        Assert.Equal(new[] { new OutputLinePiece("abc", 0, false) }, Capture(Utf8("abc"), maxLineChars: 3).Pieces);
        List<OutputLinePiece> emoji = Capture(Utf8("a😀b"), maxLineChars: 2, chunk: 1).Pieces;
        Assert.Equal(new[] { new OutputLinePiece("a\ud83d\ude00", 0, true), new OutputLinePiece("b", 3, false) }, emoji);

        Assert.Throws<ArgumentOutOfRangeException>(() => new OutputCapture(10, null, 0));
        Assert.Single(Capture(Utf8("a"), maxLineChars: 1).Pieces);
    }

    [Fact]
    public void TheNextReadWaitsUntilTheLinesOfTheLastOneWereTaken()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = new List<string>();
        var capture = new OutputCapture(1 << 20, async piece =>
        {
            taken.Add(piece.Text);
            if (piece.Text == "first")
            {
                await release.Task;
            }
        });
        var stream = new ChunkedStream(Utf8("first\nsecond\n"), 6);
        Task reading = capture.ReadToEndAsync(stream);

        Assert.False(reading.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(new[] { "first" }, taken);
        Assert.Equal(6, stream.Position);
        release.SetResult();
        Assert.True(reading.Wait(TimeSpan.FromMinutes(1)));
        Assert.Equal(new[] { "first", "second" }, taken);
    }

    [Fact]
    public void AReadThatFailsOrIsAbandonedKeepsWhatWasRead()
    {
        var pieces = new List<OutputLinePiece>();
        var capture = new OutputCapture(100, piece => { pieces.Add(piece); return ValueTask.CompletedTask; });
        capture.ReadToEndAsync(new ChunkedStream(Utf8("kept\npartial"), 100) { FailAtEnd = new IOException("pipe torn down") }).GetAwaiter().GetResult();
        Assert.Equal("kept\npartial", capture.Text);
        Assert.Equal(new[] { "kept", "partial" }, pieces.Select(p => p.Text));

        using var abandon = new CancellationTokenSource();
        abandon.Cancel();
        var abandoned = new OutputCapture(100);
        abandoned.ReadToEndAsync(new ChunkedStream(Utf8("never"), 100), abandon.Token).GetAwaiter().GetResult();
        Assert.Equal((0L, ""), (abandoned.TotalBytes, abandoned.Text));

        var closed = new OutputCapture(100);
        closed.ReadToEndAsync(new ChunkedStream(Utf8("x"), 100) { FailAtEnd = new ObjectDisposedException("stream") }).GetAwaiter().GetResult();
        Assert.Equal("x", closed.Text);

        var other = new OutputCapture(100);
        Assert.Throws<InvalidOperationException>(() => other.ReadToEndAsync(new ChunkedStream(Utf8("x"), 100) { FailAtEnd = new InvalidOperationException("bug") }).GetAwaiter().GetResult());
    }

    private static readonly (string Start, ChildStartInfo Info)[] NulRequests =
    {
        ("The file name 'a`0b' contains a NUL character", new ChildStartInfo("a\0b", Array.Empty<string>())),
        ("Argument 2 'x`0y`0' contains a NUL character", new ChildStartInfo("sh", new[] { "ok", "x\0y\0" })),
        ("The working directory '/t`0' contains a NUL character", new ChildStartInfo("sh", Array.Empty<string>()) { WorkingDirectory = "/t\0" }),
        ("The environment variable name 'A=B' is empty or contains '=' or a NUL character", Env("A=B", "v")),
        ("The environment variable name '' is empty or contains '=' or a NUL character", Env("", "v")),
        ("The environment variable name 'A`0' is empty or contains '=' or a NUL character", Env("A\0", "v")),
        ("The value of environment variable 'NAME' ('v`0') contains a NUL character", Env("NAME", "v\0")),
    };

    private static ChildStartInfo Env(string name, string? value) =>
        new("sh", Array.Empty<string>()) { Environment = new Dictionary<string, string?> { [name] = value } };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void ARequestThatCannotReachAProcessIsRefusedSayingWhichPart(int which)
    {
        (string start, ChildStartInfo info) = NulRequests[which];
        var error = Assert.Throws<ChildStartException>(() => ChildProcess.CheckNoNul(info));
        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was started.", error.Message, StringComparison.Ordinal);
        Assert.Equal(ChildStartFailure.InvalidArgument, error.Failure);
    }

    [Fact]
    public void ACleanRequestPasses()
    {
        ChildProcess.CheckNoNul(new ChildStartInfo("sh", new[] { "-c", "a=b" }) { WorkingDirectory = "/tmp", Environment = new Dictionary<string, string?> { ["A"] = "x=y", ["B"] = null } });
        ChildProcess.CheckNoNul(new ChildStartInfo("sh", Array.Empty<string>()));
        Assert.Equal("fileName", Assert.Throws<ArgumentNullException>(() => new ChildStartInfo(null!, Array.Empty<string>())).ParamName);
        Assert.Equal("arguments", Assert.Throws<ArgumentNullException>(() => new ChildStartInfo("sh", null!)).ParamName);
    }

    [Fact]
    public void TheChildsEnvironmentIsThisOnePlusTheChanges()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        SortedDictionary<string, string> same = ChildProcess.MergeEnvironment(null);
        Assert.Equal(path, same["PATH"]);
        Assert.Equal(Environment.GetEnvironmentVariables().Count, same.Count);

        SortedDictionary<string, string> changed = ChildProcess.MergeEnvironment(new Dictionary<string, string?>
        {
            ["PATH"] = "/only",
            ["CT_RULES_NEW"] = "new",
            ["HOME"] = null,
            ["CT_RULES_ABSENT"] = null,
        });
        Assert.Equal("/only", changed["PATH"]);
        Assert.Equal("new", changed["CT_RULES_NEW"]);
        Assert.False(changed.ContainsKey("HOME"));
        Assert.False(changed.ContainsKey("CT_RULES_ABSENT"));
        Assert.Equal(same.Count - (same.ContainsKey("HOME") ? 1 : 0) + 1, changed.Count);

        // Ordinal order, as a C program's sorted environment.
        Assert.Equal(changed.Keys.OrderBy(k => k, StringComparer.Ordinal), changed.Keys);
    }

    [Fact]
    public void AnExecutableIsAPathAsGivenOrTheFirstRunnableFileOnPath()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string root = Directory.CreateTempSubdirectory("ct-resolve-").FullName;
        try
        {
            string first = Directory.CreateDirectory(Path.Combine(root, "first")).FullName;
            string second = Directory.CreateDirectory(Path.Combine(root, "second")).FullName;
            string third = Directory.CreateDirectory(Path.Combine(root, "third")).FullName;
            File.WriteAllText(Path.Combine(first, "tool"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(first, "tool"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(Path.Combine(second, "tool"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(second, "tool"), UnixFileMode.UserRead | UnixFileMode.OtherExecute);
            File.WriteAllText(Path.Combine(third, "tool"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(third, "tool"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

            // The first file that may be run wins; one that may not is passed over; empty entries are ignored.
            Assert.Equal(Path.Combine(second, "tool"), ChildProcess.ResolveExecutable("tool", null, $"::{first}::{second}:{third}"));
            Assert.Equal(Path.Combine(third, "tool"), ChildProcess.ResolveExecutable("tool", null, $"{third}:{second}"));

            var denied = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable("tool", null, $"{root}:{first}"));
            Assert.Equal($"'{Path.Combine(first, "tool")}' is not executable (permission denied).", denied.Message);
            Assert.Equal(ChildStartFailure.PermissionDenied, denied.Failure);

            var missing = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable("tool", null, null));
            Assert.Equal("'tool' was not found on PATH.", missing.Message);
            Assert.Equal(ChildStartFailure.NotFound, missing.Failure);

            // A path is taken as given, relative to the working directory, and never searched.
            Assert.Equal(Path.Combine(first, "tool"), ChildProcess.ResolveExecutable("first/tool", root, third));
            Assert.Equal(Path.Combine(third, "tool"), ChildProcess.ResolveExecutable(Path.Combine(third, "tool"), "/nowhere", null));
            var notThere = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable("second/none", root, third));
            Assert.Equal("The file 'second/none' does not exist.", notThere.Message);
            Assert.Equal(ChildStartFailure.NotFound, notThere.Failure);
            var directory = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable("./first", root, null));
            Assert.Equal("'./first' is a directory, not an executable file (permission denied).", directory.Message);
            Assert.Equal(ChildStartFailure.PermissionDenied, directory.Failure);

            var empty = Assert.Throws<ChildStartException>(() => ChildProcess.ResolveExecutable(string.Empty, root, third));
            Assert.Equal(("The file name is empty.", ChildStartFailure.InvalidArgument), (empty.Message, empty.Failure));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void StartErrorsAndWaitStatusesMeanWhatTheSystemSays()
    {
        Assert.Equal(ChildStartFailure.PermissionDenied, ChildProcess.FailureOf(1));
        Assert.Equal(ChildStartFailure.PermissionDenied, ChildProcess.FailureOf(13));
        Assert.Equal(ChildStartFailure.NotFound, ChildProcess.FailureOf(2));
        Assert.Equal(ChildStartFailure.NotFound, ChildProcess.FailureOf(20));
        Assert.Equal(ChildStartFailure.Other, ChildProcess.FailureOf(12));
        Assert.Equal(ChildStartFailure.Other, new ChildStartException("m").Failure);

        var cpu = TimeSpan.FromMilliseconds(5);
        Assert.Equal(new ChildExit(0, null, cpu, 100), ChildExit.FromWaitStatus(0, cpu, 100));
        Assert.Equal(new ChildExit(3, null, null, null), ChildExit.FromWaitStatus(3 << 8, null, null));
        Assert.Equal(new ChildExit(255, null, null, null), ChildExit.FromWaitStatus(0xff00, null, null));
        Assert.Equal(new ChildExit(137, 9, cpu, null), ChildExit.FromWaitStatus(9, cpu, null));

        // SIGSEGV with its core-dump bit: the signal is the low seven bits.
        Assert.Equal(new ChildExit(139, 11, null, 7), ChildExit.FromWaitStatus(0x80 | 11, null, 7));
    }

    [Fact]
    public void AWorkerHostsCommandLineCarriesTheWorkloadArguments()
    {
        WorkerHost dotnet = WorkerHost.ForDotnet("/usr/bin/dotnet", "/m/ConcurrencyTools.Worker.dll");
        Assert.Equal(("dotnet", "/usr/bin/dotnet", (string?)null), (dotnet.Kind, dotnet.FileName, dotnet.FallbackReason));
        Assert.Equal("dotnet: /usr/bin/dotnet", dotnet.ToString());
        ChildStartInfo info = dotnet.CreateStartInfo(new[] { "--workload", "Io" });
        Assert.Equal("/usr/bin/dotnet", info.FileName);
        Assert.Equal(new[] { "/m/ConcurrencyTools.Worker.dll", "--workload", "Io" }, info.Arguments);
        Assert.Equal("Major", Assert.Single(info.Environment!, v => v.Key == "DOTNET_ROLL_FORWARD").Value);
        Assert.Single(info.Environment!);

        WorkerHost native = WorkerHost.ForNative("/m/linux-x64/ConcurrencyTools.Worker");
        Assert.Equal(WorkerHost.NativeKind, native.Kind);
        Assert.Equal("native", WorkerHost.NativeKind);
        Assert.Equal(new[] { "--tasks", "2" }, native.CreateStartInfo(new[] { "--tasks", "2" }).Arguments);

        WorkerHost pwsh = WorkerHost.ForPwsh("/usr/bin/pwsh", "/it's/Engine.dll");
        Assert.Equal(
            new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "Add-Type -Path '/it''s/Engine.dll'; exit [ConcurrencyTools.Engine.Processes.WorkerServer]::RunStandardStreams([string[]]@('--a', 'b''c'))" },
            pwsh.CreateStartInfo(new[] { "--a", "b'c" }).Arguments);

        Assert.Equal("ConcurrencyTools.Worker", WorkerHost.NativeWorkerName);
        Assert.Equal("CONCURRENCYTOOLS_WORKER_HOST", WorkerHost.OverrideVariable);
        Assert.Matches("^linux(-musl)?-(x64|arm64)$", WorkerHost.CurrentRuntimeIdentifier);
    }

    [Fact]
    public void TheTreeBelowAProcessIsReadFromProcEvenWhenANameHoldsParentheses()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(ProcessTree.TryReadParent(Environment.ProcessId, out int parent));
        Assert.True(parent > 0 && parent != Environment.ProcessId);
        Assert.False(ProcessTree.TryReadParent(int.MaxValue, out int none));
        Assert.Equal(0, none);

        // A program whose name holds ") (" and spaces, below a shell: the child first, then the grandchild.
        string directory = Directory.CreateTempSubdirectory("ct-tree-").FullName;
        string odd = Path.Combine(directory, "a) b (c");
        File.Copy("/bin/sleep", odd);
        File.SetUnixFileMode(odd, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", new[] { "-c", "\"$0\" 60 & echo $!; wait", odd }) { RedirectStandardOutput = true })!;
        try
        {
            int grandchild = int.Parse(shell.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ProcessTree.TryReadParent(grandchild, out int grandparent));
            Assert.Equal(shell.Id, grandparent);
            List<int> below = ProcessTree.Descendants(Environment.ProcessId);
            Assert.True(below.IndexOf(shell.Id) >= 0 && below.IndexOf(shell.Id) < below.IndexOf(grandchild), string.Join(",", below));
            Assert.Equal(new[] { grandchild }, ProcessTree.Descendants(shell.Id));
            Assert.Empty(ProcessTree.Descendants(grandchild));
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
            shell.WaitForExit();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AZombieIsNoLongerInTheTree()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The shell's background child ends and is never waited for: the program the shell became does not reap it.
        // The child ends only when this test closes the shell's input, after the shell became sleep: a child that ended
        // before that could be reaped by the shell itself, and then it has left /proc before this test looks.
        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "sh", new[] { "-c", "exec 3<&0; (read line <&3) & echo $!; exec sleep 60" }) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            int zombie = int.Parse(shell.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (File.ReadAllText($"/proc/{shell.Id}/comm").Trim() != "sleep")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the shell never became sleep");
                Thread.Sleep(10);
            }

            shell.StandardInput.Close();
            while (!File.ReadAllText($"/proc/{zombie}/stat").Split(") ")[^1].StartsWith('Z'))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the child never ended");
                Thread.Sleep(10);
            }

            Assert.False(ProcessTree.TryReadParent(zombie, out _));
            Assert.DoesNotContain(zombie, ProcessTree.Descendants(Environment.ProcessId));
            Assert.Contains(shell.Id, ProcessTree.Descendants(Environment.ProcessId));
        }
        finally
        {
            shell.Kill();
            shell.WaitForExit();
        }
    }

    [Fact]
    public void TheEnvironmentBlockHoldsEveryVariableInOrder()
    {
        var changes = new Dictionary<string, string?> { ["CT_RULES_BLOCK"] = "välue", ["HOME"] = null };
        ChildEnvironment environment = ChildEnvironment.Build(changes);
        var seen = new List<string>();
        for (int i = 0; System.Runtime.InteropServices.Marshal.ReadIntPtr(environment.Block, i * IntPtr.Size) is var entry && entry != IntPtr.Zero; i++)
        {
            seen.Add(System.Runtime.InteropServices.Marshal.PtrToStringUTF8(entry)!);
        }

        Assert.Equal(ChildProcess.MergeEnvironment(changes).Select(v => $"{v.Key}={v.Value}"), seen);
        GC.KeepAlive(environment);
    }

    [Fact]
    public void ATasksCpuFigureIsWhatItsThreadUsedDuringTheTask()
    {
        if (!Measurement.ThreadCpuClock.IsThreadTime)
        {
            return;
        }

        // CPU used on this thread before the request must not count: burn some first.
        double start = Measurement.ThreadCpuClock.NowMs();
        while (Measurement.ThreadCpuClock.NowMs() - start < 100)
        {
        }

        var spec = new WorkloadSpec(WorkloadKind.Cpu, tasks: 1, iterations: 5_000_000);
        double before = Measurement.ThreadCpuClock.NowMs();
        string[] lines = Serve(spec, "run 0\n", out _);
        double around = Measurement.ThreadCpuClock.NowMs() - before;

        double cpu = double.Parse(lines[1].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cpu, double.Epsilon, around);
        Assert.Equal(0, WorkerServer.Run(spec.ToArguments().ToArray(), new StringReader(string.Empty), TextWriter.Null));
        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => WorkerServer.Run(spec.ToArguments().ToArray(), (ParentPipe)null!, TextWriter.Null)).ParamName);
    }

    [Fact]
    public void AParentPipeNeedsItsInputAndItsCallback()
    {
        Assert.Throws<ArgumentNullException>(() => new ParentPipe(null!, () => { }));
        Assert.Equal("parentGone", Assert.Throws<ArgumentNullException>(() => new ParentPipe(new StringReader(string.Empty), null!)).ParamName);
        Assert.Equal(3, ParentPipe.ParentGoneExitCode);
    }

    /// <summary>A stream that returns at most <c>chunk</c> bytes a read, then end-of-file or the given error.</summary>
    private sealed class ChunkedStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _chunk;
        private int _position;

        public ChunkedStream(byte[] data, int chunk)
        {
            _data = data;
            _chunk = chunk;
        }

        public Exception? FailAtEnd { get; init; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _data.Length;

        public override long Position
        {
            get => Volatile.Read(ref _position);
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int take = Math.Min(Math.Min(count, _chunk), _data.Length - _position);
            if (take == 0 && FailAtEnd is not null)
            {
                throw FailAtEnd;
            }

            Array.Copy(_data, _position, buffer, offset, take);
            Volatile.Write(ref _position, _position + take);
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int take = Math.Min(Math.Min(buffer.Length, _chunk), _data.Length - _position);
            if (take == 0 && FailAtEnd is not null)
            {
                throw FailAtEnd;
            }

            _data.AsMemory(_position, take).CopyTo(buffer);
            Volatile.Write(ref _position, _position + take);
            return ValueTask.FromResult(take);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
