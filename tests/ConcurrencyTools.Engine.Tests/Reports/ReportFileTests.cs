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

    private sealed class StopOn(string step, CancellationTokenSource stop) : IProgress<ReportProgress>
    {
        public void Report(ReportProgress value)
        {
            if (value.Step == step)
            {
                stop.Cancel();
            }
        }
    }
}
