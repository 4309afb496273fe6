using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Worker;

/// <summary>The worker process of the Processes model: it runs tasks the parent sends over standard input.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => WorkerServer.RunStandardStreams(args);
}
