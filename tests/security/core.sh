#!/bin/sh
# tests/security/core.sh -- issue 12 from inside a sandbox: the seccomp
# filter (default, unconfined, a profile), masked /proc and /sys, no nested
# namespaces. POSIX sh: runs under bash on the host (tests/security/run.sh)
# and under busybox ash in the QEMU guests (tests/security/qemu.sh).
#
# Needs a running rocker-master ($ROCKER_SOCKET) and, in the environment:
#   PKG    the test package: bin/busybox (+ applet links sh ls cat ps wget
#          httpd sleep mkdir echo kill), bin/probe (tests/probe/probe.c),
#          optionally bin/i386 (an i386 program: x86_64 hosts)
#   DATA   a dir for the sandboxes' data dirs (one per run, made here)
#   ROCKER the CLI (default: rocker), EXEC the exec dir (default: the seed's),
#   MLOG   the master's log (optional: the refusal's index is checked there)
#   TMO    seconds per sandbox run (default 60)
# Every App runs as uid/gid 1000. Prints `ok - NAME` or `FAIL - NAME: WHY`
# per check and `N passed, M failed`; exits 1 if anything failed.
: "${ROCKER:=rocker}" "${EXEC:=/var/your_APP/execdir}" "${TMO:=60}" "${MLOG:=}"
P=$EXEC/bin/probe
NOK=0 NFAIL=0
ok() { NOK=$((NOK + 1)); echo "ok - $1"; }
fail() { NFAIL=$((NFAIL + 1)); echo "FAIL - $1: $2"; }
# chk NAME WHY CMD...: ok if CMD succeeds
chk() { n_=$1 w_=$2; shift 2; if "$@"; then ok "$n_"; else fail "$n_" "$w_"; fi; }
oneline() { printf '%s' "$1" | tr '\n' '|' | cut -c1-400; }

