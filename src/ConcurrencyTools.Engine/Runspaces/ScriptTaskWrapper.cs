namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// The PowerShell that runs one item wherever the runspaces are not the engine's own (ForEach-Object
/// -Parallel, thread jobs, jobs, pwsh children): it sets up the state, runs the user's script block
/// with the item as <c>$_</c> and first argument, and returns one flat record that says which item it
/// was, how much it wrote, its errors, and where and when it ran, so every item is accounted for.
/// </summary>
internal static class ScriptTaskWrapper
{
    /// <summary>param($Script, $Index, $Item, $Arguments, $Modules, $Variables, $ReportCpu).</summary>
    public const string Text = """
        param($__ctScript, $__ctIndex, $__ctItem, $__ctArguments, $__ctModules, $__ctVariables, $__ctReportCpu)
        if ($__ctModules) { Import-Module -Name $__ctModules -ErrorAction Stop }
        if ($__ctVariables) { foreach ($__ctName in @($__ctVariables.Keys)) { Set-Variable -Name $__ctName -Value $__ctVariables[$__ctName] } }
        $__ctBlock = [scriptblock]::Create($__ctScript)
        $__ctOutput = [ref]0
        $__ctErrors = [System.Collections.Generic.List[object]]::new()
        $__ctFailed = $false
        $__ctStarted = [System.Diagnostics.Stopwatch]::GetTimestamp()
        try {
            ,$__ctItem | & { process { & $__ctBlock $_ @__ctArguments } } 2>&1 | & { process {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { $__ctErrors.Add($_) } else { $__ctOutput.Value++ }
            } }
        } catch {
            $__ctFailed = $true
            $__ctErrors.Add($_)
        }
        [pscustomobject]@{
            Index = $__ctIndex
            OutputCount = $__ctOutput.Value
            Failed = $__ctFailed
            Errors = $__ctErrors.ToArray()
            ErrorMessages = [string[]]@(foreach ($__ctError in $__ctErrors) { $__ctError.ToString() })
            Started = $__ctStarted
            ThreadId = [System.Threading.Thread]::CurrentThread.ManagedThreadId
            ProcessId = $PID
            ProcessCpuMs = if ($__ctReportCpu) { [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds } else { 0.0 }
        }
        """;
}
