#Requires -Version 7.4
# Invoke-ProcessPool as a user calls it, against the built module (build it first: ./test.sh or ./build.ps1).

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force

    # Live processes whose command line is exactly $CommandLine, wherever they were re-parented to.
    function Get-Sleeper([string] $CommandLine) {
        Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | ForEach-Object {
            try {
                $cmd = [IO.File]::ReadAllText("$($_.FullName)/cmdline").Replace([char]0, ' ').Trim()
                $state = ([IO.File]::ReadAllText("$($_.FullName)/stat") -split '\) ', 2)[1][0]
                if ($cmd -eq $CommandLine -and $state -ne 'Z') { [int]$_.Name }
            } catch { }
        }
    }

    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not (& $Condition) -and $clock.Elapsed.TotalSeconds -lt $Seconds) { Start-Sleep -Milliseconds 50 }
        & $Condition
    }
}

Describe 'Invoke-ProcessPool input and templating' {
    It 'takes items from the pipeline and fills {} and {#}' {
        $rows = 'a', 'b', 'c' | Invoke-ProcessPool printf -ArgumentList '%s-%s', '{}', '{#}' -KeepOrder -NoProgress
        $rows | Should -HaveCount 3
        $rows[0] | Should -BeOfType ([ConcurrencyTools.Engine.ProcessPool.ProcessTaskResult])
        $rows.StdOut | Should -Be @('a-1', 'b-2', 'c-3')
        $rows.Input | Should -Be @('a', 'b', 'c')
        $rows.Succeeded | Should -Be @($true, $true, $true)
    }

    It 'fills {Name} from a property of the item and {0} with the item' {
        $row = [pscustomobject]@{ Name = 'web 1'; Port = 8080 } | Invoke-ProcessPool printf -ArgumentList '%s|%s', '{Name}', '{Port}' -NoProgress
        $row.StdOut | Should -Be 'web 1|8080'
        $row = 'x' | Invoke-ProcessPool printf -ArgumentList '{0}{{}}' -NoProgress
        $row.StdOut | Should -Be 'x{}'
    }

    It 'appends the item as the last argument when no argument has a placeholder' {
        (1..3 | Invoke-ProcessPool echo -ArgumentList 'n' -KeepOrder -NoProgress).StdOut | Should -Be @('n 1', 'n 2', 'n 3')
    }

    It 'enumerates a collection given to -InputObject' {
        (Invoke-ProcessPool -FilePath echo -InputObject (1..4) -KeepOrder -NoProgress).StdOut | Should -Be @('1', '2', '3', '4')
    }

    It 'runs nothing without input' {
        Invoke-ProcessPool -FilePath echo -NoProgress | Should -BeNullOrEmpty
    }

    It 'takes the argument list from a script block' {
        $rows = 1..3 | Invoke-ProcessPool printf -ScriptBlock { '%s:%s', "n$_", ($_ * 10) } -KeepOrder -NoProgress
        $rows.StdOut | Should -Be @('n1:10', 'n2:20', 'n3:30')
    }

    It 'passes a file as its full path, from the current location' {
        Push-Location TestDrive:/
        try {
            Set-Content -Path 'one.txt' -Value 'hello'
            $row = Get-ChildItem one.txt | Invoke-ProcessPool cat -NoProgress
            $row.StdOut | Should -Be 'hello'
            $row.Input | Should -Be (Join-Path (Get-PSDrive TestDrive).Root 'one.txt')
            (1 | Invoke-ProcessPool pwd -ArgumentList @() -NoProgress).StdOut | Should -Be (Get-PSDrive TestDrive).Root
        }
        finally {
            Pop-Location
        }
    }

    It 'passes hostile items as one plain argument each' {
        $items = '; touch /tmp/pool-hostile', '$(touch /tmp/pool-hostile)', '`touch /tmp/pool-hostile`', "it's `"q`"", '| cat /etc/passwd', '&& echo'
        $rows = $items | Invoke-ProcessPool printf -ArgumentList '%s' -KeepOrder -NoProgress
        $rows.StdOut | Should -Be $items
        '/tmp/pool-hostile' | Should -Not -Exist
    }

    It 'feeds -StandardInput with placeholders and adds -Environment variables' {
        $row = 'abc' | Invoke-ProcessPool sh -ArgumentList '-c', 'tr a-z A-Z; printf "|%s" "$POOL_VAR"' -StandardInput 'item {}' -Environment @{ POOL_VAR = 'set' } -NoProgress
        $row.StdOut | Should -Be 'ITEM ABC|set'
        $row.StdInBytes | Should -Be 8
    }

    It 'gives an item without the property a placeholder names a row with the error, runs nothing for it, and goes on' {
        $rows = [pscustomobject]@{ Name = 'a' }, [pscustomobject]@{ Other = 'b' }, [pscustomobject]@{ Name = 'c' } |
            Invoke-ProcessPool echo -ArgumentList '{Name}' -ErrorVariable problems -ErrorAction SilentlyContinue -KeepOrder -NoProgress
        $rows.Seq | Should -Be @(1, 2, 3)
        $rows.StdOut | Should -Be @('a', '', 'c')
        $rows[1].Succeeded | Should -BeFalse
        $rows[1].ProcessId | Should -BeNullOrEmpty
        $rows[1].Error | Should -Match "no property 'Name'"
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'TemplatePropertyNotFound,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
        $problems[0].TargetObject.Seq | Should -Be 2
    }

    It 'gives an item whose -ScriptBlock throws a row with the error' {
        $rows = 1, 2, 3 | Invoke-ProcessPool echo -ScriptBlock { if ($_ -eq 2) { throw 'no arguments for two' } $_ } -ErrorVariable problems -ErrorAction SilentlyContinue -KeepOrder -NoProgress
        $rows.Seq | Should -Be @(1, 2, 3)
        $rows[1].Error | Should -Match 'no arguments for two'
        $rows[1].Succeeded | Should -BeFalse
        $problems.FullyQualifiedErrorId | Should -Be 'ArgumentScriptBlockFailed,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
    }
}

Describe 'Invoke-ProcessPool ordering, failures and limits' {
    It 'keeps input order with -KeepOrder, and otherwise emits as tasks finish' {
        $ordered = 0.9, 0.6, 0.3, 0 | Invoke-ProcessPool sleep -ThrottleLimit 4 -KeepOrder -NoProgress
        $ordered.Seq | Should -Be @(1, 2, 3, 4)
        $finished = 0.9, 0.6, 0.3, 0 | Invoke-ProcessPool sleep -ThrottleLimit 4 -NoProgress
        $finished[0].Seq | Should -Be 4
        $finished[-1].Seq | Should -Be 1
    }

    It 'makes a non-zero exit a failed row and an error record' {
        $rows = 0, 3 | Invoke-ProcessPool sh -ArgumentList '-c', 'exit {}' -KeepOrder -ErrorVariable problems -ErrorAction SilentlyContinue -NoProgress
        $rows.ExitCode | Should -Be @(0, 3)
        $rows.Succeeded | Should -Be @($true, $false)
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ProcessTaskFailed,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
        $problems[0].TargetObject.Seq | Should -Be 2
    }

    It 'makes a missing executable a row with its error, and goes on' {
        $rows = 1, 2 | Invoke-ProcessPool ./no-such-tool -ErrorVariable problems -ErrorAction SilentlyContinue -NoProgress
        $rows | Should -HaveCount 2
        $rows.Succeeded | Should -Be @($false, $false)
        $rows[0].Error | Should -Match 'does not exist'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ProcessStartFailed,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
    }

    It 'stops at the first failure with -ErrorAction Stop' {
        $rows = [System.Collections.Generic.List[object]]::new()
        { 0, 0, 5, 0, 0, 0 | Invoke-ProcessPool sh -ArgumentList '-c', 'exit {}' -ThrottleLimit 1 -ErrorAction Stop -NoProgress | ForEach-Object { $rows.Add($_) } } |
            Should -Throw -ErrorId 'ProcessTaskFailed,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
        $rows.Seq | Should -Be @(1, 2, 3)
    }

    It 'kills a task that runs out of time and retries it' {
        $row = 1 | Invoke-ProcessPool sleep -ArgumentList 30 -TimeoutSeconds 0.5 -RetryCount 1 -ErrorAction SilentlyContinue -NoProgress
        $row.TimedOut | Should -BeTrue
        $row.Attempt | Should -Be 2
        $row.Signal | Should -Be 9
    }

    It 'halts after -HaltAfter failures and reports the rest as skipped' {
        $rows = 1..8 | Invoke-ProcessPool false -HaltAfter 2 -ThrottleLimit 1 -KeepOrder -ErrorAction SilentlyContinue -NoProgress
        $rows | Should -HaveCount 8
        ($rows | Where-Object Skipped).Seq | Should -Be @(3, 4, 5, 6, 7, 8)
    }

    It 'marks truncated output' {
        $row = 5000 | Invoke-ProcessPool head -ArgumentList '-c', '{}', '/dev/zero' -MaxOutputBytes 100 -NoProgress
        $row.Truncated | Should -BeTrue
        $row.StdOutBytes | Should -Be 5000
        $row.StdOut.Length | Should -Be 100
    }

    It 'shows lines as they arrive with -Stream, on the information stream' {
        $all = 1, 2 | Invoke-ProcessPool sh -ArgumentList '-c', 'echo out{}; echo err{} >&2' -Stream -KeepOrder -NoProgress 6>&1
        $info = $all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }
        $rows = $all | Where-Object { $_ -is [ConcurrencyTools.Engine.ProcessPool.ProcessTaskResult] }
        $rows | Should -HaveCount 2
        $info | Should -HaveCount 4
        ($info | Where-Object { $_.Tags -contains 'StdErr' }).MessageData.Message | Sort-Object | Should -Be @('[1] err1', '[2] err2')
    }

    It 'rejects bad parameters with stable error ids' {
        { 1 | Invoke-ProcessPool echo -ThrottleLimit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
        foreach ($bad in 0, -5) {
            { 1 | Invoke-ProcessPool echo -TimeoutSeconds $bad } | Should -Throw -ErrorId 'ParameterArgumentValidationError,ConcurrencyTools.Commands.InvokeProcessPoolCommand' -ExpectedMessage "*parameter 'TimeoutSeconds'*$bad*"
        }
        { 1 | Invoke-ProcessPool echo -HaltAfter 'often' } | Should -Throw -ErrorId 'InvalidHaltAfter,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
        { 1 | Invoke-ProcessPool echo -WorkingDirectory /no/such/dir } | Should -Throw -ErrorId 'WorkingDirectoryNotFound,ConcurrencyTools.Commands.InvokeProcessPoolCommand'
    }
}

Describe 'Invoke-ProcessPool results as a joblog' {
    It 'round-trips through Export-Csv with every column' {
        $path = Join-Path TestDrive: 'joblog.csv'
        1..3 | Invoke-ProcessPool sh -ArgumentList '-c', 'echo {}; exit $(({} % 2))' -KeepOrder -ErrorAction SilentlyContinue -NoProgress | Export-Csv $path
        $csv = Import-Csv $path
        $csv | Should -HaveCount 3
        $columns = $csv[0].PSObject.Properties.Name
        foreach ($name in 'Seq', 'ComputerName', 'MachineName', 'StartTime', 'DurationMs', 'StdInBytes', 'StdOutBytes', 'ExitCode', 'Signal', 'CommandLine', 'Slot', 'Attempt',
            'ProcessId', 'EndTime', 'QueueWaitMs', 'CpuTimeMs', 'PeakWorkingSetBytes', 'TimedOut', 'Skipped', 'Succeeded', 'StdOut', 'StdErr', 'Truncated', 'Error') {
            $columns | Should -Contain $name
        }
        $csv.ExitCode | Should -Be @('1', '0', '1')
        $csv.CommandLine[1] | Should -Be "sh -c 'echo 2; exit `$((2 % 2))'"
        [double]$csv[0].CpuTimeMs | Should -BeGreaterOrEqual 0
        $csv[0].Signal | Should -Be ''
        # The same machine column as every other cmdlet's rows, so runs and joblogs group by machine alike.
        $csv.MachineName | Sort-Object -Unique | Should -Be (Measure-ThreadedWorkload -Model Sequential -Tasks 1 -Repeat 1 -Warmup 0 -NoOverhead -NoProgress).MachineName
    }
}

