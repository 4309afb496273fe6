using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>Tests that read this process's resident memory or count its full collections: they run alone, so no test beside them moves either.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "Process memory (reads the resident size and the full collections)";
}

/// <summary>The environment block built once per run for children: its contents, and that its native memory is reported and freed.</summary>
[Collection(ProcessMemoryCollection.Name)]
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

    [Fact]
    public void AnEnvironmentNoLongerReferencedFreesItsBlock()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Each environment holds a variable of 4 MB, whose block the build writes: 50 of them built and dropped in turn
        // would keep 200 MB of this process resident if the finalizer did not free their blocks.
        var changes = new Dictionary<string, string?> { ["CT_BLOCK_LARGE"] = new string('x', 4 << 20) };
        BuildAndDrop(changes);
        Collect();
        long before = ResidentBytes();
        for (int i = 0; i < 50; i++)
        {
            BuildAndDrop(changes);
            Collect();
        }

        long grown = ResidentBytes() - before;
        Assert.True(grown < 100 << 20, $"this process grew by {grown >> 20} MB");
    }

    [Fact]
    public void EnvironmentsBuiltAndDroppedBringOnAFullCollectionByTheirNativeSizeAlone()
    {
        // An environment is a small object holding a large native block: its size is reported to the GC, so building
        // large ones brings on a full collection (which lets their finalizers free the blocks) with next to no managed
        // allocation. Without the report, 250 of them (1 GB) would wait for whatever collection came next.
        var changes = new Dictionary<string, string?> { ["CT_BLOCK_LARGE"] = new string('x', 4 << 20) };
        Collect();
        int fullCollections = GC.CollectionCount(2);
        for (int i = 0; i < 250 && GC.CollectionCount(2) == fullCollections; i++)
        {
            BuildAndDrop(changes);
        }

        Assert.True(GC.CollectionCount(2) > fullCollections, "250 environments of 4 MB brought on no full collection");
        Collect();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BuildAndDrop(Dictionary<string, string?> changes) =>
        Assert.NotEqual(IntPtr.Zero, ChildEnvironment.Build(changes).Block);

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static long ResidentBytes() =>
        ProcSelf.Status("VmRSS") * 1024;
}
