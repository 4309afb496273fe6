#!/usr/bin/env bash
# Deletes the coverage relay files of one Stryker.NET run that no live process maps any more (tests/README.md,
# "Mutation testing"). During the per-test coverage capture, Stryker 5.1.0's Microsoft Testing Platform runner
# asks every relay file of the run (<temp>/stryker-epoch-<stryker pid>-*) to acknowledge each test, and waits
# 10 s for all of them. Each process that loads the mutated engine makes one and keeps it mapped while it
# lives: the test host, and any child that loads the engine. When a test host is discarded (a test ran past
# its capture timeout) or such a child ends, its relay stays on disk and never answers, and every later test
# is marked "Dubious" after 10 s and then runs against every mutant. Run beside Stryker:
#   tests/stryker-relay-reaper.sh <stryker pid> &
set -uo pipefail
pid=${1:?usage: tests/stryker-relay-reaper.sh <pid of dotnet-stryker>}
temp=${TMPDIR:-/tmp}
while kill -0 "$pid" 2>/dev/null; do
  mapped=$(cat /proc/[0-9]*/maps 2>/dev/null | grep -o "stryker-epoch-$pid-[^ ]*" | sort -u)
  for relay in "$temp"/stryker-epoch-"$pid"-*-*-*-*.txt; do
    [ -e "$relay" ] || continue
    name=$(basename "$relay")
    # A relay's name ends with a 32-digit id of the copy that made it; the runner's own file has none.
    [[ $name =~ -[0-9a-f]{32}\.txt$ ]] || continue
    grep -qxF "$name" <<<"$mapped" && continue
    # Give a new relay time to be mapped by the process that just made it.
    [ $(( $(date +%s) - $(stat -c %Z "$relay") )) -ge 5 ] || continue
    rm -f "$relay" && echo "$(date -u +%H:%M:%S) deleted $name (no live process maps it)"
  done
  sleep 1
done
