@{
    RootModule           = 'ConcurrencyTools.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = '6f1d3c52-8f4e-4b8a-9c57-2f0e1b7d4a93'
    Author               = 'ConcurrencyTools contributors'
    CompanyName          = 'ConcurrencyTools'
    Copyright            = '(c) 2026 ConcurrencyTools contributors. MIT License.'
    Description          = 'Measure and compare concurrency strategies on your own machine: sequential code, threads, the thread pool, an async event loop, processes and threads under a global interpreter lock, with typed, exportable timings.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('ConcurrencyTools.Engine.dll')
    FormatsToProcess     = @('ConcurrencyTools.Format.ps1xml')
    TypesToProcess       = @('ConcurrencyTools.Types.ps1xml')
    CmdletsToExport      = @('Measure-ThreadedWorkload', 'Measure-Speedup', 'Measure-Scalability', 'Measure-ProducerConsumer', 'Export-ConcurrencyReport', 'Test-RaceCondition', 'Invoke-ProcessPool')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('concurrency', 'benchmark', 'threads', 'processes', 'async', 'GIL', 'performance', 'parallel', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # The module folder holds LICENSE (MIT) and THIRD-PARTY-NOTICES.txt; CHANGELOG.md has every release.
            ReleaseNotes = @'
0.2.0
- MIT licence; third-party notices for the bundled libraries; CHANGELOG.md.
- Packaged as a PowerShell gallery .nupkg and as a zip with a ConcurrencyTools/<version>/ folder.
- Invoke-ProcessPool: GNU parallel's replacement strings {.} {/} {//} {/.} {%}, and -WhatIf as a dry run.
- -ThrottleLimit as an alias of the worker parameters; -Capacity completes Unbounded.
- Default tables fit an 80-column console (Measure-ProducerConsumer has a Run column); help reads well in Get-Help -Full.
- Report charts: shorter producer/consumer legends, CPU chart labels that do not overlap.
- TaskCpuMs and TaskCpuShare: Bound and the recommendation judged from the CPU of the work itself.
- A native (ahead-of-time compiled) worker for the Processes model; workers start at once and end with their parent.
- Measure-Speedup: a Mann-Whitney test that cannot overflow; a stricter bimodality rule.
- Measure-Scalability: unit-free standard errors, super-linear fits, warnings for poor or unconverged fits.
- Invoke-ProcessPool: tasks killed on SIGTERM/SIGHUP of pwsh, bounded -Stream, NUL arguments refused.
- Test-RaceCondition: exceptions and timeouts apart from races; Export-ConcurrencyReport: -Culture, -NoClobber, -WhatIf.
- Scripts: Measure-ThreadedWorkload -ScriptBlock runs Sequential, Runspaces and ForEachParallel by default.
- See CHANGELOG.md for the whole list.
'@
        }
    }
}
