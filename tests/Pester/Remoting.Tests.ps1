#Requires -Version 7.4
# The cmdlets over real PowerShell remoting: two OpenSSH servers on 127.0.0.1 and 127.0.0.2 play two hosts,
# with keys made for the run; a third serves a pwsh that lacks the module. All stop at the end.
# Without sshd the suite is skipped, except under CI, where that is a failure.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSshHost.psm1') -Force
    $script:NoSsh = -not (Test-SshServerAvailable)
    $script:SkipRemoting = $NoSsh -and $env:CI -ne 'true'
}

Describe 'Remoting prerequisites' {
    It 'has an OpenSSH server to play remote hosts with' {
        Test-SshServerAvailable | Should -BeTrue -Because 'the remoting tests need /usr/sbin/sshd (Debian: openssh-server)'
    } -Skip:$SkipRemoting
}

Describe 'Measure-ThreadedWorkload -Session' -Skip:($NoSsh) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestSshHost.psm1') -Force
        $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
        Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
        $moduleRoot = Split-Path $ModuleDir -Parent
        $script:Hosts = @(
            Start-TestSshHost -Address 127.0.0.1 -ModuleRoot $moduleRoot
            Start-TestSshHost -Address 127.0.0.2 -ModuleRoot $moduleRoot
        )
        $script:Sessions = @($Hosts | ForEach-Object { New-TestSshSession $_ })
        $script:Quick = @{ Workload = 'Io'; DurationMs = 5; Tasks = 4; Repeat = 2; Warmup = 0; NoOverhead = $true; NoProgress = $true }

        function Get-RemoteWorker([object[]] $From) {
            foreach ($sshHost in $From) {
                foreach ($id in Get-DescendantProcessId $sshHost.Process.Id) {
                    $line = (Get-Content -Raw -LiteralPath "/proc/$id/cmdline" -ErrorAction Ignore) -replace "`0", ' '
                    if ($line -like '*ConcurrencyTools.Worker*' -or $line -like '*WorkerServer*') { $id }
                }
            }
        }
    }

    AfterAll {
        $Sessions | Remove-PSSession -ErrorAction Ignore
        $Hosts | Stop-TestSshHost
    }

    It 'runs the same plan on every host and brings back typed rows with every column' {
        $rows = Measure-ThreadedWorkload -Session $Sessions -Model Sequential, Threads -Workers 2 @Quick
        $rows | Should -HaveCount 8
        ($rows | Group-Object ComputerName | Sort-Object Name).Name | Should -Be @('127.0.0.1', '127.0.0.2')
        foreach ($group in $rows | Group-Object ComputerName) {
            $group.Group | Should -HaveCount 4
            ($group.Group | Sort-Object Model, Run | ForEach-Object { "$($_.Model) $($_.Run)" }) | Should -Be @('Sequential 1', 'Sequential 2', 'Threads 1', 'Threads 2')
        }
        $rows | ForEach-Object { $_.Verified | Should -BeTrue }
        $rows[0].PSObject.TypeNames | Should -Contain 'Deserialized.ConcurrencyTools.Engine.Measurement.WorkloadMeasurement'

        $local = Measure-ThreadedWorkload -Model Threads -Workers 2 @Quick | Select-Object -First 1
        foreach ($column in $local.PSObject.Properties.Name) {
            $rows[0].PSObject.Properties.Name | Should -Contain $column
        }
        # The remote processes ran the tasks, not this one.
        $rows.Timestamp | Should -Not -BeNullOrEmpty
    }

    It 'feeds Measure-Speedup like local rows, and through a CSV too' {
        $rows = Measure-ThreadedWorkload -Session $Sessions -Model Sequential, Threads -Workers 2 @Quick
        $summary = $rows | Measure-Speedup
        ($summary | Where-Object Model -eq 'Threads').Speedup | Should -Not -BeNullOrEmpty
        $csv = Join-Path $TestDrive 'fleet.csv'
        $rows | Export-Csv -LiteralPath $csv
        $again = Import-Csv -LiteralPath $csv | Measure-Speedup
        ($again | ConvertTo-Csv) | Should -Be ($summary | ConvertTo-Csv)
        (Import-Csv -LiteralPath $csv).ComputerName | Sort-Object -Unique | Should -Be @('127.0.0.1', '127.0.0.2')
    }

    It 'shows remote rows in the default table view' {
        $text = Measure-ThreadedWorkload -Session $Sessions[0] -Model Threads -Workers 2 @Quick | Out-String -Width 80
        $text | Should -Match 'ElapsedMs'
        $text | Should -Match 'Verified'
    }

    It 'passes on the host''s own warnings, naming the host' {
        $null = Measure-ThreadedWorkload -Session $Sessions -Model Threads -Workers 8 @Quick -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings | Where-Object { "$_" -match '^127\.0\.0\.1: Workers 8 is more than Tasks 4' }) | Should -HaveCount 1
        @($warnings | Where-Object { "$_" -match '^127\.0\.0\.2: Workers 8 is more than Tasks 4' }) | Should -HaveCount 1
    }

    It 'names the host that lacks the module and says how to install it, while the other hosts run' {
        $bare = Start-TestSshHost -Address 127.0.0.3
        try {
            $session = New-TestSshSession $bare
            $rows = Measure-ThreadedWorkload -Session $Sessions[0], $session -Model Threads -Workers 2 @Quick -ErrorVariable problems -ErrorAction SilentlyContinue
            $rows | Should -HaveCount 2
            $rows.ComputerName | Sort-Object -Unique | Should -Be '127.0.0.1'
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -Match '^ModuleMissingOnHost'
            $problems[0].Exception.Message | Should -Match 'not installed on 127\.0\.0\.3'
            $problems[0].Exception.Message | Should -Match 'Copy-Item -ToSession'
        }
        finally {
            $session | Remove-PSSession -ErrorAction Ignore
            Stop-TestSshHost $bare
        }
    }

    It 'reports a host that dies mid-run once, by name, and keeps the rows of the others' {
        $doomed = Start-TestSshHost -Address 127.0.0.4 -ModuleRoot (Split-Path $ModuleDir -Parent)
        try {
            $session = New-TestSshSession $doomed
            # Each host measures for 12 s (6 runs of 2 s tasks) and the host dies 4 s in: a kill that comes late on
            # a busy machine still comes before the host's last row (with 1 s tasks, a killer thread that started
            # 2 s late let the host finish all 6 runs at a machine load of 54).
            $killer = Start-ThreadJob -ArgumentList $doomed.Process.Id, (Join-Path $PSScriptRoot 'TestSshHost.psm1') {
                param($id, $helpers)
                $began = [DateTime]::UtcNow
                Import-Module $helpers
                Start-Sleep -Seconds 4
                Stop-ProcessTreeAtOnce -Id $id
                # When the killer ran, for the message of a failure.
                "killer began at $($began.ToString('HH:mm:ss.fff')), host killed at $([DateTime]::UtcNow.ToString('HH:mm:ss.fff'))"
            }
            $began = [DateTime]::UtcNow
            $rows = Measure-ThreadedWorkload -Session $Sessions[0], $session -Workload Io -Model Threads -Workers 2 -Tasks 2 -DurationMs 2000 -Repeat 6 -Warmup 0 -NoOverhead -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $story = "measuring from $($began.ToString('HH:mm:ss.fff')) to $([DateTime]::UtcNow.ToString('HH:mm:ss.fff')); $($killer | Wait-Job | Receive-Job)"
            $killer | Remove-Job
            @($rows | Where-Object ComputerName -eq '127.0.0.1') | Should -HaveCount 6
            @($rows | Where-Object ComputerName -eq '127.0.0.4').Count | Should -BeLessThan 6 -Because $story
            $failures = @($problems | Where-Object FullyQualifiedErrorId -Match '^SessionFailed')
            $failures | Should -HaveCount 1
            $failures[0].Exception.Message | Should -Match '127\.0\.0\.4'
        }
        finally {
            $session | Remove-PSSession -ErrorAction Ignore
            Stop-TestSshHost $doomed
        }
    }

    It 'stops every host''s work on Select-Object -First 1 and leaves no worker process on any host' {
        $started = [DateTime]::UtcNow
        $first = Measure-ThreadedWorkload -Session $Sessions -Workload Io -Model Processes -Workers 2 -Tasks 2 -DurationMs 3000 -Repeat 20 -Warmup 0 -NoOverhead -NoProgress |
            Select-Object -First 1
        $first | Should -HaveCount 1
        ([DateTime]::UtcNow - $started).TotalSeconds | Should -BeLessThan 50 -Because 'the remaining 39 runs of 3 s must not run'
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Get-RemoteWorker $Hosts) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        @(Get-RemoteWorker $Hosts) | Should -HaveCount 0
        # The sessions stay usable.
        Invoke-Command -Session $Sessions { 42 } | Should -Be @(42, 42)
    }
}

