using System.Management.Automation;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The marker a host without this module's version sends back, and what the user is told about it.</summary>
public sealed class RemoteModuleTests
{
    private static PSObject Marker(string found)
    {
        var marker = new PSObject();
        marker.Properties.Add(new PSNoteProperty("ConcurrencyToolsMissing", true));
        marker.Properties.Add(new PSNoteProperty("Found", found));
        marker.Properties.Add(new PSNoteProperty("ModulePath", "/home/u/.local/share/powershell/Modules"));
        return marker;
    }

    [Fact]
    public void OnlyTheMarkerIsTheMarker()
    {
        Assert.True(RemoteModule.IsMissingMarker(Marker("")));
        var output = new PSObject();
        output.Properties.Add(new PSNoteProperty("Found", "0.1.0"));
        Assert.False(RemoteModule.IsMissingMarker(output));
        Assert.False(RemoteModule.IsMissingMarker(PSObject.AsPSObject(42)));
    }

    [Fact]
    public void TheMessageNamesTheHostWhatItHasAndTheCopyCommand()
    {
        Assert.Equal(
            "ConcurrencyTools 0.2.0 is not installed on web1 (it has 0.1.0, 0.1.5). Install it there, for example: " +
            "Copy-Item -ToSession $session -Recurse -Path '/opt/ct/0.2.0' -Destination '/home/u/.local/share/powershell/Modules/ConcurrencyTools/0.2.0'",
            RemoteModule.MissingMessage(Marker("0.1.0, 0.1.5"), "web1", "0.2.0", "/opt/ct/0.2.0"));
        Assert.Contains("on web1 (it has none).", RemoteModule.MissingMessage(Marker(""), "web1", "0.2.0", "/opt/ct/0.2.0"));
    }
}
