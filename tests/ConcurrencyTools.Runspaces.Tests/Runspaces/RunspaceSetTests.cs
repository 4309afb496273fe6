using System;
using System.Collections;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

public sealed class RunspaceSetTests
{
    private static readonly object?[] Items = [.. Enumerable.Range(1, 20).Cast<object?>()];

    [Fact]
    public void InvokeEach_runs_every_item_once_with_the_item_as_dollar_underscore_and_first_argument()
    {
        var state = ScriptBlockState.From(null, new Hashtable { ["Offset"] = 1000 }, ["extra"]);
        using RunspaceSet set = RunspaceSet.Open(state, 3, CancellationToken.None);

        var results = set.InvokeEach("param($item, $word) \"$($_ + $Offset)|$item|$word\"", Items, CancellationToken.None);

        Assert.Equal(Items.Length, results.Count);
        for (int i = 0; i < Items.Length; i++)
        {
            ScriptTaskResult result = results[i];
            Assert.Equal(i, result.Index);
            Assert.Equal(Items[i], result.Input);
            Assert.False(result.Failed);
            Assert.Empty(result.Errors);
            Assert.Equal($"{(int)Items[i]! + 1000}|{Items[i]}|extra", Assert.Single(result.Output).BaseObject);
            Assert.InRange(result.RunspaceIndex, 0, 2);
        }

        Assert.True(set.OpenElapsed > TimeSpan.Zero);
    }