ARCH=$(uname -m)
KVER=$(uname -r)
KMAJ=${KVER%%.*} KMIN=${KVER#*.}
KMIN=${KMIN%%[!0-9]*}
RUNS=0
# run [FLAGS] -- PROG ARGS: a new sandbox (data dir of its own, /var
# overlaid, uid/gid 1000), stdin /dev/null; sets OUT (stdout+stderr), RC
run() {
    RUNS=$((RUNS + 1))
    OUT=$(timeout "$TMO" "$ROCKER" run --pkg "$PKG" --exec-dir "$EXEC" --data-dir "$DATA/d$RUNS" --overlay /var \
        --uid 1000 --gid 1000 "$@" </dev/null 2>&1)
    RC=$?
}
# v KEY: the value of KEY= in OUT; vv PREFIX KEY: of "PREFIX KEY=" lines
v() { printf '%s\n' "$OUT" | sed -n "s/^$1=//p" | head -n1; }
vv() { printf '%s\n' "$OUT" | sed -n "s|^$1 $2=||p" | head -n1; }
# all_are WANT KEYS...: every KEY= in OUT is WANT (or NONE: no such call
# on this arch); BAD lists the others
all_are() {
    w_=$1 BAD=
    shift
    for k_; do
        x_=$(v "$k_")
        [ "$x_" = "$w_" ] || [ "$x_" = NONE ] || BAD="$BAD $k_=${x_:-missing}"
    done
    [ -z "$BAD" ]
}

echo "# issue 12 security checks: $ARCH, Linux $KVER"

# ---------------------------------------------------------------- default
# What the default filter denies, tried as uid 1000 in the App. Without it
# some of these work for an unprivileged process (keyctl, add_key,
# userfaultfd, personality, setns's EBADF, unshare of a user namespace):
# the unconfined run below shows which.
DENIED="mount umount2 chroot pivot_root setns unshare_user unshare_mnt unshare_net clone_newuser keyctl add_key
 request_key bpf perf_event_open userfaultfd kexec_load init_module delete_module reboot swapon acct open_by_handle_at
 personality syslog sethostname fsopen"
# shellcheck disable=SC2086
run -- "$P" sys $DENIED clone3 mkdir socket getpid personality_query
chk "default: the App started (exit 0)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
# shellcheck disable=SC2086
chk "default: namespaces, mount family, keys, bpf, perf, userfaultfd, kexec, modules, reboot, swap, acct, open_by_handle_at, personality(READ_IMPLIES_EXEC), syslog -> EPERM" \
    "$BAD" all_are EPERM $DENIED
chk "default: clone3 -> ENOSYS (libcs fall back to clone)" "clone3=$(v clone3)" [ "$(v clone3)" = ENOSYS ]
chk "default: ordinary calls work (mkdir, socket, getpid, personality query)" "$BAD" all_are OK mkdir socket getpid personality_query
run -- "$P" status
chk "default: the App's status says Seccomp: 2 (filter), NoNewPrivs 1" "$(oneline "$OUT")" \
    [ "$(v seccomp):$(v nonewprivs)" = 2:1 ]
run -- "$P" tiocsti
chk "default: ioctl(TIOCSTI) -> EPERM before the fd is looked at" "tiocsti=$(v tiocsti)" [ "$(v tiocsti)" = EPERM ]

# Ordinary work: a shell, ls, cat, ps, file I/O, a TCP server on lo and a
# client of it (busybox httpd + wget).
PORT=$((20000 + $$ % 20000))
run -- "$EXEC/bin/sh" -c "
cd /tmp || exit 1
mkdir www && echo hello-rocker >www/index.html || echo io=failed
ls / >/dev/null && echo ls=ok
cat /proc/self/status >/dev/null && echo cat=ok
ps >/dev/null && echo ps=ok
httpd -f -p 127.0.0.1:$PORT -h /tmp/www & h=\$!
i=0; while [ \$i -lt 20 ]; do got=\$(wget -q -O - http://127.0.0.1:$PORT/index.html 2>/dev/null) && break; sleep 1; i=\$((i + 1)); done
echo wget=\$got
kill \$h; wait \$h 2>/dev/null; echo done=1"
chk "default: busybox sh, ls, cat, ps, file I/O, httpd on 127.0.0.1 + wget all work" "rc=$RC: $(oneline "$OUT")" \
    [ "$RC:$(v ls):$(v cat):$(v ps):$(v wget):$(v done)" = "0:ok:ok:ok:hello-rocker:1" ]

# ------------------------------------------------------- masked and read-only
MASK_FILES="/proc/kcore /proc/keys /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/latency_stats /proc/interrupts /proc/sysrq-trigger"
MASK_DIRS="/proc/acpi /proc/asound /proc/scsi /sys/firmware /sys/devices/virtual/powercap"
# a submount of /sys on this machine (cgroups, securityfs, ...), if any
SUBSYS=$(awk '$5 ~ "^/sys/." {print $5; exit}' /proc/self/mountinfo)
RO="/proc/sys /proc/bus /proc/fs /proc/irq /sys $SUBSYS"
run -- "$EXEC/bin/sh" -c "
for f in $MASK_FILES; do echo \"\$f \$($P read \$f)\"; done
for d in $MASK_DIRS; do echo \"\$d \$($P ls \$d)\"; echo \"\$d \$($P ro \$d)\"; done
for p in $RO /proc /tmp; do echo \"\$p \$($P ro \$p)\"; done
echo \"/proc/sys/kernel/domainname \$($P write /proc/sys/kernel/domainname x)\""
bad= seen=
for f in $MASK_FILES; do
    if [ -e "$f" ]; then
        seen="$seen ${f#/proc/}"
        [ "$(vv "$f" read)" = 0 ] || bad="$bad $f:$(vv "$f" read)"
    else
        [ "$(vv "$f" read)" = ENOENT ] || bad="$bad $f(not on this kernel):$(vv "$f" read)"
    fi
done
chk "masked: the files this kernel has read as empty (/dev/null):${seen:- none}" "$bad" [ -z "$bad" ]
bad= seen=
for d in $MASK_DIRS; do
    if [ -d "$d" ]; then
        seen="$seen $d"
        [ "$(vv "$d" ls):$(vv "$d" ro)" = ":1" ] || bad="$bad $d:ls=$(vv "$d" ls),ro=$(vv "$d" ro)"
    fi
done
chk "masked: the dirs this kernel has are empty and read-only:${seen:- none}" "$bad" [ -z "$bad" ]
# Submounts of /sys become read-only with mount_setattr (5.12+) only.
rec=1
[ "$KMAJ" -lt 5 ] || { [ "$KMAJ" = 5 ] && [ "$KMIN" -lt 12 ]; } && rec=0
bad= seen=
for p in $RO; do
    [ -e "$p" ] || continue
    if [ "$p" = "$SUBSYS" ] && [ $rec = 0 ]; then
        echo "# $p (a /sys submount) is ro=$(vv "$p" ro): recursive read-only needs mount_setattr (5.12+)"
        continue
    fi
    seen="$seen $p"
    [ "$(vv "$p" ro)" = 1 ] || bad="$bad $p:ro=$(vv "$p" ro)"
done
chk "read-only:$seen" "$bad" [ -z "$bad" ]
chk "read-only: /proc itself and /tmp stay writable mounts" "/proc ro=$(vv /proc ro), /tmp ro=$(vv /tmp ro)" \
    [ "$(vv /proc ro):$(vv /tmp ro)" = 0:0 ]
w=$(vv /proc/sys/kernel/domainname write)
chk "read-only: a write to /proc/sys fails (${w:-?})" "write=$w" sh -c '[ -n "$1" ] && [ "$1" != OK ]' _ "$w"

# ------------------------------------------------------------- unconfined
run --seccomp unconfined -- "$P" sys setns clone3 keyctl personality unshare_user clone_newuser mkdir
chk "unconfined: the App started (exit 0)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
un="setns=$(v setns) clone3=$(v clone3) keyctl=$(v keyctl) personality=$(v personality)"
chk "unconfined: the calls are reachable ($un)" "$un" \
    sh -c '[ "$1" = EBADF ] && [ "$2" != ENOSYS ] && [ "$2" != EPERM ] && [ "$3" != EPERM ] && [ "$4" = OK ]' _ \
    "$(v setns)" "$(v clone3)" "$(v keyctl)" "$(v personality)"
chk "unconfined: still no nested namespace: unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER) -> ENOSPC (the user namespace's limits are 0)" \
    "unshare_user=$(v unshare_user) clone_newuser=$(v clone_newuser)" [ "$(v unshare_user):$(v clone_newuser)" = ENOSPC:ENOSPC ]
run --seccomp unconfined -- "$EXEC/bin/sh" -c "for n in user mnt pid net ipc uts cgroup time; do echo \"\$n=\$(cat /proc/sys/user/max_\${n}_namespaces 2>&1)\"; done; $P status"
lim=
for n in user mnt pid net ipc uts cgroup time; do lim="$lim$(v $n)"; done
chk "unconfined: /proc/sys/user/max_*_namespaces read 0 inside (time: or absent)" "$(oneline "$OUT")" \
    sh -c 'case $1 in 0000000*) ;; *) exit 1 ;; esac' _ "$lim"
chk "unconfined: the App's status says Seccomp: 0" "seccomp=$(v seccomp)" [ "$(v seccomp)" = 0 ]

# ---------------------------------------------------------------- profiles
case $ARCH in
x86_64) other=set_tls ;;
*) other=arch_prctl ;;
esac
run --seccomp-deny getpid,nosuchcall -- "$P" sys getpid
chk "profile: an unknown name is refused: exit 125, seccomp_invalid, EINVAL at validate" "rc=$RC: $(oneline "$OUT")" \
    sh -c '[ "$1" = 125 ] && printf "%s" "$2" | grep -qE "ROCKER_ERR_param_invalid \(seccomp_invalid\): EINVAL \([0-9]+\) at validate"' _ "$RC" "$OUT"
