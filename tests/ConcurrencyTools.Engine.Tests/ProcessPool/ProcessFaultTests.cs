using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Faults of the process pool and its children: hostile arguments, stubborn grandchildren, endless lines, the host going away.</summary>
public class ProcessFaultTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>A NUL would end the C string: the child would get "a", and the row would say it succeeded.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnArgumentWithNulIsARowWithItsErrorAndNothingStarts(bool portable)
    {
        var options = new ProcessPoolOptions { ThrottleLimit = 1 };
        ProcessTaskResult row = RunOne(options, new ProcessTask(1, "x", "printf", new[] { "%s", "a\0b" }), portable);
        Assert.False(row.Succeeded);
        Assert.Null(row.ProcessId);
        Assert.Equal(ChildStartFailure.InvalidArgument, row.GetStartFailure());
        Assert.StartsWith("Argument 2 'a`0b' contains a NUL character", row.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEnvironmentValueWithNulIsARowWithItsError()
    {
        var options = new ProcessPoolOptions { Environment = new Dictionary<string, string?> { ["CT_FAULT"] = "a\0b" } };
        ProcessTaskResult row = RunOne(options, new ProcessTask(1, "x", "printenv", new[] { "CT_FAULT" }));
        Assert.Null(row.ProcessId);
        Assert.Equal(ChildStartFailure.InvalidArgument, row.GetStartFailure());
        Assert.Contains("environment variable 'CT_FAULT'", row.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatMayNotBeRunIsPermissionDeniedAndAMissingOneNotFound()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string file = Path.Combine(Path.GetTempPath(), $"ct-not-executable-{Environment.ProcessId}.sh");
        File.WriteAllText(file, "echo hi\n");
        try
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(ChildStartFailure.PermissionDenied, RunOne(new ProcessPoolOptions(), new ProcessTask(1, "x", file, Array.Empty<string>())).GetStartFailure());
            Assert.Equal(ChildStartFailure.NotFound, RunOne(new ProcessPoolOptions(), new ProcessTask(1, "x", file + ".missing", Array.Empty<string>())).GetStartFailure());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AGrandchildHoldingTheOutputPastTheLimitMakesTheTaskTimedOut()
    {
        var options = new ProcessPoolOptions { Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        ProcessTaskResult row = RunOne(options, new ProcessTask(1, "x", "sh", new[] { "-c", "(sleep 30) & exit 0" }));
        Assert.True(row.TimedOut);
        Assert.False(row.Succeeded);
        Assert.StartsWith("Timed out after 1 s", row.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the grandchild was not killed");
    }

    [Fact]
    public void AChildThatExitsCleanlyBeforeTheLimitSucceeds()
    {
        var options = new ProcessPoolOptions { Timeout = TimeSpan.FromSeconds(30) };
        ProcessTaskResult row = RunOne(options, new ProcessTask(1, "x", "sh", new[] { "-c", "(true) & exit 0" }));
        Assert.True(row.Succeeded);
        Assert.False(row.TimedOut);
    }

    [Fact]
    public async Task ALongLineIsHandedOverInPiecesThatSayWhereItWasCut()
    {
        var pieces = new List<OutputLinePiece>();
        var capture = new OutputCapture(16, piece =>
        {
            pieces.Add(piece);
            return ValueTask.CompletedTask;
        }, maxLineChars: 4);
        await capture.ReadToEndAsync(new MemoryStream(Encoding.UTF8.GetBytes("abcdefghij\r\nwxyz\nvé\n12345")));
        Assert.Equal(
            new[]
            {
                new OutputLinePiece("abcd", 0, true), new OutputLinePiece("efgh", 4, true), new OutputLinePiece("ij", 8, false),
                new OutputLinePiece("wxyz", 0, false), new OutputLinePiece("vé", 0, false),
                new OutputLinePiece("1234", 0, true), new OutputLinePiece("5", 4, false),
            },
            pieces);
        Assert.Equal(26, capture.TotalBytes);
        Assert.True(capture.Truncated);
    }

    [Fact]
    public void ACutLineSaysWhereOnTheInformationStream()
    {
        Assert.Equal("[3] abcd (line cut at character 4; it goes on in the next message)", new ProcessOutputLine(3, 1, 9, "StdOut", "abcd", 0, true).ToString());
        Assert.Equal("[3] (line continued from character 4) ef", new ProcessOutputLine(3, 1, 9, "StdOut", "ef", 4, false).ToString());
        Assert.Equal("[3] plain", new ProcessOutputLine(3, 1, 9, "StdOut", "plain").ToString());
    }

    [Fact]
    public void LinesNotTakenMakeTheWritingTaskWaitInsteadOfPilingUp()
    {
        // 4000 lines into a queue of 8 that nobody reads: the task cannot finish until lines are taken.
        var options = new ProcessPoolOptions { StreamLines = true, LineQueueCapacity = 8, ThrottleLimit = 1 };
        using var pool = new BoundedProcessPool(options);
        Assert.True(pool.TryAdd(new ProcessTask(1, "x", "sh", new[] { "-c", "i=0; while [ $i -lt 4000 ]; do echo line $i; i=$((i+1)); done" })));
        pool.CompleteAdding();
        Thread.Sleep(1500);
        Assert.False(pool.TryTakeResult(out _));
        Assert.True(pool.GetProgress().Running == 1, "the task should still be waiting to write");

        int lines = 0;
        var clock = Stopwatch.StartNew();
        ProcessTaskResult? row = null;
        while (row is null && clock.Elapsed < HangGuard)
        {
            while (pool.TryTakeLine(out _))
            {
                lines++;
            }

            if (pool.TryTakeResult(out ProcessTaskResult done))
            {
                row = done;
            }

            pool.WaitForActivity(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }

        while (pool.TryTakeLine(out _))
        {
            lines++;
        }

        Assert.NotNull(row);
        Assert.True(row!.Succeeded);
        Assert.Equal(4000, lines);
    }

    private static ProcessTaskResult RunOne(ProcessPoolOptions options, ProcessTask task, bool portable = false) =>
        Assert.Single(ProcessPoolTests.Run(options, new[] { task }, new[] { new LocalProcessRunner(options, options.ThrottleLimit, portable) }));
}
