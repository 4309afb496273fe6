using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Runs a script-block task list under one of PowerShell's parallel primitives. <see cref="Run"/>
/// returns only when every runspace, job and child process it started is gone; a cancelled token
/// surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
internal abstract class ScriptBlockRunner : IDisposable
{
    public abstract ConcurrencyModel Model { get; }

    public static ScriptBlockRunner Create(ConcurrencyModel model) => model switch
    {
        ConcurrencyModel.Sequential or ConcurrencyModel.Runspaces => new RunspacesScriptBlockRunner(model),
        ConcurrencyModel.ForEachParallel or ConcurrencyModel.ThreadJob or ConcurrencyModel.Jobs => new HostedScriptBlockRunner(model),
        ConcurrencyModel.Processes => new ProcessesScriptBlockRunner(),
        _ => throw new ArgumentOutOfRangeException("Model", model, $"Model '{model}' cannot run a script block; choose one of {string.Join(", ", ModelCatalog.ModelsThatRun(ModelUses.ScriptBlocks))}."),
    };

    /// <summary>Runs <paramref name="script"/> once per item of <paramref name="list"/> with <paramref name="workers"/> workers.</summary>
    public ScriptBlockRun Run(ScriptTaskList list, string script, int workers, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var run = new ScriptBlockRun();
        // The same meter as the engine models' runs: wall clock, this process's CPU, runtime counters, sampled peaks.
        using (RunMeter meter = RunMeter.Start())
        {
            try
            {
                RunCore(list, script, workers, run, meter.Started, cancellationToken);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                run.Error = error;
            }

            RunMeter.Reading reading = meter.Stop();
            run.Elapsed = reading.Elapsed;
            run.CpuTime = reading.CpuTime + ChildCpu(run);
            if (!OutOfProcess)
            {
                run.Counters = reading.Counters;
                run.PeakWorkingSetBytes = reading.PeakWorkingSetBytes;
                run.PeakThreadCount = reading.PeakThreadCount;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return run;
    }

    /// <summary>Whether items run in other processes, so this process's counters and peaks do not describe them.</summary>
    protected virtual bool OutOfProcess => false;

    /// <summary>The model's own run; <paramref name="started"/> is the run's Stopwatch timestamp.</summary>
    protected abstract void RunCore(ScriptTaskList list, string script, int workers, ScriptBlockRun run, long started, CancellationToken cancellationToken);

    public virtual void Dispose()
    {
    }

    /// <summary>Set-up until the first item's script block started, from the timestamps the items recorded.</summary>
    protected static TimeSpan? UntilFirstStart(ScriptBlockRun run, long started)
    {
        long first = run.Records.Where(r => r.Started is not null).Select(r => r.Started!.Value).DefaultIfEmpty(long.MinValue).Min();
        return first == long.MinValue ? null : TimeSpan.FromSeconds(Math.Max(0, first - started) / (double)Stopwatch.Frequency);
    }

    /// <summary>CPU of the other processes that ran items: each one's last report, which covers its life up to then.</summary>
    private static TimeSpan ChildCpu(ScriptBlockRun run) => TimeSpan.FromMilliseconds(run.Records
        .Where(r => r.ProcessId != Environment.ProcessId)
        .GroupBy(r => r.ProcessId)
        .Sum(g => g.Max(r => r.ProcessCpuMs)));
}
