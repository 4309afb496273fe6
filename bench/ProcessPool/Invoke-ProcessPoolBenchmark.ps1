#Requires -Version 7.4
<#
.SYNOPSIS
    The process pool against its peers: Invoke-ProcessPool, xargs -P and GNU parallel on the same
    tasks in alternating rounds, on empty tasks and on a real job, with pwsh's own CPU per task, and the
    pool's peak working set over a very long input.
.DESCRIPTION
    Every round runs the contenders on two jobs, $Throttle at a time, in a rotating order (so none always
    runs first or last on a machine that others load): $Tasks tasks of $Command (the per-task cost of the
    pool itself), and a real job, compressing $RealFiles files of 400 KB with `gzip -k -f` (files the
    benchmark writes into a temporary directory that it deletes at the end). Output is captured by each:
    xargs writes into a pipe, GNU parallel groups it through its temporary files, and Invoke-ProcessPool
    reads it into each row. xargs and GNU parallel run under bash; Invoke-ProcessPool runs in this pwsh with
    the module already imported (a user calls it from a running shell). Reported: milliseconds per task for
    each, per round the ratios pool/xargs and parallel/pool with their medians, and for the pool the CPU
    time this pwsh spent per task (its own user+system time, which never includes its children's), beside
    how many methods the runtime compiled meanwhile.

    Then a fresh pwsh runs $PeakTasks tasks through the pool and reports its peak working set (VmHWM),
    beside the same pwsh after 10 tasks. GNU parallel is optional (Debian: apt-get install -y parallel):
    without it, its goal is not judged.
.EXAMPLE
    pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1
.EXAMPLE
    pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1 -Rounds 3 -PeakTasks 0 -RealFiles 0
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
    [ValidateRange(0, 100000)] [int] $RealFiles = 200,
    [ValidateRange(0, 10000000)] [int] $PeakTasks = 100000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools
$modulePath = Join-Path (Get-BenchmarkRepositoryRoot) 'out/ConcurrencyTools/ConcurrencyTools.psd1'

# Smoke: every contender, both jobs and the memory probe, a few tasks each.
if ($Smoke) { $Tasks = 20; $Rounds = 1; $RealFiles = [math]::Min($RealFiles, 10); $PeakTasks = [math]::Min($PeakTasks, 200) }

foreach ($tool in 'xargs', 'bash', 'seq', 'gzip') {
    if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) { throw "$tool is needed." }
}
$hasParallel = [bool](Get-Command parallel -CommandType Application -ErrorAction SilentlyContinue)

function Measure-Shell([string] $Script) { (Invoke-NativeTimed -FilePath bash -ArgumentList '-c', $Script).ElapsedMs }

# This pwsh's own CPU time (user + system of its threads; a child's time is never in it, reaped or not), and how many
# methods the runtime compiled meanwhile (on any thread: mostly its background tier-1 recompilation of hot methods of
# pwsh and the module, which goes on whatever runs). Neither the JIT thread's CPU time (the runtime ends an idle JIT
# thread and starts another, and an ended thread's time is gone from /proc) nor JitInfo's compilation time (wall time,
# which grows with the machine's load) measures the JIT's share reliably; the count does not depend on the load.
function Get-OwnCpu {
    $stat = [IO.File]::ReadAllText('/proc/self/stat')
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    $tick = 1000.0 / 100 # USER_HZ is 100 on Linux
    [pscustomobject]@{ Ms = ([long]$fields[11] + [long]$fields[12]) * $tick; JitMethods = [Runtime.JitInfo]::GetCompiledMethodCount($false) }
}

