#Requires -Version 7.4
# Cmdlet behaviour as a user sees it, against the built module (build it first: ./test.sh or ./build.ps1).

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    $script:Quick = @{ Tasks = 4; Iterations = 200000; DurationMs = 5; Repeat = 1; Warmup = 0; NoProgress = $true }

    . (Join-Path $PSScriptRoot 'ProcessTree.ps1')

    # Worker processes of this pwsh that are still alive (never another test run's).
    function Get-WorkerProcess {
        Get-DescendantProcessId -CommandLike '*ConcurrencyTools.Worker.dll*', '*/ConcurrencyTools.Worker *', '*ConcurrencyTools.Engine.Processes.WorkerServer*'
    }

    # Stops a running PowerShell, failing (not hanging) when Stop does not return within the deadline.
    function Stop-WithDeadline([powershell] $PowerShell, [int] $Seconds = 30) {
        $stopping = $PowerShell.BeginStop($null, $null)
        $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($Seconds)) | Should -BeTrue -Because "Stop must return within $Seconds s"
        $PowerShell.EndStop($stopping)
    }

    # The columns a help file documents for its output type, in order.
    function Get-DocumentedColumn([string] $Cmdlet) {
        $text = Get-Content -Raw (Join-Path $PSScriptRoot "../../docs/en-US/$Cmdlet.md")
        $outputs = [regex]::Match($text, '(?s)## OUTPUTS(.*?)## NOTES').Groups[1].Value
        $list = [regex]::Match($outputs, '(?s)Columns, in order:(.*?)\.\s*$').Groups[1].Value
        [regex]::Matches($list, '`(\w+)`') | ForEach-Object { $_.Groups[1].Value }
    }
}

