#!/usr/bin/env bash
# tests/limits/run.sh -- issue 11 (resource limits) end to end, as root,
# against a real rocker-master on this machine's cgroups (v1 here: the hybrid
# host; v2 wherever only cgroup2 is mounted).
#
#   tests/limits/run.sh               uses install_dir/$TARGET (`make release`
#                                     if it is missing)
#   ROCKER_INSTALL=DIR run.sh         binaries from DIR
#   ROCKER_LT_VERBOSE=1 run.sh        also print the master's log
#
# Prints `ok N - name` / `not ok N - name: reason` and `N passed, M failed`;
# exits 1 if anything failed. Not root: SKIP (exit 0; fails if $CI is set).
#
# The package is busybox-static with its applets (mksquashfs). Checks: the
# master's cgroup line; an App inside its cgroup in every hierarchy, with
# --ulimit nofile applied; a fork bomb stopped at --pids while the guard
# reaps and exits 0; a memory hog OOM-killed at --memory (exit 137, the
# master logs it); `rocker ps` with the sandbox's pids and memory; --cpus 0.5
# (0.4-0.6 of a CPU over 2 s, the lower bound only on an idle host); limits
# refused (out of range, and unsupported ones where this host has such);
# and no cgroup left after an exit, an OOM kill, a failed start, a guard
# stopped at a setup step and killed, `kill -9` of a guard, a master
# SIGKILLed and restarted (the adopted sandbox keeps its cgroup until it
# ends; one that died meanwhile loses it), and SIGTERM.
#
# Everything lives in mktemp dirs (/tmp/rocker-lt.*, /var/rocker-lt.*),
# removed on every exit path with every master (stopped by pid), guard (by
# the marker in its environment) and cgroup of ours (by name).
set -u

if [ "$(id -u)" != 0 ]; then
    [ -n "${CI:-}" ] && { echo "FAIL: tests/limits needs root (and CI is set)"; exit 1; }
    echo "SKIP: tests/limits needs root"
    exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${TARGET:-x86_64-unknown-linux-musl}
INSTALL=${ROCKER_INSTALL:-$ROOT/install_dir/$TARGET}
EXEC=/var/rocker_lt/exec
BIN=$EXEC/bin

