using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>
/// One host's runner (<see cref="SessionProcessRunner"/>) used directly, as the pool uses it, over a real SSH session
/// (<see cref="SshHosts"/>): the places its slots hold, the averages that set how many tasks it holds, the order in
/// which the host starts what the slots hand over before it is ready, and its ssh pipe's guard.
/// </summary>
public sealed class SessionRunnerTests : IClassFixture<SshHosts>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);
    private readonly SshHosts _hosts;

    public SessionRunnerTests(SshHosts hosts) => _hosts = hosts;

    /// <summary>A task that sleeps <paramref name="seconds"/> on the host.</summary>
    private static ProcessTask Sleep(long seq, string seconds) => new(seq, seq.ToString(CultureInfo.InvariantCulture), "sleep", [seconds]);

    /// <summary>
    /// Runs <paramref name="test"/> with a runner of <paramref name="slots"/> slots on a new session to
    /// <paramref name="host"/>; the runner is disposed and the session closed after it. Nothing runs without the hosts.
    /// </summary>
    private async Task WithRunner(SshHost host, int slots, Func<SessionProcessRunner, PSSession, Task> test)
    {
        if (_hosts.Unavailable)
        {
            return;
        }

        PSSession session = _hosts.Open(host);
        try
        {
            var options = RemotePoolOptions.From(new ProcessPoolOptions { ThrottleLimit = slots }, null);
            using var runner = new SessionProcessRunner(session, slots, 1, options, SshHosts.Version, null);
            await test(runner, session);
        }
        finally
        {
            _hosts.Close(session);
        }
    }

    /// <summary>The row of an attempt (a row that never comes fails the test with a <see cref="TimeoutException"/>).</summary>
    private static Task<ProcessTaskResult> Row(Task<ProcessTaskResult> run) => run.WaitAsync(HangGuard);

    [Fact]
    public Task BeforeAnyAnswerAHostHoldsTwiceItsSlotsAndAWaitingSlotEntersWhenOneLeaves() => WithRunner(_hosts.First, slots: 2, async (runner, session) =>
    {
        // No task has run, so there is no average yet: two slots and two more waiting, four places.
        Assert.All(Enumerable.Range(1, 4), slot => Assert.True(runner.WaitForRoomAsync(slot, default).IsCompletedSuccessfully, $"slot {slot}"));
        Assert.True(runner.WaitForRoomAsync(2, default).IsCompletedSuccessfully, "a slot that holds a place already");
        Assert.Equal(4, runner.PlacesHeld);

        ValueTask fifth = runner.WaitForRoomAsync(5, default);
        ValueTask sixth = runner.WaitForRoomAsync(6, default);
        Assert.False(fifth.IsCompleted, "a fifth place");
        Assert.False(sixth.IsCompleted, "a sixth place");

        // One place freed lets the first waiting slot in, and only it.
        runner.LeaveRoom(1);
        await fifth.AsTask().WaitAsync(HangGuard);
        Assert.False(sixth.IsCompleted, "two slots entered for one place");
        Assert.Equal(4, runner.PlacesHeld);

        runner.LeaveRoom(3);
        await sixth.AsTask().WaitAsync(HangGuard);
        Assert.Equal(4, runner.PlacesHeld);
        Assert.True(double.IsNaN(runner.Averages.AnswerMs) && double.IsNaN(runner.Averages.TaskMs), $"averages {runner.Averages}");
    });

    [Fact]
    public Task ARowFreesItsSlotsPlaceAndEachRowAndAnswerIsFollowedInTheAverages() => WithRunner(_hosts.First, slots: 1, async (runner, session) =>
    {
        var clock = Stopwatch.StartNew();
        Assert.True(runner.WaitForRoomAsync(1, default).IsCompletedSuccessfully);
        Assert.Equal(1, runner.PlacesHeld);

        // The row frees the place itself, before the pool's LeaveRoom.
        ProcessTaskResult first = await Row(runner.RunAsync(Sleep(1, "0.2"), 1, 1, null, default));
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(0, runner.PlacesHeld);
        Assert.Equal(first.DurationMs, runner.Averages.TaskMs);

        Assert.True(runner.WaitForRoomAsync(1, default).IsCompletedSuccessfully);
        ProcessTaskResult second = await Row(runner.RunAsync(Sleep(2, "0.05"), 1, 1, null, default));
        Assert.Equal(0, runner.PlacesHeld);
        Assert.Equal(SessionProcessRunner.Follow(first.DurationMs!.Value, second.DurationMs!.Value), runner.Averages.TaskMs);

        // The end of the answer that brought the row comes right after it (30 s is a hang guard): the round trip's
        // average is then a time within the test's own.
        var wait = Stopwatch.StartNew();
        while (double.IsNaN(runner.Averages.AnswerMs))
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(30), "no answer was timed");
            await Task.Delay(10);
        }

        Assert.InRange(runner.Averages.AnswerMs, double.Epsilon, clock.Elapsed.TotalMilliseconds);
    });

    [Fact]
    public Task TasksHandedOverBeforeTheHostIsReadyStartInTaskAndAttemptOrder() => WithRunner(_hosts.Second, slots: 1, async (runner, session) =>
    {
        // One slot: the host starts the tasks one at a time, in the order it was sent them.
        Task<ProcessTaskResult> later = runner.RunAsync(Sleep(2, "0.1"), 3, 1, null, default);
        await Task.Delay(50);
        Task<ProcessTaskResult> retry = runner.RunAsync(Sleep(1, "0.1"), 2, 2, null, default);
        Task<ProcessTaskResult> earlier = runner.RunAsync(Sleep(1, "0.1"), 1, 1, null, default);

        // The host takes a second or so to import the module: all three go in its first input.
        Assert.False(runner.HostReady, "the host was ready before the tasks were handed over");
        ProcessTaskResult[] rows = [await Row(later), await Row(retry), await Row(earlier)];
        Assert.All(rows, row => Assert.True(row.Succeeded, row.Error));
        ProcessTaskResult[] started = rows.OrderBy(r => r.StartTime).ToArray();
        Assert.Equal([(1L, 1), (1L, 2), (2L, 1)], started.Select(r => (r.Seq, r.Attempt)));
        Assert.True(started[0].EndTime <= started[1].StartTime && started[1].EndTime <= started[2].StartTime, "tasks overlapped on one slot");
    });

    [Fact]
    public Task AnAttemptNotYetSentWhenItsHostFailsDoesNotCountAsStarted() => WithRunner(_hosts.First, slots: 1, async (runner, session) =>
    {
        // Handed over before the host is ready, the task is held back; the session then closes under the host's pipeline.
        Task<ProcessTaskResult> run = runner.RunAsync(Sleep(1, "0.1"), 1, 1, null, default);
        Assert.False(runner.HostReady, "the host was ready before the session closed");
        _hosts.Close(session);

        HostFailedException failure = await Assert.ThrowsAsync<HostFailedException>(() => run.WaitAsync(HangGuard));
        Assert.Equal("SessionFailed", failure.ErrorId);
        Assert.False(failure.AttemptStarted, "an attempt the host was never sent counted as started there");
    });

    [Fact]
    public Task DisposingTheRunnerLetsGoOfTheSessionsSshPipeAndLeavesTheSessionOpen() => WithRunner(_hosts.First, slots: 1, (runner, session) =>
    {
        Assert.NotEmpty(runner.Guard.SshProcessIds);
        Assert.False(runner.Guard.Join(TimeSpan.FromMilliseconds(100)), "the guard's thread ended while the runner ran");

        runner.Dispose();
        Assert.True(runner.Guard.Join(TimeSpan.FromSeconds(10)), "the guard still holds the pipe");
        Assert.Equal(RunspaceState.Opened, session.Runspace.RunspaceStateInfo.State);
        return Task.CompletedTask;
    });
}
