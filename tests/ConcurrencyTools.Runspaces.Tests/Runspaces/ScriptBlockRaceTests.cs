using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using System.Threading;
using ConcurrencyTools.Engine.Races;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class ScriptBlockRaceTests
{
    // Waits until its pipeline is stopped: a loop PowerShell can stop between sleeps. (Start-Sleep is not found in this
    // test host, whose PowerShell has no module folder of its own.)
    private const string Hang = "while ($true) { [System.Threading.Thread]::Sleep(20) }";

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
        Assert.Equal("invariant broken; a thread threw", outcome.Description);
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

    [Fact]
    public void Progress_counts_the_warm_up_trials_apart_and_only_measured_trials_are_in_the_result()
    {
        var progress = new Recorder();
        var plan = new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, threads: 1, increments: 1, trials: 2);

        RaceTestResult result = Assert.Single(new ScriptBlockRaceTest(plan).Run(progress, CancellationToken.None));

        Assert.Equal(
            [new RaceTestProgress(1, true, 0, 4), new RaceTestProgress(2, true, 1, 4), new RaceTestProgress(1, false, 2, 4), new RaceTestProgress(2, false, 3, 4)],
            progress.Reports);
        Assert.Equal(2, result.Trials);
        Assert.Equal(1, result.Threads);
        Assert.Equal(1, result.Expected);
        Assert.Equal(1, result.MinObserved);
        Assert.Equal(0, result.TrialsWithViolation);
    }

    [Fact]
    public void Without_Observe_a_trial_observes_whether_the_invariant_held_and_counts_what_broke_it()
    {
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$_.Count -eq 99", new Hashtable { ["Count"] = 0 }, threads: 2, increments: 2, trials: 3));

        Assert.Equal(1, result.Expected);
        Assert.Equal(0, result.MaxObserved);
        Assert.Equal(3, result.TrialsWithViolation);
        Assert.Equal(1, result.MeanLostUpdates);
        Assert.Equal(4, result.Operations);
        Assert.Equal(0, result.Exceptions);
        Assert.Null(result.FirstError);
    }

    [Fact]
    public void Observe_without_Expected_reports_the_numbers_without_counting_lost_updates()
    {
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count += 2", "$true", new Hashtable { ["Count"] = 0 }, observe: "$_.Count", threads: 1, increments: 3, trials: 2));

        Assert.Equal(0, result.Expected);
        Assert.Equal(6, result.MinObserved);
        Assert.Equal(6, result.MaxObserved);
        Assert.Equal(0, result.MeanLostUpdates);
        Assert.Equal(0, result.TrialsWithViolation);
    }

    [Fact]
    public void Observe_that_returns_nothing_observes_zero()
    {
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, observe: "$null", expected: 0, threads: 1, increments: 1, trials: 1));

        Assert.Equal(0, result.MaxObserved);
        Assert.Equal(0, result.MeanLostUpdates);
    }

    [Fact]
    public void Observe_with_Expected_counts_what_is_missing_as_lost_updates()
    {
        // The invariant decides the verdict; Observe's number, against Expected, the lost updates.
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$_.Count -eq 5", new Hashtable { ["Count"] = 0 }, observe: "$_.Count", expected: 5, threads: 1, increments: 3, trials: 2));

        Assert.Equal((5L, 3L, 3L), (result.Expected, result.MinObserved, result.MaxObserved));
        Assert.Equal(2, result.MeanLostUpdates);
        Assert.Equal(2, result.TrialsWithViolation);
        Assert.Equal(RaceVerdict.RaceDetected.ToString(), result.Verdict);
    }

    [Fact]
    public void Observe_that_writes_no_output_at_all_observes_zero()
    {
        // A bare $null writes one null; an if that does not run writes nothing.
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, observe: "if ($false) { 1 }", expected: 0, threads: 1, increments: 1, trials: 1));

        Assert.Equal((0L, 0L), (result.MaxObserved, result.Exceptions));
        Assert.Equal(0, result.TrialsWithViolation);
    }

    [Fact]
    public void An_error_in_Observe_or_the_invariant_counts_as_the_trials_exception()
    {
        RaceTestResult observed = Run(new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, observe: "throw 'no count here'", threads: 1, increments: 1, trials: 2));
        Assert.Equal((2L, 2), (observed.Exceptions, observed.TrialsWithException));
        Assert.Equal("RuntimeException: no count here", observed.FirstError);

        RaceTestResult checkedOnce = Run(new ScriptBlockRacePlan("$_.Count++", "throw 'no verdict'", new Hashtable { ["Count"] = 0 }, threads: 1, increments: 1, trials: 1));
        Assert.Equal(1, checkedOnce.Exceptions);
        Assert.Equal("RuntimeException: no verdict", checkedOnce.FirstError);
    }

    [Fact]
    public void A_script_block_race_has_no_race_window_and_no_torn_reads_and_lasts_no_longer_than_its_run()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, threads: 2, increments: 2, trials: 2));
        double runMs = clock.Elapsed.TotalMilliseconds;

        Assert.Equal(string.Empty, result.RaceWindow);
        Assert.Null(result.MeanTornReads);
        Assert.InRange(result.ElapsedMs, 0.001, runMs);
    }

    [Fact]
    public void Observe_that_returns_no_number_is_the_callers_mistake_named_as_such()
    {
        var plan = new ScriptBlockRacePlan("$_.Count++", "$true", new Hashtable { ["Count"] = 0 }, observe: "'many'", threads: 1, increments: 1, trials: 1);

        var error = Assert.Throws<ArgumentException>(() => new ScriptBlockRaceTest(plan).Run(null, CancellationToken.None));

        Assert.Equal("Observe", error.ParamName);
        Assert.StartsWith("Observe returned 'many' (a String), which is not a number: it must return the trial's observed value as a whole number, e.g. -Observe { $_.Count }.", error.Message);
    }

    [Fact]
    public void A_SharedState_script_that_returns_nothing_is_refused_naming_SharedState()
    {
        var plan = new ScriptBlockRacePlan("$_.Count++", "$true", null, sharedStateScript: "$null", threads: 1, increments: 1, trials: 1);

        var error = Assert.Throws<ArgumentException>(() => new ScriptBlockRaceTest(plan).Run(null, CancellationToken.None));

        Assert.Equal("SharedState", error.ParamName);
        Assert.StartsWith("The SharedState script block returned nothing: it must return the object to share.", error.Message);
    }

    [Theory]
    [InlineData("$_.Count++ {", "$true", null, null)]
    [InlineData("$_.Count++", "$true -and (", null, null)]
    [InlineData("$_.Count++", "$true", "$_.Count)", null)]
    [InlineData("$_.Count++", "$true", null, "@{ Count = 0 ")]
    public void A_script_block_that_does_not_parse_fails_before_any_trial(string script, string invariant, string? observe, string? sharedStateScript)
    {
        var progress = new Recorder();
        var plan = new ScriptBlockRacePlan(script, invariant, sharedStateScript is null ? new Hashtable { ["Count"] = 0 } : null, sharedStateScript, observe, threads: 1, increments: 1, trials: 1);

        Assert.ThrowsAny<ParseException>(() => new ScriptBlockRaceTest(plan).Run(progress, CancellationToken.None));
        Assert.Empty(progress.Reports);
    }

    [Fact]
    public void A_custom_object_is_copied_for_each_trial_and_the_original_left_alone()
    {
        var shared = new PSObject();
        shared.Properties.Add(new PSNoteProperty("Count", 0));

        // One thread, so that no update is lost to a race (two threads lost one in a CI run); a trial that found the
        // previous trial's object would observe 4.
        RaceTestResult result = Run(new ScriptBlockRacePlan("$_.Count++", "$_.Count -eq 2", shared, observe: "$_.Count", expected: 2, threads: 1, increments: 2, trials: 2));

        Assert.Equal(2, result.MinObserved);
        Assert.Equal(2, result.MaxObserved);
        Assert.Equal(0, shared.Properties["Count"].Value);
        var error = Assert.Throws<ArgumentException>(() => ScriptBlockRaceTest.CheckCopyable(new CancellationTokenSource()));
        Assert.StartsWith("SharedState of type System.Threading.CancellationTokenSource cannot be copied for each trial; pass a script block that returns a fresh one, e.g. -SharedState { @{ Count = 0 } }.", error.Message);
        Assert.IsType<MissingMethodException>(error.InnerException);
        ScriptBlockRaceTest.CheckCopyable(null);
    }

    [Fact]
    public void An_error_is_described_by_its_exception_type_and_message()
    {
        RaceTestResult result = Run(new ScriptBlockRacePlan("throw [InvalidOperationException]::new('stuck')", "$true", new Hashtable(), threads: 1, increments: 1, trials: 1));

        Assert.Equal("InvalidOperationException: stuck", result.FirstError);
        Assert.Equal(1, result.Exceptions);
    }

    [Fact]
    public async Task A_trial_that_runs_out_of_time_is_counted_and_the_next_trial_runs_on_fresh_runspaces()
    {
        // Each trial's shared object numbers the trial (process-wide, under a key of this test): round 2 (a warm-up)
        // and rounds 3 and 4 (measured trials) hang until stopped, rounds 1 and 5 end at once. A hanging round notes,
        // when its pipeline is stopped, that it was.
        string key = "ct-race-round-" + Guid.NewGuid().ToString("N");
        string makeState = $"$r = 1 + [int][AppDomain]::CurrentDomain.GetData('{key}'); [AppDomain]::CurrentDomain.SetData('{key}', $r); @{{ Round = $r; Count = 0 }}";
        string hang = $"try {{ {Hang} }} finally {{ [AppDomain]::CurrentDomain.SetData('{key}-stopped-' + $_.Round, $true) }}";
        var plan = new ScriptBlockRacePlan("if ($_.Round -in 2, 3, 4) { " + hang + " }; $_.Count++", "$_.Count -eq 1", null, makeState, threads: 1, increments: 1, trials: 3)
        {
            TrialTimeout = TimeSpan.FromSeconds(3),
        };
        var progress = new Recorder();

        RaceTestResult result = Assert.Single(new ScriptBlockRaceTest(plan).Run(progress, CancellationToken.None));

        // The warm-up that ran out of time is not counted.
        Assert.Equal(2, result.TrialsTimedOut);
        Assert.Equal(0, result.TrialsWithViolation);
        Assert.Equal(5, AppDomain.CurrentDomain.GetData(key));
        Assert.Equal([0L, 1, 2, 3, 4], progress.Reports.Select(r => r.TrialsDone));
        // The abandoned trials' pipelines were stopped (the wait is a hang guard only: without a stop they loop forever).
        Task stopped = Task.Run(async () =>
        {
            while (new[] { 2, 3, 4 }.Any(round => AppDomain.CurrentDomain.GetData($"{key}-stopped-{round}") is null))
            {
                await Task.Delay(50);
            }
        });
        await stopped.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Only_the_measured_trials_are_in_the_result_not_the_warm_up()
    {
        // Each trial observes its own number: the two warm-up trials are 1 and 2, the measured ones 3 and 4.
        string key = "ct-race-round-" + Guid.NewGuid().ToString("N");
        string makeState = $"$r = 1 + [int][AppDomain]::CurrentDomain.GetData('{key}'); [AppDomain]::CurrentDomain.SetData('{key}', $r); @{{ Round = $r }}";

        RaceTestResult result = Run(new ScriptBlockRacePlan("$null = $_.Round", "$true", null, makeState, observe: "$_.Round", threads: 1, increments: 1, trials: 2));

        Assert.Equal(2, result.Trials);
        Assert.Equal(3, result.MinObserved);
        Assert.Equal(4, result.MaxObserved);
    }

    [Fact]
    public void A_trial_lasts_from_the_release_until_its_slowest_runspace_is_done()
    {
        // Of two runspaces, the first to take the key sleeps 300 ms, the other does not wait at all.
        var plan = new ScriptBlockRacePlan(
            "if ($_.TryAdd('first', 1)) { [System.Threading.Thread]::Sleep(300) }",
            "$true",
            null,
            "[System.Collections.Concurrent.ConcurrentDictionary[string, int]]::new()",
            threads: 2,
            increments: 1,
            trials: 2);

        RaceTestResult result = Run(plan);

        // Each trial's span is the slowest runspace's time, at least 300 ms over 2 operations; the elapsed time of the
        // two trials holds their spans.
        Assert.Equal(2, result.Operations);
        Assert.InRange(result.NsPerOperation, 150e6, 1e12);
        Assert.InRange(result.ElapsedMs, 600, 1e9);
        Assert.True(result.NsPerOperation * result.Operations * result.Trials / 1e6 <= result.ElapsedMs + 0.01, $"{result.NsPerOperation} ns per operation, {result.ElapsedMs} ms");
    }

    [Fact]
    public async Task Cancelling_ends_the_run_while_a_trial_hangs()
    {
        var plan = new ScriptBlockRacePlan(Hang, "$true", new Hashtable(), threads: 2, increments: 1, trials: 1);
        using var cancel = new CancellationTokenSource();
        var progress = new Recorder();
        Task<IReadOnlyList<RaceTestResult>> run = Task.Run(() => new ScriptBlockRaceTest(plan).Run(progress, cancel.Token));
        while (progress.Reports.Length == 0)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancelling_ends_the_run_while_a_trial_is_stuck_in_a_call_no_stop_reaches()
    {
        // A .NET Sleep of 20 s: PowerShell cannot stop the pipeline until it returns, so closing the trial's runspaces
        // would wait for it too. The run leaves them to close once the trial is back. The shared object is copied for
        // each trial, but the event in it is the same one (a hashtable's copy is shallow).
        using var sleeping = new ManualResetEventSlim();
        var plan = new ScriptBlockRacePlan("$_.Sleeping.Set(); [System.Threading.Thread]::Sleep(20000)", "$true", new Hashtable { ["Sleeping"] = sleeping }, threads: 1, increments: 1, trials: 1);
        using var cancel = new CancellationTokenSource();
        Task<IReadOnlyList<RaceTestResult>> run = Task.Run(() => new ScriptBlockRaceTest(plan).Run(null, cancel.Token));
        Assert.True(sleeping.Wait(TimeSpan.FromSeconds(60)));

        cancel.Cancel();

        // A hang guard, shorter than the sleep: closing the runspaces before returning would take the rest of the 20 s.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_run_closes_its_runspaces_before_it_returns()
    {
        // Each run notes the runspace it ran in (the bag is the same in every trial's copy of the hashtable).
        var runspaces = new ConcurrentBag<System.Management.Automation.Runspaces.Runspace>();
        var plan = new ScriptBlockRacePlan("$_.Runspaces.Add([runspace]::DefaultRunspace)", "$true", new Hashtable { ["Runspaces"] = runspaces }, threads: 2, increments: 1, trials: 1);

        Run(plan);

        Assert.Equal(2, runspaces.Distinct().Count());
        Assert.All(runspaces, r => Assert.Equal(System.Management.Automation.Runspaces.RunspaceState.Closed, r.RunspaceStateInfo.State));
    }

    [Fact]
    public async Task The_runspaces_of_a_trial_that_ran_out_of_time_are_closed_once_it_comes_back()
    {
        // The first run notes its runspace and sleeps in a .NET call for 3 s, past its trial's limit of 1 s: that trial is
        // abandoned and the next ones run on a fresh runspace. The abandoned one is closed once the sleep returns.
        var runspaces = new ConcurrentBag<System.Management.Automation.Runspaces.Runspace>();
        var plan = new ScriptBlockRacePlan(
            "$_.Runspaces.Add([runspace]::DefaultRunspace); if ($_.Runspaces.Count -eq 1) { [System.Threading.Thread]::Sleep(3000) }",
            "$true",
            new Hashtable { ["Runspaces"] = runspaces },
            threads: 1,
            increments: 1,
            trials: 1)
        {
            TrialTimeout = TimeSpan.FromSeconds(1),
        };

        Run(plan);

        Assert.True(runspaces.Distinct().Count() >= 2, $"{runspaces.Distinct().Count()} runspaces");
        // A hang guard only: the sleep ends 3 s after it began.
        Task closed = Task.Run(async () =>
        {
            while (runspaces.Any(r => r.RunspaceStateInfo.State != System.Management.Automation.Runspaces.RunspaceState.Closed))
            {
                await Task.Delay(50);
            }
        });
        await closed.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_race_test_needs_a_plan() =>
        Assert.Equal("plan", Assert.Throws<ArgumentNullException>(() => new ScriptBlockRaceTest(null!)).ParamName);

    /// <summary>Records each report on the reporting thread, in order.</summary>
    private sealed class Recorder : IProgress<RaceTestProgress>
    {
        private readonly List<RaceTestProgress> _reports = new();

        public RaceTestProgress[] Reports
        {
            get
            {
                lock (_reports)
                {
                    return _reports.ToArray();
                }
            }
        }

        public void Report(RaceTestProgress value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }
        }
    }
}
