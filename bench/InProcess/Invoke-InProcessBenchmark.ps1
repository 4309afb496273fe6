#Requires -Version 7.4
<#
.SYNOPSIS
    In-process costs with BenchmarkDotNet: per-task dispatch of each model on empty tasks, what the
    harness adds to a Sequential run, per-thread start cost; and the GilThreads hand-over latency
    against the switch interval (10,000 hand-overs).
.EXAMPLE
    pwsh ./bench/InProcess/Invoke-InProcessBenchmark.ps1
.EXAMPLE
    pwsh ./bench/InProcess/Invoke-InProcessBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(10, 1000000)] [int] $HandoverSamples = 10000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$root = Get-BenchmarkRepositoryRoot
$OutputDirectory = Initialize-Benchmark $OutputDirectory
$project = Join-Path $root 'bench/ConcurrencyTools.Benchmarks/ConcurrencyTools.Benchmarks.csproj'
$binaries = Join-Path $root 'out/bench/ConcurrencyTools.Benchmarks'
$artifacts = Join-Path $root 'out/bench/BenchmarkDotNet.Artifacts'

& dotnet build $project -c Release -o $binaries --nologo -v quiet
if ($LASTEXITCODE -ne 0) { throw "Building $project failed with exit code $LASTEXITCODE." }
$exe = Join-Path $binaries 'ConcurrencyTools.Benchmarks.dll'

$clock = Start-BenchmarkClock
# In-process toolchain: no generated project to build for each benchmark (minutes on a busy machine);
# the benchmarks run in the Release build above, on the runtime dotnet picks for it.
$job = if ($Smoke) { @('--job', 'Dry') } else { @('--warmupCount', '3', '--iterationCount', '20', '--iterationTime', '250') }
if ($Smoke) { $HandoverSamples = 50 }
if (Test-Path $artifacts) { Remove-Item $artifacts -Recurse -Force }
& dotnet $exe --filter '*DispatchBenchmarks*' '*HarnessBenchmarks*' '*ThreadStartBenchmarks*' --inProcess --exporters json --artifacts $artifacts @job
if ($LASTEXITCODE -ne 0) { throw "BenchmarkDotNet failed with exit code $LASTEXITCODE." }

$report = Get-ChildItem (Join-Path $artifacts 'results/*-report-full-compressed.json') | ForEach-Object { (Get-Content -Raw $_ | ConvertFrom-Json).Benchmarks }
function Get-Result([string] $Type, [string] $Method, [string] $Parameters) {
    $found = @($report | Where-Object { $_.Type -eq $Type -and $_.Method -eq $Method -and $_.Parameters -eq $Parameters })
    if ($found.Count -ne 1) { throw "BenchmarkDotNet reported $($found.Count) results for $Type.$Method($Parameters)." }
    $found[0]
}

# BenchmarkDotNet's statistics are in nanoseconds per operation (per task, per thread).
function New-Row([string] $Measure, [string] $Configuration, [object] $Result) {
    $s = $Result.Statistics
    [pscustomobject]@{
        Measure       = $Measure
        Configuration = $Configuration
        Unit          = 'us'
        Samples       = $s.N
        Mean          = [math]::Round($s.Mean / 1000, 4)
        Median        = [math]::Round($s.Median / 1000, 4)
        StdDev        = [math]::Round($s.StandardDeviation / 1000, 4)
        P95           = [math]::Round($s.Percentiles.P95 / 1000, 4)
        AllocatedB    = $Result.Memory.BytesAllocatedPerOperation
    }
}

