#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite against the built module in out/ConcurrencyTools and prints a summary.
.PARAMETER CountsPath
    Optional file that receives "passed failed skipped" for a calling script.
#>
[CmdletBinding()]
param(
    [string] $CountsPath
)

$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration

$skipped = $result.SkippedCount + $result.NotRunCount
if ($CountsPath) {
    "$($result.PassedCount) $($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) $skipped" |
        Set-Content -LiteralPath $CountsPath
}

"pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $skipped skipped"
exit ([int]($result.Result -ne 'Passed'))
