using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using ConcurrencyTools.Engine.Races;
using ConcurrencyTools.Engine.Runspaces;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Runs threads against shared state in many trials, jcstress-style, and reports per strategy how often updates were lost, with a histogram of outcomes and the price of each fix.</para>
/// </summary>
/// <remarks>
/// The engine runs every trial on its own threads and returns the results; this cmdlet only binds, writes
/// progress and results on the pipeline thread, and cancels in StopProcessing (Ctrl+C, Select-Object -First).
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "RaceCondition", DefaultParameterSetName = ScenarioSet)]
[OutputType(typeof(RaceTestResult))]
public sealed class TestRaceConditionCommand : ConcurrencyCmdlet
{
    private const string ScenarioSet = "Scenario";
    private const string ScriptBlockSet = "ScriptBlock";
    private const string Activity = "Test-RaceCondition";
    private const string InvalidParameter = "InvalidRaceTestParameter";

    /// <summary>What the threads do to shared state: Counter (increments), CheckThenAct (add a key if absent) or Transfer (move units between two accounts and audit the total).</summary>
    [Parameter(Position = 0, ParameterSetName = ScenarioSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public RaceScenario[]? Scenario { get; set; }

    /// <summary>How the shared state is protected; each strategy runs the same trials, interleaved. None, Interlocked and Lock by default.</summary>
    [Parameter(Position = 1, ParameterSetName = ScenarioSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public RaceStrategy[]? Strategy { get; set; }

    /// <summary>PowerShell code that each runspace runs Increments times per trial, with the shared object as $_ and first argument and the iteration number as second argument.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>The object the runspaces share (a hashtable, a synchronized hashtable, a ConcurrentDictionary, ...), copied afresh for each trial; or a script block that returns a fresh one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public object? SharedState { get; set; }

    /// <summary>A script block that returns $true when the shared object ($_) is right after a trial, e.g. { $_.Count -eq 400 }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public ScriptBlock? Invariant { get; set; }

    /// <summary>A script block that returns a number from the shared object ($_), the trial's observed value for the histogram, e.g. { $_.Count }.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? Observe { get; set; }

    /// <summary>The number Observe should return when nothing was lost: fills the Expected and MeanLostUpdates columns.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    public long? Expected { get; set; }

    /// <summary>The Strategy column of the result, naming this variant of the code (e.g. Plain, Monitor, ConcurrentDictionary); ScriptBlock by default.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = ScriptBlockRacePlan.ScenarioName;

    /// <summary>Seconds one trial of the script block may take (its runs, the invariant and Observe); a trial that runs out is counted in TrialsTimedOut, its runspaces are abandoned, and the next trial runs on fresh ones. No limit by default.</summary>
    [Parameter(ParameterSetName = ScriptBlockSet)]
    [ValidateRange(0.001, 86400.0)]
    public double TimeoutSeconds { get; set; }

    /// <summary>Threads (runspaces, with -ScriptBlock) released together in each trial.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, RaceTestPlan.MaxThreads)]
    public int Threads { get; set; } = RaceTestPlan.DefaultThreads;

    /// <summary>Operations per thread and trial: increments (Counter), keys tried (CheckThenAct) or transfers (Transfer).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Operations")]
    [ValidateRange(1, RaceTestPlan.MaxIncrements)]
    public int Increments { get; set; } = RaceTestPlan.DefaultIncrements;

    /// <summary>Measured trials of each scenario and strategy.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, RaceTestPlan.MaxTrials)]
    public int Trials { get; set; } = RaceTestPlan.DefaultTrials;

    /// <summary>What a thread does between reading shared state and writing it back: None, Yield (default), SpinWait or Sleep.</summary>
    [Parameter(ParameterSetName = ScenarioSet, ValueFromPipelineByPropertyName = true)]
    public RaceWindow RaceWindow { get; set; } = RaceTestPlan.DefaultRaceWindow;

    /// <summary>Seed of the random choices (SpinWait lengths, transfer directions), to repeat them; random when omitted, and reported in the Seed column.</summary>
    [Parameter(ParameterSetName = ScenarioSet)]
    public int? Seed { get; set; }

    /// <summary>Writes no progress bar.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == ScriptBlockSet)
        {
            ProcessScriptBlock();
            return;
        }

        RaceTestPlan plan;
        try
        {
            plan = new RaceTestPlan(Scenario, Strategy, Threads, Increments, Trials, RaceWindow, Seed);
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, InvalidParameter);
            return;
        }

        WriteVerbose($"{string.Join(", ", plan.Scenarios)} under {string.Join(", ", plan.Strategies)}: {plan.Threads} threads x {plan.Increments} operations, " +
            $"race window {plan.RaceWindow}, {RaceTestPlan.WarmupTrials} warm-up and {plan.Trials} measured trials each, interleaved; seed {plan.Seed}.");
        Emit(new RaceTest(plan).Run);
    }

    private void ProcessScriptBlock()
    {
        ScriptBlockRacePlan plan;
        try
        {
            object state = SharedState is PSObject wrapped ? wrapped.BaseObject : SharedState!;
            ScriptBlock? maker = state as ScriptBlock;
            if (maker is null)
            {
                ScriptBlockRaceTest.CheckCopyable(SharedState);
            }

            plan = new ScriptBlockRacePlan(
                ScriptBlock!.ToString(),
                Invariant!.ToString(),
                maker is null ? SharedState : null,
                maker?.ToString(),
                Observe?.ToString(),
                Expected,
                Threads,
                Increments,
                Trials,
                Label)
            {
                TrialTimeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSeconds)) ? TimeSpan.FromSeconds(TimeoutSeconds) : null,
            };
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, InvalidParameter);
            return;
        }

