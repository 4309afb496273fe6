using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Races;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Runs a <see cref="ScriptBlockRacePlan"/> on a <see cref="RunspaceSet"/>: for each trial a fresh shared
/// object, the script block run Increments times in every runspace, all released at once, then the
/// invariant (and the observed number) evaluated on the object. The trials make one
/// <see cref="RaceTestResult"/>, with the same histogram as the C# scenarios.
/// </summary>
public sealed class ScriptBlockRaceTest
{
    // Each runspace runs the user's block Increments times with the shared object as $_ and first
    // argument, the iteration as second. The text and the count arrive as variables, never spliced
    // into code, so no quoting of the user's text can go wrong.
    private const string Repeater = """
        $__ctRace = [scriptblock]::Create($__ctRaceScript)
        for ($__ctI = 0; $__ctI -lt $__ctRaceIncrements; $__ctI++) { & $__ctRace $_ $__ctI }
        """;

    private readonly ScriptBlockRacePlan _plan;

    /// <summary>Creates a race test of a plan.</summary>
    public ScriptBlockRaceTest(ScriptBlockRacePlan plan) => _plan = plan ?? throw new ArgumentNullException(nameof(plan));

    /// <summary>Checks that the shared object can be copied for each trial, throwing <see cref="ArgumentException"/> naming SharedState if not.</summary>
    public static void CheckCopyable(object? sharedState)
    {
        if (sharedState is not null)
        {
            _ = CopyState(sharedState);
        }
    }

    /// <summary>Runs every trial and returns the one result. A parse error of a script block throws <see cref="ParseException"/>.</summary>
    public IReadOnlyList<RaceTestResult> Run(IProgress<RaceTestProgress>? progress, CancellationToken cancellationToken)
    {
        var state = new ScriptBlockState
        {
            Variables = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["__ctRaceScript"] = _plan.Script,
                ["__ctRaceIncrements"] = _plan.Increments,
            },
        };
        // Parse errors are the caller's mistake: say so before opening anything.
        foreach (string? script in new[] { _plan.Script, _plan.Invariant, _plan.Observe, _plan.SharedStateScript })
        {
            if (script is not null)
            {
                _ = ScriptBlock.Create(script);
            }
        }

        bool observes = _plan.Observe is not null;
        long expected = observes ? _plan.Expected ?? 0 : 1;
        var histogram = new OutcomeHistogram(
            expected,
            _ => "invariant broken",
            auditsTornReads: false,
            countsLostUpdates: !observes || _plan.Expected is not null);

        // The set is replaced when a trial runs out of time: its runspaces may be stuck in code that no stop reaches
        // (a .NET Sleep), so they are abandoned, and disposed in the background once they come back.
        RunspaceSet? set = RunspaceSet.Open(state, _plan.Threads, cancellationToken);
        try
        {
            long done = 0;
            int rounds = RaceTestPlan.WarmupTrials + _plan.Trials;
            for (int round = 1; round <= rounds; round++)
            {
                bool warmup = round <= RaceTestPlan.WarmupTrials;
                progress?.Report(new RaceTestProgress(warmup ? round : round - RaceTestPlan.WarmupTrials, warmup, done, _plan.TotalTrials));
                RunspaceSet current = set;
                // Not disposed while an abandoned trial may still read it: Abandon disposes it once the trial is back.
                var trialStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Task<Trial> trial = Task.Run(() => RunTrial(current, observes, trialStop.Token), CancellationToken.None);
                bool finished;
                try
                {
                    finished = trial.Wait(_plan.TrialTimeout is TimeSpan limit ? (int)Math.Ceiling(limit.TotalMilliseconds) : Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Stopped (Ctrl+C): return now, whatever the runspaces are doing.
                    set = null;
                    Abandon(current, trial, trialStop);
                    throw;
                }
                catch (AggregateException error) when (error.InnerExceptions.Count == 1)
                {
                    trialStop.Dispose();
                    ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
                    throw;
                }

                done++;
                if (!finished)
                {
                    set = null;
                    Abandon(current, trial, trialStop);
                    set = RunspaceSet.Open(state, _plan.Threads, cancellationToken);
                    if (!warmup)
                    {
                        histogram.AddTimedOut();
                    }

                    continue;
                }

                trialStop.Dispose();
                Trial result = trial.Result;
                if (!warmup)
                {
                    histogram.Add(result.Observed, 0, result.Errors.Count, result.Errors.Count == 0 ? null : Describe(result.Errors[0]), result.Span, result.Elapsed, invariantHeld: result.Held);
                }
            }
        }
        finally
        {
            set?.Dispose();
        }

        return [histogram.ToResult(ScriptBlockRacePlan.ScenarioName, _plan.Label, _plan.Threads, (long)_plan.Threads * _plan.Increments, string.Empty, 0)];
    }

