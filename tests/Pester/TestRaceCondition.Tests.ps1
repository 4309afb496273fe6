#Requires -Version 7.4
# Test-RaceCondition as a user calls it, against the built module.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    # Small and quick: the machine is shared, so nothing below asserts on speed.
    $script:Rows = Test-RaceCondition -Scenario Counter -Strategy None, Interlocked, Lock -Threads 4 -Increments 50 -Trials 40 -Seed 11 -NoProgress
}

Describe 'Progress of the cmdlets, all through one throttled writer' {
    BeforeAll {
        # Runs a command in its own PowerShell and returns the progress records it wrote.
        function Get-ProgressOf([string] $Command, [hashtable] $Parameters) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $ModuleDir 'ConcurrencyTools.psd1')).AddStatement().AddCommand($Command).AddParameters($Parameters)
                $null = $ps.Invoke()
                $ps.Streams.Progress
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    It 'shows the time remaining once trials are done, and completes the bar' {
        $records = Get-ProgressOf Test-RaceCondition @{ Strategy = 'None', 'Lock'; Threads = 2; Increments = 50; Trials = 4000 }
        $shown = @($records | Where-Object RecordType -EQ 'Processing')
        $shown | Should -Not -BeNullOrEmpty
        @($shown | Where-Object SecondsRemaining -GE 0) | Should -Not -BeNullOrEmpty -Because 'every record after the first trial carries an estimate'
        $records[-1].RecordType | Should -Be 'Completed'
        @(Get-ProgressOf Test-RaceCondition @{ Strategy = 'None'; Trials = 50; NoProgress = $true }) | Should -BeNullOrEmpty
    }

    It 'shows the time remaining of a measurement once runs are done' {
        $records = Get-ProgressOf Measure-ThreadedWorkload @{ Workload = 'Io'; DurationMs = 30; Tasks = 4; Model = 'Sequential', 'Threads'; Workers = 2; Repeat = 6; Warmup = 0; NoOverhead = $true }
        @($records | Where-Object { $_.RecordType -eq 'Processing' -and $_.SecondsRemaining -ge 0 }) | Should -Not -BeNullOrEmpty
        $records[-1].RecordType | Should -Be 'Completed'
    }

    It 'shows Invoke-ProcessPool''s time remaining once tasks are done, and completes the bar' {
        $records = Get-ProgressOf Invoke-ProcessPool @{ FilePath = 'sleep'; InputObject = @(1..8 | ForEach-Object { '0.2' }); ThrottleLimit = 2 }
        $shown = @($records | Where-Object RecordType -EQ 'Processing')
        @($shown | Where-Object SecondsRemaining -GE 0) | Should -Not -BeNullOrEmpty -Because 'every record after the first finished task carries an estimate'
        $records[-1].RecordType | Should -Be 'Completed'
        @(Get-ProgressOf Invoke-ProcessPool @{ FilePath = 'sleep'; InputObject = @('0.1', '0.1'); NoProgress = $true }) | Should -BeNullOrEmpty
    }

    It 'shows Export-ConcurrencyReport''s steps throttled, and completes the bar' {
        $row = [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = 1; Tasks = 1; Run = 1; ElapsedMs = 10; Verified = $true; MachineName = 'vm' }
        $path = Join-Path $TestDrive 'progress.html'
        $records = Get-ProgressOf Export-ConcurrencyReport @{ Path = $path; InputObject = $row }
        $records[0].StatusDescription | Should -Be 'Drawing speedups and run times'
        $records[0].PercentComplete | Should -Be 0
        $records[-1].RecordType | Should -Be 'Completed'
        @($records | Where-Object RecordType -EQ 'Processing').Count | Should -BeLessOrEqual 4
        @(Get-ProgressOf Export-ConcurrencyReport @{ Path = $path; InputObject = $row; NoProgress = $true }) | Should -BeNullOrEmpty
    }
}