N=0 PASSED=0 FAILED=0
ok()  { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1: $2"; }
diag() { sed 's/^/# /'; }
# check NAME CMD...: ok if CMD exits 0, else its last output line is the
# reason. CMD runs in this shell (it may start or stop the master).
check() {
    local name=$1
    shift
    if "$@" >"$T/check.out" 2>&1; then ok "$name"; else nok "$name" "$(tail -n 1 "$T/check.out")"; fi
}
expect_eq() { [ "$1" = "$2" ] || { echo "$3: got '$1', want '$2'"; return 1; }; }
ms_now() { echo $(($(date +%s%N) / 1000000)); }
wait_until() { # SECS CMD...
    local end=$(($(ms_now) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(ms_now)" -ge "$end" ] && return 1
        sleep 0.02
    done
}
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
bail() { echo "Bail out! $*"; exit 1; }

T= DD= MPID= PS_OUT=
cleanup() {
    [ "$BASHPID" = "$$" ] || return 0
    set +e
    local p g d n
    [ -n "$MPID" ] && alive "$MPID" && { kill -TERM "$MPID"; for _ in $(seq 50); do alive "$MPID" || break; sleep 0.1; done; kill -KILL "$MPID" 2>/dev/null; }
    wait 2>/dev/null
    if [ -n "$T" ]; then
        # guards a killed master left: our marker is in their environment
        for p in /proc/[0-9]*; do
            case $(cat "$p/comm" 2>/dev/null) in rg-*) ;; *) continue ;; esac
            { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "ROCKER_LT_MARK=$T" && kill -KILL "${p#/proc/}" 2>/dev/null
        done
        sleep 0.2
        for n in $(our_names); do
            for d in $(cg_dirs "$n"); do
                for g in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$g" 2>/dev/null; done
                echo "# cleanup: removing cgroup $d left behind" >&2
                for _ in $(seq 20); do rmdir "$d" 2>/dev/null && break; sleep 0.05; done
            done
        done
        rm -rf -- "$T"
    fi
    [ -n "$DD" ] && rm -rf -- "$DD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

T=$(mktemp -d /tmp/rocker-lt.XXXXXX) || bail mktemp
DD=$(mktemp -d /var/rocker-lt.XXXXXX) || bail "mktemp /var"
chmod 0755 "$T"

if [ ! -x "$INSTALL/bin/rocker-master" ] || [ ! -x "$INSTALL/bin/rocker" ]; then
    echo "# $INSTALL incomplete: make release"
    make -C "$ROOT" TARGET="$TARGET" release >"$T/build.log" 2>&1 || { diag <"$T/build.log"; bail "make release failed"; }
fi
mkdir -p "$T/bin"
cp "$INSTALL/bin/rocker-master" "$INSTALL/bin/rocker" "$T/bin/" || bail "copy binaries"
MASTER=$T/bin/rocker-master
ROCKER=$T/bin/rocker
rocker() { "$ROCKER" "$@"; }

BUSYBOX=$(command -v busybox) || bail "busybox not found"
command -v mksquashfs >/dev/null || bail "mksquashfs not found"
mkdir -p "$T/app/bin"
cp "$BUSYBOX" "$T/app/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$T/app/bin/$a"; done
mksquashfs "$T/app" "$T/app.sqfs" -noappend -all-root -quiet >"$T/mksq.log" 2>&1 || { diag <"$T/mksq.log"; bail mksquashfs; }
PKG=$T/app.sqfs
SOCK=$T/rocker.sock
LOG=$T/master.log
export ROCKER_SOCKET=$SOCK

start_master() {
    local n
    n=$(($(grep -c 'listening on' "$LOG" 2>/dev/null) + 1))
    env ROCKER_LT_MARK="$T" "$MASTER" --socket "$SOCK" --test-hooks "$@" 2>>"$LOG" &
    MPID=$!
    ready() { [ -S "$SOCK" ] && [ "$(grep -c 'listening on' "$LOG")" -ge "$n" ]; }
    wait_until 5 ready || { diag <"$LOG"; bail "master did not start"; }
}

# run DATA LIMITS... -- CMD...: the App as uid/gid 1000 with /var overlaid
run() {
    local d=$1
    shift
    rocker run --pkg "$PKG" --exec-dir "$EXEC" --data-dir "$DD/$d" --overlay /var --uid 1000 --gid 1000 "$@"
}

# The bases from the master's cgroup line ("memory,base=/sys/fs/...").
BASES=() MEMBASE=
read_bases() {
    local line w
    line=$(grep -m1 'rocker-master: cgroup' "$LOG")
    BASES=()
    for w in $line; do
        case $w in
        *memory*base=*) w=${w#*base=}; MEMBASE=${w%;}; BASES+=("$MEMBASE") ;;
        *base=*) w=${w#*base=}; BASES+=("${w%;}") ;;
        esac
    done
}
# the cgroup directories of sandbox NAME that exist now
cg_dirs() { local b; for b in "${BASES[@]}"; do [ -d "$b/$1" ] && echo "$b/$1"; done; return 0; }
# every sandbox name our master(s) started
our_names() { grep -o 'start guard=[0-9]* name=rg-[0-9a-f]*' "$LOG" 2>/dev/null | sed 's/.*name=//' | sort -u; }
no_cgroup() { [ -z "$(cg_dirs "$1")" ]; }
# no cgroup of any sandbox we started is left (the reason if there is)
none_left() {
    local n left=
    for n in $(our_names); do left="$left $(cg_dirs "$n")"; done
    left=$(echo $left)
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
gone_soon() { wait_until 3 none_left || { none_left; return 1; }; }
name_of() { grep "start guard=$1 " "$LOG" | tail -n 1 | sed 's/.*name=\(rg-[0-9a-f]*\).*/\1/'; }
last_name() { our_names_in_order | tail -n 1; }
our_names_in_order() { grep -o 'start guard=[0-9]* name=rg-[0-9a-f]*' "$LOG" | sed 's/.*name=//'; }

# ---------------------------------------------------------------------------
start_master
read_bases
MODE=$(grep -m1 -o 'cgroup [a-z0-9]*' "$LOG" | cut -d' ' -f2)
echo "# $(grep -m1 'rocker-master: cgroup' "$LOG")"
case $MODE in
v1 | v2) ok "the master detects cgroup $MODE and logs its bases (${#BASES[@]})" ;;
*) nok "the master detects cgroups" "$(grep -m1 'rocker-master: cgroup' "$LOG")"; bail "no cgroups here" ;;
esac
[ ${#BASES[@]} -ge 1 ] || bail "no base in the cgroup line"
for b in "${BASES[@]}"; do
    case $b in /sys/fs/cgroup | /sys/fs/cgroup/*/ | /sys/fs/cgroup/unified) nok "base $b is not a hierarchy root" "it is" ;; esac
done

# 1. an App in its cgroup, rlimits applied --------------------------------------
t_inside() {
    local out n
    out=$(run a --memory 16M --pids 20 --cpus 0.5 --cpu-weight 200 --ulimit nofile=64:128 --ulimit core=0 -- \
        $BIN/sh -c 'cat /proc/self/cgroup; echo "nofile $(ulimit -n) $(ulimit -Hn)"; echo "core $(ulimit -c)"' 2>&1) ||
        { echo "run failed: $out"; return 1; }
    n=$(last_name)
    echo "$out" | grep -q "nofile 64 128" || { echo "ulimit: $out"; return 1; }
    echo "$out" | grep -q "core 0" || { echo "core: $out"; return 1; }
    if [ "$MODE" = v1 ]; then
        for c in memory pids cpu; do
            echo "$out" | grep -Eq "^[0-9]+:([a-z,]*,)?$c(,[a-z,]*)?:.*/$n\$" || { echo "not in $c/$n: $out"; return 1; }
        done
    else
        echo "$out" | grep -q "^0::.*/$n\$" || { echo "not in $n: $out"; return 1; }
    fi
}
check "the App runs inside its cgroup in every hierarchy, with --ulimit nofile=64:128 and core=0" t_inside
check "no cgroup left after the App exits" gone_soon

# 1b. controllers on demand: no limit, no memory/cpu cgroup -------------------------
# mem_of NAME: the MEM column of `rocker ps` for sandbox NAME
mem_of() { rocker ps | awk -v n="$1" '$2 == n { print $7 }'; }
t_plain() { # WANT_MEMORY(yes|no)
    local out g n app c d want
    out=$(run p --detach -- $BIN/sleep 60) || { echo "run: $out"; return 1; }
    set -- $out "$1"
    g=$1 n=$2 app=$3
    if [ "$MODE" = v1 ]; then
        for c in pids memory cpu; do
            d=no
            grep -Eq "^[0-9]+:([a-z,]*,)?$c(,[a-z,]*)?:.*/$n\$" "/proc/$app/cgroup" && d=yes
            case $c:$4 in pids:* | memory:yes) want=yes ;; *) want=no ;; esac
            expect_eq "$d" "$want" "in $c/$n" || { kill -KILL "$g"; return 1; }
        done
    else
        grep -q "^0::.*/$n\$" "/proc/$app/cgroup" || { echo "not in $n: $(cat /proc/$app/cgroup)"; kill -KILL "$g"; return 1; }
    fi
    d=$(mem_of "$n")
    kill -KILL "$g"
    # v2: the earlier --memory turned memory on for every sandbox of the base.
    case $MODE:$4:$d in v1:no:- | v1:yes:[0-9]* | v2:*:[0-9]*) ;; *) echo "rocker ps MEM '$d'"; return 1 ;; esac
}
check "a sandbox without limits: pids only (no memory/cpu cgroup on v1), ps MEM '-' (v1)" t_plain no
check "no cgroup left after it" gone_soon

