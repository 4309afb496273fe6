using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// Runs a <see cref="RaceTestPlan"/>: round by round, one trial of every scenario and strategy per round
/// (interleaved, so drift of a shared machine hits every strategy alike), two unreported warm-up rounds
/// first; then one <see cref="RaceTestResult"/> per scenario and strategy. Cancellation ends it with
/// <see cref="OperationCanceledException"/> once its threads are gone.
/// </summary>
public sealed class RaceTest
{
    private readonly RaceTestPlan _plan;

    /// <summary>Creates a race test of a plan.</summary>
    public RaceTest(RaceTestPlan plan) => _plan = plan ?? throw new ArgumentNullException(nameof(plan));

    /// <summary>Runs every trial and returns the results, in the order scenario by scenario, strategy by strategy.</summary>
    public IReadOnlyList<RaceTestResult> Run(IProgress<RaceTestProgress>? progress, CancellationToken cancellationToken)
    {
        var subjects = new List<(RaceScenario Scenario, RaceSubject Subject, OutcomeHistogram Histogram)>();
        try
        {
            foreach (RaceScenario scenario in _plan.Scenarios)
            {
                foreach (RaceStrategy strategy in _plan.Strategies)
                {
                    RaceSubject subject = RaceSubject.Create(scenario, strategy, _plan.RaceWindow, _plan.Threads, _plan.Increments);
                    subjects.Add((scenario, subject, new OutcomeHistogram(subject.Expected, subject.DescribeDifference, scenario == RaceScenario.Transfer)));
                }
            }

            using var threads = new TrialThreads(_plan.Threads, cancellationToken);
            var gaps = new RaceGap[_plan.Threads];
            long done = 0;
            int rounds = RaceTestPlan.WarmupTrials + _plan.Trials;
            for (int round = 1; round <= rounds; round++)
            {
                bool warmup = round <= RaceTestPlan.WarmupTrials;
                progress?.Report(new RaceTestProgress(warmup ? round : round - RaceTestPlan.WarmupTrials, warmup, done, _plan.TotalTrials));
                for (int c = 0; c < subjects.Count; c++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    (_, RaceSubject subject, OutcomeHistogram histogram) = subjects[c];
                    for (int t = 0; t < gaps.Length; t++)
                    {
                        gaps[t] = new RaceGap(_plan.RaceWindow, _plan.Seed, round, t, c);
                    }

                    subject.Reset();
                    long started = Stopwatch.GetTimestamp();
                    threads.Run(subject, gaps);
                    long elapsed = Stopwatch.GetTimestamp() - started;
                    cancellationToken.ThrowIfCancellationRequested();
                    done++;
                    if (warmup)
                    {
                        continue;
                    }

                    long tornReads = 0;
                    long exceptions = 0;
                    string? firstError = null;
                    foreach (ThreadTally tally in threads.Tallies)
                    {
                        tornReads += tally.TornReads;
                        exceptions += tally.Exceptions;
                        firstError ??= tally.FirstError;
                    }

                    histogram.Add(subject.Observe(threads.Tallies), tornReads, exceptions, firstError, threads.SpanTicks(), elapsed);
                }
            }
        }
        finally
        {
            foreach ((_, RaceSubject subject, _) in subjects)
            {
                subject.Dispose();
            }
        }

        var results = new List<RaceTestResult>(subjects.Count);
        foreach ((RaceScenario scenario, RaceSubject subject, OutcomeHistogram histogram) in subjects)
        {
            results.Add(histogram.ToResult(scenario.ToString(), subject.Strategy.ToString(), _plan.Threads, _plan.OperationsPerTrial, _plan.RaceWindow.ToString(), _plan.Seed));
        }

        return results;
    }
}
