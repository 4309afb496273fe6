using System;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>
/// How many tasks a session runner lets a host hold (its slots and the tasks waiting there) from the running averages
/// of the round trip and of a task's length, and how those averages follow their samples; no session needed.
/// </summary>
public sealed class SessionPacingTests
{
    [Theory]
    [InlineData(double.NaN, double.NaN)]
    [InlineData(50.0, double.NaN)]
    [InlineData(double.NaN, 10.0)]
    public void BeforeBothAveragesAHostHoldsTwiceItsSlots(double answerMs, double taskMs)
    {
        Assert.Equal(6, SessionProcessRunner.TasksToHold(3, answerMs, taskMs));
        Assert.Equal(2, SessionProcessRunner.TasksToHold(1, answerMs, taskMs));
    }

    [Theory]
    // Four times the tasks its slots finish in one round trip wait there: 4 * 2 * 50 / 10 = 40.
    [InlineData(2, 50.0, 10.0, 2 + 40)]
    [InlineData(3, 20.0, 40.0, 3 + 6)]
    // A part of a task is a whole one: 4 * 2 * 1.05 / 1 = 8.4.
    [InlineData(2, 1.05, 1.0, 2 + 9)]
    // At least as many as it has slots ...
    [InlineData(2, 1.0, 100.0, 2 + 2)]
    [InlineData(5, 0.0, 3.0, 5 + 5)]
    // ... at most 128, or one per slot with more slots than that.
    [InlineData(2, 1000.0, 1.0, 2 + 128)]
    [InlineData(200, 1000.0, 1.0, 200 + 200)]
    [InlineData(200, 0.01, 1000.0, 200 + 200)]
    // A task that takes no time counts as 0.2 ms: 4 * 1 * 0.01 / 0.2 = 0.2, and 4 * 1 * 0.1 / 0.2 = 2.
    [InlineData(1, 0.01, 0.0, 1 + 1)]
    [InlineData(1, 0.1, 0.1, 1 + 2)]
    public void OnceBothAveragesAreKnownAHostHoldsWhatItsSlotsFinishInARoundTrip(int hostSlots, double answerMs, double taskMs, int expected)
    {
        Assert.Equal(expected, SessionProcessRunner.TasksToHold(hostSlots, answerMs, taskMs));
    }

    [Fact]
    public void TheFirstSampleStartsAnAverageAndEachLaterOneMovesItATenthOfTheWay()
    {
        Assert.Equal(5.0, SessionProcessRunner.Follow(double.NaN, 5.0));
        Assert.Equal(11.0, SessionProcessRunner.Follow(10.0, 20.0), 9);
        Assert.Equal(9.0, SessionProcessRunner.Follow(10.0, 0.0), 9);

        // Within a few dozen samples it is close to a new level.
        double average = 100.0;
        for (int i = 0; i < 40; i++)
        {
            average = SessionProcessRunner.Follow(average, 10.0);
        }

        Assert.InRange(average, 10.0, 11.5);
    }
}
