#Requires -Version 7.4
<#
.SYNOPSIS
    Fidelity: the articles' CPU and I/O experiments in CPython 3 beside GilThreads, Threads and Processes
    on tasks of the same duration, worker counts 1, 2, 4, 8; the shapes (speedup per worker count)
    compared.
.DESCRIPTION
    Both sides are calibrated to the same task duration first: CPython's loop and the Cpu workload's loop
    run at very different speeds, and start-up weighs more on short tasks. Rounds alternate: CPython runs
    every configuration once, then Measure-ThreadedWorkload does, so drift of a shared machine hits both.
    Speedup is taken per round (that round's sequential time over its time for a configuration, on each
    side) and its median over the rounds reported, so one slow round moves neither side. When other
    processes took more than -QuietLoad of the cores, the rounds are run again (up to -Attempts times);
    a run still loaded says so and leaves its goals not judged rather than report the load as a miss.
.EXAMPLE
    pwsh ./bench/Fidelity/Invoke-FidelityBenchmark.ps1
.EXAMPLE
    pwsh ./bench/Fidelity/Invoke-FidelityBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 100)] [int] $Repeat = 7,
    [ValidateRange(1, 10000)] [int] $TaskMs = 200,
    [ValidateRange(1, 1000)] [int] $Tasks = 8,
    # Strings so that `pwsh -File ... -Workers 1,2` works too (-File passes '1,2' as one string).
    [string[]] $Workers = @('1', '2', '4', '8'),
    # Share of the cores other processes may take during the rounds before they are run again.
    [ValidateRange(0, 1)] [double] $QuietLoad = 0.25,
    [ValidateRange(1, 5)] [int] $Attempts = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools
$python = (Get-Command python3 -ErrorAction Stop).Source
$script = Join-Path $PSScriptRoot 'gil_experiments.py'
[int[]] $Workers = $Workers -split ',' | ForEach-Object { [int]$_ }
if ($Smoke) { $Repeat = 1; $TaskMs = 10; $Workers = @(1, 2) }

# gil_experiments.py leaves a pool's stage columns empty for the sequential run.
function Get-OptionalNumber([string] $Text) { if ($Text) { [double]::Parse($Text, [cultureinfo]::InvariantCulture) } else { $null } }

