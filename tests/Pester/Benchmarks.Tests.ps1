#Requires -Version 7.4
# The benchmarks under bench/ in smoke mode: each still runs, prints its table and writes its CSV and
# its section; the runner stitches docs/performance.md and reports a benchmark that fails.

BeforeDiscovery {
    $script:Benchmarks = Get-ChildItem (Join-Path $PSScriptRoot '../../bench/*/Invoke-*Benchmark.ps1') |
        ForEach-Object { @{ Name = $_.BaseName -replace '^Invoke-' -replace 'Benchmark$' } }
}

BeforeAll {
    $script:Bench = Join-Path $PSScriptRoot '../../bench' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:Pwsh = (Get-Process -Id $PID).Path
    Import-Module (Join-Path $Bench 'BenchmarkRecord.psm1') -Force

    # Runs the runner in a fresh pwsh, as build.ps1 does; returns its exit code and output.
    function Invoke-Runner([string[]] $Arguments) {
        $output = & $Pwsh -NoLogo -NoProfile -NonInteractive -File (Join-Path $Bench 'Invoke-Benchmarks.ps1') -SkipBuild -Smoke @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

Describe 'Every benchmark in smoke mode' {
    BeforeAll {
        $script:Out = Join-Path $TestDrive 'performance'
        $script:Smoke = Invoke-Runner @('-OutputDirectory', $Out)
        $script:Document = Get-Content -Raw "$Out.md"
    }

    It 'runs them all without a failure' {
        $Smoke.Output | Should -Not -Match 'Benchmarks failed'
        $Smoke.ExitCode | Should -Be 0
    }

    It '<Name> prints its table, writes its results, goals and section' -ForEach $Benchmarks {
        $rows = @(Import-Csv (Join-Path $Out "$Name.csv"))
        $rows.Count | Should -BeGreaterThan 0
        Test-Path (Join-Path $Out "$Name.goals.csv") | Should -BeTrue
        $section = Get-Content -Raw (Join-Path $Out "$Name.md")
        $section | Should -Match '(?m)^## '
        $section | Should -Match 'Smoke run'
        $section | Should -Match ([regex]::Escape("performance/$Name.csv"))
        $title = ($section -split "`n")[0] -replace '^## '
        $Smoke.Output | Should -Match ([regex]::Escape("== $title"))
        $Document | Should -Match ([regex]::Escape("## $title"))
    }

    It 'writes a document with the machine, the goals and a smoke warning' {
        $Document | Should -Match '(?m)^# Performance record'
        $Document | Should -Match '(?m)^## Machine'
        $Document | Should -Match '(?m)^## Goals'
        $Document | Should -Match 'Smoke run'
        $Document | Should -Match 'pwsh ./build.ps1 -Task Bench'
        $Document | Should -Not -Match 'background-load'
    }

    It 'races the process pool against xargs and GNU parallel on empty tasks and on gzip, and measures its peak working set' {
        $rows = Import-Csv (Join-Path $Out 'ProcessPool.csv')
        foreach ($job in '/bin/true', 'gzip -k -f (400 KB)') {
            $contenders = ($rows | Where-Object Job -EQ $job).Contender
            $contenders | Should -Contain 'xargs -P 2 -n 1'
            $contenders | Should -Contain 'Invoke-ProcessPool -ThrottleLimit 2'
            if (Get-Command parallel -CommandType Application -ErrorAction SilentlyContinue) { $contenders | Should -Contain 'parallel --will-cite -j 2' }
            $pool = $rows | Where-Object { $_.Job -eq $job -and $_.Contender -like 'Invoke-ProcessPool*' }
            [double]$pool.PwshCpuMsPerTask | Should -BeGreaterOrEqual 0 -Because "pwsh's own CPU per task of $job is a column"
        }
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'ct-pool-bench-*' -Directory) | Should -BeNullOrEmpty -Because 'the files of the gzip job are deleted'
        $memory = @(Import-Csv (Join-Path $Out 'ProcessPool.memory.csv'))
        $memory.Tasks | Should -Be @('10', '200')
        $memory | ForEach-Object { [double]$_.PeakWorkingSetMB | Should -BeGreaterThan 0 }
        (Import-Csv (Join-Path $Out 'ProcessPool.goals.csv')).Verdict | Should -Be @('not judged', 'not judged', 'not judged', 'not judged', 'not judged')
    }

    It 'puts the Runspaces model beside ForEach-Object -Parallel, Start-ThreadJob and Start-Job' {
        $rows = Import-Csv (Join-Path $Out 'Runspaces.csv')
        @($rows | Where-Object Contender -Like 'Runspaces model*').Count | Should -Be 2 -Because 'the model with its set-up taken out and whole'
        foreach ($primitive in 'ForEach-Object -Parallel', 'Start-ThreadJob', 'Start-Job') {
            @($rows | Where-Object Contender -Like "$primitive*").Count | Should -Be 1 -Because $primitive
        }
        $runs = Import-Csv (Join-Path $Out 'Runspaces.runs.csv')
        @($runs | Where-Object Contender -EQ 'Runspaces').Items | Should -Be '20'
        $runs | ForEach-Object { [double]$_.ElapsedMs | Should -BeGreaterThan 0 }
    }

    It 'verifies every run it measured' {
        foreach ($file in Get-ChildItem (Join-Path $Out '*.runs.csv')) {
            Import-Csv $file | Where-Object { $_.PSObject.Properties['Verified'] } | ForEach-Object { $_.Verified | Should -Be 'True' -Because "$($file.Name) run $($_.Round)" }
        }
        # CPython and the Cpu workload summed the same series.
        Get-Content -Raw (Join-Path $Out 'Fidelity.md') | Should -Match 'the two sides computed the same thing'
    }
}

Describe 'The benchmark runner' {
    BeforeAll {
        $script:Root = Join-Path $TestDrive 'bench'
        $record = (Join-Path $Bench 'BenchmarkRecord.psm1').Replace("'", "''")
        $body = @'
param([switch] $Smoke, [string] $OutputDirectory)
Import-Module '{0}'
$clock = Start-BenchmarkClock
Write-BenchmarkResult -Name Good -Title 'A good one' -Command 'good' -Method 'Counts to three.' -Clock $clock -Smoke:$Smoke -OutputDirectory $OutputDirectory `
    -Rows @([pscustomobject]@{{ Count = 3; Text = 'a|b' }}) -Goals @(New-BenchmarkGoal -Goal 'three' -Measured '3' -Met $true -Reason 'counted')
'@ -f $record
        $null = New-Item -ItemType Directory -Path "$Root/Good", "$Root/Broken", "$Root/Silent"
        Set-Content "$Root/Good/Invoke-GoodBenchmark.ps1" $body
        Set-Content "$Root/Broken/Invoke-BrokenBenchmark.ps1" "param([switch] `$Smoke, [string] `$OutputDirectory)`nthrow 'broken on purpose'"
        Set-Content "$Root/Silent/Invoke-SilentBenchmark.ps1" "param([switch] `$Smoke, [string] `$OutputDirectory)`nexit 0"
        $script:Out = Join-Path $TestDrive 'fake/performance'
    }

    It 'fails and names a benchmark that throws and one that writes no section, and still writes the others' {
        $run = Invoke-Runner @('-BenchmarkRoot', $Root, '-OutputDirectory', $Out)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'Broken exited with 1'
        $run.Output | Should -Match 'Silent wrote no section'
        $document = Get-Content -Raw "$Out.md"
        $document | Should -Match '## A good one'
        $document | Should -Match '\| Good \| three \| 3 \| met \| counted \|'
        $document | Should -Match 'a\\\|b'
        $document | Should -Not -Match 'Broken|Silent'
    }

    It 'runs only the benchmarks named, and keeps the sections of the others' {
        $run = Invoke-Runner @('-BenchmarkRoot', $Root, '-OutputDirectory', $Out, '-Name', 'Good')
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Not -Match 'Broken'
        Get-Content -Raw "$Out.md" | Should -Match '## A good one'
    }

    It 'rejects a benchmark name that does not exist' {
        $run = Invoke-Runner @('-BenchmarkRoot', $Root, '-OutputDirectory', $Out, '-Name', 'Nope')
        $run.ExitCode | Should -Not -Be 0
        $run.Output | Should -Match 'No benchmark is named Nope'
    }
}

Describe 'Benchmark statistics' {
    It 'takes the median of odd and even counts' {
        Get-Median @(5, 1, 3) | Should -Be 3
        Get-Median @(4, 1, 3, 2) | Should -Be 2.5
    }

    It 'takes nearest-rank percentiles' {
        $values = 1..100 | ForEach-Object { [double]$_ }
        Get-Percentile $values 95 | Should -Be 95
        Get-Percentile $values 100 | Should -Be 100
        Get-Percentile @(7) 50 | Should -Be 7
    }

    It 'marks a goal met, not met or not judged' {
        (New-BenchmarkGoal -Goal g -Measured m -Met $true).Verdict | Should -Be 'met'
        (New-BenchmarkGoal -Goal g -Measured m -Met $false).Verdict | Should -Be 'not met'
        (New-BenchmarkGoal -Goal g -Measured m -Met $null).Verdict | Should -Be 'not judged'
    }
}
