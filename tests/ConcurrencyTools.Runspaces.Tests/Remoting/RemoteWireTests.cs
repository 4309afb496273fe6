using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The text that crosses the wire between a remote pool and its host: what goes in comes out, whatever it holds.</summary>
public sealed class RemoteWireTests
{
    private static readonly ProcessTask Task7 = new(7, "seven", "sh", ["-c", "echo"]);

    [Fact]
    public void A_row_comes_back_with_every_column_whatever_its_text_holds()
    {
        var start = new DateTimeOffset(2026, 12, 5, 4, 30, 0, TimeSpan.FromHours(5.5));
        var sent = new ProcessTaskResult(new ProcessTask(123, string.Empty, "sh", []), "host")
        {
            MachineName = "box\tone",
            Slot = 2,
            ProcessId = 4242,
            StartTime = start,
            EndTime = start.AddMilliseconds(12.5),
            DurationMs = 12.345678901234,
            CpuTimeMs = 0.1,
            PeakWorkingSetBytes = 5_000_000_000,
            ExitCode = -1,
            Signal = 9,
            TimedOut = true,
            Succeeded = false,
            StdOut = "a\\tb\tc\nd\r\n\\N\\",
            StdErr = string.Empty,
            StdInBytes = 1,
            StdOutBytes = 2,
            StdErrBytes = 3,
            Truncated = true,
            Error = null,
        };

        (double elapsed, var records) = RemoteWire.ReadAnswer(RemoteWire.WriteAnswer(3.25, [RemoteWire.WriteRow(123, sent)]));
        ProcessTaskResult row = RemoteWire.ReadRow(records.Single(), Task7, "127.0.0.9", firstSlot: 5, attempt: 3);

        Assert.Equal(3.25, elapsed);
        Assert.Equal(123, RemoteWire.IdOf(records.Single()));
        Assert.Equal(7, row.Seq);
        Assert.Equal("127.0.0.9", row.ComputerName);
        Assert.Equal("box\tone", row.MachineName);
        Assert.Equal(6, row.Slot);
        Assert.Equal(3, row.Attempt);
        Assert.Equal(4242, row.ProcessId);
        Assert.Equal(start, row.StartTime);
        Assert.Equal(TimeSpan.FromHours(5.5), row.StartTime!.Value.Offset);
        Assert.Equal(start.AddMilliseconds(12.5), row.EndTime);
        Assert.Equal(12.345678901234, row.DurationMs);
        Assert.Equal(0.1, row.CpuTimeMs);
        Assert.Equal(5_000_000_000, row.PeakWorkingSetBytes);
        Assert.Equal(-1, row.ExitCode);
        Assert.Equal(9, row.Signal);
        Assert.True(row.TimedOut);
        Assert.False(row.Succeeded);
        Assert.Equal("a\\tb\tc\nd\r\n\\N\\", row.StdOut);
        Assert.Equal(string.Empty, row.StdErr);
        Assert.Equal((1, 2, 3), (row.StdInBytes, row.StdOutBytes, row.StdErrBytes));
        Assert.True(row.Truncated);
        Assert.Null(row.Error);
    }

    [Fact]
    public void Empty_columns_stay_empty_and_text_that_looks_like_the_null_marker_stays_text()
    {
        var sent = new ProcessTaskResult(new ProcessTask(1, string.Empty, "x", []), "host") { Error = "\\N", StdOut = "\\" };

        ProcessTaskResult row = RemoteWire.ReadRow(RemoteWire.ReadAnswer(RemoteWire.WriteAnswer(0, [RemoteWire.WriteRow(1, sent)])).Records[0], Task7, "h", 1, 1);

        Assert.Null(row.ProcessId);
        Assert.Null(row.StartTime);
        Assert.Null(row.DurationMs);
        Assert.Null(row.ExitCode);
        Assert.Equal("\\N", row.Error);
        Assert.Equal("\\", row.StdOut);
    }

    [Fact]
    public void Rows_read_the_same_in_another_culture()
    {
        CultureInfo before = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            string text = RemoteWire.WriteAnswer(1.5, [RemoteWire.WriteRow(1, new ProcessTaskResult(Task7, "h") { DurationMs = 1234.5 })]);
            Thread.CurrentThread.CurrentCulture = CultureInfo.GetCultureInfo("fr-FR");
            (double elapsed, var records) = RemoteWire.ReadAnswer(text);
            Assert.Equal(1.5, elapsed);
            Assert.Equal(1234.5, RemoteWire.ReadRow(records[0], Task7, "h", 1, 1).DurationMs);
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = before;
        }
    }

    [Fact]
    public void An_output_line_and_a_batch_of_tasks_come_back_whole()
    {
        var line = new ProcessOutputLine(99, 1, 555, "StdErr", "x\ty\\z", offset: 4096, continues: true);
        var record = RemoteWire.ReadAnswer(RemoteWire.WriteAnswer(0, [RemoteWire.WriteLine(3, line)])).Records[0];
        ProcessOutputLine back = RemoteWire.ReadLine(record, seq: 7, attempt: 2);
        Assert.Equal((7L, 2, 555, "StdErr", "x\ty\\z", 4096L, true), (back.Seq, back.Attempt, back.ProcessId, back.Stream, back.Line, back.Offset, back.Continues));
        Assert.Throws<FormatException>(() => RemoteWire.ReadRow(record, Task7, "h", 1, 1));

        var tasks = RemoteWire.ReadTasks(RemoteWire.WriteTasks([(11, new ProcessTask(1, "in", "sh", ["-c", "a\tb \"c\"\n"], "stdin\n"))]));
        Assert.Equal(11, tasks.Single().Id);
        Assert.Equal(["-c", "a\tb \"c\"\n"], tasks.Single().Task.Arguments);
        Assert.Equal("stdin\n", tasks.Single().Task.StandardInput);
        Assert.Empty(RemoteWire.ReadTasks(null));
    }
}
