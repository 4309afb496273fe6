#Requires -Version 7.4
<#
.SYNOPSIS
    PowerShell's own primitives: the per-item cost of the Runspaces model against ForEach-Object
    -Parallel, Start-ThreadJob and Start-Job on an empty script block, side by side in one run.
.DESCRIPTION
    Every round runs each contender once over its items with the same throttle, in a rotating order so
    that a shared machine's drift hits all alike. The Runspaces figure is what Measure-ThreadedWorkload
    reports for the model, with its set-up (opening the runspace pool) taken out, (ElapsedMs - StartupMs)
    / items, and also whole; the others are the cmdlets called directly, as a user would, timed from the
    first call until every job is received and removed, per item. Start-ThreadJob and Start-Job cost far
    more per item, so they run fewer items (-ThreadJobItems, -JobItems); Start-Job starts a pwsh per job
    and has no throttle of its own, so its jobs are started in batches of -Workers.
.EXAMPLE
    pwsh ./bench/Runspaces/Invoke-RunspacesBenchmark.ps1
.EXAMPLE
    pwsh ./bench/Runspaces/Invoke-RunspacesBenchmark.ps1 -Items 1000 -Rounds 5 -JobItems 4
.EXAMPLE
    pwsh ./bench/Runspaces/Invoke-RunspacesBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 1000000)] [int] $Items = 1000,
    [ValidateRange(1, 100000)] [int] $ThreadJobItems = 200,
    [ValidateRange(1, 1000)] [int] $JobItems = 8,
    [ValidateRange(1, 64)] [int] $Workers = 4,
    [ValidateRange(1, 100)] [int] $Rounds = 5
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools

# Smoke: every contender once, a few items each (one Start-Job alone costs a pwsh start-up).
if ($Smoke) { $Items = 20; $ThreadJobItems = 8; $JobItems = 1; $Rounds = 1 }
$hasThreadJob = [bool](Get-Command Start-ThreadJob -ErrorAction SilentlyContinue)

# Each contender runs its items and returns the wall time and the set-up inside it (0 where there is
# none to take out); a run that did not do its work throws.
function Receive-BenchmarkJob([object[]] $Jobs, [string] $Name) {
    $null = $Jobs | Wait-Job | Receive-Job
    $failed = @($Jobs | Where-Object State -NE 'Completed')
    $Jobs | Remove-Job -Force
    if ($failed) { throw "$Name`: $($failed.Count) of $($Jobs.Count) jobs ended $($failed[0].State)" }
}

$contenders = [ordered]@{
    Runspaces = @{
        Label = "Runspaces model, $Workers workers (set-up taken out)"; Items = $Items
        Run   = {
            param([int] $Count)
            $row = 1..$Count | Measure-ThreadedWorkload -ScriptBlock {} -Model Runspaces -Workers $Workers -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
            if (-not $row.Verified -or $row.ErrorCount) { throw "Runspaces run not verified: $($row.Error) ($($row.ErrorCount) errors)" }
            @{ ElapsedMs = $row.ElapsedMs; SetupMs = $row.StartupMs }
        }
    }
    ForEachParallel = @{
        Label = "ForEach-Object -Parallel -ThrottleLimit $Workers"; Items = $Items
        Run   = {
            param([int] $Count)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = 1..$Count | ForEach-Object -Parallel {} -ThrottleLimit $Workers
            @{ ElapsedMs = $clock.Elapsed.TotalMilliseconds; SetupMs = 0 }
        }
    }
}
if ($hasThreadJob) {
    $contenders.ThreadJob = @{
        Label = "Start-ThreadJob -ThrottleLimit $Workers"; Items = $ThreadJobItems
        Run   = {
            param([int] $Count)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $jobs = foreach ($item in 1..$Count) { Start-ThreadJob -ScriptBlock {} -ArgumentList $item -ThrottleLimit $Workers }
            Receive-BenchmarkJob $jobs 'Start-ThreadJob'
            @{ ElapsedMs = $clock.Elapsed.TotalMilliseconds; SetupMs = 0 }
        }
    }
}
$contenders.Jobs = @{
    Label = "Start-Job, $Workers at a time"; Items = $JobItems
    Run   = {
        param([int] $Count)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        for ($first = 1; $first -le $Count; $first += $Workers) {
            $jobs = foreach ($item in $first..[math]::Min($Count, $first + $Workers - 1)) { Start-Job -ScriptBlock {} -ArgumentList $item }
            Receive-BenchmarkJob $jobs 'Start-Job'
        }
        @{ ElapsedMs = $clock.Elapsed.TotalMilliseconds; SetupMs = 0 }
    }
}
$names = @($contenders.Keys)

$clock = Start-BenchmarkClock
# One unreported small run of each first: module loading and JIT (a job's first start loads its host).
foreach ($name in $names) {
    if (-not ($Smoke -and $name -eq 'Jobs')) { $null = & $contenders[$name].Run ([math]::Min(4, $contenders[$name].Items)) }
}

$runs = for ($round = 1; $round -le $Rounds; $round++) {
    $order = for ($i = 0; $i -lt $names.Count; $i++) { $names[($i + $round - 1) % $names.Count] }
    foreach ($name in $order) {
        $contender = $contenders[$name]
        Write-Host "round $round/${Rounds}: $($contender.Label), $($contender.Items) items"
        $measured = & $contender.Run $contender.Items
        [pscustomobject]@{
            Round          = $round
            Contender      = $name
            Items          = $contender.Items
            ElapsedMs      = [math]::Round($measured.ElapsedMs, 2)
            SetupMs        = [math]::Round($measured.SetupMs, 2)
            MsPerItem      = [math]::Round(($measured.ElapsedMs - $measured.SetupMs) / $contender.Items, 4)
            WholeMsPerItem = [math]::Round($measured.ElapsedMs / $contender.Items, 4)
        }
    }
}

