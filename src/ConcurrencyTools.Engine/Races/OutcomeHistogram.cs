using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// Collects the trials of one scenario and strategy and turns them into a <see cref="RaceTestResult"/>
/// with its histogram. Shared by the C# scenarios and the script-block mode, so both report alike.
/// </summary>
internal sealed class OutcomeHistogram
{
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private readonly long _expected;
    private readonly Func<long, string> _describeDifference;
    private readonly bool _auditsTornReads;
    private readonly bool _countsLostUpdates;
    private readonly DateTimeOffset _timestamp = DateTimeOffset.Now;
    private int _trials;
    private int _violations;
    private int _trialsWithException;
    private int _timedOut;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;
    private double _sum;
    private double _lost;
    private long _tornReads;
    private long _exceptions;
    private string? _firstError;
    private long _spanTicks;
    private long _elapsedTicks;

    /// <param name="expected">The value every trial should end with.</param>
    /// <param name="describeDifference">What an observed value other than <paramref name="expected"/> means.</param>
    /// <param name="auditsTornReads">Whether the scenario audits for torn reads (the MeanTornReads column).</param>
    /// <param name="countsLostUpdates">Whether |expected - observed| counts updates (false when only an invariant decides).</param>
    public OutcomeHistogram(long expected, Func<long, string> describeDifference, bool auditsTornReads, bool countsLostUpdates = true)
    {
        _expected = expected;
        _describeDifference = describeDifference;
        _auditsTornReads = auditsTornReads;
        _countsLostUpdates = countsLostUpdates;
    }

    /// <summary>
    /// Adds one trial: its observed value, its torn reads, its exceptions, and how long it took. A trial
    /// violates when the value differs from the expected one, or, when <paramref name="invariantHeld"/> is
    /// given, when the invariant did not hold; torn reads are violations either way. Exceptions are counted apart.
    /// </summary>
    public void Add(long observed, long tornReads, long exceptions, string? firstError, long spanTicks, long elapsedTicks, bool? invariantHeld = null)
    {
        // An exception is counted, and shown in the outcome, but is not by itself a race: code that always throws
        // would otherwise be reported as racy in every trial.
        bool wrong = invariantHeld is bool held ? !held : observed != _expected;
        bool violation = wrong || tornReads > 0;
        string key = observed.ToString(CultureInfo.InvariantCulture) +
            (invariantHeld == false ? ", invariant broken" : string.Empty) +
            (tornReads > 0 ? ", torn reads" : string.Empty) +
            (exceptions > 0 ? ", exception" : string.Empty);
        if (!_lines.TryGetValue(key, out Line? line))
        {
            line = new Line(observed, violation ? "Forbidden" : exceptions > 0 ? "Exception" : "Acceptable", Describe(observed, wrong, tornReads, exceptions));
            _lines.Add(key, line);
        }

        line.Count++;
        _trials++;
        _violations += violation ? 1 : 0;
        _trialsWithException += exceptions > 0 ? 1 : 0;
        _min = Math.Min(_min, observed);
        _max = Math.Max(_max, observed);
        _sum += observed;
        _lost += _countsLostUpdates ? Math.Abs(_expected - observed) : 0;
        _tornReads += tornReads;
        _exceptions += exceptions;
        _firstError ??= firstError;
        _spanTicks += spanTicks;
        _elapsedTicks += elapsedTicks;
    }

    /// <summary>
    /// Counts a trial that ran out of time: it has no observed value, so it is not one of <see cref="RaceTestResult.Trials"/>,
    /// but it is an outcome of its own in the histogram.
    /// </summary>
    public void AddTimedOut()
    {
        _timedOut++;
        const string key = "timed out";
        if (!_lines.TryGetValue(key, out Line? line))
        {
            line = new Line(0, "TimedOut", "the trial ran out of time; its runspaces were abandoned");
            _lines.Add(key, line);
        }

        line.Count++;
    }

    public RaceTestResult ToResult(string scenario, string strategy, int threads, long operations, string raceWindow, int seed)
    {
        var result = new RaceTestResult
        {
            Scenario = scenario,
            Strategy = strategy,
            Threads = threads,
            Operations = operations,
            Trials = _trials,
            RaceWindow = raceWindow,
            Expected = _expected,
            MinObserved = _trials == 0 ? 0 : _min,
            MaxObserved = _trials == 0 ? 0 : _max,
            MeanObserved = _trials == 0 ? 0 : Math.Round(_sum / _trials, 4),
            TrialsWithViolation = _violations,
            ViolationRate = _trials == 0 ? 0 : Math.Round((double)_violations / _trials, 6),
            MeanLostUpdates = _trials == 0 ? 0 : Math.Round(_lost / _trials, 4),
            MeanTornReads = _auditsTornReads && _trials > 0 ? Math.Round((double)_tornReads / _trials, 4) : null,
            Exceptions = _exceptions,
            TrialsWithException = _trialsWithException,
            TrialsTimedOut = _timedOut,
            FirstError = _firstError,
            NsPerOperation = _trials == 0 || operations == 0 ? 0 : Math.Round(_spanTicks * (1e9 / Stopwatch.Frequency) / ((double)operations * _trials), 2),
            ElapsedMs = Math.Round(_elapsedTicks * (1e3 / Stopwatch.Frequency), 4),
            Verdict = (_violations > 0 ? RaceVerdict.RaceDetected
                : _trialsWithException > 0 ? RaceVerdict.ExceptionThrown
                : _timedOut > 0 ? RaceVerdict.TimedOut
                : RaceVerdict.NoRaceObserved).ToString(),
            Seed = seed,
            Machine = MachineStamp.Take(_timestamp),
        };
        result.SetOutcomes(_lines
            .OrderByDescending(pair => pair.Value.Count)
            .ThenBy(pair => pair.Value.Observed)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new RaceOutcome
            {
                Scenario = scenario,
                Strategy = strategy,
                Outcome = pair.Key,
                Observed = pair.Value.Observed,
                Count = pair.Value.Count,
                Frequency = Math.Round((double)pair.Value.Count / (_trials + _timedOut), 6),
                Expectation = pair.Value.Expectation,
                Description = pair.Value.Description,
            })
            .ToArray());
        return result;
    }

    private string Describe(long observed, bool wrong, long tornReads, long exceptions)
    {
        var parts = new List<string>();
        if (wrong)
        {
            parts.Add(_describeDifference(observed));
        }

        if (tornReads > 0)
        {
            parts.Add("an audit saw a wrong total");
        }

        if (exceptions > 0)
        {
            parts.Add("a thread threw");
        }

        return parts.Count == 0 ? "as expected" : string.Join("; ", parts);
    }

    private sealed class Line(long observed, string expectation, string description)
    {
        public long Observed { get; } = observed;

        /// <summary>Forbidden (a race), Exception (threads threw, the value was right) or Acceptable.</summary>
        public string Expectation { get; } = expectation;

        public string Description { get; } = description;

        public int Count { get; set; }
    }
}
