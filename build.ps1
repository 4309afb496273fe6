#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents and packages the ConcurrencyTools module.
.DESCRIPTION
    Build   (default) publishes the module into out/ConcurrencyTools: the cmdlet and engine
            assemblies, the worker (framework-dependent, and compiled ahead of time into
            out/ConcurrencyTools/<rid>/ when clang or gcc is installed), the manifest and the format
            file (and the help, when PlatyPS is installed). The build fails if the folder holds anything else.
    Test    builds, runs the xunit suites (the engine's, and the Runspaces suite, which needs the .NET SDK 10),
            then the Pester suite in a fresh pwsh.
    Docs    turns docs/en-US into out/ConcurrencyTools/en-US/ConcurrencyTools.dll-Help.xml (needs PlatyPS).
    Package builds, adds the help, and packs the module as out/ConcurrencyTools.<version>.nupkg (the layout
            PowerShell galleries serve, for Publish-PSResource or a local repository) and as
            out/ConcurrencyTools-<version>.zip (its folder ConcurrencyTools/<version>/ unzips into any
            PSModulePath folder).
    Bench   builds, runs every benchmark under bench/ (tens of minutes) and rewrites docs/performance.md
            and docs/performance/*.csv; -Smoke runs each for seconds only, into out/bench-smoke.
    Demo    builds, then runs the README's quick start (eight CPU-bound tasks: sequential, threads under a GIL, processes) in a fresh pwsh.
    Screenshot builds, measures a small CPU-bound sweep, writes out/report.html with Export-ConcurrencyReport
            and saves its top as docs/report.png (the README's picture) with headless Chromium.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Bench
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Demo', 'Screenshot', 'Bench')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Bench only: a few samples per benchmark, to prove each still runs.
    [switch] $Smoke
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out/ConcurrencyTools'

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    # The Processes model's native worker is linked by clang or gcc; the build goes on without it (and says so).
    if (-not $IsWindows -and -not (Get-Command clang, gcc -CommandType Application -ErrorAction Ignore)) {
        Write-Warning 'Neither clang nor gcc is installed: the module is built without its native worker, and Processes workers start about ten times slower. Debian/Ubuntu: apt-get install -y gcc; Fedora: dnf install gcc; macOS: xcode-select --install.'
    }
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/ConcurrencyTools/ConcurrencyTools.csproj'), '-c', $Configuration, '-o', $moduleDir, '--nologo')
    if (Get-Module -ListAvailable platyPS) { Invoke-Docs } else { Write-Warning 'PlatyPS is not installed: the module is built without its help file.' }
    Write-Host "Module built in $moduleDir"
}

function Invoke-Docs {
    Import-Module platyPS -ErrorAction Stop
    $null = New-ExternalHelp -Path (Join-Path $root 'docs/en-US') -OutputPath (Join-Path $moduleDir 'en-US') -Force
}

function Invoke-Test {
    Invoke-Build
    Invoke-Native dotnet @('test', (Join-Path $root 'tests/ConcurrencyTools.Engine.Tests/ConcurrencyTools.Engine.Tests.csproj'), '-c', $Configuration, '--nologo')
    # The suite that hosts PowerShell in-process targets net10.0, as System.Management.Automation 7.6 does: say so
    # rather than skip it when this SDK cannot build it.
    if (-not (& dotnet --list-sdks | Where-Object { [int] ($_ -split '\.')[0] -ge 10 })) {
        throw 'tests/ConcurrencyTools.Runspaces.Tests targets .NET 10: install the .NET SDK 10 (https://dot.net) to run it.'
    }
    Invoke-Native dotnet @('test', (Join-Path $root 'tests/ConcurrencyTools.Runspaces.Tests/ConcurrencyTools.Runspaces.Tests.csproj'), '-c', $Configuration, '--nologo')
    if (Get-Module -ListAvailable Pester | Where-Object Version -ge ([version]'5.0')) {
        # A fresh process: the suite imports the built module, never a copy this session loaded.
        Invoke-Native (Get-Process -Id $PID).Path @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/Pester/Invoke-PesterSuite.ps1'))
    } else {
        Write-Warning 'Pester 5 is not installed: the Pester suite was skipped.'
    }
}

function Invoke-Package {
    Invoke-Build
    if (-not (Test-Path (Join-Path $moduleDir 'en-US'))) { Invoke-Docs }
    . (Join-Path $root 'build/ModulePackage.ps1')
    # The gallery's .nupkg, and a zip holding ConcurrencyTools/<version>/ for a PSModulePath folder.
    $nupkg = New-ModuleNupkg -ModuleDir $moduleDir -OutputDir (Join-Path $root 'out')
    $zip = New-ModuleZip -ModuleDir $moduleDir -OutputDir (Join-Path $root 'out')
    Write-Host "Packages: $($nupkg.FullName), $($zip.FullName)"
}

function Invoke-Demo {
    Invoke-Build
    $script = {
        param($Module)
        Import-Module $Module
        Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads, GilThreads, Processes -Workers 4 -Tasks 8 -Repeat 5 |
            Measure-Speedup | Format-Table
    }
    Invoke-Native (Get-Process -Id $PID).Path @('-NoLogo', '-NoProfile', '-NonInteractive', '-Command', "& { $script } '$moduleDir'")
}

function Invoke-Bench {
    Invoke-Build
    $arguments = @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'bench/Invoke-Benchmarks.ps1'), '-SkipBuild')
    if ($Smoke) { $arguments += '-Smoke' }
    Invoke-Native (Get-Process -Id $PID).Path $arguments
}

function Invoke-Screenshot {
    Invoke-Build
    . (Join-Path $root 'tests/Pester/HeadlessBrowser.ps1')
    $chromium = Find-Chromium
    if (-not $chromium) { throw 'Chromium is needed for the screenshot (Debian: apt-get install -y chromium).' }
    $report = Join-Path $root 'out/report.html'
    $script = {
        param($Module, $Report)
        Import-Module $Module
        Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads, GilThreads, Processes -Workers 1, 2 -Tasks 8 -Iterations 20000000 -Repeat 5 -NoProgress |
            Export-ConcurrencyReport -Path $Report -Title 'CPU-bound work: threads, threads under a GIL, processes'
    }
    Invoke-Native (Get-Process -Id $PID).Path @('-NoLogo', '-NoProfile', '-NonInteractive', '-Command', "& { $script } '$moduleDir' '$report'")
    $shot = Save-Screenshot -Chromium $chromium -Path $report -OutFile (Join-Path $root 'docs/report.png') -Width 1280 -Height 1360
    Write-Host "Report: $report; screenshot: $($shot.FullName)"
}

foreach ($name in $Task) {
    & "Invoke-$name"
}
