#Requires -Version 7.4
# Measure-Scalability as a user calls it, against the built module.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force

    # Rows as Measure-ThreadedWorkload writes them, with elapsed times that follow the USL exactly:
    # throughput = 50 tasks/s * N / (1 + sigma (N - 1) + kappa N (N - 1)), three runs per worker count.
    function script:New-UslRows([string] $Model, [double] $Sigma, [double] $Kappa, [int[]] $Workers, [int] $LogicalCores = 2) {
        foreach ($n in $Workers) {
            foreach ($run in 1..3) {
                $throughput = 50 * $n / (1 + $Sigma * ($n - 1) + $Kappa * $n * ($n - 1))
                [pscustomobject]@{
                    MachineName = 'box'; Workload = 'Cpu'; Tasks = 20; TaskSize = 'Iterations=1000'; Model = $Model
                    Workers = $n; Run = $run; ElapsedMs = 20 * 1000 / $throughput; Verified = $true; Error = $null; LogicalCores = $LogicalCores
                }
            }
        }
    }
    $script:Rows = @(
        New-UslRows -Model Threads -Sigma 0.05 -Kappa 0.002 -Workers 1, 2, 4, 8
        New-UslRows -Model GilThreads -Sigma 0.5 -Kappa 0.6 -Workers 1, 2, 4, 8
    )
}

