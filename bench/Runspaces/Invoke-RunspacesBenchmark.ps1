#Requires -Version 7.4
<#
.SYNOPSIS
    Per-item cost of the Runspaces model against ForEach-Object -Parallel, side by side in one run.
.DESCRIPTION
    Both run an empty script block over the same items with the same throttle, in alternating rounds so
    that a shared machine's drift hits both alike. The Runspaces figure is what Measure-ThreadedWorkload
    reports for the model without its set-up: (ElapsedMs - StartupMs) / items. The ForEach-Object
    -Parallel figure is the cmdlet called directly, as a user would: its wall clock / items (it creates
    its runspaces as it goes, so there is no set-up to take out). Prints the medians and their ratio.
.EXAMPLE
    ./bench/RunspacesPerItem.ps1 -Items 1000 -Rounds 5
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000000)] [int] $Items = 1000,
    [ValidateRange(1, 64)] [int] $Workers = 4,
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/ConcurrencyTools/ConcurrencyTools.psd1')
)

Import-Module $ModulePath -Force
$list = 1..$Items
$runspaces = [System.Collections.Generic.List[double]]::new()
$parallel = [System.Collections.Generic.List[double]]::new()

# One unreported round of each first: module loading and JIT.
$null = $list | Measure-ThreadedWorkload -ScriptBlock {} -Model Runspaces -Workers $Workers -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
$null = $list | ForEach-Object -Parallel {} -ThrottleLimit $Workers

for ($round = 1; $round -le $Rounds; $round++) {
    $row = $list | Measure-ThreadedWorkload -ScriptBlock {} -Model Runspaces -Workers $Workers -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
    if (-not $row.Verified) { throw "Runspaces run not verified: $($row.Error)" }
    $runspaces.Add(($row.ElapsedMs - $row.StartupMs) / $Items)

    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $null = $list | ForEach-Object -Parallel {} -ThrottleLimit $Workers
    $parallel.Add($clock.Elapsed.TotalMilliseconds / $Items)
    Write-Verbose ("round {0}: Runspaces {1:F3} ms/item, ForEach-Object -Parallel {2:F3} ms/item" -f $round, $runspaces[-1], $parallel[-1])
}

function Median([double[]] $values) {
    $sorted = $values | Sort-Object
    if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

$r = Median $runspaces
$p = Median $parallel
[pscustomobject]@{
    Items                      = $Items
    Workers                    = $Workers
    Rounds                     = $Rounds
    RunspacesMsPerItem         = [math]::Round($r, 4)
    ForEachParallelMsPerItem   = [math]::Round($p, 4)
    Ratio                      = [math]::Round($p / $r, 2)
    RunspacesRoundsMsPerItem   = ($runspaces | ForEach-Object { $_.ToString('F3', [cultureinfo]::InvariantCulture) }) -join ' '
    ForEachParallelRoundsMsPerItem = ($parallel | ForEach-Object { $_.ToString('F3', [cultureinfo]::InvariantCulture) }) -join ' '
}