# The real job's input: $RealFiles files of 400 KB of word-like text (gzip shrinks it about 3x), each a different
# slice of one generated text, in a temporary directory deleted at the end.
$realDirectory = $null
$realPaths = @()
if ($RealFiles -gt 0) {
    $realDirectory = Join-Path ([IO.Path]::GetTempPath()) "ct-pool-bench-$PID"
    $null = New-Item -ItemType Directory -Path $realDirectory
    $random = [Random]::new(24)
    $words = 'alpha', 'beta', 'gamma', 'delta', 'pool', 'process', 'child', 'wait', 'epoll', 'signal', 'exit', 'reap', 'thread', 'task', 'pipe', 'slot'
    $text = [Text.StringBuilder]::new()
    while ($text.Length -lt 4MB) { $null = $text.Append($words[$random.Next($words.Count)]).Append(' ').Append($random.Next(100000)).Append("`n") }
    $bytes = [Text.Encoding]::ASCII.GetBytes($text.ToString())
    $realPaths = foreach ($i in 1..$RealFiles) {
        $path = Join-Path $realDirectory "file$i.txt"
        $file = [IO.File]::Create($path)
        try { $file.Write($bytes, ($i * 7919) % ($bytes.Length - 400KB), 400KB) } finally { $file.Dispose() }
        $path
    }
}

