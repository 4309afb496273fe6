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
