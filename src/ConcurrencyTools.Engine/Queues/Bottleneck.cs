namespace ConcurrencyTools.Engine.Queues;

/// <summary>Which side of a producer/consumer pipeline limited a run: the side whose workers were busier.</summary>
public enum Bottleneck
{
    /// <summary>Producers were busy while consumers idled on an empty queue.</summary>
    Producers,

    /// <summary>Consumers were busy while producers waited on a full queue (or the backlog grew).</summary>
    Consumers,

    /// <summary>Both sides were about equally busy.</summary>
    Balanced,
}
