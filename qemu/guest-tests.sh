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
# lifecycle, error paths, N concurrent sandboxes, LOOP_CONFIGURE and the
# pre-5.8 LOOP_SET_FD + LOOP_SET_STATUS64 path, leak checks). One line per
# check: `ok - NAME` or `FAIL - NAME: WHY`.
RES=/tmp/rocker-results
export PATH=/bin:/rocker/bin:/rocker/libexec

if [ "${1:-}" != run ]; then
    /bin/busybox --install -s /bin
    hostname rocker-guest
    : >"$RES"
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
oneline() { printf '%s' "$1" | tr '\n' '|' | cut -c1-300; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
SECTION_T0=$(uptime_s)
section() {
    t=$(uptime_s)
    echo "# --- $1 (t=${t}s, previous section $(awk "BEGIN{printf \"%.1f\", $t - $SECTION_T0}")s)"
    SECTION_T0=$t
}

# wait_until TENTHS CMD...: poll CMD every 0.1 s
wait_until() {
    wu_n=$1
    shift
    while ! "$@"; do
        wu_n=$((wu_n - 1))
        [ "$wu_n" -gt 0 ] || return 1
        sleep 0.1
    done
}
# A process is dead once it is gone or a zombie; a guard is "gone" only
# once the master has reaped it.
# (Helpers read /proc and /sys with the `read` builtin: a fork costs
# ~10 ms under TCG.)
rd() { RD=; read -r RD <"$1"; } 2>/dev/null
alive() {
    st_=
    while read -r k_ v_ r_; do [ "$k_" = State: ] && { st_=$v_; break; }; done 2>/dev/null <"/proc/$1/status"
    [ -n "$st_" ] && [ "$st_" != Z ] && [ "$st_" != X ]
}
dead() { ! alive "$1"; }
gone() { [ ! -d "/proc/$1" ]; }
ppid_of() { # PID -> $PPID_ (empty if gone)
    PPID_=
    rd "/proc/$1/stat" || return 0
    s_=${RD##*) }
    PPID_=${s_#* }
    PPID_=${PPID_%% *}
}
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

# ------------------------------------------------------------ guest layout
mkdir -p /home/app /data /run /usr/share /root
chown 1000:1000 /home/app
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
rocker-master --socket $SOCK 2>"$MLOG" &
MPID=$!
if wait_until 100 [ -S $SOCK ]; then
    ok "rocker-master listens on $SOCK (pid $MPID)"
else
    fail "rocker-master listens on $SOCK" "no socket after 10 s: $(oneline "$(cat "$MLOG")")"
fi
MFD0=$(ls /proc/$MPID/fd | wc -l)
OUT=$(rocker ps 2>&1)
RC=$?
chk "rocker ps: empty table" "rc=$RC: $(oneline "$OUT")" sh -c "[ $RC = 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ]" _ "$OUT"

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
        re "$ps_out" "^$GPID +$GNAME +4242 +[0-9dhms]+ +$pk\$"
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
errcase() { # NAME CODE CMD...
    ec_n=$1 ec_c=$2
    shift 2
    OUT=$(timeout 60 "$@" 2>&1 </dev/null)
    RC=$?
    chk "error: $ec_n -> ROCKER_ERR_$ec_c" "rc=$RC: $(oneline "$OUT")" sh -c "[ $RC = 125 ] && printf '%s' \"\$1\" | grep -q 'ROCKER_ERR_$ec_c'" _ "$OUT"
}
R="rocker run --uid 1000 --gid 1000"
OK="--exec-dir $EXEC --data-dir /data/err"
LONG=/var/$(printf '%0300d' 0)
mkdir -p /data/err
errcase "missing package" pkg_missing $R --pkg /pkgs/missing.sqfs $OK --overlay /var -- /bin/true
errcase "package is not squashfs" pkg_not_squashfs $R --pkg /tmp/junk.sqfs $OK --overlay /var -- /bin/true
errcase "package is a directory" pkg_not_squashfs $R --pkg /pkgs $OK --overlay /var -- /bin/true
errcase "relative exec dir" path_relative $R --pkg $PKG --exec-dir var/your_APP/execdir --data-dir /data/err --overlay /var -- /bin/true
errcase "300-byte data dir" path_too_long $R --pkg $PKG --exec-dir $EXEC --data-dir $LONG --overlay /var -- /bin/true
for o in /nonexistent /proc /usr/share; do
    errcase "overlay $o" overlay_invalid $R --pkg $PKG $OK --overlay /var --overlay $o -- /bin/true
done
errcase "no server (rocker run)" no_server env ROCKER_SOCKET=/run/absent.sock $R --pkg $PKG $OK --overlay /var -- /bin/true
errcase "no server (rocker ps)" no_server env ROCKER_SOCKET=/run/absent.sock rocker ps
if detach /data/busy $PKG -- $EXEC/bin/sleep 600; then
    errcase "data dir in use by a live sandbox" data_dir_invalid $R --pkg $PKG --exec-dir $EXEC --data-dir /data/busy --overlay /var -- /bin/true
    rocker kill "$GNAME" >/dev/null 2>&1
    wait_until 150 gone "$GPID"
else
    fail "error: data dir in use: first sandbox" "rc=$DRC: $(oneline "$DOUT")"
fi
chk "master still alive after the refusals" "master $MPID gone" alive "$MPID"
chkl "error paths leave no guard, no loop device" 'echo guards: $(guards) loops: $(backing)' \
    wait_until 100 sh -c "[ -z \"\$(grep -ls '^rg-' /proc/[0-9]*/comm)\" ] && ! ls /sys/block/loop*/loop/backing_file >/dev/null 2>&1"

# ------------------------------------------------ 7. concurrent sandboxes
section "$NBOX concurrent sandboxes"
# $NBOX foreground `rocker run` in parallel (one package, own data dirs),
# then `rocker kill NAME` each: every rocker run must exit 137.
PM=/tmp/app-many.sqfs
cp $PKG $PM
jobs_=
i=1
while [ $i -le "$NBOX" ]; do
    mkdir -p /data/many-$i
    rocker run --pkg $PM --exec-dir $EXEC --data-dir /data/many-$i --overlay /var --uid 1000 --gid 1000 \
        --app-id $((100 + i)) -- $EXEC/bin/sleep 600 </dev/null >/tmp/many-$i.out 2>&1 &
    jobs_="$jobs_ $!"
    i=$((i + 1))
done
many_rows() { rocker ps 2>/dev/null | grep -c " $PM\$"; }
many_up() { [ "$(many_rows)" -ge "$NBOX" ]; }
wait_until 600 many_up
ps_out=$(rocker ps 2>&1)
rows=$(printf '%s\n' "$ps_out" | grep " $PM\$")
nrows=$(printf '%s\n' "$rows" | grep -c .)
nuniq=$(printf '%s\n' "$rows" | awk '{print $2}' | sort -u | grep -c .)
chk "$NBOX concurrent sandboxes start, rocker ps lists $NBOX with distinct names" \
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

# ---------------------------------------------------------------- 8. leaks
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
chk "rocker-master stops on SIGTERM (exit 0, socket removed, 'stopped' logged)" "rc=$RC, socket $(ls $SOCK 2>&1)" \
    sh -c "[ $RC = 0 ] && [ ! -e $SOCK ] && grep -q stopped $MLOG"
if grep -q '^FAIL' "$RES"; then
    echo "    # master log:"
    sed 's/^/    #   /' "$MLOG"
fi
section "done"
touch /tmp/rocker-tests-done