Describe 'Test-RaceCondition' {
    Context 'C# scenarios' {
        It 'emits one result per strategy, in the order given' {
            $Rows | Should -HaveCount 3
            $Rows[0] | Should -BeOfType ([ConcurrencyTools.Engine.Races.RaceTestResult])
            $Rows.Strategy | Should -Be @('None', 'Interlocked', 'Lock')
            $Rows | ForEach-Object {
                $_.Scenario | Should -Be 'Counter'
                $_.Trials | Should -Be 40
                $_.Expected | Should -Be 200
                $_.Operations | Should -Be 200
                $_.Seed | Should -Be 11
                $_.RaceWindow | Should -Be 'Yield'
            }
        }

        It 'catches lost updates without protection and none with Interlocked or Lock' {
            $none = $Rows | Where-Object Strategy -EQ 'None'
            $none.Verdict | Should -Be 'RaceDetected'
            $none.TrialsWithViolation | Should -BeGreaterThan 0
            $none.MinObserved | Should -BeLessThan 200
            $Rows | Where-Object Strategy -NE 'None' | ForEach-Object {
                $_.Verdict | Should -Be 'NoRaceObserved'
                $_.TrialsWithViolation | Should -Be 0
                $_.MinObserved | Should -Be 200
            }
        }

        It 'keeps the histogram out of CSV columns but reachable with -ExpandProperty Outcomes' {
            $csv = $Rows | ConvertTo-Csv
            $csv[0] | Should -Not -Match 'Outcomes'
            $csv[0] | Should -Match '"NsPerOperation"'
            ($Rows[0] | Format-List * | Out-String) | Should -Not -Match 'Outcomes'
            $outcomes = $Rows[0] | Select-Object -ExpandProperty Outcomes
            ($outcomes | Measure-Object Count -Sum).Sum | Should -Be 40
            $outcomes | ForEach-Object { $_.Expectation | Should -BeIn @('Acceptable', 'Forbidden') }
            ($outcomes | Where-Object Expectation -EQ 'Forbidden' | Measure-Object Count -Sum).Sum | Should -Be $Rows[0].TrialsWithViolation
            @($Rows[2].Outcomes).Count | Should -Be 1
            $Rows[2].Outcomes[0].Outcome | Should -Be '200'
        }

        It 'writes a default table that fits 80 columns' {
            $lines = $Rows | Format-Table | Out-String -Width 200 -Stream | Where-Object { $_.Trim() }
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
            ($lines -join "`n") | Should -Match 'RaceDetected'
        }

        It 'runs every scenario and strategy, and a concurrent dictionary tears the Transfer audits' {
            $all = [enum]::GetNames([ConcurrencyTools.Engine.Races.RaceStrategy])
            $rows = Test-RaceCondition -Scenario CheckThenAct, Transfer -Strategy $all -Threads 3 -Increments 20 -Trials 10 -NoProgress
            $rows | Should -HaveCount (2 * $all.Count)
            $rows | Where-Object { $_.Strategy -notin 'None', 'Volatile' -and -not ($_.Scenario -eq 'Transfer' -and $_.Strategy -eq 'ConcurrentDictionary') } |
                ForEach-Object { $_.TrialsWithViolation | Should -Be 0 -Because "$($_.Scenario) / $($_.Strategy) is protected" }
            $torn = $rows | Where-Object { $_.Scenario -eq 'Transfer' -and $_.Strategy -eq 'ConcurrentDictionary' }
            $torn.MinObserved | Should -Be $torn.Expected
            $torn.MaxObserved | Should -Be $torn.Expected
            $torn.MeanTornReads | Should -BeGreaterThan 0
        }

        It 'binds the scenario from the pipeline' {
            $rows = 'Counter', 'Transfer' | Test-RaceCondition -Strategy Lock -Threads 2 -Increments 5 -Trials 2 -NoProgress
            $rows.Scenario | Should -Be @('Counter', 'Transfer')
        }

        It 'round-trips through Export-Csv with every scalar column' {
            $path = Join-Path $TestDrive 'races.csv'
            $Rows | Export-Csv -LiteralPath $path
            $back = Import-Csv -LiteralPath $path
            $back | Should -HaveCount 3
            $back[0].TrialsWithViolation | Should -Be "$($Rows[0].TrialsWithViolation)"
            $back[0].Verdict | Should -Be $Rows[0].Verdict
            [double]$back[1].NsPerOperation | Should -Be $Rows[1].NsPerOperation
        }

        It 'rejects a bad value naming the parameter' {
            { Test-RaceCondition -Threads 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,ConcurrencyTools.Commands.TestRaceConditionCommand'
            { Test-RaceCondition -Strategy Nothing } | Should -Throw '*Strategy*'
            { Test-RaceCondition -RaceWindow Forever } | Should -Throw '*RaceWindow*'
        }

        It 'stops when the pipeline is stopped (Ctrl+C) instead of running its hour of trials' {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleDir/ConcurrencyTools.psd1'; Test-RaceCondition -Strategy Lock -Threads 6 -Increments 1000000 -Trials 1000 -RaceWindow Sleep -NoProgress")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'a generous hang guard, not a speed check'
            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Dispose()
        }
    }

    Context 'script blocks' {
        BeforeAll {
            $script:Common = @{ Threads = 4; Increments = 100; Trials = 20; Invariant = { $_.Count -eq 400 }; Observe = { $_.Count }; Expected = 400; NoProgress = $true }
        }

        It 'shows lost updates of $hash.Count++ on a plain hashtable from 4 runspaces' {
            $plain = Test-RaceCondition -ScriptBlock { $_.Count++ } -SharedState @{ Count = 0 } -Label Plain @Common
            $plain.Scenario | Should -Be 'ScriptBlock'
            $plain.Strategy | Should -Be 'Plain'
            $plain.Threads | Should -Be 4
            $plain.Verdict | Should -Be 'RaceDetected'
            $plain.TrialsWithViolation | Should -BeGreaterThan 0
            $plain.MinObserved | Should -BeLessThan 400
            $forbidden = $plain.Outcomes | Where-Object Expectation -EQ 'Forbidden'
            ($forbidden | Measure-Object Count -Sum).Sum | Should -Be $plain.TrialsWithViolation
        }

        It 'shows none with a Monitor lock' {
            $locked = Test-RaceCondition -ScriptBlock {
                [System.Threading.Monitor]::Enter($_)
                try { $_.Count++ } finally { [System.Threading.Monitor]::Exit($_) }
            } -SharedState @{ Count = 0 } -Label Monitor @Common
            $locked.Verdict | Should -Be 'NoRaceObserved'
            $locked.MinObserved | Should -Be 400
            $locked.MaxObserved | Should -Be 400
        }

        It 'shows none with a ConcurrentDictionary AddOrUpdate, a fresh dictionary per trial from a script block' {
            $common = $Common.Clone()
            $common.Increments = 25
            $common.Trials = 5
            $common.Invariant = { $_['Count'] -eq 100 }
            $common.Observe = { $_['Count'] }
            $common.Expected = 100
            $dictionary = Test-RaceCondition -ScriptBlock {
                $null = $_.AddOrUpdate('Count', 1, [Func[string, int, int]] { param($key, $value) $value + 1 })
            } -SharedState { [System.Collections.Concurrent.ConcurrentDictionary[string, int]]::new() } -Label ConcurrentDictionary @common
            $dictionary.Verdict | Should -Be 'NoRaceObserved'
            $dictionary.MinObserved | Should -Be 100
        }

        It 'counts errors of the script block as exceptions, apart from forbidden trials' {
            $row = Test-RaceCondition -ScriptBlock { param($state, $i) if ($i -eq 3) { Write-Error "bad $i" } } -SharedState @{} -Invariant { $true } -Threads 2 -Increments 5 -Trials 3 -NoProgress
            $row.Exceptions | Should -Be 6
            $row.TrialsWithException | Should -Be 3
            $row.TrialsWithViolation | Should -Be 0
            $row.Verdict | Should -Be 'ExceptionThrown'
            $row.FirstError | Should -Match 'bad 3'
        }

        It 'rejects a shared object it cannot copy, naming -SharedState' {
            $row = Test-RaceCondition -ScriptBlock { } -SharedState ([System.Threading.CancellationTokenSource]::new()) -Invariant { $true } -ErrorVariable problems -ErrorAction SilentlyContinue
            $row | Should -BeNullOrEmpty
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidRaceTestParameter'
            $problems[0].Exception.Message | Should -Match 'SharedState'
        }
    }
}
