# Helpers for Pester tests that count processes. Dot-source it in BeforeAll.
# Other people's test runs start the same worker processes at the same time on a shared machine, so a
# test counts only the descendants of its own pwsh.

# The fields of /proc/<id>/stat after the command name (the state first, then the parent's id), or nothing once the
# process has gone. The command name may hold spaces and parentheses: the fields start after the last ')'.
function Get-ProcessStatField([int] $Id) {
    try { $stat = [System.IO.File]::ReadAllText("/proc/$Id/stat") } catch { return }
    , $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
}

# A process's command line, its arguments joined by spaces, or nothing once the process has gone.
function Get-ProcessCommandLine([int] $Id) {
    try { [System.IO.File]::ReadAllText("/proc/$Id/cmdline").Replace([char] 0, ' ') } catch { }
}

# Each process's id, state and command line as /proc has them now ("gone" once it has ended), for a failure's message.
function Format-ProcessState([int[]] $Id) {
    $described = foreach ($one in $Id) {
        $fields = Get-ProcessStatField $one
        $command = Get-ProcessCommandLine $one
        if ($null -eq $fields -or $null -eq $command) { "$one (gone)" } else { "$one ($($fields[0])) $($command.Trim())" }
    }
    "$(@($Id).Count) [$($described -join '; ')]"
}

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

    # One pass over /proc: parent and state of every process.
    $parentOf = @{}
    $stateOf = @{}
    foreach ($dir in [System.IO.Directory]::EnumerateDirectories('/proc')) {
        $processId = 0
        if (-not [int]::TryParse([System.IO.Path]::GetFileName($dir), [ref] $processId)) { continue }
        $fields = Get-ProcessStatField $processId
        if ($null -eq $fields) { continue }
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
            $commandLine = Get-ProcessCommandLine $child
            if ($null -eq $commandLine) { continue }
            foreach ($pattern in $CommandLike) {
                if ($commandLine -like $pattern) { $child; break }
            }
        }
    }
}
