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
    public void WithAScriptBlockTheArgumentListIsIgnoredSlotIncludedAndBracesStayLiteral()
    {
        using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Runspace.DefaultRunspace = runspace;
        try
        {
            // The ignored argument list holds {%}: it must not make the task a slot template, whose arguments are escaped.
            var builder = new ProcessTaskBuilder("echo", new[] { "{%}" }, ScriptBlock.Create("\"x{$_}y\"; '{}'"), null);

            ProcessTask task = builder.Next(PSObject.AsPSObject(5));

            Assert.False(builder.SlotTemplated);
            Assert.False(task.SlotTemplated);
            Assert.Equal(new[] { "x{5}y", "{}" }, task.Arguments);
        }
        finally
        {
            Runspace.DefaultRunspace = null;
        }
    }

    [Fact]
    public void AnEmptyOrMissingExecutableIsRefusedNamingTheParameter()
    {
        Assert.Equal("filePath", Assert.Throws<ArgumentException>(() => new ProcessTaskBuilder("", null, null, null)).ParamName);
        Assert.Equal("filePath", Assert.Throws<ArgumentNullException>(() => new ProcessTaskBuilder(null!, null, null, null)).ParamName);
    }

    [Fact]
    public void WithNoArgumentListTheItemIsTheOnlyArgumentAndANullItemIsEmptyText()
    {
        var builder = new ProcessTaskBuilder("cat", null, null, null);

        ProcessTask task = builder.Next(PSObject.AsPSObject("x"));
        ProcessTask none = builder.Next(null);

        Assert.True(builder.AppendsItem);
        Assert.False(builder.SlotTemplated);
        Assert.Equal(new[] { "x" }, task.Arguments);
        Assert.Equal("x", task.Input);
        Assert.Equal(new[] { string.Empty }, none.Arguments);
        Assert.Equal(2, none.Seq);
        Assert.Equal(string.Empty, ProcessTaskBuilder.ItemText(null));
        Assert.Equal(string.Empty, ProcessTaskBuilder.ItemText(PSObject.AsPSObject(string.Empty)));
    }

    [Fact]
    public void AnItemWhoseTextIsNullIsEmptyTextLikeANullItem()
    {
        // An object whose own ToString() returns null: PowerShell's conversion to text gives null for it.
        var builder = new ProcessTaskBuilder("cat", null, null, null);

        ProcessTask task = builder.Next(PSObject.AsPSObject(new NullText()));

        Assert.Null(LanguagePrimitives.ConvertTo<string>(new NullText()));
        Assert.Equal(string.Empty, ProcessTaskBuilder.ItemText(new NullText()));
        Assert.Equal(string.Empty, ProcessTaskBuilder.ItemText(PSObject.AsPSObject(new NullText())));
        Assert.Equal(new[] { string.Empty }, task.Arguments);
        Assert.Equal(string.Empty, task.Input);
    }

    [Fact]
    public void APropertyPlaceholderTakesTheItemsPropertyAsText()
    {
        var file = new FileInfo("inner.txt");
        var builder = new ProcessTaskBuilder("echo", new[] { "{Name}-{Size}" }, null, "{Where}");
        var item = new PSObject();
        item.Properties.Add(new PSNoteProperty("Name", "n1"));
        item.Properties.Add(new PSNoteProperty("Size", 42));
        item.Properties.Add(new PSNoteProperty("Where", file));

        ProcessTask task = builder.Next(item);

        Assert.Null(task.PreparationError);
        Assert.Equal(new[] { "n1-42" }, task.Arguments);
        Assert.Equal(file.FullName, task.StandardInput);
    }

    [Fact]
    public void ASlotOnlyInStandardInputKeepsTheTaskATemplateAndAScriptBlocksArgumentsStayLiteral()
    {
        // A script block's arguments are text, not templates: with the task kept a template for its slot, their
        // braces must come through the slot's expansion unchanged.
        using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Runspace.DefaultRunspace = runspace;
        try
        {
            var builder = new ProcessTaskBuilder("cat", new[] { "-n" }, ScriptBlock.Create("'{}'; \"a{%}$_\""), "slot {%}");

            ProcessTask task = builder.Next(PSObject.AsPSObject("x"));

            Assert.True(builder.SlotTemplated);
            Assert.True(task.SlotTemplated);
            ProcessTask forSlot = task.ForSlot(2);
            Assert.Equal(new[] { "{}", "a{%}x" }, forSlot.Arguments);
            Assert.Equal("slot 2", forSlot.StandardInput);
        }
        finally
        {
            Runspace.DefaultRunspace = null;
        }
    }

    [Fact]
    public void AnUnpreparedTaskKeepsItsNumberTextAndExecutableAndOtherTasksHaveNoError()
    {
        var builder = new ProcessTaskBuilder("echo", new[] { "{Name}" }, null, null);
        ProcessTask bad = builder.Next(PSObject.AsPSObject("plain"));

        Assert.Equal(1, bad.Seq);
        Assert.Equal("plain", bad.Input);
        Assert.Equal("echo", bad.FilePath);
        Assert.NotNull(bad.PreparationError);
        Assert.False(builder.TryTakePreparationError(bad.Seq + 1, out Exception? error, out string errorId));
        Assert.Null(error);
        Assert.Equal(string.Empty, errorId);
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

    /// <summary>An object whose text is null.</summary>
    private sealed class NullText
    {
        public override string? ToString() => null;
    }
}