Describe 'The module' {
    It 'imports from the built folder and exports its cmdlets' {
        $module = Get-Module ConcurrencyTools
        $module.ModuleBase | Should -Be $ModuleDir
        $module.ExportedCmdlets.Keys | Should -Contain 'Measure-ThreadedWorkload'
    }

    It 'does not ship System.Management.Automation.dll' {
        Join-Path $ModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'declares PowerShell 7.4 Core' {
        $manifest = Import-PowerShellDataFile (Join-Path $ModuleDir 'ConcurrencyTools.psd1')
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be 'Core'
    }
}

Describe 'Measure-ThreadedWorkload parameter binding' {
    It 'binds named parameters' {
        $rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads -Workers 2 @Quick
        $rows | Should -HaveCount 2
        $rows[0] | Should -BeOfType ([ConcurrencyTools.Engine.Measurement.WorkloadMeasurement])
        $rows.Model | Should -Be @('Sequential', 'Threads')
        $rows | ForEach-Object { $_.Verified | Should -BeTrue }
    }

    It 'binds Workload and Model by position' {
        $rows = Measure-ThreadedWorkload Io EventLoop -Workers 3 @Quick
        $rows.Workload | Should -Be 'Io'
        $rows.Model | Should -Be 'EventLoop'
        $rows.ThreadsUsed | Should -Be 1
    }

    It 'takes Workload from the pipeline' {
        $rows = 'Io', 'Cpu' | Measure-ThreadedWorkload -Model Sequential @Quick
        $rows.Workload | Should -Be @('Io', 'Cpu')
    }

    It 'binds pipeline objects by property name' {
        $rows = [pscustomobject]@{ Workload = 'Io'; Model = 'GilThreads'; Workers = 2; Tasks = 2; DurationMs = 3 } |
            Measure-ThreadedWorkload -Repeat 1 -Warmup 0 -NoProgress
        $rows.Model | Should -Be 'GilThreads'
        $rows.Workers | Should -Be 2
        $rows.TaskSize | Should -Be 'DurationMs=3'
        $rows.GilSwitches | Should -BeGreaterThan 0
    }

    It 'runs Sequential once whatever the worker counts' {
        $rows = Measure-ThreadedWorkload -Model Sequential, ThreadPool -Workers 1, 2 @Quick
        ($rows | Where-Object Model -EQ 'Sequential') | Should -HaveCount 1
        ($rows | Where-Object Model -EQ 'ThreadPool') | Should -HaveCount 2
    }

    It 'emits -Repeat rows per configuration and no warm-up rows' {
        $rows = Measure-ThreadedWorkload -Model Threads -Workers 2 -Tasks 2 -Iterations 1000 -Repeat 3 -Warmup 2 -NoProgress
        $rows.Run | Should -Be @(1, 2, 3)
    }
}

Describe 'Measure-ThreadedWorkload validation' {
    It 'rejects <Value> for -<Name>' -TestCases @(
        @{ Name = 'Workers'; Value = 0 }
        @{ Name = 'Workers'; Value = 1000001 }
        @{ Name = 'Tasks'; Value = 0 }
        @{ Name = 'Iterations'; Value = -1 }
        @{ Name = 'DurationMs'; Value = 0 }
        @{ Name = 'Repeat'; Value = 0 }
        @{ Name = 'Warmup'; Value = -1 }
        @{ Name = 'SwitchIntervalMs'; Value = 0 }
        @{ Name = 'Model'; Value = 'Fibers' }
        @{ Name = 'Workload'; Value = 'Disk' }
        @{ Name = 'CpuFraction'; Value = 1.5 }
        @{ Name = 'CpuFraction'; Value = -0.1 }
        @{ Name = 'Depth'; Value = 51 }
    ) {
        $parameters = @{ $Name = $Value }
        $failure = $null
        try { Measure-ThreadedWorkload @parameters -NoProgress -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Match '^(ParameterArgumentValidationError|ParameterArgumentTransformationError|CannotConvertArgumentNoMessage),ConcurrencyTools\.Commands\.MeasureThreadedWorkloadCommand$'
        $failure.Exception.Message | Should -Match $Name
    }

    It 'rejects more worker processes than Processes runs, naming Workers and the value' {
        $rows = Measure-ThreadedWorkload -Model Processes -Workers 300 @Quick -ErrorVariable problems -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidMeasurementParameter'
        $problems[0].TargetObject | Should -Be 300
        $problems[0].Exception.Message | Should -Match 'Workers'
    }

    It 'rejects more than 10000 workers for a model with an OS thread per worker, naming the model' {
        $rows = Measure-ThreadedWorkload -Workload Io -Model EventLoop, Threads -Workers 10001 -Tasks 10001 -DurationMs 1 -Repeat 1 -Warmup 0 -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].TargetObject | Should -Be 10001
        $problems[0].Exception.Message | Should -Match 'The Threads model starts one OS thread per worker'
    }
}

Describe 'Measure-ThreadedWorkload at scale' {
    It 'runs twenty thousand waits at once on the event loop, on one thread' {
        $row = Measure-ThreadedWorkload -Workload Io -Model EventLoop -Workers 20000 -Tasks 20000 -DurationMs 100 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
        $row.Workers | Should -Be 20000
        $row.Verified | Should -BeTrue
        $row.ThreadsUsed | Should -Be 1
    }

    It 'warns before a ThreadPool run that blocking waits will starve, with the cost and the way out' {
        $threads = [System.Threading.ThreadPool]::ThreadCount
        $workers = $threads + 16
        $row = Measure-ThreadedWorkload -Workload Io -Model ThreadPool -Workers $workers -Tasks $workers -DurationMs 20 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress -WarningVariable warnings -WarningAction SilentlyContinue
        $row.Verified | Should -BeTrue
        $row.ThreadPoolThreadsAdded | Should -Not -BeNullOrEmpty
        $starvation = @($warnings | Where-Object { "$_" -like 'ThreadPool x*' })
        $starvation | Should -HaveCount 1
        "$($starvation[0])" | Should -Match "ThreadPool x$workers with 20 ms blocking waits"
        "$($starvation[0])" | Should -Match 'EventLoop'
    }

    It 'does not warn when the waits do not block the pool' {
        $null = Measure-ThreadedWorkload -Workload Io -Model EventLoop, Threads -Workers 64 -Tasks 64 -DurationMs 1 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings | Where-Object { "$_" -like 'ThreadPool x*' }) | Should -HaveCount 0
    }
}

