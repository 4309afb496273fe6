using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using ConcurrencyTools.Engine.ProcessPool;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// Feeds a pool as the cmdlet does (never blocking on a full queue without taking rows) and takes every row, line and
/// host failure. Shared by the engine's pool tests and, linked, by the Runspaces tests' session pool tests.
/// </summary>
internal static class PoolDrain
{
    /// <summary>Adds <paramref name="tasks"/> (none when null: the caller added them), ends the input, and returns every row.</summary>
    public static List<ProcessTaskResult> Drain(
        BoundedProcessPool pool, IEnumerable<ProcessTask>? tasks, TimeSpan hangGuard, List<ProcessOutputLine>? lines = null, List<HostFailedException>? failures = null)
    {
        var rows = new List<ProcessTaskResult>();
        var clock = Stopwatch.StartNew();
        void Take()
        {
            while (pool.TryTakeLine(out ProcessOutputLine line))
            {
                lines?.Add(line);
            }

            while (pool.TryTakeResult(out ProcessTaskResult row))
            {
                rows.Add(row);
            }

            while (failures is not null && pool.TryTakeHostFailure(out HostFailedException failure))
            {
                failures.Add(failure);
            }

            Assert.True(clock.Elapsed < hangGuard, "the pool hung");
        }

        if (tasks is not null)
        {
            foreach (ProcessTask task in tasks)
            {
                while (!pool.TryAdd(task))
                {
                    Take();
                    pool.WaitForActivity(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                }
            }

            pool.CompleteAdding();
        }

        while (!pool.IsCompleted)
        {
            Take();
            pool.WaitForActivity(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }

        Take();
        return rows;
    }
}
