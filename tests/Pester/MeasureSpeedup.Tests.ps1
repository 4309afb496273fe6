#Requires -Version 7.4
# Measure-Speedup as a user calls it, against the built module.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    $script:Rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads, GilThreads -Workers 1, 2 -Tasks 4 -Iterations 300000 -Repeat 4 -Warmup 1 -NoProgress -NoOverhead

    # Runs the script under a culture, and puts the culture back.
    function Invoke-InCulture([string] $Name, [scriptblock] $Script) {
        $saved = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = $Name
            & $Script
        } finally {
            [cultureinfo]::CurrentCulture = $saved
        }
    }

    # A run as a CSV row would give it: every cell text.
    function New-Row([string] $Model = 'Sequential', [string] $Workers = '1', [string] $ElapsedMs = '100', [string] $Run = '1', [string] $Tasks = '4') {
        [pscustomobject]@{ Workload = 'Cpu'; Model = $Model; Workers = $Workers; Tasks = $Tasks; TaskSize = 'Iterations=1'; Run = $Run; ElapsedMs = $ElapsedMs; Verified = 'True'; Error = '' }
    }
}

Describe 'Measure-Speedup' {
    It 'summarizes each configuration once, in order of appearance' {
        $summary = $Rows | Measure-Speedup
        $summary | Should -HaveCount 5
        $summary[0] | Should -BeOfType ([ConcurrencyTools.Engine.Statistics.SpeedupSummary])
        ($summary | ForEach-Object { "$($_.Model) x$($_.Workers)" }) | Should -Be @('Sequential x1', 'Threads x1', 'Threads x2', 'GilThreads x1', 'GilThreads x2')
        $summary | ForEach-Object {
            $_.Runs | Should -Be 4
            $_.Baseline | Should -Be 'Sequential x1'
            $_.MinMs | Should -BeLessOrEqual $_.MedianMs
            $_.MedianMs | Should -BeLessOrEqual $_.MaxMs
            $_.MeanCiLowMs | Should -BeLessOrEqual $_.MeanMs
        }
        ($summary | Where-Object Model -EQ 'Sequential').Speedup | Should -Be 1
    }

    It 'gives the same summary from Export-Csv and Import-Csv as from the live rows' {
        $csv = Join-Path $TestDrive 'runs.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $live = $Rows | Measure-Speedup | ConvertTo-Csv
        $fromFile = Import-Csv -LiteralPath $csv | Measure-Speedup | ConvertTo-Csv
        $fromFile | Should -Be $live
    }

    It 'gives the same summary from a CSV written and read under <Culture>' -TestCases @(
        @{ Culture = 'de-DE' }, @{ Culture = 'fr-FR' }, @{ Culture = 'ar-SA' }
    ) {
        $csv = Join-Path $TestDrive "runs-$Culture.csv"
        Invoke-InCulture $Culture {
            $Rows | Export-Csv -LiteralPath $csv
            $script:live = $Rows | Measure-Speedup | ConvertTo-Csv
            $script:fromFile = Import-Csv -LiteralPath $csv | Measure-Speedup -ErrorVariable problems | ConvertTo-Csv
            $problems | Should -BeNullOrEmpty
        }
        $fromFile | Should -Be $live
    }

    It 'never reads a de-DE file 10x wrong under en-US: each run is an error until -Culture names it' {
        $csv = Join-Path $TestDrive 'runs-de.csv'
        Invoke-InCulture 'de-DE' { $Rows | Export-Csv -LiteralPath $csv }
        (Get-Content -LiteralPath $csv -Raw) | Should -Match '"\d+,\d+"'
        Invoke-InCulture 'en-US' {
            $script:wrong = Import-Csv -LiteralPath $csv | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
            $script:problems = $problems
            $script:right = Import-Csv -LiteralPath $csv | Measure-Speedup -Culture de-DE | ConvertTo-Csv
            $script:live = $Rows | Measure-Speedup | ConvertTo-Csv
        }
        $wrong | ForEach-Object {
            $_.Runs | Should -Be 0
            $_.ExcludedRuns | Should -Be 4
            $_.ExcludedReason | Should -Be 'ElapsedMs is not a number (4 runs)'
            $_.Speedup | Should -BeNullOrEmpty
        }
        $invalid = @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'InvalidElapsedMs,*' })
        $invalid | Should -HaveCount $Rows.Count
        $invalid[0].Exception.Message | Should -Match "ElapsedMs '\d+,\d+' of row 1 .*-Culture"
        $right | Should -Be $live
    }

    It 'summarizes or counts every row, and names the column and row of each bad cell' {
        $rows = @(
            New-Row -Run 1; New-Row -Run 2 -ElapsedMs '102'; New-Row -Run 3 -ElapsedMs '98'
            New-Row -Run 4 -ElapsedMs 'abc'
            New-Row -Run 5 -ElapsedMs ''
            New-Row -Run 'five'
            New-Row -Run 6 -Tasks 'abc'
            New-Row -Model 'Threads' -Workers '2.5' -Run 1
            New-Row -Model 'Threads' -Workers '3.5' -Run 2
            New-Row -Model 'Threads' -Workers '' -Run 3
            New-Row -Model 'Threads' -Workers '0' -Run 4
            New-Row -Model '' -Run 7
        )
        $summary = $rows | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
        ($summary | Measure-Object Runs -Sum).Sum + ($summary | Measure-Object ExcludedRuns -Sum).Sum | Should -Be $rows.Count
        ($summary | Where-Object { $_.Model -eq 'Sequential' -and $_.Workers -eq 1 -and $_.Tasks -eq 4 }).Runs | Should -Be 3
        $summary | Where-Object Workers -EQ 2 | Should -BeNullOrEmpty -Because '2.5 is not rounded to 2'
        $summary | Where-Object Workers -EQ 4 | Should -BeNullOrEmpty -Because '3.5 is not rounded to 4'
        ($problems | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -notlike 'BaselineNotFound*' }).FullyQualifiedErrorId -replace ',.*' |
            Should -Be @('InvalidElapsedMs', 'InvalidElapsedMs', 'InvalidRun', 'InvalidTasks', 'InvalidWorkers', 'InvalidWorkers', 'InvalidWorkers', 'InvalidWorkers', 'InvalidModel')
        $problems[0].Exception.Message | Should -Match "ElapsedMs 'abc' of row 4"
        ($problems | Where-Object { $_.TargetObject -eq '2.5' }).Exception.Message | Should -Match "Workers '2.5' of row 8 .*not a whole number"
    }

    It 'judges Bound from TaskCpuShare, the work''s own CPU, over the process''s CpuTimeMs' {
        $rows = foreach ($run in 1..3) {
            [pscustomobject]@{ Workload = 'ScriptBlock'; Model = 'Sequential'; Workers = 1; Tasks = 6; TaskSize = 'ScriptBlock'; Run = $run; ElapsedMs = 650; Verified = 'True'; CpuTimeMs = 500; LogicalCores = 2; TaskCpuShare = 0.04 }
            [pscustomobject]@{ Workload = 'ScriptBlock'; Model = 'Runspaces'; Workers = 3; Tasks = 6; TaskSize = 'ScriptBlock'; Run = $run; ElapsedMs = 250; Verified = 'True'; CpuTimeMs = 240; LogicalCores = 2; TaskCpuShare = 'lots' }
        }
        $summaries = $rows | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
        $summaries[0].Bound | Should -Be 'IoBound'
        $summaries[0].Recommendation | Should -Not -Match 'CPU-bound'
        @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'InvalidTaskCpuShare,*' }) | Should -HaveCount 3
    }

    It 'excludes times too large to sum with a counted reason, never Infinity or NaN' {
        $summary = @(
            New-Row -Run 1; New-Row -Run 2 -ElapsedMs '102'; New-Row -Run 3 -ElapsedMs '1e308'; New-Row -Run 4 -ElapsedMs '98'
        ) | Measure-Speedup
        $summary.Runs | Should -Be 3
        $summary.ExcludedRuns | Should -Be 1
        $summary.ExcludedReason | Should -Be 'ElapsedMs above 1e15 ms (too large to sum) (1 run)'
        foreach ($value in $summary.MeanMs, $summary.StdDevMs, $summary.MaxMs, $summary.Speedup) {
            [double]::IsFinite($value) | Should -BeTrue
        }
    }

    It 'validates -Workers given directly: 0 is an error, never an Efficiency of Infinity' {
        $summary = Measure-Speedup -Workload Cpu -Model Threads -Workers 0 -ElapsedMs 100 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'InvalidWorkers,ConcurrencyTools.Commands.MeasureSpeedupCommand'
        $problems[0].Exception.Message | Should -Match 'Workers 0 of row 1 must be at least 1'
        $summary.Runs | Should -Be 0
        $summary.ExcludedRuns | Should -Be 1
        $summary.Efficiency | Should -BeNullOrEmpty
    }

    It 'warns about run numbers that repeat within a configuration' {
        $null = @($Rows) + @($Rows | Where-Object Model -EQ 'Threads') | Measure-Speedup -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 2
        "$($warnings[0])" | Should -Match 'Threads x1 of Cpu \(4 tasks of Iterations=300000\) on .*: run 1 \(2 times\), run 2 \(2 times\)'
        $null = $Rows | Measure-Speedup -WarningVariable none -WarningAction SilentlyContinue
        $none | Should -BeNullOrEmpty
    }

    It 'treats model names one way whatever their case' {
        $rows = @(
            New-Row -Model 'threads' -Workers 2 -ElapsedMs 50; New-Row -Model 'sequential' -ElapsedMs 100
            New-Row -Model 'Sequential' -ElapsedMs 100 -Run 2; New-Row -Model 'Threads' -Workers 2 -ElapsedMs 50 -Run 2
        )
        $summary = $rows | Measure-Speedup
        $summary.Model | Should -Be @('Threads', 'Sequential')
        $summary.Runs | Should -Be @(2, 2)
        $summary.Speedup | Should -Be @(2, 1)
    }

    It 'has the documented columns, in order, through Export-Csv' {
        $text = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/en-US/Measure-Speedup.md')
        $list = [regex]::Match($text, '(?s)## OUTPUTS.*?Columns, in order:(.*?)\.\s*## NOTES').Groups[1].Value
        $documented = [regex]::Matches($list, '`(\w+)`') | ForEach-Object { $_.Groups[1].Value }
        $documented.Count | Should -BeGreaterThan 30
        $summary = $Rows | Measure-Speedup
        $summary[0].PSObject.Properties.Name | Should -Be $documented
        ($summary | ConvertTo-Csv)[0] | Should -Be (($documented | ForEach-Object { '"' + $_ + '"' }) -join ',')
    }

    It 'excludes failed and unverified runs and counts them' {
        $csv = Join-Path $TestDrive 'runs.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $edited = Import-Csv -LiteralPath $csv
        $edited[0].Verified = 'False'
        $summary = $edited | Measure-Speedup | Where-Object Model -EQ $edited[0].Model | Where-Object Workers -EQ $edited[0].Workers
        $summary.Runs | Should -Be 3
        $summary.ExcludedRuns | Should -Be 1
        $summary.ExcludedReason | Should -Be 'not verified (1 run)'
    }

    It 'measures each model against its own single worker with -Baseline SingleWorker' {
        $summary = $Rows | Measure-Speedup -Baseline SingleWorker | Where-Object Model -EQ 'Threads'
        $summary.Baseline | Should -Be @('Threads x1', 'Threads x1')
        $summary[0].Speedup | Should -Be 1
        $summary[1].SerialFraction | Should -Not -BeNullOrEmpty
    }

    It 'reports a missing baseline as an error and still emits the summaries' {
        $summary = $Rows | Where-Object Model -NE 'Sequential' | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
        $summary | Should -HaveCount 4
        $summary | ForEach-Object { $_.Speedup | Should -BeNullOrEmpty }
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^BaselineNotFound'
        $problems[0].Exception.Message | Should -Match 'Sequential'
    }

    It 'rejects an unknown -Baseline naming the parameter' {
        { $Rows | Measure-Speedup -Baseline Fibers } | Should -Throw -ErrorId 'ParameterArgumentValidationError,ConcurrencyTools.Commands.MeasureSpeedupCommand'
    }

    It 'completes -Baseline with the same names its help documents, and accepts them in any case' {
        $line = 'Measure-Speedup -Baseline '
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $help = Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/en-US/Measure-Speedup.md')
        $documented = [regex]::Match($help, '(?s)### -Baseline.*?Accepted values: ([^\r\n]+)').Groups[1].Value -split ',\s*'
        $offered | Sort-Object | Should -Be ($documented | Sort-Object)
        $offered | Should -Contain 'SingleWorker'
        ($Rows | Measure-Speedup -Baseline singleworker | Select-Object -First 1).Baseline | Should -Match ' x1$'
    }

    It 'rejects a Verified value that is not True or False, and keeps the rest' {
        $rows = @(
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = 1; ElapsedMs = 100; Run = 1; Verified = 'True' }
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = 1; ElapsedMs = 110; Run = 2; Verified = 'maybe' }
        )
        $summary = $rows | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
        $summary.Runs | Should -Be 1
        $summary.ExcludedRuns | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidVerified'
        $problems[0].TargetObject | Should -Be 'maybe'
    }

    It 'reads CpuTimeMs, LogicalCores and StartupMs in -Culture like every other cell, and names a bad one' {
        $rows = @(
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = '1'; ElapsedMs = '100'; Run = '1'; Verified = 'True'; CpuTimeMs = '95,5'; LogicalCores = '2'; StartupMs = '' }
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = '1'; ElapsedMs = '100'; Run = '2'; Verified = 'True'; CpuTimeMs = '97,5'; LogicalCores = '2'; StartupMs = '' }
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Threads'; Workers = '2'; ElapsedMs = '60,5'; Run = '1'; Verified = 'True'; CpuTimeMs = 'lots'; LogicalCores = '2'; StartupMs = '1,5' }
        )
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $summary = $rows | Measure-Speedup -ErrorVariable problems -ErrorAction SilentlyContinue
        } finally {
            [cultureinfo]::CurrentCulture = $culture
        }
        ($summary | Where-Object Model -EQ 'Sequential').Bound | Should -Be 'CpuBound'
        ($summary | Where-Object Model -EQ 'Threads').Runs | Should -Be 1
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidCpuTimeMs'
        $problems[0].TargetObject | Should -Be 'lots'
        $problems[0].Exception.Message | Should -Match 'culture de-DE'

        $invariant = $rows[0..1] | Measure-Speedup -Culture '' -ErrorVariable wrongCulture -ErrorAction SilentlyContinue
        $invariant.Bound | Should -BeNullOrEmpty
        $wrongCulture.FullyQualifiedErrorId | Should -Contain 'InvalidCpuTimeMs,ConcurrencyTools.Commands.MeasureSpeedupCommand'
    }

    It 'requires the columns it cannot do without' {
        { [pscustomobject]@{ Model = 'Threads'; Workers = 2 } | Measure-Speedup -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectMissingMandatory,ConcurrencyTools.Commands.MeasureSpeedupCommand'
    }

    It 'shows speedups and intervals in its default table' {
        # The default view fits an 80-column console.
        $text = $Rows | Measure-Speedup | Out-String -Width 80
        foreach ($header in 'Model', 'Workers', 'Runs', 'MedianMs', 'CV', 'Speedup', '95% CI', 'Eff.', 'Unstable', 'Cpu: 4 tasks of Iterations=300000, against Sequential x1') {
            $text | Should -Match ([regex]::Escape($header))
        }
    }
}
