#Requires -Version 7.4
# Every cmdlet has help: a synopsis, a description, real examples and a description of every parameter.

BeforeDiscovery {
    $moduleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $moduleDir 'ConcurrencyTools.psd1') -Force
    $script:Cmdlets = (Get-Module ConcurrencyTools).ExportedCmdlets.Keys | ForEach-Object { @{ Name = $_ } }
    $script:HasHelp = Test-Path (Join-Path $moduleDir 'en-US/ConcurrencyTools.dll-Help.xml')
}

BeforeAll {
    $moduleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $moduleDir 'ConcurrencyTools.psd1') -Force
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help of <Name>' -ForEach $Cmdlets -Skip:(-not $HasHelp) {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
    }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match '\{\{'
        ($Help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples' {
        @($Help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        $Help.Examples.Example | ForEach-Object { $_.Code | Should -Match $Name }
    }

    It 'keeps every bullet on a line of its own in Get-Help -Full, and no markdown table' {
        # Get-Help joins the lines of a paragraph: a list reads well only when each item is a paragraph.
        $text = $Help | Out-String -Width 4000
        $fence = $false
        $bullets = foreach ($line in Get-Content (Join-Path $PSScriptRoot "../../docs/en-US/$Name.md")) {
            if ($line.StartsWith('```')) { $fence = -not $fence; continue }
            if (-not $fence -and $line -match '^\s*[-*]\s+(\S+(\s+\S+){0,3})') { $Matches[1] }
        }
        foreach ($start in $bullets) { $text | Should -Match "(?m)^\s*[-*]\s+$([regex]::Escape($start))" -Because "the item '$start' starts a line" }
        $text | Should -Not -Match '\|\s*-{3,}\s*\|' -Because 'a markdown table collapses into one line'
    }

    It 'speaks of the experiments in words a reader knows' {
        ($Help | Out-String -Width 4000) | Should -Not -Match "\bseeds'"
    }

    It 'documents every parameter' {
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $Common }
        foreach ($parameter in $parameters) {
            $text = (Get-Help $Name -Parameter $parameter).Description.Text -join ''
            $text | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
            $text | Should -Not -Match '\{\{' -Because "-$parameter has a placeholder"
        }
    }
}

Describe 'about_ConcurrencyTools' -Skip:(-not $HasHelp) {
    It 'is installed with the module' {
        (Get-Help about_ConcurrencyTools | Out-String) | Should -Match 'GilThreads'
    }
}
