#Requires -Version 7.4
<#
.SYNOPSIS
    Start-up: the Processes model's native worker, its framework-dependent worker and a forked CPython
    ProcessPoolExecutor side by side (1, 2 and 8 workers, until every worker is ready), with a bare
    `dotnet` hello-world and `pwsh -NoProfile -c exit` for scale; then eight 200 ms waits on 4 workers
    against CPython's ProcessPoolExecutor(4), pool start included, round by round.
.EXAMPLE
    pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1
.EXAMPLE
    pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 1000)] [int] $Repeat = 15,
    # Share of the cores other processes may take during the run before its goals are not judged.
    [ValidateRange(0, 1)] [double] $QuietLoad = 0.25
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$root = Get-BenchmarkRepositoryRoot
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools
if ($Smoke) { $Repeat = 2 }

$helloDirectory = Join-Path $root 'out/bench/HelloWorld'
& dotnet build (Join-Path $PSScriptRoot 'HelloWorld/HelloWorld.csproj') -c Release -o $helloDirectory --nologo -v quiet
if ($LASTEXITCODE -ne 0) { throw "Building the hello-world program failed with exit code $LASTEXITCODE." }
$hello = Join-Path $helloDirectory 'HelloWorld.dll'

# The hosts the Processes model can use from this module; the hello-world runs under the same dotnet.
$moduleDir = Join-Path $root 'out/ConcurrencyTools'
$env:CONCURRENCYTOOLS_WORKER_HOST = 'managed'
$managedHost = [ConcurrencyTools.Engine.Processes.WorkerHost]::Locate($moduleDir)
Remove-Item Env:CONCURRENCYTOOLS_WORKER_HOST
$nativeHost = [ConcurrencyTools.Engine.Processes.WorkerHost]::Locate($moduleDir)
$hasNative = $nativeHost.Kind -eq 'native'
$dotnet = $managedHost.Kind -eq 'dotnet' ? $managedHost.FileName : (Get-Command dotnet).Source
$pwsh = (Get-Process -Id $PID).Path
$python = (Get-Command python3 -ErrorAction SilentlyContinue).Source
$experiments = Join-Path $root 'bench/Fidelity/gil_experiments.py'
$env:DOTNET_ROLL_FORWARD = 'Major'   # as the worker host sets it for its workers

function Measure-Worker([object] $WorkerHost, [int] $Workers) {
    $options = [ConcurrencyTools.Engine.Models.ModelOptions]@{ WorkerHost = $WorkerHost }
    $model = [ConcurrencyTools.Engine.Models.ExecutionModel]::Create('Processes', $options)
    $spec = [ConcurrencyTools.Engine.Workloads.WorkloadSpec]::new('Cpu', $Workers).AsEmpty()
    $result = $model.Run([ConcurrencyTools.Engine.Workloads.Workload]::Create($spec), $Workers, [Threading.CancellationToken]::None)
    if ($result.Error) { throw $result.Error }
    $result.Startup.TotalMilliseconds
}

function Measure-PythonPool([int] $Workers) {
    $line = & $python $experiments --pool-start $Workers --repeat 1 | ConvertFrom-Csv
    if ($LASTEXITCODE -ne 0) { throw "python3 gil_experiments.py --pool-start $Workers failed with exit code $LASTEXITCODE." }
    [double]$line.StartupMs
}

$counts = $Smoke ? @(1, 2) : @(1, 2, 8)
$candidates = [ordered]@{}
foreach ($count in $counts) {
    $c = $count
    if ($hasNative) { $candidates["native worker x$c"] = { Measure-Worker $nativeHost $c }.GetNewClosure() }
    $candidates["framework-dependent worker x$c ($($managedHost.Kind))"] = { Measure-Worker $managedHost $c }.GetNewClosure()
    if ($python) { $candidates["CPython ProcessPoolExecutor($c), fork"] = { Measure-PythonPool $c }.GetNewClosure() }
}
$candidates['dotnet HelloWorld.dll (to exit)'] = { (Invoke-NativeTimed $dotnet @($hello)).ElapsedMs }
$candidates['pwsh -NoProfile -c exit (to exit)'] = { (Invoke-NativeTimed $pwsh @('-NoProfile', '-c', 'exit')).ElapsedMs }

