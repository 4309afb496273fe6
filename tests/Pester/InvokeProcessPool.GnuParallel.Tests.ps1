#Requires -Version 7.4
# Invoke-ProcessPool with the habits GNU parallel users bring: its replacement strings, --dry-run as -WhatIf,
# and --retries beside -RetryCount. Against the built module (build it first: ./test.sh or ./build.ps1).

BeforeAll {
    $script:ModuleDir = Join-Path $PSScriptRoot '../../out/ConcurrencyTools' | Resolve-Path | Select-Object -ExpandProperty Path
    Import-Module (Join-Path $ModuleDir 'ConcurrencyTools.psd1') -Force
}

Describe 'GNU parallel replacement strings' {
    It 'fills {/} {.} {//} {/.} as GNU parallel does' {
        $rows = 'photos/2026/p.raw.png', 'notes' |
            Invoke-ProcessPool printf -ArgumentList '%s|%s|%s|%s', '{/}', '{.}', '{//}', '{/.}' -KeepOrder -NoProgress
        $rows.StdOut | Should -Be @('p.raw.png|photos/2026/p.raw|photos/2026|p.raw', 'notes|notes|.|notes')
    }

    It 'fills {%} with the slot that ran the task, one of 1..ThrottleLimit' {
        $rows = 1..6 | Invoke-ProcessPool printf -ArgumentList 'slot %s', '{%}' -ThrottleLimit 2 -NoProgress
        foreach ($row in $rows) {
            $row.StdOut | Should -Be "slot $($row.Slot)"
            $row.Slot | Should -BeIn 1, 2
        }
    }

    It 'fills {%} in -StandardInput and keeps escaped and the item''s own braces' {
        $row = 'a{%}b' | Invoke-ProcessPool cat -StandardInput '{} {%} {{%}} {{x}}' -ThrottleLimit 1 -NoProgress
        $row.StdOut | Should -Be 'a{%}b 1 {%} {x}'
    }

    It 'keeps {{ and }} as literal braces' {
        $row = 'x.txt' | Invoke-ProcessPool printf -ArgumentList '%s %s', '{{/}}', '{/.}' -NoProgress
        $row.StdOut | Should -Be '{/} x'
    }
}

Describe 'Invoke-ProcessPool -WhatIf, a dry run' {
    It 'shows each command line it would run, starts nothing and writes no row' {
        $marker = Join-Path $TestDrive 'ran'
        $output = 'one', 'two words' | Invoke-ProcessPool touch -ArgumentList "$marker-{#}", '{}' -WhatIf -NoProgress 6>&1
        $marker + '-1' | Should -Not -Exist
        $marker + '-2' | Should -Not -Exist
        $output | Where-Object { $_ -is [ConcurrencyTools.Engine.ProcessPool.ProcessTaskResult] } | Should -BeNullOrEmpty
    }

    It 'names each command line, quoted as a shell would need it, with {%} where the slot will be' {
        # What if: messages go to the host; a child pwsh shows them on its standard output.
        $script = "Import-Module '$ModuleDir/ConcurrencyTools.psd1'; 'a.txt', 'b c' | Invoke-ProcessPool echo -ArgumentList '{#}', '{.}', '--slot={%}' -WhatIf -NoProgress"
        $text = & (Get-Process -Id $PID).Path -NoLogo -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        ($text -join "`n") | Should -Match "What if: .*echo 1 a '--slot=\{%\}'"
        ($text -join "`n") | Should -Match "What if: .*echo 2 'b c' '--slot=\{%\}'"
    }
}

Describe 'Invoke-ProcessPool -RetryCount beside GNU parallel''s --retries' {
    It 'tries a failing task RetryCount + 1 times' {
        $count = Join-Path $TestDrive 'tries'
        $row = 'x' | Invoke-ProcessPool sh -ArgumentList '-c', "echo . >> '$count'; exit 1" -RetryCount 2 -NoProgress -ErrorAction SilentlyContinue
        $row.Attempt | Should -Be 3
        Get-Content $count | Should -HaveCount 3
    }

    It 'says so in its help, beside --retries' -Skip:(-not (Test-Path (Join-Path $PSScriptRoot '../../out/ConcurrencyTools/en-US/ConcurrencyTools.dll-Help.xml'))) {
        $text = (Get-Help Invoke-ProcessPool -Parameter RetryCount | Out-String -Width 200)
        $text | Should -Match '--retries'
        $text | Should -Match 'three'
    }
}
