using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using ConcurrencyTools.Engine.Reports;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Writing a report file all or nothing: a failure or a stop leaves the old report and no temporary file.</summary>
public sealed class ReportFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ct-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AWriteThatFailsOverAnExistingReportLeavesItUnchangedAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "the old report");
        var failing = new FailingProgress("Writing the page");
        Assert.Throws<IOException>(() => Report().WriteFile(path, new ReportHeader(), progress: failing));
        Assert.True(failing.Failed);
        Assert.Equal("the old report", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void AStoppedWriteLeavesTheOldReportAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "the old report");
        using var stop = new CancellationTokenSource();
        var stopping = new StopOn("Drawing the process pool", stop);
        Assert.ThrowsAny<OperationCanceledException>(() => Report().WriteFile(path, new ReportHeader(), cancellationToken: stop.Token, progress: stopping));
        Assert.Equal("the old report", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void APathThatIsADirectoryFailsAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "taken");
        Directory.CreateDirectory(path);
        Assert.Throws<IOException>(() => Report().WriteFile(path, new ReportHeader()));
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void NoClobberLeavesAnExistingFileAndOtherwiseTheReportReplacesIt()
    {
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "the old report");
        IOException refused = Assert.Throws<IOException>(() => Report().WriteFile(path, new ReportHeader(), noClobber: true));
        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        Assert.Equal("the old report", File.ReadAllText(path));

        Report().WriteFile(path, new ReportHeader { Title = "Fresh" });
        Assert.Contains("Fresh", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void AStopDuringTheLastStepStillLeavesTheOldReport()
    {
        // The page is complete when the stop comes: only the check before the rename keeps it from replacing the old one.
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "the old report");
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Report().WriteFile(path, new ReportHeader(), cancellationToken: stop.Token, progress: new StopOn("Writing the page", stop)));
        Assert.Equal("the old report", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Theory]
    [InlineData("Drawing speedups and run times", 1)]
    [InlineData("Drawing the process pool", 2)]
    [InlineData("Drawing race tests and producer/consumer runs", 3)]
    public void AStopEndsTheWriteBeforeTheNextStep(string stoppedAt, int stepsReported)
    {
        using var stop = new CancellationTokenSource();
        var steps = new StopOn(stoppedAt, stop);
        Assert.ThrowsAny<OperationCanceledException>(() => Report().Write(TextWriter.Null, new ReportHeader(), stop.Token, steps));
        Assert.Equal(
            new[] { "Drawing speedups and run times", "Drawing the process pool", "Drawing race tests and producer/consumer runs" }[..stepsReported],
            steps.Seen);
    }

    [Fact]
    public void TheErrorsOfABadPathNameThePath()
    {
        string directory = Path.Combine(_directory, "taken");
        Directory.CreateDirectory(directory);
        Assert.Equal($"'{directory}' is a directory.", Assert.Throws<IOException>(() => Report().WriteFile(directory, new ReportHeader())).Message);

        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "the old report");
        Assert.Equal($"The file '{path}' already exists (NoClobber).", Assert.Throws<IOException>(() => Report().WriteFile(path, new ReportHeader(), noClobber: true)).Message);

        Assert.Throws<ArgumentNullException>(() => Report().WriteFile(null!, new ReportHeader()));
        Assert.Throws<ArgumentException>(() => Report().WriteFile(string.Empty, new ReportHeader()));
    }

    [Fact]
    public void ANewReportIsWrittenWithoutAByteOrderMarkAndNoClobberAllowsANewFile()
    {
        string path = Path.Combine(_directory, "new.html");
        ReportContents contents = Report().WriteFile(path, new ReportHeader(), noClobber: true);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)'<', bytes[0]);
        Assert.EndsWith("</html>" + Environment.NewLine, File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(new[] { "timeline", "durations" }, contents.Charts);
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void ThePageIsWrittenToAHiddenTemporaryFileBesideTheTarget()
    {
        string path = Path.Combine(_directory, "report.html");
        var seen = new ListFilesOn("Writing the page", _directory);
        Report().WriteFile(path, new ReportHeader(), progress: seen);

        // While the page is written, only the temporary file exists: hidden, named after the target, unique.
        string temporary = Path.GetFileName(Assert.Single(seen.Files));
        Assert.Matches("^\\.report\\.html\\.[0-9a-f]{12}\\.tmp$", temporary);
        Assert.StartsWith(ConcurrencyReport.TemporaryPrefix, temporary, StringComparison.Ordinal);
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    private static ConcurrencyReport Report()
    {
        var report = new ConcurrencyReport();
        report.Add(new ReportRow("Contoso.Widget", new Dictionary<string, object?> { ["Color"] = "blue" }));
        report.Add(new ReportRow("ConcurrencyTools.Engine.ProcessPool.ProcessTaskResult", new Dictionary<string, object?>
        {
            ["Seq"] = 1L, ["Slot"] = 1, ["DurationMs"] = 5.0, ["QueueWaitMs"] = 0.1, ["Succeeded"] = true, ["ExitCode"] = 0,
            ["StartTime"] = DateTimeOffset.Now, ["EndTime"] = DateTimeOffset.Now, ["CommandLine"] = "true",
        }));
        return report;
    }

    /// <summary>A progress sink that fails like a full disk at one step.</summary>
    private sealed class FailingProgress(string step) : IProgress<ReportProgress>
    {
        public bool Failed { get; private set; }

        public void Report(ReportProgress value)
        {
            if (value.Step == step)
            {
                Failed = true;
                throw new IOException("No space left on device");
            }
        }
    }

    private sealed class ListFilesOn(string step, string directory) : IProgress<ReportProgress>
    {
        public string[] Files { get; private set; } = Array.Empty<string>();

        public void Report(ReportProgress value)
        {
            if (value.Step == step)
            {
                Files = Directory.GetFiles(directory);
            }
        }
    }

    private sealed class StopOn(string step, CancellationTokenSource stop) : IProgress<ReportProgress>
    {
        public List<string> Seen { get; } = new();

        public void Report(ReportProgress value)
        {
            Seen.Add(value.Step);
            if (value.Step == step)
            {
                stop.Cancel();
            }
        }
    }
}