Describe 'Measure-ThreadedWorkload results' {
    It 'keeps every column through Export-Csv and Import-Csv' {
        $rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Processes, GilThreads -Workers 2 @Quick
        $csv = Join-Path $TestDrive 'runs.csv'
        $rows | Export-Csv -LiteralPath $csv
        $back = Import-Csv -LiteralPath $csv

        # The documented columns, not the object's own list: a column dropped from the row is caught.
        $columns = @(Get-DocumentedColumn 'Measure-ThreadedWorkload')
        $columns.Count | Should -BeGreaterThan 30
        $rows[0].PSObject.Properties.Name | Should -Be $columns
        $back[0].PSObject.Properties.Name | Should -Be $columns
        for ($i = 0; $i -lt $rows.Count; $i++) {
            foreach ($name in $columns) {
                "$($back[$i].$name)" | Should -Be "$($rows[$i].$name)" -Because "column $name of row $i"
            }
        }
        ($back | Where-Object Model -EQ 'Processes').StartupMs | Should -Not -BeNullOrEmpty
        ($back | Where-Object Model -EQ 'Sequential').StartupMs | Should -BeNullOrEmpty
    }

    It 'shows a table with the useful columns by default' {
        # The default view fits an 80-column console.
        $text = Measure-ThreadedWorkload -Model Threads -Workers 2 @Quick | Out-String -Width 80
        foreach ($header in 'Model', 'Workers', 'Run', 'ElapsedMs', 'CpuTimeMs', 'Cpu%', 'StartupMs', 'Verified', 'Error', 'Cpu: 4 tasks of Iterations=200000') { $text | Should -Match $header }
        $text | Should -Not -Match 'MachineName'
    }

    It 'tells what it runs with -Verbose' {
        $verbose = Measure-ThreadedWorkload -Model Threads -Workers 2 @Quick -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Threads x2'
    }

    It 'runs the <Workload> workload verified' -TestCases @(
        @{ Workload = 'Mixed'; Extra = @{ CpuFraction = 0.25 }; Size = 'Iterations=200000;DurationMs=5;CpuFraction=0.25' }
        @{ Workload = 'Memory'; Extra = @{}; Size = 'Iterations=200000' }
        @{ Workload = 'Recursive'; Extra = @{ Depth = 18 }; Size = 'Depth=18' }
    ) {
        $rows = Measure-ThreadedWorkload -Workload $Workload -Model Sequential, GilThreads, Processes -Workers 2 @Quick @Extra
        $rows | Should -HaveCount 3
        $rows | ForEach-Object {
            $_.Verified | Should -BeTrue
            $_.TaskSize | Should -Be $Size
            $_.AllocatedBytes | Should -Not -BeNullOrEmpty
            $_.GcMode | Should -Match '^(Workstation|Server)/'
        }
    }

    It 'measures each model on empty tasks unless told not to' {
        (Measure-ThreadedWorkload -Model Threads -Workers 2 @Quick).ModelOverheadMs | Should -BeGreaterThan 0
        (Measure-ThreadedWorkload -Model Threads -Workers 2 @Quick -NoOverhead).ModelOverheadMs | Should -BeNullOrEmpty
    }

    It 'warns when there are more workers than tasks' {
        $null = Measure-ThreadedWorkload -Model Threads -Workers 8 @Quick -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match 'Workers 8 is more than Tasks 4'
    }

    It 'starts worker processes from a pwsh that has no dotnet on PATH' {
        $pwsh = (Get-Process -Id $PID).Path
        $script = "Import-Module '$ModuleDir/ConcurrencyTools.psd1'; " +
            '$r = Measure-ThreadedWorkload -Workload Io -Model Processes -Workers 2 -Tasks 2 -DurationMs 5 -Repeat 1 -Warmup 0 -NoProgress -NoOverhead; ' +
            '"$($r.Verified)|$($r.Error)"'
        $savedPath, $savedRoot = $env:PATH, $env:DOTNET_ROOT
        try {
            # Only pwsh's own folder: the host must be found from the running process, not from PATH.
            $env:PATH = Split-Path $pwsh
            Remove-Item Env:DOTNET_ROOT -ErrorAction Ignore
            $output = & $pwsh -NoProfile -NonInteractive -Command $script
        } finally {
            $env:PATH, $env:DOTNET_ROOT = $savedPath, $savedRoot
        }
        $output | Should -Be 'True|'
    }

    It 'runs Processes workers through pwsh itself when no dotnet host is chosen' {
        $env:CONCURRENCYTOOLS_WORKER_HOST = 'pwsh'
        try {
            $row = Measure-ThreadedWorkload -Workload Io -Model Processes -Workers 2 @Quick
        } finally {
            Remove-Item Env:CONCURRENCYTOOLS_WORKER_HOST
        }
        $row.Error | Should -BeNullOrEmpty
        $row.Verified | Should -BeTrue
        $row.StartupMs | Should -BeGreaterThan 0
    }
}

