#Requires -Version 7.4
<#
.SYNOPSIS
    Start-up: a Processes-model worker (until it says it is ready) against a bare `dotnet` hello-world
    and against `pwsh -NoProfile -c exit`, alternating run by run.
.EXAMPLE
    pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1
.EXAMPLE
    pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 1000)] [int] $Repeat = 15
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

# The worker host the Processes model uses from this pwsh; the hello-world runs under the same dotnet.
$host_ = [ConcurrencyTools.Engine.Processes.WorkerHost]::Locate((Join-Path $root 'out/ConcurrencyTools'))
$dotnet = $host_.Kind -eq 'dotnet' ? $host_.FileName : (Get-Command dotnet).Source
$pwsh = (Get-Process -Id $PID).Path
$env:DOTNET_ROLL_FORWARD = 'Major'   # as the worker host sets it for its workers

$model = [ConcurrencyTools.Engine.Models.ExecutionModel]::Create('Processes')
function Measure-Worker([int] $Workers) {
    $spec = [ConcurrencyTools.Engine.Workloads.WorkloadSpec]::new('Cpu', $Workers).AsEmpty()
    $result = $model.Run([ConcurrencyTools.Engine.Workloads.Workload]::Create($spec), $Workers, [Threading.CancellationToken]::None)
    if ($result.Error) { throw $result.Error }
    $result.Startup.TotalMilliseconds
}

$candidates = [ordered]@{
    'Processes worker, 1 at a time (until ready)' = { Measure-Worker 1 }
    'Processes workers, 2 started together (until both ready)' = { Measure-Worker 2 }
    'dotnet HelloWorld.dll (to exit)' = { (Invoke-NativeTimed $dotnet @($hello)).ElapsedMs }
    'pwsh -NoProfile -c exit (to exit)' = { (Invoke-NativeTimed $pwsh @('-NoProfile', '-c', 'exit')).ElapsedMs }
}

$clock = Start-BenchmarkClock
# One unmeasured run of each: disk caches and the JIT of this script are not the subject.
foreach ($run in $candidates.Values) { $null = & $run }
$runs = foreach ($round in 1..$Repeat) {
    foreach ($name in $candidates.Keys) {
        [pscustomobject]@{ Run = $round; Candidate = $name; ElapsedMs = [math]::Round((& $candidates[$name]), 2) }
    }
}

$hello = Get-Median ($runs | Where-Object Candidate -Like 'dotnet*').ElapsedMs
$shell = Get-Median ($runs | Where-Object Candidate -Like 'pwsh*').ElapsedMs
$rows = foreach ($name in $candidates.Keys) {
    $times = ($runs | Where-Object Candidate -EQ $name).ElapsedMs
    $median = Get-Median $times
    [pscustomobject]@{
        Candidate     = $name
        Runs          = $times.Count
        MedianMs      = $median
        MinMs         = [double]($times | Measure-Object -Minimum).Minimum
        P90Ms         = Get-Percentile $times 90
        OfHelloWorld  = [math]::Round($median / $hello, 2)
        OfPwshExit    = [math]::Round($median / $shell, 2)
    }
}
$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Startup.runs.csv') -UseQuotes AsNeeded

Write-BenchmarkResult -Name Startup -Title 'Start-up: a worker process against bare dotnet and pwsh' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/Startup/Invoke-StartupBenchmark.ps1' `
    -Method ("$Repeat rounds, each running every candidate once in turn (alternating, so drift hits all alike); medians, and ratios of medians to the hello-world and to pwsh (every run in [``performance/Startup.runs.csv``](performance/Startup.runs.csv)). " +
        "Worker host: $($host_.Kind) ``$($host_.FileName)``. The worker's time is the Processes model's own StartupMs (first launch until the worker says ``ready``, empty workload); the others are timed from Process.Start to exit with their output read. " +
        'The hello-world is built like the worker (framework-dependent, no apphost, invariant globalization) and started the same way: `dotnet <dll>` with DOTNET_ROLL_FORWARD=Major.') `
    -Rows $rows -Table Candidate, Runs, MedianMs, MinMs, P90Ms, OfHelloWorld, OfPwshExit `
    -Notes @('No goal is set for start-up: the figures say what a Processes run pays before its first task, and what a worker adds to the bare runtime start (loading the engine assembly, parsing the workload, the pipe hand-shake).')