Describe 'Measure-Scalability' {
    It 'ships MathNet.Numerics in the module folder and loads it from there' {
        Join-Path $ModuleDir 'MathNet.Numerics.dll' | Should -Exist
        $null = $Rows | Measure-Scalability
        $mathNet = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MathNet.Numerics' }
        $mathNet | Should -HaveCount 1
        $mathNet.GetName().Version | Should -Be ([version]'5.0.0.0')
        Split-Path $mathNet.Location -Parent | Should -Be $ModuleDir
    }

    It 'recovers sigma and kappa per model, in order of appearance' {
        $fits = $Rows | Measure-Scalability
        $fits | Should -HaveCount 2
        $fits[0] | Should -BeOfType ([ConcurrencyTools.Engine.Scalability.ScalabilitySummary])
        $fits.Model | Should -Be @('Threads', 'GilThreads')
        $fits[0].Sigma | Should -BeGreaterThan 0.0499
        $fits[0].Sigma | Should -BeLessThan 0.0501
        $fits[0].Kappa | Should -BeGreaterThan 0.00199
        $fits[0].Kappa | Should -BeLessThan 0.00201
        $fits[0].PeakWorkers | Should -BeGreaterThan 21.78
        $fits[0].PeakWorkers | Should -BeLessThan 21.80   # sqrt(0.95 / 0.002) = 21.794
        $fits[0].WorkerCounts | Should -Be '1,2,4,8'
        $fits[0].Runs | Should -Be 12
        $fits[0].MeasuredBestWorkers | Should -Be 8
        $fits[1].MeasuredBestWorkers | Should -Be 1
        $fits[1].PeakWorkers | Should -Be 1
        $fits[1].Recommendation | Should -Match 'every added worker makes it slower'
    }

    It 'gives the same fits from Export-Csv and Import-Csv as from the live rows' {
        $csv = Join-Path $TestDrive 'rows.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $live = $Rows | Measure-Scalability -Predict 16 | ConvertTo-Csv
        $fromFile = Import-Csv -LiteralPath $csv | Measure-Scalability -Predict 16 | ConvertTo-Csv
        $fromFile | Should -Be $live
    }

    It 'fits a real sweep of Measure-ThreadedWorkload' {
        $real = Measure-ThreadedWorkload -Workload Cpu -Model Threads -Workers 1, 2, 3 -Tasks 4 -Iterations 20000 -Repeat 2 -NoProgress -NoOverhead
        $fit = $real | Measure-Scalability
        $fit.Runs | Should -Be 6
        $fit.WorkerCounts | Should -Be '1,2,3'
        $fit.LogicalCores | Should -Be ([Environment]::ProcessorCount)
        $fit.ThroughputUnit | Should -Be 'tasks/s'
        $fit.Sigma | Should -BeGreaterOrEqual -1
        $fit.Kappa | Should -BeGreaterOrEqual 0
        $fit.Points | Should -HaveCount 6
    }

    It 'adds marked prediction rows after the fits with -Predict' {
        $out = $Rows | Measure-Scalability -Predict 32, 4
        $out | Should -HaveCount 6
        $predictions = $out | Where-Object Predicted
        $predictions | Should -HaveCount 4
        $predictions[0] | Should -BeOfType ([ConcurrencyTools.Engine.Scalability.ScalabilityPrediction])
        ($predictions | ForEach-Object { "$($_.Model) x$($_.Workers)" }) | Should -Be @('Threads x4', 'Threads x32', 'GilThreads x4', 'GilThreads x32')
        $threads32 = $predictions[1]
        $threads32.Speedup | Should -BeGreaterThan (32 / (1 + 0.05 * 31 + 0.002 * 32 * 31) - 0.01)
        $threads32.Speedup | Should -BeLessThan (32 / (1 + 0.05 * 31 + 0.002 * 32 * 31) + 0.01)
        $threads32.Extrapolated | Should -BeTrue
        $threads32.BeyondLogicalCores | Should -BeTrue
        $threads32.MeasuredSpeedup | Should -BeNullOrEmpty
        $predictions[0].Extrapolated | Should -BeFalse
        $predictions[0].MeasuredSpeedup | Should -Not -BeNullOrEmpty
    }

    It 'says clearly when there are fewer than 3 worker counts, and fits the rest' {
        $few = New-UslRows -Model EventLoop -Sigma 0.1 -Kappa 0 -Workers 1, 2
        $fits = @($Rows; $few) | Measure-Scalability -ErrorVariable problems -ErrorAction SilentlyContinue
        $fits | Should -HaveCount 2
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'TooFewWorkerCounts,ConcurrencyTools.Commands.MeasureScalabilityCommand'
        $problems[0].Exception.Message | Should -Match 'EventLoop runs of Cpu .* 2 distinct worker counts \(1,2\); a scalability fit needs at least 3'
    }

    It 'treats Sequential at one worker as context: a verbose line, never an error' {
        $sequential = New-UslRows -Model Sequential -Sigma 0 -Kappa 0 -Workers 1
        $fits = @($sequential; $Rows) | Measure-Scalability -ErrorVariable problems -ErrorAction SilentlyContinue -Verbose 4>&1
        $verbose = @($fits | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        @($fits | Where-Object { $_ -is [ConcurrencyTools.Engine.Scalability.ScalabilitySummary] }) | Should -HaveCount 2
        $problems | Should -HaveCount 0
        ($verbose.Message -join "`n") | Should -Match 'Sequential runs of Cpu .*the baseline of the sweep rather than a sweep'
    }

    It 'makes a group that cannot be fitted a non-terminating error for that group alone' {
        $extreme = foreach ($n in 1, 2, 4) {
            foreach ($ms in 1e-300, 1e300) {
                [pscustomobject]@{ MachineName = 'box'; Workload = 'Cpu'; Tasks = 20; TaskSize = 'Iterations=1000'; Model = 'EventLoop'; Workers = $n; Run = [int]($ms -gt 1) + 1; ElapsedMs = $ms; Verified = $true; Error = $null }
            }
        }
        $fits = @($extreme; $Rows) | Measure-Scalability -ErrorVariable problems -ErrorAction SilentlyContinue
        $fits | Should -HaveCount 2
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'FitFailed,ConcurrencyTools.Commands.MeasureScalabilityCommand'
        $problems[0].Exception.Message | Should -Match 'EventLoop runs of Cpu'
    }

    It 'warns about a poor fit and a super-linear one, and names no peak below R² 0.5' {
        $noise = 1.00, 0.93, 1.08, 1.05, 0.91, 1.02, 0.96, 1.09, 0.97, 1.06, 0.92, 1.01
        $i = 0
        $noisy = New-UslRows -Model Threads -Sigma 0 -Kappa 0 -Workers 1, 2, 3, 4 | ForEach-Object { $_.ElapsedMs = 400 * $noise[$i++]; $_ }
        $fit = $noisy | Measure-Scalability -WarningVariable warned -WarningAction SilentlyContinue
        $fit.PeakWorkers | Should -BeNullOrEmpty
        ($warned -join "`n") | Should -Match 'the fit is poor \(R² 0\.\d\d, below 0\.5\)'

        $super = New-UslRows -Model Threads -Sigma -0.02 -Kappa 0 -Workers 1, 2, 4, 8
        $fit = $super | Measure-Scalability -WarningVariable warned -WarningAction SilentlyContinue
        $fit.Sigma | Should -BeLessThan 0
        ($warned -join "`n") | Should -Match 'super-linear'
        $fit.Recommendation | Should -Match 'super-linear'
    }

    It 'excludes failed, unverified and unreadable runs through the same input path as Measure-Speedup' {
        $csv = Join-Path $TestDrive 'rows.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $edited = Import-Csv -LiteralPath $csv
        $edited[0].Verified = 'False'
        $edited[1].Error = 'boom'
        $edited[2].Verified = 'maybe'
        $fit = $edited | Measure-Scalability -ErrorVariable problems -ErrorAction SilentlyContinue | Where-Object Model -EQ 'Threads'
        $fit.Runs | Should -Be 9
        $fit.ExcludedRuns | Should -Be 3
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Match '^InvalidVerified'
    }

    It 'prints each fit with -Verbose' {
        $verbose = $Rows | Measure-Scalability -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'USL' }
        $verbose | Should -HaveCount 2
        $verbose[0].Message | Should -Match '^Threads on Cpu: 12 runs at 1,2,4,8 workers; USL λ 50 tasks/s, σ 0\.05, κ 0\.002, R² 1; Amdahl σ'
    }

    It 'rejects a prediction at 0 workers naming the parameter' {
        { $Rows | Measure-Scalability -Predict 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,ConcurrencyTools.Commands.MeasureScalabilityCommand'
    }

    It 'requires the columns it cannot do without' {
        { [pscustomobject]@{ Model = 'Threads'; Workers = 2 } | Measure-Scalability -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectMissingMandatory,ConcurrencyTools.Commands.MeasureScalabilityCommand'
    }

    It 'shows the fit in its default table within 80 columns, and the predictions in theirs' {
        $text = $Rows | Measure-Scalability | Out-String -Width 80
        foreach ($header in 'Model', 'Workers', 'Sigma', 'Kappa', 'Peak', 'PeakX', 'R2', 'AmdR2', 'Best', 'BestX', 'box Cpu 20 Iterations=1000') {
            $text | Should -Match ([regex]::Escape($header))
        }
        $text | Should -Match 'Threads\s+1\.\.8 \(4\)\s+0\.050\s+0\.002\s+21\.8'
        ($text -split "`n" | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        $predicted = $Rows | Measure-Scalability -Predict 64 | Where-Object Predicted | Out-String -Width 80
        $predicted | Should -Match 'Threads\s+64\s+[\d.]+\s+[\d.]+\s+extrapolated, beyond the cores'
    }
}
