#Requires -Version 7.4
# The module as it is shared: its licence and notices, the gallery .nupkg and the versioned zip that
# build.ps1 -Task Package makes, each unpacked into a temporary PSModulePath folder and imported by name
# in a fresh pwsh.

BeforeDiscovery {
    $script:HasHelp = Test-Path (Join-Path $PSScriptRoot '../../out/ConcurrencyTools/en-US/ConcurrencyTools.dll-Help.xml')
}

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    $script:Root = Join-Path $PSScriptRoot '../..' | Resolve-Path | Select-Object -ExpandProperty Path
    . (Join-Path $Root 'build/ModulePackage.ps1')
    $script:Manifest = Import-PowerShellDataFile (Join-Path $ModuleDir 'ConcurrencyTools.psd1')
    $script:Version = [string] $Manifest.ModuleVersion
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "ct-package-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $Work
    $script:Nupkg = New-ModuleNupkg -ModuleDir $ModuleDir -OutputDir $Work
    $script:Zip = New-ModuleZip -ModuleDir $ModuleDir -OutputDir $Work

    function Get-ZipEntryName([string] $Path) {
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try { $archive.Entries.FullName } finally { $archive.Dispose() }
    }

    function Read-ZipText([string] $Path, [string] $EntryName) {
        $archive = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $reader = [System.IO.StreamReader]::new($archive.GetEntry($EntryName).Open())
            try { $reader.ReadToEnd() } finally { $reader.Dispose() }
        } finally { $archive.Dispose() }
    }

    # Imports ConcurrencyTools by name from a PSModulePath that holds only $ModulePath and pwsh's own
    # modules, in a fresh pwsh, and runs a CPU-bound task on a worker process (the worker must start from
    # the installed folder) and reads the help.
    function Invoke-InstalledModule([string] $ModulePath) {
        $script = @'
$ErrorActionPreference = 'Stop'
Import-Module ConcurrencyTools
$module = Get-Module ConcurrencyTools
$rows = Measure-ThreadedWorkload -Workload Cpu -Model Sequential, Processes -Workers 1 -Tasks 2 -Iterations 1000 -Repeat 1 -Warmup 0 -NoProgress
[pscustomobject]@{
    ModuleBase = $module.ModuleBase
    Version    = [string] $module.Version
    Cmdlets    = @($module.ExportedCmdlets.Keys)
    Verified   = @($rows.Verified)
    Models     = @($rows.Model)
    HelpFound  = [bool] ((Get-Help Measure-ThreadedWorkload).Examples)
} | ConvertTo-Json -Compress
'@
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $ModulePath + [System.IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            $output = & (Get-Process -Id $PID).Path -NoLogo -NoProfile -NonInteractive -Command $script 2>&1
        } finally {
            $env:PSModulePath = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Select-Object -Last 1 | ConvertFrom-Json
    }
}

AfterAll {
    if ($Work -and (Test-Path $Work)) { Remove-Item $Work -Recurse -Force }
}

Describe 'Licence and notices' {
    It 'ships the MIT licence and names it in the manifest' {
        Join-Path $ModuleDir 'LICENSE' | Should -FileContentMatch '^MIT License'
        $Manifest.Copyright | Should -Match 'MIT'
        $Manifest.Copyright | Should -Not -Match 'All rights reserved'
    }

    It 'names every bundled library with its version and licence in THIRD-PARTY-NOTICES.txt' {
        $notices = Get-Content -Raw (Join-Path $ModuleDir 'THIRD-PARTY-NOTICES.txt')
        $bundled = Get-ChildItem $ModuleDir -Filter *.dll | Where-Object Name -NotLike 'ConcurrencyTools*'
        $bundled | Should -Not -BeNullOrEmpty
        foreach ($library in $bundled) {
            $version = ([version] $library.VersionInfo.FileVersion).ToString(3)
            $notices | Should -Match ("(?m)^\S+ {0} \({1}\)\r?\n(.*\r?\n){{1,3}}Licence: MIT" -f [regex]::Escape($version), [regex]::Escape($library.Name)) -Because "$($library.Name) $version is shipped"
        }
    }

    It 'has release notes and a changelog entry for this version' {
        $Manifest.PrivateData.PSData.ReleaseNotes | Should -Match ([regex]::Escape($Version))
        Join-Path $Root 'CHANGELOG.md' | Should -FileContentMatch ('^## \[{0}\] - \d{{4}}-\d{{2}}-\d{{2}}$' -f [regex]::Escape($Version))
    }

    It 'gives the assemblies the manifest version' {
        (Get-Item (Join-Path $ModuleDir 'ConcurrencyTools.dll')).VersionInfo.ProductVersion | Should -BeLike "$Version+*"
    }
}