# 2. a fork bomb stops at pids.max ----------------------------------------------
t_forkbomb() {
    local out rc n g pc
    # (to a file: the sleeps keep a pipe open)
    run b --memory 32M --pids 20 -- $BIN/sh -c 'while :; do sleep 2 & done' >"$T/bomb.out" 2>&1
    rc=$?
    out=$(cat "$T/bomb.out")
    expect_eq "$rc" 2 "the bomb's shell exits 2 (can't fork)" || return 1
    echo "$out" | grep -q "can't fork" || { echo "no EAGAIN: $out"; return 1; }
    n=$(last_name)
    g=$(grep "name=$n " "$LOG" | grep -o 'start guard=[0-9]*' | cut -d= -f2)
    # the sleeps still run in the sandbox, at most pids.max with the guard
    for d in $(cg_dirs "$n"); do
        [ -e "$d/pids.current" ] && pc=$(cat "$d/pids.current")
    done
    [ -n "${pc:-}" ] && [ "$pc" -le 20 ] && [ "$pc" -ge 15 ] || { echo "pids.current '${pc:-?}' (want 15..20)"; return 1; }
    PS_OUT=$(rocker ps)
    echo "$PS_OUT" | awk -v n="$n" '$2 == n { exit !($6 >= 15 && $6 <= 20 && $7 != "-") }' ||
        { echo "rocker ps: $PS_OUT"; return 1; }
    # the guard reaps them and exits 0 afterwards
    wait_until 10 grep -q "exit guard=$g name=$n status=0" "$LOG" || { echo "guard $g: $(grep "guard=$g" "$LOG" | tail -n 1)"; return 1; }
}
check "a fork bomb stops at --pids 20 (EAGAIN), ps shows its pids and memory, the guard reaps and exits 0" t_forkbomb
echo "$PS_OUT" | diag
check "no cgroup left after the fork bomb" gone_soon

