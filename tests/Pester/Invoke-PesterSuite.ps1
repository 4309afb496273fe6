#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite against the built module in out/ConcurrencyTools and prints a summary.
.PARAMETER CountsPath
    Optional file that receives "passed failed skipped" for a calling script.
.PARAMETER FailuresPath
    Optional file that receives a line for each failed test, block or file, with the first line of its
    error, so a calling script can repeat them after the whole run.
#>
[CmdletBinding()]
param(
    [string] $CountsPath,
    [string] $FailuresPath
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

if ($FailuresPath) {
    # A test in a block whose setup failed has no error of its own: its block's line says why.
    $firstLine = { param($errors) if (@($errors).Count) { (@($errors)[0].ToString() -split "`r?`n")[0] } else { 'its block failed' } }
    $lines = @(
        foreach ($test in $result.Failed) { "Pester: $($test.ExpandedPath): $(& $firstLine $test.ErrorRecord)" }
        foreach ($block in $result.FailedBlocks) { "Pester block: $($block.ExpandedPath): $(& $firstLine $block.ErrorRecord)" }
        foreach ($container in $result.FailedContainers) { "Pester file: $($container.Item): $(& $firstLine $container.ErrorRecord)" }
    )
    Set-Content -LiteralPath $FailuresPath -Value $lines
}

"pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $skipped skipped"
exit ([int]($result.Result -ne 'Passed'))
