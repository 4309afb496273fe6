using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// Who holds the lock next: a lock let go while a thread waits is handed to that thread (the longest
/// waiting first), so the thread that let it go cannot take it straight back (issue 24).
/// </summary>
public class GilSchedulerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void AHolderThatLetsTheLockGoDoesNotTakeItBackBeforeTheWaiterHadIt()
    {
        // The I/O pattern: the holder releases and asks again at once (a wait that returns at once).
        // Each thread lets the lock go only once the other waits for it: a thread preempted between
        // its release and its next acquire has not asked, and the other may rightly take the lock again.
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task waiter = StartWaiter(gil, holders, "waiter", turns: 20, releaseWhenAsked: true);

        for (int i = 0; i < 20; i++)
        {
            Record(holders, "releaser");
            WaitUntil(() => gil.Waiting == 1);
            gil.Release();
            gil.Acquire();

            // Back only after the waiter's turn, not straight back on the release.
            lock (holders)
            {
                Assert.Equal("waiter", holders[^1]);
            }
        }

        gil.Release();
        Assert.True(waiter.Wait(Patience));

        // Every release while the other thread waited gave it the lock: the two strictly took turns.
        var turns = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "releaser" : "waiter");
        Assert.Equal(turns, holders);
        Assert.Equal(41, gil.Switches);
    }

    [Fact]
    public void AForcedDropGoesToTheThreadThatAskedAndTheDropperQueuesBehindIt()
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task waiter = StartWaiter(gil, holders, "waiter", turns: 20);

        // A CPU-bound holder: it only reaches checkpoints, and records each time it holds the lock again.
        var clock = Stopwatch.StartNew();
        long drops = 0;
        Record(holders, "computer");
        while (!waiter.IsCompleted && clock.Elapsed < Patience)
        {
            gil.Checkpoint();
            if (gil.ForcedDrops != drops)
            {
                drops = gil.ForcedDrops;
                Record(holders, "computer");
            }
        }

        gil.Release();
        Assert.True(waiter.IsCompleted);

        // Neither thread held the lock twice in a row while the other waited for it.
        Assert.Equal(0, RetakesWhileWaited(holders, "computer"));
        Assert.Equal(0, RetakesWhileWaited(holders, "waiter"));
        Assert.Equal(20, holders.Count(h => h == "waiter"));
        Assert.InRange(gil.ForcedDrops, 19, 20);
        Assert.Equal(0, gil.Violations);
    }

    [Fact]
    public void TheLockGoesToTheThreadThatHasWaitedLongest()
    {
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(5), CancellationToken.None);
        var holders = new List<string>();
        gil.Acquire();
        Task first = StartWaiter(gil, holders, "first", turns: 1);
        WaitUntil(() => gil.Waiting == 1);
        Task second = StartWaiter(gil, holders, "second", turns: 1);
        WaitUntil(() => gil.Waiting == 2);

        gil.Release();
        Assert.True(Task.WaitAll(new[] { first, second }, Patience));
        Assert.Equal(new[] { "first", "second" }, holders);
        Assert.Equal(3, gil.Switches);
    }

    [Fact]
    public void AWaiterStopsWaitingWhenTheRunIsStoppedAndHoldsNothing()
    {
        using var stop = new CancellationTokenSource();
        using var gil = new GilScheduler(TimeSpan.FromMilliseconds(1), stop.Token);
        gil.Acquire();
        Task waiter = Task.Run(gil.Acquire);
        WaitUntil(() => gil.Waiting == 1);

        stop.Cancel();
        var error = Assert.ThrowsAny<AggregateException>(() => waiter.Wait(Patience));
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        Assert.Equal(0, gil.Waiting);

        // The holder still holds it alone and lets it go; nobody is handed a lock they will not release.
        gil.Checkpoint();
        Assert.Equal(0, gil.Violations);
        gil.Release();
        Assert.Equal(1, gil.Switches);
    }

    // A thread that takes the lock the given number of turns; with releaseWhenAsked, it lets it go
    // only once another thread waits for it.
    internal static Task StartWaiter(GilScheduler gil, List<string> holders, string name, int turns, bool releaseWhenAsked = false) =>
        Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; i < turns; i++)
                {
                    gil.Acquire();
                    Record(holders, name);
                    if (releaseWhenAsked)
                    {
                        WaitUntil(() => gil.Waiting == 1);
                    }

                    gil.Release();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    internal static void Record(List<string> holders, string name)
    {
        lock (holders)
        {
            holders.Add(name);
        }
    }

    // Times the named thread held the lock twice in a row while the other thread still had turns to come.
    private static int RetakesWhileWaited(List<string> holders, string name)
    {
        int lastOther;
        lock (holders)
        {
            lastOther = holders.FindLastIndex(h => h != name);
        }

        int retakes = 0;
        for (int i = 1; i <= lastOther; i++)
        {
            if (holders[i] == name && holders[i - 1] == name)
            {
                retakes++;
            }
        }

        return retakes;
    }

    internal static void WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "timed out waiting for the threads to queue");
            Thread.Sleep(1);
        }
    }
}
