using System;
using System.Collections;
using ConcurrencyTools.Engine.Races;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// The settings of a script-block race test, checked without running PowerShell (the runs are tested in the
/// Runspaces tests): every required text, every limit at its edges, and what blank optional texts become.
/// </summary>
public class ScriptBlockRacePlanTests
{
    [Theory]
    [InlineData("", "$true", "ScriptBlock", "ScriptBlock must not be empty.")]
    [InlineData("  ", "$true", "ScriptBlock", "ScriptBlock must not be empty.")]
    [InlineData("1", "", "Invariant", "Invariant must not be empty.")]
    [InlineData("1", " ", "Invariant", "Invariant must not be empty.")]
    public void BlankScriptsAreRejectedNamingTheParameter(string script, string invariant, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new ScriptBlockRacePlan(script, invariant, new Hashtable()));
        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void WithoutASharedObjectOrAScriptThatMakesOneThePlanIsRejected(string? sharedStateScript)
    {
        var error = Assert.Throws<ArgumentException>(() => new ScriptBlockRacePlan("1", "$true", null, sharedStateScript));
        Assert.Equal("SharedState", error.ParamName);
        Assert.StartsWith("SharedState needs an object to share, or a script block that makes one.", error.Message);
    }

    [Fact]
    public void AScriptThatMakesTheSharedObjectIsEnoughAndIsKept()
    {
        var plan = new ScriptBlockRacePlan("1", "$true", null, "@{ Count = 0 }");
        Assert.Null(plan.SharedState);
        Assert.Equal("@{ Count = 0 }", plan.SharedStateScript);
    }

    [Theory]
    [InlineData(0, 1, 1, "Threads")]
    [InlineData(RaceTestPlan.MaxThreads + 1, 1, 1, "Threads")]
    [InlineData(1, 0, 1, "Increments")]
    [InlineData(1, RaceTestPlan.MaxIncrements + 1, 1, "Increments")]
    [InlineData(1, 1, 0, "Trials")]
    [InlineData(1, 1, RaceTestPlan.MaxTrials + 1, "Trials")]
    public void CountsOutsideTheirLimitsAreRejectedNamingTheParameter(int threads, int increments, int trials, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptBlockRacePlan("1", "$true", 1, threads: threads, increments: increments, trials: trials));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void CountsAtTheirLimitsAreAccepted()
    {
        var lowest = new ScriptBlockRacePlan("1", "$true", 1, threads: 1, increments: 1, trials: 1);
        Assert.Equal((1, 1, 1), (lowest.Threads, lowest.Increments, lowest.Trials));
        var highest = new ScriptBlockRacePlan("1", "$true", 1, threads: RaceTestPlan.MaxThreads, increments: RaceTestPlan.MaxIncrements, trials: RaceTestPlan.MaxTrials);
        Assert.Equal((RaceTestPlan.MaxThreads, RaceTestPlan.MaxIncrements, RaceTestPlan.MaxTrials), (highest.Threads, highest.Increments, highest.Trials));
        Assert.Equal(RaceTestPlan.MaxTrials + RaceTestPlan.WarmupTrials, highest.TotalTrials);
    }

    [Fact]
    public void EverySettingIsKeptAsGiven()
    {
        var shared = new Hashtable();
        var plan = new ScriptBlockRacePlan("$_.Count++", "$_.Count -eq 6", shared, observe: "$_.Count", expected: 6, threads: 2, increments: 3, trials: 5, label: "Unlocked");
        Assert.Equal("$_.Count++", plan.Script);
        Assert.Equal("$_.Count -eq 6", plan.Invariant);
        Assert.Same(shared, plan.SharedState);
        Assert.Null(plan.SharedStateScript);
        Assert.Equal("$_.Count", plan.Observe);
        Assert.Equal(6, plan.Expected);
        Assert.Equal((2, 3, 5), (plan.Threads, plan.Increments, plan.Trials));
        Assert.Equal("Unlocked", plan.Label);
        Assert.Equal(7, plan.TotalTrials);
        Assert.Null(plan.TrialTimeout);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void BlankOptionalTextsAreNoneAndABlankLabelIsTheScenario(string? blank)
    {
        var plan = new ScriptBlockRacePlan("1", "$true", 1, sharedStateScript: blank, observe: blank, label: blank!);
        Assert.Null(plan.SharedStateScript);
        Assert.Null(plan.Observe);
        Assert.Null(plan.Expected);
        Assert.Equal(ScriptBlockRacePlan.ScenarioName, plan.Label);
        Assert.Equal("ScriptBlock", ScriptBlockRacePlan.ScenarioName);
        Assert.Equal(RaceTestPlan.DefaultTrials + RaceTestPlan.WarmupTrials, plan.TotalTrials);
        Assert.Equal((RaceTestPlan.DefaultThreads, RaceTestPlan.DefaultIncrements), (plan.Threads, plan.Increments));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.0005)]
    [InlineData(-1.0)]
    [InlineData(86_400.5)]
    public void ATrialTimeOutOutsideAMillisecondToADayIsRejected(double seconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptBlockRacePlan("1", "$true", 1) { TrialTimeout = TimeSpan.FromSeconds(seconds) });
        Assert.Equal("TimeoutSeconds", error.ParamName);
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(86_400.0)]
    public void ATrialTimeOutAtItsLimitsIsKept(double seconds)
    {
        var plan = new ScriptBlockRacePlan("1", "$true", 1) { TrialTimeout = TimeSpan.FromSeconds(seconds) };
        Assert.Equal(TimeSpan.FromSeconds(seconds), plan.TrialTimeout);
    }
}
