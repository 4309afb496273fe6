using System;
using System.Linq;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Statistics;

public class ModeSplitTests
{
    // The rates the help promises, on seeded samples: unimodal samples are rarely flagged, two modes nearly always.
    [Theory]
    [InlineData("normal", 10, 200, 0.0)]
    [InlineData("normal", 20, 500, 0.02)]
    [InlineData("normal", 30, 500, 0.02)]
    [InlineData("lognormal", 60, 100, 0.02)]
    [InlineData("lognormal", 60, 500, 0.02)]
    [InlineData("lognormal", 20, 500, 0.02)]
    public void UnimodalSamplesAreRarelyFlagged(string shape, int runs, int samples, double allowed)
    {
        var random = new Random(19 + runs);
        int flagged = 0;
        for (int s = 0; s < samples; s++)
        {
            double[] values = Enumerable.Range(0, runs)
                .Select(_ => shape == "normal" ? 100 + (5 * Normal(random)) : 100 * Math.Exp(0.1 * Normal(random)))
                .ToArray();
            flagged += RunStatistics.Compute(values).Bimodal ? 1 : 0;
        }

        Assert.True(flagged <= allowed * samples, $"{flagged} of {samples} {shape} samples of {runs} runs flagged bimodal");
    }

    [Theory]
    [InlineData(20, 500)]
    [InlineData(40, 200)]
    public void TwoModesFiftyPercentApartAreFlagged(int runs, int samples)
    {
        var random = new Random(20 + runs);
        int flagged = 0;
        for (int s = 0; s < samples; s++)
        {
            // Each run takes the slow path with probability 1/2; each mode has a CV of 5%.
            double[] values = Enumerable.Range(0, runs)
                .Select(_ => random.Next(2) == 0 ? 100 * (1 + (0.05 * Normal(random))) : 150 * (1 + (0.05 * Normal(random))))
                .ToArray();
            flagged += RunStatistics.Compute(values).Bimodal ? 1 : 0;
        }

        Assert.True(flagged >= 0.95 * samples, $"only {flagged} of {samples} two-mode samples of {runs} runs flagged bimodal");
    }

