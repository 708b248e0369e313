#!/usr/bin/env bash
# tests/integration/run.sh -- rocker end to end, against a real rocker-master
# on this machine (root, loop devices, squashfs, overlayfs, user namespaces).
#
#   tests/integration/run.sh            uses install_dir/$TARGET (runs
#                                       `make release` if it is missing)
#   ROCKER_INSTALL=DIR run.sh           binaries and rocker.h from DIR
#   ROCKER_IT_VERBOSE=1 run.sh          also print the master's log
#
# Prints `ok N - name` / `not ok N - name: reason` per check and a final
# `N passed, M failed`; exits 1 if anything failed.  Not root: prints SKIP and
# exits 0, unless $CI is set (then it fails).  Everything it makes lives in
# mktemp dirs (/tmp/rocker-it.*, /var/rocker-it.*, /var/rocker-itw.*) and is
# removed on every exit path; the master is stopped by its pid.
#
# The package is busybox-static (bin/busybox + applet symlinks) made with
# mksquashfs; the exec dir, data dir and overlays are the seed's example:
# /var/your_APP/execdir, a data dir under /var, /usr /var /etc /home /root,
# uid/gid 1000.  client.c (built here against rocker.h) drives the C API and
# the raw wire protocol; the CLI is driven from here.
#
# Sections: 1 C API with the seed example (isolation, ids, data dir,
# persistence), 2 the same through the CLI, 3 lifecycle (kill -9 guard,
# guard exit after the last App / an orphan), 4 every error code (API, CLI,
# malformed datagrams, a non-root caller), 5 ps / kill NAME, 6 16 concurrent
# sandboxes, 7 --legacy-loop, 8 leaks (loop devices, mounts, master fds and
# children, host files, log) and SIGTERM.
#
# Needs: busybox (static), mksquashfs, musl-gcc or gcc, setpriv; strace is
# optional (it proves which loop ioctls --legacy-loop used).
set -u

