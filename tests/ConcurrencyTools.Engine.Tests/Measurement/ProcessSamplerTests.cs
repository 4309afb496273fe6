using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// Thread counts are the whole process's: tests of other classes running beside these start and end threads
/// of their own and moved the count by more than a dozen (a peak of 49 against a start of 38 was seen), so
/// these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "Whole-process thread counts";
}

[Collection(ThreadCountCollection.Name)]
public class ProcessSamplerTests
{
    private static int OsThreads() => (int)ProcSelf.Status("Threads");

    /// <summary>
    /// Starts 12 threads and, once all of them run, reads the process's thread count (less the sampling thread);
    /// keeps them alive until <paramref name="sampler"/>'s peak holds that count less two (or 10 s have passed),
    /// then ends them, waits for them, and returns the count.
    /// </summary>
    /// <remarks>
    /// The threads live until the sampler saw them, not for a fixed time: with a fixed 300 ms, on a machine at load 86
    /// the first threads had ended before the last had started, and the peak was one short. The count is read while
    /// they all run, not before they start: after the suite's parallel part, idle pool threads retire, and on a quiet
    /// machine five of them did between a count read before and the threads (peak 51 against 44 before). Two threads
    /// of slack allow for those that retire between the reading and the sampler's next sample. A sampler that takes
    /// no sample while they live still fails, after the 10 s: its peak stays near the count before.
    /// </remarks>
    private static int ShortLivedThreads(ProcessSampler sampler, int before)
    {
        using var started = new CountdownEvent(12);
        using var release = new ManualResetEventSlim();
        Thread[] threads = Enumerable.Range(0, 12).Select(_ => new Thread(() =>
        {
            started.Signal();
            release.Wait();
        }) { IsBackground = true }).ToArray();
        try
        {
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            Assert.True(started.Wait(TimeSpan.FromMinutes(1)), "the threads never started");
            int alive = OperatingSystem.IsLinux() ? OsThreads() - 1 : before + 12;
            DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (sampler.PeakThreadCount < alive - 2 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            return alive;
        }
        finally
        {
            release.Set();
            foreach (Thread thread in threads.Where(t => t.IsAlive))
            {
                thread.Join();
            }
        }
    }

    /// <summary>
    /// Runs 12 short-lived threads under a running sampler, stops it and checks that its peak saw them
    /// all: neither the first sample (before the threads) nor the last (after they ended) can, only the
    /// periodic samples in between.
    /// </summary>
    private static void AssertSeesShortLivedThreads(ProcessSampler sampler)
    {
        int before = OperatingSystem.IsLinux() ? OsThreads() - 1 : sampler.PeakThreadCount; // less the sampling thread, which the sampler leaves out
        int alive = ShortLivedThreads(sampler, before);
        sampler.Stop();
        Assert.True(sampler.PeakThreadCount >= alive - 2, $"peak {sampler.PeakThreadCount}, {alive} while the 12 threads ran, {before} before");
    }

    /// <summary>Threads of this process whose name (as the kernel keeps it, 15 bytes) is the sampling thread's.</summary>
    private static int SamplingThreads() => ProcSelf.ThreadNames().Count(name => name == "ConcurrencyTool");

    /// <summary>Starts 20 threads that wait on <paramref name="release"/>; returns once all of them run.</summary>
    private static Thread[] WaitingThreads(ManualResetEventSlim release)
    {
        using var started = new CountdownEvent(20);
        Thread[] threads = Enumerable.Range(0, 20).Select(_ => new Thread(() =>
        {
            started.Signal();
            release.Wait();
        }) { IsBackground = true }).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        Assert.True(started.Wait(TimeSpan.FromMinutes(1)), "the threads never started");
        return threads;
    }

    [Fact]
    public void TheFirstAndTheLastSampleAreTakenAsTheSamplerStartsAndStops()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // 20 threads alive only as the sampler starts, ended at once (before its thread's next sample, most likely):
        // the first sample must hold them. Then 20 started just before it stops: the last sample must hold them.
        // Five threads of slack for the runtime's own threads that come and go.
        using (var release = new ManualResetEventSlim())
        {
            Thread[] threads = WaitingThreads(release);
            int alive = OsThreads();
            using ProcessSampler sampler = ProcessSampler.Start();
            release.Set();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            sampler.Stop();
            Assert.True(sampler.PeakThreadCount >= alive - 5, $"peak {sampler.PeakThreadCount}, {alive} as the sampler started");
        }

        using (var release = new ManualResetEventSlim())
        {
            using ProcessSampler sampler = ProcessSampler.Start();
            Thread[] threads = WaitingThreads(release);
            int alive = OsThreads() - 1; // less the sampling thread
            sampler.Stop();
            release.Set();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.True(sampler.PeakThreadCount >= alive - 5, $"peak {sampler.PeakThreadCount}, {alive} as the sampler stopped");
        }
    }

    [Fact]
    public void ThreadsThatCameAndWentDuringTheRunAreInThePeak()
    {
        using ProcessSampler sampler = ProcessSampler.Start();
        AssertSeesShortLivedThreads(sampler);
    }

