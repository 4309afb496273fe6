using System;
using System.Threading;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Models;

/// <summary>
/// Threads under a global interpreter lock: each worker thread must hold the <see cref="GilScheduler"/>
/// lock to run task code, releases it around blocking waits, and hands it over after the switch
/// interval when another thread waits. CPU-bound work therefore runs one thread at a time.
/// </summary>
internal sealed class GilThreadsModel : ExecutionModel
{
    private readonly TimeSpan _switchInterval;

    public GilThreadsModel(double switchIntervalMs)
    {
        if (!(switchIntervalMs > 0) || double.IsInfinity(switchIntervalMs))
        {
            throw new ArgumentOutOfRangeException(nameof(switchIntervalMs), switchIntervalMs, "SwitchIntervalMs must be a positive number.");
        }

        _switchInterval = TimeSpan.FromMilliseconds(switchIntervalMs);
    }

    public override ConcurrencyModel Model => ConcurrencyModel.GilThreads;

    protected override ModelRunResult RunCore(Workload workload, int workers, CancellationToken cancellationToken)
    {
        GilScheduler? gil = null;
        ModelRunResult result = MeasureInProcess(workload, cancellationToken, state =>
        {
            gil = new GilScheduler(_switchInterval, state.Token);
            RunOnThreads(workers, "GilThreads worker", () => RunWorker(state, gil));
        });

        if (gil is null)
        {
            return result;
        }

        using (gil)
        {
            result.GilSwitches = gil.Switches;
            result.GilForcedDrops = gil.ForcedDrops;
            result.GilMaxConcurrent = gil.MaxConcurrent;
            result.GilViolations = gil.Violations;
        }

        return result;
    }

    private static void RunWorker(RunState state, GilScheduler gil) =>
        GilTaskContext.RunHolding(gil, state.Token, state.Fail, context => DrainQueue(state, context));
}
