using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConcurrencyTools.Engine.ProcessPool;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>Invoke-ProcessPool's task building: templates, the appended item, script blocks and tasks that cannot be prepared.</summary>
public sealed class ProcessTaskBuilderTests
{
    [Fact]
    public void TasksAreNumberedInInputOrderAndExpandTheirTemplates()
    {
        var builder = new ProcessTaskBuilder("echo", new[] { "{#}", "{.}", "-v" }, null, "in {}");

        ProcessTask first = builder.Next(PSObject.AsPSObject("a.txt"));
        ProcessTask second = builder.Next(PSObject.AsPSObject("b.log"));

        Assert.False(builder.AppendsItem);
        Assert.Equal(new long[] { 1, 2 }, new[] { first.Seq, second.Seq });
        Assert.Equal(new[] { "2", "b", "-v" }, second.Arguments);
        Assert.Equal("in b.log", second.StandardInput);
        Assert.Equal("echo", second.FilePath);
    }

    [Fact]
    public void WithoutAPlaceholderTheItemIsAppendedAndAFileIsItsFullPath()
    {
        var file = new FileInfo("relative.txt");
        var builder = new ProcessTaskBuilder("cat", new[] { "-n" }, null, null);

        ProcessTask task = builder.Next(PSObject.AsPSObject(file));

        Assert.True(builder.AppendsItem);
        Assert.Equal(new[] { "-n", file.FullName }, task.Arguments);
        Assert.Null(task.StandardInput);
    }

    [Fact]
    public void APlaceholderOnlyInStandardInputStillStopsTheAppend()
    {
        var builder = new ProcessTaskBuilder("cat", new[] { "-n" }, null, "{}");

        Assert.False(builder.AppendsItem);
        Assert.Equal(new[] { "-n" }, builder.Next(PSObject.AsPSObject("x")).Arguments);
    }

    [Fact]
    public void ASlotKeepsTheTaskATemplateUntilASlotTakesIt()
    {
        var builder = new ProcessTaskBuilder("echo", new[] { "{%}", "{}" }, null, null);

        ProcessTask task = builder.Next(PSObject.AsPSObject("x"));

        Assert.True(builder.SlotTemplated);
        Assert.True(task.SlotTemplated);
        Assert.Equal(new[] { "3", "x" }, task.ForSlot(3).Arguments);
    }

    [Fact]
    public void AMissingPropertyIsAPreparationErrorTakenOnce()
    {
        var builder = new ProcessTaskBuilder("echo", new[] { "{Name}" }, null, null);
        var item = new PSObject();
        item.Properties.Add(new PSNoteProperty("Other", 1));

        ProcessTask task = builder.Next(item);

        Assert.NotNull(task.PreparationError);
        Assert.Empty(task.Arguments);
        Assert.True(builder.TryTakePreparationError(task.Seq, out Exception error, out string errorId));
        Assert.Equal("TemplatePropertyNotFound", errorId);
        Assert.Equal(task.PreparationError, error.Message);
        Assert.False(builder.TryTakePreparationError(task.Seq, out _, out _));
    }

    [Fact]
    public void AScriptBlockBuildsTheArgumentsAndItsFailureIsAPreparationError()
    {
        using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Runspace.DefaultRunspace = runspace;
        try
        {
            var builder = new ProcessTaskBuilder("echo", new[] { "ignored {}" }, ScriptBlock.Create("'-n'; $_ * 2; $null; if ($_ -eq 3) { throw 'three' }"), null);

            ProcessTask good = builder.Next(PSObject.AsPSObject(2));
            ProcessTask bad = builder.Next(PSObject.AsPSObject(3));

            Assert.False(builder.AppendsItem);
            Assert.Equal(new[] { "-n", "4" }, good.Arguments);
            Assert.Null(good.PreparationError);
            Assert.Contains("three", bad.PreparationError);
            Assert.True(builder.TryTakePreparationError(bad.Seq, out _, out string errorId));
            Assert.Equal("ArgumentScriptBlockFailed", errorId);
        }
        finally
        {
            Runspace.DefaultRunspace = null;
        }
    }

    [Fact]
    public void EnvironmentValuesBecomeTextAndNullRemovesAVariable()
    {
        IReadOnlyDictionary<string, string?>? environment = ProcessTaskBuilder.EnvironmentOf(new Hashtable { ["N"] = 42, ["GONE"] = null, ["S"] = "x" });

        Assert.NotNull(environment);
        Assert.Equal("42", environment!["N"]);
        Assert.Null(environment["GONE"]);
        Assert.True(environment.ContainsKey("GONE"));
        Assert.Equal("x", environment["S"]);
        Assert.Null(ProcessTaskBuilder.EnvironmentOf(null));
    }
}
