# Helpers for Pester tests that count processes. Dot-source it in BeforeAll.
# Other people's test runs start the same worker processes at the same time on a shared machine, so a
# test counts only the descendants of its own pwsh.

function Get-DescendantProcessId {
    <#
    .SYNOPSIS
        Ids of the live (not zombie) descendants of a process whose command line matches one of the patterns.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [string[]] $CommandLike = @('*'),
        [int] $Id = $PID
    )

    # One pass over /proc: parent and state of every process (comm may hold spaces: split after the last ')').
    $parentOf = @{}
    $stateOf = @{}
    foreach ($dir in [System.IO.Directory]::EnumerateDirectories('/proc')) {
        $processId = 0
        if (-not [int]::TryParse([System.IO.Path]::GetFileName($dir), [ref] $processId)) { continue }
        try { $stat = [System.IO.File]::ReadAllText("$dir/stat") } catch { continue }
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        $parentOf[$processId] = [int] $fields[1]
        $stateOf[$processId] = $fields[0]
    }

    $pending = [System.Collections.Generic.Queue[int]]::new()
    $pending.Enqueue($Id)
    while ($pending.Count -gt 0) {
        $parent = $pending.Dequeue()
        foreach ($child in @($parentOf.Keys | Where-Object { $parentOf[$_] -eq $parent })) {
            $pending.Enqueue($child)
            if ($stateOf[$child] -eq 'Z') { continue }
            try { $commandLine = [System.IO.File]::ReadAllText("/proc/$child/cmdline").Replace([char] 0, ' ') } catch { continue }
            foreach ($pattern in $CommandLike) {
                if ($commandLine -like $pattern) { $child; break }
            }
        }
    }
}