# 3. a memory hog is OOM-killed ---------------------------------------------------
t_oom() {
    local rc n
    run c --memory 16M --pids 20 -- $BIN/dd if=/dev/zero of=/dev/null bs=64M count=1 >"$T/oom.out" 2>&1
    rc=$?
    expect_eq "$rc" 137 "exit status of the hog (128+SIGKILL)" || return 1
    n=$(last_name)
    wait_until 3 grep -q "oom guard=[0-9]* name=$n: out of memory" "$LOG" || { echo "no oom line for $n"; return 1; }
}
check "a memory hog is OOM-killed at --memory 16M: exit 137, the master logs it" t_oom
grep 'oom guard=' "$LOG" | tail -n 1 | diag
check "no cgroup left after the OOM kill" gone_soon

# 4. --cpus 0.5 --------------------------------------------------------------------
t_cpus() {
    local out g app u0 u1 ratio load
    out=$(run d --cpus 0.5 --detach -- $BIN/sh -c 'while :; do :; done') || { echo "run: $out"; return 1; }
    set -- $out
    g=$1 app=$3
    sleep 0.3
    u0=$(awk '{print $14 + $15}' "/proc/$app/stat")
    sleep 2
    u1=$(awk '{print $14 + $15}' "/proc/$app/stat")
    kill -KILL "$g"
    ratio=$(( (u1 - u0) * 1000 / 200 ))    # per mille of a CPU (USER_HZ 100)
    echo "busy loop with --cpus 0.5: $ratio/1000 CPU over 2 s" >"$T/cpu.txt"
    [ "$ratio" -le 600 ] || { echo "$ratio/1000 CPU: above the quota"; return 1; }
    load=$(cut -d. -f1 /proc/loadavg)
    [ "$ratio" -ge 400 ] || [ "$load" -ge "$(nproc)" ] || { echo "$ratio/1000 CPU with load $load"; return 1; }
}
check "a busy loop with --cpus 0.5 gets at most 0.6 CPU (at least 0.4 when the host is idle)" t_cpus
diag <"$T/cpu.txt"
check "no cgroup left after kill -9 of the guard" gone_soon

# 5. refusals leave nothing ----------------------------------------------------------
t_refused() { # WANT_REASON WANT_STEP LIMITS...
    local want=$1 st=$2 out rc before
    shift 2
    before=$(our_names | wc -l)
    out=$(run e "$@" -- $BIN/true 2>&1)
    rc=$?
    expect_eq "$rc" 125 "exit status" || return 1
    echo "$out" | grep -q "($want).* at $st" || { echo "message: $out"; return 1; }
    expect_eq "$(our_names | wc -l)" "$before" "sandboxes started" >/dev/null || { echo "a guard was started"; return 1; }
    none_left
}
check "--pids 2 is refused: limit_invalid at cgroup, nothing made" t_refused limit_invalid cgroup --pids 2
check "--memory 4K is refused: limit_invalid at cgroup" t_refused limit_invalid cgroup --memory 4K
check "--memory-swap without --memory is refused: limit_invalid" t_refused limit_invalid cgroup --memory-swap 0
# What this host cannot enforce (if anything): refused as such.
if [ -z "$MEMBASE" ]; then
    check "no memory controller: --memory is refused as limit_unsupported" t_refused limit_unsupported cgroup --memory 16M
elif ! grep -q 'limits:.* swap' "$LOG"; then
    check "no swap accounting: --memory-swap is refused as limit_unsupported" t_refused limit_unsupported cgroup --memory 16M --memory-swap 16M
else
    echo "# this host enforces every limit: limit_unsupported is covered by the unit tests"
fi

