#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every benchmark under bench/ and writes docs/performance.md from their results.
.DESCRIPTION
    A benchmark is a script bench/<Folder>/Invoke-<Name>Benchmark.ps1: adding one is adding the file
    (see bench/README.md for what it must do). Each runs alone in a fresh pwsh, one after another, and
    writes <Name>.csv, <Name>.goals.csv and <Name>.md into the output directory; this script then writes
    the document: machine, date, command, whether the machine was quiet, every goal with its verdict,
    and the sections in the order of $SectionOrder (benchmarks not listed there come last, by name).
    A section from an earlier run stays in the document until its benchmark runs again (-Name).
.PARAMETER Smoke
    Runs every benchmark with a few samples only, to prove that each still runs (seconds, not figures);
    writes to out/bench-smoke unless -OutputDirectory is given.
.PARAMETER Name
    Runs only these benchmarks (e.g. Scale); the other sections are kept as they were.
.PARAMETER OutputDirectory
    Where the CSV files and sections go; the document goes beside it, named <folder>.md.
.PARAMETER SkipBuild
    Uses out/ConcurrencyTools as it is instead of publishing the module first.
.PARAMETER BenchmarkRoot
    Where to look for <Folder>/Invoke-<Name>Benchmark.ps1 (default: this folder).
.EXAMPLE
    pwsh ./build.ps1 -Task Bench
.EXAMPLE
    pwsh ./bench/Invoke-Benchmarks.ps1 -Smoke
.EXAMPLE
    pwsh ./bench/Invoke-Benchmarks.ps1 -Name Scale, Startup -SkipBuild
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string[]] $Name,
    [string] $OutputDirectory,
    [switch] $SkipBuild,
    [string] $BenchmarkRoot = $PSScriptRoot
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'BenchmarkRecord.psm1') -Force
$root = Get-BenchmarkRepositoryRoot

# The order of the document: the issue's order. A benchmark not named here still runs and comes last.
$SectionOrder = 'InProcess', 'Scale', 'Startup', 'ProcessPool', 'Remoting', 'Runspaces', 'Fidelity'

if (-not $OutputDirectory) {
    $OutputDirectory = if ($Smoke) { Join-Path $root 'out/bench-smoke/performance' } else { Join-Path $root 'docs/performance' }
}
$OutputDirectory = [IO.Path]::GetFullPath($OutputDirectory)
$documentPath = "$OutputDirectory.md"
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$pwsh = (Get-Process -Id $PID).Path

if (-not $SkipBuild) {
    & dotnet publish (Join-Path $root 'src/ConcurrencyTools/ConcurrencyTools.csproj') -c Release -o (Join-Path $root 'out/ConcurrencyTools') --nologo
    if ($LASTEXITCODE -ne 0) { throw "Building the module failed with exit code $LASTEXITCODE." }
}

$scripts = Get-ChildItem -Path (Join-Path $BenchmarkRoot '*/Invoke-*Benchmark.ps1') | ForEach-Object {
    [pscustomobject]@{ Name = $_.BaseName -replace '^Invoke-' -replace 'Benchmark$'; Path = $_.FullName }
} | Sort-Object { $i = [array]::IndexOf($SectionOrder, $_.Name); if ($i -lt 0) { $SectionOrder.Count } else { $i } }, Name
if ($Name) {
    # pwsh -File passes "-Name A,B" as the one string 'A,B' (or 'A,' and 'B').
    $Name = $Name -split ',' | ForEach-Object Trim | Where-Object { $_ }
    $unknown = $Name | Where-Object { $_ -notin $scripts.Name }
    if ($unknown) { throw "No benchmark is named $($unknown -join ', '); there are: $($scripts.Name -join ', ')." }
    $selected = $scripts | Where-Object Name -In $Name
} else {
    $selected = $scripts
}

$failures = [Collections.Generic.List[string]]::new()
foreach ($benchmark in $selected) {
    Write-Host "`n==== $($benchmark.Name): $($benchmark.Path)"
    $started = [datetime]::Now
    $arguments = @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $benchmark.Path, '-OutputDirectory', $OutputDirectory)
    if ($Smoke) { $arguments += '-Smoke' }
    & $pwsh @arguments
    $section = Join-Path $OutputDirectory "$($benchmark.Name).md"
    if ($LASTEXITCODE -ne 0) {
        $failures.Add("$($benchmark.Name) exited with $LASTEXITCODE")
    } elseif (-not (Test-Path $section) -or (Get-Item $section).LastWriteTime -lt $started) {
        $failures.Add("$($benchmark.Name) wrote no section $section")
    }
}

# The document, from every section present (this run's and earlier ones').
$machine = Get-BenchmarkMachine
# A section with no script (written by hand) is kept in its place too.
$static = $SectionOrder | Where-Object { $_ -notin $scripts.Name -and (Test-Path (Join-Path $OutputDirectory "$_.md")) } |
    ForEach-Object { [pscustomobject]@{ Name = $_; Path = $null } }
