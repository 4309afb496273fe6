#Requires -Version 7.4
<#
    What every benchmark script under bench/ shares: the machine it ran on, medians and percentiles,
    goals marked met or not met, and one call that prints the summary table and writes the results.

    A benchmark script bench/<Folder>/Invoke-<Name>Benchmark.ps1 takes -Smoke and -OutputDirectory and
    ends with one Write-BenchmarkResult -Name <Name> call, which writes into the output directory:
        <Name>.csv        the results, one row per measured configuration (Export-Csv)
        <Name>.goals.csv  the goals with their verdicts
        <Name>.md         the section of docs/performance.md (title, command, table, goals, notes)
    bench/Invoke-Benchmarks.ps1 finds the scripts, runs each in a fresh pwsh and stitches the sections
    into docs/performance.md.
#>

Set-StrictMode -Version Latest

$script:RepositoryRoot = Split-Path $PSScriptRoot -Parent

function Get-BenchmarkRepositoryRoot {
    <# The repository root, so scripts find out/ConcurrencyTools and docs/ wherever they are run from. #>
    $script:RepositoryRoot
}

function Initialize-Benchmark {
    <#
        What every benchmark script does first: resolves its output directory (docs/performance unless
        given) and creates it, and with -ConcurrencyTools imports the built module (out/ConcurrencyTools)
        into the script's session. Returns the output directory.
    #>
    param([AllowEmptyString()] [string] $OutputDirectory, [switch] $ConcurrencyTools)
    if (-not $OutputDirectory) { $OutputDirectory = Join-Path $script:RepositoryRoot 'docs/performance' }
    $null = New-Item -ItemType Directory -Force -Path $OutputDirectory
    if ($ConcurrencyTools) {
        Import-Module (Join-Path $script:RepositoryRoot 'out/ConcurrencyTools/ConcurrencyTools.psd1') -Force -Global
    }
    [IO.Path]::GetFullPath($OutputDirectory)
}

function Start-BenchmarkClock {
    <#
        The wall clock, and on Linux the machine's busy CPU time (/proc/stat) and this process's own
        (self and reaped children, /proc/self/stat): Get-BackgroundLoad tells from two of these how much
        CPU other processes took meanwhile, which is what decides whether figures were taken under load.
    #>
    $busy = $null; $own = $null
    if ((Test-Path /proc/stat) -and (Test-Path /proc/self/stat)) {
        # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
        $cpu = ((Get-Content /proc/stat -TotalCount 1) -split '\s+')[1..8] | ForEach-Object { [long]$_ }
        $busy = $cpu[0] + $cpu[1] + $cpu[2] + $cpu[5] + $cpu[6] + $cpu[7]
        # Fields after the command name: utime stime cutime cstime are fields 14-17 of the line.
        $self = (Get-Content -Raw /proc/self/stat)
        $fields = $self.Substring($self.LastIndexOf(')') + 2).Split(' ')
        $own = [long]$fields[11] + [long]$fields[12] + [long]$fields[13] + [long]$fields[14]
    }
    [pscustomobject]@{ Time = [datetimeoffset]::Now; Ticks = [Diagnostics.Stopwatch]::GetTimestamp(); BusyJiffies = $busy; OwnJiffies = $own; LoadAverage = Get-LoadAverage }
}

function Get-LoadAverage {
    <#
        The one-minute load average (/proc/loadavg), $null off Linux. It counts every runnable task, also
        those of other processes running at a lower priority (nice), which take little CPU from a
        benchmark and so barely show in Get-BackgroundLoad, yet still compete for the cores.
    #>
    if (-not (Test-Path /proc/loadavg)) { return $null }
    [double]::Parse(((Get-Content /proc/loadavg -TotalCount 1) -split ' ')[0], [cultureinfo]::InvariantCulture)
}