$rows = [Collections.Generic.List[object]]::new()
foreach ($model in 'Sequential', 'Threads', 'ThreadPool', 'EventLoop', 'GilThreads') {
    $rows.Add((New-Row 'dispatch per empty task' "$model, 4 workers, 10,000 tasks a run" (Get-Result DispatchBenchmarks EmptyTask "Model=$model")))
}
$harness = foreach ($tasks in 8, 10000) {
    $bare = Get-Result HarnessBenchmarks BareLoop "Tasks=$tasks"
    $run = Get-Result HarnessBenchmarks SequentialRun "Tasks=$tasks"
    $rows.Add((New-Row 'empty tasks in a bare loop, per run' "$tasks tasks" $bare))
    $rows.Add((New-Row 'Sequential run of empty tasks, per run' "$tasks tasks" $run))
    [pscustomobject]@{ Tasks = $tasks; AddedMs = ($run.Statistics.Median - $bare.Statistics.Median) / 1e6 }
}
$rows.Add((New-Row 'thread start and join' 'bare Thread' (Get-Result ThreadStartBenchmarks BareThread '')))
$rows.Add((New-Row 'thread start, per worker' 'Threads model, 64 workers, 64 empty tasks' (Get-Result ThreadStartBenchmarks ThreadsModelWorker '')))

$handover = & dotnet $exe handover --interval-ms '1,5' --samples $HandoverSamples --threads 2 | ConvertFrom-Csv
if ($LASTEXITCODE -ne 0) { throw "The hand-over measurement failed with exit code $LASTEXITCODE." }
foreach ($line in $handover) {
    $configuration = if ($line.Lock -eq 'PingPong') { 'two threads passing a plain monitor back and forth (no interval, no work)' } else { "GilScheduler, 2 CPU-bound threads, switch interval $($line.SwitchIntervalMs) ms" }
    $rows.Add([pscustomobject]@{
        Measure = 'hand-over: wait of a dropped thread until it holds again'; Configuration = $configuration; Unit = 'ms'
        Samples = [int]$line.Samples; Mean = [double]$line.MeanMs; Median = [double]$line.P50Ms; StdDev = $null; P95 = [double]$line.P95Ms; AllocatedB = $null
    })
}

