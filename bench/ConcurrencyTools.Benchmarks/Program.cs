using BenchmarkDotNet.Running;

namespace ConcurrencyTools.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release -- --filter *</c>; <c>dotnet run -c Release -- handover</c>
/// measures the GilThreads hand-over latency instead.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "handover")
        {
            GilHandoverLatency.Report(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