Describe 'Invoke-ProcessPool stopping' {
    It 'leaves no child or grandchild after Select-Object -First' {
        # Task 1 ends at once; the others start a sleeping grandchild, one of them re-parented, and wait.
        $rows = 1..8 | Invoke-ProcessPool sh -ArgumentList '-c', 'if [ {} = 1 ]; then exit 0; fi; sh -c "sleep 307 &"; sleep 307 & wait' -ThrottleLimit 3 -NoProgress |
            Select-Object -First 1
        $rows.Seq | Should -Be 1
        Wait-Until { -not (Get-Sleeper 'sleep 307') } -Seconds 10 | Should -BeTrue
    }

    It 'leaves no child or grandchild when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModuleDir/ConcurrencyTools.psd1'; 1..6 | Invoke-ProcessPool sh -ArgumentList '-c', 'sh -c ""sleep 308 &""; sleep 308 & wait' -ThrottleLimit 3 -NoProgress")
            $handle = $ps.BeginInvoke()
            Wait-Until { @(Get-Sleeper 'sleep 308').Count -ge 6 } | Should -BeTrue
            $ps.Stop()
            $handle.IsCompleted | Should -BeTrue
            @(Get-Sleeper 'sleep 308').Count | Should -Be 0
        }
        finally {
            $ps.Dispose()
        }
    }
}