if [ "$(id -u)" != 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "FAIL: integration tests need root (and CI is set)"
        exit 1
    fi
    echo "SKIP: integration tests need root"
    exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${TARGET:-x86_64-unknown-linux-musl}
INSTALL=${ROCKER_INSTALL:-$ROOT/install_dir/$TARGET}

EXEC=/var/your_APP/execdir          # the seed's exec dir (under the /var overlay)
OVERLAYS=(/usr /var /etc /home /root)
APP_UID=1000
APP_GID=1000

# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------
N=0 PASSED=0 FAILED=0

ok()  { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1: $2"; }
diag() { sed 's/^/# /'; }

# check NAME CMD [ARGS...]: ok if CMD exits 0; otherwise its last output
# line is the reason.  CMD runs in a subshell: checks do not change state.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$name"
    else
        nok "$name" "$(printf '%s\n' "$out" | tail -n 1)"
    fi
}

# assertions for check functions: print the reason and fail
expect_eq() { # GOT WANT WHAT
    [ "$1" = "$2" ] || { echo "$3: got '$1', want '$2'"; return 1; }
}

# wait_until SECS CMD...: polls CMD every 20 ms; 0 once it succeeds
ms_now() { echo $(($(date +%s%N) / 1000000)); }
wait_until() {
    local end=$(($(ms_now) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(ms_now)" -ge "$end" ] && return 1
        sleep 0.02
    done
}

# wait_jobs SECS PID...: waits for background jobs of this shell, sets
# JOB_RCS; a job still running after SECS is killed (rc 999)
wait_jobs() {
    local secs=$1 p
    shift
    all_done() { local q; for q in "$@"; do ! dead "$q" && return 1; done; return 0; }
    wait_until "$secs" all_done "$@" || for p in "$@"; do dead "$p" || kill -KILL "$p" 2>/dev/null; done
    JOB_RCS=()
    for p in "$@"; do
        if wait "$p" 2>/dev/null; then JOB_RCS+=(0); else JOB_RCS+=($?); fi
    done
}

# client SUBCOMMAND ARGS...: runs the C client; its `ok - ...` /
# `not ok - ...` lines become numbered checks here.
client() { run_client "$CLIENT" "$@"; }
run_client() {
    local line rc_file=$T/client.rc bad=0 sub=${*##*"$CLIENT" }
    sub=${sub%% *}
    : >"$T/client.err"
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*)
            N=$((N + 1)) FAILED=$((FAILED + 1)) bad=1
            echo "not ok $N - ${line#not ok - }"
            ;;
        *) echo "# client: $line" ;;
        esac
    done < <("$@" 2>>"$T/client.err"; echo $? >"$rc_file")
    local rc
    rc=$(cat "$rc_file" 2>/dev/null || echo 99)
    if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
        nok "client $sub exits 0" "exit $rc; stderr: $(tr '\n' ' ' <"$T/client.err")"
    fi
    [ -s "$T/client.err" ] && diag <"$T/client.err"
    return 0
}

# ---------------------------------------------------------------------------
# host facts
# ---------------------------------------------------------------------------

# loop devices (loopN) whose backing file is exactly $1
loops_backing() {
    local f d
    for f in /sys/block/loop*/loop/backing_file; do
        [ -r "$f" ] || continue
        if [ "$(cat "$f" 2>/dev/null)" = "$1" ]; then
            d=${f#/sys/block/}
            echo "${d%%/*}"
        fi
    done
}
# every loop device backed by a file under our temp dir
our_loops() {
    local f
    for f in /sys/block/loop*/loop/backing_file; do
        [ -r "$f" ] || continue
        case "$(cat "$f" 2>/dev/null)" in "$T"/*) echo "${f#/sys/block/}: $(cat "$f")" ;; esac
    done
}
no_loop_backs() { [ -z "$(loops_backing "$1")" ]; }
no_our_loops() { [ -z "$(our_loops)" ]; }

# The host's mounts that rocker could touch, as "MOUNTPOINT FSTYPE SOURCE"
# (no ids): overlays on top-level dirs (where rocker lays them), every
# squashfs mount, anything mounted on an overlaid dir, /proc, /var/your_APP
# or our temp dirs.  Other work on a shared machine mounts unrelated things
# meanwhile (docker's overlays deep under /var): those are not ours.
mount_table() {
    awk -v t="$T" -v d="$DD" -v w="$W" '
        { for (i = 7; $i != "-"; i++) ; fs = $(i + 1); src = $(i + 2); mp = $5
          if ((fs == "overlay" && mp ~ "^/[^/]+$") || fs == "squashfs" ||
              mp ~ "^/(usr|var|etc|home|root|proc)$" || mp ~ "^/var/your_APP(/|$)" ||
              index(mp, t) == 1 || index(mp, d) == 1 || index(mp, w) == 1)
              print mp, fs, src }' /proc/self/mountinfo | sort
}
mounts_same() { # FILE_BEFORE FILE_NOW
    mount_table >"$2"
    diff -q "$1" "$2" >/dev/null ||
        { echo "changed: $(diff "$1" "$2" | grep '^[<>]' | tr '\n' ' ')"; return 1; }
}

# "STATE PPID" of a pid, empty if gone
proc_state_ppid() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    echo "${s%% *} $(echo "$s" | cut -d' ' -f2)"
}
alive() { [ -e "/proc/$1" ]; }
# the guard PID with name NAME is gone (reaped), or the pid belongs to another process now
guard_gone() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" != "$2" ]; }
# a process that is not our child: dead means gone or a zombie of its new parent
dead() { local s; s=$(proc_state_ppid "$1"); [ -z "$s" ] || [ "${s%% *}" = Z ]; }

children_of() { # pids whose parent is $1
    local p s
    for p in /proc/[0-9]*; do
        s=$(proc_state_ppid "${p#/proc/}")
        [ -n "$s" ] && [ "${s#* }" = "$1" ] && echo "${p#/proc/} ${s%% *}"
    done
}
master_fds() { ls "/proc/$MPID/fd" 2>/dev/null | wc -l; }

# upper path of host path $2 in data dir $1: DATA/<top>/upper/<rest>
upper_of() { local rest=${2#/}; echo "$1/${rest%%/*}/upper/${rest#*/}"; }

rocker() { "$ROCKER" "$@"; }
# the seed's example request, as CLI options (data dir $1)
example_opts() {
    local o
    printf '%s\n' --pkg "$PKG" --exec-dir "$EXEC" --data-dir "$1"
    for o in "${OVERLAYS[@]}"; do printf '%s\n' --overlay "$o"; done
    printf '%s\n' --uid "$APP_UID" --gid "$APP_GID"
}

# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------
T=
DD=
W=
MPID=
BG_PIDS=()

cleanup() {
    set +e
    local p i
    for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    if [ -n "$MPID" ] && alive "$MPID"; then
        # SIGTERM: the master kills and reaps its guards, removes the socket
        kill -TERM "$MPID" 2>/dev/null
        for i in $(seq 50); do alive "$MPID" || break; sleep 0.1; done
        if alive "$MPID"; then
            for p in $(children_of "$MPID" | cut -d' ' -f1); do kill -KILL "$p" 2>/dev/null; done
            kill -KILL "$MPID" 2>/dev/null
        fi
        wait "$MPID" 2>/dev/null
    fi
    for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "$T" ] && rm -rf -- "$T"
    [ -n "$DD" ] && rm -rf -- "$DD"
    [ -n "$W" ] && rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

T=$(mktemp -d /tmp/rocker-it.XXXXXX) || { echo "Bail out! mktemp"; exit 1; }
DD=$(mktemp -d /var/rocker-it.XXXXXX) || { echo "Bail out! mktemp /var"; exit 1; }
W=$(mktemp -d /var/rocker-itw.XXXXXX) || { echo "Bail out! mktemp /var"; exit 1; }
chown "$APP_UID:$APP_GID" "$W"
chmod 0755 "$W" "$T"    # uid 1000 runs the client and reads the package too

bail() { echo "Bail out! $*"; exit 1; }

if [ ! -x "$INSTALL/bin/rocker-master" ] || [ ! -x "$INSTALL/bin/rocker" ] || [ ! -r "$INSTALL/include/rocker.h" ]; then
    echo "# $INSTALL incomplete: make release"
    make -C "$ROOT" TARGET="$TARGET" release >"$T/build.log" 2>&1 || { diag <"$T/build.log"; bail "make release failed"; }
fi
# private copies: a concurrent `make release` cannot swap them under us
mkdir -p "$T/bin"
cp "$INSTALL/bin/rocker-master" "$INSTALL/bin/rocker" "$T/bin/" || bail "copy binaries"
MASTER=$T/bin/rocker-master
ROCKER=$T/bin/rocker

CC=${CC:-$(command -v musl-gcc || command -v gcc)}
CLIENT=$T/bin/client
"$CC" -static -O1 -std=c99 -Wall -Wextra -I"$INSTALL/include" -o "$CLIENT" "$HERE/client.c" >"$T/cc.log" 2>&1 ||
    "$CC" -O1 -std=c99 -Wall -Wextra -I"$INSTALL/include" -o "$CLIENT" "$HERE/client.c" >>"$T/cc.log" 2>&1 ||
    { diag <"$T/cc.log"; bail "cannot build client.c"; }

# the package: busybox-static and its applets
BUSYBOX=$(command -v busybox) || bail "busybox not found"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || echo "# warning: $BUSYBOX may not be static"
mkdir -p "$T/app/bin"
cp "$BUSYBOX" "$T/app/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$T/app/bin/$a"; done
mksquashfs "$T/app" "$T/app.sqfs" -comp lz4 -noappend -all-root -quiet >"$T/mksq.log" 2>&1 ||
    mksquashfs "$T/app" "$T/app.sqfs" -noappend -all-root >"$T/mksq.log" 2>&1 ||
    { diag <"$T/mksq.log"; bail "mksquashfs failed"; }
PKG=$T/app.sqfs
# one copy per scenario, so each loop device can be told apart
for n in kill legacy many pskill abandon term; do cp "$PKG" "$T/app-$n.sqfs"; done
printf 'this is not a squashfs image\n' >"$T/notsq.sqfs"

SOCK=$T/rocker.sock
export ROCKER_SOCKET=$SOCK

# host state before
mount_table >"$T/mounts.before"
PASSWD_SUM=$(sha256sum /etc/passwd)
YOURAPP_BEFORE=$([ -e /var/your_APP ] && echo yes || echo no)

"$MASTER" --socket "$SOCK" 2>"$T/master.log" &
MPID=$!
t_ready() { [ -S "$SOCK" ] && grep -q 'listening' "$T/master.log"; }
if wait_until 5 t_ready; then
    ok "rocker-master listens on \$ROCKER_SOCKET (pid $MPID)"
else
    nok "rocker-master listens on \$ROCKER_SOCKET" "no socket after 5 s"
    diag <"$T/master.log"
    bail "no master"
fi
MFD0=$(master_fds)

# ---------------------------------------------------------------------------
# 1. the seed's example configuration, through the C API
# ---------------------------------------------------------------------------
mkdir -p "$DD/capi"
client example "$PKG" "$EXEC" "$DD/capi" "$W"
client persist "$PKG" "$EXEC" "$DD/capi" "$W"

# ---------------------------------------------------------------------------
# 2. the same configuration through the CLI
# ---------------------------------------------------------------------------
mkdir -p "$DD/cli"
CLI_SCRIPT='
echo "comm=$(cat /proc/1/comm)"
echo "ids=$(id -u):$(id -g) groups=$(id -G)"
set -- /proc/[0-9]*
echo "pids=$* self=$$"
if echo hello-cli >'"$W"'/cli-file; then echo write=ok; else echo write=fail; fi
echo "erofs=$(touch '"$EXEC"'/x 2>&1)"
echo "passwd=$( (: >>/etc/passwd) 2>&1)"
echo "usr=$(touch /usr/rocker-it-cli 2>&1)"
sleep 1
'
mapfile -t OPTS < <(example_opts "$DD/cli")
PATH=$EXEC/bin:$PATH "$ROCKER" run "${OPTS[@]}" --app-id 77 -- "$EXEC/bin/sh" -c "$CLI_SCRIPT" \
    </dev/null >"$T/cli.out" 2>"$T/cli.err" &
CLI_PID=$!
BG_PIDS+=("$CLI_PID")
cli_started() { grep -q '^usr=' "$T/cli.out"; }
wait_until 5 cli_started
rocker ps >"$T/cli.ps" 2>&1
wait_jobs 10 "$CLI_PID"
CLI_RC=${JOB_RCS[0]}
CLI_GUARD=$(sed -n 's/^comm=//p' "$T/cli.out")

t_cli_rc() {
    expect_eq "$CLI_RC" 0 "rocker run exit status (stderr: $(tr '\n' ' ' <"$T/cli.err"))"
}
check "cli: rocker run with the seed example config exits with the App's status 0" t_cli_rc
t_cli_pid1() {
    [[ $CLI_GUARD =~ ^rg-[0-9a-f]{12}$ ]] || { echo "/proc/1/comm inside is '$CLI_GUARD'"; return 1; }
    grep -Eq "^[0-9]+ +$CLI_GUARD +77 +.* $PKG\$" "$T/cli.ps" ||
        { echo "rocker ps during the run does not list $CLI_GUARD/app 77/$PKG: $(tr '\n' '|' <"$T/cli.ps")"; return 1; }
}
check "cli: PID 1 inside is the guard (its comm is the name rocker ps lists)" t_cli_pid1
t_cli_pids() {
    local self
    self=$(sed -n 's/^pids=.* self=//p' "$T/cli.out")
    expect_eq "$self" 2 "the App's pid inside" &&
        expect_eq "$(sed -n 's/^pids=\(.*\) self=.*/\1/p' "$T/cli.out")" "/proc/1 /proc/2" "/proc inside"
}
check "cli: only sandbox processes are visible (/proc inside = 1 and 2)" t_cli_pids
t_cli_ids() { expect_eq "$(sed -n 's/^ids=//p' "$T/cli.out")" "1000:1000 groups=1000" "id inside"; }
check "cli: App runs as uid/gid 1000 inside (id)" t_cli_ids
t_cli_write() {
    local up
    up=$(upper_of "$DD/cli" "$W")/cli-file
    grep -q '^write=ok' "$T/cli.out" || { echo "write inside failed: $(grep '^write' "$T/cli.out")"; return 1; }
    expect_eq "$(cat "$up" 2>&1)" hello-cli "content of $up" &&
        expect_eq "$(stat -c %u:%g "$up")" 1000:1000 "owner of $up" &&
        { [ ! -e "$W/cli-file" ] || { echo "$W/cli-file exists on the host"; return 1; }; }
}
check "cli: App's write lands in DATA/var/upper (1000:1000), not on the host path" t_cli_write
t_cli_erofs() { grep -q '^erofs=.*Read-only file system' "$T/cli.out" || { grep '^erofs' "$T/cli.out"; return 1; }; }
check "cli: exec dir is read-only (touch: Read-only file system)" t_cli_erofs
t_cli_eacces() {
    grep -q '^passwd=.*Permission denied' "$T/cli.out" || { grep '^passwd' "$T/cli.out"; return 1; }
    grep -q '^usr=.*Permission denied' "$T/cli.out" || { grep '^usr' "$T/cli.out"; return 1; }
    [ ! -e /usr/rocker-it-cli ] || { echo "/usr/rocker-it-cli created on the host"; return 1; }
}
check "cli: non-root App cannot write /etc/passwd or create in /usr (Permission denied)" t_cli_eacces
no_process_named() { ! pgrep -x "$1" >/dev/null; }
t_cli_gone() { wait_until 1 no_process_named "$CLI_GUARD" || { echo "guard $CLI_GUARD still there: $(pgrep -ax "$CLI_GUARD")"; return 1; }; }
check "cli: the guard is gone within 1 s after rocker run returned" t_cli_gone
t_cli_back_to_back() {
    local i rc fails=0 why=
    for i in 1 2 3 4 5; do
        "$ROCKER" run "${OPTS[@]}" -- "$EXEC/bin/true" </dev/null >/dev/null 2>"$T/b2b.err"
        rc=$?
        [ "$rc" = 0 ] || { fails=$((fails + 1)); why="run $i exit $rc: $(cat "$T/b2b.err")"; }
    done
    [ "$fails" = 0 ] || { echo "$fails of 5 failed, e.g. $why"; return 1; }
}
check "cli: 5 back-to-back rocker run on the same data dir all succeed (each starts after the previous returned)" t_cli_back_to_back

# ---------------------------------------------------------------------------
# 3. lifecycle
# ---------------------------------------------------------------------------
mkdir -p "$DD/kill" "$DD/orphan"
client kill "$T/app-kill.sqfs" "$EXEC" "$DD/kill"
client orphan "$PKG" "$EXEC" "$DD/orphan"

# ---------------------------------------------------------------------------
# 4. every error path has its code
# ---------------------------------------------------------------------------
client errors "$PKG" "$EXEC" "$DD/capi" "$T/notsq.sqfs"

# cli_err NAME ERRNAME [ENV=VAL] -- ROCKER ARGS: exit 125 and the code's name on stderr
cli_err() {
    local name=$1 want=$2 err rc
    shift 2
    err=$(env "$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    if [ "$rc" = 125 ] && grep -q "$want" <<<"$err"; then
        ok "$name"
    else
        nok "$name" "exit $rc, stderr: $(tr '\n' ' ' <<<"$err")"
    fi
}
LONG=/var/$(printf 'x%.0s' $(seq 300))
RUN_OK=(--exec-dir "$EXEC" --data-dir "$DD/capi" --uid 1000 --gid 1000)
TRUE_APP=(-- "$EXEC/bin/true")
cli_err "cli: missing package -> ROCKER_ERR_pkg_missing" ROCKER_ERR_pkg_missing \
    "$ROCKER" run --pkg /nonexistent/rocker-it.sqfs "${RUN_OK[@]}" --overlay /var "${TRUE_APP[@]}"
cli_err "cli: not a squashfs -> ROCKER_ERR_pkg_not_squashfs" ROCKER_ERR_pkg_not_squashfs \
    "$ROCKER" run --pkg "$T/notsq.sqfs" "${RUN_OK[@]}" --overlay /var "${TRUE_APP[@]}"
cli_err "cli: relative exec dir -> ROCKER_ERR_path_relative" ROCKER_ERR_path_relative \
    "$ROCKER" run --pkg "$PKG" --exec-dir var/your_APP/execdir --data-dir "$DD/capi" --overlay /var "${TRUE_APP[@]}"
cli_err "cli: 300-byte data dir -> ROCKER_ERR_path_too_long" ROCKER_ERR_path_too_long \
    "$ROCKER" run --pkg "$PKG" --exec-dir "$EXEC" --data-dir "$LONG" --overlay /var "${TRUE_APP[@]}"
for o in /proc /usr/lib /nonexistent; do
    cli_err "cli: overlay $o -> ROCKER_ERR_overlay_invalid" ROCKER_ERR_overlay_invalid \
        "$ROCKER" run --pkg "$PKG" "${RUN_OK[@]}" --overlay /var --overlay "$o" "${TRUE_APP[@]}"
done
cli_err "cli: no server (ROCKER_SOCKET points at nothing) -> ROCKER_ERR_no_server" ROCKER_ERR_no_server \
    ROCKER_SOCKET="$T/nobody.sock" "$ROCKER" run --pkg "$PKG" "${RUN_OK[@]}" --overlay /var "${TRUE_APP[@]}"
cli_err "cli: ps without a server -> ROCKER_ERR_no_server" ROCKER_ERR_no_server \
    ROCKER_SOCKET="$T/nobody.sock" "$ROCKER" ps

# malformed requests on a raw socket; the master must keep serving
client raw "$PKG" "$EXEC" "$DD/capi" "$T/notsq.sqfs"
check "master still alive after the malformed requests" alive "$MPID"

# a raw client takes the entrance but starts no App; another hangs up
# before the reply: neither may leave a guard, loop device or fd behind
mkdir -p "$DD/entrance" "$DD/abandon"
client entrance "$PKG" "$EXEC" "$DD/entrance"
"$CLIENT" abandon "$T/app-abandon.sqfs" "$EXEC" "$DD/abandon" 2>"$T/abandon.err"
t_abandon() {
    no_children() { [ -z "$(children_of "$MPID")" ]; }
    wait_until 3 no_children || { echo "master children: $(children_of "$MPID" | tr '\n' ' ')"; return 1; }
    wait_until 3 no_loop_backs "$T/app-abandon.sqfs" || { echo "loop $(loops_backing "$T/app-abandon.sqfs") still attached"; return 1; }
    rocker ps >/dev/null || { echo "rocker ps fails afterwards"; return 1; }
}
check "abandon: a client that hangs up before the reply leaves no guard and no loop device" t_abandon

# the connection table (32) full of idle clients
client busy 32

# a non-root caller: the master checks SO_PEERCRED
mkdir -p "$DD/perm-own" "$DD/perm-root"
chown "$APP_UID:$APP_GID" "$DD/perm-own"
chmod 0711 "$DD"
run_client setpriv --reuid "$APP_UID" --regid "$APP_GID" --clear-groups \
    "$CLIENT" perm "$PKG" "$EXEC" "$DD/perm-own" "$DD/perm-root"

# ---------------------------------------------------------------------------
# 5. rocker ps / rocker kill NAME
# ---------------------------------------------------------------------------
mkdir -p "$DD/pskill"
PK=$T/app-pskill.sqfs
mapfile -t OPTS < <(example_opts "$DD/pskill")
OPTS[1]=$PK
# (--detach: the App must not be left to the host's init to reap: as long
# as it is an unreaped zombie, the guard cannot finish exiting. This host's
# init reaps lazily, so the kill check below catches that.)
"$ROCKER" run "${OPTS[@]}" --app-id 4242 --detach -- "$EXEC/bin/sleep" 30 </dev/null >"$T/det.out" 2>"$T/det.err"
DET_RC=$?
read -r DG DNAME DAPP _ <"$T/det.out" 2>/dev/null
t_detach() {
    expect_eq "$DET_RC" 0 "rocker run --detach exit (stderr: $(tr '\n' ' ' <"$T/det.err"))" || return 1
    [[ ${DG:-} =~ ^[0-9]+$ && ${DNAME:-} =~ ^rg-[0-9a-f]{12}$ && ${DAPP:-} =~ ^[0-9]+$ ]] ||
        { echo "--detach printed '$(cat "$T/det.out")'"; return 1; }
    expect_eq "$(cat "/proc/$DG/comm")" "$DNAME" "comm of the guard $DG"
}
check "ps/kill: rocker run --detach prints GUARD_PID GUARD_NAME APP_PID of a live guard" t_detach
t_app_host_ids() {
    expect_eq "$(awk '/^Uid:/{print $2,$3,$4,$5}' "/proc/$DAPP/status")" "1000 1000 1000 1000" "host Uid of the App" &&
        expect_eq "$(awk '/^Gid:/{print $2,$3,$4,$5}' "/proc/$DAPP/status")" "1000 1000 1000 1000" "host Gid of the App"
}
check "ps/kill: detached App runs as uid/gid 1000 on the host (/proc/APP/status)" t_app_host_ids
t_ps() {
    local out
    out=$(rocker ps) || { echo "rocker ps failed: $out"; return 1; }
    head -n1 <<<"$out" | grep -q '^GUARD_PID' || { echo "no header: $out"; return 1; }
    grep -Eq "^$DG +$DNAME +4242 +[0-9dhms]+ +$PK\$" <<<"$out" ||
        { echo "no row '$DG $DNAME 4242 ... $PK' in: $(tr '\n' '|' <<<"$out")"; return 1; }
}
check "ps/kill: rocker ps shows the sandbox (guard pid, name, app id 4242, package)" t_ps
t_kill_name() {
    local out
    out=$(rocker kill "$DNAME" 2>&1) || { echo "rocker kill $DNAME: $out"; return 1; }
    wait_until 1 guard_gone "$DG" "$DNAME" || { echo "guard $DG still there 1 s after rocker kill"; return 1; }
    wait_until 2 dead "$DAPP" || { echo "App $DAPP still alive: $(proc_state_ppid "$DAPP")"; return 1; }
    ! rocker ps | grep -q "$DNAME" || { echo "rocker ps still lists $DNAME"; return 1; }
    wait_until 3 no_loop_backs "$PK" || { echo "loop $(loops_backing "$PK") still backed by $PK"; return 1; }
}
check "ps/kill: rocker kill NAME ends it (guard reaped within 1 s, App dead, gone from ps, loop detached)" t_kill_name
t_kill_again() {
    local err rc
    err=$(rocker kill "$DNAME" 2>&1)
    rc=$?
    expect_eq "$rc" 125 "exit of a second rocker kill $DNAME ($err)"
}
check "ps/kill: rocker kill of an ended sandbox fails (exit 125)" t_kill_again

# ---------------------------------------------------------------------------
# 6. 16 concurrent sandboxes (16 parallel rocker run, foreground)
# ---------------------------------------------------------------------------
PM=$T/app-many.sqfs
MANY=()
for i in $(seq 1 16); do
    mkdir -p "$DD/many$i"
    mapfile -t OPTS < <(example_opts "$DD/many$i")
    OPTS[1]=$PM
    "$ROCKER" run "${OPTS[@]}" --app-id $((100 + i)) -- "$EXEC/bin/sleep" 30 </dev/null >"$T/many$i.out" 2>&1 &
    MANY+=($!)
    BG_PIDS+=($!)
done
many_rows() { rocker ps 2>/dev/null | grep -c " $PM\$"; }
many_up() { [ "$(many_rows)" -ge 16 ]; }
wait_until 15 many_up
rocker ps >"$T/many.ps" 2>&1
t_many_ps() {
    local n names
    n=$(grep -c " $PM\$" "$T/many.ps")
    names=$(grep " $PM\$" "$T/many.ps" | awk '{print $2}' | sort -u | wc -l)
    expect_eq "$n" 16 "rows for $PM in rocker ps ($(cat "$T"/many*.out | tr '\n' ' '))" &&
        expect_eq "$names" 16 "distinct guard names"
}
check "many: 16 concurrent sandboxes start, rocker ps lists 16 with distinct names" t_many_ps
MANY_GUARDS=$(grep " $PM\$" "$T/many.ps" | awk '{print $1" "$2}')
t_many_pid1() {
    local g n
    while read -r g n; do
        [ -n "$g" ] || continue
        expect_eq "$(cat "/proc/$g/comm" 2>/dev/null)" "$n" "comm of guard $g" || return 1
        expect_eq "$(awk '{print $4}' "/proc/$g/stat")" "$MPID" "parent of guard $g" || return 1
    done <<<"$MANY_GUARDS"
}
check "many: every listed guard is alive, named as listed, a child of the master" t_many_pid1
t_many_shared() { expect_eq "$(loops_backing "$T/app-many.sqfs" | wc -l)" 1 "loop devices for 16 simultaneous sandboxes of one package"; }
check "many: 16 sandboxes started at once share one loop device" t_many_shared
for n in $(awk '{print $2}' <<<"$MANY_GUARDS"); do rocker kill "$n" >>"$T/many.kill" 2>&1; done
wait_jobs 5 "${MANY[@]}"
MANY_RCS=("${JOB_RCS[@]}")
t_many_killed() {
    local rc bad=0
    for rc in "${MANY_RCS[@]}"; do [ "$rc" = 137 ] || bad=$((bad + 1)); done
    [ "$bad" = 0 ] || { echo "exit codes of the 16 rocker run: ${MANY_RCS[*]} (want 137 = App SIGKILLed); $(cat "$T/many.kill")"; return 1; }
}
check "many: rocker kill NAME x16: every App dies of SIGKILL (rocker run exits 137)" t_many_killed
t_many_reaped() {
    local g n
    all_gone() {
        while read -r g n; do [ -z "$g" ] || guard_gone "$g" "$n" || return 1; done <<<"$MANY_GUARDS"
    }
    wait_until 2 all_gone || { echo "guards still there: $(while read -r g n; do guard_gone "$g" "$n" || echo -n "$g "; done <<<"$MANY_GUARDS")"; return 1; }
    expect_eq "$(many_rows)" 0 "rows left in rocker ps"
    wait_until 3 no_loop_backs "$PM" || { echo "loop devices still backed by $PM: $(loops_backing "$PM")"; return 1; }
}
check "many: all 16 guards reaped, ps empty, their loop devices detached" t_many_reaped

# ---------------------------------------------------------------------------
# 7. the legacy loop path (LOOP_SET_FD + LOOP_SET_STATUS64)
# ---------------------------------------------------------------------------
mkdir -p "$DD/legacy"
PL=$T/app-legacy.sqfs
mapfile -t OPTS < <(example_opts "$DD/legacy")
OPTS[1]=$PL
# strace (if there is one) shows which ioctls the guard really used
STRACE_PID=
if command -v strace >/dev/null; then
    strace -f -qq -e trace=ioctl -o "$T/legacy.strace" -p "$MPID" 2>"$T/strace.err" &
    STRACE_PID=$!
    sleep 0.5 # let it attach
fi
"$ROCKER" run "${OPTS[@]}" --legacy-loop -- "$EXEC/bin/sh" -c \
    "$EXEC/bin/busybox ls $EXEC/bin/busybox && echo legacy-ran && sleep 1" </dev/null >"$T/legacy.out" 2>&1 &
LEG_PID=$!
BG_PIDS+=("$LEG_PID")
legacy_up() { grep -q legacy-ran "$T/legacy.out" && [ -n "$(loops_backing "$PL")" ]; }
wait_until 5 legacy_up
LEG_DEV=$(loops_backing "$PL" | head -n1)
LEG_INFO="dev=${LEG_DEV:-none} ro=$(cat "/sys/block/$LEG_DEV/ro" 2>/dev/null) autoclear=$(cat "/sys/block/$LEG_DEV/loop/autoclear" 2>/dev/null)"
wait_jobs 10 "$LEG_PID"
LEG_RC=${JOB_RCS[0]}
if [ -n "$STRACE_PID" ]; then
    kill -INT "$STRACE_PID" 2>/dev/null
    wait "$STRACE_PID" 2>/dev/null
fi
t_legacy() {
    expect_eq "$LEG_RC" 0 "rocker run --legacy-loop exit ($(tr '\n' ' ' <"$T/legacy.out"))" &&
        grep -q legacy-ran "$T/legacy.out" &&
        expect_eq "$LEG_INFO" "dev=$LEG_DEV ro=1 autoclear=1" "loop device while running"
}
check "legacy: --legacy-loop runs the App from a read-only, auto-clearing loop device" t_legacy
if [ -n "$STRACE_PID" ] && [ -s "$T/legacy.strace" ]; then
    t_legacy_ioctls() {
        grep -q 'LOOP_SET_FD' "$T/legacy.strace" && grep -q 'LOOP_SET_STATUS64' "$T/legacy.strace" ||
            { echo "no LOOP_SET_FD + LOOP_SET_STATUS64 in the trace: $(grep -o 'LOOP_[A-Z_0-9]*\|0x4c0[0-9a-f]' "$T/legacy.strace" | sort | uniq -c | tr '\n' ' ')"; return 1; }
        ! grep -q 'LOOP_CONFIGURE\|0x4c0a' "$T/legacy.strace" || { echo "LOOP_CONFIGURE was used"; return 1; }
    }
    check "legacy: the guard used LOOP_SET_FD + LOOP_SET_STATUS64, not LOOP_CONFIGURE (strace)" t_legacy_ioctls
else
    N=$((N + 1)); PASSED=$((PASSED + 1))
    echo "ok $N - legacy: ioctls seen by strace # SKIP no strace or no trace ($(head -c 200 "$T/strace.err" 2>/dev/null))"
fi
t_legacy_gone() {
    wait_until 3 no_loop_backs "$PL" || { echo "$(loops_backing "$PL") still backed by $PL"; return 1; }
    ! rocker ps | grep -q " $PL\$" || { echo "still in rocker ps"; return 1; }
}
check "legacy: leaves nothing behind (loop detached, not in ps)" t_legacy_gone

# ---------------------------------------------------------------------------
# 8. nothing leaked
# ---------------------------------------------------------------------------
t_no_loops() {
    wait_until 3 no_our_loops || { echo "still attached: $(our_loops | tr '\n' ' ')"; return 1; }
}
check "end: no loop device is backed by any of our packages" t_no_loops
t_mounts() {
    mounts_same "$T/mounts.before" "$T/mounts.after"
}
check "end: host mount table unchanged (overlay/squashfs mounts, mounts on the overlaid dirs, /proc, our dirs)" t_mounts
t_fds() {
    fds_back() { [ "$(master_fds)" = "$MFD0" ]; }
    wait_until 2 fds_back || { echo "master fds: $(master_fds) now, $MFD0 after listen: $(ls -l /proc/$MPID/fd | tail -n +2 | awk '{print $9,$10,$11}' | tr '\n' ' ')"; return 1; }
}
check "end: master holds as many fds as right after it started listening ($MFD0)" t_fds
t_no_children() {
    local kids
    kids=$(children_of "$MPID")
    [ -z "$kids" ] || { echo "children of the master (pid state): $(tr '\n' ' ' <<<"$kids")"; return 1; }
}
check "end: master has no child left (no guard, no zombie)" t_no_children
t_host_files() {
    expect_eq "$(sha256sum /etc/passwd)" "$PASSWD_SUM" "/etc/passwd checksum" || return 1
    [ ! -e /usr/rocker-it-x ] && [ ! -e /usr/rocker-it-cli ] || { echo "a file appeared in /usr"; return 1; }
    [ -z "$(ls -A "$W")" ] || { echo "files on the host in $W: $(ls -A "$W")"; return 1; }
    if [ "$YOURAPP_BEFORE" = no ] && [ -e /var/your_APP ]; then echo "/var/your_APP appeared on the host"; return 1; fi
}
check "end: host files untouched (/etc/passwd, /usr, the App's write dir, /var/your_APP)" t_host_files
check "end: master still alive" alive "$MPID"
t_log() {
    local l
    for l in 'listening on '"$SOCK" \
        'start guard=[0-9]+ name=rg-[0-9a-f]{12} app_id=4242 uid=1000 gid=1000 pkg='"$PK" \
        'exit guard=[0-9]+ name=rg-[0-9a-f]{12} signal=9' \
        'exit guard=[0-9]+ name=rg-[0-9a-f]{12} status=0' \
        'refuse peer=[0-9]+ code=ROCKER_ERR_pkg_not_squashfs errno=EINVAL \(22\) step=pkg_check' \
        'refuse peer=[0-9]+ code=ROCKER_ERR_bad_message errno=EBADF \(9\) step=validate' \
        'refuse peer=[0-9]+ code=ROCKER_ERR_overlay_invalid errno=ENOENT \(2\) step=validate index=2' \
        'refuse peer=[0-9]+ code=ROCKER_ERR_permission_denied errno=E[A-Z]+ \([0-9]+\) step=peer_cred'; do
        grep -Eq "^rocker-master: $l" "$T/master.log" || { echo "no log line like '$l'"; return 1; }
    done
}
check "end: the master logged one line per event (start, exit, refusals with code, errno name, step)" t_log

# SIGTERM while a sandbox runs: the master ends it and leaves nothing
mkdir -p "$DD/term"
mapfile -t OPTS < <(example_opts "$DD/term")
OPTS[1]=$T/app-term.sqfs
"$ROCKER" run "${OPTS[@]}" -- "$EXEC/bin/sleep" 30 </dev/null >"$T/term.out" 2>&1 &
TERM_CLI=$!
BG_PIDS+=("$TERM_CLI")
term_up() { rocker ps 2>/dev/null | grep -q " $T/app-term.sqfs\$"; }
wait_until 5 term_up || echo "# the sandbox for the SIGTERM test did not show up in ps"
TERM_GUARD=$(rocker ps 2>/dev/null | awk -v p="$T/app-term.sqfs" '$NF == p {print $1" "$2}')
# in this shell, not in a `check` subshell: the master is our child
kill -TERM "$MPID"
master_exited() { ! alive "$MPID" || [ "$(proc_state_ppid "$MPID" | cut -c1)" = Z ]; }
if ! wait_until 3 master_exited; then
    nok "end: SIGTERM stops the master" "still running 3 s after SIGTERM"
else
    wait "$MPID"
    M_RC=$?
    MPID=
    if [ "$M_RC" = 0 ] && [ ! -e "$SOCK" ]; then
        ok "end: SIGTERM stops the master (exit 0, socket removed)"
    else
        nok "end: SIGTERM stops the master (exit 0, socket removed)" "exit $M_RC, socket exists: $([ -e "$SOCK" ] && echo yes || echo no)"
    fi
fi
wait_jobs 3 "$TERM_CLI"
TERM_RC=${JOB_RCS[0]}
t_term_sandbox() {
    [ -n "$TERM_GUARD" ] || { echo "no sandbox was running"; return 1; }
    expect_eq "$TERM_RC" 137 "exit of the rocker run whose App ran at SIGTERM" || return 1
    guard_gone $TERM_GUARD || { echo "guard $TERM_GUARD still there"; return 1; }
    wait_until 3 no_loop_backs "$T/app-term.sqfs" || { echo "loop still attached"; return 1; }
}
check "end: SIGTERM ended the running sandbox (App killed, guard gone, loop detached)" t_term_sandbox
t_final_loops() { wait_until 3 no_our_loops || { echo "attached: $(our_loops | tr '\n' ' ')"; return 1; }; }
check "end: after the master stopped, no loop device is backed by our packages" t_final_loops
t_final_mounts() {
    mounts_same "$T/mounts.before" "$T/mounts.final"
}
check "end: after the master stopped, the host mount table is unchanged" t_final_mounts

# ---------------------------------------------------------------------------
# package sharing: one loop device and superblock per package, gone with the
# last sandbox however it ends (a master crash included); a replaced package
# file is never served from the old mount
# ---------------------------------------------------------------------------
SH=$T/share.sqfs
mkdir -p "$T/v1" "$T/v2"
cp -a "$T/app/." "$T/v1/"; echo v1 >"$T/v1/VERSION"
cp -a "$T/app/." "$T/v2/"; echo v2 >"$T/v2/VERSION"
mksquashfs "$T/v1" "$T/share-v1.sqfs" -comp lz4 -noappend -all-root -quiet >/dev/null 2>&1
mksquashfs "$T/v2" "$T/share-v2.sqfs" -comp lz4 -noappend -all-root -quiet >/dev/null 2>&1
cp "$T/share-v1.sqfs" "$SH"
SOCK2=$T/rocker2.sock
"$MASTER" --socket "$SOCK2" 2>"$T/master2.log" &
MPID2=$!
t_ready2() { [ -S "$SOCK2" ]; }
wait_until 5 t_ready2 || bail "second master did not start"
share_run() { # DATA_SUFFIX ARGS...
    local d=$DD/share-$1; shift
    mkdir -p "$d"
    ROCKER_SOCKET=$SOCK2 "$ROCKER" run --pkg "$SH" --exec-dir "$EXEC" --data-dir "$d" --overlay /var \
        --uid 1000 --gid 1000 "$@"
}
SH_A=$(share_run a --detach -- "$EXEC/bin/sleep" 60)
SH_B=$(share_run b --detach -- "$EXEC/bin/sleep" 60)
sqdev() { awk -v e="$EXEC" '$5 == e && $0 ~ / - squashfs / {print $3}' "/proc/$1/mountinfo"; }
t_share_one() {
    local ga=${SH_A%% *} gb=${SH_B%% *} n
    [ -n "$ga" ] && [ -n "$gb" ] || { echo "sandboxes did not start: '$SH_A' '$SH_B'"; return 1; }
    n=$(loops_backing "$SH" | wc -l)
    expect_eq "$n" 1 "loop devices backing the package" || return 1
    expect_eq "$(sqdev "$gb")" "$(sqdev "$ga")" "squashfs device of the two sandboxes" || return 1
    [ -n "$(sqdev "$ga")" ] || { echo "no squashfs at $EXEC in guard $ga"; return 1; }
}
check "share: two sandboxes of one package use one loop device and one squashfs superblock" t_share_one
# replace the package file (new inode) while both still run
cp "$T/share-v2.sqfs" "$SH.new" && mv "$SH.new" "$SH"
t_share_replaced() {
    local out
    out=$(share_run c -- "$EXEC/bin/cat" "$EXEC/VERSION" 2>&1)
    expect_eq "$out" v2 "VERSION seen by a sandbox started after the replacement"
}
check "share: after the package file is replaced, a new sandbox sees the new content" t_share_replaced
# the master crashes; then the sandboxes end: nothing may stay behind
kill -KILL "$MPID2"; wait "$MPID2" 2>/dev/null
t_share_crash() {
    local g
    for g in ${SH_A%% *} ${SH_B%% *}; do kill -KILL "$g" 2>/dev/null; done
    old_loops() { for f in /sys/block/loop*/loop/backing_file; do grep -l "share.sqfs" "$f" 2>/dev/null; done; }
    no_old() { [ -z "$(old_loops)" ]; }
    wait_until 3 no_old || { echo "still attached after the master crash: $(old_loops | tr '\n' ' ')"; return 1; }
    mounts_same "$T/mounts.before" "$T/mounts.share"
}
check "share: after a master crash (SIGKILL) and the end of its sandboxes, the shared loop device is detached and no mount is left" t_share_crash
rm -f "$SOCK2"

if [ "$FAILED" != 0 ] || [ -n "${ROCKER_IT_VERBOSE:-}" ]; then
    echo "# master log:"
    diag <"$T/master.log"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