Describe 'Invoke-ProcessPool -Session' -Skip:($NoSsh) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestSshHost.psm1') -Force
        $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
        Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
        $script:ModuleRoot = Split-Path $ModuleDir -Parent
        $script:Hosts = @(
            Start-TestSshHost -Address 127.0.0.1 -ModuleRoot $ModuleRoot
            Start-TestSshHost -Address 127.0.0.2 -ModuleRoot $ModuleRoot
        )
        $script:Sessions = @($Hosts | ForEach-Object { New-TestSshSession $_ })

        # Processes under the servers whose command line has $Marker: what the tasks started on the hosts.
        function Get-RemoteTaskProcess([object[]] $From, [string] $Marker) {
            foreach ($sshHost in $From) {
                foreach ($id in Get-DescendantProcessId $sshHost.Process.Id) {
                    $line = (Get-Content -Raw -LiteralPath "/proc/$id/cmdline" -ErrorAction Ignore) -replace "`0", ' '
                    if ($line -like "*$Marker*") { $id }
                }
            }
        }

        # The most rows of one host whose [StartTime, EndTime] overlap at any moment.
        function Get-PeakOverlap([object[]] $Rows) {
            $events = foreach ($row in $Rows) {
                [pscustomobject] @{ At = $row.StartTime.UtcTicks; Step = 1 }
                [pscustomobject] @{ At = $row.EndTime.UtcTicks; Step = -1 }
            }
            $now = 0; $peak = 0
            foreach ($event in $events | Sort-Object At, Step) {
                $now += $event.Step
                $peak = [Math]::Max($peak, $now)
            }
            $peak
        }
    }

    AfterAll {
        $Sessions | Remove-PSSession -ErrorAction Ignore
        $Hosts | Stop-TestSshHost
    }

    It 'deals the tasks to both hosts, one row per task, with the host''s output and ComputerName' {
        $rows = 1..24 | Invoke-ProcessPool -FilePath sh -ArgumentList '-c', 'sleep 0.1; echo "item $1 in $PWD"', 'sh', '{}' -Session $Sessions -ThrottleLimit 2 -WorkingDirectory /tmp -NoProgress
        $rows | Should -HaveCount 24
        ($rows.Seq | Sort-Object) | Should -Be (1..24)
        $rows | ForEach-Object {
            $_.Succeeded | Should -BeTrue
            $_.Attempt | Should -Be 1
            $_.StdOut.Trim() | Should -Be "item $($_.Seq) in /tmp"
            $_.StartTime | Should -BeOfType [DateTimeOffset]
            $_.EndTime | Should -BeGreaterThan $_.StartTime
        }
        $byHost = $rows | Group-Object ComputerName
        ($byHost.Name | Sort-Object) | Should -Be @('127.0.0.1', '127.0.0.2')
        $byHost | ForEach-Object { $_.Count | Should -BeGreaterThan 2 -Because 'slots are dealt as they free up, so both hosts work throughout' }
        $rows[0].PSObject.TypeNames[0] | Should -Be 'ConcurrencyTools.Engine.ProcessPool.ProcessTaskResult'
    }

    It 'streams every task of a host through one remote pipeline, not one remote command per exchange' {
        # Before, each exchange (at most 4 tasks with 2 slots) was a remote command of its own: 60 tasks took dozens.
        $runner = [ConcurrencyTools.Engine.Remoting.SessionProcessPool].Assembly.GetType('ConcurrencyTools.Engine.Remoting.SessionProcessRunner')
        $started = $runner.GetProperty('CommandsStarted', [System.Reflection.BindingFlags] 'NonPublic, Static')
        $started | Should -Not -BeNullOrEmpty
        $before = $started.GetValue($null)
        $rows = 1..60 | Invoke-ProcessPool -FilePath /bin/echo -Session $Sessions -ThrottleLimit 2 -NoProgress
        $rows | Should -HaveCount 60
        ($rows.Seq | Sort-Object) | Should -Be (1..60)
        $started.GetValue($null) - $before | Should -Be 2 -Because 'each of the 2 hosts runs one long-running pipeline for the whole run'
    }

    It 'never runs more than ThrottleLimit tasks at once on a host, and does reach it' {
        $rows = 1..16 | Invoke-ProcessPool -FilePath sh -ArgumentList '-c', 'sleep 0.3' -Session $Sessions -ThrottleLimit 3 -NoProgress
        $rows | Should -HaveCount 16
        foreach ($group in $rows | Group-Object ComputerName) {
            Get-PeakOverlap $group.Group | Should -Be 3 -Because "host $($group.Name) has 3 slots"
        }
        ($rows.Slot | Sort-Object -Unique) | Should -Be (1..6) -Because "each host numbers its 3 slots, after the hosts before it"
    }

    It 'keeps input order with -KeepOrder, and passes standard input, environment, time limit and retries to the hosts' {
        $marker = Join-Path ([System.IO.Path]::GetTempPath()) "ct-retry-$([guid]::NewGuid().ToString('N'))"
        try {
            $rows = 1..12 | Invoke-ProcessPool -FilePath sh -ArgumentList '-c', 'sleep 0.0$(( (13 - $1) % 5 )); read line; echo "$line $GREETING"', 'sh', '{}' `
                -StandardInput 'line {}' -Environment @{ GREETING = 'hello' } -Session $Sessions -ThrottleLimit 2 -KeepOrder -NoProgress
            $rows.Seq | Should -Be (1..12)
            $rows | ForEach-Object { $_.StdOut.Trim() | Should -Be "line $($_.Seq) hello" }

            $late = Invoke-ProcessPool -InputObject 1 -FilePath sh -ArgumentList '-c', 'sleep 10; echo {}' -TimeoutSeconds 1 -Session $Sessions[0] -NoProgress -ErrorAction SilentlyContinue
            $late.TimedOut | Should -BeTrue
            $late.Succeeded | Should -BeFalse
            $late.DurationMs | Should -BeLessThan 9000 -Because 'the host killed the tree at its time limit'

            $flaky = Invoke-ProcessPool -InputObject $marker -FilePath sh -ArgumentList '-c', 'test -e "$1" || (touch "$1"; exit 3)', 'sh', '{}' -RetryCount 2 -Session $Sessions[1] -NoProgress
            $flaky.Attempt | Should -Be 2
            $flaky.Succeeded | Should -BeTrue
        }
        finally {
            Remove-Item -LiteralPath $marker -ErrorAction Ignore
        }
    }

    It 'names the host that lacks the module, runs everything on the others, and with no host left skips the rest as rows' {
        $bare = Start-TestSshHost -Address 127.0.0.3
        try {
            $session = New-TestSshSession $bare
            $rows = 1..8 | Invoke-ProcessPool -FilePath /bin/echo -Session $session, $Sessions[0] -ThrottleLimit 2 -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $rows | Should -HaveCount 8
            ($rows.Seq | Sort-Object) | Should -Be (1..8)
            $rows | ForEach-Object { $_.Succeeded | Should -BeTrue; $_.ComputerName | Should -Be '127.0.0.1' }
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -Match '^ModuleMissingOnHost'
            $problems[0].Exception.Message | Should -Match 'not installed on 127\.0\.0\.3'
            $problems[0].Exception.Message | Should -Match 'Copy-Item -ToSession'

            $alone = 1..5 | Invoke-ProcessPool -FilePath /bin/echo -Session $session -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $alone | Should -HaveCount 5
            $alone | ForEach-Object { $_.Skipped | Should -BeTrue; $_.Error | Should -Match 'every host failed' }
            @($problems | Where-Object FullyQualifiedErrorId -Match '^ModuleMissingOnHost') | Should -HaveCount 1
        }
        finally {
            $session | Remove-PSSession -ErrorAction Ignore
            Stop-TestSshHost $bare
        }
    }

    It 'gives the tasks of a host killed mid-run to the other host: none lost, none run twice to completion' {
        $doomed = Start-TestSshHost -Address 127.0.0.4 -ModuleRoot $ModuleRoot
        $work = Join-Path ([System.IO.Path]::GetTempPath()) "ct-work-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $work
        try {
            $session = New-TestSshSession $doomed
            # The host dies in the middle of its own second wave of 6 s tasks (each host runs 2 at once), never just
            # as a task ends: a task that finished there but whose row had not come back yet would rightly run again.
            # The kill comes 3 s after the wave's first task is seen, 3 s before it ends, and stops the whole tree at
            # once. At a machine load of 60 tasks of the second wave finished first: with 2 s tasks and the kill 0.7 s
            # into the wave, and when Process.Kill($true), which kills one process at a time, took 3 s.
            # Its tasks are told apart by being below its server: counting the shared "started" file instead let a
            # host whose first wave started seconds late (on a busy machine) hold the kill back until the doomed
            # host's second wave had finished, so those tasks rightly ran twice.
            $killer = Start-ThreadJob -ArgumentList $doomed.Process.Id, (Join-Path $PSScriptRoot 'TestSshHost.psm1') {
                param($id, $helpers)
                Import-Module $helpers
                $tasks = [System.Collections.Generic.HashSet[int]]::new()
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while ($tasks.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) {
                    foreach ($child in Get-DescendantProcessId -Id $id) {
                        $command = try { [System.IO.File]::ReadAllText("/proc/$child/cmdline") } catch { '' }
                        if ($command.StartsWith("sh`0-c`0") -and $command.Contains('/started')) { $null = $tasks.Add($child) }
                    }
                    Start-Sleep -Milliseconds 50
                }
                $seen = [DateTime]::UtcNow
                Start-Sleep -Seconds 3
                Stop-ProcessTreeAtOnce -Id $id
                # What the killer saw and when, for the message of a failure.
                "third task seen at $($seen.ToString('HH:mm:ss.fff')), host killed at $([DateTime]::UtcNow.ToString('HH:mm:ss.fff'))"
            }
            $rows = 1..12 | Invoke-ProcessPool -FilePath sh -ArgumentList '-c', 'echo "$1" >> "$2/started"; sleep 6 && echo "$1" >> "$2/done" && echo "$1 at $(date -u +%T.%3N)" >> "$2/times"', 'sh', '{}', $work `
                -Session $Sessions[0], $session -ThrottleLimit 2 -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $killed = $killer | Wait-Job | Receive-Job
            $killer | Remove-Job
            $story = "$killed; started in this order: $((Get-Content -LiteralPath "$work/started") -join ' '); finished: $((Get-Content -LiteralPath "$work/times" -ErrorAction Ignore) -join ', '); rows (task@host#attempt): " +
                (($rows | Sort-Object Seq | ForEach-Object { "$($_.Seq)@$($_.ComputerName)#$($_.Attempt)" }) -join ' ')
            $rows | Should -HaveCount 12
            ($rows.Seq | Sort-Object) | Should -Be (1..12)
            $rows | ForEach-Object { $_.Succeeded | Should -BeTrue }
            $moved = @($rows | Where-Object Attempt -eq 2)
            $moved.Count | Should -BeGreaterThan 0 -Because "the doomed host had tasks running when it died ($story)"
            $moved | ForEach-Object { $_.ComputerName | Should -Be '127.0.0.1' }
            # Each task completed exactly once, wherever it ran.
            (Get-Content -LiteralPath "$work/done" | Sort-Object { [int] $_ }) | Should -Be (1..12) -Because $story
            $failures = @($problems | Where-Object FullyQualifiedErrorId -Match '^SessionFailed')
            $failures | Should -HaveCount 1
            $failures[0].Exception.Message | Should -Match '127\.0\.0\.4'
            $failures[0].TargetObject | Should -Be '127.0.0.4'
        }
        finally {
            $session | Remove-PSSession -ErrorAction Ignore
            Stop-TestSshHost $doomed
            Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
        }
    }

    It 'stops every host''s processes on Select-Object -First 1 and leaves the sessions usable' {
        $marker = "ct-stop-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $started = [DateTime]::UtcNow
        $first = 0, 30, 30, 30, 30, 30 | Invoke-ProcessPool -FilePath sh -ArgumentList '-c', 'sleep $1', $marker, '{}' -Session $Sessions -ThrottleLimit 3 -NoProgress |
            Select-Object -First 1
        $first.Seq | Should -Be 1
        ([DateTime]::UtcNow - $started).TotalSeconds | Should -BeLessThan 25 -Because 'the 30 s tasks must not be waited for'
        # 5 s: the hosts' own safety net (a server that hears nothing for 10 s kills its tasks) must not be what passes this.
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while ((Get-RemoteTaskProcess $Hosts $marker) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        @(Get-RemoteTaskProcess $Hosts $marker) | Should -HaveCount 0
        foreach ($session in $Sessions) {
            "$($session.Runspace.RunspaceStateInfo.State) $($session.Runspace.RunspaceAvailability)" | Should -Be 'Opened Available' -Because "$($session.ComputerName) must be usable ($($session.Runspace.RunspaceStateInfo.Reason))"
        }
        Invoke-Command -Session $Sessions { 42 } | Should -Be @(42, 42)
    }
}
