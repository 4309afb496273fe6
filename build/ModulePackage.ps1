#Requires -Version 7.4
<#
.SYNOPSIS
    Packs a built module folder the two ways modules are shared: a PowerShell gallery .nupkg and a zip.
.DESCRIPTION
    Dot-sourced by build.ps1 (-Task Package) and by tests/Pester/Package.Tests.ps1, so the test unpacks
    exactly what the build makes. PSResourceGet's Compress-PSResource would do the .nupkg, but it is not
    part of every pwsh (nor of this repository's test machines), so the package is written here in the
    layout PowerShell galleries serve: the module's files at the root of the package beside a .nuspec
    whose tags are PSModule, PSIncludes_Cmdlet and PSCmdlet_<name>/PSCommand_<name> per cmdlet, plus
    the Open Packaging parts every NuGet client expects.
#>

Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem

# The package's metadata, read from the manifest so there is one place to change it.
function Get-ModulePackageInfo {
    param([Parameter(Mandatory)] [string] $ModuleDir)
    $name = Split-Path $ModuleDir -Leaf
    $manifest = Import-PowerShellDataFile (Join-Path $ModuleDir "$name.psd1")
    [pscustomobject]@{
        Name     = $name
        Version  = [string] $manifest.ModuleVersion
        Manifest = $manifest
    }
}

# The .nuspec PowerShell galleries expect: the gallery finds modules and their commands by these tags.
function New-ModuleNuspec {
    param([Parameter(Mandatory)] [pscustomobject] $Info)
    $manifest = $Info.Manifest
    $psData = $manifest.PrivateData.PSData
    $cmdlets = @($manifest.CmdletsToExport)
    $tags = @('PSModule') + @($psData.Tags) + @(if ($cmdlets) { 'PSIncludes_Cmdlet' }) +
        @($cmdlets | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
    $ns = [System.Xml.Linq.XNamespace] 'http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd'
    $metadata = [System.Xml.Linq.XElement]::new($ns + 'metadata')
    $fields = [ordered]@{
        id                       = $Info.Name
        version                  = $Info.Version
        authors                  = $manifest.Author
        owners                   = $manifest.CompanyName
        requireLicenseAcceptance = 'false'
        description              = $manifest.Description
        releaseNotes             = $psData.ReleaseNotes
        copyright                = $manifest.Copyright
        tags                     = ($tags | Select-Object -Unique) -join ' '
    }
    foreach ($field in $fields.GetEnumerator()) {
        if ($field.Value) { $metadata.Add([System.Xml.Linq.XElement]::new($ns + $field.Key, [string] $field.Value)) }
    }
    # The licence travels inside the package (NuGet accepts a file without extension).
    $metadata.Add([System.Xml.Linq.XElement]::new($ns + 'license', [System.Xml.Linq.XAttribute]::new('type', 'file'), 'LICENSE'))
    $package = [System.Xml.Linq.XElement]::new($ns + 'package', $metadata)
    [System.Xml.Linq.XDocument]::new([System.Xml.Linq.XDeclaration]::new('1.0', 'utf-8', $null), $package).ToString()
}

# Adds a text entry to a zip archive (UTF-8 without a byte order mark, as NuGet writes its parts).
function Add-ZipText {
    param([System.IO.Compression.ZipArchive] $Archive, [string] $EntryName, [string] $Text)
    $entry = $Archive.CreateEntry($EntryName, [System.IO.Compression.CompressionLevel]::Optimal)
    $writer = [System.IO.StreamWriter]::new($entry.Open(), [System.Text.UTF8Encoding]::new($false))
    try { $writer.Write($Text) } finally { $writer.Dispose() }
}

# Adds every file of a folder, under a prefix, with forward slashes (what every unzip expects).
# CreateEntryFromFile keeps the Unix file mode, so an executable stays executable once unpacked.
function Add-ZipFolder {
    param([System.IO.Compression.ZipArchive] $Archive, [string] $Folder, [string] $Prefix)
    $base = (Resolve-Path $Folder).Path
    foreach ($file in Get-ChildItem -LiteralPath $base -Recurse -File) {
        $relative = [System.IO.Path]::GetRelativePath($base, $file.FullName).Replace('\', '/')
        $null = [System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($Archive, $file.FullName, "$Prefix$relative", [System.IO.Compression.CompressionLevel]::Optimal)
    }
}

function New-ZipArchive {
    param([string] $Path)
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Force }
    [System.IO.Compression.ZipFile]::Open($Path, [System.IO.Compression.ZipArchiveMode]::Create)
}

<#
.SYNOPSIS
    Writes <OutputDir>/<Name>.<Version>.nupkg from a built module folder; returns the file.
#>
function New-ModuleNupkg {
    param([Parameter(Mandatory)] [string] $ModuleDir, [Parameter(Mandatory)] [string] $OutputDir)
    $info = Get-ModulePackageInfo $ModuleDir
    $path = Join-Path $OutputDir "$($info.Name).$($info.Version).nupkg"
    $coreProperties = "package/services/metadata/core-properties/$([guid]::NewGuid().ToString('N')).psmdcp"
    $archive = New-ZipArchive $path
    try {
        Add-ZipText $archive '_rels/.rels' @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$($info.Name).nuspec" Id="R0" /><Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/$coreProperties" Id="R1" /></Relationships>
"@
        Add-ZipText $archive "$($info.Name).nuspec" (New-ModuleNuspec $info)
        Add-ZipFolder $archive $ModuleDir ''
        $description = [System.Security.SecurityElement]::Escape([string] $info.Manifest.Description)
        Add-ZipText $archive $coreProperties @"
<?xml version="1.0" encoding="utf-8"?>
<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"><dc:creator>$([System.Security.SecurityElement]::Escape([string] $info.Manifest.Author))</dc:creator><dc:description>$description</dc:description><dc:identifier>$($info.Name)</dc:identifier><version>$($info.Version)</version><keywords>PSModule</keywords></coreProperties>
"@
        # Every other part is "application/octet", as NuGet writes it; files without an extension need an override.
        $extensions = Get-ChildItem -LiteralPath $ModuleDir -Recurse -File | ForEach-Object Extension | Where-Object { $_ } |
            ForEach-Object { $_.TrimStart('.') } | Where-Object { $_ -notin 'rels', 'psmdcp' } | Sort-Object -Unique
        $overrides = Get-ChildItem -LiteralPath $ModuleDir -Recurse -File | Where-Object { -not $_.Extension } |
            ForEach-Object { '<Override PartName="/{0}" ContentType="application/octet" />' -f [System.IO.Path]::GetRelativePath($ModuleDir, $_.FullName).Replace('\', '/') }
        $defaults = @('nuspec') + $extensions | Sort-Object -Unique | ForEach-Object { '<Default Extension="{0}" ContentType="application/octet" />' -f $_ }
        Add-ZipText $archive '[Content_Types].xml' @"
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /><Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />$(-join $defaults)$(-join $overrides)</Types>
"@
    } finally {
        $archive.Dispose()
    }
    Get-Item -LiteralPath $path
}

<#
.SYNOPSIS
    Writes <OutputDir>/<Name>-<Version>.zip whose only folder is <Name>/<Version>/: unzipped into any
    PSModulePath folder, it is an installed module, side by side with other versions.
#>
function New-ModuleZip {
    param([Parameter(Mandatory)] [string] $ModuleDir, [Parameter(Mandatory)] [string] $OutputDir)
    $info = Get-ModulePackageInfo $ModuleDir
    $path = Join-Path $OutputDir "$($info.Name)-$($info.Version).zip"
    $archive = New-ZipArchive $path
    try { Add-ZipFolder $archive $ModuleDir "$($info.Name)/$($info.Version)/" } finally { $archive.Dispose() }
    Get-Item -LiteralPath $path
}
