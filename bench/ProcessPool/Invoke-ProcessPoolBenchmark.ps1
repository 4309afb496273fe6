#Requires -Version 7.4
<#
.SYNOPSIS
    The process pool against its peers: Invoke-ProcessPool, xargs -P and GNU parallel on the same
    tasks in alternating rounds, and the pool's peak working set over a very long input.
.DESCRIPTION
    Every round runs the contenders on the same $Tasks tasks of $Command, $Throttle at a time, in a
    rotating order (so none always runs first or last on a machine that others load). Output is captured
    by each: xargs writes into a pipe, GNU parallel groups it through its temporary files, and
    Invoke-ProcessPool reads it into each row. xargs and GNU parallel run under bash with seq feeding
    them; Invoke-ProcessPool runs in this pwsh with the module already imported (a user calls it from a
    running shell). Reported: milliseconds per task for each, and per round the ratios pool/xargs and
    parallel/pool, with their medians.

    Then a fresh pwsh runs $PeakTasks tasks through the pool and reports its peak working set (VmHWM),
    beside the same pwsh after 10 tasks. GNU parallel is optional (Debian: apt-get install -y parallel):
    without it, its goal is not judged.
.EXAMPLE
    pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1
.EXAMPLE
    pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1 -Rounds 3 -PeakTasks 0
.EXAMPLE
    pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 1000000)] [int] $Tasks = 2000,
    [ValidateRange(1, 64)] [int] $Throttle = 2,
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [ValidateNotNullOrEmpty()] [string] $Command = '/bin/true',
    [ValidateRange(0, 10000000)] [int] $PeakTasks = 100000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools
$modulePath = Join-Path (Get-BenchmarkRepositoryRoot) 'out/ConcurrencyTools/ConcurrencyTools.psd1'

# Smoke: every contender and the memory probe, a few tasks each.
if ($Smoke) { $Tasks = 20; $Rounds = 1; $PeakTasks = [math]::Min($PeakTasks, 200) }

foreach ($tool in 'xargs', 'bash', 'seq') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) { throw "$tool is needed." }
}
$hasParallel = [bool](Get-Command parallel -CommandType Application -ErrorAction SilentlyContinue)

function Measure-Shell([string] $Script) { (Invoke-NativeTimed -FilePath bash -ArgumentList '-c', $Script).ElapsedMs }

$contenders = [ordered]@{
    xargs = { Measure-Shell "seq 1 $Tasks | xargs -P $Throttle -n 1 $Command | cat > /dev/null" }
}
if ($hasParallel) {
    $contenders.parallel = { Measure-Shell "seq 1 $Tasks | parallel --will-cite -j $Throttle $Command | cat > /dev/null" }
}
$contenders.pool = {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $measured = 1..$Tasks | Invoke-ProcessPool $Command -ThrottleLimit $Throttle -NoProgress | Measure-Object -Property Succeeded -Sum
    $elapsed = $clock.Elapsed.TotalMilliseconds
    if ($measured.Count -ne $Tasks -or $measured.Sum -ne $Tasks) { throw "Invoke-ProcessPool returned $($measured.Count) rows, $($measured.Sum) succeeded, for $Tasks tasks" }
    $elapsed
}
$names = @($contenders.Keys)
$labels = @{
    xargs    = "xargs -P $Throttle -n 1"
    parallel = "parallel --will-cite -j $Throttle"
    pool     = "Invoke-ProcessPool -ThrottleLimit $Throttle"
}

$clock = Start-BenchmarkClock
# One untimed warm-up of each (JIT, page cache), then the timed rounds.
foreach ($run in $contenders.Values) { $null = & $run }

$runs = for ($round = 1; $round -le $Rounds; $round++) {
    $order = for ($i = 0; $i -lt $names.Count; $i++) { $names[($i + $round - 1) % $names.Count] }
    $ms = @{}
    foreach ($name in $order) {
        Write-Host "round $round/${Rounds}: $($labels[$name]), $Tasks tasks of $Command"
        $ms[$name] = & $contenders[$name]
    }
    [pscustomobject]@{
        Round             = $round
        Order             = $order -join ','
        XargsMsPerTask    = [math]::Round($ms.xargs / $Tasks, 3)
        ParallelMsPerTask = $hasParallel ? [math]::Round($ms.parallel / $Tasks, 3) : $null
        PoolMsPerTask     = [math]::Round($ms.pool / $Tasks, 3)
        PoolOverXargs     = [math]::Round($ms.pool / $ms.xargs, 3)
        ParallelOverPool  = $hasParallel ? [math]::Round($ms.parallel / $ms.pool, 3) : $null
    }
}

