using System;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Queues;
using ConcurrencyTools.Engine.Statistics;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>The one list of models: complete, in the default orders the cmdlets had, and true to what each model can be built for.</summary>
public class ModelCatalogTests
{
    [Fact]
    public void EveryModelHasExactlyOneEntry()
    {
        Assert.Equal(
            Enum.GetValues<ConcurrencyModel>().OrderBy(m => m),
            ModelCatalog.Entries.Select(e => e.Model).OrderBy(m => m));
        Assert.All(ModelCatalog.Entries, e => Assert.NotEqual(ModelUses.None, e.Runs));
    }

    [Fact]
    public void EachUseKeepsItsDefaultOrder()
    {
        // The defaults of -Model, and so the order of the rows, with a workload and with -ScriptBlock.
        Assert.Equal(
            new[] { ConcurrencyModel.Sequential, ConcurrencyModel.Threads, ConcurrencyModel.ThreadPool, ConcurrencyModel.EventLoop, ConcurrencyModel.Processes, ConcurrencyModel.GilThreads },
            ModelCatalog.ModelsThatRun(ModelUses.Workloads));
        Assert.Equal(
            new[] { ConcurrencyModel.Sequential, ConcurrencyModel.Runspaces, ConcurrencyModel.ForEachParallel, ConcurrencyModel.ThreadJob, ConcurrencyModel.Jobs, ConcurrencyModel.Processes },
            ModelCatalog.ModelsThatRun(ModelUses.ScriptBlocks));
        Assert.Equal(
            new[] { ConcurrencyModel.EventLoop, ConcurrencyModel.GilThreads, ConcurrencyModel.Threads },
            ModelCatalog.ModelsThatRun(ModelUses.Pipelines).OrderBy(m => m.ToString()));
        Assert.Equal(MeasurementPlan.BuiltInModels, ModelCatalog.ModelsThatRun(ModelUses.Workloads));
        Assert.Equal(ProducerConsumerPlan.SupportedModels, ModelCatalog.ModelsThatRun(ModelUses.Pipelines));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelCatalog.ModelsThatRun(ModelUses.Workloads | ModelUses.Pipelines));
    }

    [Fact]
    public void ScriptBlocksDefaultToTheModelsThatAnswerInSeconds()
    {
        // Jobs and Processes start a pwsh per item or worker (95 s for the README's 8-item sweep), ThreadJob needs
        // a module: by name only.
        Assert.Equal(
            new[] { ConcurrencyModel.Sequential, ConcurrencyModel.Runspaces, ConcurrencyModel.ForEachParallel },
            ModelCatalog.DefaultModels(ModelUses.ScriptBlocks));
        Assert.Equal(ModelCatalog.ModelsThatRun(ModelUses.Workloads), ModelCatalog.DefaultModels(ModelUses.Workloads));
        Assert.Equal(ModelCatalog.ModelsThatRun(ModelUses.Pipelines), ModelCatalog.DefaultModels(ModelUses.Pipelines));
        Assert.All(ModelCatalog.Entries, e => Assert.Equal(e.ByDefault, e.ByDefault & e.Runs));
    }

    [Fact]
    public void AModelRunsAWorkloadExactlyWhenTheCatalogSaysSo()
    {
        foreach (ModelEntry entry in ModelCatalog.Entries)
        {
            if (entry.Runs.HasFlag(ModelUses.Workloads))
            {
                ExecutionModel model = ExecutionModel.Create(entry.Model);
                Assert.Equal(entry.Model, model.Model);
                Assert.True(entry.MaxWorkers > 0, $"{entry.Model} needs a worker limit");
                Assert.Equal(entry.MaxWorkers, MeasurementPlan.MaxWorkersOf(entry.Model));
            }
            else
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => ExecutionModel.Create(entry.Model));
                ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementPlan(new Workloads.WorkloadSpec(Workloads.WorkloadKind.Cpu, 2), new[] { entry.Model }));
                Assert.Equal("Model", refused.ParamName);
            }
        }
    }

    [Fact]
    public void AModelRunsAPipelineExactlyWhenTheCatalogSaysSo()
    {
        foreach (ModelEntry entry in ModelCatalog.Entries)
        {
            if (entry.Runs.HasFlag(ModelUses.Pipelines))
            {
                using PipelineRunner runner = PipelineRunner.Create(entry.Model, 5, CancellationToken.None);
                Assert.NotNull(new ProducerConsumerPlan(models: new[] { entry.Model }));
            }
            else
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => PipelineRunner.Create(entry.Model, 5, CancellationToken.None));
                ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerConsumerPlan(models: new[] { entry.Model }));
                Assert.Equal("Model", refused.ParamName);
            }
        }
    }

    [Fact]
    public void BaselineNamesAreTheCatalogsModelsAndSingleWorker()
    {
        Assert.Equal(ModelCatalog.Entries.Select(e => e.Model.ToString()).Append("SingleWorker"), SpeedupBaseline.Names);
        Assert.All(SpeedupBaseline.Names, name => Assert.Equal(name, SpeedupBaseline.Parse(name.ToLowerInvariant()).ToString()));
    }
}
