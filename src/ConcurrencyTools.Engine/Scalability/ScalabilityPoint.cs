namespace ConcurrencyTools.Engine.Scalability;

/// <summary>One run as the scalability fit saw it.</summary>
public sealed class ScalabilityPoint
{
    internal ScalabilityPoint(int workers, int run, double throughput, double fitted)
    {
        Workers = workers;
        Run = run;
        Throughput = throughput;
        Fitted = fitted;
    }

    /// <summary>Workers of the run.</summary>
    public int Workers { get; }

    /// <summary>The run number.</summary>
    public int Run { get; }

    /// <summary>Measured throughput of the run.</summary>
    public double Throughput { get; }

    /// <summary>The USL's throughput at Workers.</summary>
    public double Fitted { get; }

    /// <summary>Throughput − Fitted.</summary>
    public double Residual => Throughput - Fitted;
}
