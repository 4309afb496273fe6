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
    public static readonly string Text = Template.Replace("@DRIVER@", RunspaceSet.Driver.Replace("'", "''", System.StringComparison.Ordinal), System.StringComparison.Ordinal);

    // The item runs in a pipeline of its own, through the same driver as the engine's runspaces: an
    // error a statement raises is written and the script block goes on, and only a throw ends the
    // item. Inside try/catch, PowerShell would end the item on the first error of any kind.
    private const string Template = """
        param($__ctScript, $__ctIndex, $__ctItem, $__ctArguments, $__ctModules, $__ctVariables, $__ctReportCpu)
        if ($__ctModules) { Import-Module -Name $__ctModules -ErrorAction Stop }
        if ($__ctVariables) { foreach ($__ctName in @($__ctVariables.Keys)) { $ExecutionContext.SessionState.PSVariable.Set($__ctName, $__ctVariables[$__ctName]) } }
        # Finding the block's commands (and auto-loading their modules) is this fresh runspace or process
        # setting up, not the item's work: done here, before the item's clock starts.
        foreach ($__ctCommand in [scriptblock]::Create($__ctScript).Ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            if ($__ctName = $__ctCommand.GetCommandName()) { $null = Get-Command -Name $__ctName -ErrorAction Ignore }
        }
        $__ctShell = [powershell]::Create('CurrentRunspace')
        $__ctTimes = if ($IsLinux) { [double[]]::new(10) }
        $null = $__ctShell.AddScript('@DRIVER@', $true).AddArgument($__ctScript).AddArgument($__ctItem).AddArgument($__ctArguments).AddArgument($null).AddArgument($null).AddArgument($__ctTimes)
        $__ctErrors = [System.Collections.Generic.List[object]]::new()
        $__ctOutput = 0
        $__ctFailed = $false
        $__ctStarted = [System.Diagnostics.Stopwatch]::GetTimestamp()
        try {
            $__ctOutput = $__ctShell.Invoke().Count
        } catch {
            $__ctFailed = $true
            $__ctTerminating = if ($_.Exception.InnerException -is [System.Management.Automation.IContainsErrorRecord]) { $_.Exception.InnerException.ErrorRecord } else { $_ }
        }
        $__ctWallMs = ([System.Diagnostics.Stopwatch]::GetTimestamp() - $__ctStarted) * 1000.0 / [System.Diagnostics.Stopwatch]::Frequency
        $__ctTaskCpuMs = $null; $__ctRunWaitMs = $null
        # The user's block alone, as the driver timed it on this thread (see ItemTimes); a block that threw
        # left the end to this thread, which ran it.
        if ($null -ne $__ctTimes -and $__ctTimes[0] -gt 0) {
            if ($__ctTimes[4] -le 0) {
                $__ctStat = [System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')
                $__ctTimes[5] = if ($__ctTimes[9] -gt 0) { [ConcurrencyTools.Engine.Runspaces.ItemClock]::ThreadCpuNanoseconds() } else { $__ctStat[0] }
                $__ctTimes[6] = $__ctStat[1]
                $__ctTimes[8] = [System.Runtime.JitInfo]::GetCompilationTime($true).Ticks
                $__ctTimes[4] = [System.Diagnostics.Stopwatch]::GetTimestamp()
            }
            # The JIT compiler's share of the item's CPU (see ItemTimes) leaves its CPU and wall time.
            $__ctJitMs = [math]::Max(0.0, ($__ctTimes[8] - $__ctTimes[7]) / 10000.0)
            $__ctWallMs = ($__ctTimes[4] - $__ctTimes[0]) * 1000.0 / [System.Diagnostics.Stopwatch]::Frequency
            $__ctTaskCpuMs = [math]::Max(0.0, ($__ctTimes[5] - $__ctTimes[1]) / 1e6)
            $__ctRunWaitMs = [math]::Max(0.0, ($__ctTimes[6] - $__ctTimes[2]) / 1e6)
            $__ctJitCpuMs = if ($__ctTaskCpuMs -gt 0) { [math]::Min($__ctTaskCpuMs, $__ctJitMs * $__ctTaskCpuMs / ($__ctTaskCpuMs + $__ctRunWaitMs)) } else { 0.0 }
            $__ctTaskCpuMs -= $__ctJitCpuMs
            $__ctWallMs -= $__ctJitCpuMs
        }
        foreach ($__ctError in $__ctShell.Streams.Error) { $__ctErrors.Add($__ctError) }
        if ($__ctFailed) { $__ctErrors.Add($__ctTerminating) }
        $__ctShell.Dispose()
        [pscustomobject]@{
            Index = $__ctIndex
            OutputCount = $__ctOutput
            Failed = $__ctFailed
            Errors = $__ctErrors.ToArray()
            ErrorMessages = [string[]]@(foreach ($__ctError in $__ctErrors) { $__ctError.ToString() })
            Started = $__ctStarted
            ThreadId = [System.Threading.Thread]::CurrentThread.ManagedThreadId
            ProcessId = $PID
            WallMs = $__ctWallMs
            TaskCpuMs = $__ctTaskCpuMs
            RunWaitMs = $__ctRunWaitMs
            ProcessCpuMs = if ($__ctReportCpu) { [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds } else { 0.0 }
        }
        """;
}
