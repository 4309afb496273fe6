#Requires -Version 7.4
<#
.SYNOPSIS
    Races Invoke-ProcessPool against xargs -P and GNU parallel on the same tasks, in alternating rounds,
    and optionally measures the pool's peak working set over a very long input.
.DESCRIPTION
    Every round runs the three contenders on the same $Tasks tasks of $Command, $Throttle at a time, in a
    rotating order (so none always runs first or last on a machine that others load). Output is captured
    by each: xargs writes into a pipe, GNU parallel groups it through its temporary files, and
    Invoke-ProcessPool reads it into each row. xargs and GNU parallel run under bash with seq feeding
    them; Invoke-ProcessPool runs in this pwsh with the module already imported (a user calls it from a
    running shell). Reported: milliseconds per task for each, and per round the ratios pool/xargs and
    parallel/pool, with their medians.

    With -PeakTasks N, a fresh pwsh then runs N tasks through the pool and reports its peak working set
    (VmHWM), beside the same pwsh after 10 tasks.
.EXAMPLE
    pwsh bench/process-pool/Compare-ProcessPool.ps1 -Rounds 5
.EXAMPLE
    pwsh bench/process-pool/Compare-ProcessPool.ps1 -Rounds 1 -PeakTasks 100000
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000000)] [int] $Tasks = 2000,
    [ValidateRange(1, 64)] [int] $Throttle = 2,
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [string] $Command = '/bin/true',
    [ValidateRange(0, 10000000)] [int] $PeakTasks = 0,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/ConcurrencyTools/ConcurrencyTools.psd1')
)

$ErrorActionPreference = 'Stop'
foreach ($tool in 'xargs', 'parallel', 'bash', 'seq') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) {
        throw "$tool is needed (Debian: apt-get install -y parallel)."
    }
}
Import-Module $ModulePath -Force

function Measure-Shell([string] $Script) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & bash -c $Script
    if ($LASTEXITCODE -ne 0) { throw "bash -c '$Script' exited with $LASTEXITCODE" }
    $clock.Elapsed.TotalMilliseconds
}

$contenders = [ordered]@{
    xargs    = { Measure-Shell "seq 1 $Tasks | xargs -P $Throttle -n 1 $Command | cat > /dev/null" }
    parallel = { Measure-Shell "seq 1 $Tasks | parallel --will-cite -j $Throttle $Command | cat > /dev/null" }
    pool     = {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $rows = 1..$Tasks | Invoke-ProcessPool $Command -ThrottleLimit $Throttle -NoProgress | Measure-Object
        $elapsed = $clock.Elapsed.TotalMilliseconds
        if ($rows.Count -ne $Tasks) { throw "Invoke-ProcessPool returned $($rows.Count) rows for $Tasks tasks" }
        $elapsed
    }
}

# One untimed warm-up of each (JIT, page cache), then the timed rounds.
foreach ($run in $contenders.Values) { $null = & $run }

$names = @($contenders.Keys)
$results = for ($round = 1; $round -le $Rounds; $round++) {
    $order = for ($i = 0; $i -lt $names.Count; $i++) { $names[($i + $round - 1) % $names.Count] }
    $ms = @{}
    foreach ($name in $order) { $ms[$name] = & $contenders[$name] }
    [pscustomobject]@{
        Round            = $round
        Order            = $order -join ','
        XargsMsPerTask    = [math]::Round($ms.xargs / $Tasks, 3)
        ParallelMsPerTask = [math]::Round($ms.parallel / $Tasks, 3)
        PoolMsPerTask     = [math]::Round($ms.pool / $Tasks, 3)
        PoolOverXargs     = [math]::Round($ms.pool / $ms.xargs, 2)
        ParallelOverPool  = [math]::Round($ms.parallel / $ms.pool, 2)
    }
}
$results | Format-Table -AutoSize | Out-String | Write-Host

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

$summary = [pscustomobject]@{
    Tasks                   = $Tasks
    Throttle                = $Throttle
    Rounds                  = $Rounds
    MedianXargsMsPerTask    = Get-Median $results.XargsMsPerTask
    MedianParallelMsPerTask = Get-Median $results.ParallelMsPerTask
    MedianPoolMsPerTask     = Get-Median $results.PoolMsPerTask
    MedianPoolOverXargs     = Get-Median $results.PoolOverXargs
    MedianParallelOverPool  = Get-Median $results.ParallelOverPool
}
$summary | Format-List | Out-String | Write-Host

if ($PeakTasks -gt 0) {
    $pwsh = (Get-Process -Id $PID).Path
    $peak = {
        param($n)
        $script = "Import-Module '$ModulePath'; `$c = [Diagnostics.Stopwatch]::StartNew(); " +
            "`$r = 1..$n | Invoke-ProcessPool '$Command' -ThrottleLimit $Throttle -NoProgress | Measure-Object; " +
            "'{0} {1} {2}' -f `$r.Count, [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64, `$c.Elapsed.TotalSeconds"
        $count, $bytes, $seconds = (& $pwsh -NoLogo -NoProfile -NonInteractive -Command $script) -split ' '
        if ([int]$count -ne $n) { throw "Invoke-ProcessPool returned $count rows for $n tasks" }
        [pscustomobject]@{ Tasks = $n; PeakWorkingSetMB = [math]::Round([long]$bytes / 1MB, 1); Seconds = [math]::Round([double]$seconds, 1) }
    }
    $memory = @((& $peak 10), (& $peak $PeakTasks))
    $memory | Format-Table -AutoSize | Out-String | Write-Host
    $summary | Add-Member -NotePropertyName PeakWorkingSetMB -NotePropertyValue $memory[1].PeakWorkingSetMB
    $summary | Add-Member -NotePropertyName PeakWorkingSetMBAt10Tasks -NotePropertyValue $memory[0].PeakWorkingSetMB
}

$summary
