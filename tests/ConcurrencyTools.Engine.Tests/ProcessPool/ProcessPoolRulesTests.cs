using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.ProcessPool;

/// <summary>
/// The pool's rules that need no process: the halt policy's limits, parsing and judgement at its boundaries, the
/// options' limits at both edges, the progress figures and text, a task's quoting and copies, a row's columns, an
/// output line's text, the line sink's queueing, and the placeholders' edges.
/// </summary>
public class ProcessPoolRulesTests
{
    private static string? NoProperty(string name) => null;

    private static T InCulture<T>(string culture, Func<T> body)
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo(culture);
            return body();
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void AHaltAfterACountHaltsAtThatManyFailuresWhateverTheShare()
    {
        HaltPolicy policy = HaltPolicy.AfterFailures(3);
        Assert.Equal((3, (double?)null), (policy.Failures, policy.Percent));
        Assert.False(policy.ShouldHalt(2, 2));
        Assert.True(policy.ShouldHalt(3, 1000));
        Assert.True(policy.ShouldHalt(4, 4));
        Assert.Equal("3", policy.ToString());

        Assert.Equal(1, HaltPolicy.AfterFailures(1).Failures);
        Assert.Equal(int.MaxValue, HaltPolicy.AfterFailures(int.MaxValue).Failures);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => HaltPolicy.AfterFailures(0));
        Assert.Equal("HaltAfter", error.ParamName);
    }

    [Fact]
    public void AHaltAfterAShareJudgesFromTenFinishedTasksAndHaltsAtTheShareExactly()
    {
        HaltPolicy policy = HaltPolicy.AfterPercent(10);
        Assert.Equal(((int?)null, 10.0), (policy.Failures, policy.Percent));
        Assert.Equal(10, HaltPolicy.MinimumFinishedForShare);

        // Nine finished, all failed: too few to judge.
        Assert.False(policy.ShouldHalt(9, 9));

        // Ten finished: one failure is 10%, exactly the share.
        Assert.True(policy.ShouldHalt(1, 10));
        Assert.False(policy.ShouldHalt(0, 10));

        // 2 of 20 is exactly 10%; 2 of 21 is below.
        Assert.True(policy.ShouldHalt(2, 20));
        Assert.False(policy.ShouldHalt(2, 21));
        Assert.True(policy.ShouldHalt(3, 21));
    }

    [Fact]
    public void AShareMustLieAboveNoneAndAtMostAll()
    {
        Assert.Equal(100.0, HaltPolicy.AfterPercent(100).Percent);
        Assert.Equal(0.001, HaltPolicy.AfterPercent(0.001).Percent);
        foreach (double bad in new[] { 0, -1, 100.5, double.NaN })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => HaltPolicy.AfterPercent(bad));
            Assert.Equal("HaltAfter", error.ParamName);
        }

        // The message names the value in the invariant culture whatever the current one.
        var german = InCulture("de-DE", () => Assert.Throws<ArgumentOutOfRangeException>(() => HaltPolicy.AfterPercent(100.5)));
        Assert.StartsWith("HaltAfter must be a count of at least 1 or a percentage above 0% and at most 100%; 100.5% is not.", german.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HaltPoliciesParseTheirTextFormsAndSayWhatIsWrong()
    {
        Assert.Equal(10.0, HaltPolicy.Parse("1e1%").Percent);
        Assert.Equal(3, HaltPolicy.Parse(" +3 ").Failures);
        Assert.Equal(50.0, HaltPolicy.Parse("50 %").Percent);
        Assert.Equal("2.5%", InCulture("de-DE", () => HaltPolicy.Parse("2.5%").ToString()));
        Assert.Equal("100%", HaltPolicy.Parse("100%").ToString());

        foreach ((string? text, string shown) in new (string?, string)[] { ("%", "%"), ("3x", "3x"), (null, ""), ("", "") })
        {
            var error = Assert.Throws<ArgumentException>(() => HaltPolicy.Parse(text!));
            Assert.Equal("HaltAfter", error.ParamName);
            Assert.StartsWith($"HaltAfter must be a count of failed tasks (3) or a percentage of finished tasks (10%); '{shown}' is neither.", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheOptionsDefaultsAreTheDocumentedOnes()
    {
        var options = new ProcessPoolOptions();
        Assert.Equal(Environment.ProcessorCount, options.ThrottleLimit);
        Assert.Equal(1024 * 1024, options.MaxOutputBytes);
        Assert.Equal(ProcessPoolOptions.DefaultMaxOutputBytes, options.MaxOutputBytes);
        Assert.Equal(64 * 1024, options.MaxLineChars);
        Assert.Equal(256, options.LineQueueCapacity);
        Assert.Equal((0, 0, false, false), (options.RetryCount, options.ReorderWindow, options.KeepOrder, options.StreamLines));
        Assert.Null(options.Timeout);
        Assert.Null(options.HaltAfter);
        Assert.Equal((1024, 100), (ProcessPoolOptions.MaxThrottleLimit, ProcessPoolOptions.MaxRetryCount));
        options.Validate();
    }

    public static TheoryData<string, ProcessPoolOptions, ProcessPoolOptions> OptionEdges() => new()
    {
        { "ThrottleLimit", new ProcessPoolOptions { ThrottleLimit = 1 }, new ProcessPoolOptions { ThrottleLimit = 0 } },
        { "ThrottleLimit", new ProcessPoolOptions { ThrottleLimit = 1024 }, new ProcessPoolOptions { ThrottleLimit = 1025 } },
        { "RetryCount", new ProcessPoolOptions { RetryCount = 0 }, new ProcessPoolOptions { RetryCount = -1 } },
        { "RetryCount", new ProcessPoolOptions { RetryCount = 100 }, new ProcessPoolOptions { RetryCount = 101 } },
        { "MaxOutputBytes", new ProcessPoolOptions { MaxOutputBytes = 0 }, new ProcessPoolOptions { MaxOutputBytes = -1 } },
        { "ReorderWindow", new ProcessPoolOptions { ReorderWindow = 0 }, new ProcessPoolOptions { ReorderWindow = -1 } },
        { "MaxLineChars", new ProcessPoolOptions { MaxLineChars = 1 }, new ProcessPoolOptions { MaxLineChars = 0 } },
        { "LineQueueCapacity", new ProcessPoolOptions { LineQueueCapacity = 1 }, new ProcessPoolOptions { LineQueueCapacity = 0 } },
        { "TimeoutSeconds", new ProcessPoolOptions { Timeout = TimeSpan.FromMilliseconds(1) }, new ProcessPoolOptions { Timeout = TimeSpan.FromTicks(9_999) } },
        { "TimeoutSeconds", new ProcessPoolOptions { Timeout = TimeSpan.FromDays(7) }, new ProcessPoolOptions { Timeout = TimeSpan.FromDays(7) + TimeSpan.FromMilliseconds(1) } },
    };

    [Theory]
    [MemberData(nameof(OptionEdges))]
    public void EveryOptionIsAcceptedAtItsEdgeAndRejectedOnePastItNamingTheParameter(string parameter, ProcessPoolOptions atEdge, ProcessPoolOptions pastEdge)
    {
        atEdge.Validate();
        var error = Assert.Throws<ArgumentOutOfRangeException>(pastEdge.Validate);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void ProgressCountsWhatArrivedAndEstimatesOnlyOnceTheTotalIsKnown()
    {
        var none = new ProcessPoolProgress(0, 0, 0, 0, 0, inputComplete: false, TimeSpan.FromSeconds(1));
        Assert.Equal(0, none.PercentComplete);
        Assert.Null(none.EstimatedRemaining);
        Assert.Equal("0 of 0+ done, 0 running, 0 failed", none.Describe());

        var third = new ProcessPoolProgress(3, 1, 2, 1, 0, inputComplete: false, TimeSpan.FromSeconds(10));
        Assert.Equal(33, third.PercentComplete);
        Assert.Null(third.EstimatedRemaining);
        Assert.Equal((3L, 1L, 2, 1L, 0L, false), (third.Arrived, third.Completed, third.Running, third.Failed, third.Skipped, third.InputComplete));
        Assert.Equal(TimeSpan.FromSeconds(10), third.Elapsed);
        Assert.Equal("1 of 3+ done, 2 running, 1 failed", third.Describe());

        var known = new ProcessPoolProgress(4, 1, 1, 0, 2, inputComplete: true, TimeSpan.FromSeconds(10));
        Assert.Equal(25, known.PercentComplete);
        Assert.Equal(TimeSpan.FromSeconds(30), known.EstimatedRemaining);
        Assert.Equal("1 of 4 done, 1 running, 0 failed, 2 skipped", known.Describe());

        var half = new ProcessPoolProgress(4, 2, 1, 0, 0, inputComplete: true, TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(10), half.EstimatedRemaining);

        var startedNone = new ProcessPoolProgress(4, 0, 4, 0, 0, inputComplete: true, TimeSpan.FromSeconds(10));
        Assert.Null(startedNone.EstimatedRemaining);

        var done = new ProcessPoolProgress(4, 4, 0, 0, 1, inputComplete: true, TimeSpan.FromSeconds(10));
        Assert.Equal(100, done.PercentComplete);
        Assert.Equal(TimeSpan.Zero, done.EstimatedRemaining);
        Assert.Equal("4 of 4 done, 0 running, 0 failed, 1 skipped", done.Describe());

        // More rows than arrived counted (a count read between two updates) never shows above 100%.
        Assert.Equal(100, new ProcessPoolProgress(2, 3, 0, 0, 0, inputComplete: true, TimeSpan.Zero).PercentComplete);
    }

    [Fact]
    public void ATasksCommandLineQuotesOnlyWhatAShellWouldSplitOrExpand()
    {
        var task = new ProcessTask(5, "in", "/bin/echo", new[] { "plain_@%+=:,./-A9", "two words", "it's", "", "$HOME" });
        Assert.Equal("plain_@%+=:,./-A9 'two words' 'it'\\''s' '' '$HOME'", task.ArgumentsText);
        Assert.Equal("/bin/echo plain_@%+=:,./-A9 'two words' 'it'\\''s' '' '$HOME'", task.CommandLine);
        Assert.Equal("'my tool'", new ProcessTask(1, "x", "my tool", Array.Empty<string>()).CommandLine);
        Assert.Equal("tool", new ProcessTask(1, "x", "tool", Array.Empty<string>()).CommandLine);
        Assert.Equal("tool", new ProcessTask(1, "x", "tool", Array.Empty<string>()).PlannedCommandLine);
        Assert.Equal(string.Empty, new ProcessTask(1, "x", "tool", Array.Empty<string>()).ArgumentsText);
        Assert.Equal("'a\nb'", new ProcessTask(1, "x", "t", new[] { "a\nb" }).ArgumentsText);
        // A trailing newline too: a shell would drop it from an unquoted word (`$` matched before it).
        Assert.Equal("'file.txt\n'", new ProcessTask(1, "x", "t", new[] { "file.txt\n" }).ArgumentsText);
    }

    [Fact]
    public void ATaskKeepsWhatItWasGivenAndRejectsWhatItCannotRun()
    {
        string[] arguments = { "a", "b" };
        var task = new ProcessTask(7, null!, "tool", arguments, "stdin");
        arguments[0] = "changed";
        Assert.Equal((7L, string.Empty, "tool", "stdin"), (task.Seq, task.Input, task.FilePath, task.StandardInput));
        Assert.Equal(new[] { "a", "b" }, task.Arguments.ToArray());
        Assert.Null(task.PreparationError);
        Assert.False(task.SlotTemplated);

        Assert.Equal("arguments", Assert.Throws<ArgumentNullException>(() => new ProcessTask(1, "x", "tool", null!)).ParamName);
        Assert.Equal("filePath", Assert.ThrowsAny<ArgumentException>(() => new ProcessTask(1, "x", "", Array.Empty<string>())).ParamName);
        Assert.Equal("filePath", Assert.ThrowsAny<ArgumentException>(() => new ProcessTask(1, "x", null!, Array.Empty<string>())).ParamName);
    }

    [Fact]
    public void ASlotsCopyOfATaskKeepsItsNumberInputErrorAndMissingInput()
    {
        var task = new ProcessTask(9, "item", "tool", new[] { "--slot={%}" }) { SlotTemplated = true, PreparationError = "why" };
        ProcessTask copy = task.ForSlot(12);
        Assert.NotSame(task, copy);
        Assert.Equal((9L, "item", "tool", (string?)null, "why"), (copy.Seq, copy.Input, copy.FilePath, copy.StandardInput, copy.PreparationError));
        Assert.Equal(new[] { "--slot=12" }, copy.Arguments.ToArray());
        Assert.False(copy.SlotTemplated);
        Assert.Equal("tool '--slot={%}'", task.PlannedCommandLine);
        Assert.Equal("tool --slot=12", copy.CommandLine);
    }

    [Fact]
    public void ARowCopiesItsTasksColumnsAndStartsWithNothingMeasured()
    {
        var task = new ProcessTask(4, "in put", "/bin/tool", new[] { "a b", "c" }, "stdin");
        var row = new ProcessTaskResult(task, "hostA");
        Assert.Equal((4L, "in put", "/bin/tool", "'a b' c", "/bin/tool 'a b' c", "hostA"), (row.Seq, row.Input, row.FilePath, row.Arguments, row.CommandLine, row.ComputerName));
        Assert.Equal(MachineInfo.MachineName, row.MachineName);
        Assert.Equal(string.Empty, row.StdOut);
        Assert.Equal(string.Empty, row.StdErr);
        Assert.Equal((0, 0), (row.Slot, row.Attempt));
        Assert.Null(row.ProcessId);
        Assert.Null(row.StartTime);
        Assert.Null(row.DurationMs);
        Assert.Null(row.CpuTimeMs);
        Assert.Null(row.ExitCode);
        Assert.Null(row.Error);
        Assert.False(row.Succeeded || row.Skipped || row.TimedOut || row.Truncated);
        Assert.Null(row.GetStartFailure());
        row.StartFailure = ChildStartFailure.NotFound;
        Assert.Equal(ChildStartFailure.NotFound, row.GetStartFailure());
    }

    [Fact]
    public void AnOutputLineSaysItsTaskAndWhereAPieceWasCut()
    {
        var whole = new ProcessOutputLine(3, 2, 400, "StdOut", "hello");
        Assert.Equal((3L, 2, 400, "StdOut", "hello", 0L, false), (whole.Seq, whole.Attempt, whole.ProcessId, whole.Stream, whole.Line, whole.Offset, whole.Continues));
        Assert.Equal("[3] hello", whole.ToString());

        Assert.Equal("[3] abcd (line cut at character 4; it goes on in the next message)", new ProcessOutputLine(3, 1, 1, "StdErr", "abcd", 0, continues: true).ToString());
        Assert.Equal("[3] (line continued from character 4) efgh (line cut at character 8; it goes on in the next message)", new ProcessOutputLine(3, 1, 1, "StdErr", "efgh", 4, continues: true).ToString());
        Assert.Equal("[3] (line continued from character 8) ij", new ProcessOutputLine(3, 1, 1, "StdErr", "ij", 8).ToString());
    }

    [Fact]
    public void AHostFailureCarriesItsHostIdAndWhetherTheAttemptStarted()
    {
        var cause = new InvalidOperationException("broken pipe");
        var failure = new HostFailedException("hostB", "SessionFailed", "hostB is gone.", attemptStarted: true, cause);
        Assert.Equal(("hostB", "SessionFailed", "hostB is gone.", true), (failure.ComputerName, failure.ErrorId, failure.Message, failure.AttemptStarted));
        Assert.Same(cause, failure.InnerException);
        Assert.False(new HostFailedException("h", "ModuleMissingOnHost", "m", attemptStarted: false).AttemptStarted);
    }

    [Fact]
    public void ASinkHandsLinesOnAtOnceOrIntoItsQueueAndDropsThemOnceThePoolStopped()
    {
        Assert.Equal("deliver", Assert.Throws<ArgumentNullException>(() => new ProcessLineSink((Action<ProcessOutputLine>)null!)).ParamName);
        Assert.Equal("queue", Assert.Throws<ArgumentNullException>(() => new ProcessLineSink(null!, () => { }, CancellationToken.None)).ParamName);

        var delivered = new System.Collections.Generic.List<string>();
        var direct = new ProcessLineSink(line => delivered.Add(line.Line));
        direct.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "now"));
        direct.WriteAsync(new ProcessOutputLine(1, 1, 1, "StdOut", "awaited")).AsTask().GetAwaiter().GetResult();
        Assert.Equal(new[] { "now", "awaited" }, delivered);

        var queue = Channel.CreateBounded<ProcessOutputLine>(1);
        int written = 0;
        using var stop = new CancellationTokenSource();
        var sink = new ProcessLineSink(queue.Writer, () => written++, stop.Token);
        sink.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "first"));
        Assert.Equal(1, written);

        // The queue is full: the writer waits for room rather than dropping or piling up the line.
        ValueTask waiting = sink.WriteAsync(new ProcessOutputLine(1, 1, 1, "StdOut", "second"));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, written);
        Assert.True(queue.Reader.TryRead(out ProcessOutputLine? first));
        Assert.Equal("first", first!.Line);
        Assert.True(waiting.AsTask().Wait(TimeSpan.FromMinutes(1)));
        Assert.Equal(2, written);
        Assert.True(queue.Reader.TryRead(out ProcessOutputLine? second));
        Assert.Equal("second", second!.Line);

        // Full again, then the pool stops: the waiting writer returns without the line and without an error.
        sink.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "third"));
        ValueTask dropped = sink.WriteAsync(new ProcessOutputLine(1, 1, 1, "StdOut", "fourth"));
        Assert.False(dropped.IsCompleted);
        stop.Cancel();
        Assert.True(dropped.AsTask().Wait(TimeSpan.FromMinutes(1)));
        Assert.Equal(3, written);

        // A closed queue drops lines too.
        queue.Writer.Complete();
        Assert.True(queue.Reader.TryRead(out _));
        sink.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "fifth"));
        Assert.Equal(3, written);
    }

    [Fact]
    public void ABlockingWriteWaitsForRoomInTheQueue()
    {
        var queue = Channel.CreateBounded<ProcessOutputLine>(1);
        var sink = new ProcessLineSink(queue.Writer, () => { }, CancellationToken.None);
        sink.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "first"));
        using var returned = new ManualResetEventSlim();
        var writer = new Thread(() =>
        {
            sink.Write(new ProcessOutputLine(1, 1, 1, "StdOut", "second"));
            returned.Set();
        });
        writer.Start();

        // Until a line is taken the writer cannot have returned: its line would have been lost.
        Assert.False(returned.Wait(TimeSpan.FromMilliseconds(200)));
        Assert.True(queue.Reader.TryRead(out _));
        Assert.True(returned.Wait(TimeSpan.FromMinutes(1)));
        Assert.True(queue.Reader.TryRead(out ProcessOutputLine? second));
        Assert.Equal("second", second!.Line);
        writer.Join();
    }

    [Fact]
    public void PlaceholderErrorsNameTheTemplateAndWhatIsMissing()
    {
        var missing = Assert.Throws<ArgumentException>(() => ArgumentTemplate.Expand("-o {Size}", "a.txt", 1, NoProperty));
        Assert.Equal("template", missing.ParamName);
        Assert.StartsWith("The input item 'a.txt' has no property 'Size' for the placeholder {Size}.", missing.Message, StringComparison.Ordinal);

        var slot = Assert.Throws<ArgumentException>(() => ArgumentTemplate.Expand("{%}", "x", 1, NoProperty));
        Assert.Equal("template", slot.ParamName);
        Assert.StartsWith("The slot {%} is known only when the task starts.", slot.Message, StringComparison.Ordinal);

        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.Expand(null!, "x", 1, NoProperty)).ParamName);
        Assert.Equal("property", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.Expand("{}", "x", 1, null!)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.Escape(null!)).ParamName);
        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.ExpandSlot(null!, 1)).ParamName);
        Assert.Equal("slot", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.ExpandSlot("{%}", (string)null!)).ParamName);
        Assert.Equal("template", Assert.Throws<ArgumentNullException>(() => ArgumentTemplate.HasPlaceholder(null!)).ParamName);
    }

    [Fact]
    public void LoneAndDoubledBracesStandForThemselves()
    {
        Assert.Equal("a{", ArgumentTemplate.Expand("a{{", "x", 1, NoProperty));
        Assert.Equal("}b", ArgumentTemplate.Expand("}}b", "x", 1, NoProperty));
        Assert.Equal("}", ArgumentTemplate.Expand("}", "x", 1, NoProperty));
        Assert.Equal("{", ArgumentTemplate.Expand("{", "x", 1, NoProperty));
        Assert.Equal("x}", ArgumentTemplate.Expand("{}}", "x", 1, NoProperty));
        Assert.Equal("{}", ArgumentTemplate.Expand("{{}", "x", 1, NoProperty));
        Assert.Equal("x", ArgumentTemplate.Expand("{}", null!, 1, NoProperty) + "x");
        Assert.Equal("a}b", ArgumentTemplate.Expand("a}}b", "x", 1, NoProperty));
        Assert.Equal("{x", ArgumentTemplate.Expand("{{x", "x", 1, NoProperty));
        Assert.Equal("plain text", ArgumentTemplate.Expand("plain text", "x", 1, NoProperty));
        Assert.Equal("-3 #-3", ArgumentTemplate.Expand("{#} #{#}", "x", -3, NoProperty));
        Assert.Equal("12", ArgumentTemplate.Expand("{Size}", "x", 1, name => name == "Size" ? "12" : null));

        // With the slot kept, everything else stays a template: the item's braces and the literal ones escaped.
        Assert.Equal("a{{b}} {%} {{", ArgumentTemplate.Expand("{} {%} {{", "a{b}", 1, NoProperty, keepSlot: true));
        Assert.Equal("plain", ArgumentTemplate.Expand("plain", "x", 1, NoProperty, keepSlot: true));
        Assert.Equal("}}", ArgumentTemplate.Expand("}", "x", 1, NoProperty, keepSlot: true));
    }

    [Fact]
    public void TheSlotIsFoundOnlyWhereAPlaceholderNamesIt()
    {
        Assert.True(ArgumentTemplate.HasSlot("{%}"));
        Assert.True(ArgumentTemplate.HasSlot("}{%}"));
        Assert.True(ArgumentTemplate.HasSlot("{a}{%}"));
        Assert.True(ArgumentTemplate.HasSlot("{{{%}"));
        Assert.False(ArgumentTemplate.HasSlot("{a{%}"));
        Assert.False(ArgumentTemplate.HasSlot("{%%}"));
        Assert.False(ArgumentTemplate.HasSlot("{%"));
        Assert.False(ArgumentTemplate.HasSlot("%}"));
        Assert.False(ArgumentTemplate.HasSlot(""));
        Assert.True(ArgumentTemplate.HasPlaceholder("}{}"));
        Assert.False(ArgumentTemplate.HasPlaceholder("}{"));
        Assert.False(ArgumentTemplate.HasPlaceholder("{"));

        Assert.Equal("7", ArgumentTemplate.ExpandSlot("{%}", 7));
        Assert.Equal("{%", ArgumentTemplate.ExpandSlot("{%", 7));
        Assert.Equal("a7b7", ArgumentTemplate.ExpandSlot("a{%}b{%}", 7));
        Assert.Equal("{%}", ArgumentTemplate.ExpandSlot("{{%}}", 7));
        Assert.Equal("{-}", ArgumentTemplate.ExpandSlot("{{{%}}}", "-"));
        Assert.Equal("}", ArgumentTemplate.ExpandSlot("}", 7));
    }

    [Theory]
    [InlineData("a\\b.c", "a\\b", "a\\b.c", ".")]
    [InlineData("a/b/", "a/b/", "", "a")]
    [InlineData("a/b//", "a/b//", "", "a")]
    [InlineData("//x", "//x", "x", "/")]
    [InlineData("///", "///", "", "/")]
    [InlineData("a///b.c", "a///b", "b.c", "a")]
    [InlineData("x.d/y", "x.d/y", "y", "x.d")]
    public void OnPosixOnlyTheSlashSeparates(string item, string withoutExtension, string baseName, string directory)
    {
        Assert.Equal(withoutExtension, ArgumentTemplate.Expand("{.}", item, 1, NoProperty));
        Assert.Equal(baseName, ArgumentTemplate.Expand("{/}", item, 1, NoProperty));
        Assert.Equal(directory, ArgumentTemplate.Expand("{//}", item, 1, NoProperty));
    }
}
