#!/bin/busybox sh
# rocker QEMU guest, stage 2: /guest-tests.sh, run by qemu/guest-init.sh
# after switch_root into a tmpfs (busybox ash, PID 1, real kernel).
#
# As PID 1 it mounts nothing new (stage 1 moved /dev /proc /sys here),
# starts the tests as a child ("run") and `wait`s, which also reaps the
# detached Apps that get reparented to init (a pid namespace's init, the
# guard, only finishes dying once every process of its namespace is reaped),
# then prints `N passed, M failed` and powers off.
#
# The tests: rocker-abi-tests on the real kernel, then rocker-master and the
# end-to-end scenario (isolation, persistence, read-only exec dir, ids,
# lifecycle, error paths with seed code + reason + errno + step, N concurrent
# sandboxes, LOOP_CONFIGURE and the pre-5.8 LOOP_SET_FD + LOOP_SET_STATUS64
# path, leak checks), then the escape checks of issue 8 (the App's view
# through tests/probe: capabilities, no_new_privs, own session, TIOCSTI,
# ptrace of the guard, nosuid/nodev mounts; planted symlinks; the guard's
# error wins; root-only socket, per-uid slots, idle drop; a master killed
# with SIGKILL and restarted adopts its sandboxes; no loop device leaks when
# a guard dies between LOOP_SET_FD and LOOP_SET_STATUS64); rootfs mode
# (issue 13) with pivot_root and --no-pivot (stage 1, qemu/guest-init.sh,
# checked the initramfs root's fallback). One line per check: `ok - NAME`
# or `FAIL - NAME: WHY`.
RES=/tmp/rocker-results
export PATH=/bin:/rocker/bin:/rocker/libexec

if [ "${1:-}" != run ]; then
    /bin/busybox --install -s /bin
    hostname rocker-guest
    : >"$RES"
    # stage 1's checks (rootfs mode while / was the initramfs)
    if [ -s /tmp/rocker-stage1 ]; then
        cat /tmp/rocker-stage1 >>"$RES"
    else
        echo "FAIL - stage 1: rootfs mode on the initramfs: no results"
        echo FAIL >>"$RES"
    fi
    echo "rocker-guest: stage 2: $(uname -srm), $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM"
    /bin/sh /guest-tests.sh run &
    wait
    pass=$(grep -c '^ok' "$RES")
    fail=$(grep -c '^FAIL' "$RES")
    if [ ! -e /tmp/rocker-tests-done ]; then
        echo "FAIL - guest tests: stopped before the end"
        fail=$((fail + 1))
    fi
    echo "rocker-guest: end of tests"
    echo "$pass passed, $fail failed"
    poweroff -f
    exit 0
fi

# ------------------------------------------------------------------ helpers
ok() { echo "ok - $1"; echo ok >>"$RES"; }
fail() { echo "FAIL - $1: $2"; echo FAIL >>"$RES"; }
# chk NAME WHY CMD...: ok if CMD succeeds
chk() { n=$1 w=$2; shift 2; if "$@"; then ok "$n"; else fail "$n" "$w"; fi; }
# chkl NAME 'WHY-COMMAND' CMD...: the same, WHY computed only on failure
chkl() { n=$1 w=$2; shift 2; if "$@"; then ok "$n"; else fail "$n" "$(eval "$w")"; fi; }
. /guest-lib.sh
# A guard is "gone" only once the master has reaped it.
dead() { ! alive "$1"; }
empty_dirs() { for d_; do [ -z "$(ls -A "$d_")" ] || return 1; done; }
all_alive() { for p_; do alive "$p_" || return 1; done; }
ppid() { ppid_of "$1"; echo "$PPID_"; }
is_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# Loop devices with a backing file (equal to $1 if given).
loops() {
    ln_n=0
    for f in /sys/block/loop*/loop/backing_file; do
        [ -e "$f" ] || continue
        rd "$f" || continue
        [ -z "${1:-}" ] || [ "$RD" = "$1" ] || continue
        ln_n=$((ln_n + 1))
    done
    echo "$ln_n"
}
backing() { for f in /sys/block/loop*/loop/backing_file; do rd "$f" && printf '%s=%s ' "${f#/sys/block/}" "$RD"; done; }
no_loops() { [ "$(loops "${1:-}")" = 0 ]; }
loop_sysdir() {
    for f in /sys/block/loop*/loop/backing_file; do
        rd "$f" && [ "$RD" = "$1" ] && { echo "${f%/loop/backing_file}"; return 0; }
    done
    return 1
}
re() { printf '%s' "$1" | grep -qE "$2"; }
no_guards() { [ -z "$(guards)" ]; }
guards() { for c in /proc/[0-9]*/comm; do rd "$c" && case $RD in rg-*) echo "${c%/comm}" ;; esac; done; }

