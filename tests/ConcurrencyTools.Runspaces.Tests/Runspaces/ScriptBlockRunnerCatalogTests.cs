using System;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Runspaces;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The catalog's script-block models are exactly the ones a script-block runner can be built for.</summary>
public class ScriptBlockRunnerCatalogTests
{
    [Fact]
    public void AModelRunsAScriptBlockExactlyWhenTheCatalogSaysSo()
    {
        foreach (ModelEntry entry in ModelCatalog.Entries)
        {
            if (entry.Runs.HasFlag(ModelUses.ScriptBlocks))
            {
                using ScriptBlockRunner runner = ScriptBlockRunner.Create(entry.Model);
                Assert.Equal(entry.Model, runner.Model);
            }
            else
            {
                ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => ScriptBlockRunner.Create(entry.Model));
                Assert.Contains("Runspaces, ForEachParallel", refused.Message);
            }
        }
    }
}
