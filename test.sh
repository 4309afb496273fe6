#!/usr/bin/env bash
# Runs every test suite of ConcurrencyTools and ends with one summary line.
#   1. builds the module into out/ConcurrencyTools, with the native worker where clang or gcc links it
#      (the build fails if its file list is wrong);
#   2. the xunit suite of the engine (always);
#   3. the Pester suite of the cmdlets, in a fresh pwsh, when pwsh and Pester 5 are installed.
# Under CI=true a missing pwsh, Pester or PlatyPS is a failure: CI must prove the cmdlets work.
# The last line is always the summary: "summary: N passed, N failed, N skipped", after a list of the
# failed tests, each with the first line of its error.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0 failed=0 skipped=0 status=0
in_ci=false
[[ "${CI:-}" == "true" || "${CI:-}" == "1" ]] && in_ci=true

echo "== Build: out/ConcurrencyTools"
rm -rf out/ConcurrencyTools
if ! dotnet publish src/ConcurrencyTools/ConcurrencyTools.csproj -c Release -o out/ConcurrencyTools --nologo; then
    echo "build: FAILED"
    echo "summary: 0 passed, 1 failed"
    exit 1
fi

# The help file, as build.ps1 makes it, so the Pester suite can check it.
if command -v pwsh >/dev/null 2>&1 &&
    pwsh -NoLogo -NoProfile -NonInteractive -Command 'if (Get-Module -ListAvailable platyPS) { exit 0 } else { exit 1 }' >/dev/null 2>&1; then
    if pwsh -NoLogo -NoProfile -NonInteractive -Command 'Import-Module platyPS; $null = New-ExternalHelp -Path docs/en-US -OutputPath out/ConcurrencyTools/en-US -Force -ErrorAction Stop'; then
        echo "Help: built out/ConcurrencyTools/en-US with PlatyPS"
    else
        echo "build: FAILED to build the help file"
        status=1
    fi
elif $in_ci; then
    echo "build: FAILED: CI=true and pwsh with PlatyPS is not installed, so the help file cannot be built"
    failed=$((failed + 1))
    status=1
else
    echo "Help: pwsh with PlatyPS is not installed; the module is built without its help file"
fi

rm -rf out/TestResults
failures=$(mktemp)
trap 'rm -f "$failures"' EXIT
# Each failed test of a trx file, with the first line of its message, for the list before the summary.
trx_failures() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if result.get("outcome") not in ("Passed", "NotExecuted"):
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
        print(f"xunit: {result.get('testName')}: {message.splitlines()[0] if message else result.get('outcome')}")
PY
    else
        grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"[^>]*' "$1" |
            grep -o 'testName="[^"]*"' | sed 's/^testName="/xunit: /; s/"$//'
    fi
}
counter() { grep -o "<Counters [^>]*" "$trx" | grep -oE " $1=\"[0-9]+\"" | grep -oE "[0-9]+"; }
# The engine's suite, then the suite that hosts PowerShell in-process (net10.0, like pwsh 7.6).
for suite in ConcurrencyTools.Engine.Tests ConcurrencyTools.Runspaces.Tests; do
    echo "== xunit: tests/$suite"
    trx=out/TestResults/$suite.trx
    # A test that hangs is a failure: after 10 minutes the run is stopped and the hanging test named.
    dotnet test "tests/$suite/$suite.csproj" -c Release --nologo \
        --blame-hang-timeout 10m --blame-hang-dump-type none \
        --logger "console;verbosity=minimal" --logger "trx;LogFileName=$suite.trx" --results-directory out/TestResults
    xunit_status=$?
    if [[ -f "$trx" ]]; then
        passed=$((passed + $(counter passed)))
        failed=$((failed + $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted)))
        skipped=$((skipped + $(counter notExecuted)))
        echo "xunit: $(counter passed) passed, $(counter failed) failed, $(counter notExecuted) skipped"
        trx_failures "$trx" >>"$failures"
    elif [[ $xunit_status -ne 0 ]]; then
        failed=$((failed + 1))
        echo "xunit: tests/$suite failed before it wrote its results (exit code $xunit_status)" >>"$failures"
    fi
    [[ $xunit_status -ne 0 ]] && status=1
done

echo "== Pester: tests/Pester"
if command -v pwsh >/dev/null 2>&1 &&
    pwsh -NoLogo -NoProfile -NonInteractive -Command 'if (Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 }) { exit 0 } else { exit 1 }' >/dev/null 2>&1; then
    pester_counts=$(mktemp)
    pwsh -NoLogo -NoProfile -NonInteractive -File tests/Pester/Invoke-PesterSuite.ps1 -CountsPath "$pester_counts" \
        -FailuresPath "$failures.pester"
    pester_status=$?
    if [[ -s "$pester_counts" ]]; then
        read -r p f s <"$pester_counts"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    elif [[ $pester_status -ne 0 ]]; then
        failed=$((failed + 1))
    fi
    [[ -s "$failures.pester" ]] && cat "$failures.pester" >>"$failures"
    rm -f "$pester_counts" "$failures.pester"
    [[ $pester_status -ne 0 ]] && status=1
elif $in_ci; then
    echo "Pester suite FAILED: CI=true and pwsh with Pester 5 is not installed, so the cmdlets were not tested."
    failed=$((failed + 1))
    status=1
else
    echo "Pester suite SKIPPED: pwsh with Pester 5 is not installed on this machine; only the xunit suite ran."
fi

# The failures again, just above the summary, so the end of a long log names them.
if [[ -s "$failures" ]]; then
    echo "failures:"
    sed 's/^/  /' "$failures"
fi
echo "summary: $passed passed, $failed failed, $skipped skipped"
exit $status
