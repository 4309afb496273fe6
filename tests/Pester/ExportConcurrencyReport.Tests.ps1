#Requires -Version 7.4
# Export-ConcurrencyReport as a user calls it, against the built module; the page is checked in a real browser.

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:OutDir = Split-Path $ModuleDir
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    . (Join-Path $PSScriptRoot 'HeadlessBrowser.ps1')
    $script:Rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads, GilThreads -Workers 1, 2 -Tasks 4 -Iterations 200000 -Repeat 3 -NoProgress -NoOverhead
    $script:Charts = 'data-chart="(speedup|efficiency|distribution|cpu)"'
    function Get-ChartId([string] $Html) { [regex]::Matches($Html, 'data-chart="([^"]+)"') | ForEach-Object { $_.Groups[1].Value } }
}

Describe 'Export-ConcurrencyReport' {
    It 'writes a page with the speedup, efficiency, distribution and CPU charts of a sweep, and passes the file on with -PassThru' {
        $path = Join-Path $TestDrive 'report.html'
        $file = $Rows | Export-ConcurrencyReport -Path $path -Title 'Sweep' -PassThru
        $file | Should -BeOfType ([IO.FileInfo])
        $file.FullName | Should -Be $path
        $html = Get-Content -LiteralPath $path -Raw
        Get-ChartId $html | Should -Be @('speedup', 'efficiency', 'distribution', 'cpu')
        $html | Should -Match '<title>Sweep</title>'
        $html | Should -Match "ConcurrencyTools $([regex]::Escape([string] (Get-Module ConcurrencyTools).Version))"
        $html | Should -Match 'Export-ConcurrencyReport -Path'
    }

    It 'draws the same charts from Import-Csv rows, with the numbers Measure-Speedup prints' {
        $csv = Join-Path $TestDrive 'runs.csv'
        $Rows | Export-Csv -LiteralPath $csv
        $path = Join-Path $TestDrive 'csv.html'
        Import-Csv -LiteralPath $csv | Export-ConcurrencyReport $path -NoProgress
        $html = Get-Content -LiteralPath $path -Raw
        Get-ChartId $html | Should -Be @('speedup', 'efficiency', 'distribution', 'cpu')
        foreach ($summary in $Rows | Measure-Speedup) {
            $html | Should -Match ('<td class="text">{0}</td><td>{1}</td><td>{2}</td><td>{3}</td>' -f $summary.Model, $summary.Workers, $summary.Runs, $summary.MedianMs.ToString('N1', [cultureinfo]::InvariantCulture))
        }
    }

    It 'reads a CSV written under another culture with -Culture, and names its cells with InvalidElapsedMs without it, never 10x off' {
        # Export-Csv under de-DE writes 1001,5; reading that with a thousands separator gave 10015.
        $csv = Join-Path $TestDrive 'de-DE.csv'
        @('"Workload","Model","Workers","Run","ElapsedMs","Verified"'
          foreach ($run in 1..3) { '"Cpu","Sequential","1","{0}","1001,5","True"' -f $run; '"Cpu","Threads","2","{0}","500,25","True"' -f $run }) |
            Set-Content -LiteralPath $csv
        $path = Join-Path $TestDrive 'de-DE.html'
        Import-Csv -LiteralPath $csv | Export-ConcurrencyReport $path -Culture de-DE -NoProgress -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $html = Get-Content -LiteralPath $path -Raw
        $html | Should -Match '<td class="text">Sequential</td><td>1</td><td>3</td><td>0</td><td>1,001\.5</td>'
        $html | Should -Match '<td class="text">Threads</td><td>2</td><td>3</td><td>0</td><td>500\.2</td>'

        $path = Join-Path $TestDrive 'foreign.html'
        Import-Csv -LiteralPath $csv | Export-ConcurrencyReport $path -Culture en-US -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 6
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'InvalidElapsedMs,ConcurrencyTools.Commands.ExportConcurrencyReportCommand' }
        $problems[0].Exception.Message | Should -Match "ElapsedMs '1001,5' of row 1 is not a number in culture en-US .*-Culture"
        (Get-Content -LiteralPath $path -Raw) | Should -Not -Match '10,015'
    }

    It 'lists a kind of row it does not know as not drawn, with a warning and no error' {
        $path = Join-Path $TestDrive 'mixed.html'
        @($Rows) + [pscustomobject]@{ Fruit = 'apple'; Count = 3 } | Export-ConcurrencyReport $path -WarningVariable warnings -ErrorVariable problems -WarningAction SilentlyContinue
        $problems | Should -BeNullOrEmpty
        $warnings | Should -HaveCount 1
        $warnings[0] | Should -Match 'Not drawn: .*PSCustomObject: 1 row with columns Fruit, Count'
        (Get-Content -LiteralPath $path -Raw) | Should -Match '<h2>Not drawn</h2>'
    }

    It 'draws a process pool, a race test and a producer/consumer from their documented columns' {
        $start = [DateTimeOffset]::new(2026, 11, 23, 19, 0, 0, [TimeSpan]::Zero)
        $rows = @(
            foreach ($i in 1..6) {
                [pscustomobject]@{ Seq = $i; Slot = ($i % 2) + 1; StartTime = $start.AddMilliseconds(50 * $i); EndTime = $start.AddMilliseconds(50 * $i + 40); QueueWaitMs = 5; DurationMs = 40; Succeeded = $i -ne 3; TimedOut = $false; Skipped = $false }
            }
            [pscustomobject]@{ Scenario = 'Counter'; Strategy = 'None'; Threads = 5; Operations = 500; Trials = 100; Expected = 500; TrialsWithViolation = 97; NsPerOperation = 3 }
            [pscustomobject]@{ Scenario = 'Counter'; Strategy = 'Lock'; Threads = 5; Operations = 500; Trials = 100; Expected = 500; TrialsWithViolation = 0; NsPerOperation = 30 }
            foreach ($c in 1..3) { [pscustomobject]@{ Consumers = $c; Producers = 1; Run = 1; ElapsedMs = 300 / $c; ThroughputPerSecond = 100 * $c; ProducerBlockedMs = 200 / $c; ConsumerIdleMs = 10 * $c } }
        )
        $path = Join-Path $TestDrive 'kinds.html'
        $rows | Export-ConcurrencyReport $path -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        Get-ChartId (Get-Content -LiteralPath $path -Raw) | Should -Be @('timeline', 'durations', 'race-outcomes', 'race-cost', 'throughput', 'waits')
    }

    It 'draws real Test-RaceCondition and Measure-ProducerConsumer rows, live and from Import-Csv' {
        $race = Test-RaceCondition -Strategy None, Interlocked, Lock -Threads 4 -Increments 100 -Trials 20 -NoProgress
        $queue = Measure-ProducerConsumer -Consumers 1, 2 -Items 10 -ProduceMs 2 -ConsumeMs 5 -Repeat 1 -NoProgress
        $live = Join-Path $TestDrive 'landed.html'
        @($race) + @($queue) | Export-ConcurrencyReport $live -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        Get-ChartId (Get-Content -LiteralPath $live -Raw) | Should -Be @('race-outcomes', 'race-cost', 'throughput', 'waits')

        $race | Export-Csv (Join-Path $TestDrive 'race.csv')
        $queue | Export-Csv (Join-Path $TestDrive 'queue.csv')
        $fromCsv = Join-Path $TestDrive 'landed-csv.html'
        Import-Csv (Join-Path $TestDrive 'race.csv'), (Join-Path $TestDrive 'queue.csv') | Export-ConcurrencyReport $fromCsv
        $html = Get-Content -LiteralPath $fromCsv -Raw
        Get-ChartId $html | Should -Be @('race-outcomes', 'race-cost', 'throughput', 'waits')
        foreach ($row in $race) { $html | Should -Match ('<td class="text">{0}</td><td>4</td>' -f $row.Strategy) }
    }

    It 'reports a path it cannot write as ReportWriteFailed naming -Path' {
        $path = Join-Path $TestDrive 'no/such/dir/report.html'
        { $Rows | Export-ConcurrencyReport -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ReportWriteFailed,ConcurrencyTools.Commands.ExportConcurrencyReportCommand'
        $error[0].Exception.Message | Should -Match '-Path'
        Test-Path (Join-Path $TestDrive 'no') | Should -BeFalse
    }

    It 'opens the report with the platform opener under -Open' -Skip:(-not $IsLinux) {
        # A stand-in xdg-open first on PATH records what it was asked to open.
        $bin = Join-Path $TestDrive 'bin'
        $null = New-Item -ItemType Directory -Path $bin
        $record = Join-Path $TestDrive 'opened.txt'
        Set-Content -LiteralPath (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`nprintf '%s' ""`$1"" > '$record'"
        chmod +x (Join-Path $bin 'xdg-open')
        $path = Join-Path $TestDrive 'open.html'
        $saved = $env:PATH
        try {
            $env:PATH = "$bin$([IO.Path]::PathSeparator)$saved"
            $Rows | Export-ConcurrencyReport $path -Open
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path -LiteralPath $record) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        } finally {
            $env:PATH = $saved
        }
        Get-Content -LiteralPath $record -Raw | Should -Be $path
    }
}

