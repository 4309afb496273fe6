using System;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class RecommendationTests
{
    [Theory]
    [InlineData(900, 1000, 1, 2, WorkloadBound.CpuBound)]   // one worker computing 90% of the time
    [InlineData(1900, 1000, 4, 2, WorkloadBound.CpuBound)]  // four workers on two cores: the cores were busy
    [InlineData(50, 1000, 4, 2, WorkloadBound.IoBound)]
    [InlineData(250, 1000, 1, 2, WorkloadBound.IoBound)]    // the IoBound edge is inclusive
    [InlineData(251, 1000, 1, 2, WorkloadBound.Mixed)]
    [InlineData(599, 1000, 1, 2, WorkloadBound.Mixed)]
    [InlineData(600, 1000, 1, 2, WorkloadBound.CpuBound)]   // and so is the CpuBound edge
    public void TheBoundRuleUsesCpuPerBusyWorker(double cpuMs, double elapsedMs, int workers, int cores, WorkloadBound expected)
    {
        double perWorker = WorkloadBoundRule.CpuPerWorker(cpuMs, elapsedMs, workers, cores)!.Value;
        Assert.Equal(expected, WorkloadBoundRule.Classify(perWorker));
    }

    [Fact]
    public void NoBoundWithoutTheFigures()
    {
        Assert.Null(WorkloadBoundRule.CpuPerWorker(null, 1000, 1, 2));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(100, 0, 1, 2));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(100, 1000, 1, null));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(100, 1000, 1, 0));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(100, 1000, 0, 2));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(-1, 1000, 1, 2));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(double.NaN, 1000, 1, 2));
        Assert.Null(WorkloadBoundRule.CpuPerWorker(100, -1000, 1, 2));
    }

    [Theory]
    [InlineData(1900, 1000, 4, 2, 0.95)]   // more workers than cores: the cores are the busy workers
    [InlineData(300, 1000, 1, 8, 0.3)]     // fewer workers than cores: the workers are
    [InlineData(1200, 500, 3, 4, 0.8)]
    [InlineData(0, 1000, 1, 2, 0.0)]       // no CPU at all is a figure, not a missing one
    public void CpuPerBusyWorkerDividesByTheBusyWorkersTime(double cpuMs, double elapsedMs, int workers, int cores, double expected)
    {
        Assert.Equal(expected, WorkloadBoundRule.CpuPerWorker(cpuMs, elapsedMs, workers, cores)!.Value, 12);
    }

    [Theory]
    [InlineData(0.4, 0.4)]
    [InlineData(0.0, 0.0)]
    [InlineData(1.7, 1.0)]
    public void ATaskCpuShareIsKeptUpToOne(double share, double expected) => Assert.Equal(expected, WorkloadBoundRule.TaskCpuShare(share));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ATaskCpuShareThatIsNegativeOrNotANumberIsMissing(double share) => Assert.Null(WorkloadBoundRule.TaskCpuShare(share));

    [Fact]
    public void TheSentenceNamesTheWinnerTheReasonAndTheStartupLoser()
    {
        Assert.Equal(
            "Runspaces x4: 3.7x; I/O-bound, so threads overlap the waits; Jobs x4 lost 1.9 s to start-up.",
            Recommendation.Sentence("Runspaces x4", 3.66, isBaseline: false, WorkloadBound.IoBound, 2, "Jobs x4", 1900));
        Assert.Equal(
            "Sequential x1: 1.0x; no parallel model beat it, so their set-up costs more than they save here.",
            Recommendation.Sentence("Sequential x1", 1.0, isBaseline: true, WorkloadBound.CpuBound));
        Assert.Equal("Processes x2: 1.8x; CPU-bound, so it gains only up to the 2 cores; Jobs x2 lost 450 ms to start-up.",
            Recommendation.Sentence("Processes x2", 1.84, isBaseline: false, WorkloadBound.CpuBound, 2, "Jobs x2", 449.6));
    }

    [Fact]
    public void TheSentenceIsTheSameInEveryCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("A x2: 1.5x; part CPU, part waiting, so overlap helps until the cores are busy; B x2 lost 2.5 s to start-up.",
                Recommendation.Sentence("A x2", 1.5, false, WorkloadBound.Mixed, null, "B x2", 2500));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void TheAnalysisPicksTheFastestAndTheLargestStartupLossForTheWholeTaskList()
    {
        var speedups = new SpeedupAnalysis();
        var recommendations = new RecommendationAnalysis();
        void Run(string model, int workers, double elapsed, double cpu, double? startup)
        {
            for (int run = 1; run <= 3; run++)
            {
                speedups.Add(new SpeedupSample("m", "ScriptBlock", 8, "{ Start-Sleep 1 }", model, workers, run, elapsed + run, true));
                recommendations.Add("m", "ScriptBlock", 8, "{ Start-Sleep 1 }", model, workers, elapsed + run, cpu, 2, startup);
            }
        }

        Run("Sequential", 1, 1600, 40, 30);      // 2.5% CPU per worker: I/O-bound
        Run("Runspaces", 4, 450, 60, 40);
        Run("Jobs", 4, 2400, 3000, 1900);        // the jobs burn CPU starting pwsh, which must not make the list CPU-bound
        Run("ForEachParallel", 4, 600, 90, 100);

        var summaries = speedups.Summarize(SpeedupBaseline.Sequential).Summaries;
        recommendations.Apply(summaries);

        Assert.All(summaries, s => Assert.Equal(summaries[0].Recommendation, s.Recommendation));
        Assert.StartsWith("Runspaces x4: 3.5x; I/O-bound, so threads overlap the waits; Jobs x4 lost 1.9 s to start-up", summaries[0].Recommendation);
        Assert.Equal("IoBound", summaries.Single(s => s.Model == "Sequential").Bound);
        Assert.Equal("CpuBound", summaries.Single(s => s.Model == "Jobs").Bound);
    }

    [Fact]
    public void NoRecommendationWithoutASpeedup()
    {
        var speedups = new SpeedupAnalysis();
        var recommendations = new RecommendationAnalysis();
        speedups.Add(new SpeedupSample("m", "Cpu", 8, "x", "Threads", 2, 1, 100, true));
        recommendations.Add("m", "Cpu", 8, "x", "Threads", 2, 100, null, null, null);

        var summaries = speedups.Summarize(SpeedupBaseline.Sequential).Summaries;
        recommendations.Apply(summaries);

        Assert.Null(Assert.Single(summaries).Recommendation);
        Assert.Null(summaries[0].Bound);
    }
    [Fact]
    public void TheSentenceNeedsTheBestConfigurationsName()
    {
        Assert.Equal("best", Assert.Throws<ArgumentException>(() => Recommendation.Sentence("", 2, false, null)).ParamName);
        Assert.Equal("best", Assert.Throws<ArgumentNullException>(() => Recommendation.Sentence(null!, 2, false, null)).ParamName);
    }

    [Fact]
    public void WithoutASpeedupTheBestIsCalledFastest()
    {
        Assert.Equal("Threads x2: fastest; I/O-bound, so threads overlap the waits.", Recommendation.Sentence("Threads x2", null, false, WorkloadBound.IoBound));
        Assert.Equal("Threads x2: fastest.", Recommendation.Sentence("Threads x2", null, false, null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void CpuBoundWithoutTheCoresSaysTheCoreCount(int? cores)
    {
        Assert.Equal("Threads x2: 1.9x; CPU-bound, so it gains only up to the core count.", Recommendation.Sentence("Threads x2", 1.94, false, WorkloadBound.CpuBound, cores));
    }

    [Theory]
    [InlineData("Jobs x4", 0.0)]
    [InlineData("Jobs x4", null)]
    [InlineData(null, 500.0)]
    public void NoStartUpLossIsSaidWithoutALoserAndALossAboveZero(string? slowStart, double? slowStartMs)
    {
        Assert.Equal("Threads x4: 3.0x; I/O-bound, so threads overlap the waits.", Recommendation.Sentence("Threads x4", 3.0, false, WorkloadBound.IoBound, 8, slowStart, slowStartMs));
    }

    [Theory]
    [InlineData(999.4, "999 ms")]
    [InlineData(1000, "1.0 s")]
    [InlineData(1234, "1.2 s")]
    [InlineData(61_260, "61.3 s")]
    public void ADurationIsInMillisecondsBelowASecondAndInTenthsOfASecondFromThere(double milliseconds, string text)
    {
        Assert.Equal(text, Recommendation.Duration(milliseconds));
    }

    [Fact]
    public void TheListsBoundIsItsBaselinesEvenWhenTheBaselineHasMoreWorkers()
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 1, cpuMs: 900);    // CPU-bound
        Runs(analysis, "Threads", 2, cpuMs: 100);    // I/O-bound: the baseline
        Runs(analysis, "Threads", 4, cpuMs: 3600);   // CPU-bound: the fastest
        var list = new[] { Summary("Threads", 1, 0.9, "Threads x2"), Summary("Threads", 2, 1.0, "Threads x2"), Summary("Threads", 4, 3.0, "Threads x2") };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; I/O-bound, so threads overlap the waits.", list[2].Recommendation);
        Assert.Equal(new[] { "CpuBound", "IoBound", "CpuBound" }, list.Select(s => s.Bound));
    }

    [Fact]
    public void WithoutTheBaselinesRowTheFewestWorkersBoundTheList()
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 4, cpuMs: 3600);
        Runs(analysis, "Threads", 1, cpuMs: 100);
        var list = new[] { Summary("Threads", 4, 3.0, "Sequential x1"), Summary("Threads", 1, 1.1, "Sequential x1") };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; I/O-bound, so threads overlap the waits.", list[0].Recommendation);
    }

    [Fact]
    public void WithoutTheBaselinesFiguresTheFastestsBoundIsUsed()
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 4, cpuMs: 3600);
        var list = new[] { Summary("Sequential", 1, 1.0, "Sequential x1"), Summary("Threads", 4, 3.0, "Sequential x1") };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; CPU-bound, so it gains only up to the 8 cores.", list[1].Recommendation);
        Assert.Null(list[0].Bound);
    }

    [Fact]
    public void TheTasksOwnCpuShareWinsOverTheProcesssCpu()
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 1, cpuMs: 50, taskCpuShare: 0.95);
        var list = new[] { Summary("Threads", 1, 1.0, "Threads x1") };

        analysis.Apply(list);

        Assert.Equal("CpuBound", list[0].Bound);
    }

    [Fact]
    public void TheCoresAreTheFirstRunsThatGaveThem()
    {
        var analysis = new RecommendationAnalysis();
        analysis.Add("m", "w", 8, "x", "Threads", 4, 1000, 3600, 8, null);
        analysis.Add("m", "w", 8, "x", "Threads", 4, 1000, 3600, null, null);
        var list = new[] { Summary("Threads", 4, 3.0, "Sequential x1") };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; CPU-bound, so it gains only up to the 8 cores.", list[0].Recommendation);
    }

    [Theory]
    // Another configuration's start-up against its median time of 1000 ms: named from a tenth on.
    [InlineData(100, "; Jobs x4 lost 100 ms to start-up.")]
    [InlineData(99, ".")]
    [InlineData(50, ".")]
    public void AStartUpLossIsNamedFromATenthOfTheConfigurationsTime(double startupMs, string end)
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 4, cpuMs: 100);
        Runs(analysis, "Jobs", 4, cpuMs: 100, startups: new double[] { startupMs, startupMs, startupMs });
        var list = new[] { Summary("Threads", 4, 3.0, "Sequential x1"), Summary("Jobs", 4, 1.5, "Sequential x1") };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; I/O-bound, so threads overlap the waits" + end, list[0].Recommendation);
    }

    [Fact]
    public void NoStartUpLossIsNamedForTheFastestItselfAConfigurationWithoutATimeOrMostRunsStartingAtOnce()
    {
        var analysis = new RecommendationAnalysis();
        Runs(analysis, "Threads", 4, cpuMs: 100, startups: new double[] { 900, 900, 900 });   // the fastest's own
        Runs(analysis, "Jobs", 4, cpuMs: 100, startups: new double[] { 50, 50, 50 });         // its median time is 0
        Runs(analysis, "Runspaces", 4, cpuMs: 100, startups: new double[] { 0, 0, 500 });     // median start-up 0
        var list = new[]
        {
            Summary("Threads", 4, 3.0, "Sequential x1"),
            Summary("Jobs", 4, 1.5, "Sequential x1", medianMs: 0),
            Summary("Runspaces", 4, 1.2, "Sequential x1"),
        };

        analysis.Apply(list);

        Assert.Equal("Threads x4: 3.0x; I/O-bound, so threads overlap the waits.", list[0].Recommendation);
    }

    private static SpeedupSummary Summary(string model, int workers, double speedup, string baseline, double medianMs = 1000) => new()
    {
        MachineName = "m",
        Workload = "w",
        Tasks = 8,
        TaskSize = "x",
        Model = model,
        Workers = workers,
        Speedup = speedup,
        MedianMs = medianMs,
        Baseline = baseline,
    };

    // Three runs of 1000 ms on 8 cores, each with the CPU and start-up given.
    private static void Runs(RecommendationAnalysis analysis, string model, int workers, double cpuMs, double? taskCpuShare = null, double[]? startups = null)
    {
        for (int run = 0; run < 3; run++)
        {
            analysis.Add("m", "w", 8, "x", model, workers, 1000, cpuMs, 8, startups?[run], taskCpuShare);
        }
    }
}
