using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
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

        using RunspaceSet set = RunspaceSet.Open(state, _plan.Threads, cancellationToken);
        long done = 0;
        int rounds = RaceTestPlan.WarmupTrials + _plan.Trials;
        for (int round = 1; round <= rounds; round++)
        {
            bool warmup = round <= RaceTestPlan.WarmupTrials;
            progress?.Report(new RaceTestProgress(warmup ? round : round - RaceTestPlan.WarmupTrials, warmup, done, _plan.TotalTrials));
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
                observed = value is null ? 0 : LanguagePrimitives.ConvertTo<long>(value);
            }

            done++;
            if (!warmup)
            {
                histogram.Add(observed, 0, errors.Count, errors.Count == 0 ? null : Describe(errors[0]), span, elapsed, invariantHeld: held);
            }
        }

        return [histogram.ToResult(ScriptBlockRacePlan.ScenarioName, _plan.Label, _plan.Threads, (long)_plan.Threads * _plan.Increments, string.Empty, 0)];
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

    private static string Describe(ErrorRecord error) =>
        error.Exception is null ? error.ToString() : $"{error.Exception.GetType().Name}: {error.Exception.Message}";
}
