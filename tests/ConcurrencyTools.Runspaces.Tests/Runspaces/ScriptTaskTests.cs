using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The task list, the state every model starts from, and the record each item reports.</summary>
public sealed class ScriptTaskTests
{
    [Fact]
    public void TaskSize_is_the_script_on_one_line_up_to_60_characters_then_its_start_and_a_hash()
    {
        string sixty = new('a', 60);
        Assert.Equal("{ " + sixty + " }", new ScriptTaskList(sixty, [1]).TaskSize);

        string longer = "\t" + sixty + "b\n";
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(longer)))[..8].ToLowerInvariant();
        Assert.Equal("{ " + new string('a', 48) + "... #" + hash + " }", new ScriptTaskList(longer, [1]).TaskSize);

        Assert.Equal("{ $a = 1 ; $a }", new ScriptTaskList("\r\n  $a =\t 1\n;\n\n $a  ", [1]).TaskSize);
        Assert.Equal("{ }", new ScriptTaskList(" \n\t ", [1]).TaskSize);
    }

    [Fact]
    public void A_task_list_needs_a_script_and_at_least_one_item_and_keeps_its_state()
    {
        Assert.Equal("script", Assert.Throws<ArgumentNullException>(() => new ScriptTaskList(null!, [1])).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentNullException>(() => new ScriptTaskList("$_", null!)).ParamName);
        var empty = Assert.Throws<ArgumentException>(() => new ScriptTaskList("$_", []));
        Assert.Equal("InputObject", empty.ParamName);
        Assert.StartsWith("InputObject must give at least one item: each item is one task.", empty.Message);

        Assert.Same(ScriptBlockState.Empty, new ScriptTaskList("$_", [1]).State);
        var state = ScriptBlockState.From(["M"], null, null);
        var list = new ScriptTaskList("$_ + 1", [1, 2], state);
        Assert.Same(state, list.State);
        Assert.Equal("$_ + 1", list.Script);
        Assert.Equal([1, 2], list.Items);
    }

    [Fact]
    public void State_from_cmdlet_values_drops_blank_modules_unwraps_values_and_refuses_blank_names()
    {
        var custom = new PSObject();
        custom.Properties.Add(new PSNoteProperty("A", 1));
        var state = ScriptBlockState.From(
            ["One", " ", "", "Two"],
            new Hashtable { ["Count"] = PSObject.AsPSObject(5), ["Custom"] = custom },
            [PSObject.AsPSObject("x"), custom, null]);

        Assert.Equal(["One", "Two"], state.Modules);
        Assert.Equal(5, state.Variables["count"]);
        Assert.Same(custom, state.Variables["CUSTOM"]);
        Assert.Equal(["x", custom, null], state.ArgumentList);

        var blank = Assert.Throws<ArgumentException>(() => ScriptBlockState.From(null, new Hashtable { [""] = 1 }, null));
        Assert.Equal("variables", blank.ParamName);
        Assert.StartsWith("A variable name must not be empty.", blank.Message);

        ScriptBlockState none = ScriptBlockState.From(null, null, null);
        Assert.Empty(none.Modules);
        Assert.Empty(none.Variables);
        Assert.Empty(none.ArgumentList);
        Assert.Null(ScriptBlockState.Unwrap(null));
        Assert.Equal(3, ScriptBlockState.Unwrap(PSObject.AsPSObject(3)));
    }

    [Fact]
    public void A_runspace_of_the_state_defines_its_variables_plainly_and_runs_every_item_on_one_thread()
    {
        var state = ScriptBlockState.From(null, new Hashtable { ["Factor"] = 10 }, null);
        Assert.True(state.CreateInitialSessionState().ThrowOnRunspaceOpenError);

        using RunspaceSet set = RunspaceSet.Open(state, 1, CancellationToken.None);
        var results = set.InvokeEach("$ExecutionContext.SessionState.PSVariable.Get('Factor').Description; [System.Threading.Thread]::CurrentThread.ManagedThreadId; $Factor", [1, 2, 3], CancellationToken.None);

        Assert.All(results, r => Assert.Equal(string.Empty, r.Output[0].BaseObject));
        Assert.Single(results.Select(r => r.Output[1].BaseObject).Distinct());
        Assert.All(results, r => Assert.Equal(10, r.Output[2].BaseObject));
    }

    [Fact]
    public void A_record_from_another_process_keeps_every_field()
    {
        var record = new PSObject();
        void Add(string name, object? value) => record.Properties.Add(new PSNoteProperty(name, value));
        Add("Index", PSObject.AsPSObject(4));
        Add("OutputCount", 2);
        Add("Failed", true);
        Add("Errors", new object?[] { "first", null, PSObject.AsPSObject("second") });
        Add("ErrorMessages", new object?[] { "first", null });
        Add("Started", 123456789L);
        Add("ThreadId", 17);
        Add("ProcessId", 4242);
        Add("WallMs", 12.5);
        Add("TaskCpuMs", 3.25);
        Add("RunWaitMs", null);
        Add("ProcessCpuMs", 700.5);

        ScriptTaskRecord read = ScriptTaskRecord.From((object)record)!;

        Assert.Equal(4, read.Index);
        Assert.Equal(2, read.OutputCount);
        Assert.True(read.Failed);
        Assert.Equal(["first", "second"], read.Errors);
        Assert.Equal(["first", string.Empty], read.ErrorMessages);
        Assert.Equal(123456789L, read.Started);
        Assert.Equal("4242/17", read.Thread);
        Assert.Equal(4242, read.ProcessId);
        Assert.Equal(12.5, read.WallMs);
        Assert.Equal(3.25, read.TaskCpuMs);
        Assert.Null(read.RunWaitMs);
        Assert.Equal(700.5, read.ProcessCpuMs);

        // One error arrives as a single value, none as null.
        record.Properties["Errors"].Value = "only";
        record.Properties["ErrorMessages"].Value = null;
        read = ScriptTaskRecord.From((object)record)!;
        Assert.Equal(["only"], read.Errors);
        Assert.Empty(read.ErrorMessages);
        record.Properties["Errors"].Value = 5;
        Assert.Equal([5], ScriptTaskRecord.From((object)record)!.Errors);
    }

    [Fact]
    public void Only_a_record_with_an_index_and_an_output_count_is_a_record()
    {
        Assert.Null(ScriptTaskRecord.From((object?)null));
        Assert.Null(ScriptTaskRecord.From((object)"text"));
        var noCount = new PSObject();
        noCount.Properties.Add(new PSNoteProperty("Index", 1));
        Assert.Null(ScriptTaskRecord.From((object)noCount));
        var noIndex = new PSObject();
        noIndex.Properties.Add(new PSNoteProperty("OutputCount", 1));
        Assert.Null(ScriptTaskRecord.From((object)noIndex));
    }

    [Fact]
    public void A_result_of_the_engines_runspaces_is_a_record_of_this_process()
    {
        using RunspaceSet set = RunspaceSet.Open(ScriptBlockState.Empty, 2, CancellationToken.None);
        const string Script = """
            [CmdletBinding()] param($n)
            $n
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new('wrote'), 'Soft', 'NotSpecified', $n))
            if ($n -eq 8) { throw 'threw' }
            """;
        IReadOnlyList<ScriptTaskResult> results = set.InvokeEach(Script, [7, 8], CancellationToken.None);

        ScriptTaskRecord record = ScriptTaskRecord.From(results[0]);
        Assert.Equal(0, record.Index);
        Assert.Equal(1, record.OutputCount);
        Assert.False(record.Failed);
        Assert.Equal(["wrote"], record.ErrorMessages);

        ScriptTaskResult result = results[1];
        record = ScriptTaskRecord.From(result);
        Assert.Equal(1, record.Index);
        Assert.Equal(0, record.OutputCount);
        Assert.True(record.Failed);
        Assert.Equal(2, record.Errors.Count);
        Assert.Equal(["wrote", "threw"], record.ErrorMessages);
        Assert.Equal("runspace " + result.RunspaceIndex, record.Thread);
        Assert.Equal(Environment.ProcessId, record.ProcessId);
        Assert.Equal(result.TaskCpuMs, record.TaskCpuMs);
        Assert.NotNull(record.TaskCpuMs);
        Assert.Equal(result.TaskWallMs, record.WallMs);
        Assert.Equal(result.TaskRunWaitMs, record.RunWaitMs);
        Assert.Null(record.Started);
    }
}