    [Fact]
    public void The_driver_leaves_none_of_its_variables_in_the_runspaces_global_scope()
    {
        // Run in a scope of its own, the driver's parameters and variables are gone when it ends; dot-sourced, they
        // would be the runspace's globals, seen by every later script block in it.
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 1, CancellationToken.None);
        object?[] results = [.. set.InvokeEach("@($global:__ctScript, $global:__ctItem, $global:__ctBlock, $global:__ctTimes).Where({ $null -ne $_ }).Count", [1, 2], CancellationToken.None)
            .Select(r => Assert.Single(r.Output).BaseObject)];
        Assert.Equal([0, 0], results);
        Assert.Equal(0, Assert.Single(set.InvokeTogether("@($global:__ctBarrier, $global:__ctScript).Where({ $null -ne $_ }).Count", null, CancellationToken.None)).Output.Single().BaseObject);
    }

    [Fact]
    public void InvokeEach_runs_at_most_Count_at_once_and_uses_every_runspace()
    {
        var probe = new ConcurrencyProbe();
        var state = ScriptBlockState.From(null, new Hashtable { ["probe"] = probe }, null);
        using RunspaceSet set = RunspaceSet.Open(state, 2, CancellationToken.None);

        var results = set.InvokeEach("$probe.Enter(); [System.Threading.Thread]::Sleep(20); $probe.Leave()", Items, CancellationToken.None);

        Assert.Equal(Items.Length, probe.Entered);
        Assert.InRange(probe.MaxInside, 1, 2);
        Assert.Equal([0, 1], results.Select(r => r.RunspaceIndex).Distinct().Order());
    }

    [Fact]
    public void Errors_are_collected_per_item_and_a_throwing_item_does_not_stop_the_others()
    {
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        const string Script = """
            [CmdletBinding()] param($n)
            if ($n % 5 -eq 0) { throw "boom $n" }
            if ($n % 3 -eq 0) { $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new("soft $n"), 'Soft', 'NotSpecified', $n)) }
            $n
            """;

        var results = set.InvokeEach(Script, Items, CancellationToken.None);

        Assert.Equal(Items.Length, results.Count);
        foreach (ScriptTaskResult result in results)
        {
            int n = (int)result.Input!;
            Assert.Equal(n % 5 == 0, result.Failed);
            if (n % 5 == 0)
            {
                Assert.Empty(result.Output);
                Assert.Equal($"boom {n}", result.Errors[^1].Exception.Message);
            }
            else
            {
                Assert.Equal(n, Assert.Single(result.Output).BaseObject);
            }

            int soft = n % 3 == 0 && n % 5 != 0 ? 1 : 0;
            Assert.Equal(soft + (n % 5 == 0 ? 1 : 0), result.Errors.Count);
            if (soft == 1)
            {
                Assert.Equal($"soft {n}", result.Errors[0].Exception.Message);
            }
        }
    }

    [Fact]
    public void InvokeTogether_runs_once_in_every_runspace_all_at_the_same_time_on_a_shared_object()
    {
        var probe = new ConcurrencyProbe();
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 3, CancellationToken.None);

        // Each waits inside until all three are in: this returns only if all run at once.
        var results = set.InvokeTogether("$_.Enter(); $_.WaitForEntered(3); $_.Leave()", probe, CancellationToken.None);

        Assert.Equal(3, results.Count);
        Assert.Equal([0, 1, 2], results.Select(r => r.RunspaceIndex));
        Assert.All(results, r => Assert.True((bool)Assert.Single(r.Output).BaseObject));
        Assert.Equal(3, probe.MaxInside);
    }

    [Fact]
    public async Task Cancelling_stops_running_pipelines_and_the_runspaces_stay_usable()
    {
        var probe = new ConcurrencyProbe();
        var state = ScriptBlockState.From(null, new Hashtable { ["probe"] = probe }, null);
        using RunspaceSet set = RunspaceSet.Open(state, 2, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        Task run = Task.Run(() => set.InvokeEach("$probe.Enter(); while ($true) { [System.Threading.Thread]::Sleep(5) }", Items, cancel.Token));
        Assert.True(probe.WaitForEntered(2));
        cancel.Cancel();

        // The timeout is a hang guard only: a pipeline that ignores Stop would keep this waiting.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, probe.Entered);

        var again = set.InvokeEach("$_ * 2", [1, 2], CancellationToken.None);
        Assert.Equal([2, 4], again.Select(r => (int)r.Output.Single().BaseObject));
    }

    [Fact]
    public async Task Cancelling_InvokeTogether_stops_every_runspace()
    {
        var probe = new ConcurrencyProbe();
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        Task run = Task.Run(() => set.InvokeTogether("$_.Enter(); while ($true) { [System.Threading.Thread]::Sleep(5) }", probe, cancel.Token));
        Assert.True(probe.WaitForEntered(2));
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void A_module_that_cannot_be_imported_fails_the_open()
    {
        var state = ScriptBlockState.From(["NoSuchModule-" + Guid.NewGuid().ToString("N")], null, null);

        Exception error = Assert.ThrowsAny<Exception>(() => RunspaceSet.Open(state, 2, CancellationToken.None));
        Assert.Contains("NoSuchModule", error.ToString());
    }

    [Fact]
    public void Cancelling_while_the_runspaces_open_closes_every_one_and_throws_OperationCanceledException()
    {
        // A module each runspace imports as it opens: it notes the runspace being opened and cancels the caller's token,
        // so the token is cancelled once every runspace has opened and before Open looks at it again.
        using var cancel = new CancellationTokenSource();
        var opened = new ConcurrentBag<Runspace>();
        string module = Path.Combine(Path.GetTempPath(), $"CtCancelOnImport{Guid.NewGuid():N}.psm1");
        File.WriteAllText(module, "$CtOpened.Add([runspace]::DefaultRunspace); $CtCancel.Cancel()");
        try
        {
            var state = ScriptBlockState.From([module], new Hashtable { ["CtOpened"] = opened, ["CtCancel"] = cancel }, null);

            Assert.ThrowsAny<OperationCanceledException>(() => RunspaceSet.Open(state, 2, cancel.Token));

            Assert.Equal(2, opened.Distinct().Count());
            Assert.All(opened, r => Assert.Equal(RunspaceState.Closed, r.RunspaceStateInfo.State));
        }
        finally
        {
            File.Delete(module);
        }
    }

    [Fact]
    public void A_script_that_does_not_parse_fails_before_any_item_runs()
    {
        var probe = new ConcurrencyProbe();
        var state = ScriptBlockState.From(null, new Hashtable { ["probe"] = probe }, null);
        using RunspaceSet set = RunspaceSet.Open(state, 1, CancellationToken.None);

        Assert.Throws<ParseException>(() => set.InvokeEach("$probe.Enter(); {", Items, CancellationToken.None));
        Assert.Equal(0, probe.Entered);
    }

    [Fact]
    public void A_disposed_set_refuses_work_and_closes_its_runspaces()
    {
        RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 1, CancellationToken.None);
        set.Dispose();

        Assert.Throws<ObjectDisposedException>(() => set.InvokeEach("1", Items, CancellationToken.None));
    }

    [Fact]
    public void Dispose_closes_every_runspace_and_a_second_Dispose_does_nothing()
    {
        RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        // Each invocation returns the runspace it ran in.
        Runspace[] runspaces = [.. set.InvokeTogether("[runspace]::DefaultRunspace", null, CancellationToken.None).Select(r => (Runspace)Assert.Single(r.Output).BaseObject)];
        Assert.Equal(2, runspaces.Distinct().Count());
        Assert.All(runspaces, r => Assert.Equal(RunspaceState.Opened, r.RunspaceStateInfo.State));

        set.Dispose();

        Assert.All(runspaces, r => Assert.Equal(RunspaceState.Closed, r.RunspaceStateInfo.State));
        set.Dispose();
        Assert.Throws<ObjectDisposedException>(() => set.InvokeTogether("1", null, CancellationToken.None));
    }

    [Fact]
    public async Task A_runspace_that_fails_before_the_barrier_does_not_leave_the_others_waiting_for_it()
    {
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        var first = (Runspace)Assert.Single(set.InvokeTogether("[runspace]::DefaultRunspace", null, CancellationToken.None)[0].Output).BaseObject;
        // Runspace 0 closed behind the set's back: its invocation fails before it reaches the barrier.
        first.Close();

        // The timeout is a hang guard only: without the barrier abandoned, runspace 1 would wait for runspace 0 forever.
        var results = await Task.Run(() => set.InvokeTogether("$_", "shared", CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, results.Count);
        Assert.True(results[0].Failed);
        ErrorRecord error = Assert.Single(results[0].Errors);
        // Not an error of PowerShell's own (those keep theirs): the set names it, with the input as its target.
        Assert.Equal("ScriptBlockFailed", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotSpecified, error.CategoryInfo.Category);
        Assert.Equal("shared", error.TargetObject);
        Assert.IsType<InvalidRunspaceStateException>(error.Exception);
        // Runspace 1's wait at the barrier was abandoned: a .NET call's exception, which PowerShell writes as an error.
        Assert.IsType<OperationCanceledException>(Assert.Single(results[1].Errors).Exception.InnerException);
    }

    [Fact]
    public void InvokeEach_tells_the_caller_of_each_result_as_it_finishes()
    {
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        var heard = new ConcurrentQueue<ScriptTaskResult>();

        var results = set.InvokeEach("$_", Items, CancellationToken.None, new Listener(heard.Enqueue));

        Assert.Equal(Items.Length, heard.Count);
        Assert.Equal(results.OrderBy(r => r.Index), heard.OrderBy(r => r.Index));
    }

    [Fact]
    public void Opening_puts_back_the_module_path_the_caller_chose()
    {
        // pwsh adds its default module paths to the process's PSModulePath when a runspace opens.
        string? before = Environment.GetEnvironmentVariable("PSModulePath");
        string chosen = Path.Combine(Path.GetTempPath(), $"ct-modules-{Guid.NewGuid():N}");
        try
        {
            Environment.SetEnvironmentVariable("PSModulePath", chosen);
            using (RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None))
            {
                Assert.Equal(chosen, Environment.GetEnvironmentVariable("PSModulePath"));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("PSModulePath", before);
        }
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RunspaceSet.Open(ScriptBlockState.Empty, 0, CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => RunspaceSet.Open(ScriptBlockState.Empty, 1025, CancellationToken.None));
        Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => RunspaceSet.Open(null!, 1, CancellationToken.None)).ParamName);
        Assert.Throws<ArgumentException>(() => ScriptBlockState.From(null, new Hashtable { [""] = 1 }, null));

        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 1, CancellationToken.None);
        Assert.Equal("items", Assert.Throws<ArgumentNullException>(() => set.InvokeEach("$_", null!, CancellationToken.None)).ParamName);
        Assert.Equal("script", Assert.Throws<ArgumentNullException>(() => set.InvokeEach(null!, [1], CancellationToken.None)).ParamName);
        Assert.Equal("script", Assert.Throws<ArgumentNullException>(() => set.InvokeTogether(null!, null, CancellationToken.None)).ParamName);
    }

    /// <summary>Hears each result on the worker thread that finished it (Progress&lt;T&gt; would post it elsewhere, later).</summary>
    private sealed class Listener(Action<ScriptTaskResult> heard) : IProgress<ScriptTaskResult>
    {
        public void Report(ScriptTaskResult value) => heard(value);
    }
}
