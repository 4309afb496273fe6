#Requires -Version 7.4
# Headless Chromium for the report tests and build.ps1 -Task Screenshot: one place that knows its flags.

function Find-Chromium {
    foreach ($name in 'chromium', 'chromium-browser', 'google-chrome', 'chrome') {
        $command = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($command) { return $command.Source }
    }
}

function Invoke-Chromium {
    <#
    .SYNOPSIS
        Runs headless Chromium on a file with a fresh profile and no background traffic; returns its standard output.
    .NOTES
        A Chromium that hangs is killed and started once more: on a quiet machine it once hung past 120 s on two
        pages in a row, and the same pages rendered in 12 s right after. A second hang is a failure.
    #>
    param(
        [Parameter(Mandatory)] [string] $Chromium,
        [Parameter(Mandatory)] [string] $Path,
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSeconds = 120
    )
    try {
        Invoke-ChromiumOnce -Chromium $Chromium -Path $Path -ArgumentList $ArgumentList -TimeoutSeconds $TimeoutSeconds
    } catch [System.TimeoutException] {
        Write-Warning "$($_.Exception.Message) Starting it once more."
        Invoke-ChromiumOnce -Chromium $Chromium -Path $Path -ArgumentList $ArgumentList -TimeoutSeconds $TimeoutSeconds
    }
}

function Invoke-ChromiumOnce {
    param(
        [Parameter(Mandatory)] [string] $Chromium,
        [Parameter(Mandatory)] [string] $Path,
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSeconds = 120
    )
    $profileDir = Join-Path ([IO.Path]::GetTempPath()) ("ct-chromium-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path $profileDir
    try {
        $start = [Diagnostics.ProcessStartInfo]::new($Chromium)
        foreach ($argument in @('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                '--disable-sync', '--no-first-run', '--hide-scrollbars', "--user-data-dir=$profileDir") + $ArgumentList + ([Uri]::new((Resolve-Path -LiteralPath $Path).Path).AbsoluteUri)) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($start)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw [System.TimeoutException]::new("Chromium did not finish within $TimeoutSeconds s on $Path.")
        }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { throw "Chromium exited with $($process.ExitCode) on ${Path}: $($stderr.Result)" }
        $stdout.Result
    } finally {
        Remove-Item -LiteralPath $profileDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-RenderedDom {
    <#
    .SYNOPSIS
        The DOM Chromium built from the page, and every http(s) URL the page asked for (from the network log).
    .NOTES
        The browser itself calls home (component updates, accounts) despite the flags; those requests carry
        the initiator "not an origin", while anything the page loads carries the page's origin ("null" for file://).
    #>
    param([Parameter(Mandatory)] [string] $Chromium, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $NetLogPath)
    $dom = Invoke-Chromium -Chromium $Chromium -Path $Path -ArgumentList '--virtual-time-budget=3000', "--log-net-log=$NetLogPath", '--dump-dom'
    $requests = if (Test-Path -LiteralPath $NetLogPath) {
        Get-Content -LiteralPath $NetLogPath | ForEach-Object {
            if ($_ -match '"initiator":"(?!not an origin)[^"]*".*"url":"(https?://[^"]+)"') { $Matches[1] }
        } | Sort-Object -Unique
    }
    [pscustomobject]@{ Dom = $dom; Requests = @($requests) }
}

function Save-Screenshot {
    param([Parameter(Mandatory)] [string] $Chromium, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $OutFile, [int] $Width = 1280, [int] $Height = 1400)
    $null = Invoke-Chromium -Chromium $Chromium -Path $Path -ArgumentList "--window-size=$Width,$Height", "--screenshot=$([IO.Path]::GetFullPath($OutFile))"
    if (-not (Test-Path -LiteralPath $OutFile)) { throw "Chromium wrote no screenshot of $Path." }
    Get-Item -LiteralPath $OutFile
}
