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
            $killer = Start-ThreadJob -ArgumentList $doomed.Process.Id {
                param($id)
                Start-Sleep -Seconds 4
                (Get-Process -Id $id).Kill($true)
            }
            $rows = Measure-ThreadedWorkload -Session $Sessions[0], $session -Workload Io -Model Threads -Workers 2 -Tasks 2 -DurationMs 1000 -Repeat 6 -Warmup 0 -NoOverhead -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $killer | Wait-Job | Remove-Job
            @($rows | Where-Object ComputerName -eq '127.0.0.1') | Should -HaveCount 6
            @($rows | Where-Object ComputerName -eq '127.0.0.4').Count | Should -BeLessThan 6
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