Describe 'Stopping Measure-ThreadedWorkload' {
    It 'stops on [powershell]::Stop() and leaves no worker process behind' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module)
                    Import-Module $Module
                    Measure-ThreadedWorkload -Workload Cpu -Model Processes -Workers 2 -Tasks 4 -Iterations 100000000000 -Repeat 1 -Warmup 0 -NoProgress
                }).AddArgument((Join-Path $ModuleDir 'ConcurrencyTools.psd1'))
            # Workers an earlier test is still reaping are not this run's.
            $earlier = @(Get-WorkerProcess)
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do {
                $seen = @(Get-WorkerProcess | Where-Object { $_ -notin $earlier })
                if ($seen.Count -ge 2) { break }
                Start-Sleep -Milliseconds 50
            } while ([DateTime]::UtcNow -lt $deadline)
            # Once, under load, a reading right after the wait's found one worker fewer: say what each reading found.
            $now = @(Get-WorkerProcess | Where-Object { $_ -notin $earlier })
            $now.Count | Should -Be 2 -Because "the wait found $(Format-ProcessState $seen) and then $(Format-ProcessState $now)"
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Stop-WithDeadline $ps
            $clock.Stop()
            $handle.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Get-WorkerProcess | Where-Object { $_ -notin $earlier } | Should -BeNullOrEmpty
            # Liveness, not a speed test: a Stop that waited for the run would take minutes.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        } finally {
            # A pipeline that would not stop is left alone: disposing it would hang the suite. One a
            # failed assertion left running is asked to stop, so its workers do not outlive the test.
            if ($ps.InvocationStateInfo.State -eq 'Running') { $null = $ps.BeginStop($null, $null) } else { $ps.Dispose() }
        }
    }

    It 'stops a thread model too' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module)
                    Import-Module $Module
                    Measure-ThreadedWorkload -Workload Io -Model Threads, GilThreads -Workers 4 -Tasks 8 -DurationMs 600000 -Repeat 1 -Warmup 0 -NoProgress
                }).AddArgument((Join-Path $ModuleDir 'ConcurrencyTools.psd1'))
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 500
            Stop-WithDeadline $ps
            $handle.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            # A pipeline that would not stop is left alone: disposing it would hang the suite.
            if ($ps.InvocationStateInfo.State -ne 'Running') { $ps.Dispose() }
        }
    }

    It 'stops after the first row with Select-Object -First 1' {
        $earlier = @(Get-WorkerProcess)
        $rows = Measure-ThreadedWorkload -Workload Cpu -Model Processes, Threads -Workers 2 -Tasks 2 -Iterations 1000 -Repeat 50 -Warmup 0 -NoProgress |
            Select-Object -First 1
        $rows | Should -HaveCount 1
        Get-WorkerProcess | Where-Object { $_ -notin $earlier } | Should -BeNullOrEmpty
    }
}

