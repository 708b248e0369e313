#!/usr/bin/env bash
# rocker's memory per target, measured in the QEMU guests (issue 15 item 3):
# for each arch, qemu/run-<arch>.sh boots with qemu/guest-router.sh in
# `rocker.mode=memory`: the master's PSS fresh, a guard's PSS alone (one
# sandbox), the master's PSS after a load of S sequential starts, N
# concurrent sandboxes and a LIST of N (`rocker ps`), and idle after it,
# each with its /proc/PID/smaps per mapping. Prints a table (budget: master
# <= 64 KiB PSS idle after load, guard <= 32 KiB PSS alone).
#
#   qemu/run-memory.sh [armv7|aarch64|mipsel|mips]...   (default: all four)
#   ROCKER_MEMORY_STARTS=S (default 1000), ROCKER_MEMORY_SANDBOXES=N (100)
#   ROCKER_MEMORY_TABLE_ONLY=1: no run, the table from the last runs' logs
#
# Exit status: non-zero if a guest check failed (not for a budget missed:
# the table says OVER). Logs: .cache/qemu/work/memory-<arch>.log
set -uo pipefail
DIR=$(dirname "$(readlink -f "$0")")
LOGS=$DIR/../.cache/qemu/work
STARTS=${ROCKER_MEMORY_STARTS:-1000}
# 1000 starts take 6-10 min under TCG on a busy 2-core host (aarch64 slowest)
export ROCKER_QEMU_TIMEOUT=${ROCKER_QEMU_TIMEOUT:-3600}
N=${ROCKER_MEMORY_SANDBOXES:-100}
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(armv7 aarch64 mipsel mips)
mkdir -p "$LOGS"
rc=0
rows=()
# val LOG PATTERN: the first "PSS N kB" on the report line matching PATTERN
val() { grep -a -m1 "^report: $2" "$1" | sed -n 's/.*PSS \([0-9]*\) kB.*/\1/p'; }
anon() { grep -a -m1 "^report: $2" "$1" | sed -n 's/.*(anon \([0-9]*\),.*/\1/p'; }
for a in "${ARCHES[@]}"; do
    [ -x "$DIR/run-$a.sh" ] || { echo "run-memory: no qemu/run-$a.sh" >&2; exit 2; }
    log=$LOGS/memory-$a.log
    f=$LOGS/memory-$a.console
    if [ "${ROCKER_MEMORY_TABLE_ONLY:-0}" = 0 ]; then
        echo "[memory] $a: qemu/run-$a.sh in memory mode ($STARTS starts, $N concurrent), log $log"
        ROCKER_QEMU_GUEST=guest-router.sh ROCKER_QEMU_INITRD=small ROCKER_QEMU_USER=0 ROCKER_QEMU_TAG=memory \
            ROCKER_QEMU_SANDBOXES=$N ROCKER_QEMU_APPEND="rocker.mode=memory rocker.starts=$STARTS" \
            "$DIR/run-$a.sh" >"$log" 2>&1 || rc=1
        grep -a -E '^(report: |FAIL|ok - )' "$log" | sed "s/^/[memory] $a: /"
        tr -d '\r' <"$LOGS/$a-memory/console.log.txt" >"$f" 2>/dev/null || :
    fi
    dt=$(sed -n "s/^\[$a\]   total *\([0-9]*\).*/\1/p" "$log" 2>/dev/null | tail -n1)
    fresh=$(val "$f" 'master fresh:') guard=$(val "$f" 'guard alone:') after=$(val "$f" "master after")
    busy=$(val "$f" 'master with [0-9]* sandboxes') idle=$(val "$f" 'master idle after load:')
    among=$(val "$f" 'a guard among') app=$(anon "$f" 'App side') keeper=$(anon "$f" 'keeper')
    ms=$(grep -a -m1 'sequential starts of the seed' "$f" | sed -n 's/.*s, \([0-9]*\) ms each).*/\1/p')
    b1=ok b2=ok
    [ -n "$idle" ] && [ "$idle" -le 64 ] || b1=OVER
    [ -n "$guard" ] && [ "$guard" -le 32 ] || b2=OVER
    rows+=("$(printf '| %-7s | %5s | %5s | %5s | %5s %-4s | %5s %-4s | %5s | %4s | %4s | %4s | %5s s |' \
        "$a" "${fresh:-?}" "${after:-?}" "${busy:-?}" "${idle:-?}" "$b1" "${guard:-?}" "$b2" "${among:-?}" "${keeper:-?}" "${app:-?}" "${ms:-?}" "$dt")")
done
echo
echo "PSS in KiB (smaps_rollup) of the master: fresh, after $STARTS sequential starts, with $N running, idle after"
echo "the load (+ LIST of $N; budget 64); of a guard: alone (budget 32), among $N; anon KiB of the CLI's keeper and"
echo "of the App (busybox sleep) of one sandbox; ms per sequential start (TCG); wall time of the run."
echo "| arch    | fresh | after | busy  | idle after | guard alone | among | keep | App  | ms   | time    |"
echo "|---------|-------|-------|-------|------------|-------------|-------|------|------|------|---------|"
printf '%s\n' "${rows[@]}"
exit $rc