    /// <summary>What Observe returned, as a number; anything else is the caller's mistake, named as such.</summary>
    private static long ObservedNumber(object value)
    {
        if (LanguagePrimitives.TryConvertTo(value, CultureInfo.InvariantCulture, out long number))
        {
            return number;
        }

        object shown = value is PSObject wrapped ? wrapped.BaseObject : value;
        throw new ArgumentException(
            $"Observe returned '{shown}' (a {shown.GetType().Name}), which is not a number: it must return the trial's observed value as a whole number, e.g. -Observe {{ $_.Count }}.",
            "Observe");
    }

    /// <summary>One trial on <paramref name="set"/>: a fresh shared object, the runs released together, then the invariant and the observed value.</summary>
    private Trial RunTrial(RunspaceSet set, bool observes, CancellationToken cancellationToken)
    {
        var errors = new List<ErrorRecord>();
        object shared = NewState(set, errors, cancellationToken);
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<ScriptTaskResult> runs = set.InvokeTogether(Repeater, shared, cancellationToken);
        long elapsed = Stopwatch.GetTimestamp() - started;
        long span = runs.Max(r => r.Elapsed.Ticks) * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        errors.AddRange(runs.SelectMany(r => r.Errors));

        bool held = LanguagePrimitives.IsTrue(Evaluate(set, _plan.Invariant, shared, errors, cancellationToken));
        long observed = held ? 1 : 0;
        if (observes)
        {
            object? value = Evaluate(set, _plan.Observe!, shared, errors, cancellationToken);
            observed = value is null ? 0 : ObservedNumber(value);
        }

        return new Trial(observed, held, errors, span, elapsed);
    }

    /// <summary>
    /// Leaves a trial that ran out of time or was stopped: its pipelines are asked to stop, and its runspaces are
    /// disposed once the trial has come back (which code stuck in a .NET call may delay without limit), on a thread
    /// nobody waits for.
    /// </summary>
    private static void Abandon(RunspaceSet set, Task<Trial> trial, CancellationTokenSource trialStop)
    {
        trialStop.Cancel();
        _ = trial.ContinueWith(
            _ =>
            {
                set.Dispose();
                trialStop.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private object NewState(RunspaceSet set, List<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        if (_plan.SharedStateScript is null)
        {
            return CopyState(_plan.SharedState!);
        }

        object? made = Evaluate(set, _plan.SharedStateScript, null, errors, cancellationToken);
        return made ?? throw new ArgumentException("The SharedState script block returned nothing: it must return the object to share.", "SharedState");
    }

    /// <summary>Runs a script block once, on the first runspace, with the shared object as $_; its last output, unwrapped.</summary>
    private static object? Evaluate(RunspaceSet set, string script, object? shared, List<ErrorRecord> errors, CancellationToken cancellationToken)
    {
        ScriptTaskResult result = set.InvokeEach(script, [shared], cancellationToken)[0];
        errors.AddRange(result.Errors);
        return result.Output.Count == 0 ? null : ScriptBlockState.Unwrap(result.Output[^1]);
    }

    /// <summary>A fresh copy of the object every trial starts from: cloned, or built by its copy constructor.</summary>
    private static object CopyState(object sharedState)
    {
        object state = ScriptBlockState.Unwrap(sharedState)!;
        switch (state)
        {
            case PSObject custom:
                return custom.Copy();
            case ICloneable cloneable:
                return cloneable.Clone();
        }

        // ConcurrentDictionary, List and the like copy themselves through a constructor taking their contents.
        try
        {
            return Activator.CreateInstance(state.GetType(), state)!;
        }
        catch (Exception error) when (error is MissingMethodException or ArgumentException or NotSupportedException)
        {
            throw new ArgumentException(
                $"SharedState of type {state.GetType().FullName} cannot be copied for each trial; pass a script block that returns a fresh one, e.g. -SharedState {{ @{{ Count = 0 }} }}.",
                "SharedState",
                error);
        }
    }

    private sealed record Trial(long Observed, bool Held, List<ErrorRecord> Errors, long Span, long Elapsed);

    private static string Describe(ErrorRecord error) =>
        error.Exception is null ? error.ToString() : $"{error.Exception.GetType().Name}: {error.Exception.Message}";
}
