#Requires -Version 7.4
# The fault suite: what the cmdlets do when the host is signalled, when output has no end, and when input is
# hostile. Each case is one It; the suite says at the end how many cases it tried. Build the module first.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    $script:Pwsh = (Get-Process -Id $PID).Path
    $script:Kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
    # coreutils' env starts a program with chosen signal dispositions. A signal ignored by this pwsh (`nohup` ignores
    # SIGHUP, a shell's `&` SIGINT) stays ignored in every process it starts, pwsh included, unless reset.
    $script:Env = (Get-Command env -CommandType Application | Select-Object -First 1).Source
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) "ct-faults-$PID"
    $null = New-Item -ItemType Directory -Path $Work -Force
    $script:FaultCasesTried = 0

    # Live (not zombie) processes whose command line contains $Marker, wherever they were re-parented to.
    function Get-Marked([string] $Marker) {
        foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
            $processId = 0
            if (-not [int]::TryParse([IO.Path]::GetFileName($dir), [ref] $processId)) { continue }
            try {
                $cmd = [IO.File]::ReadAllText("$dir/cmdline").Replace([char]0, ' ')
                $state = ([IO.File]::ReadAllText("$dir/stat") -split '\) ', 2)[1][0]
            } catch { continue }
            if ($cmd.Contains($Marker) -and $state -ne 'Z' -and $processId -ne $PID) { $processId }
        }
    }

    function Stop-Marked([string] $Marker) {
        foreach ($id in @(Get-Marked $Marker)) { try { [Diagnostics.Process]::GetProcessById($id).Kill() } catch { } }
    }
}