# One row per contender: its median per task, and the medians of the per-round ratios to xargs and to the pool.
$rows = foreach ($name in $names) {
    $column = @{ xargs = 'XargsMsPerTask'; parallel = 'ParallelMsPerTask'; pool = 'PoolMsPerTask' }[$name]
    $perTask = [double[]]$runs.$column
    $ofXargs = [double[]]@($runs | ForEach-Object { $_.$column / $_.XargsMsPerTask })
    $ofPool = [double[]]@($runs | ForEach-Object { $_.$column / $_.PoolMsPerTask })
    [pscustomobject]@{
        Contender       = $labels[$name]
        Tasks           = $Tasks
        Rounds          = $Rounds
        MedianMsPerTask = [math]::Round((Get-Median $perTask), 3)
        MinMsPerTask    = [double]($perTask | Measure-Object -Minimum).Minimum
        MaxMsPerTask    = [double]($perTask | Measure-Object -Maximum).Maximum
        OfXargs         = [math]::Round((Get-Median $ofXargs), 3)
        OfPool          = [math]::Round((Get-Median $ofPool), 3)
    }
}

# Peak working set: a fresh pwsh with the module runs N tasks through the pool and prints its own VmHWM.
$pwsh = (Get-Process -Id $PID).Path
function Measure-PoolPeak([int] $Count) {
    Write-Host "peak working set: $Count tasks through the pool in a fresh pwsh"
    $script = "Import-Module '$($modulePath.Replace("'", "''"))'; `$c = [Diagnostics.Stopwatch]::StartNew(); " +
        "`$r = 1..$Count | Invoke-ProcessPool '$($Command.Replace("'", "''"))' -ThrottleLimit $Throttle -NoProgress | Measure-Object -Property Succeeded -Sum; " +
        "'{0} {1} {2} {3}' -f `$r.Count, `$r.Sum, [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64, `$c.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture)"
    $output = (Invoke-NativeTimed -FilePath $pwsh -ArgumentList '-NoLogo', '-NoProfile', '-NonInteractive', '-Command', $script).Output.Trim()
    $count, $succeeded, $bytes, $seconds = $output -split ' '
    if ([int]$count -ne $Count -or [int]$succeeded -ne $Count) { throw "Invoke-ProcessPool returned $count rows, $succeeded succeeded, for $Count tasks: $output" }
    [pscustomobject]@{ Tasks = $Count; Throttle = $Throttle; PeakWorkingSetMB = [math]::Round([long]$bytes / 1MB, 1); Seconds = [math]::Round([double]::Parse($seconds, [cultureinfo]::InvariantCulture), 1) }
}
$memory = if ($PeakTasks -gt 0) { @((Measure-PoolPeak 10), (Measure-PoolPeak $PeakTasks)) } else { @() }
$memory | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'ProcessPool.memory.csv') -UseQuotes AsNeeded
$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'ProcessPool.runs.csv') -UseQuotes AsNeeded

$pool = $rows | Where-Object Contender -Like 'Invoke-ProcessPool*'
$parallelRow = $rows | Where-Object Contender -Like 'parallel*'
$goals = @(
    $goal = "Per-task overhead within 1.25x of xargs -P $Throttle ($Tasks tasks of $Command)"
    $measured = "pool / xargs $(Format-BenchmarkNumber $pool.OfXargs 2) (median of $Rounds round$($Rounds -eq 1 ? '' : 's')); $(Format-BenchmarkNumber $pool.MedianMsPerTask 3) against $(Format-BenchmarkNumber ($rows | Where-Object Contender -Like 'xargs*').MedianMsPerTask 3) ms per task"
    if ($Smoke) { New-BenchmarkGoal -Goal $goal -Measured $measured -Met $null -Reason 'smoke run' } else {
        $met = $pool.OfXargs -le 1.25
        New-BenchmarkGoal -Goal $goal -Measured $measured -Met $met -Reason ($met ? 'children started with posix_spawn from the slot''s thread and reaped with wait4; their pipes read through the runtime''s epoll loop' : "the pool took $(Format-BenchmarkNumber $pool.OfXargs 2)x xargs' time per task in this run")
    }

    $goal = "At least 4x faster than parallel -j $Throttle"
    if (-not $hasParallel) {
        New-BenchmarkGoal -Goal $goal -Measured '' -Met $null -Reason 'GNU parallel is not installed (Debian: apt-get install -y parallel)'
    } else {
        $measured = "parallel / pool $(Format-BenchmarkNumber $parallelRow.OfPool 2) (median of $Rounds round$($Rounds -eq 1 ? '' : 's'))"
        if ($Smoke) { New-BenchmarkGoal -Goal $goal -Measured $measured -Met $null -Reason 'smoke run' } else {
            $met = $parallelRow.OfPool -ge 4
            New-BenchmarkGoal -Goal $goal -Measured $measured -Met $met -Reason ($met ? 'GNU parallel starts a Perl-driven shell per job and groups output through temporary files' : "GNU parallel took only $(Format-BenchmarkNumber $parallelRow.OfPool 2)x the pool's time in this run")
        }
    }

    $goal = 'Peak working set under 300 MB for 100,000 tasks'
    $peak = $memory | Where-Object Tasks -EQ $PeakTasks | Select-Object -Last 1
    if ($Smoke -or $PeakTasks -lt 100000 -or -not $peak) {
        $measured = $peak ? "$(Format-BenchmarkNumber $peak.PeakWorkingSetMB 1) MB at $PeakTasks tasks" : ''
        New-BenchmarkGoal -Goal $goal -Measured $measured -Met $null -Reason ($Smoke ? 'smoke run' : "measured at $PeakTasks tasks, not 100,000")
    } else {
        $base = $memory | Where-Object Tasks -EQ 10
        $measured = "$(Format-BenchmarkNumber $peak.PeakWorkingSetMB 1) MB at $PeakTasks tasks, $(Format-BenchmarkNumber $base.PeakWorkingSetMB 1) MB at 10"
        $met = $peak.PeakWorkingSetMB -lt 300
        New-BenchmarkGoal -Goal $goal -Measured $measured -Met $met -Reason ($met ? 'rows go to the pipeline as they finish and the input queue is bounded, so a long input is paced, not buffered' : 'the pool''s memory grew with the input in this run')
    }
)