$present = @($scripts) + @($static) | Where-Object { Test-Path (Join-Path $OutputDirectory "$($_.Name).md") } |
    Sort-Object { $i = [array]::IndexOf($SectionOrder, $_.Name); if ($i -lt 0) { $SectionOrder.Count } else { $i } }, Name
$goals = foreach ($benchmark in $present) {
    $path = Join-Path $OutputDirectory "$($benchmark.Name).goals.csv"
    if (Test-Path $path) { Import-Csv $path | Select-Object @{ n = 'Benchmark'; e = { $benchmark.Name } }, * }
}
$loads = foreach ($benchmark in $present) {
    $text = Get-Content -Raw (Join-Path $OutputDirectory "$($benchmark.Name).md")
    if ($text -match '<!-- background-load: ([0-9.]+) -->') {
        [pscustomobject]@{ Name = $benchmark.Name; Load = [double]::Parse($Matches[1], [cultureinfo]::InvariantCulture) }
    }
}

$relative = [IO.Path]::GetRelativePath($root, $OutputDirectory)
$document = [Text.StringBuilder]::new()
$null = $document.AppendLine('# Performance record').AppendLine()
$null = $document.AppendLine('What ConcurrencyTools costs and how faithfully it reproduces the real thing, measured side by side in one run: every figure below is a ratio or a comparison taken in the same run, because absolute times on a shared machine mean little.').AppendLine()
$null = $document.AppendLine("Regenerate with ``pwsh ./build.ps1 -Task Bench`` (everything, tens of minutes) or ``pwsh ./bench/Invoke-Benchmarks.ps1 -Name <benchmark>`` (one section); each benchmark also runs alone (the command is in its section) and writes its CSV to ``$relative/``. ``bash test.sh`` runs every benchmark in smoke mode (``-Smoke``), which proves that each still runs and measures nothing.").AppendLine()
if ($Smoke) {
    $null = $document.AppendLine('> **Smoke run.** Every benchmark ran with a few samples only: no figure in this file means anything.').AppendLine()
}

$busy = @($loads | Where-Object Load -GT 0.1)
if ($busy) {
    $worst = ($busy | Measure-Object Load -Maximum).Maximum
    $null = $document.AppendLine("> **Taken under load.** While these benchmarks ran, other processes used up to $(Format-BenchmarkNumber ($worst * 100) 0)% of the machine's cores ($(($busy | ForEach-Object { "$($_.Name) $(Format-BenchmarkNumber ($_.Load * 100) 0)%" }) -join ', ')). The figures show what was seen then, not what this code does on a quiet machine: regenerate them on a quiet machine with ``pwsh ./build.ps1 -Task Bench`` before relying on them, and read each goal's verdict in that light.").AppendLine()
} elseif ($loads) {
    $null = $document.AppendLine('> The machine was quiet: other processes used at most 10% of its cores while each benchmark ran.').AppendLine()
}

$null = $document.AppendLine('## Machine').AppendLine()
$null = $document.AppendLine((ConvertTo-MarkdownTable -InputObject @($machine.PSObject.Properties | ForEach-Object { [pscustomobject]@{ what = $_.Name; value = $_.Value } }))).AppendLine()
$null = $document.AppendLine("Document written $([datetimeoffset]::UtcNow.ToString('yyyy-MM-dd HH:mm', [cultureinfo]::InvariantCulture)) UTC; each section says when it was taken.").AppendLine()

$null = $document.AppendLine('## Goals').AppendLine()
if ($goals) {
    $null = $document.AppendLine((ConvertTo-MarkdownTable -InputObject @($goals) -Property Benchmark, Goal, Measured, Verdict, Reason)).AppendLine()
} else {
    $null = $document.AppendLine('(no benchmark has recorded a goal yet)').AppendLine()
}

$missing = $SectionOrder | Where-Object { $_ -notin $present.Name }
if ($missing) {
    $null = $document.AppendLine("Not measured yet (no bench/*/Invoke-<Name>Benchmark.ps1 for them): $($missing -join ', ').").AppendLine()
}

foreach ($benchmark in $present) {
    $text = (Get-Content -Raw (Join-Path $OutputDirectory "$($benchmark.Name).md")) -replace '(?m)^<!-- background-load:.*-->\s*$', ''
    $null = $document.AppendLine($text.TrimEnd()).AppendLine()
}
Set-Content -LiteralPath $documentPath -Value $document.ToString().TrimEnd() -Encoding utf8NoBOM
Write-Host "`nWrote $documentPath"

if ($failures.Count) {
    Write-Error ("Benchmarks failed: " + ($failures -join '; '))
    exit 1
}
