using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Races;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class ScriptBlockRaceTests
{
    private static RaceTestResult Run(ScriptBlockRacePlan plan) =>
        Assert.Single(new ScriptBlockRaceTest(plan).Run(null, CancellationToken.None));

    [Fact]
    public void A_locked_increment_keeps_every_update_and_each_trial_starts_from_a_fresh_copy()
    {
        var shared = new Hashtable { ["Count"] = 0 };
        RaceTestResult result = Run(new ScriptBlockRacePlan(
            "[System.Threading.Monitor]::Enter($_); try { $_.Count++ } finally { [System.Threading.Monitor]::Exit($_) }",
            "$_.Count -eq 150",
            shared,
            observe: "$_.Count",
            expected: 150,
            threads: 3,
            increments: 50,
            trials: 6,
            label: "Monitor"));

        Assert.Equal("ScriptBlock", result.Scenario);
        Assert.Equal("Monitor", result.Strategy);
        Assert.Equal(150, result.Operations);
        Assert.Equal(0, result.TrialsWithViolation);
        Assert.Equal(150, result.MinObserved);
        Assert.Equal(150, result.MaxObserved);
        Assert.Equal(nameof(RaceVerdict.NoRaceObserved), result.Verdict);
        Assert.Equal(0, shared["Count"]);
    }

    [Fact]
    public void A_broken_invariant_is_a_forbidden_outcome_and_errors_are_exceptions()
    {
        RaceTestResult result = Run(new ScriptBlockRacePlan(
            "[CmdletBinding()] param($state, $i) if ($i -eq 1) { $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new(\"odd $i\"), 'Odd', 'NotSpecified', $i)) }; $null = $state.TryAdd([guid]::NewGuid(), $i)",
            "$_.Count -eq 999",
            sharedState: null,
            sharedStateScript: "[System.Collections.Concurrent.ConcurrentDictionary[guid, int]]::new()",
            threads: 2,
            increments: 3,
            trials: 2));

        Assert.Equal(2, result.TrialsWithViolation);
        Assert.Equal(4, result.Exceptions);
        Assert.Contains("odd 1", result.FirstError);
        RaceOutcome outcome = Assert.Single(result.GetOutcomes());
        Assert.Equal("0, invariant broken, exception", outcome.Outcome);
        Assert.Equal("Forbidden", outcome.Expectation);
    }

    [Fact]
    public void Shared_objects_are_copied_by_clone_or_copy_constructor_and_others_are_refused()
    {
        ScriptBlockRaceTest.CheckCopyable(new Hashtable());
        ScriptBlockRaceTest.CheckCopyable(Hashtable.Synchronized(new Hashtable()));
        ScriptBlockRaceTest.CheckCopyable(new ConcurrentDictionary<string, int>());
        ScriptBlockRaceTest.CheckCopyable(new System.Collections.Generic.List<int> { 1 });
        var error = Assert.Throws<ArgumentException>(() => ScriptBlockRaceTest.CheckCopyable(new CancellationTokenSource()));
        Assert.Equal("SharedState", error.ParamName);
    }

    [Theory]
    [InlineData("", "$true", "ScriptBlock")]
    [InlineData("$_.Count++", " ", "Invariant")]
    public void Plan_names_the_missing_parameter(string script, string invariant, string parameter)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new ScriptBlockRacePlan(script, invariant, new Hashtable()));
        Assert.Equal(parameter, error.ParamName);
        Assert.Equal("SharedState", Assert.ThrowsAny<ArgumentException>(() => new ScriptBlockRacePlan("1", "$true", null)).ParamName);
        Assert.Equal("Threads", Assert.ThrowsAny<ArgumentException>(() => new ScriptBlockRacePlan("1", "$true", new Hashtable(), threads: 0)).ParamName);
    }
}
