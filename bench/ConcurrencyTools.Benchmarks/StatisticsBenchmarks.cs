using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Benchmarks;

/// <summary>The bootstrap interval is the costliest statistic: its time for a typical and a large number of runs.</summary>
[MemoryDiagnoser]
public class StatisticsBenchmarks
{
    private double[] _baseline = Array.Empty<double>();
    private double[] _sample = Array.Empty<double>();

    [Params(7, 100)]
    public int Runs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _baseline = Enumerable.Range(0, Runs).Select(_ => 800 + (random.NextDouble() * 40)).ToArray();
        _sample = Enumerable.Range(0, Runs).Select(_ => 400 + (random.NextDouble() * 40)).ToArray();
    }

    [Benchmark]
    public double SpeedupInterval95() => SpeedupInterval.Compute(_baseline, _sample).Low;

    [Benchmark]
    public double RunStatisticsCompute() => RunStatistics.Compute(_sample).MeanCiHigh ?? 0;
}
