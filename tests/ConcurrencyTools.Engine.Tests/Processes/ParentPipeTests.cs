using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// When the end of a worker's input means its parent is gone: only while a task runs. The end seen while the
/// worker waits for its next request, or after it stopped watching, is an ordinary end, and the waiting read
/// gets it. The input is a reader the test feeds line by line, so each end comes at a chosen moment.
/// </summary>
public sealed class ParentPipeTests
{
    /// <summary>A reader whose lines come when the test sends them (null: the end of the pipe).</summary>
    private sealed class HeldReader : TextReader
    {
        private readonly BlockingCollection<string?> _lines = new();

        public void Send(string? line) => _lines.Add(line);

        public override string? ReadLine() => _lines.Take();
    }

    [Fact]
    public void TheEndOfThePipeWhileTheWorkerWaitsForARequestIsAnOrdinaryEnd()
    {
        var input = new HeldReader();
        using var gone = new ManualResetEventSlim();
        using var pipe = new ParentPipe(input, gone.Set);
        input.Send("run 1");
        Assert.Equal("run 1", pipe.ReadLine());

        string? last = "not read";
        var waiter = new Thread(() => last = pipe.ReadLine()) { IsBackground = true };
        waiter.Start();

        // The waiter blocks in ReadLine (it holds no lock there, so a blocked state means it waits for a line).
        for (int seen = 0; seen < 20; seen = (waiter.ThreadState & ThreadState.WaitSleepJoin) != 0 ? seen + 1 : 0)
        {
            Thread.Sleep(5);
        }

        input.Send(null);
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)), "the waiting read never got the end of the pipe");
        Assert.Null(last);
        Assert.False(gone.Wait(TimeSpan.FromSeconds(1)), "an end between tasks was taken for a parent gone");
        Assert.Null(pipe.ReadLine());
    }

    [Fact]
    public void TheEndOfThePipeAfterDisposingIsNobodysConcern()
    {
        var input = new HeldReader();
        using var gone = new ManualResetEventSlim();
        var pipe = new ParentPipe(input, gone.Set);
        pipe.Dispose();
        input.Send(null);
        Assert.False(gone.Wait(TimeSpan.FromSeconds(1)), "the end after Dispose was taken for a parent gone");
        Assert.Null(pipe.ReadLine());
    }

    [Fact]
    public void TheEndOfThePipeInTheMiddleOfATaskMeansTheParentIsGone()
    {
        var input = new HeldReader();
        using var gone = new ManualResetEventSlim();
        using var pipe = new ParentPipe(input, gone.Set);
        input.Send(null);
        Assert.True(gone.Wait(TimeSpan.FromSeconds(30)));
        Assert.Null(pipe.ReadLine());
    }

    [Fact]
    public void TheReadingThreadIsABackgroundThreadSoItNeverKeepsTheWorkerAlive()
    {
        // parentGone runs on the reading thread: it sees the thread's own flag.
        var input = new HeldReader();
        bool? background = null;
        using var gone = new ManualResetEventSlim();
        using var pipe = new ParentPipe(input, () =>
        {
            background = Thread.CurrentThread.IsBackground;
            gone.Set();
        });
        input.Send(null);
        Assert.True(gone.Wait(TimeSpan.FromSeconds(30)), "the end of the pipe was not seen");
        Assert.True(background);
    }

    [Fact]
    public void TheReadingThreadIsNamedForWhatItDoes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var input = new HeldReader();
        using var pipe = new ParentPipe(input, () => { });
        try
        {
            // The runtime gives a named thread's name to the system thread, which /proc shows.
            Assert.Contains("ParentPipe", ProcSelf.ThreadNames());
        }
        finally
        {
            pipe.Dispose();
            input.Send(null);
        }
    }
}
