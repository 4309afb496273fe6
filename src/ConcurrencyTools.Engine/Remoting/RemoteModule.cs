using System.Management.Automation;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// The check that a remote host has this module's version, shared by every cmdlet that runs it there. A missing
/// module is reported as a marker object rather than thrown, so the local side can name the host and say how to
/// fix it without parsing a remote exception's text.
/// </summary>
public static class RemoteModule
{
    /// <summary>Script text that imports ConcurrencyTools of version <c>$Version</c>, or outputs the marker and returns.</summary>
    public const string ImportScript = """
        $module = Get-Module -ListAvailable -Name ConcurrencyTools | Where-Object { $_.Version -eq [version] $Version } | Select-Object -First 1
        if (-not $module) {
            $found = @(Get-Module -ListAvailable -Name ConcurrencyTools | ForEach-Object { "$($_.Version)" }) -join ', '
            $path = ($env:PSModulePath -split [System.IO.Path]::PathSeparator)[0]
            [pscustomobject] @{ ConcurrencyToolsMissing = $true; Found = $found; ModulePath = $path }
            return
        }
        Import-Module $module -ErrorAction Stop
        """;

    /// <summary>Whether <paramref name="output"/> is the marker of a missing module.</summary>
    public static bool IsMissingMarker(PSObject output) => output.Properties["ConcurrencyToolsMissing"] is not null;

    /// <summary>What to tell the user when the marker came back: the host, what it has, and how to install the module there.</summary>
    public static string MissingMessage(PSObject marker, string host, string version, string? moduleBase)
    {
        string found = marker.Properties["Found"]?.Value as string is { Length: > 0 } versions ? $"it has {versions}" : "it has none";
        return $"ConcurrencyTools {version} is not installed on {host} ({found}). Install it there, for example: " +
            $"Copy-Item -ToSession $session -Recurse -Path '{moduleBase}' -Destination '{marker.Properties["ModulePath"]?.Value}/ConcurrencyTools/{version}'";
    }
}