Describe 'Export-ConcurrencyReport in a browser' {
    BeforeAll {
        $script:Chromium = Find-Chromium
        $script:InCi = $env:CI -in 'true', '1'
    }

    It 'finds chromium (a failure under CI, where .ci/run installs it)' {
        if (-not $Chromium) {
            if ($InCi) { throw 'CI=true and chromium is not installed: the report was not checked in a browser.' }
            Set-ItResult -Skipped -Because 'chromium is not installed (apt-get install -y chromium)'
        }
        $Chromium | Should -Not -BeNullOrEmpty
    }

    It 'renders one chart per expected kind, no error text, no external request, and saves a screenshot in out/' {
        if (-not $Chromium) {
            if ($InCi) { throw 'CI=true and chromium is not installed.' }
            Set-ItResult -Skipped -Because 'chromium is not installed'
            return
        }
        $path = Join-Path $TestDrive 'browser.html'
        $Rows | Export-ConcurrencyReport $path -Title 'Browser test'
        $rendered = Get-RenderedDom -Chromium $Chromium -Path $path -NetLogPath (Join-Path $TestDrive 'net.json')

        # Each chart the browser built holds one SVG with drawn content.
        $charts = [regex]::Matches($rendered.Dom, '<div class="chart"[^>]*data-chart="([^"]+)"[^>]*>\s*<svg[^>]*>(.*?)</svg>', 'Singleline')
        @($charts | ForEach-Object { $_.Groups[1].Value }) | Should -Be @('speedup', 'efficiency', 'distribution', 'cpu')
        $charts | ForEach-Object { $_.Groups[2].Value | Should -Match '<(polyline|path|rect|ellipse)' }
        $rendered.Dom | Should -Match '<h1>Browser test</h1>'
        $rendered.Dom | Should -Not -Match '(?i)\berror\b|exception|\bNaN\b|Infinity'
        $rendered.Requests | Should -BeNullOrEmpty
        $html = Get-Content -LiteralPath $path -Raw
        @([regex]::Matches($html, 'https?://[^"''\s<>]+') | ForEach-Object Value | Where-Object { $_ -notin 'http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink' }) | Should -BeNullOrEmpty

        $shot = Save-Screenshot -Chromium $Chromium -Path $path -OutFile (Join-Path $OutDir 'report-screenshot.png') -Height 2600
        $shot.Length | Should -BeGreaterThan 20KB
        [byte[]] $magic = [IO.File]::ReadAllBytes($shot.FullName)[0..3]
        $magic | Should -Be @(0x89, 0x50, 0x4E, 0x47)
    }

    It 'would see an external request: the network log catches one' {
        if (-not $Chromium) { Set-ItResult -Skipped -Because 'chromium is not installed'; return }
        # Proves the "no external request" check above can fail: nothing listens on port 9 of the loopback.
        $path = Join-Path $TestDrive 'fetching.html'
        Set-Content -LiteralPath $path -Value '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/chart.png"></body></html>'
        $rendered = Get-RenderedDom -Chromium $Chromium -Path $path -NetLogPath (Join-Path $TestDrive 'fetching.json')
        $rendered.Requests | Should -Contain 'http://127.0.0.1:9/chart.png'
    }
}
