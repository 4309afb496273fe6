using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>
/// How many environment blocks were built is counted for the whole process, and these tests change this process's
/// environment: other tests starting children beside them would move the count, so these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildEnvironmentCollection
{
    public const string Name = "Whole-process child environments";
}

[Collection(ChildEnvironmentCollection.Name)]
public class ProcessPoolEnvironmentTests
{
    [Fact]
    public void ARunBuildsTheChildrensEnvironmentOnce()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        var options = new ProcessPoolOptions { ThrottleLimit = 2, Environment = new Dictionary<string, string?> { ["CT_ENV_RUN"] = "per run" } };
        long before = ChildEnvironment.Builds;
        List<ProcessTaskResult> rows = ProcessPoolTests.Run(options, Enumerable.Range(1, 30).Select(i => Printenv(i, "CT_ENV_RUN")));

        Assert.Equal(1, ChildEnvironment.Builds - before);
        Assert.Equal(30, rows.Count);
        Assert.All(rows, row => Assert.Equal("per run", row.StdOut));
    }

    [Fact]
    public void ChildrenSeeTheEnvironmentOfTheRunsStart()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        const string Name = "CT_ENV_CHANGED_DURING_RUN";
        Environment.SetEnvironmentVariable(Name, "at start");
        try
        {
            var options = new ProcessPoolOptions { ThrottleLimit = 1 };
            using var pool = new BoundedProcessPool(options, null);
            Assert.True(pool.TryAdd(Printenv(1, Name)));
            ProcessTaskResult first = Take(pool);

            // Changed between two tasks of the run (a script upstream in the pipeline could): the run's children keep
            // the environment the run started with, as xargs' children keep xargs' own.
            Environment.SetEnvironmentVariable(Name, "changed");
            Assert.True(pool.TryAdd(Printenv(2, Name)));
            pool.CompleteAdding();
            ProcessTaskResult second = Take(pool);

            Assert.Equal("at start", first.StdOut);
            Assert.Equal("at start", second.StdOut);

            // The next run starts with the new value.
            Assert.Equal("changed", ProcessPoolTests.Run(options, new[] { Printenv(1, Name) }).Single().StdOut);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Name, null);
        }
    }

    private static ProcessTaskResult Take(BoundedProcessPool pool)
    {
        var guard = System.Diagnostics.Stopwatch.StartNew();
        ProcessTaskResult? row;
        while (!pool.TryTakeResult(out row))
        {
            Assert.True(guard.Elapsed < TimeSpan.FromMinutes(2), "no row within 2 minutes");
            pool.WaitForActivity(TimeSpan.FromMilliseconds(100), System.Threading.CancellationToken.None);
        }

        return row;
    }

    private static ProcessTask Printenv(int seq, string name) =>
        new(seq, seq.ToString(CultureInfo.InvariantCulture), "printenv", new[] { name });
}
