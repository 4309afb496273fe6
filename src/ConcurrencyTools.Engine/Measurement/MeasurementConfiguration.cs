using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>One point of the measurement grid: a model with a worker count.</summary>
public sealed record MeasurementConfiguration(ConcurrencyModel Model, int Workers)
{
    /// <summary>E.g. <c>GilThreads x4</c>.</summary>
    public override string ToString() => $"{Model} x{Workers}";
}
