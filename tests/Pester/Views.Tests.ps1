#Requires -Version 7.4
# Default tables fit an 80-column console, which leaves its last column free: every table view's natural
# width (its fixed columns, the separators, and the last column's header) is at most 79, and real rows
# shown at 80 columns keep every header whole.

BeforeDiscovery {
    $formatFile = Join-Path $PSScriptRoot '../../out/ConcurrencyTools/ConcurrencyTools.Format.ps1xml'
    [xml] $format = Get-Content -Raw $formatFile
    $script:Views = foreach ($view in $format.Configuration.ViewDefinitions.View) {
        if ($view.TableControl) { @{ Name = $view.Name; Headers = @($view.TableControl.TableHeaders.TableColumnHeader) } }
    }
}

BeforeAll {
    $moduleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $moduleDir 'ConcurrencyTools.psd1') -Force

    # A column without a width is as wide as its header at least; one space separates columns.
    function Get-NaturalWidth([object[]] $Headers) {
        $widths = foreach ($header in $Headers) {
            if ($header.Width) { [int] $header.Width } else { ([string] $header.Label).Length }
        }
        ($widths | Measure-Object -Sum).Sum + $Headers.Count - 1
    }

    # The table at 80 columns: no line wider than 79, and the header line holds every label whole.
    function Assert-TableFits([object[]] $Rows, [string[]] $Labels) {
        $lines = ($Rows | Format-Table | Out-String -Width 80) -split "`r?`n"
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 79 -Because "'$line' must fit" }
        $header = $lines | Where-Object { $_ -match "^\s*$([regex]::Escape($Labels[0]))\s" } | Select-Object -First 1
        $header | Should -Not -BeNullOrEmpty
        foreach ($label in $Labels) { $header | Should -Match "(^|\s)$([regex]::Escape($label))(\s|$)" -Because "the header '$label' must not wrap" }
    }
}

Describe 'The <Name> table view' -ForEach $Views {
    It 'is at most 79 columns wide' {
        Get-NaturalWidth $Headers | Should -BeLessOrEqual 79
    }
}

Describe 'Default tables of real rows at 80 columns' {
    It 'shows Measure-ThreadedWorkload rows with every header whole' {
        $rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Threads -Workers 2 -Tasks 4 -Iterations 100000 -Repeat 1 -Warmup 0 -NoProgress
        Assert-TableFits $rows 'Model', 'Workers', 'Run', 'ElapsedMs', 'CpuTimeMs', 'Cpu%', 'StartupMs', 'Verified', 'Error'
    }

    It 'shows Measure-Speedup rows with every header whole' {
        $rows = Measure-ThreadedWorkload -Workload Io -Model Sequential, Threads -Workers 2 -Tasks 2 -DurationMs 2 -Repeat 3 -Warmup 0 -NoProgress | Measure-Speedup
        Assert-TableFits $rows 'Model', 'Workers', 'Runs', 'MedianMs', 'CV', 'Speedup', 'Eff.', 'Unstable'
    }

    It 'shows Measure-ProducerConsumer rows with a Run column and every header whole' {
        $rows = Measure-ProducerConsumer -Model Threads -Items 4 -ProduceMs 1 -ConsumeMs 1 -Repeat 2 -Warmup 0 -NoProgress
        Assert-TableFits $rows 'Model', 'PxC', 'Run', 'Capacity', 'ElapsedMs', 'BlockedMs', 'IdleMs', 'Bottleneck', 'Verified'
        $text = $rows | Format-Table | Out-String -Width 80
        $text | Should -Match '(?m)^Threads\s+1x3\s+1\s'
        $text | Should -Match '(?m)^Threads\s+1x3\s+2\s'
    }

    It 'shows the end of a long Invoke-ProcessPool input, where the file name is' {
        $rows = '/var/log/application/archive/2026/access.log.2.gz' | Invoke-ProcessPool -FilePath true -NoProgress
        Assert-TableFits $rows 'Seq', 'Slot', 'ExitCode', 'DurationMs', 'Succeeded', 'Input', 'StdOut/Error'
        $rows | Format-Table | Out-String -Width 80 | Should -Match "$([char] 0x2026)\S*/2026/access\.log\.2\.gz "
    }
}