# Eight 200 ms waits on 4 workers, pool start included, on both sides in the same round.
$waitMs = $Smoke ? 20 : 200
function Measure-WaitsProcesses {
    (Measure-ThreadedWorkload -Workload Io -Model Processes -Workers 4 -Tasks 8 -DurationMs $waitMs -Repeat 1 -Warmup 0 -NoOverhead -NoProgress).ElapsedMs
}
function Measure-WaitsPython {
    $row = & $python $experiments --kind io --tasks 8 --workers 4 --duration-ms $waitMs --models processes | ConvertFrom-Csv
    if ($LASTEXITCODE -ne 0) { throw "python3 gil_experiments.py --kind io failed with exit code $LASTEXITCODE." }
    [double]$row.ElapsedMs
}

$clock = Start-BenchmarkClock
# One unmeasured run of each: disk caches and the JIT of this script are not the subject.
foreach ($run in $candidates.Values) { $null = & $run }
$runs = [Collections.Generic.List[object]]::new()
$waits = [Collections.Generic.List[object]]::new()
foreach ($round in 1..$Repeat) {
    foreach ($name in $candidates.Keys) {
        $runs.Add([pscustomobject]@{ Run = $round; Candidate = $name; ElapsedMs = [math]::Round((& $candidates[$name]), 2) })
    }
    if ($python) {
        $ours = Measure-WaitsProcesses
        $theirs = Measure-WaitsPython
        $waits.Add([pscustomobject]@{ Run = $round; ProcessesMs = [math]::Round($ours, 2); CPythonMs = [math]::Round($theirs, 2); Ratio = [math]::Round($ours / $theirs, 3) })
    }
}
$background = Get-BackgroundLoad -Since $clock

$hello = Get-Median ($runs | Where-Object Candidate -Like 'dotnet*').ElapsedMs
$shell = Get-Median ($runs | Where-Object Candidate -Like 'pwsh*').ElapsedMs
$rows = foreach ($name in $candidates.Keys) {
    $times = @(($runs | Where-Object Candidate -EQ $name).ElapsedMs)
    $median = Get-Median $times
    # A worker against CPython's pool of the same size.
    $peer = if ($name -match ' x(\d+)') { @(($runs | Where-Object Candidate -EQ "CPython ProcessPoolExecutor($($Matches[1])), fork").ElapsedMs) }
    [pscustomobject]@{
        Candidate     = $name
        Runs          = $times.Count
        MedianMs      = $median
        MinMs         = [double]($times | Measure-Object -Minimum).Minimum
        P90Ms         = Get-Percentile $times 90
        OfHelloWorld  = [math]::Round($median / $hello, 2)
        OfPwshExit    = [math]::Round($median / $shell, 2)
        OfCPythonPool = if ($peer) { [math]::Round($median / (Get-Median $peer), 2) } else { $null }
    }
}
if ($waits.Count) {
    $rows += [pscustomobject]@{
        Candidate = "8 waits of $waitMs ms on 4 workers, Processes ($($nativeHost.Kind)); CPython ProcessPoolExecutor(4): median $(Format-BenchmarkNumber (Get-Median $waits.CPythonMs) 0) ms"
        Runs = $waits.Count; MedianMs = Get-Median $waits.ProcessesMs; MinMs = [double]($waits.ProcessesMs | Measure-Object -Minimum).Minimum
        P90Ms = Get-Percentile $waits.ProcessesMs 90; OfHelloWorld = $null; OfPwshExit = $null
        OfCPythonPool = Get-Median $waits.Ratio
    }
}
$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Startup.runs.csv') -UseQuotes AsNeeded
$waits | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Startup.waits.csv') -UseQuotes AsNeeded

