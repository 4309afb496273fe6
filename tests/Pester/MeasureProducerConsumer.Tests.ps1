#Requires -Version 7.4
# Measure-ProducerConsumer as a user calls it, against the built module (build it first: ./test.sh or ./build.ps1).

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
    # Small and quick: 12 items at 1 ms a side.
    $script:Quick = @{ Items = 12; ProduceMs = 1; ConsumeMs = 1; Repeat = 1; Warmup = 0; NoProgress = $true }
}

Describe 'Measure-ProducerConsumer parameter binding' {
    It 'is exported' {
        (Get-Module ConcurrencyTools).ExportedCmdlets.Keys | Should -Contain 'Measure-ProducerConsumer'
    }

    It 'binds named parameters and sweeps every array' {
        $rows = Measure-ProducerConsumer -Model Threads, EventLoop -Producers 1, 2 -Consumers 1, 3 -Capacity 2, Unbounded @Quick
        $rows | Should -HaveCount 16
        $rows[0] | Should -BeOfType ([ConcurrencyTools.Engine.Queues.ProducerConsumerResult])
        $rows | ForEach-Object {
            $_.Verified | Should -BeTrue
            $_.Lost | Should -Be 0
            $_.Duplicated | Should -Be 0
            $_.ItemsConsumed | Should -Be 12
            $_.Workers | Should -Be $_.Consumers
        }
        ($rows | Group-Object Model, Producers, Consumers, Capacity) | Should -HaveCount 16
        ($rows | Where-Object Capacity -EQ 'Unbounded').ProducerBlockedMs | Sort-Object -Unique | Should -Be 0
    }

    It 'binds Model by position' {
        $row = Measure-ProducerConsumer GilThreads @Quick
        $row.Model | Should -Be 'GilThreads'
        $row.GilSwitches | Should -BeGreaterThan 0
    }

    It 'binds pipeline objects by property name, a CSV row included' {
        $row = [pscustomobject]@{ Model = 'EventLoop'; Producers = 2; Consumers = 2; Items = 6; Capacity = 'unbounded'; ProduceMs = 2; ConsumeMs = 3 } |
            Measure-ProducerConsumer -Repeat 1 -Warmup 0 -NoProgress
        $row.Model | Should -Be 'EventLoop'
        ($row.Producers, $row.Consumers, $row.Items, $row.Capacity) | Should -Be @(2, 2, 6, 'Unbounded')
        $row.TaskSize | Should -Be 'Producers=2;Capacity=Unbounded;Produce:DurationMs=2;Consume:DurationMs=3'
        $row.ThreadsUsed | Should -Be 1

        # A row read back from CSV runs its configuration again.
        $csv = Join-Path $TestDrive 'one.csv'
        $row | Export-Csv -LiteralPath $csv
        $again = Import-Csv -LiteralPath $csv | Measure-ProducerConsumer -Repeat 1 -Warmup 0 -NoProgress
        ($again.Model, $again.Workers, $again.Items, $again.TaskSize) | Should -Be ($row.Model, $row.Workers, $row.Items, $row.TaskSize)
        $again.Verified | Should -BeTrue
    }

    It 'runs CPU-bound consumers under every model' {
        $rows = Measure-ProducerConsumer -Model Threads, GilThreads, EventLoop -ConsumerWorkload Cpu -ConsumerIterations 100000 @Quick
        $rows.Workload | Sort-Object -Unique | Should -Be 'Io/Cpu'
        $rows | ForEach-Object { $_.Verified | Should -BeTrue; $_.ConsumerItemMs | Should -BeGreaterThan 0 }
    }
}

