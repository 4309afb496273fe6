using System;
using System.Collections;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>What one model's runner measures for one run: how many items run at once, the set-up, this process's figures.</summary>
public sealed class ScriptBlockRunnerTests
{
    private static ScriptTaskList List(int items, ScriptBlockState? state = null) =>
        new("$_", Enumerable.Range(1, items).Cast<object?>().ToArray(), state);

    [Fact]
    public void Runspaces_runs_Workers_items_at_once()
    {
        // Each item waits until all three have started: only three runspaces at once get there.
        using var gate = new CountdownEvent(3);
        var state = ScriptBlockState.From(null, new Hashtable { ["Gate"] = gate }, null);
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.Runspaces);

        ScriptBlockRun run = runner.Run(List(3, state), "$null = $Gate.Signal(); if (-not $Gate.Wait(20000)) { throw 'not all at once' }", 3, CancellationToken.None);

        Assert.Null(run.Error);
        Assert.All(run.Records, r => Assert.False(r.Failed, string.Join("; ", r.ErrorMessages)));
        Assert.Equal(3, run.Records.Select(r => r.Thread).Distinct().Count());
        Assert.NotNull(run.Startup);
        // In this process: its runtime counters and peaks describe the run.
        Assert.NotNull(run.Counters);
        Assert.NotNull(run.PeakWorkingSetBytes);
        Assert.NotNull(run.PeakThreadCount);
    }

    [Fact]
    public void Sequential_runs_one_item_at_a_time_whatever_the_worker_count()
    {
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.Sequential);

        ScriptBlockRun run = runner.Run(new ScriptTaskList("[System.Threading.Thread]::Sleep(100)", [1, 2, 3, 4]), "[System.Threading.Thread]::Sleep(100)", 3, CancellationToken.None);

        Assert.Equal(4, run.Records.Count);
        Assert.Equal(["runspace 0"], run.Records.Select(r => r.Thread).Distinct());
    }

    [Fact]
    public void The_set_up_of_a_hosted_model_ends_when_its_first_item_starts()
    {
        // One worker, three items of a second each: the first starts at least two seconds before the run ends.
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.ForEachParallel);

        ScriptBlockRun run = runner.Run(List(3), "[System.Threading.Thread]::Sleep(1000)", 1, CancellationToken.None);

        Assert.Equal(3, run.Records.Count);
        Assert.NotNull(run.Startup);
        // The item's clock starts after the runspace that calls ForEach-Object has opened: never at the run's start.
        Assert.True(run.Startup > TimeSpan.Zero, $"Startup {run.Startup}");
        Assert.True(run.Startup!.Value + TimeSpan.FromSeconds(2) <= run.Elapsed, $"Startup {run.Startup}, Elapsed {run.Elapsed}");
        Assert.NotNull(run.Counters);
    }

    [Fact]
    public void The_CPU_of_a_run_in_pwsh_children_counts_theirs_too()
    {
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.Processes);

        ScriptBlockRun run = runner.Run(List(1), "$_", 1, CancellationToken.None);

        ScriptTaskRecord record = Assert.Single(run.Records);
        Assert.NotEqual(Environment.ProcessId, record.ProcessId);
        // A pwsh child uses CPU to start; the run's CPU is this process's plus the child's last report.
        Assert.True(record.ProcessCpuMs > 0, $"ProcessCpuMs {record.ProcessCpuMs}");
        Assert.True(run.CpuTime.TotalMilliseconds >= record.ProcessCpuMs, $"CpuTime {run.CpuTime}, the child's {record.ProcessCpuMs} ms");
        Assert.Null(run.Counters);
    }

    [Fact]
    public void The_CPU_of_a_pwsh_child_that_ran_several_items_is_its_last_report_not_its_first()
    {
        // One child runs both items; item 2 burns 3 s of the child's CPU, so the child's report after item 2 is at least
        // 3 s above its report after item 1. The run counts the later one: more than this process spends meanwhile (1.5 s
        // was seen, with the child's first report at 2.6 s).
        const string Script = "if ($_ -eq 2) { $start = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds; " +
            "while ([System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - $start -lt 3000) { } }";
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.Processes);

        ScriptBlockRun run = runner.Run(List(2), Script, 1, CancellationToken.None);

        Assert.Null(run.Error);
        Assert.Equal(2, run.Records.Count);
        Assert.All(run.Records, r => Assert.False(r.Failed, string.Join("; ", r.ErrorMessages)));
        int child = Assert.Single(run.Records.Select(r => r.ProcessId).Distinct());
        Assert.NotEqual(Environment.ProcessId, child);
        double first = run.Records.Min(r => r.ProcessCpuMs);
        double last = run.Records.Max(r => r.ProcessCpuMs);
        Assert.True(last - first >= 3000, $"the child's reports {first} and {last} ms");
        Assert.True(run.CpuTime.TotalMilliseconds >= last, $"CpuTime {run.CpuTime}, the child's last report {last} ms, its first {first} ms");
    }

    [Fact]
    public void A_token_cancelled_while_the_runs_runspaces_close_still_ends_the_run_with_OperationCanceledException()
    {
        // The item asks to be told when its runspace closes (PowerShell's Exiting event) and then cancels the token: the
        // model's own run has ended by then, and only the run's last look at the token sees it.
        using var cancel = new CancellationTokenSource();
        var state = ScriptBlockState.From(null, new Hashtable { ["CtCancel"] = cancel }, null);
        using ScriptBlockRunner runner = ScriptBlockRunner.Create(ConcurrencyModel.Sequential);
        const string Script = "$null = $ExecutionContext.Events.SubscribeEvent($null, $null, 'PowerShell.Exiting', $null, { $CtCancel.Cancel() }, $true, $false)";

        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(List(1, state), Script, 1, cancel.Token));

        Assert.True(cancel.IsCancellationRequested);
    }

    [Fact]
    public void A_model_that_cannot_run_a_script_block_is_refused_naming_Model()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ScriptBlockRunner.Create(ConcurrencyModel.GilThreads));
        Assert.Equal("Model", error.ParamName);
        Assert.Equal(ConcurrencyModel.GilThreads, error.ActualValue);
    }
}