# 6. failed starts, a guard killed at a setup step ----------------------------------
t_failed_start() {
    local out
    mkdir -p "$DD/f" "$T/elsewhere"
    ln -s "$T/elsewhere" "$DD/f/var"  # the /var layer dir is a symlink
    out=$(run f --memory 16M -- $BIN/true 2>&1)
    echo "$out" | grep -q 'data_dir_invalid.*mkdir_layer' || { echo "not refused by the guard: $out"; return 1; }
    grep -q "refuse guard=.*step=mkdir_layer" "$LOG" || { echo "no guard refusal logged"; return 1; }
}
check "a start the guard refuses (its layer dir is a symlink)" t_failed_start
check "no cgroup left after the guard's refusal" gone_soon
t_stall() {
    local out g n
    run g --memory 16M --test-stall mount_proc -- $BIN/true >"$T/stall.out" 2>&1 &
    local cli=$!
    stalled() { g=$(pgrep -P "$MPID" | while read -r p; do case $(cat "/proc/$p/comm" 2>/dev/null) in rg-*) echo "$p" ;; esac; done | head -n 1); [ -n "$g" ]; }
    wait_until 5 stalled || { echo "no stalled guard"; kill "$cli"; return 1; }
    sleep 0.3
    n=$(cat "/proc/$g/comm")
    [ -n "$(cg_dirs "$n")" ] || { echo "the stalled guard $g has no cgroup"; return 1; }
    grep -q "/$n\$" "/proc/$g/cgroup" || { echo "the guard is not in its cgroup: $(cat /proc/$g/cgroup)"; return 1; }
    kill -KILL "$g"
    wait "$cli"
    wait_until 3 no_cgroup "$n" || { echo "left: $(cg_dirs "$n")"; return 1; }
}
check "a guard stopped at mount_proc (in its cgroup from its first instruction) and killed: its cgroup goes" t_stall

# 7. master SIGKILL and restart ------------------------------------------------------
t_restart() {
    local a b na nb
    a=$(run h1 --memory 16M --detach -- $BIN/sleep 60) || { echo "run a: $a"; return 1; }
    b=$(run h2 --memory 16M --detach -- $BIN/sleep 60) || { echo "run b: $b"; return 1; }
    set -- $a; na=$2; a=$1
    set -- $b; nb=$2; b=$1
    kill -KILL "$MPID"
    wait "$MPID" 2>/dev/null
    kill -KILL "$b"                   # dies while no master runs
    sleep 0.3
    start_master
    wait_until 3 grep -q "adopt guard=$a name=$na" "$LOG" || { echo "not adopted: $(tail -n 5 "$LOG")"; return 1; }
    [ -n "$(cg_dirs "$na")" ] || { echo "the adopted sandbox lost its cgroup"; return 1; }
    wait_until 3 no_cgroup "$nb" || { echo "the dead one's cgroup stays: $(cg_dirs "$nb")"; return 1; }
    rocker ps | grep -q "$na" || { echo "ps: $(rocker ps)"; return 1; }
    kill -KILL "$a"
    wait_until 3 no_cgroup "$na" || { echo "the adopted one's cgroup stays after its end: $(cg_dirs "$na")"; return 1; }
}
check "master SIGKILL + restart: the adopted sandbox keeps its cgroup until it ends, the one that died loses it" t_restart
check "no cgroup left after the restart" gone_soon

# 8. SIGTERM ends a running sandbox and removes its cgroup ----------------------------
t_term() {
    local a na
    a=$(run i --memory 16M --detach -- $BIN/sleep 60) || { echo "run: $a"; return 1; }
    set -- $a; na=$2
    kill -TERM "$MPID"
    wait "$MPID"
    MPID=
    no_cgroup "$na" || { echo "left: $(cg_dirs "$na")"; return 1; }
    grep -q 'rocker-master: stopped' "$LOG" || { echo "no 'stopped'"; return 1; }
}
check "SIGTERM: the master ends its sandboxes and removes their cgroups" t_term

# 9. --memory-accounting: memory for every sandbox ----------------------------------
start_master --memory-accounting
check "--memory-accounting: a sandbox without limits is in the memory cgroup, ps shows its MEM" t_plain yes
check "no cgroup left after it" gone_soon
kill -TERM "$MPID"
wait "$MPID"
MPID=
check "no cgroup of ours left at the end" none_left

[ -n "${ROCKER_LT_VERBOSE:-}" ] && diag <"$LOG"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
