using System;
using System.Linq;
using ConcurrencyTools.Engine.ProcessPool;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>GNU parallel's replacement strings, checked against what GNU parallel 20221122 prints for the same inputs.</summary>
public class ArgumentTemplateTests
{
    private static string? NoProperty(string name) => null;

    [Theory]
    [InlineData("a/b/c.tar.gz", "a/b/c.tar", "c.tar.gz", "a/b", "c.tar")]
    [InlineData("foo", "foo", "foo", ".", "foo")]
    [InlineData(".bashrc", "", ".bashrc", ".", "")]
    [InlineData("/x.y/z", "/x.y/z", "z", "/x.y", "z")]
    [InlineData("./d.e/", "./d.e/", "", ".", "")]
    [InlineData("dir.d/file", "dir.d/file", "file", "dir.d", "file")]
    [InlineData("/top", "/top", "top", "/", "top")]
    [InlineData("a/.hidden", "a/", ".hidden", "a", "")]
    [InlineData("x/y.", "x/y", "y.", "x", "y")]
    [InlineData("a//b", "a//b", "b", "a", "b")]
    [InlineData("/", "/", "", "/", "")]
    [InlineData("", "", "", ".", "")]
    public void PathPlaceholdersAreGnuParallels(string item, string withoutExtension, string baseName, string directory, string baseNameWithoutExtension)
    {
        Assert.Equal(withoutExtension, ArgumentTemplate.Expand("{.}", item, 1, NoProperty));
        Assert.Equal(baseName, ArgumentTemplate.Expand("{/}", item, 1, NoProperty));
        Assert.Equal(directory, ArgumentTemplate.Expand("{//}", item, 1, NoProperty));
        Assert.Equal(baseNameWithoutExtension, ArgumentTemplate.Expand("{/.}", item, 1, NoProperty));
        Assert.Equal(item, ArgumentTemplate.Expand("{}", item, 1, NoProperty));
    }

    [Fact]
    public void PlaceholdersMixWithTextAndEscapes()
    {
        Assert.Equal("convert /in/p.png /out/p.jpg #3", ArgumentTemplate.Expand("convert {} /out/{/.}.jpg #{#}", "/in/p.png", 3, NoProperty));
        Assert.Equal("{/} {.} p", ArgumentTemplate.Expand("{{/}} {{.}} {/.}", "p.png", 1, NoProperty));
        Assert.Equal("{%}", ArgumentTemplate.Expand("{{%}}", "x", 1, NoProperty));
        Assert.True(ArgumentTemplate.HasPlaceholder("{/.}"));
        Assert.True(ArgumentTemplate.HasPlaceholder("{%}"));
        Assert.False(ArgumentTemplate.HasPlaceholder("{{%}}"));
    }

    [Fact]
    public void TheSlotIsFilledInWhenASlotTakesTheTask()
    {
        Assert.True(ArgumentTemplate.HasSlot("--gpu={%}"));
        Assert.False(ArgumentTemplate.HasSlot("{{%}} {}"));
        Assert.False(ArgumentTemplate.HasSlot("{Name}"));

        // Braces of the item and escaped ones survive both steps; only the real {%} becomes the slot.
        string kept = ArgumentTemplate.Expand("{} {%} {{%}} {/}", "dir/a{%}b", 7, NoProperty, keepSlot: true);
        Assert.Equal("dir/a{%}b 3 {%} a{%}b", ArgumentTemplate.ExpandSlot(kept, 3));
        Assert.Equal("plain {x}", ArgumentTemplate.ExpandSlot(ArgumentTemplate.Escape("plain {x}"), 3));
        Assert.Throws<ArgumentException>(() => ArgumentTemplate.Expand("{%}", "x", 1, NoProperty));
    }

    [Fact]
    public void ATaskTakesTheNumberOfTheSlotThatRunsIt()
    {
        var task = new ProcessTask(4, "a", "echo", new[] { "slot{%}", ArgumentTemplate.Escape("{lit}") }, "in {%}") { SlotTemplated = true };
        ProcessTask run = task.ForSlot(2);
        Assert.Equal(new[] { "slot2", "{lit}" }, run.Arguments.ToArray());
        Assert.Equal("in 2", run.StandardInput);
        Assert.Equal("echo 'slot{%}' '{lit}'", task.PlannedCommandLine);

        var plain = new ProcessTask(1, "a", "echo", new[] { "{{x}}" });
        Assert.Same(plain, plain.ForSlot(2));
    }
}
