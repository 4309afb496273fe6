using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Verification must be able to fail: a model that runs a task twice and skips another is caught.</summary>
public class VerificationTests
{
    /// <summary>Runs every task once, except that it runs <c>Duplicate</c> in place of <c>Skipped</c>, and says all went well.</summary>
    private sealed class FaultyModel : ExecutionModel
    {
        private readonly int _duplicate;
        private readonly int _skipped;

        public FaultyModel(int duplicate, int skipped)
        {
            _duplicate = duplicate;
            _skipped = skipped;
        }

        public override ConcurrencyModel Model => ConcurrencyModel.Threads;

        protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken)
        {
            long checksum = 0;
            var context = new WorkloadTests.NullContext();
            for (int i = 0; i < workload.Spec.Tasks; i++)
            {
                checksum = unchecked(checksum + workload.RunTaskAsync(i == _skipped ? _duplicate : i, context).AsTask().GetAwaiter().GetResult());
            }

            return new ModelRunResult { Elapsed = TimeSpan.FromMilliseconds(1), Checksum = checksum, CompletedTasks = workload.Spec.Tasks, ThreadsUsed = 1 };
        }
    }

    [Theory]
    [MemberData(nameof(WorkloadTests.EveryWorkload), MemberType = typeof(WorkloadTests))]
    public void ATaskRunTwiceAndAnotherSkippedIsNotVerified(WorkloadSpec spec)
    {
        var plan = new MeasurementPlan(spec, new[] { ConcurrencyModel.Threads }, new[] { 2 }, repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement faulty = new WorkloadBenchmark(plan, null, (_, _) => new FaultyModel(duplicate: 1, skipped: 2)).Run(null, CancellationToken.None).Single();

        Assert.False(faulty.Verified);
        Assert.Equal(spec.Tasks, faulty.CompletedTasks);
        Assert.NotEqual(faulty.ExpectedChecksum, faulty.Checksum);
        Assert.Equal($"Checksum {faulty.Checksum} differs from the expected {faulty.ExpectedChecksum}.", faulty.Error);

        // The same model without the fault is verified: the check above is the fault's doing.
        WorkloadMeasurement honest = new WorkloadBenchmark(plan, null, (_, _) => new FaultyModel(duplicate: 2, skipped: 2)).Run(null, CancellationToken.None).Single();
        Assert.True(honest.Verified);
        Assert.Null(honest.Error);
    }

    [Fact]
    public void AModelThatStopsShortIsNotVerifiedEvenIfItsChecksumMatched()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Io, 4, durationMs: 0), new[] { ConcurrencyModel.Threads }, new[] { 2 }, repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement row = new WorkloadBenchmark(plan, null, (_, _) => new ShortModel()).Run(null, CancellationToken.None).Single();
        Assert.False(row.Verified);
        Assert.Equal(3, row.CompletedTasks);
    }

    /// <summary>Returns the right checksum but admits to only 3 of 4 tasks.</summary>
    private sealed class ShortModel : ExecutionModel
    {
        public override ConcurrencyModel Model => ConcurrencyModel.Threads;

        protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken) =>
            new() { Elapsed = TimeSpan.FromMilliseconds(1), Checksum = workload.ExpectedChecksum(), CompletedTasks = workload.Spec.Tasks - 1 };
    }
}