Describe 'Measure-ProducerConsumer validation' {
    It 'rejects <Value> for -<Name> before running' -TestCases @(
        @{ Name = 'Producers'; Value = 0 }
        @{ Name = 'Consumers'; Value = 1001 }
        @{ Name = 'Items'; Value = 0 }
        @{ Name = 'ProduceMs'; Value = -1 }
        @{ Name = 'Repeat'; Value = 0 }
        @{ Name = 'Capacity'; Value = 'ten' }
        @{ Name = 'ConsumerWorkload'; Value = 'Disk' }
    ) {
        $parameters = @{ $Name = $Value }
        $failure = $null
        try { Measure-ProducerConsumer @parameters -NoProgress -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Match '^(ParameterArgumentValidationError|ParameterArgumentTransformationError|CannotConvertArgumentNoMessage),ConcurrencyTools\.Commands\.MeasureProducerConsumerCommand$'
        $failure.Exception.Message | Should -Match $Name
    }

    It 'rejects capacity <Value> with an error naming -Capacity and the value' -TestCases @(
        @{ Value = 0 }
        @{ Value = -3 }
    ) {
        $rows = Measure-ProducerConsumer -Capacity $Value @Quick -ErrorVariable problems -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'InvalidMeasurementParameter,ConcurrencyTools.Commands.MeasureProducerConsumerCommand'
        $problems[0].TargetObject | Should -Be $Value
        $problems[0].Exception.ParamName | Should -Be 'Capacity'
    }

    It 'rejects a model that cannot run a pipeline, naming -Model' {
        $null = Measure-ProducerConsumer -Model Processes @Quick -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 1
        $problems[0].Exception.ParamName | Should -Be 'Model'
        "$($problems[0].TargetObject)" | Should -Be 'Processes'
    }

    It 'documents under -Model exactly the models the catalog says run a pipeline' {
        $pipelines = [ConcurrencyTools.Engine.Models.ModelCatalog]::ModelsThatRun('Pipelines') | ForEach-Object ToString
        $pipelines | Sort-Object | Should -Be @('EventLoop', 'GilThreads', 'Threads')
        $help = [regex]::Match((Get-Content -Raw (Join-Path $PSScriptRoot '../../docs/en-US/Measure-ProducerConsumer.md')), '(?s)### -Model(.*?)```').Groups[1].Value
        foreach ($model in [ConcurrencyTools.Engine.Models.ConcurrencyModel].GetEnumNames()) {
            if ($model -in $pipelines) { $help | Should -Match "``$model``" -Because "$model runs a pipeline" }
            else { $help | Should -Not -Match "``$model``" -Because "$model does not run a pipeline" }
        }
    }

    It 'warns when there are more consumers than items' {
        $null = Measure-ProducerConsumer -Consumers 20 @Quick -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -Match 'Raise -Items'
    }
}

Describe 'Measure-ProducerConsumer results' {
    BeforeAll {
        $script:Rows = Measure-ProducerConsumer -Model Threads, GilThreads -Consumers 1, 2 -Capacity 3 -Items 8 -ProduceMs 1 -ConsumeMs 3 -Repeat 2 -Warmup 0 -NoProgress
        $script:Columns = $Rows[0].PSObject.Properties.Name
    }

    It 'has the columns the issue names' {
        foreach ($name in 'ElapsedMs', 'ThroughputPerSecond', 'ItemsProduced', 'ItemsConsumed', 'Lost', 'Duplicated', 'ProducerBlockedMs',
            'ConsumerIdleMs', 'MeanQueueDepth', 'MaxQueueDepth', 'MinConsumerShare', 'MaxConsumerShare', 'ItemsPerConsumer', 'BoundMs',
            'Efficiency', 'Bottleneck', 'Workload', 'Model', 'Workers', 'TaskSize', 'Run', 'Verified', 'Error', 'MachineName') {
            $Columns | Should -Contain $name
        }
    }

    It 'keeps every column through Export-Csv and Import-Csv under <Culture>' -TestCases @(
        @{ Culture = 'en-US' }
        @{ Culture = 'de-DE' }
        @{ Culture = '' }
    ) {
        $saved = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = [cultureinfo]::GetCultureInfo($Culture)
            $culture = [cultureinfo]::CurrentCulture
            $csv = Join-Path $TestDrive "runs-$Culture.csv"
            $Rows | Export-Csv -LiteralPath $csv
            $back = Import-Csv -LiteralPath $csv
            $back[0].PSObject.Properties.Name | Should -Be $Columns
            for ($i = 0; $i -lt $Rows.Count; $i++) {
                foreach ($name in $Columns) {
                    $value = $Rows[$i].$name
                    $cell = $back[$i].$name
                    if ($value -is [double]) {
                        # Written in the session's culture ("12,5" under de-DE); read back the same way, exactly.
                        [double]::Parse($cell, $culture) | Should -Be $value -Because "column $name of row $i"
                    } elseif ($value -is [DateTimeOffset]) {
                        # Export-Csv keeps whole seconds of a time.
                        [DateTimeOffset]::Parse($cell, $culture) | Should -Be ([DateTimeOffset]::new($value.Ticks - $value.Ticks % 10000000, $value.Offset))
                    } else {
                        $cell | Should -Be ([System.Convert]::ToString($value, $culture)) -Because "column $name of row $i"
                    }
                }
            }
        } finally {
            [cultureinfo]::CurrentCulture = $saved
        }
    }

    It 'lets Measure-Speedup summarize a consumer sweep, live and from CSV' {
        $live = $Rows | Measure-Speedup -Baseline SingleWorker
        $live | Should -HaveCount 4
        $live | ForEach-Object { $_.Runs | Should -Be 2; $_.Tasks | Should -Be 8; $_.Workload | Should -Be 'Io/Io' }
        ($live | Where-Object Workers -EQ 1).Speedup | Should -Be @(1, 1)
        ($live | Where-Object Workers -EQ 2 | Where-Object Speedup -GT 0) | Should -HaveCount 2
        $live | ForEach-Object { $_.Baseline | Should -Be "$($_.Model) x1" }

        $saved = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = [cultureinfo]::InvariantCulture
            $csv = Join-Path $TestDrive 'sweep.csv'
            $Rows | Export-Csv -LiteralPath $csv
            $fromCsv = Import-Csv -LiteralPath $csv | Measure-Speedup -Baseline SingleWorker
        } finally {
            [cultureinfo]::CurrentCulture = $saved
        }
        $fromCsv | Should -HaveCount 4
        for ($i = 0; $i -lt 4; $i++) {
            ($fromCsv[$i].Model, $fromCsv[$i].Workers, $fromCsv[$i].TaskSize, $fromCsv[$i].MedianMs, $fromCsv[$i].Speedup) |
                Should -Be ($live[$i].Model, $live[$i].Workers, $live[$i].TaskSize, $live[$i].MedianMs, $live[$i].Speedup)
        }
    }

    It 'shows a table that fits 80 columns by default' {
        $lines = ($Rows | Out-String -Width 80) -split "`n"
        foreach ($header in 'Model', 'PxC', 'Run', 'Capacity', 'ElapsedMs', 'BlockedMs', 'IdleMs', 'Bottleneck', 'Verified') {
            ($lines -join "`n") | Should -Match ([regex]::Escape($header))
        }
        ($lines -join "`n") | Should -Match 'Io/Io: 8 items'
        ($lines -join "`n") | Should -Not -Match 'MachineName'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'tells what it runs with -Verbose' {
        $verbose = Measure-ProducerConsumer @Quick -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'System.Threading.Channels'
        ($verbose.Message -join "`n") | Should -Match 'bottleneck'
    }
}

Describe 'Stopping Measure-ProducerConsumer' {
    It 'stops on [powershell]::Stop() while consumers wait, under <Model>' -TestCases @(
        @{ Model = 'Threads' }
        @{ Model = 'GilThreads' }
        @{ Model = 'EventLoop' }
    ) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Model)
                    Import-Module $Module
                    Measure-ProducerConsumer -Model $Model -Items 100 -ProduceMs 0 -ConsumeMs 600000 -Repeat 1 -Warmup 0 -NoProgress
                }).AddArgument((Join-Path $ModuleDir 'ConcurrencyTools.psd1')).AddArgument($Model)
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 700
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $handle.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # Liveness, not a speed test: a Stop that waited for the consumers would take ten minutes.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 60
        } finally {
            $ps.Dispose()
        }
    }

    It 'stops after the first row with Select-Object -First 1' {
        $rows = Measure-ProducerConsumer -Consumers 1, 2 -Items 4 -ProduceMs 0 -ConsumeMs 1 -Repeat 50 -Warmup 0 -NoProgress | Select-Object -First 1
        $rows | Should -HaveCount 1
    }
}