try {
$jobs = [ordered]@{
    empty = [pscustomobject]@{ Name = $Command; Tasks = $Tasks; Shell = "seq 1 $Tasks"; Command = $Command; Arguments = @(); Input = { 1..$Tasks } }
}
if ($RealFiles -gt 0) {
    $jobs.gzip = [pscustomobject]@{ Name = "gzip -k -f (400 KB)"; Tasks = $RealFiles; Shell = "printf '%s\n' '$realDirectory'/file*.txt"; Command = 'gzip'; Arguments = @('-k', '-f', '{0}'); Input = { $realPaths } }
}

$contenders = [ordered]@{
    xargs = { param($job) Measure-Shell "$($job.Shell) | xargs -P $Throttle -n 1 $($job.Command) $(($job.Arguments | Select-Object -SkipLast 1) -join ' ') | cat > /dev/null" }
}
if ($hasParallel) {
    $contenders.parallel = { param($job) Measure-Shell "$($job.Shell) | parallel --will-cite -j $Throttle $($job.Command) $(($job.Arguments | Select-Object -SkipLast 1) -join ' ') | cat > /dev/null" }
}
$contenders.pool = {
    param($job)
    $before = Get-OwnCpu
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $items = & $job.Input
    $measured = if ($job.Arguments.Count) {
        $items | Invoke-ProcessPool $job.Command -ArgumentList $job.Arguments -ThrottleLimit $Throttle -NoProgress | Measure-Object -Property Succeeded -Sum
    } else {
        $items | Invoke-ProcessPool $job.Command -ThrottleLimit $Throttle -NoProgress | Measure-Object -Property Succeeded -Sum
    }
    $elapsed = $clock.Elapsed.TotalMilliseconds
    $after = Get-OwnCpu
    if ($measured.Count -ne $job.Tasks -or $measured.Sum -ne $job.Tasks) { throw "Invoke-ProcessPool returned $($measured.Count) rows, $($measured.Sum) succeeded, for $($job.Tasks) tasks of $($job.Name)" }
    $script:poolCpu = [pscustomobject]@{ Ms = $after.Ms - $before.Ms; JitMethods = $after.JitMethods - $before.JitMethods }
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
foreach ($job in $jobs.Values) { foreach ($run in $contenders.Values) { $null = & $run $job } }

$runs = for ($round = 1; $round -le $Rounds; $round++) {
    foreach ($job in $jobs.Values) {
        $order = for ($i = 0; $i -lt $names.Count; $i++) { $names[($i + $round - 1) % $names.Count] }
        $ms = @{}
        foreach ($name in $order) {
            Write-Host "round $round/${Rounds}: $($labels[$name]), $($job.Tasks) tasks of $($job.Name)"
            $ms[$name] = & $contenders[$name] $job
        }
        [pscustomobject]@{
            Job                   = $job.Name
            Round                 = $round
            Order                 = $order -join ','
            XargsMsPerTask        = [math]::Round($ms.xargs / $job.Tasks, 3)
            ParallelMsPerTask     = $hasParallel ? [math]::Round($ms.parallel / $job.Tasks, 3) : $null
            PoolMsPerTask         = [math]::Round($ms.pool / $job.Tasks, 3)
            PoolOverXargs         = [math]::Round($ms.pool / $ms.xargs, 3)
            ParallelOverPool      = $hasParallel ? [math]::Round($ms.parallel / $ms.pool, 3) : $null
            PwshCpuMsPerTask      = [math]::Round($poolCpu.Ms / $job.Tasks, 3)
            JitCompiledMethods    = $poolCpu.JitMethods
        }
    }
}

# One row per job and contender: its median per task, and the medians of the per-round ratios to xargs and to the pool.
$rows = foreach ($job in $jobs.Values) {
    $jobRuns = @($runs | Where-Object Job -EQ $job.Name)
    foreach ($name in $names) {
        $column = @{ xargs = 'XargsMsPerTask'; parallel = 'ParallelMsPerTask'; pool = 'PoolMsPerTask' }[$name]
        $perTask = [double[]]$jobRuns.$column
        $ofXargs = [double[]]@($jobRuns | ForEach-Object { $_.$column / $_.XargsMsPerTask })
        $ofPool = [double[]]@($jobRuns | ForEach-Object { $_.$column / $_.PoolMsPerTask })
        [pscustomobject]@{
            Job                 = $job.Name
            Contender           = $labels[$name]
            Tasks               = $job.Tasks
            Rounds              = $Rounds
            MedianMsPerTask     = [math]::Round((Get-Median $perTask), 3)
            MinMsPerTask        = [double]($perTask | Measure-Object -Minimum).Minimum
            MaxMsPerTask        = [double]($perTask | Measure-Object -Maximum).Maximum
            OfXargs             = [math]::Round((Get-Median $ofXargs), 3)
            MaxOfXargs          = [math]::Round([double]($ofXargs | Measure-Object -Maximum).Maximum, 3)
            OfPool              = [math]::Round((Get-Median $ofPool), 3)
            PwshCpuMsPerTask    = $name -eq 'pool' ? [math]::Round((Get-Median ([double[]]$jobRuns.PwshCpuMsPerTask)), 3) : $null
            JitCompiledMethods  = $name -eq 'pool' ? [math]::Round((Get-Median ([double[]]$jobRuns.JitCompiledMethods))) : $null
        }
    }
}
} finally {
    if ($realDirectory) { Remove-Item -LiteralPath $realDirectory -Recurse -Force -ErrorAction SilentlyContinue }
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

$roundsText = "$Rounds round$($Rounds -eq 1 ? '' : 's')"
$pool = $rows | Where-Object { $_.Job -eq $Command -and $_.Contender -like 'Invoke-ProcessPool*' }
$xargsRow = $rows | Where-Object { $_.Job -eq $Command -and $_.Contender -like 'xargs*' }
$parallelRow = $rows | Where-Object { $_.Job -eq $Command -and $_.Contender -like 'parallel*' }
$realPool = $rows | Where-Object { $_.Job -ne $Command -and $_.Contender -like 'Invoke-ProcessPool*' }
$realXargs = $rows | Where-Object { $_.Job -ne $Command -and $_.Contender -like 'xargs*' }
# A goal judged unless this is a smoke run; -Met is evaluated only when it is judged.
function Get-Goal([string] $Goal, [string] $Measured, [scriptblock] $Met, [string] $Why, [string] $WhyNot) {
    if ($Smoke) { return New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $null -Reason 'smoke run' }
    $isMet = [bool](& $Met)
    New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $isMet -Reason ($isMet ? $Why : $WhyNot)
}

$goals = @(
    Get-Goal "At most 1.0x xargs -P $Throttle in every round ($Tasks tasks of $Command)" `
        "pool / xargs $(Format-BenchmarkNumber $pool.OfXargs 2) (median of $roundsText), $(Format-BenchmarkNumber $pool.MaxOfXargs 2) at worst; $(Format-BenchmarkNumber $pool.MedianMsPerTask 3) against $(Format-BenchmarkNumber $xargsRow.MedianMsPerTask 3) ms per task" `
        { $pool.MaxOfXargs -le 1.0 } `
        'children started with posix_spawn from the slot''s own thread, which sleeps in poll(2) on their pipes and then reaps them: one or two wake-ups per task, and no other thread' `
        "the pool took up to $(Format-BenchmarkNumber $pool.MaxOfXargs 2)x xargs' time per task in this run"

    $goal = "At least 5x faster than parallel -j $Throttle ($Tasks tasks of $Command)"
    if (-not $hasParallel) {
        New-BenchmarkGoal -Goal $goal -Measured '' -Met $null -Reason 'GNU parallel is not installed (Debian: apt-get install -y parallel)'
    } else {
        Get-Goal $goal "parallel / pool $(Format-BenchmarkNumber $parallelRow.OfPool 2) (median of $roundsText)" { $parallelRow.OfPool -ge 5 } `
            'GNU parallel starts a Perl-driven shell per job and groups output through temporary files' `
            "GNU parallel took only $(Format-BenchmarkNumber $parallelRow.OfPool 2)x the pool's time in this run"
    }

    $goal = "The real job ($RealFiles files of 400 KB through gzip -k -f) within 1.05x of xargs -P $Throttle"
    if (-not $realPool) {
        New-BenchmarkGoal -Goal $goal -Measured '' -Met $null -Reason 'not run (-RealFiles 0)'
    } else {
        Get-Goal $goal "pool / xargs $(Format-BenchmarkNumber $realPool.OfXargs 2) (median of $roundsText); $(Format-BenchmarkNumber $realPool.MedianMsPerTask 2) against $(Format-BenchmarkNumber $realXargs.MedianMsPerTask 2) ms per file" `
            { $realPool.OfXargs -le 1.05 } `
            'a running task costs pwsh nothing until its child ends, so the cores go to the work' `
            "the pool took $(Format-BenchmarkNumber $realPool.OfXargs 2)x xargs' time in this run"
    }

    $cpu = @($pool; $realPool) | Where-Object { $_ }
    $worst = ($cpu | Measure-Object -Property PwshCpuMsPerTask -Maximum).Maximum
    Get-Goal "At most 1 ms of pwsh CPU per task, whatever the task's length" `
        (($cpu | ForEach-Object { "$(Format-BenchmarkNumber $_.PwshCpuMsPerTask 2) ms per task of $($_.Job) ($(Format-BenchmarkNumber $_.JitCompiledMethods 0) methods compiled meanwhile)" }) -join '; ') `
        { $worst -le 1.0 } `
        'each slot''s own thread starts, reads and reaps its children (poll, then waitid and wait4): a task takes no thread-pool work and wakes no other thread' `
        "pwsh spent up to $(Format-BenchmarkNumber $worst 2) ms of CPU per task in this run (median of $roundsText)"

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

# The spawn path differs between machines: glibc's posix_spawn is clone(CLONE_VM | CLONE_VFORK) (clone3 since glibc
# 2.34) and musl's is similar, but the cost of that clone and of the exec grows with the kernel and its mitigations.
$libc = try { (& getconf GNU_LIBC_VERSION 2>$null) } catch { $null }
$spawnPath = "Spawn path on this machine: posix_spawn of $($libc ? $libc : 'a libc that is not glibc') (a clone sharing pwsh's memory, like vfork, then exec), kernel $([Environment]::OSVersion.Version); a child read and reaped by its slot's own thread (poll, waitid, wait4)."

Write-BenchmarkResult -Name ProcessPool -Title 'Process pool: Invoke-ProcessPool against xargs -P and GNU parallel' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/ProcessPool/Invoke-ProcessPoolBenchmark.ps1' `
    -Method ("What does one task cost the pool, next to ``xargs -P`` and GNU parallel doing the same thing, on empty tasks and on a real job, and how much memory does the pool need for a very long input? Two jobs, $Throttle at a time: $Tasks tasks of ``$Command`` (nothing but the cost of a task), and compressing $RealFiles files of 400 KB of word-like text with ``gzip -k -f <file>`` (about 3:1; files the benchmark writes into a temporary directory and deletes). Output is captured by each contender: ``xargs -P $Throttle -n 1`` writes into a pipe (``| cat > /dev/null``), ``parallel --will-cite -j $Throttle`` groups output through its temporary files, ``Invoke-ProcessPool -ThrottleLimit $Throttle -NoProgress`` reads each task's stdout and stderr into its row. " +
        'xargs and parallel run under `bash -c` with `seq` (or `printf` of the file names) feeding them; the pool runs in the benchmark''s pwsh with the module already imported, as a user calls it from a running shell, and its rows are counted and checked for success (a wrong count fails the run). ' +
        'Each side is timed around all it takes: xargs'' time includes starting bash, seq, xargs and cat (a few milliseconds in a run of a second or more), the pool''s includes generating the input items and PowerShell''s pipeline handing each row to `Measure-Object`; no round starts a fresh pwsh, so the runtime''s compilation of pwsh and the module is paid mostly in the warm-up, and what is left of it shows in *JitCompiledMethods*. ' +
        "One untimed warm-up of each, then $roundsText, each running both jobs in a rotating order of contenders (xargs first, then parallel first, then the pool first, ...), so that none always runs first or last on a machine others are loading. " +
        '*MedianMsPerTask* is wall-clock milliseconds per task, median over the rounds; *OfXargs* and *OfPool* are the medians of the per-round ratios of a contender''s time to xargs'' and to the pool''s in the same round, *MaxOfXargs* the worst round. ' +
        '*PwshCpuMsPerTask* is the CPU time the benchmark''s pwsh spent during the pool''s run (user + system of its own threads from `/proc/self/stat`, which never include a child''s) divided by the tasks, median over the rounds; *JitCompiledMethods* is how many methods the runtime compiled meanwhile (`JitInfo.GetCompiledMethodCount`, median over the rounds): mostly its background tier-1 recompilation of hot methods of pwsh and the module, which goes on whatever runs and is part of *PwshCpuMsPerTask*. Every round is in [`performance/ProcessPool.runs.csv`](performance/ProcessPool.runs.csv).') `
    -Rows $rows -Table Job, Contender, Tasks, Rounds, MedianMsPerTask, MinMsPerTask, MaxMsPerTask, OfXargs, MaxOfXargs, OfPool, PwshCpuMsPerTask, JitCompiledMethods `
    -Goals $goals `
    -Notes @(
        $memoryTable,
        $spawnPath,
        'The spawn path is what differs between machines. On 2-core machines where xargs took 0.5-0.8 ms per task of /bin/true, the pool took 1.16-1.30x of it (4-5 Dec 2026, before slot threads); on one whose kernel shows paravirtualised page-table and TLB operations (pvm_* in its symbols), where bash starts /bin/true 1,000 times in 3.2 s, xargs took 3.8-4.6 ms and the pool 0.72-0.96x of it (5 Dec 2026). xargs forks, which copies its page tables; posix_spawn''s clone shares pwsh''s memory and copies none, which counts for more where page-table work is dear. GNU parallel took 4-6.6 ms per task on the first kind.',
        'What makes the pool cheap per task: each slot of a local pool has a thread of its own, which starts its child with `posix_spawn` (vfork speed, with an environment block built once per run), sleeps in `poll` on the child''s two pipes until both end, waits in `waitid` (without reaping) for the moment between the output''s end and the exit, and reaps it with `wait4`: one or two wake-ups of that thread per task, no thread-pool work and no other thread (before, each task''s pipes went through the runtime''s epoll thread and several thread-pool hand-offs, and idle thread-pool workers spin before they sleep: a profile of the old design on the second kind of machine put 79% of pwsh''s samples on thread-pool workers and 30% in sched_yield alone). A task with input to write or lines to stream (`-StreamLines`) is read asynchronously, as before. Rows are handed to the pipeline as they finish, and the input queue holds at most max(64, 4 x slots) tasks, so an endless input is paced instead of buffered, and only `-KeepOrder` holds finished rows back (within a window of 16 per slot, at least 256).',
        'ReadyToRun images of the module''s two assemblies (crossgen2 for linux-x64) were measured side by side with IL-only ones in fresh pwsh processes, five 2,000-task runs each, on a busy machine: they removed about 50-90 of the 2,000-odd methods compiled during the first run and none later, with no difference in pwsh''s CPU per task beyond the noise. Nearly all of the compilation is pwsh''s own code (System.Management.Automation and the framework) recompiled at tier 1 as it gets hot, which no build of the module avoids, so the module ships IL only.'
    )