        WriteVerbose($"Script block in {plan.Threads} runspaces x {plan.Increments} runs each, released together; {RaceTestPlan.WarmupTrials} warm-up and {plan.Trials} measured trials, " +
            (plan.SharedStateScript is null ? $"each on a fresh copy of the {(plan.SharedState is PSObject shown ? shown.BaseObject : plan.SharedState)?.GetType().Name}." : "each on a fresh object from the SharedState script block."));
        try
        {
            Emit(new ScriptBlockRaceTest(plan).Run);
        }
        catch (ParseException error)
        {
            WriteError(new ErrorRecord(error, "ScriptBlockParseError", ErrorCategory.ParserError, error.Message));
        }
        catch (ArgumentException error)
        {
            WriteParameterError(error, InvalidParameter);
        }
    }

    /// <summary>Runs a race test on the pipeline thread (progress is reported there too) and writes its results.</summary>
    private void Emit(Func<IProgress<RaceTestProgress>?, CancellationToken, IReadOnlyList<RaceTestResult>> run)
    {
        var progress = new ProgressThrottle(this, Activity, NoProgress.IsPresent);
        IReadOnlyList<RaceTestResult> results = Array.Empty<RaceTestResult>();
        try
        {
            RunUntilStopped(() => results = run(progress.For<RaceTestProgress>(p => ($"{p.Describe()} ({p.TrialsDone} of {p.TotalTrials} trials done)", p.TrialsDone, p.TotalTrials)), StopToken));
        }
        finally
        {
            progress.Complete();
        }

        foreach (RaceTestResult result in results)
        {
            WriteVerbose($"{result.Scenario} / {result.Strategy}: {result.TrialsWithViolation} of {result.Trials} trials violated, " +
                $"observed {result.MinObserved}..{result.MaxObserved} of {result.Expected}, {result.NsPerOperation} ns per operation: {result.Verdict}." +
                (result.FirstError is null ? string.Empty : $" First exception: {result.FirstError}"));
            WriteObject(result);
        }
    }
}
