#Requires -Version 7.4
# Measure-ThreadedWorkload -ScriptBlock as a user runs it, against the built module.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:ModulePath = Join-Path $ModuleDir 'ConcurrencyTools.psd1'
    Import-Module $ModulePath -Force
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

    function Get-OpenRunspaceCount { @(Get-Runspace | Where-Object { $_.RunspaceStateInfo.State -eq 'Opened' }).Count }

    # A module every model must import, with a function the script block calls.
    $script:HelperModule = Join-Path $TestDrive 'ScriptBlockHelper.psm1'
    Set-Content -LiteralPath $HelperModule -Value 'function Get-Triple([int] $n) { 3 * $n }'
    $script:HasThreadJob = [bool](Get-Command Start-ThreadJob -ErrorAction Ignore)
}

Describe 'Measure-ThreadedWorkload -ScriptBlock models' {
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

Describe 'Errors of the script block' {
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

Describe 'Script-block rows downstream' {
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
        # CpuTimeMs is the whole process's, so on a pwsh still compiling in the background a sleep can look
        # busy; the Bound must still be the documented rule applied to the rows' own figures.
        $sequential = @($imported | Where-Object Model -EQ 'Sequential')
        $perWorker = @($sequential | ForEach-Object { [double] $_.CpuTimeMs / ([double] $_.ElapsedMs * [Math]::Min(1, [int] $_.LogicalCores)) } | Sort-Object)
        $median = if ($perWorker.Count % 2) { $perWorker[[int][Math]::Floor($perWorker.Count / 2)] } else { ($perWorker[$perWorker.Count / 2 - 1] + $perWorker[$perWorker.Count / 2]) / 2 }
        $expected = if ($median -ge 0.6) { 'CpuBound' } elseif ($median -le 0.25) { 'IoBound' } else { 'Mixed' }
        ($summary | Where-Object Model -EQ 'Sequential').Bound | Should -Be $expected
    }
}

Describe 'Stopping a script-block measurement' {
    It 'leaves no runspace, job or child process behind after Stop under <Model>' -TestCases @(
        @{ Model = 'Runspaces' }, @{ Model = 'ForEachParallel' }, @{ Model = 'Jobs' }, @{ Model = 'Processes' }
    ) {
        $runspacesBefore = Get-OpenRunspaceCount
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

        # The runspaces of the engine are closed; only the caller's own (disposed just now) differ.
        Get-OpenRunspaceCount | Should -Be $runspacesBefore
    }

    It 'stops after the first row with Select-Object -First 1, leaving nothing behind' {
        $runspacesBefore = Get-OpenRunspaceCount
        $rows = 1..2 | Measure-ThreadedWorkload -ScriptBlock { $_ } -Model Processes, Runspaces, Jobs -Workers 2 -Repeat 20 -Warmup 0 -NoOverhead -NoProgress |
            Select-Object -First 1
        $rows | Should -HaveCount 1
        $rows.Model | Should -Be 'Processes'
        @(Get-DescendantProcess) | Should -BeNullOrEmpty
        Get-OpenRunspaceCount | Should -Be $runspacesBefore
    }
}