Describe 'The gallery package' {
    BeforeAll {
        $script:Entries = Get-ZipEntryName $Nupkg.FullName
        [xml] $script:Nuspec = Read-ZipText $Nupkg.FullName 'ConcurrencyTools.nuspec'
    }

    It 'is named ConcurrencyTools.<version>.nupkg' {
        $Nupkg.Name | Should -Be "ConcurrencyTools.$Version.nupkg"
    }

    It 'holds the manifest, the licence and the notices at its root, beside the nuspec' {
        $Entries | Should -Contain 'ConcurrencyTools.psd1'
        $Entries | Should -Contain 'ConcurrencyTools.dll'
        $Entries | Should -Contain 'LICENSE'
        $Entries | Should -Contain 'THIRD-PARTY-NOTICES.txt'
        $Entries | Should -Contain '[Content_Types].xml'
        $Entries | Should -Contain '_rels/.rels'
        $Entries | Where-Object { $_ -like 'package/services/metadata/core-properties/*.psmdcp' } | Should -HaveCount 1
        $Entries | Should -Not -Contain 'System.Management.Automation.dll'
    }

    It 'describes the module in its nuspec, with the licence file and the release notes' {
        $metadata = $Nuspec.package.metadata
        $metadata.id | Should -Be 'ConcurrencyTools'
        $metadata.version | Should -Be $Version
        $metadata.description | Should -Be $Manifest.Description
        $metadata.license.type | Should -Be 'file'
        $metadata.license.'#text' | Should -Be 'LICENSE'
        $metadata.releaseNotes | Should -Be $Manifest.PrivateData.PSData.ReleaseNotes
    }

    It 'has the gallery tags: PSModule, PSIncludes_Cmdlet, and PSCmdlet_ and PSCommand_ for each cmdlet' {
        $tags = $Nuspec.package.metadata.tags -split ' '
        $tags | Should -Contain 'PSModule'
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        $tags | Should -Contain 'PSEdition_Core'
        foreach ($cmdlet in $Manifest.CmdletsToExport) {
            $tags | Should -Contain "PSCmdlet_$cmdlet"
            $tags | Should -Contain "PSCommand_$cmdlet"
        }
    }

    It 'installs into a PSModulePath folder and imports by name in a fresh pwsh' {
        # What Install-PSResource does: the package's files in <name>/<version>/, less the packaging parts.
        $modules = Join-Path $Work 'nupkg-modules'
        $target = Join-Path $modules "ConcurrencyTools/$Version"
        [System.IO.Compression.ZipFile]::ExtractToDirectory($Nupkg.FullName, $target)
        Remove-Item -LiteralPath (Join-Path $target '[Content_Types].xml'), (Join-Path $target '_rels'), (Join-Path $target 'package') -Recurse -Force
        $installed = Invoke-InstalledModule $modules
        $installed.ModuleBase | Should -Be (Resolve-Path $target).Path
        $installed.Version | Should -Be $Version
        $installed.Cmdlets | Should -HaveCount @($Manifest.CmdletsToExport).Count
        $installed.Models | Should -Be @('Sequential', 'Processes')
        $installed.Verified | Should -Be @($true, $true)
    }
}

Describe 'The zip' {
    BeforeAll {
        $script:ZipModules = Join-Path $Work 'zip-modules'
        [System.IO.Compression.ZipFile]::ExtractToDirectory($Zip.FullName, $ZipModules)
        $script:ZipInstalled = Invoke-InstalledModule $ZipModules
    }

    It 'is named ConcurrencyTools-<version>.zip and holds only ConcurrencyTools/<version>/' {
        $Zip.Name | Should -Be "ConcurrencyTools-$Version.zip"
        $entries = Get-ZipEntryName $Zip.FullName
        $entries | Should -Contain "ConcurrencyTools/$Version/ConcurrencyTools.psd1"
        $entries | Should -Contain "ConcurrencyTools/$Version/LICENSE"
        $entries | Should -Contain "ConcurrencyTools/$Version/THIRD-PARTY-NOTICES.txt"
        $entries | Where-Object { $_ -notlike "ConcurrencyTools/$Version/*" } | Should -BeNullOrEmpty
    }

    It 'unzips into a PSModulePath folder and imports by name in a fresh pwsh' {
        $ZipInstalled.ModuleBase | Should -Be (Resolve-Path (Join-Path $ZipModules "ConcurrencyTools/$Version")).Path
        $ZipInstalled.Version | Should -Be $Version
        $ZipInstalled.Models | Should -Be @('Sequential', 'Processes')
        $ZipInstalled.Verified | Should -Be @($true, $true)
    }

    It 'carries the help when the module folder has it' -Skip:(-not $HasHelp) {
        Get-ZipEntryName $Zip.FullName | Should -Contain "ConcurrencyTools/$Version/en-US/ConcurrencyTools.dll-Help.xml"
        $ZipInstalled.HelpFound | Should -BeTrue
    }
}
