#!/usr/bin/env bash
# Makes a copy of the committed tree in which Stryker.NET can run the engine's xunit tests (tests/README.md,
# "Mutation testing"). On a machine whose only runtime is .NET 10, Stryker's VSTest runner cannot capture
# coverage and does not activate the mutants (4 Dec 2026: 0 killed of 194); its Microsoft Testing Platform
# runner can, but needs a test project that is an MTP executable. The copy's engine test project therefore
# uses xunit.v3 (same test code) instead of xunit 2, and so does the Runspaces test project (the tests that host
# PowerShell, net10.0); the repository's own projects are left as they are.
set -euo pipefail
dest=${1:?usage: tests/stryker-copy.sh <new directory>}
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
mkdir -p "$dest"
git -C "$root" archive HEAD | tar -x -C "$dest"
project="$dest/tests/ConcurrencyTools.Engine.Tests/ConcurrencyTools.Engine.Tests.csproj"
sed -i \
  -e 's|<PackageReference Include="xunit" Version="2.9.3" />|<PackageReference Include="xunit.v3" Version="3.2.2" />|' \
  -e 's|<IsTestProject>true</IsTestProject>|<IsTestProject>true</IsTestProject>\n    <OutputType>Exe</OutputType>|' \
  -e 's|<NoWarn>$(NoWarn);xUnit1031</NoWarn>|<NoWarn>$(NoWarn);xUnit1031;xUnit1051</NoWarn>|' \
  "$project"
# Fail loudly if the project file changed shape and a replacement no longer applies.
grep -q 'xunit.v3' "$project" && grep -q '<OutputType>Exe</OutputType>' "$project" && grep -q 'xUnit1051' "$project" \
  || { echo "stryker-copy.sh: could not switch $project to xunit.v3" >&2; exit 1; }
runspaces="$dest/tests/ConcurrencyTools.Runspaces.Tests/ConcurrencyTools.Runspaces.Tests.csproj"
sed -i \
  -e 's|<PackageReference Include="xunit" Version="2.9.3" />|<PackageReference Include="xunit.v3" Version="3.2.2" />|' \
  -e 's|<IsTestProject>true</IsTestProject>|<IsTestProject>true</IsTestProject>\n    <OutputType>Exe</OutputType>\n    <NoWarn>$(NoWarn);xUnit1051</NoWarn>|' \
  "$runspaces"
grep -q 'xunit.v3' "$runspaces" && grep -q '<OutputType>Exe</OutputType>' "$runspaces" && grep -q 'xUnit1051' "$runspaces" \
  || { echo "stryker-copy.sh: could not switch $runspaces to xunit.v3" >&2; exit 1; }
echo "$dest"
