using System;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// The settings of a race test of PowerShell code: a script block run by several runspaces at once
/// against one shared object, then an invariant checked on that object, trial after trial.
/// </summary>
public sealed class ScriptBlockRacePlan
{
    /// <summary>The Scenario column of every script-block result.</summary>
    public const string ScenarioName = "ScriptBlock";

    private readonly TimeSpan? _trialTimeout;

    /// <summary>Creates a plan, throwing <see cref="ArgumentException"/> naming the parameter when a setting is out of range or missing.</summary>
    /// <param name="script">The text of the script block each runspace runs <paramref name="increments"/> times per trial.</param>
    /// <param name="invariant">The text of the script block that returns true when the shared object is right.</param>
    /// <param name="sharedState">The object every trial starts from (copied for each trial), or null when <paramref name="sharedStateScript"/> makes it.</param>
    /// <param name="sharedStateScript">The text of a script block that returns a fresh shared object for each trial.</param>
    /// <param name="observe">Optional: the text of a script block that returns a number, the observed value of the trial.</param>
    /// <param name="expected">Optional: the value <paramref name="observe"/> should return, for the Expected and MeanLostUpdates columns.</param>
    /// <param name="threads">Runspaces released together in each trial.</param>
    /// <param name="increments">Times each runspace runs the script block per trial.</param>
    /// <param name="trials">Measured trials.</param>
    /// <param name="label">The Strategy column: a name for this variant of the code, e.g. <c>Monitor</c>.</param>
    public ScriptBlockRacePlan(
        string script,
        string invariant,
        object? sharedState,
        string? sharedStateScript = null,
        string? observe = null,
        long? expected = null,
        int threads = RaceTestPlan.DefaultThreads,
        int increments = RaceTestPlan.DefaultIncrements,
        int trials = RaceTestPlan.DefaultTrials,
        string label = ScenarioName)
    {
        if (string.IsNullOrWhiteSpace(script))
        {
            throw new ArgumentException("ScriptBlock must not be empty.", "ScriptBlock");
        }

        if (string.IsNullOrWhiteSpace(invariant))
        {
            throw new ArgumentException("Invariant must not be empty.", "Invariant");
        }

        if (sharedState is null && string.IsNullOrWhiteSpace(sharedStateScript))
        {
            throw new ArgumentException("SharedState needs an object to share, or a script block that makes one.", "SharedState");
        }

        ArgumentRange.Check("Threads", threads, 1, RaceTestPlan.MaxThreads);
        ArgumentRange.Check("Increments", increments, 1, RaceTestPlan.MaxIncrements);
        ArgumentRange.Check("Trials", trials, 1, RaceTestPlan.MaxTrials);
        Script = script;
        Invariant = invariant;
        SharedState = sharedState;
        SharedStateScript = string.IsNullOrWhiteSpace(sharedStateScript) ? null : sharedStateScript;
        Observe = string.IsNullOrWhiteSpace(observe) ? null : observe;
        Expected = expected;
        Threads = threads;
        Increments = increments;
        Trials = trials;
        Label = string.IsNullOrWhiteSpace(label) ? ScenarioName : label;
    }

    /// <summary>The script block's text.</summary>
    public string Script { get; }

    /// <summary>The invariant's text.</summary>
    public string Invariant { get; }

    /// <summary>The object each trial starts from a copy of, or null.</summary>
    public object? SharedState { get; }

    /// <summary>The text of the script block that makes each trial's shared object, or null.</summary>
    public string? SharedStateScript { get; }

    /// <summary>The text of the script block that returns the observed number, or null.</summary>
    public string? Observe { get; }

    /// <summary>The value Observe should return, or null.</summary>
    public long? Expected { get; }

    /// <summary>Runspaces released together in each trial.</summary>
    public int Threads { get; }

    /// <summary>Times each runspace runs the script block per trial.</summary>
    public int Increments { get; }

    /// <summary>Measured trials.</summary>
    public int Trials { get; }

    /// <summary>The Strategy column.</summary>
    public string Label { get; }

    /// <summary>
    /// The time limit of one trial (the runs, the invariant and the observed value), or null for none. A trial that runs
    /// out of time is counted as timed out; its runspaces are abandoned (disposed once they come back) and the next
    /// trial runs on fresh ones.
    /// </summary>
    public TimeSpan? TrialTimeout
    {
        get => _trialTimeout;
        init
        {
            if (value is TimeSpan limit)
            {
                ArgumentRange.Check("TimeoutSeconds", limit.TotalSeconds, 0.001, TimeSpan.FromDays(1).TotalSeconds);
            }

            _trialTimeout = value;
        }
    }

    /// <summary>Trials run in all, warm-up included.</summary>
    public long TotalTrials => Trials + RaceTestPlan.WarmupTrials;
}