$memoryTable = if ($memory) {
    "Peak working set (VmHWM) of a fresh ``pwsh -NoProfile`` that imports the module and pipes N tasks through ``Invoke-ProcessPool -ThrottleLimit $Throttle -NoProgress`` into ``Measure-Object`` (in [``performance/ProcessPool.memory.csv``](performance/ProcessPool.memory.csv)); the 10-task run is the pwsh and module baseline:`n`n" +
        (ConvertTo-MarkdownTable -InputObject @($memory) -Property Tasks, PeakWorkingSetMB, Seconds)
} else { 'Peak working set not measured in this run (-PeakTasks 0).' }

Write-BenchmarkResult -Name ProcessPool -Title 'Process pool: Invoke-ProcessPool against xargs -P and GNU parallel' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1' `
    -Method ("What does one task cost the pool, next to ``xargs -P`` and GNU parallel doing the same thing, and how much memory does the pool need for a very long input? $Tasks tasks of ``$Command``, $Throttle at a time, output captured by each contender: ``xargs -P $Throttle -n 1`` writes into a pipe (``| cat > /dev/null``), ``parallel --will-cite -j $Throttle`` groups output through its temporary files, ``Invoke-ProcessPool -ThrottleLimit $Throttle -NoProgress`` reads each task's stdout and stderr into its row. " +
        'xargs and parallel run under `bash -c` with `seq` feeding them; the pool runs in the benchmark''s pwsh with the module already imported, as a user calls it from a running shell, and its rows are counted and checked for success (a wrong count fails the run). ' +
        "One untimed warm-up of each, then $Rounds round$($Rounds -eq 1 ? '' : 's') in a rotating order (xargs first, then parallel first, then the pool first, ...), so that none always runs first or last on a machine others are loading. " +
        '*MedianMsPerTask* is wall-clock milliseconds per task, median over the rounds; *OfXargs* and *OfPool* are the medians of the per-round ratios of a contender''s time to xargs'' and to the pool''s in the same round. Every round is in [`performance/ProcessPool.runs.csv`](performance/ProcessPool.runs.csv).') `
    -Rows $rows -Table Contender, Tasks, Rounds, MedianMsPerTask, MinMsPerTask, MaxMsPerTask, OfXargs, OfPool `
    -Goals $goals `
    -Notes @(
        $memoryTable,
        'Measured earlier on a quiet machine of this kind: xargs 0.6-0.8 ms and GNU parallel 4-6.6 ms per task. What makes the pool cheap per task: children are started with `posix_spawn` (vfork speed, no copy of pwsh''s page tables) straight from the slot''s thread, reaped with `wait4`, and their pipes are read through the runtime''s epoll loop, so a task costs no blocked thread; rows are handed to the pipeline as they finish, and the input queue holds at most max(64, 4 x slots) tasks, so an endless input is paced instead of buffered, and only `-KeepOrder` holds finished rows back (within a window of 16 per slot, at least 256).'
    )
