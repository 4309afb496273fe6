# Real PowerShell remoting for the tests: an OpenSSH server per "host", listening on a 127.0.0.x address
# only, on a free port, with host and user keys made for the run and a `Subsystem powershell` line that
# starts this very pwsh. Every server is stopped (with its sessions) by Stop-TestSshHost, and cannot
# outlive the test run by more than an hour even if nobody stops it.

function Test-SshServerAvailable {
    [bool] ((Test-Path /usr/sbin/sshd) -and (Get-Command ssh-keygen -ErrorAction Ignore) -and (Get-Command ssh -ErrorAction Ignore))
}

function Get-FreePort([string] $Address) {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Parse($Address), 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestSshHost {
    <#
    .SYNOPSIS
        Starts an sshd on $Address that serves PowerShell remoting; returns what New-TestSshSession needs.
    .PARAMETER ModuleRoot
        A folder put in front of PSModulePath of the remote pwsh (where it finds ConcurrencyTools); none by default.
    #>
    param(
        [string] $Address = '127.0.0.1',
        [string] $ModuleRoot
    )

    $directory = Join-Path ([System.IO.Path]::GetTempPath()) "ct-sshd-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $directory
    & ssh-keygen -q -t ed25519 -N '' -f (Join-Path $directory 'host_key') | Out-Null
    & ssh-keygen -q -t ed25519 -N '' -f (Join-Path $directory 'user_key') | Out-Null
    Copy-Item (Join-Path $directory 'user_key.pub') (Join-Path $directory 'authorized_keys')
    chmod 600 (Join-Path $directory 'authorized_keys') (Join-Path $directory 'user_key') (Join-Path $directory 'host_key')

    $pwsh = (Get-Process -Id $PID).Path
    $subsystem = if ($ModuleRoot) { "/usr/bin/env PSModulePath=$ModuleRoot $pwsh -sshs -NoLogo -NoProfile" } else { "$pwsh -sshs -NoLogo -NoProfile" }
    $port = Get-FreePort $Address
    $config = Join-Path $directory 'sshd_config'
    @(
        "ListenAddress $Address"
        "Port $port"
        "HostKey $directory/host_key"
        "PidFile $directory/sshd.pid"
        "AuthorizedKeysFile $directory/authorized_keys"
        'StrictModes no'
        'UsePAM no'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'PermitRootLogin prohibit-password'
        # sshd runs the subsystem through the user's shell, and bash reads the user's .bashrc for an sshd
        # session unless it is a nested shell: so the session starts without the user's shell start-up.
        'SetEnv SHLVL=1'
        "Subsystem powershell $subsystem"
    ) | Set-Content -LiteralPath $config

    if (-not (Test-Path /run/sshd) -and [Environment]::UserName -eq 'root') {
        $null = New-Item -ItemType Directory -Path /run/sshd -Force
    }

    # timeout(1) ends a forgotten server after an hour.
    $server = Start-Process -FilePath /usr/bin/timeout -ArgumentList '3600', '/usr/sbin/sshd', '-D', '-f', $config, '-E', "$directory/sshd.log" -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try {
            $client.Connect($Address, $port)
            break
        }
        catch {
            if ($server.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                $log = Get-Content -Raw -LiteralPath "$directory/sshd.log" -ErrorAction Ignore
                throw "sshd on ${Address}:$port did not start: $log"
            }
            Start-Sleep -Milliseconds 100
        }
        finally {
            $client.Dispose()
        }
    }

    [pscustomobject] @{
        Address     = $Address
        Port        = $port
        UserName    = [Environment]::UserName
        KeyFilePath = "$directory/user_key"
        Process     = $server
        Directory   = $directory
    }
}

function New-TestSshSession {
    param([Parameter(Mandatory)] $SshHost)
    New-PSSession -HostName $SshHost.Address -Port $SshHost.Port -UserName $SshHost.UserName -KeyFilePath $SshHost.KeyFilePath `
        -Options @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' } -ErrorAction Stop
}

function Get-DescendantProcessId {
    # Every process below $Id, read from /proc (the server's sessions and what they started).
    param([int] $Id)
    # .NET calls rather than Get-ChildItem and Get-Content: on a loaded machine those took over 10 s per scan, longer
    # than the tests that watch a host's processes have.
    $children = @{}
    foreach ($directory in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($directory)
        if ($name -notmatch '^\d+$') { continue }
        $text = try { [System.IO.File]::ReadAllText("$directory/stat") } catch { $null }
        if ($text -and $text -match '^\d+ \(.*\) \S (\d+)') {
            $parent = [int] $Matches[1]
            if (-not $children.ContainsKey($parent)) { $children[$parent] = [System.Collections.Generic.List[int]]::new() }
            $children[$parent].Add([int] $name)
        }
    }
    $queue = [System.Collections.Generic.Queue[int]]::new()
    $queue.Enqueue($Id)
    while ($queue.Count -gt 0) {
        $next = $queue.Dequeue()
        foreach ($child in @($children[$next])) {
            if ($null -ne $child) {
                $child
                $queue.Enqueue($child)
            }
        }
    }
}

function Stop-ProcessTreeAtOnce {
    # Kills $Id and every process below it as one event: all are stopped (SIGSTOP) first, so that none runs on,
    # exits or starts another while the tree is read again, then all are killed. Process.Kill($true) stops and
    # kills one process at a time and reads every process of the machine for each: at a machine load of 60 it
    # took 3 s, and a task below a host being killed finished meanwhile.
    param([Parameter(Mandatory)] [int] $Id)
    $kill = (Get-Command -CommandType Application -Name kill -ErrorAction Stop | Select-Object -First 1).Source
    & $kill -STOP $Id @(Get-DescendantProcessId -Id $Id) 2>$null
    & $kill -KILL $Id @(Get-DescendantProcessId -Id $Id) 2>$null
}

function Stop-TestSshHost {
    # Stops the server and every session it serves; safe to call twice.
    param([Parameter(ValueFromPipeline)] $SshHost)
    process {
        if ($SshHost -and $SshHost.Process -and -not $SshHost.Process.HasExited) {
            $SshHost.Process.Kill($true)
            $null = $SshHost.Process.WaitForExit(10000)
        }
        if ($SshHost -and $SshHost.Directory) {
            Remove-Item -Recurse -Force -LiteralPath $SshHost.Directory -ErrorAction Ignore
        }
    }
}

Export-ModuleMember -Function Test-SshServerAvailable, Start-TestSshHost, New-TestSshSession, Stop-TestSshHost, Get-DescendantProcessId, Stop-ProcessTreeAtOnce
