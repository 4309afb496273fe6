using System;
using System.Collections.Generic;
using System.Linq;

namespace ConcurrencyTools.Engine.Races;

/// <summary>The settings of one race test, checked: which scenarios and strategies, how many threads, operations and trials.</summary>
public sealed class RaceTestPlan
{
    /// <summary>Threads by default: more threads than this machine's two cores, so threads also race on one core.</summary>
    public const int DefaultThreads = 4;

    /// <summary>Most threads a trial may have.</summary>
    public const int MaxThreads = 64;

    /// <summary>Operations per thread by default, as in the articles' counter (5 threads x 100).</summary>
    public const int DefaultIncrements = 100;

    /// <summary>Most operations per thread.</summary>
    public const int MaxIncrements = 10_000_000;

    /// <summary>Trials per scenario and strategy by default.</summary>
    public const int DefaultTrials = 100;

    /// <summary>Most trials.</summary>
    public const int MaxTrials = 10_000_000;

    /// <summary>Unreported trials of each scenario and strategy before the measured ones: threads started, caches warm.</summary>
    public const int WarmupTrials = 2;

    /// <summary>The race window by default: a yield lets another thread in even on a busy machine.</summary>
    public const RaceWindow DefaultRaceWindow = RaceWindow.Yield;

    /// <summary>Creates a plan, throwing <see cref="ArgumentException"/> naming the parameter when a setting is out of range.</summary>
    public RaceTestPlan(
        IEnumerable<RaceScenario>? scenarios = null,
        IEnumerable<RaceStrategy>? strategies = null,
        int threads = DefaultThreads,
        int increments = DefaultIncrements,
        int trials = DefaultTrials,
        RaceWindow raceWindow = DefaultRaceWindow,
        int? seed = null)
    {
        ArgumentRange.Check("Threads", threads, 1, MaxThreads);
        ArgumentRange.Check("Increments", increments, 1, MaxIncrements);
        ArgumentRange.Check("Trials", trials, 1, MaxTrials);
        if (!Enum.IsDefined(raceWindow))
        {
            throw new ArgumentOutOfRangeException("RaceWindow", raceWindow, $"RaceWindow {raceWindow} is not one of {string.Join(", ", Enum.GetNames<RaceWindow>())}.");
        }

        Scenarios = Distinct("Scenario", scenarios, [RaceScenario.Counter]);
        Strategies = Distinct("Strategy", strategies, [RaceStrategy.None, RaceStrategy.Interlocked, RaceStrategy.Lock]);
        Threads = threads;
        Increments = increments;
        Trials = trials;
        RaceWindow = raceWindow;
        Seed = seed ?? Random.Shared.Next();
    }

    /// <summary>The scenarios, in the order given, each once.</summary>
    public IReadOnlyList<RaceScenario> Scenarios { get; }

    /// <summary>The strategies, in the order given, each once; None, Interlocked and Lock by default.</summary>
    public IReadOnlyList<RaceStrategy> Strategies { get; }

    /// <summary>Threads released together in each trial.</summary>
    public int Threads { get; }

    /// <summary>Operations each thread does per trial: increments, keys tried, or transfers.</summary>
    public int Increments { get; }

    /// <summary>Measured trials of each scenario and strategy.</summary>
    public int Trials { get; }

    /// <summary>The gap between read and write.</summary>
    public RaceWindow RaceWindow { get; }

    /// <summary>The seed of every random choice (window lengths, transfer directions); drawn at random when not given.</summary>
    public int Seed { get; }

    /// <summary>Operations of one trial, all threads together.</summary>
    public long OperationsPerTrial => (long)Threads * Increments;

    /// <summary>Trials run in all, warm-up included.</summary>
    public long TotalTrials => (long)(Trials + WarmupTrials) * Scenarios.Count * Strategies.Count;

    private static IReadOnlyList<T> Distinct<T>(string parameter, IEnumerable<T>? values, T[] fallback)
        where T : struct, Enum
    {
        T[] list = values?.Distinct().ToArray() ?? fallback;
        if (list.Length == 0)
        {
            throw new ArgumentException($"{parameter} needs at least one value.", parameter);
        }

        foreach (T value in list)
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} {value} is not one of {string.Join(", ", Enum.GetNames<T>())}.");
            }
        }

        return list;
    }
}
