using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

public class ChildEnvironmentTests
{
    [Fact]
    public void TheBlockHoldsThisProcesssEnvironmentWithTheChangesInUtf8()
    {
        var changes = new Dictionary<string, string?> { ["CT_BLOCK_ADDED"] = "välue ✓", ["PATH"] = "/nowhere:/bin", ["HOME"] = null };
        ChildEnvironment environment = ChildEnvironment.Build(changes);

        var seen = new List<string>();
        for (int i = 0; Marshal.ReadIntPtr(environment.Block, i * IntPtr.Size) is var entry && entry != IntPtr.Zero; i++)
        {
            seen.Add(Marshal.PtrToStringUTF8(entry)!);
        }

        Assert.Contains("CT_BLOCK_ADDED=välue ✓", seen);
        Assert.Contains("PATH=/nowhere:/bin", seen);
        Assert.DoesNotContain(seen, entry => entry.StartsWith("HOME=", StringComparison.Ordinal));
        Assert.Equal("/nowhere:/bin", environment.Path);
        Assert.Equal(ChildProcess.MergeEnvironment(changes).Count, seen.Count);
        GC.KeepAlive(environment);
    }
}
