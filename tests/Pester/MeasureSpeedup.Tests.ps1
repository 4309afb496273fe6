#Requires -Version 7.4
# Measure-Speedup as a user calls it, against the built module.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    $script:Rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads, GilThreads -Workers 1, 2 -Tasks 4 -Iterations 300000 -Repeat 4 -Warmup 1 -NoProgress -NoOverhead
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

    It 'excludes failed and unverified runs and counts them' {
        $csv = Join-Path $TestDrive 'runs.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $edited = Import-Csv -LiteralPath $csv
        $edited[0].Verified = 'False'
        $summary = $edited | Measure-Speedup | Where-Object Model -EQ $edited[0].Model | Where-Object Workers -EQ $edited[0].Workers
        $summary.Runs | Should -Be 3
        $summary.ExcludedRuns | Should -Be 1
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

    It 'reads CpuTimeMs, LogicalCores and StartupMs from CSV text in any culture, and names a bad cell' {
        $rows = @(
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = 1; ElapsedMs = 100; Run = 1; Verified = 'True'; CpuTimeMs = '95.5'; LogicalCores = '2'; StartupMs = '' }
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Sequential'; Workers = 1; ElapsedMs = 100; Run = 2; Verified = 'True'; CpuTimeMs = '97.5'; LogicalCores = '2'; StartupMs = '' }
            [pscustomobject]@{ Workload = 'Cpu'; Model = 'Threads'; Workers = 2; ElapsedMs = 60; Run = 1; Verified = 'True'; CpuTimeMs = 'lots'; LogicalCores = '2'; StartupMs = '1.5' }
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
