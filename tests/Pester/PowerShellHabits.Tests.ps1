#Requires -Version 7.4
# The names and completions PowerShell users expect: -ThrottleLimit for a worker count, Tab on -Capacity.

BeforeAll {
    $moduleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $moduleDir 'ConcurrencyTools.psd1') -Force

    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

Describe '-ThrottleLimit' {
    It 'is an alias of Measure-ThreadedWorkload -Workers' {
        (Get-Command Measure-ThreadedWorkload).Parameters['Workers'].Aliases | Should -Contain 'ThrottleLimit'
        $rows = Measure-ThreadedWorkload -Workload Io -Model Threads -ThrottleLimit 3 -Tasks 3 -DurationMs 1 -Repeat 1 -Warmup 0 -NoProgress
        $rows.Workers | Should -Be 3
    }

    It 'is an alias of Measure-ProducerConsumer -Consumers' {
        (Get-Command Measure-ProducerConsumer).Parameters['Consumers'].Aliases | Should -Contain 'ThrottleLimit'
        $row = Measure-ProducerConsumer -Model Threads -ThrottleLimit 2 -Items 4 -ProduceMs 1 -ConsumeMs 1 -Repeat 1 -Warmup 0 -NoProgress
        $row.Consumers | Should -Be 2
    }
}

Describe 'Tab completion of Measure-ProducerConsumer -Capacity' {
    It 'offers Unbounded, not file names' {
        Push-Location $TestDrive
        try {
            $null = New-Item -ItemType File 'queue.txt'
            (Get-Completion 'Measure-ProducerConsumer -Capacity ').CompletionText | Should -Be @('Unbounded')
        } finally {
            Pop-Location
        }
        (Get-Completion 'Measure-ProducerConsumer -Capacity unb').CompletionText | Should -Be @('Unbounded')
    }
}

Describe 'Tab completion of Measure-ProducerConsumer -Model' {
    It 'offers only the models that run a pipeline' {
        $pipelines = [ConcurrencyTools.Engine.Models.ModelCatalog]::ModelsThatRun('Pipelines') | ForEach-Object ToString
        (Get-Completion 'Measure-ProducerConsumer -Model ').CompletionText | Sort-Object | Should -Be ($pipelines | Sort-Object)
        (Get-Completion 'Measure-ProducerConsumer -Model gil').CompletionText | Should -Be @('GilThreads')
    }

    It 'takes names in any case and rejects a name that is no model, naming -Model' {
        $row = Measure-ProducerConsumer -Model eventloop -Consumers 1 -Items 2 -ProduceMs 0 -ConsumeMs 0 -Repeat 1 -Warmup 0 -NoProgress
        "$($row.Model)" | Should -Be 'EventLoop'
        foreach ($bad in 'Fibers', '3') {
            $rows = Measure-ProducerConsumer -Model $bad -Items 2 -Repeat 1 -Warmup 0 -NoProgress -ErrorVariable problems -ErrorAction SilentlyContinue
            $rows | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidMeasurementParameter*'
            $problems[0].Exception.ParamName | Should -Be 'Model'
            $problems[0].TargetObject | Should -Be $bad
        }
    }
}