$goals = @()
$pool = $rows | Where-Object { $_.Measure -eq 'dispatch per empty task' -and $_.Configuration -like 'ThreadPool*' }
$goals += New-BenchmarkGoal -Goal 'ThreadPool dispatch under 5 us per task' -Measured "median $(Format-BenchmarkNumber $pool.Median 3) us per task" `
    -Met ($Smoke ? $null : $pool.Median -lt 5) -Reason ($Smoke ? 'smoke run' : ($pool.Median -lt 5 ? 'one work item per task; the run''s fixed costs spread over 10,000 tasks' : 'see the dispatch rows'))
# The harness cost split into what every run pays once and what each task adds, from the two task counts.
$small = $harness | Where-Object Tasks -EQ 8
$large = $harness | Where-Object Tasks -EQ 10000
$perTaskUs = ($large.AddedMs - $small.AddedMs) * 1000 / (10000 - 8)
foreach ($h in $harness) {
    $why = if ($Smoke) { 'smoke run' } elseif ($h.AddedMs -lt 1) { 'no thread started: the sampler''s first and last samples of /proc/self/status, the runtime counters and the CPU clock read twice; the sampling thread is shared between runs' } else {
        "a fixed cost per run, not per task: $(Format-BenchmarkNumber $small.AddedMs 2) ms already with 8 tasks, $(Format-BenchmarkNumber $perTaskUs 3) us more per task; the run reads /proc/self/status twice (the sampler's first and last samples) and the counters and CPU clock twice, and starts no thread; for scale, a bare thread start and join took $(Format-BenchmarkNumber (($rows | Where-Object Configuration -EQ 'bare Thread').Median / 1000) 2) ms at the median in this run"
    }
    $goals += New-BenchmarkGoal -Goal "The harness adds under 1 ms to a Sequential run of $($h.Tasks) empty tasks" -Measured "$(Format-BenchmarkNumber $h.AddedMs 3) ms (difference of medians)" `
        -Met ($Smoke ? $null : $h.AddedMs -lt 1) -Reason $why
}
$ping = $handover | Where-Object Lock -EQ 'PingPong'
foreach ($line in $handover | Where-Object Lock -EQ 'GilScheduler') {
    $interval = [double]$line.SwitchIntervalMs
    $p95 = [double]$line.P95Ms
    $met = $p95 -le 2 * $interval
    $why = if ($met) { 'the holder hands the lock to the waiting thread at its first checkpoint after the interval, and the waiter wakes once, holding it' } else {
        "a dropped thread waits for the other to be woken, run one interval and reach a checkpoint, then to be woken itself; with other processes keeping the cores busy, a CPU-bound holder is preempted for whole scheduler slices (a plain monitor ping-pong, which needs no CPU time, took $(Format-BenchmarkNumber ([double]$ping.P95Ms) 3) ms at p95 in the same run)"
    }
    $goals += New-BenchmarkGoal -Goal "GilThreads hand-over within 2x the switch interval ($interval ms) at the 95th percentile" `
        -Measured "p95 $(Format-BenchmarkNumber $p95 2) ms = $(Format-BenchmarkNumber ($p95 / $interval) 2)x, over $($line.Samples) hand-overs" -Met ($Smoke ? $null : $met) -Reason ($Smoke ? 'smoke run' : $why)
}

# The same code measured twice: Sequential on 10,000 empty tasks in DispatchBenchmarks and in HarnessBenchmarks.
$sequentialDispatch = ($rows | Where-Object { $_.Measure -eq 'dispatch per empty task' -and $_.Configuration -like 'Sequential*' }).Median
$sequentialHarness = ($rows | Where-Object { $_.Measure -like 'Sequential run*' -and $_.Configuration -eq '10000 tasks' }).Median / 10000
$consistency = "Consistency check: a Sequential run of 10,000 empty tasks is measured twice, in DispatchBenchmarks ($(Format-BenchmarkNumber $sequentialDispatch 3) us per task) and in HarnessBenchmarks ($(Format-BenchmarkNumber $sequentialHarness 3) us per task); the same code, so their ratio ($(Format-BenchmarkNumber ($sequentialDispatch / $sequentialHarness) 2)x) is the spread this run's conditions put on figures of this size."

Write-BenchmarkResult -Name InProcess -Title 'In-process costs' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/InProcess/Invoke-InProcessBenchmark.ps1' `
    -Method ('BenchmarkDotNet (bench/ConcurrencyTools.Benchmarks: `DispatchBenchmarks`, `HarnessBenchmarks`, `ThreadStartBenchmarks`) in-process, ' +
        ($Smoke ? 'dry job' : '3 warm-up and 20 measured iterations of about 250 ms each') + '; per-operation statistics over the iterations, an operation being one empty task (dispatch: one run of 10,000 empty tasks with 4 workers, divided by 10,000), one run (harness), or one thread. ' +
        "The hand-over latency is not a mean of repeated operations but a distribution: ``dotnet ConcurrencyTools.Benchmarks.dll handover`` runs two CPU-bound threads on the Cpu workload's own loop under one GilScheduler and times, $HandoverSamples times per interval, how long a thread made to drop the lock waits until it holds it again; beside it, the same two wake-ups through a plain monitor with no work, the floor set by the OS.") `
    -Rows $rows -Table Measure, Configuration, Unit, Samples, Mean, Median, P95, AllocatedB `
    -Goals $goals `
    -Notes @(
        $consistency,
        'Dispatch includes each run''s fixed costs (starting the workers, the sampler''s first and last samples, two reads of the process CPU time and the runtime counters) spread over its 10,000 tasks; "thread start, per worker" is a 64-worker Threads run over 64 empty tasks, per thread, beside a bare thread started and joined.',
        'Runspaces: the script-block models are not in DispatchBenchmarks, which runs without a PowerShell host; the Runspaces model''s per-item cost on an empty script block, from the cmdlet, is in the PowerShell primitives section (bench/Runspaces).'
    )