if [ -n "$MLOG" ]; then
    chk "profile: the master logs the name's index (index=1)" "$(grep seccomp_invalid "$MLOG" | tail -n1)" \
        sh -c 'grep seccomp_invalid "$1" | tail -n1 | grep -q "step=validate index=1"' _ "$MLOG"
fi
run --seccomp-deny "$other" -- "$P" sys getpid
chk "profile: a syscall of another arch only ($other) is refused too" "rc=$RC: $(oneline "$OUT")" \
    sh -c '[ "$1" = 125 ] && printf "%s" "$2" | grep -q "(seccomp_invalid): EINVAL"' _ "$RC" "$OUT"
case $ARCH in
aarch64) mk=mkdirat ;;
*) mk=mkdir,mkdirat ;;
esac
run --seccomp-deny "$mk" -- "$P" sys mkdir socket getpid unshare_user
chk "profile: --seccomp-deny $mk: mkdir -> EPERM, socket and getpid still work" "rc=$RC: $(oneline "$OUT")" \
    [ "$RC:$(v mkdir):$(v socket):$(v getpid)" = "0:EPERM:OK:OK" ]
chk "profile: with only mkdir denied, a nested user namespace still fails (ENOSPC)" "unshare_user=$(v unshare_user)" \
    [ "$(v unshare_user)" = ENOSPC ]

# ------------------------------------------------------ another arch's ABI
if [ -n "${I386:-}" ]; then
    run -- "$EXEC/bin/i386"
    chk "i386: a 32-bit x86 program is killed at its first syscall (SIGSYS: exit 159)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 159 ]
    run --seccomp unconfined -- "$EXEC/bin/i386"
    chk "i386: the same program runs unconfined (exit 0)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
fi

echo "$NOK passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
