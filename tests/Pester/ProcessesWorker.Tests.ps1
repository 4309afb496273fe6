#Requires -Version 7.4
# The Processes model's worker as a user meets it: the native worker shipped for this platform, the
# framework-dependent one it falls back to, and workers that never outlive their parent.

BeforeDiscovery {
    # The native worker is built wherever clang or gcc links it; .ci/run installs one, and CI runs on Linux x64.
    $script:ExpectNative = $IsLinux -and [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64'
}

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:Manifest = Join-Path $ModuleDir 'ConcurrencyTools.psd1'
    Import-Module $Manifest -Force
    $script:Pwsh = (Get-Process -Id $PID).Path
    $script:Rid = [ConcurrencyTools.Engine.Processes.WorkerHost]::CurrentRuntimeIdentifier
    $script:NativeWorker = Join-Path $ModuleDir "$Rid/ConcurrencyTools.Worker"
    $script:ExpectNative = $IsLinux -and $Rid -eq 'linux-x64'

    . (Join-Path $PSScriptRoot 'ProcessTree.ps1')

    function Test-Alive([int] $Id) {
        try { $stat = [System.IO.File]::ReadAllText("/proc/$Id/stat") } catch { return $false }
        # A zombie has ended: only its exit status waits for a parent (or an init that may never reap it).
        $stat.Substring($stat.LastIndexOf(')') + 2)[0] -ne 'Z'
    }

    # Starts a pwsh running $Script, waits for $Count descendants matching $Like to have started and
    # settled into their work ($SettleSeconds more, or until $Count files are in $MarkerDirectory),
    # SIGKILLs that pwsh, and returns how long the descendants outlived it (a number of seconds, or $null
    # when some were still alive after $WithinSeconds).
    function Measure-OrphanLifetime([string] $Script, [string[]] $Like, [int] $Count, [double] $SettleSeconds, [string] $MarkerDirectory, [double] $WithinSeconds = 3) {
        $start = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($argument in '-NoLogo', '-NoProfile', '-NonInteractive', '-Command', $Script) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $parent = [System.Diagnostics.Process]::Start($start)
        $workers = @()
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (($workers = @(Get-DescendantProcessId -Id $parent.Id -CommandLike $Like)).Count -lt $Count -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $workers.Count | Should -Be $Count -Because 'the workers must have started before the parent is killed'
            Start-Sleep -Seconds $SettleSeconds
            if ($MarkerDirectory) {
                while (@(Get-ChildItem -LiteralPath $MarkerDirectory -ErrorAction Ignore).Count -lt $Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
                @(Get-ChildItem -LiteralPath $MarkerDirectory).Count | Should -Be $Count -Because 'every child must be in the middle of its item'
            }
            @($workers | Where-Object { Test-Alive $_ }).Count | Should -Be $Count -Because 'the workers are busy with their task when the parent dies'

            $parent.Kill()   # SIGKILL: the parent cannot clean anything up.
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while (@($workers | Where-Object { Test-Alive $_ }).Count -gt 0 -and $clock.Elapsed.TotalSeconds -lt $WithinSeconds) {
                Start-Sleep -Milliseconds 50
            }
            if (@($workers | Where-Object { Test-Alive $_ }).Count -gt 0) { return $null }
            return $clock.Elapsed.TotalSeconds
        } finally {
            if (-not $parent.HasExited) { $parent.Kill($true) }
            foreach ($id in $workers) { if (Test-Alive $id) { Stop-Process -Id $id -Force -ErrorAction Ignore } }
            $parent.Dispose()
        }
    }
}

Describe 'The native worker' {
    It 'is shipped in the module folder for this platform' -Skip:(-not $IsLinux) {
        if ($ExpectNative) {
            $NativeWorker | Should -Exist
        }
        (Get-ChildItem -LiteralPath (Join-Path $ModuleDir $Rid) -ErrorAction Ignore).Name | Where-Object { $_ -ne 'ConcurrencyTools.Worker' } |
            Should -BeNullOrEmpty -Because 'only the executable ships, not its stripped symbols'
    }

    It 'runs the Processes model, and the row says so' -Skip:(-not $ExpectNative) {
        $row = Measure-ThreadedWorkload -Workload Cpu -Model Processes -Workers 2 -Tasks 4 -Iterations 100000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
        $row.Verified | Should -BeTrue
        $row.WorkerHost | Should -Be 'native'
        $row.StartupMs | Should -BeGreaterThan 0
        (Measure-ThreadedWorkload -Workload Cpu -Model Threads -Workers 2 -Tasks 4 -Iterations 1000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress).WorkerHost |
            Should -BeNullOrEmpty
    }

    It 'computes every workload''s checksums exactly as the framework-dependent worker does' -Skip:(-not $ExpectNative) {
        $sizes = @{ Tasks = 6; Iterations = 300000; DurationMs = 5; Depth = 18; CpuFraction = 0.5; Repeat = 1; Warmup = 0; NoOverhead = $true; NoProgress = $true }
        foreach ($workload in [enum]::GetNames([ConcurrencyTools.Engine.Workloads.WorkloadKind])) {
            $native = Measure-ThreadedWorkload -Workload $workload -Model Processes -Workers 2 @sizes
            $env:CONCURRENCYTOOLS_WORKER_HOST = 'managed'
            try {
                $managed = Measure-ThreadedWorkload -Workload $workload -Model Processes -Workers 2 @sizes
            } finally {
                Remove-Item Env:CONCURRENCYTOOLS_WORKER_HOST
            }
            $native.WorkerHost | Should -Be 'native' -Because $workload
            $managed.WorkerHost | Should -Be 'dotnet' -Because $workload
            $native.Verified | Should -BeTrue -Because "$workload, native: $($native.Error)"
            $managed.Verified | Should -BeTrue -Because "$workload, managed: $($managed.Error)"
            $native.Checksum | Should -Be $managed.Checksum -Because $workload
            $native.CompletedTasks | Should -Be $managed.CompletedTasks -Because $workload
        }
    }

    It 'is required, with a clear error, when CONCURRENCYTOOLS_WORKER_HOST is native and there is none' {
        $copy = Join-Path $TestDrive 'NoNative/ConcurrencyTools'
        $null = New-Item -ItemType Directory -Path $copy -Force
        Get-ChildItem -LiteralPath $ModuleDir -File | Copy-Item -Destination $copy
        $script = "`$env:CONCURRENCYTOOLS_WORKER_HOST = 'native'; Import-Module '$copy/ConcurrencyTools.psd1'; " +
            "(Measure-ThreadedWorkload -Workload Cpu -Model Processes -Workers 1 -Tasks 1 -Iterations 1000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress -WarningAction SilentlyContinue).Error"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script
        "$output" | Should -Match 'CONCURRENCYTOOLS_WORKER_HOST'
        "$output" | Should -Match 'no native worker'
    }
}

Describe 'The framework-dependent worker where no native one was built' {
    It 'is used instead, said in -Verbose and in WorkerHost, and gives the same checksum' {
        # A module folder without the native worker, as on a platform it was not built for.
        $copy = Join-Path $TestDrive 'Managed/ConcurrencyTools'
        $null = New-Item -ItemType Directory -Path $copy -Force
        Get-ChildItem -LiteralPath $ModuleDir -File | Copy-Item -Destination $copy
        $script = "Import-Module '$copy/ConcurrencyTools.psd1'; " +
            "`$row = Measure-ThreadedWorkload -Workload Cpu -Model Processes -Workers 2 -Tasks 4 -Iterations 100000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress -Verbose 4>&1 | " +
            "ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { 'VERBOSE: ' + `$_.Message } else { `$_ } }; " +
            "`$row | Where-Object { `$_ -is [string] }; `$r = `$row | Where-Object { `$_ -isnot [string] }; 'ROW ' + `$r.WorkerHost + ' ' + `$r.Verified + ' ' + `$r.Checksum"
        $output = @(& $Pwsh -NoProfile -NonInteractive -Command $script)
        $verbose = $output | Where-Object { $_ -like 'VERBOSE: Worker processes start with*' }
        $verbose | Should -Match 'dotnet: '
        $verbose | Should -Match "no native worker for $Rid"
        $output | Where-Object { $_ -like 'ROW *' } | Should -Match '^ROW dotnet True '
        $expected = (Measure-ThreadedWorkload -Workload Cpu -Model Sequential -Tasks 4 -Iterations 100000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress).Checksum
        $output | Where-Object { $_ -like 'ROW *' } | Should -Be "ROW dotnet True $expected"
    }
}

Describe 'Workers whose parent is killed' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Run = "Import-Module '$Manifest'; Measure-ThreadedWorkload -Workload Io -Model Processes -Workers 2 -Tasks 2 -DurationMs 120000 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress"
    }

    It 'end within 3 s of a SIGKILL of pwsh: the native worker, in the middle of a task' -Skip:(-not $ExpectNative) {
        $lifetime = Measure-OrphanLifetime -Script $Run -Like '*/ConcurrencyTools.Worker *' -Count 2 -SettleSeconds 1
        $lifetime | Should -Not -BeNullOrEmpty -Because 'orphaned workers must not run on until their 120 s task ends'
    }

    It 'end within 3 s of a SIGKILL of pwsh: the framework-dependent worker' {
        $lifetime = Measure-OrphanLifetime -Script "`$env:CONCURRENCYTOOLS_WORKER_HOST = 'managed'; $Run" -Like '*ConcurrencyTools.Worker.dll*' -Count 2 -SettleSeconds 3
        $lifetime | Should -Not -BeNullOrEmpty
    }

    It 'end within 3 s of a SIGKILL of pwsh: <What>' -ForEach @(
        # Script-block Processes' pwsh children watch their parent's pipe; Start-Job's server process reads its
        # parent's requests from standard input and ends when it closes.
        @{ What = 'the pwsh children of script-block Processes'; Model = 'Processes'; Like = '*-EncodedCommand*' }
        @{ What = 'the job processes of the Jobs model'; Model = 'Jobs'; Like = '*pwsh -s -NoLogo*' }
    ) {
        # Each child leaves a file when its item starts: pwsh children take seconds to start on a busy machine.
        $markers = Join-Path $TestDrive "items-$Model"
        $null = New-Item -ItemType Directory -Path $markers -Force
        $script = "Import-Module '$Manifest'; 1, 2 | Measure-ThreadedWorkload -ScriptBlock { param(`$item, `$markers) `$null = New-Item -Path (Join-Path `$markers `$PID); Start-Sleep -Seconds 120 } " +
            "-ArgumentList '$markers' -Model $Model -Workers 2 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress"
        $lifetime = Measure-OrphanLifetime -Script $script -Like $Like -Count 2 -SettleSeconds 0 -MarkerDirectory $markers
        $lifetime | Should -Not -BeNullOrEmpty
    }
}