function Invoke-Python([string[]] $Arguments) {
    $lines = & $python $script @Arguments
    if ($LASTEXITCODE -ne 0) { throw "python3 gil_experiments.py $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    $lines | ConvertFrom-Csv
}

# Calibration: iterations per task on each side for TaskMs of CPU work (the median of three timings).
$clock = Start-BenchmarkClock
$probe = 200000
$pythonMs = Get-Median @(1..3 | ForEach-Object { [double](Invoke-Python @('--calibrate', '--iterations', $probe)).CalibrationMs })
$pythonIterations = [long][math]::Max(1000, $probe * $TaskMs / $pythonMs)
$dotnetProbe = 20000000
$null = Measure-ThreadedWorkload -Workload Cpu -Model Sequential -Tasks 1 -Iterations 1000000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
$dotnetMs = Get-Median @(1..3 | ForEach-Object { (Measure-ThreadedWorkload -Workload Cpu -Model Sequential -Tasks 1 -Iterations $dotnetProbe -Repeat 1 -Warmup 0 -NoOverhead -NoProgress).ElapsedMs })
$dotnetIterations = [long][math]::Max(1000, $dotnetProbe * $TaskMs / $dotnetMs)
Write-Host "Calibrated for $TaskMs ms tasks: CPython $pythonIterations iterations ($(Format-BenchmarkNumber $pythonMs 1) ms per $probe), .NET $dotnetIterations ($(Format-BenchmarkNumber $dotnetMs 1) ms per $dotnetProbe)"

$workerList = $Workers -join ','
$workerKind = [ConcurrencyTools.Engine.Processes.WorkerHost]::Locate((Join-Path (Get-BenchmarkRepositoryRoot) 'out/ConcurrencyTools')).Kind
function Invoke-Rounds {
    $runs = [Collections.Generic.List[object]]::new()
    foreach ($round in 1..$Repeat) {
        foreach ($kind in 'Cpu', 'Io') {
            Write-Host "round $round/${Repeat}: $kind, CPython then ConcurrencyTools"
            $pythonArguments = @('--kind', $kind.ToLowerInvariant(), '--tasks', $Tasks, '--workers', $workerList, '--iterations', $pythonIterations, '--duration-ms', $TaskMs)
            foreach ($row in Invoke-Python $pythonArguments) {
                $model = @{ sequential = 'Sequential'; threads = 'threading'; processes = 'multiprocessing' }[$row.Model]
                $runs.Add([pscustomobject]@{ Round = $round; Kind = $kind; Side = 'CPython'; Model = $model; Workers = [int]$row.Workers; ElapsedMs = [double]$row.ElapsedMs; StartupMs = $null; WorkersStartedMs = (Get-OptionalNumber $row.WorkersStartedMs); ShutdownMs = (Get-OptionalNumber $row.ShutdownMs); CpuTimeMs = [double]$row.CpuMs; TaskCpuMs = $null; Checksum = [long]$row.Checksum; Verified = $true; Note = "start method $($row.StartMethod)" })
            }
            $measured = Measure-ThreadedWorkload -Workload $kind -Model Sequential, GilThreads, Threads, Processes -Workers $Workers -Tasks $Tasks `
                -Iterations $dotnetIterations -DurationMs $TaskMs -Repeat 1 -Warmup 0 -NoOverhead -NoProgress -WarningAction SilentlyContinue
            foreach ($row in $measured) {
                $runs.Add([pscustomobject]@{ Round = $round; Kind = $kind; Side = 'ConcurrencyTools'; Model = $row.Model; Workers = $row.Workers; ElapsedMs = $row.ElapsedMs; StartupMs = $row.StartupMs; WorkersStartedMs = $null; ShutdownMs = $null; CpuTimeMs = $row.CpuTimeMs; TaskCpuMs = $row.TaskCpuMs; Checksum = $row.Checksum; Verified = $row.Verified; Note = $row.Error })
            }
        }
    }
    , $runs
}

# Rounds taken while other processes crowd the cores measure the crowd: run them again, a few times at most.
$attempt = 0
do {
    $attempt++
    $roundsClock = Start-BenchmarkClock
    $runs = Invoke-Rounds
    $roundsLoad = Get-BackgroundLoad -Since $roundsClock
    $quiet = $null -eq $roundsLoad -or $roundsLoad -le $QuietLoad
    if (-not $quiet -and $attempt -lt $Attempts -and -not $Smoke) {
        Write-Host "Other processes used $(Format-BenchmarkNumber ($roundsLoad * 100) 0)% of the cores during the rounds: running them again (attempt $($attempt + 1) of $($Attempts))."
    }
} while (-not $quiet -and $attempt -lt $Attempts -and -not $Smoke)
$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Fidelity.runs.csv') -UseQuotes AsNeeded

# The median over rounds of each round's own speedup: its sequential time over its time for the configuration.
# -WithoutStartup takes the configuration's start-up (StartupMs, ConcurrencyTools' Processes) off its time: how
# far start-up alone explains a gap.
function Get-Speedup([string] $Kind, [string] $Side, [string] $Model, [int] $Count, [switch] $WithoutStartup) {
    $ratios = foreach ($round in 1..$Repeat) {
        $inRound = @($runs | Where-Object { $_.Round -eq $round -and $_.Kind -eq $Kind -and $_.Side -eq $Side })
        $base = @($inRound | Where-Object Model -EQ 'Sequential')
        $run = @($inRound | Where-Object { $_.Model -eq $Model -and $_.Workers -eq $Count -and $_.Verified })
        if ($base -and $run) { $base[0].ElapsedMs / ($run[0].ElapsedMs - ($WithoutStartup ? [double]$run[0].StartupMs : 0)) }
    }
    if (-not $ratios) { return [double]::NaN }
    [math]::Round((Get-Median @($ratios)), 2)
}

$rows = foreach ($kind in 'Cpu', 'Io') {
    $pythonTask = (Get-Median ($runs | Where-Object { $_.Kind -eq $kind -and $_.Side -eq 'CPython' -and $_.Model -eq 'Sequential' }).ElapsedMs) / $Tasks
    $dotnetTask = (Get-Median ($runs | Where-Object { $_.Kind -eq $kind -and $_.Side -eq 'ConcurrencyTools' -and $_.Model -eq 'Sequential' }).ElapsedMs) / $Tasks
    foreach ($count in $Workers) {
        $threading = Get-Speedup $kind CPython threading $count
        $gil = Get-Speedup $kind ConcurrencyTools GilThreads $count
        $multiprocessing = Get-Speedup $kind CPython multiprocessing $count
        $processes = Get-Speedup $kind ConcurrencyTools Processes $count
        [pscustomobject]@{
            Kind                = $kind
            Workers             = $count
            CPythonTaskMs       = [math]::Round($pythonTask, 1)
            DotnetTaskMs        = [math]::Round($dotnetTask, 1)
            CPythonThreading    = $threading
            GilThreads          = $gil
            GilGap              = [math]::Round($gil - $threading, 2)
            CPythonProcesses    = $multiprocessing
            Processes           = $processes
            ProcessesGap        = [math]::Round($processes - $multiprocessing, 2)
            DotnetThreads       = Get-Speedup $kind ConcurrencyTools Threads $count
        }
    }
}

# The CPU checksums must agree: both sides summed the same series.
$workload = [ConcurrencyTools.Engine.Workloads.Workload]::Create([ConcurrencyTools.Engine.Workloads.WorkloadSpec]::new('Cpu', $Tasks, $pythonIterations))
$expected = $workload.ExpectedChecksum([Threading.CancellationToken]::None)
$pythonChecksums = @($runs | Where-Object { $_.Kind -eq 'Cpu' -and $_.Side -eq 'CPython' } | ForEach-Object Checksum | Select-Object -Unique)
# How much of one core the sequential .NET runs got: on a shared machine, the OS's share, not the model, sets elapsed times.
$sequentialRuns = @($runs | Where-Object { $_.Kind -eq 'Cpu' -and $_.Side -eq 'ConcurrencyTools' -and $_.Model -eq 'Sequential' })
$coreShare = Get-Median ($sequentialRuns | ForEach-Object { $_.CpuTimeMs / $_.ElapsedMs })
# CPU per task, each side's sequential run against its one-worker process pool (CPython: the parent's CPU and its
# reaped workers'; ConcurrencyTools: the tasks' own thread CPU, TaskCpuMs, in pwsh or in the worker): whether one worker process does
# the same work for the same CPU as the sequential baseline, whatever the wall clock says.
function Get-CpuPerTask([string] $Side, [string] $Model) {
    $field = $Side -eq 'CPython' ? 'CpuTimeMs' : 'TaskCpuMs'
    $cpu = @($runs | Where-Object { $_.Kind -eq 'Cpu' -and $_.Side -eq $Side -and $_.Model -eq $Model -and $_.Workers -eq 1 -and $null -ne $_.$field } | ForEach-Object $field)
    if ($cpu) { (Get-Median $cpu) / $Tasks } else { [double]::NaN }
}
$cpuPerTask = [ordered]@{
    CPythonSequential = Get-CpuPerTask CPython Sequential
    CPythonWorker     = Get-CpuPerTask CPython multiprocessing
    DotnetSequential  = Get-CpuPerTask ConcurrencyTools Sequential
    DotnetWorker      = Get-CpuPerTask ConcurrencyTools Processes
}
# Where a process pool's time goes, on each side, both timed from creating the pool until every worker is
# reaped (medians over the rounds): CPython's until all its workers had begun a task and its shutdown (the
# `with` block's exit), ConcurrencyTools' StartupMs; for Io, what each side spent beyond that start and the
# waits themselves (ceil(Tasks / Workers) waves of its own measured sequential task time).
function Get-ProcessesStages([string] $Kind, [int] $Count) {
    $python = @($runs | Where-Object { $_.Kind -eq $Kind -and $_.Side -eq 'CPython' -and $_.Model -eq 'multiprocessing' -and $_.Workers -eq $Count })
    $ours = @($runs | Where-Object { $_.Kind -eq $Kind -and $_.Side -eq 'ConcurrencyTools' -and $_.Model -eq 'Processes' -and $_.Workers -eq $Count -and $_.Verified })
    $kindRow = $rows | Where-Object { $_.Kind -eq $Kind -and $_.Workers -eq $Count }
    $waves = [math]::Ceiling($Tasks / $Count)
    [pscustomobject]@{
        Kind                = $Kind
        Workers             = $Count
        CPythonMs           = Get-Median @($python.ElapsedMs)
        CPythonStartedMs    = Get-Median @($python.WorkersStartedMs)
        CPythonShutdownMs   = Get-Median @($python.ShutdownMs)
        CPythonBeyondMs     = $Kind -eq 'Io' ? (Get-Median @($python | ForEach-Object { $_.ElapsedMs - $_.WorkersStartedMs - $waves * $kindRow.CPythonTaskMs })) : [double]::NaN
        ProcessesMs         = $ours ? (Get-Median @($ours.ElapsedMs)) : [double]::NaN
        ProcessesStartupMs  = $ours ? (Get-Median @($ours.StartupMs)) : [double]::NaN
        ProcessesBeyondMs   = $Kind -eq 'Io' -and $ours ? (Get-Median @($ours | ForEach-Object { $_.ElapsedMs - $_.StartupMs - $waves * $kindRow.DotnetTaskMs })) : [double]::NaN
    }
}

# One sentence of stage figures for a worker count whose Processes speedup is off.
function Get-StagesText([object] $Stage) {
    $text = "x$($Stage.Workers) took a median $(Format-BenchmarkNumber $Stage.ProcessesMs 1) ms here against $(Format-BenchmarkNumber $Stage.CPythonMs 1) ms in CPython, both from creating the pool until every worker is reaped: " +
        "CPython's workers had all begun a task after $(Format-BenchmarkNumber $Stage.CPythonStartedMs 1) ms and ConcurrencyTools' were ready after $(Format-BenchmarkNumber $Stage.ProcessesStartupMs 1) ms; " +
        "CPython's shutdown (the ``with`` block's exit: a stop sentinel to each worker through the call queue's feeder thread, the workers' exit, the joins) took $(Format-BenchmarkNumber $Stage.CPythonShutdownMs 1) ms"
    if ($Stage.Kind -eq 'Io') {
        $text += "; beyond start-up and the waits, CPython spent $(Format-BenchmarkNumber $Stage.CPythonBeyondMs 1) ms (its shutdown included) and ConcurrencyTools $(Format-BenchmarkNumber $Stage.ProcessesBeyondMs 1) ms (handing out the tasks, reading their results, the exit message and reaping its workers)"
    }
    $text
}

# The process pools' stages, both sides, every configuration (medians over the rounds).
$stages = foreach ($kind in 'Cpu', 'Io') { foreach ($count in $Workers) { Get-ProcessesStages $kind $count } }
$stagesNote = "Where the process pools' time goes (medians over the rounds; both sides timed from creating the pool until every worker is reaped): *CPythonStartedMs* until every CPython worker had begun a task (its first task handed out included), *CPythonShutdownMs* the ``with`` block's exit (a stop sentinel to each worker through the call queue's feeder thread, the workers' exit, the joins), *ProcessesStartupMs* the Processes model's StartupMs (until every worker said ``ready``, before any task); for Io, *BeyondMs* is each side's time less its start and the waits (ceil(Tasks / Workers) waves of its measured sequential task time): CPython's shutdown, and on both sides handing out tasks and collecting results, and the Processes model's exit message and reaping.`n`n" +
    (ConvertTo-MarkdownTable -InputObject @($stages))
$notes = @(
    "CPU per Cpu task, one worker process against its own side's sequential run (medians; CPython: the interpreter's CPU plus its reaped pool workers'; ConcurrencyTools: the CPU of the threads that ran the tasks, TaskCpuMs, in pwsh or in the worker): CPython sequential $(Format-BenchmarkNumber $cpuPerTask.CPythonSequential 1) ms, one forked worker $(Format-BenchmarkNumber $cpuPerTask.CPythonWorker 1) ms ($(Format-BenchmarkNumber ($cpuPerTask.CPythonWorker / $cpuPerTask.CPythonSequential) 2)x); ConcurrencyTools Sequential $(Format-BenchmarkNumber $cpuPerTask.DotnetSequential 1) ms, one $workerKind worker $(Format-BenchmarkNumber $cpuPerTask.DotnetWorker 1) ms ($(Format-BenchmarkNumber ($cpuPerTask.DotnetWorker / $cpuPerTask.DotnetSequential) 2)x). Where one worker needs about the sequential run's CPU but its elapsed time differs from it, the difference is how much of a core each run got, not the work.",
    "CPU share: the sequential Cpu runs of ConcurrencyTools got a median $(Format-BenchmarkNumber ($coreShare * 100) 0)% of one core (CPU time over wall time; a quiet machine gives close to 100%). Below that, elapsed times measure the share the OS scheduler gave each run more than the model: a run with more threads can get a larger share of a crowded machine.",
    "Calibrated task length: $TaskMs ms of CPU work on each side (CPython: $pythonIterations iterations of ``total += (j * j) % 1000``; .NET: $dotnetIterations iterations of the Cpu workload's same sum); I/O tasks wait $TaskMs ms (``time.sleep`` against the Io workload). *CPythonTaskMs* and *DotnetTaskMs* are the measured sequential time per task: where they differ, the calibration drifted with the load.",
    "CPython's CPU checksums were $(($pythonChecksums -join ', ')), against $expected from ConcurrencyTools' closed form for the same series: $(if ($pythonChecksums.Count -eq 1 -and $pythonChecksums[0] -eq $expected) { 'the two sides computed the same thing.' } else { 'THEY DIFFER.' })",
    "CPython's pools are created inside the timed region (``concurrent.futures``, start method $(($runs | Where-Object Side -EQ 'CPython' | Select-Object -First 1).Note -replace 'start method ')), as the Processes model's time includes starting its workers, and shut down inside it (the ``with`` block's exit joins the workers), as the Processes model's time ends when its workers are reaped; the Processes rows here ran the ``$workerKind`` worker (see the start-up section for its start-up against a forked CPython pool's).",
    $stagesNote,
    '*DotnetThreads* is the .NET difference the module exists to show: plain .NET threads run CPU-bound work in parallel.'
)

# Why Processes is off, from the data: the worker counts whose gap start-up explains (taking each run's
# StartupMs off its time closes the gap), and for the others the one-worker ratio on each side (one worker
# process against its own side's sequential run) and the scaling from one worker on.
function Get-ProcessesReason([string] $Kind, [object[]] $KindRows, [object[]] $Off, [double] $Limit) {
    $startupBound = [Collections.Generic.List[string]]::new()
    $notStartup = [Collections.Generic.List[string]]::new()
    $faster = [Collections.Generic.List[string]]::new()
    foreach ($row in $Off) {
        # Faster than CPython: our start-up is in our time already, so only the stages can say where CPython's extra time goes.
        if ($row.ProcessesGap -gt 0) {
            $faster.Add((Get-StagesText (Get-ProcessesStages $Kind $row.Workers)))
            continue
        }
        $r = @($runs | Where-Object { $_.Kind -eq $Kind -and $_.Side -eq 'ConcurrencyTools' -and $_.Model -eq 'Processes' -and $_.Workers -eq $row.Workers })
        $without = [math]::Round((Get-Speedup $Kind ConcurrencyTools Processes $row.Workers -WithoutStartup) - $row.CPythonProcesses, 2)
        $spent = "x$($row.Workers) spent a median $(Format-BenchmarkNumber (Get-Median $r.StartupMs) 0) of $(Format-BenchmarkNumber (Get-Median $r.ElapsedMs) 0) ms starting workers, without which the gap would be $('{0:+0.00;-0.00;0.00}' -f $without)"
        if ([math]::Abs($without) -le $Limit) { $startupBound.Add($spent) } else { $notStartup.Add("$spent ($(Get-StagesText (Get-ProcessesStages $Kind $row.Workers)))") }
    }
    $parts = @()
    if ($faster.Count) {
        $parts += "faster than CPython's pool: $($faster -join '; ')"
    }
    if ($startupBound.Count) {
        $parts += "start-up: $($startupBound -join '; '), against a forked CPython pool (see the start-up section)"
    }
    if ($notStartup.Count) {
        $one = $KindRows | Where-Object Workers -EQ 1
        $scaling = foreach ($row in ($KindRows | Where-Object Workers -GT 1)) {
            "x$($row.Workers)/x1 $(Format-BenchmarkNumber ($row.Processes / $one.Processes) 2) here against $(Format-BenchmarkNumber ($row.CPythonProcesses / $one.CPythonProcesses) 2)"
        }
        $alike = -not @($KindRows | Where-Object Workers -GT 1 | Where-Object { [math]::Abs(($_.Processes / $one.Processes) / ($_.CPythonProcesses / $one.CPythonProcesses) - 1) -gt 0.1 })
        $first = if ($Off.Workers -contains 1) {
            "The gap is there with one worker: one worker process against its own side's sequential run measured $(Format-BenchmarkNumber $one.Processes 2)x here and $(Format-BenchmarkNumber $one.CPythonProcesses 2)x in CPython; from one worker on, the two sides scale $($alike ? 'alike' : 'differently')"
        } else {
            "With one worker the sides agree ($(Format-BenchmarkNumber $one.Processes 2)x here, $(Format-BenchmarkNumber $one.CPythonProcesses 2)x in CPython); the gap opens with more workers, which scale $($alike ? 'alike' : 'differently') from one worker on each side"
        }
        $parts += "not start-up: $($notStartup -join '; '). $first ($($scaling -join ', ') in CPython)" +
            $(if ($Kind -eq 'Cpu') { '; the CPU per task below says whether one worker did more work than the sequential run or got less of a core' })
    }
    "off at x$(($Off.Workers) -join ', x'): $($parts -join '; ')"
}

$goals = foreach ($kind in 'Cpu', 'Io') {
    $kindRows = @($rows | Where-Object Kind -EQ $kind)
    foreach ($goal in @(
            @{ Name = 'GilThreads'; Gap = 'GilGap'; Peer = 'CPython threading'; Limit = 0.10 }
            @{ Name = 'Processes'; Gap = 'ProcessesGap'; Peer = 'CPython multiprocessing'; Limit = 0.15 })) {
        $gaps = $kindRows | ForEach-Object { "x$($_.Workers) $('{0:+0.00;-0.00;0.00}' -f $_.($goal.Gap))" }
        $off = @($kindRows | Where-Object { [double]::IsNaN($_.($goal.Gap)) -or [math]::Abs($_.($goal.Gap)) -gt $goal.Limit })
        # One worker does the sequential work on one thread: how far each side's x1 lies from 1.00 is
        # how far the load moved its own baseline, and no model can be judged closer than that.
        $one = $kindRows | Where-Object Workers -EQ 1
        $drift = if ($one) { [math]::Max([math]::Abs($one.CPythonThreading - 1), [math]::Abs($one.GilThreads - 1)) } else { 0 }
        $reason = if ($Smoke) { 'smoke run' } elseif (-not $quiet) {
            "not judged: other processes used $(Format-BenchmarkNumber ($roundsLoad * 100) 0)% of the cores during the rounds (more than $(Format-BenchmarkNumber ($QuietLoad * 100) 0)%) in each of $attempt attempts; re-run on a quiet machine"
        } elseif (-not $off) { 'same shape at every worker count' } elseif ($goal.Name -eq 'Processes') {
            Get-ProcessesReason $kind $kindRows $off $goal.Limit
        } elseif ($drift -gt $goal.Limit) {
            "off at x$(($off.Workers) -join ', x'), and not judgeable in this run: with one worker, the same work on one thread as the baseline, CPython threading measured $(Format-BenchmarkNumber $one.CPythonThreading 2)x and GilThreads $(Format-BenchmarkNumber $one.GilThreads 2)x of their own sequential runs, so the load moved the baselines by more than the tolerance"
        } else {
            $shared = $kind -eq 'Cpu' ? 'both sides compute one thread at a time' : 'both sides overlap their waits'
            "off at x$(($off.Workers) -join ', x'): $shared; the gap is the difference in switching cost and in how promptly each run's threads got a core back from the other processes"
        }
        New-BenchmarkGoal -Goal "$kind`: $($goal.Name) speedup within ±$($goal.Limit.ToString('0.00', [cultureinfo]::InvariantCulture)) of $($goal.Peer) at every worker count" `
            -Measured ($gaps -join ', ') -Met (($Smoke -or -not $quiet) ? $null : -not $off) -Reason $reason
    }
}

Write-BenchmarkResult -Name Fidelity -Title 'Fidelity: CPython beside GilThreads, Threads and Processes' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/Fidelity/Invoke-FidelityBenchmark.ps1' `
    -Method ("The articles' experiments (CPU-bound sum, blocking waits) with $Tasks tasks, workers $($Workers -join ', '), in $Repeat interleaved rounds (attempt $attempt of at most $($Attempts): rounds are run again when other processes took more than $(Format-BenchmarkNumber ($QuietLoad * 100) 0)% of the cores; this attempt's rounds saw $(if ($null -eq $roundsLoad) { 'an unknown load' } else { "$(Format-BenchmarkNumber ($roundsLoad * 100) 0)%" })); each round runs CPython 3 (``bench/Fidelity/gil_experiments.py``: sequential, ``ThreadPoolExecutor``, ``ProcessPoolExecutor``) then ``Measure-ThreadedWorkload -Model Sequential, GilThreads, Threads, Processes -Repeat 1 -Warmup 0 -NoOverhead``. " +
        'Speedups are medians of per-round ratios: each round''s sequential time over its time for a configuration, on each side; *GilGap* and *ProcessesGap* are ConcurrencyTools minus CPython. Every run is in [`performance/Fidelity.runs.csv`](performance/Fidelity.runs.csv).') `
    -Rows $rows -Goals @($goals) -Notes $notes