    [Fact]
    public void ModesCloserThanFivePercentAreNotBimodal()
    {
        // Two tight clusters 2% apart: separated, but not a difference worth a verdict.
        double[] values = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 100 + (i * 0.001) : 102 + (i * 0.001)).ToArray();
        Assert.True(ModeSplit.BestSplit(values)!.Value.Separation > ModeSplit.MinimumSeparation);
        Assert.Null(ModeSplit.BimodalReason(values));
    }

    [Fact]
    public void QuantizedTimesWithTwoValuesCloseTogetherAreNotBimodal()
    {
        // Times in whole milliseconds: 100 and 101 have no spread within each group (D is infinite) but are 1% apart.
        double[] values = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 100.0 : 101.0).ToArray();
        Assert.Null(ModeSplit.BimodalReason(values));
    }

    [Fact]
    public void NullValuesAreRefusedNamingThem()
    {
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => ModeSplit.BestSplit(null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => ModeSplit.BimodalReason(null!)).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public void FewerThanSixValuesHaveNoSplit(int count)
    {
        Assert.Null(ModeSplit.BestSplit(Enumerable.Range(0, count).Select(i => 100.0 + i).ToArray()));
    }

    [Fact]
    public void SixValuesAreCutInTwoGroupsOfThree()
    {
        Assert.Equal((3, 3), Sizes(ModeSplit.BestSplit(new[] { 10.0, 10.1, 10.2, 20.0, 20.1, 20.2 })));
    }

    [Theory]
    // Twenty runs: each group must hold 20% of them, 4, even where a group of 3 would be further apart.
    [InlineData(3, 17, 4, 16)]
    [InlineData(17, 3, 16, 4)]
    // The cuts reach both ends of what is allowed: a group of exactly 4 on either side.
    [InlineData(4, 16, 4, 16)]
    [InlineData(16, 4, 16, 4)]
    public void EachGroupHoldsAtLeastAFifthOfTheRuns(int fast, int slow, int lower, int upper)
    {
        double[] values = Enumerable.Range(0, fast).Select(i => 10 + (i * 0.01))
            .Concat(Enumerable.Range(0, slow).Select(i => 50 + (i * 0.01)))
            .ToArray();

        Assert.Equal((lower, upper), Sizes(ModeSplit.BestSplit(values)));
    }

    [Fact]
    public void TheSeparationIsTheGapOverTheRootMeanOfTheSampleVariances()
    {
        // Groups 10, 10.1, 10.2 and 20, 20.1, 20.2: means 10.1 and 20.1, sample variances 0.01 each (n - 1 = 2),
        // so D = 10 / sqrt((0.01 + 0.01) / 2) = 100.
        var split = ModeSplit.BestSplit(new[] { 20.2, 10.0, 20.0, 10.2, 20.1, 10.1 })!.Value;
        Assert.Equal(10.1, split.LowerMean, 9);
        Assert.Equal(20.1, split.UpperMean, 9);
        Assert.Equal(100, split.Separation, 6);

        // Unequal groups: 10, 10.2, 10.4, 10.6 (variance 0.0666...) and 20, 20.1, 20.2 (0.01).
        var uneven = ModeSplit.BestSplit(new[] { 10.0, 10.2, 10.4, 10.6, 20.0, 20.1, 20.2 })!.Value;
        Assert.Equal((4, 3), (uneven.Lower, uneven.Upper));
        Assert.Equal((20.1 - 10.3) / Math.Sqrt(((0.2 / 3) + 0.01) / 2), uneven.Separation, 6);
    }

    [Fact]
    public void EqualValuesAreNotSeparatedAndTheFirstCutWins()
    {
        // No spread and no gap: D is 0 (not NaN) at every cut, and the first allowed cut, 4 of 20, is kept.
        var split = ModeSplit.BestSplit(Enumerable.Repeat(100.0, 20).ToArray())!.Value;
        Assert.Equal(0, split.Separation);
        Assert.Equal((4, 16), (split.Lower, split.Upper));
        Assert.Null(ModeSplit.BimodalReason(Enumerable.Repeat(100.0, 20).ToArray()));
    }

    [Fact]
    public void TwoValuesWithoutSpreadAreInfinitelySeparatedAndTheReasonCapsIt()
    {
        double[] values = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 100.0 : 150.0).ToArray();
        var split = ModeSplit.BestSplit(values)!.Value;
        Assert.Equal((10, 10), (split.Lower, split.Upper));
        Assert.Equal(double.PositiveInfinity, split.Separation);
        Assert.Equal("bimodal: 10 runs near 100 and 10 near 150 (50% apart, separation 999.0 from 5)", ModeSplit.BimodalReason(values));
    }

    [Fact]
    public void FifteenRunsAreJudgedAndFourteenAreNot()
    {
        double[] Modes(int runs) => Enumerable.Range(0, runs).Select(i => i % 2 == 0 ? 100 + (i * 0.01) : 150 + (i * 0.01)).ToArray();
        Assert.Null(ModeSplit.BimodalReason(Modes(ModeSplit.MinimumRuns - 1)));
        Assert.StartsWith("bimodal: 8 runs near 100", ModeSplit.BimodalReason(Modes(ModeSplit.MinimumRuns)));
    }

    [Fact]
    public void ModesExactlyFivePercentApartAreBimodal()
    {
        double[] values = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 100.0 : 105.0).ToArray();
        Assert.Equal("bimodal: 10 runs near 100 and 10 near 105 (5% apart, separation 999.0 from 5)", ModeSplit.BimodalReason(values));
    }

    private static (int, int) Sizes((int Lower, int Upper, double LowerMean, double UpperMean, double Separation)? split) =>
        (split!.Value.Lower, split.Value.Upper);

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