# One row per contender (and the Runspaces model once more with its set-up left in); OfRunspaces is
# the median of the per-round ratios to the Runspaces model's own per-item cost in the same round.
$perRound = @{}
foreach ($run in $runs | Where-Object Contender -EQ Runspaces) { $perRound[$run.Round] = $run.MsPerItem }
function New-ContenderRow([string] $Name, [string] $Label, [string] $Column) {
    $group = @($runs | Where-Object Contender -EQ $Name)
    $values = [double[]]$group.$Column
    $ratios = [double[]]@($group | ForEach-Object { $_.$Column / $perRound[$_.Round] })
    [pscustomobject]@{
        Contender       = $Label
        Items           = $group[0].Items
        Workers         = $Workers
        Rounds          = $group.Count
        MedianMsPerItem = [math]::Round((Get-Median $values), 4)
        MinMsPerItem    = [double]($values | Measure-Object -Minimum).Minimum
        MaxMsPerItem    = [double]($values | Measure-Object -Maximum).Maximum
        MedianSetupMs   = [math]::Round((Get-Median ([double[]]$group.SetupMs)), 1)
        OfRunspaces     = [math]::Round((Get-Median $ratios), 2)
    }
}
$rows = @(
    New-ContenderRow Runspaces $contenders.Runspaces.Label MsPerItem
    New-ContenderRow Runspaces "Runspaces model, $Workers workers (whole run, set-up included)" WholeMsPerItem
    foreach ($name in $names | Where-Object { $_ -ne 'Runspaces' }) { New-ContenderRow $name $contenders[$name].Label MsPerItem }
)
$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Runspaces.runs.csv') -UseQuotes AsNeeded

$own = $rows[0]
$parallel = $rows | Where-Object Contender -Like 'ForEach-Object*'
$goals = @(
    $goal = "The Runspaces model's own cost per item (empty script block, $Items items) under 1 ms"
    $measured = "median $(Format-BenchmarkNumber $own.MedianMsPerItem 3) ms per item ($Rounds round$($Rounds -eq 1 ? '' : 's'))"
    if ($Smoke) { New-BenchmarkGoal -Goal $goal -Measured $measured -Met $null -Reason 'smoke run' } else {
        $met = $own.MedianMsPerItem -lt 1
        New-BenchmarkGoal -Goal $goal -Measured $measured -Met $met -Reason ($met ? 'the pool''s runspaces are opened once, before the first item, and each item is one invocation on one of them' : "$(Format-BenchmarkNumber $own.MedianMsPerItem 2) ms per item in this run")
    }

    $goal = 'At least 5x cheaper per item than ForEach-Object -Parallel, same run'
    $measured = "ForEach-Object -Parallel / Runspaces $(Format-BenchmarkNumber $parallel.OfRunspaces 2) (median of the per-round ratios)"
    if ($Smoke) { New-BenchmarkGoal -Goal $goal -Measured $measured -Met $null -Reason 'smoke run' } else {
        $met = $parallel.OfRunspaces -ge 5
        New-BenchmarkGoal -Goal $goal -Measured $measured -Met $met -Reason ($met ? 'ForEach-Object -Parallel sets up a runspace (or resets a reused one) and copies $using: state for every item' : "ForEach-Object -Parallel cost only $(Format-BenchmarkNumber $parallel.OfRunspaces 2)x per item in this run")
    }
)

Write-BenchmarkResult -Name Runspaces -Title "PowerShell's primitives: Runspaces against ForEach-Object -Parallel, Start-ThreadJob and Start-Job" -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/Runspaces/Invoke-RunspacesBenchmark.ps1' `
    -Method ("An empty script block over each contender's items, $Workers at a time, $Rounds round$($Rounds -eq 1 ? '' : 's') in a rotating order in one pwsh after one unreported small run of each (every run in [``performance/Runspaces.runs.csv``](performance/Runspaces.runs.csv)). " +
        "The Runspaces model is ``Measure-ThreadedWorkload -ScriptBlock {} -Model Runspaces -Workers $Workers -Repeat 1 -Warmup 0 -NoOverhead`` over $Items items: its per-item cost is (ElapsedMs - StartupMs) / items, the set-up (opening the runspace pool) taken out, and is shown whole as well. " +
        "The others are the cmdlets called directly, timed from the first call until every job is received and removed: ``ForEach-Object -Parallel {} -ThrottleLimit $Workers`` over $Items items, " +
        ($hasThreadJob ? "``Start-ThreadJob {} -ThrottleLimit $Workers`` over $ThreadJobItems items, " : '(Start-ThreadJob is not installed: not measured) ') +
        "``Start-Job {}`` over $JobItems items in batches of $Workers (it has no throttle and starts a pwsh per job). " +
        '*OfRunspaces* is the median of the per-round ratios of a contender''s per-item cost to the Runspaces model''s own in the same round.') `
    -Rows $rows -Table Contender, Items, Rounds, MedianMsPerItem, MinMsPerItem, MaxMsPerItem, MedianSetupMs, OfRunspaces `
    -Goals $goals `
    -Notes @(
        'The Runspaces model is not in the in-process dispatch figures (BenchmarkDotNet): it needs a PowerShell host, which the benchmark process does not load. Its per-item cost here, from the cmdlet, is the comparable figure: it includes PowerShell''s invocation of the script block on a pooled runspace, which is what the model adds per item.'
    )
