using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class ScriptBlockBenchmarkTests
{
    private static readonly ConcurrencyModel[] InProcess = [ConcurrencyModel.Sequential, ConcurrencyModel.Runspaces, ConcurrencyModel.ForEachParallel];

    private static ScriptTaskList List(string script, int items, ScriptBlockState? state = null) =>
        new(script, Enumerable.Range(1, items).Cast<object?>().ToArray(), state);

    [Fact]
    public void Every_in_process_model_runs_every_item_once_with_the_same_state()
    {
        // Each item checks the variable, the argument and the item it was given, and throws if any is missing.
        var state = ScriptBlockState.From(null, new Hashtable { ["Factor"] = 10 }, [5]);
        const string Script = "param($n, $plus) if ($Factor -ne 10 -or $plus -ne 5 -or $n -ne $_) { throw \"state: $Factor $plus $n\" }; $_ * $Factor + $plus; 'second'";
        using var benchmark = new ScriptBlockBenchmark(List(Script, 6, state), InProcess, [3], repeat: 1, warmup: 0);

        var rows = benchmark.Run(null, CancellationToken.None).ToList();

        Assert.Equal(["Sequential", "Runspaces", "ForEachParallel"], rows.Select(r => r.Model));
        Assert.All(rows, row =>
        {
            Assert.True(row.Verified, row.Model + ": " + row.Error);
            Assert.Null(row.Error);
            Assert.Equal("ScriptBlock", row.Workload);
            Assert.Equal(6, row.Tasks);
            Assert.Equal(12, row.OutputCount);
            Assert.Equal(0, row.ErrorCount);
            Assert.Equal(21, row.Checksum);
            Assert.Equal(row.ExpectedChecksum, row.Checksum);
            Assert.NotNull(row.StartupMs);
            Assert.InRange(row.StartupMs!.Value, 0, row.ElapsedMs);
            Assert.NotNull(row.ModelOverheadMs);
            // In this process: its peaks and runtime counters describe the run.
            Assert.NotNull(row.PeakWorkingSetBytes);
            Assert.NotNull(row.PeakThreadCount);
            Assert.NotNull(row.GcMode);
            Assert.NotNull(row.Gen0Collections);
            Assert.NotNull(row.ThreadPoolCompletedWorkItems);
            // On Linux each item measured its block's CPU on its thread: the row has the items' CPU.
            Assert.Equal(OperatingSystem.IsLinux(), row.TaskCpuMs is not null);
        });
        Assert.Equal(1, rows[0].ThreadsUsed);
        Assert.InRange(rows[1].ThreadsUsed, 1, 3);
    }

    [Fact]
    public void The_Jobs_model_whose_jobs_cannot_start_is_a_row_saying_why_not_a_lost_sweep()
    {
        // This test host's PowerShell has no pwsh of its own ($PSHOME is the test's output folder), so Start-Job cannot
        // start a job. (The cmdlets run this model in pwsh, where the Pester tests run it to the end.) The row says why
        // none of the items ran, with the errors the driver wrote.
        const ConcurrencyModel model = ConcurrencyModel.Jobs;
        using var benchmark = new ScriptBlockBenchmark(List("$_", 4), [model], [2], repeat: 1, warmup: 0, measureOverhead: false);

        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

        Assert.Equal(model.ToString(), row.Model);
        Assert.False(row.Verified);
        // The row ends with the last error the driver wrote.
        Assert.Equal($"0 results for 4 items (0 distinct); {row.ErrorRecords![^1]}.", row.Error);
        Assert.Contains("Start-Job", row.Error);
        Assert.Contains("Start-Job", row.FirstError);
        Assert.InRange(row.ErrorCount!.Value, 1, 8);
        Assert.Equal(row.ErrorCount, row.ErrorRecords!.Length);
        Assert.Equal(0, row.CompletedTasks);
        Assert.Equal(0, row.Checksum);
        Assert.Equal(10, row.ExpectedChecksum);
        Assert.Null(row.StartupMs);
        Assert.Null(row.WorkerHost);
        // Jobs run in child processes: this process's peaks and runtime counters do not describe them.
        Assert.Null(row.PeakWorkingSetBytes);
        Assert.Null(row.PeakThreadCount);
        Assert.Null(row.GcMode);
    }

    [Fact]
    public void Errors_are_counted_kept_and_never_fatal_to_the_sweep()
    {
        const string Script = "if ($_ -eq 2) { throw 'two failed' }; if ($_ -eq 3) { 1 / 0 }; $_";
        using var benchmark = new ScriptBlockBenchmark(List(Script, 4), InProcess, [2], repeat: 2, warmup: 0, measureOverhead: false);

        var rows = benchmark.Run(null, CancellationToken.None).ToList();

        Assert.Equal(6, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.False(row.Verified);
            Assert.Equal(2, row.ErrorCount);
            Assert.Equal(2, row.ErrorRecords!.Length);
            Assert.Equal(3, row.OutputCount);
            Assert.Equal(3, row.CompletedTasks);
            // Item 2's throw ends it; item 3's division by zero is written and the item goes on. In item order.
            Assert.Equal("two failed", row.FirstError);
            Assert.Equal("1 of 4 items stopped with a terminating error; the first: two failed", row.Error);
        });
    }

    [Fact]
    public void The_Processes_model_runs_every_item_once_in_pwsh_children_and_keeps_their_errors()
    {
        // Each item checks the state it was given (module, variable, argument, item) and throws if any is missing;
        // item 3 writes an error and goes on; item 4 throws. Each child runs items until none is left.
        const string Script = "param($n, $plus) if ((Get-CtHelper) -ne 'helper' -or $Factor -ne 10 -or $plus -ne 5 -or $n -ne $_) { throw \"state: $Factor $plus $n\" }; " +
            "$_ * $Factor + $plus; 'second'; if ($_ -eq 3) { Write-Error 'three wrote' }; if ($_ -eq 4) { throw 'four failed' }";
        string module = Path.Combine(Path.GetTempPath(), $"CtHelper{Guid.NewGuid():N}.psm1");
        File.WriteAllText(module, "function Get-CtHelper { 'helper' }");
        try
        {
            var state = ScriptBlockState.From([module], new Hashtable { ["Factor"] = 10 }, [5]);
            using var benchmark = new ScriptBlockBenchmark(List(Script, 5, state), [ConcurrencyModel.Processes], [2], repeat: 1, warmup: 0, measureOverhead: false);
            AssertProcessesRow(Assert.Single(benchmark.Run(null, CancellationToken.None)));
        }
        finally
        {
            File.Delete(module);
        }
    }

    private static void AssertProcessesRow(WorkloadMeasurement row)
    {
        Assert.Equal("Processes", row.Model);
        Assert.Equal("pwsh", row.WorkerHost);
        Assert.Equal(5, row.Tasks);
        Assert.Equal(15, row.Checksum);
        Assert.Equal(4, row.CompletedTasks);
        Assert.Equal(8, row.OutputCount);
        Assert.Equal(2, row.ErrorCount);
        Assert.False(row.Verified);
        Assert.StartsWith("1 of 5 items stopped with a terminating error; the first: four failed", row.Error);
        Assert.Contains("three wrote", row.FirstError);
        Assert.InRange(row.ThreadsUsed, 1, 2);
        Assert.NotNull(row.StartupMs);
        // The items ran in other processes: this process's peaks and runtime counters do not describe them.
        Assert.Null(row.PeakWorkingSetBytes);
        Assert.Null(row.PeakThreadCount);
        Assert.Null(row.GcMode);
    }

    [Fact]
    public void A_pwsh_child_that_dies_stops_the_other_children_instead_of_letting_them_run_the_rest()
    {
        // Item 1 ends its child at once; every other item notes its start, then sleeps 3 s. Stopping the run kills the
        // other child within its first item; going on would start all five of the others, one after another.
        string log = Path.Combine(Path.GetTempPath(), $"ct-started-{Guid.NewGuid():N}");
        try
        {
            string script = $"if ($_ -eq 1) {{ [Environment]::Exit(7) }}; Add-Content -LiteralPath '{log}' -Value $_; Start-Sleep -Seconds 3";
            using var benchmark = new ScriptBlockBenchmark(List(script, 6), [ConcurrencyModel.Processes], [2], repeat: 1, warmup: 0, measureOverhead: false);

            WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

            Assert.Contains("exit code 7", row.Error);
            int started = File.Exists(log) ? File.ReadAllLines(log).Length : 0;
            Assert.InRange(started, 0, 3);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void A_module_a_pwsh_child_cannot_import_stops_the_Processes_run_at_start_naming_it()
    {
        var state = ScriptBlockState.From(["NoSuchModule-9f2c"], null, null);
        using var benchmark = new ScriptBlockBenchmark(List("$_", 2, state), [ConcurrencyModel.Processes], [2], repeat: 1, warmup: 0, measureOverhead: false);

        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

        Assert.False(row.Verified);
        Assert.Equal(0, row.CompletedTasks);
        Assert.Matches(@"pwsh child \d+ did not start", row.Error);
        Assert.Contains("failed: ", row.Error);
        Assert.Contains("NoSuchModule-9f2c", row.Error);
    }

    [Fact]
    public void A_pwsh_child_that_dies_mid_item_is_an_error_row_not_a_lost_sweep()
    {
        using var benchmark = new ScriptBlockBenchmark(List("if ($_ -eq 2) { [Environment]::Exit(7) }; $_", 4), [ConcurrencyModel.Processes], [2], repeat: 1, warmup: 0, measureOverhead: false);

        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

        Assert.False(row.Verified);
        Assert.NotNull(row.Error);
        Assert.Contains("exit code 7", row.Error);
    }

    [Fact]
    public void A_module_that_cannot_be_imported_is_an_error_row_for_each_model()
    {
        var state = ScriptBlockState.From(["NoSuchModule-9f2c"], null, null);
        using var benchmark = new ScriptBlockBenchmark(List("$_", 2, state), InProcess, [2], repeat: 1, warmup: 0);

        var rows = benchmark.Run(null, CancellationToken.None).ToList();

        Assert.Equal(3, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.False(row.Verified);
            Assert.Contains("NoSuchModule-9f2c", row.Error + row.FirstError);
            // The overhead run (an empty script block, the same module) failed too: no overhead is known.
            Assert.Null(row.ModelOverheadMs);
        });
    }

    [Fact]
    public void Models_that_cannot_run_a_script_block_are_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptBlockBenchmark(List("$_", 2), [ConcurrencyModel.Runspaces, ConcurrencyModel.GilThreads]));
        Assert.Equal("Model", error.ParamName);
        Assert.StartsWith("Model 'GilThreads' cannot run a script block; choose one of Sequential, Runspaces, ForEachParallel, ThreadJob, Jobs, Processes.", error.Message);
        // Without models, the in-process ones.
        using var defaults = new ScriptBlockBenchmark(List("$_", 2));
        Assert.Equal(InProcess, defaults.Models);
        Assert.Equal("InputObject", Assert.Throws<ArgumentException>(() => new ScriptTaskList("$_", [])).ParamName);
        Assert.Equal("Workers", Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptBlockBenchmark(List("$_", 2), null, [0])).ParamName);
    }

    [Theory]
    // 3 items burn 100 ms each: their CPU is at least 3 x 100 less the JIT's share, far above one item's, and with
    // 3 x 200 ms of sleep their share is about 0.3, never near 1.
    [InlineData(3, 100, 200, 0.5)]
    // 10 items burn 20 ms each: the time they could have run holds all 10 sleeps, 2 s, so their share is at most
    // about 0.11; one item's time alone (the longest, not the sum) would make it near 1.
    [InlineData(10, 20, 100, 0.3)]
    public void The_items_CPU_is_their_sum_and_their_share_counts_the_sleep_of_every_item(int items, int burnMs, double minCpuMs, double maxShare)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the items' own CPU is measured on Linux only
        }

        // Each item burns burnMs of its thread's CPU (schedstat's first field, in nanoseconds), then sleeps 200 ms.
        string script = $$"""
            $start = [long][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0]
            while ([long][System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')[0] - $start -lt {{burnMs * 1_000_000L}}) { }
            [System.Threading.Thread]::Sleep(200)
            """;
        using var benchmark = new ScriptBlockBenchmark(List(script, items), [ConcurrencyModel.Sequential], [1], repeat: 1, warmup: 0, measureOverhead: false);

        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

        Assert.True(row.Verified, row.Error);
        Assert.InRange(row.TaskCpuMs!.Value, minCpuMs, 1e6);
        Assert.InRange(row.TaskCpuShare!.Value, 0, maxShare);
    }

    [Fact]
    public void The_items_share_of_CPU_leaves_out_every_items_wait_for_a_core()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the items' own CPU and waits are measured on Linux only
        }

        // This thread, and so every thread it starts (the runspaces' among them), may run on one core only: 4 runspaces
        // that each burn 300 ms of their thread's CPU at once take turns on it, each waiting for the core most of its
        // time. Without those waits the items did little but run, so their share is near 1 (0.86 seen at load 10);
        // leaving out only the longest wait puts it near 1 / 4 (0.17 seen). The loop reads the thread's CPU clock,
        // which allocates little: a loop that reads text stops for collections, a time that is neither run nor wait.
        const string Script = """
            $clock = 'ConcurrencyTools.Engine.Runspaces.ItemClock' -as [type]; $end = $clock::ThreadCpuNanoseconds() + 300000000
            while ($clock::ThreadCpuNanoseconds() -lt $end) { }
            """;
        using var benchmark = new ScriptBlockBenchmark(List(Script, 4), [ConcurrencyModel.Runspaces], [4], repeat: 1, warmup: 0, measureOverhead: false);
        ulong[] mask = new ulong[16];
        Assert.Equal(0, SchedGetAffinity(0, mask.Length * sizeof(ulong), mask));
        ulong[] oneCore = new ulong[16];
        int core = Array.FindIndex(mask, m => m != 0);
        oneCore[core] = mask[core] & (~mask[core] + 1);
        WorkloadMeasurement row;
        Assert.Equal(0, SchedSetAffinity(0, oneCore.Length * sizeof(ulong), oneCore));
        try
        {
            row = Assert.Single(benchmark.Run(null, CancellationToken.None));
        }
        finally
        {
            Assert.Equal(0, SchedSetAffinity(0, mask.Length * sizeof(ulong), mask));
        }

        Assert.True(row.Verified, row.Error);
        Assert.InRange(row.TaskCpuMs!.Value, 1000, 1e6);
        Assert.InRange(row.TaskCpuShare!.Value, 0.6, 1);
    }

    [Fact]
    public void Dispose_closes_the_runspace_a_hosted_model_keeps_between_runs()
    {
        // PowerShell's list of this process's runspaces, which Get-Runspace shows (this test host has no Get-Runspace,
        // and the list is not public): a runspace leaves it when it is disposed. Tests here run one at a time.
        int before = LiveRunspaces().Select(r => r.Id).DefaultIfEmpty(0).Max();
        var benchmark = new ScriptBlockBenchmark(List("$_", 2), [ConcurrencyModel.ForEachParallel], [1], repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));
        Assert.True(row.Verified, row.Error);
        // ForEach-Object closes its own runspaces when it ends; the one it is called from is kept for the next run.
        Runspace[] kept = [.. LiveRunspaces().Where(r => r.Id > before && r.RunspaceStateInfo.State == RunspaceState.Opened)];
        Assert.NotEmpty(kept);

        benchmark.Dispose();

        Assert.All(kept, r => Assert.Equal(RunspaceState.Closed, r.RunspaceStateInfo.State));
    }

    [Fact]
    public void An_incomplete_row_ends_with_the_last_error_of_the_run_not_the_first_error_of_an_item()
    {
        // ForEachParallel, two runspaces. Each imports two modules: the first runspace to import the gate module imports
        // both; in any other, the gate waits until the second module was imported once, then deletes its file, so that
        // runspace cannot import it: its items never run and the driver writes why. Each item that runs writes an error (a
        // division by zero)
        // and waits until the file is gone (so that the second runspace is needed). The items' errors come first.
        string key = "ct-gate-" + Guid.NewGuid().ToString("N");
        string folder = Path.Combine(Path.GetTempPath(), key);
        Directory.CreateDirectory(folder);
        string gate = Path.Combine(folder, "CtGate.psm1");
        string victim = Path.Combine(folder, "CtVictim.psm1");
        using var first = new SemaphoreSlim(1);
        AppDomain.CurrentDomain.SetData(key, first);
        File.WriteAllText(victim, $"[AppDomain]::CurrentDomain.SetData('{key}-imported', $true)");
        File.WriteAllText(gate, $$"""
            if (-not [AppDomain]::CurrentDomain.GetData('{{key}}').Wait(0)) {
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not [AppDomain]::CurrentDomain.GetData('{{key}}-imported') -and [DateTime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(10) }
                [System.IO.File]::Delete('{{victim}}')
                [AppDomain]::CurrentDomain.SetData('{{key}}-deleted', $true)
            }
            """);
        string script = $$"""
            $null = 1 / 0
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not [AppDomain]::CurrentDomain.GetData('{{key}}-deleted') -and [DateTime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(10) }
            """;
        try
        {
            var state = ScriptBlockState.From([gate, victim], null, null);
            using var benchmark = new ScriptBlockBenchmark(List(script, 3, state), [ConcurrencyModel.ForEachParallel], [2], repeat: 1, warmup: 0, measureOverhead: false);

            WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));

            Assert.False(row.Verified);
            Assert.InRange(row.CompletedTasks, 1, 2);
            Assert.Equal("Attempted to divide by zero.", row.FirstError);
            Assert.Contains("CtVictim", row.ErrorRecords![^1].ToString());
            Assert.Equal($"{row.CompletedTasks} results for 3 items ({row.CompletedTasks} distinct); {row.ErrorRecords[^1]}.", row.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Runspace[] LiveRunspaces() =>
        [.. (IEnumerable<Runspace>)typeof(Runspace).GetProperty("RunspaceList", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!];

    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int SchedGetAffinity(int pid, nint size, [Out] ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ulong[] mask);

    [Fact]
    public void The_sweep_keeps_its_settings_and_refuses_no_list_and_no_model()
    {
        ScriptTaskList list = List("$_", 2);
        using var benchmark = new ScriptBlockBenchmark(list, [ConcurrencyModel.Runspaces, ConcurrencyModel.Sequential, ConcurrencyModel.Runspaces], [1, 2], repeat: 2, warmup: 1, measureOverhead: false);

        Assert.Same(list, benchmark.TaskList);
        Assert.Equal([ConcurrencyModel.Runspaces, ConcurrencyModel.Sequential], benchmark.Models);
        Assert.Equal([1, 2], benchmark.Workers);
        Assert.Equal(2, benchmark.Repeat);
        Assert.Equal(1, benchmark.Warmup);
        Assert.False(benchmark.MeasureOverhead);
        // Sequential is one configuration whatever the worker counts: Runspaces x1, x2 and Sequential x1.
        Assert.Equal(3, benchmark.Grid.Count);
        Assert.Equal(3 * (1 + 2), benchmark.TotalRuns);
        using var withOverhead = new ScriptBlockBenchmark(list, [ConcurrencyModel.Runspaces], [1, 2], repeat: 2, warmup: 1);
        Assert.True(withOverhead.MeasureOverhead);
        Assert.Equal(2 * (1 + 2 + 1), withOverhead.TotalRuns);

        Assert.Equal("list", Assert.Throws<ArgumentNullException>(() => new ScriptBlockBenchmark(null!)).ParamName);
        var none = Assert.Throws<ArgumentException>(() => new ScriptBlockBenchmark(list, []));
        Assert.Equal("Model", none.ParamName);
        Assert.StartsWith("Model must name at least one model.", none.Message);
    }

    [Fact]
    public void Warm_up_and_measured_runs_run_the_script_and_the_overhead_run_an_empty_one()
    {
        // Every run of the script adds one per item to a process-wide count under a key of this test; Sequential runs
        // one item at a time, so no update is lost. One warm-up and two measured runs of 3 items: 9. The overhead run's
        // empty script block adds nothing.
        string key = "ct-benchmark-runs-" + Guid.NewGuid().ToString("N");
        string script = $"[AppDomain]::CurrentDomain.SetData('{key}', 1 + [int][AppDomain]::CurrentDomain.GetData('{key}'))";
        using var benchmark = new ScriptBlockBenchmark(List(script, 3), [ConcurrencyModel.Sequential], [1], repeat: 2, warmup: 1);

        var rows = benchmark.Run(null, CancellationToken.None).ToList();

        Assert.Equal(9, AppDomain.CurrentDomain.GetData(key));
        Assert.Equal([1, 2], rows.Select(r => r.Run));
        Assert.All(rows, row =>
        {
            Assert.True(row.Verified, row.Error);
            Assert.NotNull(row.ModelOverheadMs);
        });
    }

    [Fact]
    public void A_sweep_run_again_after_Dispose_opens_its_models_afresh()
    {
        // Dispose closes the runspace ForEachParallel keeps between runs; a later run must not find the closed one.
        using var benchmark = new ScriptBlockBenchmark(List("$_", 2), [ConcurrencyModel.ForEachParallel], [2], repeat: 1, warmup: 0, measureOverhead: false);
        Assert.True(Assert.Single(benchmark.Run(null, CancellationToken.None)).Verified);

        benchmark.Dispose();

        WorkloadMeasurement again = Assert.Single(benchmark.Run(null, CancellationToken.None));
        Assert.True(again.Verified, again.Error);
    }

    [Fact]
    public void Long_scripts_are_named_by_their_start_and_a_hash()
    {
        string a = new ScriptTaskList("# " + new string('a', 100) + " 1", [1]).TaskSize;
        string b = new ScriptTaskList("# " + new string('a', 100) + " 2", [1]).TaskSize;
        Assert.NotEqual(a, b);
        Assert.True(a.Length < 80);
        Assert.Equal("{ Start-Sleep 1 }", new ScriptTaskList("  Start-Sleep\n  1 ", [1]).TaskSize);
        Assert.Equal("{ }", new ScriptTaskList("", [1]).TaskSize);
    }

    [Fact]
    public void An_empty_script_block_is_a_task_list_like_any_other()
    {
        using var benchmark = new ScriptBlockBenchmark(List("", 5), [ConcurrencyModel.Runspaces], [2], repeat: 1, warmup: 0, measureOverhead: false);
        WorkloadMeasurement row = Assert.Single(benchmark.Run(null, CancellationToken.None));
        Assert.True(row.Verified, row.Error);
        Assert.Equal(0, row.OutputCount);
    }
}
