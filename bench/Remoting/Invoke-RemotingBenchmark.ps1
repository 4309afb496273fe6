#Requires -Version 7.4
<#
.SYNOPSIS
    Per-task overhead of Invoke-ProcessPool -Session (a remote host over SSH remoting) against the same pool on
    this machine, on /bin/true, alternating run by run.
.DESCRIPTION
    Starts an OpenSSH server on 127.0.0.1 that serves PowerShell remoting with this module (keys made for the run,
    stopped at the end whatever happens), opens one session to it, then runs the same tasks through the local pool
    and through the session in alternating rounds, 2 at a time each. The host is this machine, so the comparison
    is the remote path's own cost: the SSH transport, serialization and the round trips, with the same processes
    started on the same cores. Needs /usr/sbin/sshd (Debian: openssh-server); without it the goal is not judged.
.EXAMPLE
    pwsh ./bench/Remoting/Invoke-RemotingBenchmark.ps1
.EXAMPLE
    pwsh ./bench/Remoting/Invoke-RemotingBenchmark.ps1 -Smoke -OutputDirectory out/bench-smoke/performance
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutputDirectory,
    [ValidateRange(1, 1000000)] [int] $Tasks = 1000,
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [ValidateRange(1, 64)] [int] $Throttle = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../BenchmarkRecord.psm1') -Force
$root = Get-BenchmarkRepositoryRoot
$OutputDirectory = Initialize-Benchmark $OutputDirectory -ConcurrencyTools
if ($Smoke) { $Tasks = 20; $Rounds = 1 }
$goalText = "A remote slot adds under 1 ms per task to the local pool ($Tasks /bin/true tasks, $Throttle at a time)"

Import-Module (Join-Path $root 'tests/Pester/TestSshHost.psm1') -Force
$clock = Start-BenchmarkClock
if (-not (Test-SshServerAvailable)) {
    Write-BenchmarkResult -Name Remoting -Title 'Remoting: a remote slot against a local one' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
        -Command 'pwsh ./bench/Remoting/Invoke-RemotingBenchmark.ps1' -Method 'Not run: no OpenSSH server on this machine.' -Rows @() `
        -Goals @(New-BenchmarkGoal -Goal $goalText -Measured '' -Met $null -Reason 'no /usr/sbin/sshd (Debian: openssh-server)')
    return
}

$sshHost = Start-TestSshHost -Address 127.0.0.1 -ModuleRoot (Join-Path $root 'out')
$session = $null
try {
    $session = New-TestSshSession $sshHost
    $items = 1..$Tasks
    $candidates = [ordered]@{
        'local pool'            = { $items | Invoke-ProcessPool -FilePath /bin/true -ThrottleLimit $Throttle -NoProgress }
        'remote pool (1 host)'  = { $items | Invoke-ProcessPool -FilePath /bin/true -ThrottleLimit $Throttle -Session $session -NoProgress }
    }
    # One unmeasured run of each: JIT on both sides, the module's import on the host.
    foreach ($run in $candidates.Values) { $null = & $run | Select-Object -First 20 }
    $runs = foreach ($round in 1..$Rounds) {
        $order = if ($round % 2) { @($candidates.Keys) } else { @($candidates.Keys)[1, 0] }
        foreach ($name in $order) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $rows = @(& $candidates[$name])
            $watch.Stop()
            $failed = @($rows | Where-Object { -not $_.Succeeded }).Count
            if ($rows.Count -ne $Tasks -or $failed) { throw "$name returned $($rows.Count) rows, $failed failed, for $Tasks tasks." }
            [pscustomobject]@{ Round = $round; Candidate = $name; ElapsedMs = [math]::Round($watch.Elapsed.TotalMilliseconds, 1); PerTaskMs = [math]::Round($watch.Elapsed.TotalMilliseconds / $Tasks, 3) }
        }
    }
}
finally {
    if ($session) { $session | Remove-PSSession -ErrorAction Ignore }
    Stop-TestSshHost $sshHost
}

$runs | Export-Csv -LiteralPath (Join-Path $OutputDirectory 'Remoting.runs.csv') -UseQuotes AsNeeded
$local = Get-Median @(($runs | Where-Object Candidate -EQ 'local pool').PerTaskMs)
$added = foreach ($round in 1..$Rounds) {
    $pair = $runs | Where-Object Round -EQ $round
    ($pair | Where-Object Candidate -Like 'remote*').PerTaskMs - ($pair | Where-Object Candidate -EQ 'local pool').PerTaskMs
}
$addedMedian = Get-Median $added
$rows = foreach ($name in $candidates.Keys) {
    $per = @(($runs | Where-Object Candidate -EQ $name).PerTaskMs)
    [pscustomobject]@{
        Candidate      = $name
        Rounds         = $per.Count
        MedianPerTaskMs = Get-Median $per
        MinPerTaskMs   = [double]($per | Measure-Object -Minimum).Minimum
        OfLocal        = [math]::Round((Get-Median $per) / $local, 2)
        AddedPerTaskMs = if ($name -like 'remote*') { [math]::Round($addedMedian, 3) } else { 0.0 }
    }
}

$met = if ($Smoke) { $null } else { $addedMedian -lt 1 }
$reason = if ($Smoke) { 'smoke run' } elseif ($met) {
    'one long-running remote pipeline per host takes batches of tasks in and streams rows out, and the pool sends a host as many tasks ahead of its slots as it finishes in a round trip, so no slot waits on the wire; a guard holds each session''s ssh pipe, so a host that dies cannot make PowerShell''s SSH client abort the local pwsh'
} else {
    'one long-running remote pipeline per host takes batches of tasks in and streams rows out, with tasks sent ahead as the round trip needs; what is left is the SSH transport''s round trip and the serialization of each row'
}
Write-BenchmarkResult -Name Remoting -Title 'Remoting: a remote slot against a local one' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Command 'pwsh ./bench/Remoting/Invoke-RemotingBenchmark.ps1' `
    -Method ("$Rounds rounds of $Tasks ``/bin/true`` tasks, $Throttle at a time, through ``Invoke-ProcessPool`` on this machine and through ``Invoke-ProcessPool -Session`` to an OpenSSH server on 127.0.0.1 (this machine again, so both start the same processes on the same cores), in alternating order; " +
        "per-task time is wall time / tasks, the added cost is the remote run's per-task time less the local run's in the same round (median over rounds; every run in [``performance/Remoting.runs.csv``](performance/Remoting.runs.csv)).") `
    -Rows $rows -Table Candidate, Rounds, MedianPerTaskMs, MinPerTaskMs, OfLocal, AddedPerTaskMs `
    -Goals @(New-BenchmarkGoal -Goal $goalText -Measured "$(Format-BenchmarkNumber $addedMedian 3) ms per task (median over rounds)" -Met $met -Reason $reason)