function Get-BackgroundLoad {
    <#
        The share of all cores' time that processes other than this one and its children used since
        -Since (0 = quiet, 1 = every core busy with someone else's work); $null off Linux.
    #>
    param([Parameter(Mandatory)] [object] $Since)
    $now = Start-BenchmarkClock
    if ($null -eq $Since.BusyJiffies -or $null -eq $now.BusyJiffies) { return $null }
    $seconds = [Diagnostics.Stopwatch]::GetElapsedTime($Since.Ticks, $now.Ticks).TotalSeconds
    if ($seconds -le 0) { return $null }
    $others = ($now.BusyJiffies - $Since.BusyJiffies) - ($now.OwnJiffies - $Since.OwnJiffies)
    # Kernel clock ticks are 100 per second on every Linux that pwsh runs on (USER_HZ).
    [math]::Round([math]::Min(1, [math]::Max(0, $others / 100.0 / ($seconds * [Environment]::ProcessorCount))), 3)
}

function Get-BenchmarkMachine {
    <# Machine, OS, cores, runtimes: the header of docs/performance.md. #>
    $cpu = if (Test-Path /proc/cpuinfo) {
        (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.*)$' | Select-Object -First 1).Matches.Groups[1].Value
    }
    $memory = if (Test-Path /proc/meminfo) {
        $kb = [long]((Select-String -Path /proc/meminfo -Pattern '^MemTotal:\s*(\d+)').Matches.Groups[1].Value)
        '{0:N1} GiB' -f ($kb / 1MB)
    }
    $dotnet = (Get-Command dotnet -ErrorAction SilentlyContinue) ? ((& dotnet --version 2>$null) -join '') : $null
    $python = (Get-Command python3 -ErrorAction SilentlyContinue) ? ((& python3 --version 2>&1) -join '') : $null
    [pscustomobject]@{
        Machine     = [Environment]::MachineName
        OS          = [Runtime.InteropServices.RuntimeInformation]::OSDescription
        Cpu         = $cpu
        Cores       = [Environment]::ProcessorCount
        Memory      = $memory
        PowerShell  = $PSVersionTable.PSVersion.ToString()
        Runtime     = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        DotnetSdk   = $dotnet
        Python      = $python
    }
}

function Get-Median {
    <# The median of some numbers (the mean of the middle two for an even count). #>
    param([Parameter(Mandatory)] [double[]] $Value)
    $sorted = [double[]]($Value | Sort-Object)
    $n = $sorted.Length
    if ($n -eq 0) { return [double]::NaN }
    if ($n % 2) { return $sorted[($n - 1) / 2] }
    ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Get-Percentile {
    <# The nearest-rank percentile of some numbers. #>
    param([Parameter(Mandatory)] [double[]] $Value, [Parameter(Mandatory)] [double] $Percent)
    $sorted = [double[]]($Value | Sort-Object)
    if ($sorted.Length -eq 0) { return [double]::NaN }
    $rank = [math]::Ceiling($Percent / 100 * $sorted.Length)
    $sorted[[math]::Max(0, [math]::Min($sorted.Length - 1, $rank - 1))]
}

function New-BenchmarkGoal {
    <#
        A goal and its verdict. -Met $null means it could not be judged (e.g. in smoke mode or when a
        prerequisite is missing); -Reason then says why, and for a goal not met it says what was seen.
    #>
    param(
        [Parameter(Mandatory)] [string] $Goal,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Measured,
        [AllowNull()] [object] $Met,
        [string] $Reason = ''
    )
    $verdict = if ($null -eq $Met) { 'not judged' } elseif ($Met) { 'met' } else { 'not met' }
    [pscustomobject]@{ Goal = $Goal; Measured = $Measured; Verdict = $verdict; Reason = $Reason }
}

function Format-BenchmarkNumber {
    <# A number for the doc: invariant culture, a fixed count of decimals, thousands separated. #>
    param([AllowNull()] [object] $Value, [int] $Decimals = 2)
    if ($null -eq $Value -or ($Value -is [double] -and [double]::IsNaN($Value))) { return '' }
    ([double]$Value).ToString("N$Decimals", [cultureinfo]::InvariantCulture)
}

function ConvertTo-MarkdownTable {
    <# A GitHub markdown table of the given properties; pipes in cells are escaped. #>
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $InputObject, [string[]] $Property)
    if ($InputObject.Count -eq 0) { return '(no rows)' }
    if (-not $Property) { $Property = $InputObject[0].PSObject.Properties.Name }
    $escape = { param($text) "$text".Replace('|', '\|').Replace("`n", ' ') }
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('| ' + (($Property | ForEach-Object { & $escape $_ }) -join ' | ') + ' |')
    $lines.Add('|' + (($Property | ForEach-Object { ' --- ' }) -join '|') + '|')
    foreach ($row in $InputObject) {
        $cells = foreach ($name in $Property) {
            $value = $row.$name
            if ($value -is [double] -or $value -is [single]) { $value = Format-BenchmarkNumber $value } 
            & $escape $value
        }
        $lines.Add('| ' + ($cells -join ' | ') + ' |')
    }
    $lines -join "`n"
}

function Write-BenchmarkResult {
    <#
        Prints the summary table and the goals, then writes <Name>.csv, <Name>.goals.csv and <Name>.md
        into -OutputDirectory. -Table picks the columns shown in the doc and on screen; the CSV keeps them all.
    #>
    param(
        [Parameter(Mandatory)] [ValidatePattern('^[A-Za-z][A-Za-z0-9]*$')] [string] $Name,
        [Parameter(Mandatory)] [string] $Title,
        [Parameter(Mandatory)] [string] $Command,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $Rows,
        [string[]] $Table,
        [AllowEmptyCollection()] [object[]] $Goals = @(),
        [string[]] $Notes = @(),
        [Parameter(Mandatory)] [string] $OutputDirectory,
        [switch] $Smoke,
        [Parameter(Mandatory)] [object] $Clock
    )
    $null = New-Item -ItemType Directory -Force -Path $OutputDirectory
    $background = Get-BackgroundLoad -Since $Clock
    $shown = if ($Table) { $Rows | Select-Object -Property $Table } else { $Rows }

    Write-Host ''
    Write-Host "== $Title"
    $shown | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    if ($Goals.Count) { $Goals | Format-Table -AutoSize -Wrap | Out-String -Width 200 | Write-Host }

    $Rows | Export-Csv -LiteralPath (Join-Path $OutputDirectory "$Name.csv") -UseQuotes AsNeeded
    $Goals | Export-Csv -LiteralPath (Join-Path $OutputDirectory "$Name.goals.csv") -UseQuotes AsNeeded

    $elapsed = [datetimeoffset]::Now - $Clock.Time
    $loadText = if ($null -eq $background) { 'the load of other processes is not known on this OS' } else {
        "other processes used $(Format-BenchmarkNumber ($background * 100) 0)% of the machine's $([Environment]::ProcessorCount) cores meanwhile"
    }
    $loadAverage = Get-LoadAverage
    if ($null -ne $Clock.PSObject.Properties['LoadAverage'] -and $null -ne $Clock.LoadAverage -and $null -ne $loadAverage) {
        $loadText += "; load average $(Format-BenchmarkNumber $Clock.LoadAverage 1) at the start and $(Format-BenchmarkNumber $loadAverage 1) at the end"
    }

    $section = [Text.StringBuilder]::new()
    $null = $section.AppendLine("## $Title").AppendLine()
    if ($Smoke) { $null = $section.AppendLine('**Smoke run: too few samples for any figure to mean anything.**').AppendLine() }
    $null = $section.AppendLine("Run alone with ``$Command``; results in [``performance/$Name.csv``](performance/$Name.csv).").AppendLine()
    $null = $section.AppendLine("Taken $($Clock.Time.ToUniversalTime().ToString('yyyy-MM-dd HH:mm', [cultureinfo]::InvariantCulture)) UTC, $([math]::Round($elapsed.TotalSeconds)) s, $loadText.").AppendLine()
    $null = $section.AppendLine($Method).AppendLine()
    $null = $section.AppendLine((ConvertTo-MarkdownTable -InputObject @($shown))).AppendLine()
    if ($Goals.Count) {
        $null = $section.AppendLine('| goal | measured | verdict | why |').AppendLine('| --- | --- | --- | --- |')
        foreach ($goal in $Goals) {
            $null = $section.AppendLine("| $($goal.Goal) | $($goal.Measured) | **$($goal.Verdict)** | $($goal.Reason) |")
        }
        $null = $section.AppendLine()
    }
    foreach ($note in $Notes) { $null = $section.AppendLine($note).AppendLine() }
    # The runner reads the background load back to write the document's header.
    $null = $section.AppendLine("<!-- background-load: $(if ($null -ne $background) { $background.ToString([cultureinfo]::InvariantCulture) }) -->")
    Set-Content -LiteralPath (Join-Path $OutputDirectory "$Name.md") -Value $section.ToString().TrimEnd() -Encoding utf8NoBOM
}

function Invoke-NativeTimed {
    <# Starts a program, waits for it and returns the wall time in milliseconds; a non-zero exit code throws. #>
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    $info = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($argument in $ArgumentList) { $info.ArgumentList.Add($argument) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($info)
    try {
        # Read both streams to the end so a chatty program cannot block on a full pipe.
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $process.WaitForExit()
        $clock.Stop()
        if ($process.ExitCode -ne 0) { throw "$FilePath $($ArgumentList -join ' ') exited with $($process.ExitCode): $($stderr.Result)" }
        [pscustomobject]@{ ElapsedMs = $clock.Elapsed.TotalMilliseconds; Output = $stdout.Result }
    } finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function Get-BenchmarkRepositoryRoot, Initialize-Benchmark, Start-BenchmarkClock, Get-BackgroundLoad, Get-LoadAverage, Get-BenchmarkMachine, Get-Median, Get-Percentile,
    New-BenchmarkGoal, Format-BenchmarkNumber, ConvertTo-MarkdownTable, Write-BenchmarkResult, Invoke-NativeTimed