# Goals are judged only on a quiet machine: under load, start-up measures the scheduler, not the worker.
$quiet = $null -eq $background -or $background -le $QuietLoad
$loadReason = "not judged: other processes used $(Format-BenchmarkNumber ($background * 100) 0)% of the cores during the run (more than $(Format-BenchmarkNumber ($QuietLoad * 100) 0)%); re-run on a quiet machine"
function New-StartupGoal([string] $Goal, [string] $Measured, [object] $Met, [string] $Reason) {
    if ($Smoke) { return New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $null -Reason 'smoke run' }
    if ($null -eq $Met) { return New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $null -Reason $Reason }
    if (-not $quiet) { return New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $null -Reason $loadReason }
    New-BenchmarkGoal -Goal $Goal -Measured $Measured -Met $Met -Reason $Reason
}
$goals = @()
foreach ($limit in @(@{ Workers = 2; Ms = 20 }, @{ Workers = 8; Ms = 40 })) {
    $row = $rows | Where-Object Candidate -EQ "native worker x$($limit.Workers)"
    $goals += if (-not $row) {
        New-StartupGoal "native worker StartupMs at most $($limit.Ms) ms for $($limit.Workers) workers (median)" '' $null ($hasNative ? "x$($limit.Workers) not measured in this run" : 'no native worker was built for this platform')
    } else {
        New-StartupGoal "native worker StartupMs at most $($limit.Ms) ms for $($limit.Workers) workers (median)" "$(Format-BenchmarkNumber $row.MedianMs 1) ms" ($row.MedianMs -le $limit.Ms) "median of $($row.Runs) runs"
    }
}
$waitRow = $rows | Where-Object Candidate -Like '8 waits*'
$goals += if (-not $waitRow) {
    New-StartupGoal 'eight 200 ms waits on 4 workers within 1.15x of CPython''s ProcessPoolExecutor(4), pool start included' '' $null 'python3 is not installed'
} else {
    New-StartupGoal 'eight 200 ms waits on 4 workers within 1.15x of CPython''s ProcessPoolExecutor(4), pool start included' "$(Format-BenchmarkNumber $waitRow.OfCPythonPool 2)x ($(Format-BenchmarkNumber $waitRow.MedianMs 0) ms against $(Format-BenchmarkNumber (Get-Median $waits.CPythonMs) 0) ms)" ($waitRow.OfCPythonPool -le 1.15) "median of $($waits.Count) per-round ratios"
}

Write-BenchmarkResult -Name Startup -Title 'Start-up: native and framework-dependent workers against a forked CPython pool' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1' `
    -Method ("$Repeat rounds, each running every candidate once in turn (alternating, so drift hits all alike); medians, and ratios of medians to the hello-world, to pwsh and to CPython's pool of as many workers (every run in [``performance/Startup.runs.csv``](performance/Startup.runs.csv)). " +
        "Workers: native ``$($nativeHost.FileName)`` ($($nativeHost.Kind)), framework-dependent through $($managedHost.Kind) ``$($managedHost.FileName)``. A worker's time is the Processes model's own StartupMs (all launched at once, until every one says ``ready``, empty workload); CPython's is ``ProcessPoolExecutor(N)`` (fork) from its creation until every worker runs a task (each task waits on a barrier of all N workers, so none takes two) (``gil_experiments.py --pool-start N``, the interpreter's own start not counted, as pwsh's is not); the others are timed from Process.Start to exit with their output read. " +
        "Each round also runs eight $waitMs ms waits on 4 workers, ``Measure-ThreadedWorkload -Workload Io -Model Processes -Workers 4 -Tasks 8`` (ElapsedMs, from the first launch until every worker is reaped) against CPython's ``ProcessPoolExecutor(4)`` created and shut down inside its timed region (the ``with`` block); the ratio is taken per round and its median reported (every round in [``performance/Startup.waits.csv``](performance/Startup.waits.csv)). " +
        'The hello-world is built like the framework-dependent worker (no apphost, invariant globalization) and started the same way: `dotnet <dll>` with DOTNET_ROLL_FORWARD=Major.') `
    -Rows $rows -Table Candidate, Runs, MedianMs, MinMs, P90Ms, OfHelloWorld, OfPwshExit, OfCPythonPool -Goals $goals `
    -Notes @("Goals are judged only when other processes used at most $(Format-BenchmarkNumber ($QuietLoad * 100) 0)% of the cores during the run; on a busier machine they say 'not judged' rather than report the load as a miss.")
