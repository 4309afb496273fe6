using System.Collections;
using System.Management.Automation;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Remoting;
using ConcurrencyTools.Engine.Workloads;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>What Measure-ThreadedWorkload -Session sends to a host and how it reads what comes back.</summary>
public sealed class RemoteMeasurementTests
{
    [Fact]
    public void TheResolvedPlanTravelsAndOnlyGivenModelsWorkersAndIterations()
    {
        var plan = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Mixed, 6, 1234, 7, 0.25, 20), null, null, 2, 0, 5, measureOverhead: false);

        Hashtable sent = RemoteMeasurement.Parameters(plan, null, null, iterationsGiven: false, verbose: false);

        Assert.Equal("Mixed", sent["Workload"]);
        Assert.Equal(6, sent["Tasks"]);
        Assert.Equal(0.25, sent["CpuFraction"]);
        Assert.Equal(20, sent["Depth"]);
        Assert.Equal(7, sent["DurationMs"]);
        Assert.Equal(5.0, sent["SwitchIntervalMs"]);
        Assert.Equal(2, sent["Repeat"]);
        Assert.Equal(0, sent["Warmup"]);
        Assert.Equal(true, sent["NoOverhead"]);
        Assert.Equal(true, sent["NoProgress"]);
        Assert.False(sent.ContainsKey("Model") || sent.ContainsKey("Workers") || sent.ContainsKey("Iterations") || sent.ContainsKey("Verbose"));

        sent = RemoteMeasurement.Parameters(plan, new[] { ConcurrencyModel.Threads }, new[] { 3 }, iterationsGiven: true, verbose: true);

        Assert.Equal(new[] { "Threads" }, sent["Model"]);
        Assert.Equal(new[] { 3 }, sent["Workers"]);
        Assert.Equal(1234L, sent["Iterations"]);
        Assert.Equal(true, sent["Verbose"]);

        // Measuring the overhead is each host's default: only leaving it out travels.
        var measured = new MeasurementPlan(new WorkloadSpec(WorkloadKind.Mixed, 6, 1234, 7, 0.25, 20), null, null, 2, 0, 5, measureOverhead: true);
        Assert.False(RemoteMeasurement.Parameters(measured, null, null, iterationsGiven: false, verbose: false).ContainsKey("NoOverhead"));
    }

    [Fact]
    public void WarningAndVerboseRecordsAreToldApartLiveAndDeserialized()
    {
        var live = PSObject.AsPSObject(new WarningRecord("careful"));
        var deserialized = new PSObject();
        deserialized.TypeNames.Insert(0, "Deserialized.System.Management.Automation.VerboseRecord");
        deserialized.Properties.Add(new PSNoteProperty("InformationalRecord_Message", "detail"));

        Assert.True(RemoteMeasurement.IsRecordOf(live, "WarningRecord"));
        Assert.False(RemoteMeasurement.IsRecordOf(live, "VerboseRecord"));
        Assert.True(RemoteMeasurement.IsRecordOf(deserialized, "VerboseRecord"));
        Assert.False(RemoteMeasurement.IsRecordOf(PSObject.AsPSObject("a row"), "WarningRecord"));
        Assert.Equal("careful", RemoteMeasurement.RecordMessage(live));
        Assert.Equal("detail", RemoteMeasurement.RecordMessage(deserialized));
    }
}
