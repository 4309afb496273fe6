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