# Measure-ThreadedWorkload -ScriptBlock: script blocks under each model, their errors, their rows downstream, stopping.
Describe 'Measure-ThreadedWorkload -ScriptBlock' {
    BeforeAll {
        $script:ModulePath = Join-Path $ModuleDir 'ConcurrencyTools.psd1'
        $script:Once = @{ Repeat = 1; Warmup = 0; NoOverhead = $true; NoProgress = $true }

        # Processes below this pwsh only: other test runs on the machine start pwsh children too.
        function Get-DescendantProcess {
            $parents = @{}
            foreach ($stat in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$') {
                $text = Get-Content -LiteralPath (Join-Path $stat.FullName 'stat') -Raw -ErrorAction Ignore
                if ($text -match '^\d+ \(.*\) \S (\d+)') { $parents[[int]$stat.Name] = [int]$Matches[1] }
            }
            foreach ($id in $parents.Keys) {
                $parent = $parents[$id]
                while ($parent -and $parent -ne $PID -and $parents.ContainsKey($parent)) { $parent = $parents[$parent] }
                if ($parent -eq $PID) { $id }
            }
        }

        # The ids of the open runspaces. A test compares those open after it with those open before: a runspace that
        # an earlier test left to be closed later (ForEach-Object -Parallel's, a collected one) may close meanwhile, so
        # the counts can fall; only a runspace opened during the test and still open is one left behind.
        function Get-OpenRunspaceId { @(Get-Runspace | Where-Object { $_.RunspaceStateInfo.State -eq 'Opened' } | ForEach-Object { $_.InstanceId }) }

        # A module every model must import, with a function the script block calls.
        $script:HelperModule = Join-Path $TestDrive 'ScriptBlockHelper.psm1'
        Set-Content -LiteralPath $HelperModule -Value 'function Get-Triple([int] $n) { 3 * $n }'
        $script:HasThreadJob = [bool](Get-Command Start-ThreadJob -ErrorAction Ignore)
    }

    Context 'models' {
        It 'runs <Model> with the same modules, variables and arguments, every item once' -TestCases @(
            @{ Model = 'Sequential' }, @{ Model = 'Runspaces' }, @{ Model = 'ForEachParallel' },
            @{ Model = 'ThreadJob' }, @{ Model = 'Jobs' }, @{ Model = 'Processes' }
        ) {
            if ($Model -eq 'ThreadJob' -and -not $HasThreadJob) { Set-ItResult -Skipped -Because 'the ThreadJob module is not installed' }
            # A wrong value throws, which would make the row unverified: every model must see all three kinds of state.
            $script = { param($n, $plus) $value = (Get-Triple $_) + $Offset + $plus; if ($value -ne 3 * $n + 105) { throw "wrong value $value for $n" }; $value; 'second' }
            $rows = 1..3 | Measure-ThreadedWorkload -ScriptBlock $script -ImportModule $HelperModule -Variable @{ Offset = 100 } -ArgumentList 5 -Model $Model -Workers 2 @Once
            $rows | Should -HaveCount 1
            $rows.Model | Should -Be $Model
            $rows.Workload | Should -Be 'ScriptBlock'
            $rows.Error | Should -BeNullOrEmpty
            $rows.Verified | Should -BeTrue
            $rows.Tasks | Should -Be 3
            $rows.OutputCount | Should -Be 6
            $rows.ErrorCount | Should -Be 0
            $rows.CompletedTasks | Should -Be 3
            $rows.StartupMs | Should -BeGreaterThan 0
            $rows.StartupMs | Should -BeLessOrEqual $rows.ElapsedMs
            $rows.CpuTimeMs | Should -BeGreaterThan 0
        }

        It 'takes the items from -InputObject as well as from the pipeline' {
            $row = Measure-ThreadedWorkload -ScriptBlock { $_ } -InputObject 1, 2, 3, 4 -Model Runspaces -Workers 2 @Once
            $row.Tasks | Should -Be 4
            $row.OutputCount | Should -Be 4
            $row.Verified | Should -BeTrue
        }

        It 'says ThreadJob was skipped, and why, where the ThreadJob module is absent' {
            # A child pwsh whose module path holds only PowerShell's own modules.
            $command = "`$env:PSModulePath = Join-Path `$PSHOME 'Modules'; Import-Module '$ModulePath'; " +
                "1..2 | Measure-ThreadedWorkload -ScriptBlock { `$_ } -Model ThreadJob, Runspaces -Workers 2 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress | " +
                "Select-Object Model, Verified, Error | ConvertTo-Json -Compress"
            $rows = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $command | ConvertFrom-Json
            $rows | Should -HaveCount 2
            $rows[0].Model | Should -Be 'ThreadJob'
            $rows[0].Verified | Should -BeFalse
            $rows[0].Error | Should -BeLike 'Skipped: Start-ThreadJob is not available*Install-Module Microsoft.PowerShell.ThreadJob*'
            $rows[1].Verified | Should -BeTrue
        }

        It 'refuses a model that cannot run a script block, naming it' {
            $failure = $null
            try { 1 | Measure-ThreadedWorkload -ScriptBlock { $_ } -Model Runspaces, GilThreads @Once -ErrorAction Stop } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidMeasurementParameter*'
            $failure.TargetObject | Should -Be 'GilThreads'
            $failure.Exception.Message | Should -BeLike "*'GilThreads' cannot run a script block*"
        }

        It 'refuses a script-block model for a built-in workload, naming it' {
            $failure = $null
            try { Measure-ThreadedWorkload -Workload Cpu -Model Jobs -Tasks 2 @Once -ErrorAction Stop } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidMeasurementParameter*'
            $failure.TargetObject | Should -Be 'Jobs'
            $failure.Exception.Message | Should -BeLike "*'Jobs' runs script blocks only*"
        }

        It 'keeps the built-in workloads as they were' {
            $row = Measure-ThreadedWorkload -Workload Io -Model Threads -Workers 2 -Tasks 2 -DurationMs 5 @Once
            $row.Workload | Should -Be 'Io'
            $row.Verified | Should -BeTrue
            $row.OutputCount | Should -BeNullOrEmpty
        }
    }

    Context 'Errors of the script block' {
        It 'are counted and kept per row under <Model>, never fatal to the sweep' -TestCases @(
            @{ Model = 'Sequential' }, @{ Model = 'Runspaces' }, @{ Model = 'ForEachParallel' }, @{ Model = 'Processes' }
        ) {
            $script = { if ($_ -eq 2) { throw 'two failed' }; if ($_ -eq 3) { Write-Error 'three is odd' }; $_ }
            $rows = 1..4 | Measure-ThreadedWorkload -ScriptBlock $script -Model $Model -Workers 2 -Repeat 2 -Warmup 0 -NoOverhead -NoProgress
            $rows | Should -HaveCount 2
            foreach ($row in $rows) {
                $row.Verified | Should -BeFalse
                $row.ErrorCount | Should -Be 2
                $row.OutputCount | Should -Be 3   # the item that wrote an error still wrote its output
                $row.CompletedTasks | Should -Be 3
                $row.Error | Should -BeLike '1 of 4 items stopped with a terminating error; the first: two failed*'
                @($row.ErrorRecords) | Should -HaveCount 2
                ($row.ErrorRecords | ForEach-Object { "$_" }) -join '|' | Should -Match 'two failed'
                ($row.ErrorRecords | ForEach-Object { "$_" }) -join '|' | Should -Match 'three is odd'
            }
        }

        It 'are written in full with -Verbose' {
            $verbose = 1..2 | Measure-ThreadedWorkload -ScriptBlock { Write-Error "bad item $_" } -Model Runspaces -Workers 2 @Once -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose.Message -join "`n") | Should -Match 'Runspaces x2 run 1 error: bad item 1'
            ($verbose.Message -join "`n") | Should -Match 'bad item 2'
        }
    }

    Context 'Script-block rows downstream' {
        It 'survive Export-Csv and Import-Csv and give Measure-Speedup a Bound and a Recommendation' {
            # Long enough waits, after a warm-up, that the process's own start-up and compilation (counted in
            # CpuTimeMs, which is process-wide) do not outweigh them.
            $rows = 1..8 | Measure-ThreadedWorkload -ScriptBlock { Start-Sleep -Milliseconds 250 } -Model Sequential, Runspaces -Workers 4 -Repeat 2 -Warmup 1 -NoOverhead -NoProgress
            $csv = Join-Path $TestDrive 'script.csv'
            $rows | Export-Csv -LiteralPath $csv
            $imported = Import-Csv -LiteralPath $csv
            $imported | Should -HaveCount 4
            $imported[0].TaskSize | Should -Be '{ Start-Sleep -Milliseconds 250 }'
            $imported[0].StartupMs | Should -Be ($rows[0].StartupMs.ToString([cultureinfo]::InvariantCulture))

            $summary = $imported | Measure-Speedup
            $summary | Should -HaveCount 2
            $summary | ForEach-Object { $_.Recommendation | Should -BeLike '*x*: *x; *.' }
            $summary[0].Recommendation | Should -Be $summary[1].Recommendation
            # Judged from TaskCpuShare, read back from the CSV: a block that only sleeps is I/O-bound.
            $summary | ForEach-Object { $_.Bound | Should -Be 'IoBound' }
        }
    }

    Context 'Bound of script blocks' {
        It 'calls a block that only sleeps IoBound under every script-block model, and the Recommendation never CPU-bound' {
            # Three workers on a machine of two cores or fewer gives the old Workers / LogicalCores factor room to
            # turn a low share into Mixed; ThreadJob and Jobs run each item in a fresh runspace or process.
            $models = @('Sequential', 'Runspaces', 'ForEachParallel', 'Jobs', 'Processes')
            if ($HasThreadJob) { $models += 'ThreadJob' }
            $rows = 1..4 | Measure-ThreadedWorkload -ScriptBlock { Start-Sleep -Milliseconds 100 } -Model $models -Workers 3 @Once
            $rows | Should -HaveCount $models.Count
            foreach ($row in $rows) {
                $row.Error | Should -BeNullOrEmpty
                $row.TaskCpuShare | Should -BeLessOrEqual 0.25 -Because "$($row.Model): TaskCpuMs $($row.TaskCpuMs)"
            }

            $summary = $rows | Measure-Speedup
            foreach ($s in $summary) { $s.Bound | Should -Be 'IoBound' -Because "$($s.Model) x$($s.Workers)" }
            $summary[0].Recommendation | Should -Not -Match 'CPU-bound'
        }

        It 'counts the CPU of an item that throws' {
            # Each item computes, then throws: the row is not verified, and its TaskCpuMs still holds the work.
            $rows = 1..2 | Measure-ThreadedWorkload -ScriptBlock { $x = 0; foreach ($i in 1..200000) { $x += $i }; throw 'after the work' } -Model Sequential, Runspaces, ForEachParallel -Workers 2 @Once
            foreach ($row in $rows) {
                $row.Verified | Should -BeFalse
                $row.FirstError | Should -Match 'after the work'
                $row.TaskCpuMs | Should -BeGreaterThan 20 -Because "$($row.Model) computed before it threw"
            }
        }
    }

    Context 'Stopping a script-block measurement' {
        It 'leaves no runspace, job or child process behind after Stop under <Model>' -TestCases @(
            @{ Model = 'Runspaces' }, @{ Model = 'ForEachParallel' }, @{ Model = 'Jobs' }, @{ Model = 'Processes' }
        ) {
            $runspacesBefore = Get-OpenRunspaceId
            $ps = [powershell]::Create('NewRunspace')
            try {
                $null = $ps.AddScript({
                        param($Module, $Model)
                        Import-Module $Module
                        1..4 | Measure-ThreadedWorkload -ScriptBlock { Start-Sleep -Seconds 600 } -Model $Model -Workers 2 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress
                    }).AddArgument($ModulePath).AddArgument($Model)
                $handle = $ps.BeginInvoke()
                # Let the run get going: for the process models, until their children exist (hang guard 120 s).
                $deadline = [DateTime]::UtcNow.AddSeconds(120)
                do { Start-Sleep -Milliseconds 500 } while ($Model -in 'Jobs', 'Processes' -and @(Get-DescendantProcess).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline)
                if ($Model -in 'Jobs', 'Processes') { @(Get-DescendantProcess).Count | Should -BeGreaterOrEqual 2 }
                Start-Sleep -Seconds 2
                $ps.Stop()
                $handle.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                @(Get-DescendantProcess) | Should -BeNullOrEmpty
            } finally {
                $ps.Dispose()
            }

            # The runspaces of the engine are closed, and so is the caller's own (disposed just now).
            @(Get-OpenRunspaceId | Where-Object { $_ -notin $runspacesBefore }) | Should -BeNullOrEmpty
        }

        It 'stops after the first row with Select-Object -First 1, leaving nothing behind' {
            $runspacesBefore = Get-OpenRunspaceId
            $rows = 1..2 | Measure-ThreadedWorkload -ScriptBlock { $_ } -Model Processes, Runspaces, Jobs -Workers 2 -Repeat 20 -Warmup 0 -NoOverhead -NoProgress |
                Select-Object -First 1
            $rows | Should -HaveCount 1
            $rows.Model | Should -Be 'Processes'
            @(Get-DescendantProcess) | Should -BeNullOrEmpty
            @(Get-OpenRunspaceId | Where-Object { $_ -notin $runspacesBefore }) | Should -BeNullOrEmpty
        }
    }
}
