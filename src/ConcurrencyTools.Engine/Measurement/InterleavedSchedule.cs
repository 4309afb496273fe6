using System;
using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>
/// The order of the runs of a sweep: warm-up rounds first, then optionally one overhead pass, then the
/// measured rounds; each round runs every configuration once (round robin), so that drift of a shared
/// machine hits every configuration alike. Progress is reported before each run.
/// </summary>
internal static class InterleavedSchedule
{
    /// <summary>All runs of a schedule, warm-up and overhead runs included.</summary>
    public static int Count(int configurations, int warmup, int repeat, bool overhead) =>
        configurations * (warmup + repeat + (overhead ? 1 : 0));

    /// <summary>The runs, lazily: the caller does each run before it asks for the next.</summary>
    public static IEnumerable<ScheduledRun<T>> Runs<T>(IReadOnlyList<T> grid, int warmup, int repeat, bool overhead, IProgress<MeasurementProgress>? progress)
        where T : notnull
    {
        int total = Count(grid.Count, warmup, repeat, overhead);
        int done = 0;
        IEnumerable<(MeasurementPhase Phase, int Round)> rounds()
        {
            for (int round = 1; round <= warmup; round++)
            {
                yield return (MeasurementPhase.Warmup, round);
            }

            if (overhead)
            {
                yield return (MeasurementPhase.Overhead, 1);
            }

            for (int round = 1; round <= repeat; round++)
            {
                yield return (MeasurementPhase.Run, round);
            }
        }

        foreach ((MeasurementPhase phase, int round) in rounds())
        {
            foreach (T configuration in grid)
            {
                progress?.Report(new MeasurementProgress(configuration, phase, round, done, total));
                yield return new ScheduledRun<T>(configuration, phase, round);
                done++;
            }
        }
    }
}