Describe 'Fault suite' {
    # Every case counts itself as it starts, so the closing line says how many were tried, not how many were written.
    BeforeEach {
        $script:FaultCasesTried++
    }

    AfterAll {
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
        Write-Host "fault suite: $script:FaultCasesTried cases tried"
    }

    Describe 'Signals to the host of Invoke-ProcessPool' {
        BeforeAll {
            # Starts pwsh through env (with $EnvOptions) on a pool of 20 tasks, 4 at a time, each sh and two sleeps of
            # $Marker seconds (the unique length marks this run's task processes), and returns it once the first 4
            # tasks' 12 processes run: on a busy machine pwsh may take seconds to start, so the signal waits for them
            # rather than for a clock.
            function Start-PoolHost([string] $Marker, [string[]] $EnvOptions) {
                $script = Join-Path $Work "signal-$Marker.ps1"
                Set-Content -LiteralPath $script -Value @"
Import-Module '$ModuleDir/ConcurrencyTools.psd1'
1..20 | Invoke-ProcessPool sh -ArgumentList '-c', 'sleep $Marker & sleep $Marker & wait' -ThrottleLimit 4 -NoProgress
"@
                $process = [Diagnostics.Process]::Start($Env, [string[]] ($EnvOptions + @($Pwsh, '-NoProfile', '-NonInteractive', '-File', $script)))
                $clock = [Diagnostics.Stopwatch]::StartNew()
                while (@(Get-Marked "sleep $Marker").Count -lt 12 -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 100 }
                $process
            }
        }

        # The signal goes to pwsh alone, as `timeout 6 pwsh` sends it: the task processes, each in a process group of
        # its own, get nothing. pwsh starts with every signal at its default action, whatever this pwsh ignores (a
        # suite run under `nohup` ignores SIGHUP).
        It 'kills every task process group when pwsh gets SIG<Signal>' -ForEach @(
            @{ Signal = 'TERM' }
            @{ Signal = 'HUP' }
            @{ Signal = 'INT' }
        ) {
            $marker = "1199.$(Get-Random -Minimum 1000 -Maximum 9999)$([Array]::IndexOf(@('TERM', 'HUP', 'INT'), $Signal))"
            $host_ = $null
            try {
                $host_ = Start-PoolHost $marker @('--default-signal')
                @(Get-Marked "sleep $marker").Count | Should -Be 12 -Because '4 tasks of 3 processes run before the signal'
                & $Kill -s $Signal $host_.Id
                $host_.WaitForExit(60000) | Should -BeTrue -Because 'the signal ends pwsh'
                Start-Sleep -Milliseconds 500
                @(Get-Marked "sleep $marker").Count | Should -Be 0 -Because 'no task process may outlive pwsh'
            }
            finally {
                # A pwsh that outlived the signal would go on starting tasks after this test.
                if ($host_ -and -not $host_.HasExited) { $host_.Kill($true) }
                Stop-Marked "sleep $marker"
            }
        }

        It 'leaves pwsh and its tasks running on SIGHUP when pwsh was started ignoring it, as under nohup' {
            # A user who starts pwsh under `nohup` asks it to outlive a hang-up: the module must not undo that.
            $marker = "1198.$(Get-Random -Minimum 1000 -Maximum 9999)"
            $host_ = $null
            try {
                $host_ = Start-PoolHost $marker @('--default-signal', '--ignore-signal=HUP')
                @(Get-Marked "sleep $marker").Count | Should -Be 12 -Because '4 tasks of 3 processes run before the signal'
                & $Kill -s HUP $host_.Id
                $host_.WaitForExit(2000) | Should -BeFalse -Because 'an ignored SIGHUP does not end pwsh'
                @(Get-Marked "sleep $marker").Count | Should -Be 12 -Because 'nor its tasks'
                # SIGTERM still ends it, and its tasks with it.
                & $Kill -s TERM $host_.Id
                $host_.WaitForExit(60000) | Should -BeTrue -Because 'SIGTERM ends pwsh'
                Start-Sleep -Milliseconds 500
                @(Get-Marked "sleep $marker").Count | Should -Be 0 -Because 'no task process may outlive pwsh'
            }
            finally {
                if ($host_ -and -not $host_.HasExited) { $host_.Kill($true) }
                Stop-Marked "sleep $marker"
            }
        }
    }

    Describe 'Invoke-ProcessPool bad arguments and stubborn children' {
        It 'refuses an argument holding NUL: a row naming the argument, not started' {
            $row = 'x' | Invoke-ProcessPool printf -ArgumentList '%s', "a`0b" -NoProgress -ErrorVariable failures -ErrorAction SilentlyContinue
            $row.Succeeded | Should -BeFalse
            $row.ProcessId | Should -BeNullOrEmpty
            $row.Error | Should -Match "Argument 2 'a``0b' contains a NUL character"
            $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidProcessArgument,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'refuses an environment value holding NUL: a row naming the variable, not started' {
            $row = 'x' | Invoke-ProcessPool printenv -ArgumentList 'CT_FAULT' -Environment @{ CT_FAULT = "a`0b" } -NoProgress -ErrorAction SilentlyContinue
            $row.Succeeded | Should -BeFalse
            $row.ProcessId | Should -BeNullOrEmpty
            $row.Error | Should -Match "environment variable 'CT_FAULT'"
        }

        It 'says TimedOut when a grandchild holds the output open past -TimeoutSeconds' {
            $marker = "sleep 30.$(Get-Random -Minimum 1000 -Maximum 9999)"
            try {
                $row = 1 | Invoke-ProcessPool sh -ArgumentList '-c', "($marker) & exit 0" -TimeoutSeconds 2 -NoProgress -ErrorVariable failures -ErrorAction SilentlyContinue
                $row.TimedOut | Should -BeTrue
                $row.Succeeded | Should -BeFalse
                $row.DurationMs | Should -BeLessThan 20000
                $failures[0].FullyQualifiedErrorId | Should -BeLike 'ProcessTaskTimedOut,*'
                @(Get-Marked $marker).Count | Should -Be 0
            }
            finally {
                Stop-Marked $marker
            }
        }

        It 'categorises an executable that may not be run as PermissionDenied' {
            $file = Join-Path $Work 'not-executable.sh'
            Set-Content -LiteralPath $file -Value 'echo hi'
            chmod 644 $file
            $row = 1 | Invoke-ProcessPool $file -NoProgress -ErrorVariable failures -ErrorAction SilentlyContinue
            $row.Succeeded | Should -BeFalse
            $row.ProcessId | Should -BeNullOrEmpty
            $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ProcessStartFailed,*'
            # Still ObjectNotFound when the file is missing.
            $null = 1 | Invoke-ProcessPool (Join-Path $Work 'missing') -NoProgress -ErrorVariable missing -ErrorAction SilentlyContinue
            $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Describe 'Invoke-ProcessPool -Stream memory' {
        It 'cuts a line longer than the limit and says where' {
            $all = 1 | Invoke-ProcessPool sh -ArgumentList '-c', 'head -c 150000 /dev/zero | tr "\0" a; echo; echo end' -Stream -NoProgress 6>&1
            $info = @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).MessageData.Message
            # Counted and measured, not compared whole: a failure must not print 150,000 characters.
            $info.Count | Should -Be 4
            $info.ForEach('Length') | Should -Be @(65602, 65641, 18971, 7)
            $info[0] | Should -Match '^\[1\] a{65536} \(line cut at character 65536; it goes on in the next message\)$'
            $info[1] | Should -Match '^\[1\] \(line continued from character 65536\) a{65536} \(line cut at character 131072;'
            $info[2] | Should -Match '^\[1\] \(line continued from character 131072\) a{18928}$'
            $info[3] | Should -Be '[1] end'
        }

        It 'keeps pwsh under 400 MB for a 60 MB line without a newline' {
            $script = Join-Path $Work 'long-line.ps1'
            Set-Content -LiteralPath $script -Value @"
Import-Module '$ModuleDir/ConcurrencyTools.psd1'
`$row = 1 | Invoke-ProcessPool sh -ArgumentList '-c', 'head -c 60000000 /dev/zero | tr "\0" a' -Stream -NoProgress 6>`$null
"`$(`$row.StdOutBytes) `$((Get-Content /proc/self/status | Select-String '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value)"
"@
            $answer = & $Pwsh -NoProfile -NonInteractive -File $script
            $bytes, $peakKb = "$answer".Trim() -split ' '
            [long] $bytes | Should -Be 60000000
            [long] $peakKb * 1KB | Should -BeLessThan 400MB
            Write-Host "peak resident set of pwsh for a 60 MB line with -Stream: $([math]::Round([long] $peakKb / 1KB)) MB"
        }
    }

    Describe 'Export-ConcurrencyReport writes all or nothing' {
        BeforeAll {
            $script:PoolRows = 1..3 | Invoke-ProcessPool sh -ArgumentList '-c', 'exit {}' -KeepOrder -NoProgress -ErrorAction SilentlyContinue
        }

        It 'writes nothing under -WhatIf' {
            $path = Join-Path $Work 'whatif.html'
            $PoolRows | Export-ConcurrencyReport -Path $path -WhatIf -NoProgress
            Test-Path $path | Should -BeFalse
            @(Get-ChildItem -LiteralPath $Work -Force -Filter '*.tmp').Count | Should -Be 0
        }

        It 'leaves an existing report alone under -NoClobber, with a terminating NoClobber error' {
            $path = Join-Path $Work 'kept.html'
            Set-Content -LiteralPath $path -Value 'the old report'
            { $PoolRows | Export-ConcurrencyReport -Path $path -NoClobber -NoProgress -ErrorAction Stop } |
                Should -Throw -ErrorId 'NoClobber,ConcurrencyTools.Commands.ExportConcurrencyReportCommand'
            Get-Content -LiteralPath $path -Raw | Should -Be "the old report$([Environment]::NewLine)"
        }

        It 'fails a write onto a directory and leaves no temporary file' {
            $path = Join-Path $Work 'taken'
            $null = New-Item -ItemType Directory -Path $path -Force
            { $PoolRows | Export-ConcurrencyReport -Path $path -NoProgress -ErrorAction Stop } |
                Should -Throw -ErrorId 'ReportWriteFailed,ConcurrencyTools.Commands.ExportConcurrencyReportCommand'
            @(Get-ChildItem -LiteralPath $Work -Force | Where-Object Name -Like '*.tmp').Count | Should -Be 0
        }

        It 'leaves the old report and no temporary file when stopped while writing' {
            $path = Join-Path $Work 'stopped.html'
            Set-Content -LiteralPath $path -Value 'the old report'
            $ps = [powershell]::Create()
            try {
                # Progress is written on the pipeline thread between steps; a Stop lands there or in a check between charts.
                $null = $ps.AddScript("Import-Module '$ModuleDir/ConcurrencyTools.psd1'; `$rows = 1..4000 | ForEach-Object { [pscustomobject]@{ Seq = `$_; Slot = 1; QueueWaitMs = 0; DurationMs = `$_; Succeeded = `$true; ExitCode = 0; CommandLine = 'x' } }; `$rows | Export-ConcurrencyReport -Path '$path'")
                $handle = $ps.BeginInvoke()
                Start-Sleep -Milliseconds 300
                $ps.Stop()
                $handle.IsCompleted | Should -BeTrue
            }
            finally {
                $ps.Dispose()
            }
            $content = Get-Content -LiteralPath $path -Raw
            ($content -eq "the old report$([Environment]::NewLine)" -or $content -match '^<!DOCTYPE html>') | Should -BeTrue -Because 'the report is either the old one or a whole new one'
            @(Get-ChildItem -LiteralPath $Work -Force | Where-Object Name -Like '*.tmp').Count | Should -Be 0
        }
    }

    Describe 'Test-RaceCondition faults of the script block' {
        It 'counts a script block that throws as exceptions with their own verdict, not as a race' {
            $row = Test-RaceCondition -ScriptBlock { throw 'x' } -SharedState @{ Count = 0 } -Invariant { $true } -Threads 2 -Increments 1 -Trials 3 -NoProgress
            $row.Verdict | Should -Be 'ExceptionThrown'
            $row.TrialsWithViolation | Should -Be 0
            $row.TrialsWithException | Should -Be 3
            $row.Exceptions | Should -Be 6
            $row.FirstError | Should -Match 'x'
        }

        It 'ends a trial stuck in a .NET call after -TimeoutSeconds, abandons its runspaces and goes on' {
            # Without the limit each of the 3 trials (2 warm-up, 1 measured) would take 120 s.
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $row = Test-RaceCondition -ScriptBlock { [Threading.Thread]::Sleep(120000) } -SharedState @{ Count = 0 } -Invariant { $true } -TimeoutSeconds 1 -Threads 2 -Increments 1 -Trials 1 -NoProgress
            $clock.Stop()
            $row.TrialsTimedOut | Should -Be 1
            $row.Trials | Should -Be 0
            $row.Verdict | Should -Be 'TimedOut'
            ($row.Outcomes | Where-Object Expectation -EQ 'TimedOut').Count | Should -Be 1
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 90
            Write-Host "3 trials of 1 s limit, each stuck for 120 s: $([math]::Round($clock.Elapsed.TotalSeconds, 1)) s in all, fresh runspaces included"
        }

        It 'returns from Stop() within seconds while a trial is stuck in a .NET call' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModuleDir/ConcurrencyTools.psd1'; Test-RaceCondition -ScriptBlock { [Threading.Thread]::Sleep(120000) } -SharedState @{ Count = 0 } -Invariant { `$true } -Threads 2 -Increments 1 -Trials 1 -NoProgress")
                $handle = $ps.BeginInvoke()
                # Long enough for the runspaces to open and the first trial to be stuck.
                Start-Sleep -Seconds 8
                $handle.IsCompleted | Should -BeFalse
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Stop()
                $handle.IsCompleted | Should -BeTrue
                Write-Host "Stop() of a stuck trial returned in $([math]::Round($clock.Elapsed.TotalSeconds, 2)) s"
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'names -Observe and what it returned when it is not a number' {
            $row = Test-RaceCondition -ScriptBlock { $null = 1 } -SharedState @{ Count = 0 } -Invariant { $true } -Observe { 'abc' } -Threads 1 -Increments 1 -Trials 1 -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $row | Should -BeNullOrEmpty
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidRaceTestParameter'
            $problems[0].Exception.Message | Should -Match "Observe returned 'abc' \(a String\), which is not a number"
        }
    }
}