    [Fact]
    public void SamplingGoesOnWhileThePoolIsStarved()
    {
        // Every pool thread blocked, with more blocked items queued than the pool can add meanwhile: a
        // sampler that ran its samples on the pool would see nothing until the items are released.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ThreadPool.GetMinThreads(out int minWorkers, out _);
        using var release = new ManualResetEventSlim();
        int blockers = Math.Max(minWorkers, ThreadPool.ThreadCount) + 32;
        using var allDone = new CountdownEvent(blockers);
        for (int i = 0; i < blockers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                release.Wait(TimeSpan.FromSeconds(30));
                allDone.Signal();
            }, null);
        }

        try
        {
            using ProcessSampler sampler = ProcessSampler.Start();
            AssertSeesShortLivedThreads(sampler);
        }
        finally
        {
            release.Set();
            Assert.True(allDone.Wait(TimeSpan.FromSeconds(60)), "the blocked work items did not finish");
        }
    }

    [Fact]
    public void TheSamplingThreadIsNotCounted()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Keep the shared thread alive across the reads, then read the process's threads around a short
        // sampled run; the runtime's own threads can come and go, so take a moment when nothing changed.
        using ProcessSampler keepAlive = ProcessSampler.Start();
        for (int attempt = 1; ; attempt++)
        {
            int before = OsThreads();
            using ProcessSampler sampler = ProcessSampler.Start();
            sampler.Stop();
            int after = OsThreads();
            if (before == after || attempt == 20)
            {
                Assert.Equal(before, after);
                Assert.True(ProcessSampler.IsSamplingThreadAlive);
                Assert.Equal(before - 1, sampler.PeakThreadCount);
                break;
            }
        }
    }

    [Fact]
    public void AStoppedMeterNoLongerSamplesBeforeItIsDisposed()
    {
        // A run's meter is stopped when the run ends and disposed later: its sampler must stop with it, so that with
        // nothing else sampled the sampling thread ends after its idle lifetime (a hang guard, not a timing assertion).
        using RunMeter meter = RunMeter.Start();
        Assert.True(ProcessSampler.IsSamplingThreadAlive);
        RunMeter.Reading reading = meter.Stop();
        Assert.True(reading.PeakThreadCount > 0);

        DateTime deadline = DateTime.UtcNow + ProcessSampler.IdleLifetime + TimeSpan.FromSeconds(30);
        while (ProcessSampler.IsSamplingThreadAlive && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.False(ProcessSampler.IsSamplingThreadAlive, "the stopped meter's sampler was still sampled");
    }

    [Fact]
    public void TheSamplingThreadEndsWhenNothingIsSampledAndStartsAgain()
    {
        using (ProcessSampler first = ProcessSampler.Start())
        {
            Assert.True(ProcessSampler.IsSamplingThreadAlive);

            // One thread of its own, named, in the background: a sampler left running never keeps the process alive.
            Assert.True(ProcessSampler.IsSamplingThreadBackground);
            Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, OperatingSystem.IsLinux() ? SamplingThreads() : 0);
        }

        // A hang guard, not a timing assertion: the thread ends after its idle lifetime.
        DateTime deadline = DateTime.UtcNow + ProcessSampler.IdleLifetime + TimeSpan.FromSeconds(30);
        while (ProcessSampler.IsSamplingThreadAlive && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.False(ProcessSampler.IsSamplingThreadAlive);
        if (OperatingSystem.IsLinux())
        {
            // The thread that gave up has ended (or is ending): none is left sampling.
            deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (SamplingThreads() > 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            Assert.Equal(0, SamplingThreads());
        }

        using ProcessSampler second = ProcessSampler.Start();
        Assert.True(ProcessSampler.IsSamplingThreadAlive);
        Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, OperatingSystem.IsLinux() ? SamplingThreads() : 0);
        AssertSeesShortLivedThreads(second);
    }

    [Fact]
    public void SamplersRunningTogetherEachKeepTheirOwnPeaks()
    {
        // Counted as in AssertSeesShortLivedThreads, with its two threads of slack: a pool thread that
        // retired meanwhile took the outer peak to 11 above a count read from the sampler's first sample.
        using ProcessSampler outer = ProcessSampler.Start();
        int before = OperatingSystem.IsLinux() ? OsThreads() - 1 : outer.PeakThreadCount;
        int alive = ShortLivedThreads(outer, before);
        Thread.Sleep(200); // the ended threads' OS threads are gone too
        using ProcessSampler inner = ProcessSampler.Start();
        inner.Stop();
        outer.Stop();
        Assert.True(outer.PeakThreadCount >= alive - 2, $"outer peak {outer.PeakThreadCount}, {alive} while the 12 threads ran, {before} before");
        Assert.True(inner.PeakThreadCount <= outer.PeakThreadCount - 10, $"inner peak {inner.PeakThreadCount}, outer {outer.PeakThreadCount}: it started after the threads ended");
        Assert.True(outer.PeakWorkingSetBytes > 0 && inner.PeakWorkingSetBytes > 0);
    }
}