EXEC=/var/your_APP/execdir
PKG=/pkgs/app-xz.sqfs
SOCK=/run/rocker.sock
STATE=$SOCK.d
PROBE=/rocker/libexec/rocker-probe
export ROCKER_SOCKET=$SOCK
OVL="--overlay /usr --overlay /var --overlay /etc --overlay /home --overlay /root"
MLOG=/tmp/rocker-master.log
TMO=180
NBOX=16
for a in $(cat /proc/cmdline); do
    case $a in rocker.sandboxes=*) NBOX=${a#rocker.sandboxes=} ;; esac
done

# run_fg DATA PKG "OVERLAYS" [FLAGS] -- PROG ARGS: foreground run; $OUT, $RC
run_fg() {
    rf_d=$1 rf_p=$2 rf_o=$3
    shift 3
    mkdir -p "$rf_d"
    # shellcheck disable=SC2086
    OUT=$(timeout $TMO rocker run --pkg "$rf_p" --exec-dir $EXEC --data-dir "$rf_d" $rf_o --uid 1000 --gid 1000 "$@" 2>&1)
    RC=$?
}
# detach DATA PKG [FLAGS] -- PROG ARGS: $GPID $GNAME $APID $DRC $DOUT
detach() {
    dt_d=$1 dt_p=$2
    shift 2
    mkdir -p "$dt_d"
    DOUT=$(timeout $TMO rocker run --detach --pkg "$dt_p" --exec-dir $EXEC --data-dir "$dt_d" --overlay /var --uid 1000 --gid 1000 "$@" 2>&1)
    DRC=$?
    # shellcheck disable=SC2086
    set -- $DOUT
    GPID=${1:-} GNAME=${2:-} APID=${3:-}
    is_num "$GPID" && is_num "$APID" && [ "$DRC" = 0 ]
}
v() { printf '%s\n' "$OUT" | sed -n "s/^$1=//p" | head -n1; }
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
mlog_has() { grep -q "$1" "$MLOG"; }
# An error line of the CLI: `ROCKER_ERR_<seed> (<reason>): <ERRNO> (<n>) at <step>`
# (no "(<reason>)" when the reason is the seed code itself). errno by NAME:
# the numbers differ on MIPS.  errre SEED REASON ERRNO STEP -> regex
errre() {
    if [ -z "$2" ] || [ "$2" = "$1" ]; then
        echo "ROCKER_ERR_$1: $3 \([0-9]+\) at $4"
    else
        echo "ROCKER_ERR_$1 \($2\): $3 \([0-9]+\) at $4"
    fi
}
# start_master [FLAGS]: a master on $SOCK logging to $MLOG (appended), waits
# for its "listening" line (a socket left by a killed master is still there).
start_master() {
    sm_n=$(grep -c 'listening on' "$MLOG" 2>/dev/null)
    rocker-master --socket $SOCK "$@" 2>>"$MLOG" &
    MPID=$!
    wait_until 100 sh -c "[ \$(grep -c 'listening on' '$MLOG') -gt ${sm_n:-0} ]"
}
# ended GUARD APP: the guard is reaped and the App dead (within 15 + 5 s)
ended() { wait_until 150 gone "$1" && wait_until 50 dead "$2"; }
ended_norec() { ended "$1" "$2" && [ -z "$(ls $STATE)" ]; }
# Apps: processes of uid 1000 named $1 (a sandbox's App seen from the host)
apps() {
    ap_n=0
    for c in /proc/[0-9]*/comm; do
        rd "$c" && [ "$RD" = "$1" ] || continue
        while read -r k_ v_ _; do [ "$k_" = Uid: ] && { [ "$v_" = 1000 ] && ap_n=$((ap_n + 1)); break; }; done 2>/dev/null <"${c%comm}status"
    done
    echo "$ap_n"
}

# errcase NAME SEED REASON ERRNO STEP CMD...: CMD exits 125 and prints
# `ROCKER_ERR_<SEED> (<REASON>): <ERRNO> (<n>) at <STEP>` (issue 8 item 7:
# err_no is one of the seed's 12 codes, the reason is the precise code)
errcase() {
    ec_n=$1 ec_re=$(errre "$2" "$3" "$4" "$5") ec_d="ROCKER_ERR_$2${3:+ ($3)}, $4 at $(printf '%s' "$5" | tr -d '\\')"
    shift 5
    OUT=$(timeout 60 "$@" 2>&1 </dev/null)
    RC=$?
    chk "error: $ec_n -> $ec_d" "rc=$RC: $(oneline "$OUT")" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -qE \"\$2\"" _ "$OUT" "$ec_re"
}
R="rocker run --uid 1000 --gid 1000"

# ------------------------------------------------------------ guest layout
mkdir -p /home/app /data /run /usr/share /root /dev/pts
chown 1000:1000 /home/app
# ptys for the TIOCSTI checks (probe pty); devtmpfs has /dev/ptmx
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
echo "host file" >/usr/share/host.txt
PASSWD_SUM=$(md5sum </etc/passwd)

# -------------------------------------------------------------- 1. kernel
section "kernel features"
for ns in mnt pid user uts ipc net; do
    chk "kernel: /proc/self/ns/$ns" "missing" [ -e /proc/self/ns/$ns ]
done
chk "kernel: /dev/loop-control" "missing (loop module?)" [ -c /dev/loop-control ]
chk "kernel: squashfs + overlay registered" "$(oneline "$(cat /proc/filesystems)")" \
    sh -c 'grep -qw squashfs /proc/filesystems && grep -qw overlay /proc/filesystems'

# ------------------------------------------------- 2. ABI on the real kernel
section "rocker-abi-tests"
OUT=$(rocker-abi-tests 2>&1)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/    abi: /'
last=$(printf '%s\n' "$OUT" | tail -n1)
case $last in
*" passed, 0 failed") chk "rocker-abi-tests on the real kernel ($last)" "exit status $RC" [ "$RC" = 0 ] ;;
*) fail "rocker-abi-tests on the real kernel" "rc=$RC, '$last'" ;;
esac
chk "rocker --help" "failed" sh -c 'rocker --help >/dev/null'
chk "rocker-master --help" "failed" sh -c 'rocker-master --help >/dev/null'

# ------------------------------------------------------------- 3. master
section "rocker-master"
MOUNTS0=$(cat /proc/mounts)
: >"$MLOG"
start_master
if [ -S $SOCK ]; then
    ok "rocker-master listens on $SOCK (pid $MPID)"
else
    fail "rocker-master listens on $SOCK" "no socket after 10 s: $(oneline "$(cat "$MLOG")")"
fi
MFD0=$(ls /proc/$MPID/fd | wc -l)
OUT=$(rocker ps 2>&1)
RC=$?
chk "rocker ps: empty table" "rc=$RC: $(oneline "$OUT")" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ]" _ "$OUT"
# issue 8 item 3: a root-only socket
sm=$(stat -c '%a %u:%g' $SOCK 2>&1)
chk "the socket is mode 0600, owned by root ($sm)" "stat: $sm" [ "$sm" = "600 0:0" ]
sm=$(stat -c '%a %u' $STATE 2>&1)
chk "the state dir $STATE is mode 0700, root's ($sm)" "stat: $sm" [ "$sm" = "700 0" ]
OUT=$($PROBE as 1000 1000 /rocker/bin/rocker ps 2>&1)
RC=$?
chk "a non-root user cannot connect (rocker ps as uid 1000: ROCKER_ERR_sys, EACCES at connect)" "rc=$RC: $(oneline "$OUT")" \
    sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -qE \"\$2\"" _ "$OUT" "$(errre sys '' EACCES connect)"

