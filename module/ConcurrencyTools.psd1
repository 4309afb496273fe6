@{
    RootModule           = 'ConcurrencyTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d3c52-8f4e-4b8a-9c57-2f0e1b7d4a93'
    Author               = 'ConcurrencyTools contributors'
    CompanyName          = 'ConcurrencyTools'
    Copyright            = '(c) ConcurrencyTools contributors. All rights reserved.'
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
            Tags = @('concurrency', 'benchmark', 'threads', 'processes', 'async', 'GIL', 'performance', 'parallel', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
        }
    }
}