# ------------------------------------------------- 4. isolation scenario
# scenario TAG PKG [FLAGS]: the seed's example configuration (overlays /usr
# /var /etc /home /root, exec dir /var/your_APP/execdir, uid/gid 1000).
scenario() {
    tag=$1 pk=$2 flags=${3:-} d=/data/$1
    run_fg "$d" "$pk" "$OVL" $flags -- $EXEC/bin/sh $EXEC/app.sh probe "note-$tag"
    chk "[$tag] rocker run exits 0" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
    p1=$(v pid1)
    chk "[$tag] PID 1 inside is the guard ($p1)" "pid1='$p1'" re "$p1" '^rg-[0-9a-f]{12}$'
    nhost=$(set -- /proc/[0-9]*; echo $#)
    chk "[$tag] only sandbox processes are visible (/proc inside: $(v procs), App is pid $(v self); $nhost on the host)" \
        "procs='$(v procs)' self=$(v self) comms='$(v comms)'" [ "$(v procs):$(v self)" = "/proc/1 /proc/2:2" ]
    chk "[$tag] App runs as uid/gid 1000 inside (id)" "uid=$(v uid) gid=$(v gid) groups=$(v groups)" \
        [ "$(v uid):$(v gid):$(v groups)" = 1000:1000:1000 ]
    chk "[$tag] root is not mapped (the guard shows as 65534 inside)" "pid1_uid=$(v pid1_uid)" [ "$(v pid1_uid)" = 65534 ]
    chk "[$tag] exec dir is read-only (EROFS)" "touch said '$(v exec_write)'" has "$(v exec_write)" "Read-only file system"
    if has "$(v etc_write)" "Permission denied" && has "$(v usr_write)" "Permission denied" &&
        [ "$(md5sum </etc/passwd)" = "$PASSWD_SUM" ] && [ ! -e /usr/x ] && [ ! -e "$d/usr/upper/x" ] && [ ! -e "$d/etc/upper/passwd" ]; then
        ok "[$tag] non-root App cannot write root-owned files (/etc/passwd, /usr: Permission denied)"
    else
        fail "[$tag] non-root App cannot write root-owned files" "etc='$(v etc_write)' usr='$(v usr_write)'"
    fi
    up=$d/home/upper/app/note.txt
    if [ "$(v home_write)" = ok ] && [ "$(v home_read)" = "note-$tag" ] && [ ! -e /home/app/note.txt ] && [ "$(cat "$up" 2>/dev/null)" = "note-$tag" ]; then
        ok "[$tag] the App's write lands in the data dir ($up), host /home untouched"
    else
        fail "[$tag] the App's write lands in the data dir" "write=$(v home_write) read='$(v home_read)' host=$(ls -A /home/app | tr '\n' ' ') upper='$(cat "$up" 2>&1)'"
    fi
    own=$(stat -c %u:%g "$up" 2>&1)
    chk "[$tag] the App's file is owned by 1000:1000 on the host" "owner $own" [ "$own" = 1000:1000 ]
    chk "[$tag] exec dir made in the data dir, not on the host" "host /var: $(ls -A /var | tr '\n' ' ')" \
        sh -c "[ ! -e /var/your_APP ] && [ -d '$d/var/upper/your_APP/execdir' ]"
    chk "[$tag] the App runs from the squashfs package (comp=$(v comp))" "comp='$(v comp)'" [ "$(v comp)" = xz ]
    chkl "[$tag] no guard and no loop device left after the run" 'echo guards: $(guards) loops: $(backing)' \
        wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && [ ! -e /sys/block/loop0/loop/backing_file ] && ! grep -qs '$pk' /sys/block/loop*/loop/backing_file"

    run_fg "$d" "$pk" "$OVL" $flags -- $EXEC/bin/sh $EXEC/app.sh read
    chk "[$tag] the write persists to a second run" "rc=$RC: $(oneline "$OUT")" [ "$RC:$(v note)" = "0:note-$tag" ]
    run_fg "$d" "$pk" "$OVL" $flags -- $EXEC/bin/sh $EXEC/app.sh exit 7
    chk "[$tag] rocker run exits with the App's status (7)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 7 ]
    i=0 bad=
    while [ $i -lt 5 ]; do
        i=$((i + 1))
        run_fg "$d" "$pk" "$OVL" $flags -- $EXEC/bin/true
        [ "$RC" = 0 ] || bad="$bad run $i: rc=$RC $(oneline "$OUT");"
    done
    chk "[$tag] 5 back-to-back runs on the same data dir succeed" "$bad" [ -z "$bad" ]
    chkl "[$tag] nothing left afterwards (guards, loop devices)" 'echo guards: $(guards) loops: $(backing)' \
        wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && ! grep -qs '$pk' /sys/block/loop*/loop/backing_file"
}
section "scenario, LOOP_CONFIGURE"
scenario configure $PKG
section "scenario, --legacy-loop (LOOP_SET_FD + LOOP_SET_STATUS64)"
# A copy: a package of its own, so no live sandbox can offer its loop device.
cp $PKG /tmp/app-legacy.sqfs
scenario legacy /tmp/app-legacy.sqfs --legacy-loop

section "squashfs compressors"
for c in gzip lz4; do
    run_fg /data/comp-$c /pkgs/app-$c.sqfs "--overlay /var --overlay /home" -- $EXEC/bin/sh $EXEC/app.sh read
    chk "squashfs -comp $c package runs" "rc=$RC: $(oneline "$OUT")" [ "$RC:$(v comp)" = "0:$c" ]
done

# ------------------------------------- 4b. escapes (issue 8), inside
section "escape checks: the App's view (tests/probe in the package)"
# The seed's configuration; the App is app.sh `escape`: probe ptrace 1,
# /proc/1/{root,fd,mem}, its /proc/self/mountinfo, then `exec probe status`.
run_fg /data/escape $PKG "$OVL" -- $EXEC/bin/sh $EXEC/app.sh escape
chk "[escape] rocker run exits 0" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
caps="$(v capbnd) $(v capeff) $(v capprm) $(v capinh) $(v capamb)"
chk "[escape] CapBnd, CapEff, CapPrm, CapInh, CapAmb are all 0" "Bnd Eff Prm Inh Amb = $caps" \
    [ "$caps" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000" ]
chk "[escape] NoNewPrivs 1" "NoNewPrivs=$(v nonewprivs)" [ "$(v nonewprivs)" = 1 ]
chk "[escape] uid/gid 1000, no supplementary groups" "uid=$(v uid) gid=$(v gid) groups='$(v groups)'" [ "$(v uid):$(v gid):$(v groups)" = 1000:1000: ]
chk "[escape] own session: sid == pgid == its pid ($(v pid))" "pid=$(v pid) sid=$(v sid) pgid=$(v pgid)" \
    sh -c "is() { case \$1 in ''|*[!0-9]*) return 1;; esac; }; is '$(v pid)' && [ '$(v sid)' = '$(v pid)' ] && [ '$(v pgid)' = '$(v pid)' ]"
chk "[escape] no controlling tty (open /dev/tty: $(v ctty))" "ctty=$(v ctty)" [ "$(v ctty)" = ENXIO ]
# The App is an ordinary uid-1000 process after execve: dumpable 1. The one
# made non-dumpable is the guard (PID 1 inside), checked through /proc/1.
chk "[escape] the App itself is dumpable (1): the guard is the non-dumpable one" "dumpable=$(v dumpable)" [ "$(v dumpable)" = 1 ]
chk "[escape] ptrace(PTRACE_ATTACH / PTRACE_SEIZE, 1) -> EPERM" "attach=$(v ptrace_attach) seize=$(v ptrace_seize)" \
    [ "$(v ptrace_attach):$(v ptrace_seize)" = EPERM:EPERM ]
p1="root=$(v proc1_root_ls) rootlink=$(v proc1_rootlink_readlink) fd=$(v proc1_fd_ls) mem=$(v proc1_mem_open)"
chk "[escape] the guard's /proc/1/root, /proc/1/fd, /proc/1/mem are out of reach (EACCES)" "$p1" \
    [ "$p1" = "root=EACCES rootlink=EACCES fd=EACCES mem=EACCES" ]
# mountinfo: mount point $5, per-mount options $6, fs type after "-"; the
# last line of a mount point is the one on top.
mbad=$(printf '%s\n' "$OUT" | sed -n 's/^mnt=//p' | awk -v want="/usr /var /etc /home /root $EXEC /proc" '
    { for (i = 7; i <= NF && $i != "-"; i++) ; m[$5] = $6; t[$5] = $(i + 1) }
    END {
        n = split(want, w, " ")
        for (k = 1; k <= n; k++) {
            p = w[k]
            if (!(p in m)) { printf "%s: not mounted; ", p; continue }
            need = (p == "/proc") ? "nosuid nodev noexec" : "nosuid nodev"
            c = split(need, q, " ")
            for (j = 1; j <= c; j++) if (index("," m[p] ",", "," q[j] ",") == 0) printf "%s (%s) %s lacks %s; ", p, t[p], m[p], q[j]
        }
    }')
chk "[escape] mountinfo: overlays /usr /var /etc /home /root and the exec dir nosuid,nodev; /proc nosuid,nodev,noexec" \
    "$mbad" [ -z "$mbad" ]

section "escape checks: TIOCSTI into the caller's terminal"
# The caller's session has a terminal as its controlling tty and gives it to
# the App as stdin; the App (own session, setsid) must get EPERM. The
# controls run the same probe as uid 1000 in that session, outside rocker:
# INJECTED there proves the kernel would let a same-session App do it.
# (a) a pty: `rocker-probe pty` = a new session whose ctty is a new pty
#     (Debian's busybox has no `script`).
OUT=$($PROBE pty $PROBE as 1000 1000 $PROBE tiocsti x 2>&1)
chk "[tiocsti] control: uid 1000 in the caller's session on its pty injects (INJECTED)" "$(oneline "$OUT")" [ "$(v tiocsti)" = INJECTED ]
mkdir -p /data/tty
OUT=$($PROBE pty /rocker/bin/rocker run --pkg $PKG --exec-dir $EXEC --data-dir /data/tty $OVL --uid 1000 --gid 1000 -- $EXEC/bin/probe tiocsti x 2>&1)
RC=$?
chk "[tiocsti] the App with the caller's pty as stdin: EPERM" "rc=$RC: $(oneline "$OUT")" [ "$RC:$(v tiocsti)" = 0:EPERM ]
# (b) the serial console: `setsid -c` makes /dev/console (the UART behind it)
#     the controlling tty of a new session, rocker run in it, stdin the console.
OUT=$(setsid -c /rocker/bin/rocker run --pkg $PKG --exec-dir $EXEC --data-dir /data/tty $OVL --uid 1000 --gid 1000 -- $EXEC/bin/probe tiocsti x </dev/console 2>&1)
RC=$?
chk "[tiocsti] the App with the console (the caller's ctty) as stdin: EPERM" "rc=$RC: $(oneline "$OUT")" [ "$RC:$(v tiocsti)" = 0:EPERM ]

# (c) `rocker run --tty`: the App gets a pty of its own as stdio and ctty,
#     never the caller's (the CLI relays between the two).
OUT=$($PROBE pty /bin/sh -c "$PROBE readlink /proc/self/fd/0; /rocker/bin/rocker run --tty --pkg $PKG --exec-dir $EXEC --data-dir /data/tty $OVL --uid 1000 --gid 1000 -- $EXEC/bin/sh -c '$EXEC/bin/probe readlink /proc/self/fd/0; exec $EXEC/bin/probe status'" 2>&1)
RC=$?
OUT=$(printf '%s\n' "$OUT" | tr -d '\r') # the App's pty has OPOST on: CRLF
t1=$(printf '%s\n' "$OUT" | sed -n 's/^readlink=//p' | sed -n 1p)
t2=$(printf '%s\n' "$OUT" | sed -n 's/^readlink=//p' | sed -n 2p)
chk "[tty] rocker run --tty: the App's stdin and ctty are a new pty ($t2), not the caller's ($t1); own session" "rc=$RC: $(oneline "$OUT")" \
    sh -c "[ $RC = 0 ] && case '$t1:$t2' in /dev/pts/*:/dev/pts/*) [ '$t1' != '$t2' ] ;; *) false ;; esac && [ '$(v ctty)' = yes ] && [ '$(v sid)' = '$(v pid)' ]"

section "escape checks: symlinks planted for root to follow"
# Issue 8 item 4: the App plants a symlink above a later exec dir inside an
# overlay (/home/app is uid 1000's on the host); the next run must refuse it
# and create nothing at the target.
rm -rf /tmp/evil-target
mkdir -p /tmp/evil-target /data/plant
run_fg /data/plant $PKG "$OVL" -- $EXEC/bin/probe symlink /tmp/evil-target /home/app/plant
pl=$(readlink /data/plant/home/upper/app/plant 2>&1)
chk "[symlink] the App planted /home/app/plant -> /tmp/evil-target (in its upper dir)" "rc=$RC: $(oneline "$OUT") readlink: $pl" \
    [ "$RC:$(v symlink):$pl" = 0:OK:/tmp/evil-target ]
errcase "exec dir below the App's symlink (/home/app/plant/execdir)" param_invalid exec_dir_invalid ELOOP mkdir_exec_dir \
    $R --pkg $PKG --exec-dir /home/app/plant/execdir --data-dir /data/plant $OVL -- /home/app/plant/execdir/bin/true
mkdir -p /data/real /data/lay /data/upl/var
ln -sfn /data/real /data/link
ln -sfn /tmp/evil-target /data/lay/var
ln -sfn /tmp/evil-target /data/upl/var/upper
errcase "data dir is a symlink" param_invalid data_dir_invalid ELOOP open_data_dir \
    $R --pkg $PKG --exec-dir $EXEC --data-dir /data/link --overlay /var -- $EXEC/bin/true
errcase "layer dir <data>/var is a symlink" param_invalid data_dir_invalid "(ELOOP|ENOTDIR)" "mkdir_layer \(overlay 0\)" \
    $R --pkg $PKG --exec-dir $EXEC --data-dir /data/lay --overlay /var -- $EXEC/bin/true
errcase "<data>/var/upper is a symlink" param_invalid data_dir_invalid "(ELOOP|ENOTDIR)" "mkdir_layer \(overlay 0\)" \
    $R --pkg $PKG --exec-dir $EXEC --data-dir /data/upl --overlay /var -- $EXEC/bin/true
chk "[symlink] nothing was created through the symlinks (/tmp/evil-target, /data/real empty)" \
    "evil-target: $(ls -A /tmp/evil-target | tr '\n' ' ') real: $(ls -A /data/real | tr '\n' ' ')" \
    empty_dirs /tmp/evil-target /data/real
# Issue 8 item 8: the guard's own report wins over its exit that follows
# (it used to be build_rocker_failed/ECHILD now and then).
i=0 bad=
while [ $i -lt 10 ]; do
    i=$((i + 1))
    OUT=$($R --pkg $PKG --exec-dir $EXEC --data-dir /data/lay --overlay /var -- $EXEC/bin/true 2>&1 </dev/null)
    RC=$?
    [ "$RC" = 125 ] && printf '%s' "$OUT" | grep -qE "$(errre param_invalid data_dir_invalid '(ELOOP|ENOTDIR)' mkdir_layer)" || bad="$bad run $i: rc=$RC $(oneline "$OUT");"
done
chk "[symlink] the guard's own error wins: 10 runs, 10 x data_dir_invalid (never build_rocker_failed/ECHILD)" "$bad" [ -z "$bad" ]
chkl "escape checks leave no guard, no loop device" 'echo guards: $(guards) loops: $(backing)' \
    wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && ! ls /sys/block/loop*/loop/backing_file >/dev/null 2>&1"

# -------------------------------------------------------- 5. lifecycle
section "lifecycle"
# life TAG PKG FLAGS HOW: detach a sleeping App, check it, end it with HOW
# (kill9 = kill -9 of the guard, rocker-kill = `rocker kill NAME`).
life() {
    tag=$1 pk=$2 flags=$3 how=$4 lmode="LOOP_CONFIGURE"
    [ -z "$flags" ] || lmode="LOOP_SET_FD + LOOP_SET_STATUS64"
    if ! detach /data/life-$tag "$pk" $flags --app-id 4242 -- $EXEC/bin/sh $EXEC/app.sh sleep 600; then
        fail "[$tag] rocker run --detach" "rc=$DRC: $(oneline "$DOUT")"
        return
    fi
    chk "[$tag] rocker run --detach prints GUARD_PID GUARD_NAME APP_PID ($GPID $GNAME $APID)" "'$DOUT'" re "$GNAME" '^rg-[0-9a-f]{12}$'
    chk "[$tag] the guard's comm on the host is its name, its parent the master" \
        "comm='$(cat /proc/$GPID/comm 2>&1)' ppid=$(ppid $GPID)" [ "$(cat /proc/$GPID/comm 2>/dev/null):$(ppid $GPID)" = "$GNAME:$MPID" ]
    ids=$(awk '/^Uid:/{u=$2" "$3" "$4" "$5} /^Gid:/{g=$2" "$3" "$4" "$5} END{print u"/"g}' /proc/$APID/status 2>&1)
    chk "[$tag] the detached App runs as uid/gid 1000 on the host (/proc/APP/status)" "$ids" [ "$ids" = "1000 1000 1000 1000/1000 1000 1000 1000" ]
    ps_out=$(rocker ps 2>&1)
    chk "[$tag] rocker ps lists it (guard pid, name, app id 4242, package)" "$(oneline "$ps_out")" \
        re "$ps_out" "^$GPID +$GNAME +4242 +[0-9dhms]+ +host +- +- +$pk\$"
    sd=$(loop_sysdir "$pk")
    chk "[$tag] its loop device ${sd#/sys/block/} is read-only + autoclear ($lmode)" "sysfs ro=$(cat $sd/ro 2>&1) autoclear=$(cat $sd/loop/autoclear 2>&1)" \
        [ "$(cat "$sd/ro" 2>/dev/null):$(cat "$sd/loop/autoclear" 2>/dev/null)" = 1:1 ]
    case $how in
    kill9) kill -9 "$GPID" ;;
    rocker-kill)
        ko=$(rocker kill "$GNAME" 2>&1)
        krc=$?
        chk "[$tag] rocker kill $GNAME" "rc=$krc: $(oneline "$ko")" [ "$krc:$ko" = 0: ]
        ;;
    esac
    chk "[$tag] $how of the guard ends the sandbox (guard reaped)" "guard $GPID still there after 15 s" wait_until 150 gone "$GPID"
    chk "[$tag] ... and the App with it" "App $APID alive" wait_until 50 dead "$APID"
    chkl "[$tag] ... and its loop device" 'backing' wait_until 100 no_loops "$pk"
    ps_out=$(rocker ps 2>&1)
    chk "[$tag] ... rocker ps no longer lists it" "$(oneline "$ps_out")" sh -c "! printf '%s' \"\$1\" | grep -q '$GNAME'" _ "$ps_out"
    chkl "[$tag] ... the master logged the guard's end (signal 9)" 'oneline "$(tail -n3 "$MLOG")"' mlog_has "exit guard=$GPID name=$GNAME signal=9"
    if [ "$how" = rocker-kill ]; then
        ko=$(rocker kill "$GNAME" 2>&1)
        krc=$?
        chk "[$tag] rocker kill of an ended sandbox fails (exit 125)" "rc=$krc: $(oneline "$ko")" [ "$krc" = 125 ]
    fi
}
cp $PKG /tmp/app-kill.sqfs
cp $PKG /tmp/app-legacy2.sqfs
life detach-configure /tmp/app-kill.sqfs "" kill9
life detach-legacy /tmp/app-legacy2.sqfs --legacy-loop rocker-kill

if detach /data/life-auto $PKG -- $EXEC/bin/sleep 2; then
    chk "[auto-exit] the guard exits by itself after the last App" "guard $GPID still there after 20 s" wait_until 200 gone "$GPID"
    chkl "[auto-exit] ... with status 0 (master log)" 'oneline "$(tail -n3 "$MLOG")"' mlog_has "exit guard=$GPID name=$GNAME status=0"
    chkl "[auto-exit] ... and its loop device detached" 'backing' wait_until 100 no_loops $PKG
else
    fail "[auto-exit] rocker run --detach" "rc=$DRC: $(oneline "$DOUT")"
fi

# ------------------------------------------------------ 6. error paths
section "error paths"
printf 'this is not a squashfs image\n' >/tmp/junk.sqfs
OK="--exec-dir $EXEC --data-dir /data/err"
LONG=/var/$(printf '%0300d' 0)
# 300 bytes in 10-byte components: a path the kernel takes, too long for the wire
LONGD=/data/$(printf 'abcdefghi/%.0s' $(seq 30))
mkdir -p /data/err "$LONGD"
errcase "missing package" param_invalid pkg_missing ENOENT open_pkg $R --pkg /pkgs/missing.sqfs $OK --overlay /var -- /bin/true
errcase "package is not squashfs" param_invalid pkg_not_squashfs EINVAL pkg_check $R --pkg /tmp/junk.sqfs $OK --overlay /var -- /bin/true
errcase "package is a directory" param_invalid pkg_not_squashfs EINVAL pkg_check $R --pkg /pkgs $OK --overlay /var -- /bin/true
errcase "relative exec dir" param_invalid path_relative EINVAL validate $R --pkg $PKG --exec-dir var/your_APP/execdir --data-dir /data/err --overlay /var -- /bin/true
errcase "300-byte exec dir" param_invalid path_too_long ENAMETOOLONG validate $R --pkg $PKG --exec-dir $LONG --data-dir /data/err --overlay /var -- /bin/true
errcase "300-byte data dir" param_invalid path_too_long ENAMETOOLONG validate $R --pkg $PKG --exec-dir $EXEC --data-dir "$LONGD" --overlay /var -- /bin/true
# A missing data dir is created by the CLI (ROUND2 "CLI"), not a 296-byte
# one: the CLI leaves it to the master, which refuses the path.
errcase "missing data dir with a 296-byte name (the CLI cannot create it)" param_invalid path_too_long ENAMETOOLONG validate \
    $R --pkg $PKG --exec-dir $EXEC --data-dir $LONG --overlay /var -- /bin/true
errcase "overlay /nonexistent" param_invalid overlay_invalid ENOENT "validate \(overlay 1\)" $R --pkg $PKG $OK --overlay /var --overlay /nonexistent -- /bin/true
for o in /proc /usr/share; do
    errcase "overlay $o" param_invalid overlay_invalid EINVAL "validate \(overlay 1\)" $R --pkg $PKG $OK --overlay /var --overlay $o -- /bin/true
done
errcase "no server (rocker run)" server_unaddr_invalid no_server ENOENT connect env ROCKER_SOCKET=/run/absent.sock $R --pkg $PKG $OK --overlay /var -- /bin/true
errcase "no server (rocker ps)" server_unaddr_invalid no_server ENOENT connect env ROCKER_SOCKET=/run/absent.sock rocker ps
errcase "test_stall without rocker-master --test-hooks" sys permission_denied EPERM validate $R --pkg $PKG $OK --overlay /var --test-stall loop_set_fd -- /bin/true
if detach /data/busy $PKG -- $EXEC/bin/sleep 600; then
    errcase "data dir in use by a live sandbox" param_invalid data_dir_invalid EBUSY open_data_dir $R --pkg $PKG --exec-dir $EXEC --data-dir /data/busy --overlay /var -- /bin/true
    rocker kill "$GNAME" >/dev/null 2>&1
    wait_until 150 gone "$GPID"
else
    fail "error: data dir in use: first sandbox" "rc=$DRC: $(oneline "$DOUT")"
fi
chk "master still alive after the refusals" "master $MPID gone" alive "$MPID"
chkl "error paths leave no guard, no loop device" 'echo guards: $(guards) loops: $(backing)' \
    wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && ! ls /sys/block/loop*/loop/backing_file >/dev/null 2>&1"

# ---------------------------------------------- 6b. connection slots
section "connection slots (issue 8 item 3)"
# Root has no share of its own: 32 idle connections of root fill the table,
# then one more (rocker ps) is refused at once (EMFILE); the idle ones are
# closed by the master after 2 s. (Non-root peers: 8 per uid, 24 together,
# EUSERS: tests/integration.)
rm -f /tmp/hold.out
$PROBE hold $SOCK 32 8000 >/tmp/hold.out 2>&1 &
HJ=$!
wait_until 50 grep -q '^held=' /tmp/hold.out
OUT=$(rocker ps 2>&1)
RC=$?
held=$(sed -n 's/^held=//p' /tmp/hold.out)
chk "root holds 32 idle connections (the whole table)" "probe: $(oneline "$(cat /tmp/hold.out)")" [ "$held" = 32 ]
chk "one more is refused at once: ROCKER_ERR_build_rocker_failed (busy): EMFILE" "rc=$RC: $(oneline "$OUT")" \
    sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -qE 'ROCKER_ERR_build_rocker_failed \(busy\): EMFILE \([0-9]+\)'" _ "$OUT"
wait $HJ
hold=$(sed -n 's/^closed=//p' /tmp/hold.out)
ms=${hold##*ms=}
chk "the idle connections are closed by the master after ~2 s (closed=${hold%% *}, ${ms} ms)" "probe: $(oneline "$(cat /tmp/hold.out)")" \
    sh -c "[ '${hold% ms=*}' = '32 replied=0' ] && [ '$ms' -ge 1000 ] && [ '$ms' -le 6000 ]"
chkl "... the master logged 'drop peer=$HJ: idle' 32 times" 'oneline "$(grep "peer=$HJ" "$MLOG")"' \
    [ "$(grep -c "drop peer=$HJ: idle" "$MLOG")" = 32 ]
OUT=$(rocker ps 2>&1)
RC=$?
chk "... then root's slots are free again (rocker ps)" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]

# ------------------------------------------------ 7. concurrent sandboxes
section "$NBOX concurrent sandboxes"
# $NBOX foreground `rocker run` (one package, own data dirs), then `rocker
# kill NAME` each: every rocker run must exit 137. Started in waves of 6:
# root may have 8 connections at once (ROUND2), and a start holds its
# connection until the reply (a burst of 16 gets busy/EUSERS for the rest).
# A wave is done when its Apps run (the connection is closed by then).
PM=/tmp/app-many.sqfs
WAVE=6
cp $PKG $PM
apps_ge() { [ "$(apps sleep)" -ge "$1" ]; }
jobs_=
i=1
while [ $i -le "$NBOX" ]; do
    mkdir -p /data/many-$i
    rocker run --pkg $PM --exec-dir $EXEC --data-dir /data/many-$i --overlay /var --uid 1000 --gid 1000 \
        --app-id $((100 + i)) -- $EXEC/bin/sleep 600 </dev/null >/tmp/many-$i.out 2>&1 &
    jobs_="$jobs_ $!"
    if [ $((i % WAVE)) = 0 ] || [ $i = "$NBOX" ]; then wait_until 600 apps_ge $i; fi
    i=$((i + 1))
done
many_rows() { rocker ps 2>/dev/null | grep -c " $PM\$"; }
ps_out=$(rocker ps 2>&1)
rows=$(printf '%s\n' "$ps_out" | grep " $PM\$")
nrows=$(printf '%s\n' "$rows" | grep -c .)
nuniq=$(printf '%s\n' "$rows" | awk '{print $2}' | sort -u | grep -c .)
chk "$NBOX concurrent sandboxes start (waves of $WAVE), rocker ps lists $NBOX with distinct names" \
    "rows=$nrows names=$nuniq: $(cat /tmp/many-*.out | tr '\n' ' ')" [ "$nrows:$nuniq" = "$NBOX:$NBOX" ]
bad=
for g in $(printf '%s\n' "$rows" | awk '{print $1":"$2}'); do
    [ "$(cat /proc/${g%%:*}/comm 2>/dev/null):$(ppid ${g%%:*})" = "${g#*:}:$MPID" ] || bad="$bad $g"
done
chk "every listed guard is alive, named as listed, a child of the master" "$bad" [ -z "$bad" ]
nl=$(loops $PM)
chk "their loop devices are attached read-only ($nl device(s) for $NBOX sandboxes of one package: shared)" "$(backing)" \
    sh -c "[ $nl -ge 1 ] && [ $nl -le $NBOX ] && for f in /sys/block/loop*/loop/backing_file; do [ \"\$(cat \$f)\" = $PM ] || continue; d=\${f%/loop/backing_file}; [ \"\$(cat \$d/ro)\" = 1 ] || exit 1; done"
for n in $(printf '%s\n' "$rows" | awk '{print $2}'); do rocker kill "$n" >>/tmp/many.kill 2>&1; done
rcs=
for j in $jobs_; do
    wait "$j"
    rcs="$rcs $?"
done
chk "rocker kill NAME x$NBOX: every App dies of SIGKILL (rocker run exits 137)" "exit codes:$rcs $(oneline "$(cat /tmp/many.kill 2>/dev/null)")" \
    [ "$(echo $rcs | tr ' ' '\n' | sort -u)" = 137 ]
many_gone() { [ "$(many_rows)" = 0 ] && [ -z "$(guards)" ] && no_loops $PM; }
chkl "all $NBOX guards reaped, rocker ps empty, loop devices detached" 'echo rows=$(many_rows) guards: $(guards) loops: $(backing)' \
    wait_until 100 many_gone

# ------------------------------------- 8. master restart (issue 8 item 5)
section "master killed with SIGKILL, restarted: adoption"
PA=/tmp/app-adopt.sqfs
cp $PKG $PA
a_ok=1
detach /data/adopt-1 $PA --app-id 51 -- $EXEC/bin/sleep 600 || a_ok=0
G1=$GPID N1=$GNAME A1=$APID
detach /data/adopt-2 $PA --app-id 52 -- $EXEC/bin/sleep 600 || a_ok=0
G2=$GPID N2=$GNAME A2=$APID
chk "two detached sandboxes ($N1 $N2)" "rc=$DRC: $(oneline "$DOUT")" [ $a_ok = 1 ]
rec=$(ls $STATE 2>&1 | tr '\n' ' ')
chk "the master keeps one record per sandbox in $STATE ($rec)" "$rec" [ "$rec" = "$(printf '%s\n' $N1 $N2 | sort | tr '\n' ' ')" ]
OLD=$MPID
kill -9 $OLD
wait $OLD 2>/dev/null
chk "after SIGKILL of the master the sandboxes live on (guards and Apps)" "$(for p in $G1 $G2 $A1 $A2; do alive $p && printf "%s:up " $p || printf "%s:down " $p; done)" \
    all_alive $G1 $G2 $A1 $A2
echo "# --- restart" >>"$MLOG"
start_master --test-hooks
chk "a new master (--test-hooks) starts on the same socket (pid $MPID)" "$(oneline "$(tail -n5 "$MLOG")")" alive $MPID
chkl "it adopts both sandboxes ('adopt guard=$G1 name=$N1', 'adopt guard=$G2 name=$N2')" 'oneline "$(grep adopt "$MLOG")"' \
    sh -c "grep -q 'adopt guard=$G1 name=$N1 ' '$MLOG' && grep -q 'adopt guard=$G2 name=$N2 ' '$MLOG'"
ps_out=$(rocker ps 2>&1)
chk "rocker ps lists them (pid, name, app id 51/52, package)" "$(oneline "$ps_out")" \
    sh -c "printf '%s\n' \"\$1\" | grep -qE '^$G1 +$N1 +51 +[0-9dhms]+ +host +- +- +$PA\$' && printf '%s\n' \"\$1\" | grep -qE '^$G2 +$N2 +52 +[0-9dhms]+ +host +- +- +$PA\$'" _ "$ps_out"
errcase "a RUN on an adopted sandbox's data dir (waits 2 s)" param_invalid data_dir_invalid EBUSY open_data_dir \
    $R --pkg $PKG --exec-dir $EXEC --data-dir /data/adopt-1 --overlay /var -- $EXEC/bin/true
if detach /data/adopt-3 $PA --app-id 53 -- $EXEC/bin/sleep 600; then
    nl=$(loops $PA)
    chk "a new sandbox of the same package shares the adopted loop device ($nl device(s))" "$(backing)" [ "$nl" = 1 ]
    ko=$(rocker kill "$GNAME" 2>&1)
    chk "... and ends (rocker kill) with the adopted ones running" "rc=$?: $(oneline "$ko")" wait_until 150 gone "$GPID"
else
    fail "a new sandbox of the same package after the restart" "rc=$DRC: $(oneline "$DOUT")"
fi
ko=$(rocker kill "$N1" 2>&1)
krc=$?
chk "rocker kill $N1 (adopted)" "rc=$krc: $(oneline "$ko")" [ "$krc:$ko" = 0: ]
chk "... ends it: guard gone, App dead" "guard $G1 $(alive $G1 && echo up), App $A1 $(alive $A1 && echo up)" ended $G1 $A1
chkl "... the master learns of its end ('exit guard=$G1 name=$N1 (adopted)')" 'oneline "$(tail -n3 "$MLOG")"' \
    wait_until 50 mlog_has "exit guard=$G1 name=$N1 (adopted)"
ps_out=$(rocker ps 2>&1)
chk "... rocker ps no longer lists it, its record is gone" "ps: $(oneline "$ps_out") records: $(ls $STATE | tr '\n' ' ')" \
    sh -c "! printf '%s' \"\$1\" | grep -q $N1 && [ ! -e $STATE/$N1 ]" _ "$ps_out"
run_fg /data/adopt-1 $PKG "--overlay /var" -- $EXEC/bin/true
chk "... its data dir is free again" "rc=$RC: $(oneline "$OUT")" [ "$RC" = 0 ]
# SIGTERM ends adopted sandboxes too ($N2 is still running).
kill -TERM $MPID
wait $MPID
RC=$?
chk "SIGTERM of the restarted master: exit 0, socket removed" "rc=$RC socket: $(ls $SOCK 2>&1)" [ "$RC:$(ls $SOCK 2>/dev/null)" = 0: ]
chk "... and it ended the adopted $N2 (guard gone, App dead, no record)" "guard $G2 $(alive $G2 && echo up), App $A2 $(alive $A2 && echo up), records: $(ls $STATE | tr '\n' ' ')" \
    ended_norec $G2 $A2
chkl "... no loop device of the package left" 'backing' wait_until 100 no_loops $PA

# ---------------------------- 9. legacy loop: guard killed mid-attach (item 6)
section "legacy loop: a guard killed between LOOP_SET_FD and LOOP_SET_STATUS64"
echo "# --- restart" >>"$MLOG"
start_master --test-hooks
MFD0=$(ls /proc/$MPID/fd | wc -l)
PS_=/tmp/app-stall.sqfs
cp $PKG $PS_
mkdir -p /data/stall
rocker run --pkg $PS_ --legacy-loop --test-stall loop_set_fd --exec-dir $EXEC --data-dir /data/stall --overlay /var \
    --uid 1000 --gid 1000 -- $EXEC/bin/true </dev/null >/tmp/stall.out 2>&1 &
SJ=$!
wait_until 300 loop_sysdir $PS_ >/dev/null
sd=$(loop_sysdir $PS_)
G=$(guards | tr '\n' ' ')
G=${G#/proc/}
G=${G%% *}
chk "the guard stalls after LOOP_SET_FD: ${sd#/sys/block/} attached, autoclear 0 (guard $G)" \
    "sysfs dir '$sd' autoclear=$(cat $sd/loop/autoclear 2>&1) guards: $(guards | tr '\n' ' ')" \
    sh -c "[ -n '$sd' ] && [ \"\$(cat $sd/loop/autoclear)\" = 0 ] && [ -n '$G' ]"
[ -n "$G" ] && kill -9 "$G"
wait $SJ
RC=$?
chk "... kill -9 of the guard: rocker run fails (exit 125, ROCKER_ERR_build_rocker_failed)" "rc=$RC: $(oneline "$(cat /tmp/stall.out)")" \
    sh -c "[ $RC = 125 ] && grep -q 'ROCKER_ERR_build_rocker_failed' /tmp/stall.out"
chkl "... the master detaches the loop device (none left with $PS_)" 'backing' wait_until 100 no_loops $PS_
chkl "... and says so ('detached ${sd#/sys/block/} (its guard died before auto-clear was set)')" 'oneline "$(tail -n4 "$MLOG")"' \
    mlog_has "detached ${sd#/sys/block/} (its guard died before auto-clear was set)"
chkl "... no guard left, rocker ps empty" 'echo guards: $(guards) ps: $(rocker ps 2>&1 | tail -n +2)' \
    wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && [ \$(rocker ps | wc -l) = 1 ]"

# --------------------------------------------------------------- rootfs mode
# Issue 13: the busybox tree of scripts/busybox-rootfs.sh as the sandbox's
# whole root; / is a tmpfs here (after switch_root), so pivot_root works
# (stage 1 checked the initramfs case). A foreground run is driven by
# rocker run itself; each check looks at what the App prints.
section "rootfs mode (issue 13)"
RT=/pkgs/rootfs.sqfs
rootfs_run() { # DATA FLAGS... -- PROG: $OUT, $RC
    rr_d=$1
    shift
    mkdir -p "$rr_d"
    chown 1000:1000 "$rr_d"
    OUT=$(timeout $TMO rocker run --rootfs --pkg $RT --data-dir "$rr_d" --uid 1000 --gid 1000 "$@" 2>&1)
    RC=$?
}
VIEW='grep PRETTY /etc/os-release; awk "\$5 !~ /^\/(proc|sys)\/./ {print \$5}" /proc/self/mountinfo | tr "\n" " "; echo
    cd /.. && ls | tr "\n" " "; echo; ls /proc/1/root 2>&1 >/dev/null | grep -c denied; ls -A /dev | tr "\n" " "; echo
    awk "\$5 == \"/\" || \$5 == \"/sys\" {print \$5, \$6}" /proc/self/mountinfo | tr "\n" " "; echo'
for how in pivot_root --no-pivot; do
    if [ $how = pivot_root ]; then rootfs_run /data/rootfs -- /bin/sh -c "$VIEW"; else rootfs_run /data/rootfs --no-pivot -- /bin/sh -c "$VIEW"; fi
    l2=$(echo "$OUT" | sed -n 2p)
    chk "rootfs ($how): the tree's os-release, only the sandbox's mounts ($l2)" "rc=$RC $(oneline "$OUT")" \
        sh -c "[ $RC = 0 ] && echo \"\$1\" | grep -q '^PRETTY_NAME=\"rocker test rootfs' && [ \"\$2\" = '/ /tmp /proc /dev /dev/pts /dev/shm /dev/mqueue /sys ' ]" _ "$OUT" "$l2"
    chk "rootfs ($how): no host path ('..' from / stays, /proc/1/root refused), /dev as runc's, / rw and /sys read-only" "$(oneline "$OUT")" \
        sh -c "echo \"\$1\" | sed -n 3p | grep -q '^bin dev etc home' && ! echo \"\$1\" | sed -n 3p | grep -qE 'pkgs|rocker|guest-tests' &&
            [ \"\$(echo \"\$1\" | sed -n 4p)\" = 1 ] && [ \"\$(echo \"\$1\" | sed -n 5p)\" = 'fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ' ] &&
            echo \"\$1\" | sed -n 6p | grep -q '^/ rw,nosuid,nodev,[a-z]* /sys ro,nosuid,nodev,noexec'" _ "$OUT"
done
rootfs_run /data/rootfs --share tmp -- /bin/sh -c 'echo kept >/tmp/p'
rootfs_run /data/rootfs --share tmp -- /bin/cat /tmp/p
chk "rootfs: a write persists in <data>/rootfs/upper" "rc=$RC '$OUT' $(ls -l /data/rootfs/rootfs/upper/tmp 2>&1 | tr '\n' ' ')" \
    sh -c "[ '$OUT' = kept ] && [ \"\$(stat -c %u /data/rootfs/rootfs/upper/tmp/p)\" = 1000 ]"
rootfs_run /data/rootfs-ro --read-only -- /bin/sh -c 'touch /x; echo t >/tmp/t && cat /tmp/t'
chk "rootfs --read-only: touch /x -> EROFS, /tmp works, data dir untouched" "rc=$RC $(oneline "$OUT") data: $(ls -A /data/rootfs-ro)" \
    sh -c "echo \"\$1\" | grep -q 'Read-only file system' && echo \"\$1\" | grep -qx t && [ -z \"\$(ls -A /data/rootfs-ro)\" ]" _ "$OUT"
mkdir -p /tmp/bind-in
echo hostfile >/tmp/bind-in/f
ln -sf /tmp/bind-in /tmp/bind-link
rootfs_run /data/rootfs --bind /tmp/bind-in:/srv/in --cwd /srv/in -- /bin/sh -c 'pwd; cat f; echo x >f'
chk "rootfs: a bind (made in the tree, read-only), --cwd" "rc=$RC $(oneline "$OUT")" \
    sh -c "echo \"\$1\" | grep -qx /srv/in && echo \"\$1\" | grep -qx hostfile && echo \"\$1\" | grep -q 'Read-only file system'" _ "$OUT"
rootfs_run /data/rootfs --bind /tmp/bind-link:/l -- /bin/true
chk "rootfs: a symlink as a bind's host path -> bind_invalid ELOOP" "rc=$RC $(oneline "$OUT")" \
    sh -c "[ $RC = 125 ] && echo \"\$1\" | grep -q 'bind_invalid): ELOOP ([0-9]*) at mount_binds'" _ "$OUT"
rm -rf /tmp/bind-in /tmp/bind-link
chkl "rootfs: no loop device left" 'backing' wait_until 100 no_loops

# --------------------------------------------------------------- 10. leaks
section "isolation and network (issue 10)"
echo "host-tmp-secret" >/tmp/host-secret
run_fg /data/iso "$PKG" "--overlay /var" -- $EXEC/bin/sh $EXEC/app.sh iso
hn=$(v hostname)
chk "iso: own hostname, the sandbox's name ($hn)" "rc=$RC: $(oneline "$OUT")" re "$hn" '^rg-[0-9a-f]{12}$'
chk "iso: a private /dev with only the standard nodes ($(v dev))" "$(v dev)" \
    [ "$(v dev)" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" ]
chk "iso: a private /tmp (the host's files unseen)" "tmp='$(v tmp)'" [ -z "$(v tmp)" ]
chk "iso: the host's network by default" "netns=$(v netns)" [ "$(v netns)" = "$(readlink /proc/self/ns/net)" ]
run_fg /data/iso "$PKG" "--overlay /var" --hostname box-1 --net none -- $EXEC/bin/sh $EXEC/app.sh iso
chk "iso: --hostname box-1" "$(oneline "$OUT")" [ "$(v hostname)" = box-1 ]
chk "iso: --net none: its own netns with only lo, up ($(v links) $(v lo))" "$(oneline "$OUT")" \
    sh -c "[ \"$(v links)\" = 'lo ' ] && printf '%s' \"$(v lo)\" | grep -q '[<,]UP[,>]' && [ \"$(v netns)\" != \"$(readlink /proc/self/ns/net)\" ]"
rm -f /tmp/host-secret
veth_gone() { ended "$1" "$2" && wait_until 50 sh -c "! [ -d /sys/class/net/$3 ]"; }
{
    detach /data/net-a "$PKG" --net bridge:rkq0 -- $EXEC/bin/sh $EXEC/app.sh serve 8080
    SA=$GPID SAPP=$APID
    chk "net: a bridge sandbox starts (server, guard $SA)" "rc=$DRC: $(oneline "$DOUT")" [ "$DRC" = 0 ]
    chk "net: the master made bridge rkq0 (10.88.0.1/16) and a veth named after the sandbox" "$(ls /sys/class/net | tr '\n' ' ')" \
        sh -c "[ -d /sys/class/net/rkq0 ] && [ -d /sys/class/net/$GNAME ]"
    ps_out=$(rocker ps 2>&1)
    chk "net: rocker ps shows its address" "$(oneline "$ps_out")" re "$ps_out" "^$SA +$GNAME .* 10\.88\.0\.2/16 "
    sleep 1
    run_fg /data/net-b "$PKG" "--overlay /var" --net bridge:rkq0 -- $EXEC/bin/sh $EXEC/app.sh connect 10.88.0.2 8080
    chk "net: two sandboxes on one bridge talk over TCP (got '$(v got)')" "rc=$RC: $(oneline "$OUT")" [ "$(v got)" = "served-by-$GNAME" ]
    chk "net: the server sandbox ends, its veth goes" "$(ls /sys/class/net | tr '\n' ' ')" veth_gone "$SA" "$SAPP" "$GNAME"
}

section "leaks"
chkl "end: no loop device attached (/sys/block/loop*/loop/backing_file)" 'backing' wait_until 50 no_loops
MOUNTS1=$(cat /proc/mounts)
chk "end: /proc/mounts unchanged" "$(oneline "$(printf '%s\n' "$MOUNTS1" | grep -vxF "$MOUNTS0")")" [ "$MOUNTS0" = "$MOUNTS1" ]
MFD1=$(ls /proc/$MPID/fd | wc -l)
chk "end: master fd count unchanged ($MFD0)" "now $MFD1: $(ls -l /proc/$MPID/fd | tail -n +2 | awk '{print $9,$11}' | tr '\n' ' ')" [ "$MFD1" = "$MFD0" ]
kids=
for p in /proc/[0-9]*; do
    ppid_of "${p#/proc/}"
    [ "$PPID_" = "$MPID" ] && kids="$kids ${p#/proc/}"
done
chk "end: the master has no children left" "$(echo $kids)" [ -z "$kids" ]
chk "end: no guard process left" "$(guards | tr '\n' ' ')" [ -z "$(guards)" ]
chk "end: host files untouched (/etc/passwd, /home/app, /var)" "passwd/home/var changed" \
    sh -c "[ \"\$(md5sum </etc/passwd)\" = \"\$1\" ] && [ -z \"\$(ls -A /home/app)\" ] && [ ! -e /var/your_APP ]" _ "$PASSWD_SUM"
kill -TERM $MPID
wait $MPID
RC=$?
chk "rocker-master stops on SIGTERM (exit 0, socket removed, 'stopped' logged, no record left)" "rc=$RC, socket $(ls $SOCK 2>&1), records: $(ls $STATE | tr '\n' ' ')" \
    sh -c "[ $RC = 0 ] && [ ! -e $SOCK ] && [ \"\$(tail -n1 $MLOG)\" = 'rocker-master: stopped' ] && [ -z \"\$(ls $STATE)\" ]"
chk "the bridge the master made is gone with it" "$(ls /sys/class/net | tr '\n' ' ')" sh -c '! [ -d /sys/class/net/rkq0 ]' 
if grep -q '^FAIL' "$RES"; then
    echo "    # master log:"
    sed 's/^/    #   /' "$MLOG"
fi
section "done"
touch /tmp/rocker-tests-done
