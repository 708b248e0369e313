#!/bin/busybox sh
# rocker QEMU guest, stage 2 of the router and memory runs (qemu/run-router.sh,
# qemu/run-memory.sh): installed as /guest-tests.sh, run by guest-init.sh
# after switch_root into a tmpfs (busybox ash, PID 1, real kernel).
#
# Kernel command line:
#   rocker.mode=router   (default) N concurrent sandboxes of the seed's
#                        configuration, kept running; memory before/with/after
#   rocker.mode=memory   the master's PSS fresh and idle after a load (S
#                        sequential starts, N concurrent, a LIST of N) and a
#                        guard's PSS alone, with a per-mapping breakdown
#   rocker.sandboxes=N   (default 100)   rocker.starts=S (default 1000)
#   rocker.floor=KB      (default 3072) the router run starts no more
#                        sandboxes once MemAvailable is below this (MemFree
#                        settles near the kernel's watermarks, ~2 MB in 64 MB,
#                        long before memory runs out: it measures nothing);
#                        any OOM kill fails the run
#   rocker.rounds=R      (default 1) the router run starts and ends all
#                        R times, reporting what each round kept
#   rocker.cgroup=0      no cgroup2 mounted: the master runs without cgroups
#                        (what a cgroup per sandbox costs, by difference)
#
# The seed's configuration: package /pkgs/app-xz.sqfs, exec dir
# /var/your_APP/execdir, overlays /usr /var /etc /home /root, uid/gid 1000,
# each sandbox its own data dir; started with `rocker run --detach` (the
# CLI's keeper process stays on the host side to reap the App: it is part of
# what a sandbox costs). Whatever isolation is rocker's default is on; the
# run reports what it found (namespaces, private /dev and /tmp, cgroup,
# seccomp), not what it hoped for.
#
# Lines: `ok - NAME` / `FAIL - NAME: WHY` (counted), `report: ...` (numbers,
# collected by the host script), `# --- section` with times.
RES=/tmp/rocker-results
export PATH=/bin:/rocker/bin

if [ "${1:-}" != run ]; then
    /bin/busybox --install -s /bin
    hostname router
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
    oom=$(dmesg | grep -iE 'out of memory|oom-kill|invoked oom' | tail -n 5)
    if [ -n "$oom" ]; then
        echo "FAIL - no OOM kill: $(printf '%s' "$oom" | tr '\n' '|')"
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
chk() { n=$1 w=$2; shift 2; if "$@"; then ok "$n"; else fail "$n" "$w"; fi; }
report() { echo "report: $*"; }
. /guest-lib.sh
since() { awk "BEGIN{printf \"%.1f\", $(uptime_s) - $1}"; }
is_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
guards() { for c in /proc/[0-9]*/comm; do rd "$c" && case $RD in rg-*) echo "${c%/comm}" ;; esac; done; }
# processes of uid 1000 (Apps) and rocker CLI keepers, as "pid:comm"
leftovers() {
    for s in /proc/[0-9]*/status; do
        p_=${s%/status}
        p_=${p_#/proc/}
        [ "$p_" = "$MPID" ] && continue
        n_= u_=
        while read -r k_ v_ _; do
            case $k_ in Name:) n_=$v_ ;; Uid:) u_=$v_; break ;; esac
        done 2>/dev/null <"$s"
        case $n_:$u_ in rg-*:* | rocker:* | rocker-appmgr:* | *:1000) echo "$p_:$n_" ;; esac
    done
}
no_leftovers() { [ -z "$(leftovers)" ]; }
backing() { for f in /sys/block/loop*/loop/backing_file; do rd "$f" && printf '%s=%s ' "${f#/sys/block/}" "$RD"; done; }
no_loops() { ! ls /sys/block/loop*/loop/backing_file >/dev/null 2>&1; }

# meminfo NAME: sets <NAME>_<Field> (kB) for the fields of the report
MI_FIELDS="MemFree MemAvailable Cached Shmem AnonPages Slab SReclaimable SUnreclaim KernelStack PageTables Percpu VmallocUsed"
meminfo() {
    while read -r k_ v_ _; do
        k_=${k_%:}
        case " $MI_FIELDS " in *" $k_ "*) eval "${1}_$k_=$v_" ;; esac
    done </proc/meminfo
}
# quiet: settle the page cache so two snapshots compare (sync, drop caches)
quiet() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
    sleep 1
    echo 3 >/proc/sys/vm/drop_caches
}
# pss PID: PSS/RSS fields of /proc/PID/smaps_rollup (kB) into P_PSS P_ANON
# P_FILE P_SHMEM P_RSS P_PD (private dirty); 0 if the process is gone
pss() {
    P_PSS=0 P_ANON=0 P_FILE=0 P_SHMEM=0 P_RSS=0 P_PD=0
    while read -r k_ v_ _; do
        case $k_ in
        Rss:) P_RSS=$v_ ;; Pss:) P_PSS=$v_ ;; Pss_Anon:) P_ANON=$v_ ;; Pss_File:) P_FILE=$v_ ;;
        Pss_Shmem:) P_SHMEM=$v_ ;; Private_Dirty:) P_PD=$v_ ;;
        esac
    done 2>/dev/null <"/proc/$1/smaps_rollup"
}
pss_line() { pss "$1"; echo "PSS $P_PSS kB (anon $P_ANON, file $P_FILE, shmem $P_SHMEM), RSS $P_RSS kB, private dirty $P_PD kB"; }
# smaps PID: one line per mapping with its Size/Rss/Pss/Private_Dirty (kB)
smaps() {
    awk '/^[0-9a-f]+-[0-9a-f]+ /{ if (h != "") out(); h = $1 " " $2; n = $6; if (n == "") n = "(anon)"; next }
         /^Size:/{ sz = $2 } /^Rss:/{ rss = $2 } /^Pss:/{ pss = $2 } /^Private_Dirty:/{ pd = $2 }
         function out() { printf "      %-19s size %4d rss %4d pss %4d priv_dirty %4d  %s\n", h, sz, rss, pss, pd, n }
         END{ if (h != "") out() }' "/proc/$1/smaps" 2>/dev/null
}

# pagemaps PID: for each writable private mapping (data, .bss, stack) one
# character per page, low to high address (the stack's top is on the
# right): '#' present and only this process's, '+' present and shared
# (e.g. a guard's page still shared with the master), '0' the zero page
# (read, never written: costs nothing; seen as one PFN at several
# addresses), '.' not present (/proc/PID/pagemap: bit 63 present, bit 56
# exclusive, bits 0-54 PFN); "N/M" = pages that cost memory ('#' and '+')
# of pages in the mapping
pagemaps() {
    while read -r r_ p_ _ _ _ n_; do
        [ "$p_" = rw-p ] || continue
        s_=${r_%-*} e_=${r_#*-}
        c_=$(((0x$e_ - 0x$s_) / 4096))
        [ "$c_" -le 256 ] || continue
        m_=$(dd if="/proc/$1/pagemap" bs=8 skip=$((0x$s_ / 4096)) count="$c_" 2>/dev/null | od -An -v -tx8 |
            awk '{ for (i = 1; i <= NF; i++) { n++; v[n] = $i; if (index("89abcdef", substr($i, 1, 1))) c[substr($i, 9, 8)]++ } }
                 END { for (k = 1; k <= n; k++) { a = index("0123456789abcdef", substr(v[k], 1, 1)) - 1; b = index("0123456789abcdef", substr(v[k], 2, 1)) - 1
                           if (a < 8) s = s "."; else if (c[substr(v[k], 9, 8)] > 1) s = s "0"; else { s = s ((b % 2) ? "#" : "+"); m++ } }
                       printf "%3d/%-3d %s", m, n, s }')
        printf '      pages %-19s %-8s %s\n' "$r_" "${n_:-(anon)}" "$m_"
    done <"/proc/$1/maps"
}

# kernel command line
MODE=router NBOX=100 NSTART=1000 FLOOR=3072 ROUNDS=1 CGROUP=1 CLIENT=api
for a in $(cat /proc/cmdline); do
    case $a in
    rocker.mode=*) MODE=${a#*=} ;;
    rocker.sandboxes=*) NBOX=${a#*=} ;;
    rocker.starts=*) NSTART=${a#*=} ;;
    rocker.floor=*) FLOOR=${a#*=} ;;
    rocker.rounds=*) ROUNDS=${a#*=} ;;
    rocker.cgroup=*) CGROUP=${a#*=} ;;
    rocker.client=*) CLIENT=${a#*=} ;;
    esac
done

EXEC=/var/your_APP/execdir
PKG=/pkgs/app-xz.sqfs
SOCK=/run/rocker.sock
STATE=$SOCK.d
export ROCKER_SOCKET=$SOCK
OVL="--overlay /usr --overlay /var --overlay /etc --overlay /home --overlay /root"
MLOG=/tmp/rocker-master.log
BOXES=/tmp/boxes # "i GUARD_PID NAME APP_PID" per running sandbox
TMO=120

# start_master: as procd starts a service, in a delegated cgroup of its own
# when there is cgroup2 ($MBASE; the master moves into its leaf `master`
# and makes a cgroup per sandbox below it). Then the baseline of what must
# be left at the end: the master's fds, the cgroup dirs.
start_master() {
    : >"$MLOG"
    if [ -n "$MBASE" ]; then
        sh -c "echo \$\$ >$MBASE/cgroup.procs && exec rocker-master --socket $SOCK" 2>>"$MLOG" &
    else
        rocker-master --socket $SOCK 2>>"$MLOG" &
    fi
    MPID=$!
    wait_until 100 grep -q 'listening on' "$MLOG"
    MFD0=$(ls /proc/$MPID/fd | wc -l)
    CGD0=
    [ -z "$CG" ] || CGD0=$(find $CG -type d | sort)
    report "master: $(grep -m1 'cgroup' "$MLOG" | sed 's/^rocker-master: //')"
}
stop_master() {
    kill -TERM "$MPID"
    wait "$MPID"
    SRC=$?
}
# box I: rocker run --detach the seed's configuration on /data/box-I with
# `sleep`; appends to $BOXES; 0 on success
box() {
    mkdir -p "/data/box-$1"
    # shellcheck disable=SC2086
    b_out=$(timeout $TMO rocker run --detach --pkg $PKG --exec-dir $EXEC --data-dir "/data/box-$1" $OVL \
        --uid 1000 --gid 1000 --app-id "$1" -- $EXEC/bin/sleep 100000 2>&1 </dev/null)
    b_rc=$?
    # shellcheck disable=SC2086
    set -- "$1" $b_out
    if [ $b_rc = 0 ] && is_num "${2:-}" && is_num "${4:-}"; then
        echo "$1 $2 $3 $4" >>"$BOXES"
        return 0
    fi
    BERR="rc=$b_rc: $(oneline "$b_out")"
    return 1
}
# start_boxes N [FLOOR]: N sandboxes one after another; $NUP started,
# $FIRSTERR the first error. Stops early when MemAvailable is below FLOOR
# kB: a full guest only meets the OOM killer, and ash dies when it cannot
# fork (an OOM kill fails the run: see the end of the guest's stage 2). Every 10 a progress line.
start_boxes() {
    : >"$BOXES"
    [ "$CLIENT" = api ] && { start_boxes_api "$@"; return; }
    NUP=0 i=1
    while [ $i -le "$1" ]; do
        if box $i; then NUP=$((NUP + 1)); elif [ -z "$FIRSTERR" ]; then FIRSTERR="sandbox $i: $BERR"; fi
        if [ $((i % 10)) = 0 ] || [ -n "${2:-}" ]; then
            meminfo P
            [ $((i % 10)) = 0 ] && report "progress: $NUP started, MemAvailable $P_MemAvailable kB, MemFree $P_MemFree kB, Slab $P_Slab kB"
            if [ -n "${2:-}" ] && [ "$P_MemAvailable" -lt "$2" ]; then
                FIRSTERR="${FIRSTERR:+$FIRSTERR; }stopped after $NUP: MemAvailable $P_MemAvailable kB < $2 kB (MemFree $P_MemFree kB)"
                report "progress: stopped: $NUP started, MemAvailable $P_MemAvailable kB < $2 kB (MemFree $P_MemFree kB)"
                break
            fi
        fi
        i=$((i + 1))
    done
}
# rocker.client=api (the default): one app manager on the seed's API
# (tests/appmgr: rocker.h, as a router's app manager links it) starts them
# all and stays the parent that reaps every App, where the CLI needs a keeper
# process per sandbox (rocker.client=cli). Same lines in $BOXES, same floor.
start_boxes_api() {
    rocker-appmgr "$1" $PKG $EXEC /data/box "${2:-0}" -- $EXEC/bin/sleep 100000 >/tmp/appmgr.out 2>&1 </dev/null &
    AMPID=$!
    wait_until 6000 grep -q '^ready' /tmp/appmgr.out
    grep -E '^[0-9]+ [0-9]+ rg-' /tmp/appmgr.out >"$BOXES"
    NUP=$(grep -c . "$BOXES")
    e_=$(grep -E '^(error|stopped)' /tmp/appmgr.out | head -n 3 | tr '\n' ';')
    grep -q '^ready' /tmp/appmgr.out || e_="${e_}no 'ready' from rocker-appmgr: $(oneline "$(tail -n 3 /tmp/appmgr.out)")"
    [ -z "$e_" ] || [ -n "$FIRSTERR" ] || FIRSTERR=$e_
    meminfo P
    report "progress: $NUP started by rocker-appmgr (pid $AMPID), MemAvailable $P_MemAvailable kB, MemFree $P_MemFree kB, Slab $P_Slab kB"
}
FIRSTERR=
# end_boxes: rocker kill every sandbox of $BOXES, wait for guards and Apps
boxes_gone() {
    while read -r _ g_ _ a_; do alive "$g_" && return 1; alive "$a_" && return 1; done <"$BOXES"
    return 0
}
end_boxes() {
    KBAD=
    while read -r _ g_ n_ _; do
        o_=$(rocker kill "$n_" 2>&1) || KBAD="$KBAD $n_:$(oneline "$o_")"
    done <"$BOXES"
    wait_until 600 boxes_gone
    # the app manager exits once it has reaped its last App
    [ -z "${AMPID:-}" ] || { wait "$AMPID" 2>/dev/null; AMPID=; }
}
ps_rows() { rocker ps 2>/dev/null | grep -c " $PKG\$"; }

# members: $BOXES with each sandbox's processes: "i GUARD NAME APP PIDS..."
# in /tmp/members, PIDS = every process in the App's PID namespace (one `ls`
# for all: a fork costs ~10 ms under TCG). The App's parent on the host side
# (the CLI's keeper) is found by `keeper APP`.
members() {
    ls -l /proc/[0-9]*/ns/pid 2>/dev/null |
        awk '{ p = $(NF - 2); sub("^/proc/", "", p); sub("/ns/pid$", "", p); print p, $NF }' >/tmp/pidns
    awk 'NR == FNR { ns[$1] = $2; l[$2] = l[$2] " " $1; next } { print $0, l[ns[$4]] }' /tmp/pidns "$BOXES" >/tmp/members
}
keeper() {
    KEEPER=
    ppid_of "$1"
    [ -n "$PPID_" ] && [ "$PPID_" != "$MPID" ] && [ "$PPID_" != 1 ] && KEEPER=$PPID_
}
# slabs NAME: /proc/slabinfo as "name bytes" (num_slabs * pages per slab * 4 KiB)
slabs() {
    awk 'NR > 2 { print $1, $15 * $6 * 4096 }' /proc/slabinfo 2>/dev/null | sort >"/tmp/slab.$1"
}
# slab_growth A B N: the 12 caches that grew most from A to B, per sandbox
slab_growth() {
    awk -v n="$3" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) printf "%d %s %.1f\n", d, $1, d / n / 1024 }' "/tmp/slab.$1" "/tmp/slab.$2" |
        sort -rn | head -n 12 | awk '{ printf "report:   slab %-24s +%6.1f kB per sandbox\n", $2, $3 }'
}

# --------------------------------------------------------------- setup
# Loaded already: their files would only hold tmpfs memory (860 KB on the
# Debian mipsel kernel) that a router keeps on flash.
rm -rf /modules
mkdir -p /home/app /data /run /usr/share /root /dev/pts
chown 1000:1000 /home/app
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
# A router (OpenWrt's procd) mounts cgroup2 at /sys/fs/cgroup: so does this
# guest, when the kernel has it, for a master that makes a cgroup per sandbox.
CG= MBASE=
if [ "$CGROUP" = 1 ] && grep -qw cgroup2 /proc/filesystems; then
    mkdir -p /sys/fs/cgroup
    if mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup 2>/dev/null || mount -t cgroup2 cgroup2 /sys/fs/cgroup; then
        CG=/sys/fs/cgroup
        MBASE=$CG/services/rocker/instance1
        mkdir -p $MBASE
        ctl=
        for c in memory cpu pids; do grep -qw $c $CG/cgroup.controllers && ctl="$ctl +$c"; done
        for d in $CG $CG/services $CG/services/rocker; do echo "$ctl" >$d/cgroup.subtree_control; done
    fi
fi
section "$MODE: $(uname -r), $(sed -n 's/^MemTotal: *//p' /proc/meminfo) MemTotal, cgroup2 ${CG:-none} ($(cat $CG/cgroup.controllers 2>/dev/null))"
HELP=$(rocker --help 2>&1)
flags=$(printf '%s\n' "$HELP" | sed -n '/rocker run/,/rocker ps/p' | grep -oE -- '--[a-z][a-z-]+' | sort -u | tr '\n' ' ')
report "rocker run flags: $flags"
report "rocker --help says: $(printf '%s\n' "$HELP" | grep -m1 'by default' | sed 's/^ *//')"
case $HELP in *--seccomp*) report "rocker run offers --seccomp (default filter expected on)" ;; esac
case $HELP in *--share*) report "rocker run offers --share (private uts/ipc/dev/tmp by default)" ;; esac
case $HELP in *cgroup* | *--memory* | *--pids*) report "rocker run offers cgroup limits" ;; esac

MOUNTS0=$(cat /proc/mounts)
NET0=$(ls /sys/class/net | tr '\n' ' ')

# ------------------------------------------------------------ router mode
router() {
    start_master
    chk "rocker-master listens on $SOCK (pid $MPID)" "$(oneline "$(cat "$MLOG")")" [ -S $SOCK ]
    quiet
    meminfo B
    slabs B
    pss "$MPID"
    M0=$P_PSS
    report "before: MemAvailable $B_MemAvailable kB, MemFree $B_MemFree kB, Slab $B_Slab kB (SUnreclaim $B_SUnreclaim kB), KernelStack $B_KernelStack kB, PageTables $B_PageTables kB, Shmem $B_Shmem kB; master PSS $M0 kB"

    section "start $NBOX sandboxes ($([ "$CLIENT" = api ] && echo "rocker-appmgr: rocker.h, one app manager" || echo "rocker run --detach"), one after another)"
    t0=$(uptime_s)
    start_boxes "$NBOX" "$FLOOR"
    tstart=$(since "$t0")
    chk "$NBOX sandboxes of the seed's configuration start ($NUP in ${tstart} s)" "$FIRSTERR" [ "$NUP" = "$NBOX" ]
    report "start: $NUP sandboxes in $tstart s ($(awk "BEGIN{printf \"%.0f\", 1000 * $tstart / ($NUP ? $NUP : 1)}") ms each)"

    # What isolation the first one has (the default: nothing asked for).
    read -r _ G N A <"$BOXES"
    iso= niso=
    for t in mnt pid user uts ipc net cgroup; do
        tn=$t
        [ $t = cgroup ] && tn=cgroupns
        if [ "$(readlink /proc/$A/ns/$t)" != "$(readlink /proc/1/ns/$t)" ]; then iso="$iso $tn"; else niso="$niso $tn"; fi
    done
    mi=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5 "=" $(i + 1); break } }' /proc/$A/mountinfo)
    case " $(echo $mi) " in *" /dev=tmpfs "*) iso="$iso dev" ;; *) niso="$niso dev" ;; esac
    case " $(echo $mi) " in *" /tmp=tmpfs "*) iso="$iso tmp" ;; *) niso="$niso tmp" ;; esac
    sc= nnp= cap= cgp=
    while read -r k_ v_ _; do
        case $k_ in Seccomp:) sc=$v_ ;; NoNewPrivs:) nnp=$v_ ;; CapEff:) cap=$v_ ;; esac
    done </proc/$A/status
    case $sc in 2) iso="$iso seccomp" ;; *) niso="$niso seccomp" ;; esac
    while IFS=: read -r h_ c_ p_; do [ "$h_" = 0 ] && cgp=$p_; done </proc/$A/cgroup
    mcg=
    while IFS=: read -r h_ c_ p_; do [ "$h_" = 0 ] && mcg=$p_; done </proc/$MPID/cgroup
    if [ -n "$cgp" ] && [ "$cgp" != "$mcg" ] && [ "$cgp" != / ]; then iso="$iso cgroup:$cgp"; else niso="$niso cgroup"; fi
    report "isolation on:$iso; not on:$niso; NoNewPrivs $nnp, CapEff $cap (App $A of $N)"
    report "the App's mount namespace: $(echo "$mi" | wc -l) mounts: $(echo "$mi" | awk -F= '{ n[$2]++ } END { for (t in n) printf "%s %s x%d", sep, t, n[t]; sep = "," }')"
    ISO_ON=$iso

    bad=
    while read -r i g n a; do
        alive "$g" && alive "$a" || bad="$bad $i:$g/$a"
    done <"$BOXES"
    chk "all $NUP guards and Apps alive" "$bad" [ -z "$bad" ]
    t0=$(uptime_s)
    rows=$(ps_rows)
    chk "rocker ps lists $rows sandboxes in $(since "$t0") s (LIST of $NBOX)" "rows=$rows" [ "$rows" = "$NUP" ]
    nl=0
    for f in /sys/block/loop*/loop/backing_file; do [ -e "$f" ] && nl=$((nl + 1)); done
    report "loop devices in use: $nl for $NUP sandboxes of one package"

    section "keep them running, measure"
    sleep 3
    quiet
    meminfo W
    slabs W
    pss "$MPID"
    M1=$P_PSS
    # per sandbox: PSS of the guard, the App side (its PID namespace), the keeper
    sg=0 sa=0 sk=0 sanon=0 n=0 nap=0 nke=0
    members
    while read -r i g nm a pids; do
        pss "$g"
        sg=$((sg + P_PSS)) sanon=$((sanon + P_ANON))
        apps=
        for p in $pids; do
            [ "$p" = "$g" ] && continue
            apps="$apps $p"
            pss "$p"
            sa=$((sa + P_PSS)) sanon=$((sanon + P_ANON)) nap=$((nap + 1))
        done
        keeper "$a"
        [ "$CLIENT" = api ] && KEEPER=
        if [ -n "$KEEPER" ]; then pss "$KEEPER"; sk=$((sk + P_PSS)) sanon=$((sanon + P_ANON)) nke=$((nke + 1)); fi
        n=$((n + 1))
        if [ "$n" = 1 ]; then
            report "sandbox 1 ($nm): guard $g $(pss_line "$g")"
            for p in $apps; do report "sandbox 1: App side $p ($(cat /proc/$p/comm)) $(pss_line "$p")"; done
            [ -n "$KEEPER" ] && report "sandbox 1: keeper $KEEPER ($(cat /proc/$KEEPER/comm), host side) $(pss_line "$KEEPER")"
        fi
    done </tmp/members
    [ "$n" -gt 0 ] || n=1
    if [ "$CLIENT" = api ] && [ -n "${AMPID:-}" ]; then
        # one app manager for all: its share
        pss "$AMPID"
        sk=$P_PSS sanon=$((sanon + P_ANON)) nke=1
        report "the app manager (rocker-appmgr $AMPID, the parent of all $n Apps): $(pss_line "$AMPID")"
    fi
    user=$(((sg + sa + sk) / n))
    drop=$((B_MemAvailable - W_MemAvailable))
    per=$((drop / n))
    report "with $n: MemAvailable $W_MemAvailable kB, MemFree $W_MemFree kB, Slab $W_Slab kB (SUnreclaim $W_SUnreclaim kB), KernelStack $W_KernelStack kB, PageTables $W_PageTables kB, Shmem $W_Shmem kB; master PSS $M1 kB"
    report "MemAvailable: before $B_MemAvailable kB, with $n sandboxes $W_MemAvailable kB: -$drop kB = $per kB per sandbox"
    report "per sandbox user memory (PSS): $user kB = guard $((sg / n)) + App side $((sa / n)) ($nap processes) + $([ "$CLIENT" = api ] && echo "app manager" || echo keeper) $((sk / n)) ($nke processes); anon $((sanon / n)) kB"
    report "per sandbox kernel memory (MemAvailable drop - user PSS): $((per - user)) kB (drop - user anon PSS: $((per - sanon / n)) kB)"
    for f in Slab SUnreclaim SReclaimable KernelStack PageTables Percpu VmallocUsed Shmem AnonPages MemFree; do
        eval "b_=\$B_$f w_=\$W_$f"
        printf 'report: per sandbox  %-13s %6d kB  (%d -> %d kB)\n' "$f" $(((w_ - b_) / n)) "$b_" "$w_"
    done
    if [ -r /proc/slabinfo ]; then
        report "slab caches that grew most (from /proc/slabinfo; SLUB merges caches of one size):"
        slab_growth B W "$n"
    fi
    RPT_N=$n RPT_DROP=$drop

    section "end them all (rocker kill NAME x$NUP)"
    t0=$(uptime_s)
    end_boxes
    chk "every guard and App gone after rocker kill ($(since "$t0") s)" "kill errors:$KBAD; guards: $(guards | tr '\n' ' ')" boxes_gone
    leaks "$MFD0"
    quiet
    meminfo E
    pss "$MPID"
    report "after end: MemAvailable $E_MemAvailable kB ($((E_MemAvailable - B_MemAvailable)) kB against before), Slab $E_Slab kB, Shmem $E_Shmem kB, master PSS $P_PSS kB (before $M0)"
    # The data dirs stay (on this guest's tmpfs: inodes, dentries, the App's
    # files); without them the rest is what the kernel did not give back.
    rm -rf /data/box-*
    quiet
    meminfo D
    report "after removing the $NUP data dirs$(cgstat): MemAvailable $D_MemAvailable kB ($((D_MemAvailable - B_MemAvailable)) kB against before), Slab $D_Slab kB (before $B_Slab), SUnreclaim $D_SUnreclaim kB (before $B_SUnreclaim), Shmem $D_Shmem kB (before $B_Shmem)"
    # rocker.rounds=R: R-1 more rounds of start all, end all, remove the
    # data dirs; what each round keeps tells a leak from caches warming up
    r=1
    while [ $r -lt "$ROUNDS" ]; do
        r=$((r + 1))
        start_boxes "$NUP" "$FLOOR"
        n2=$NUP
        end_boxes
        boxes_gone || fail "round $r: every sandbox ends" "$KBAD"
        rm -rf /data/box-*
        quiet
        meminfo R
        pss "$MPID"
        report "round $r ($n2 sandboxes started and ended): MemAvailable $R_MemAvailable kB ($((R_MemAvailable - D_MemAvailable)) kB against round $((r - 1))), SUnreclaim $R_SUnreclaim kB, master PSS $P_PSS kB$(cgstat)"
        eval "D_MemAvailable=\$R_MemAvailable"
    done
    [ "$ROUNDS" -gt 1 ] && leaks "$MFD0"
    stop_master
    chk "rocker-master stops on SIGTERM (exit 0, socket removed)" "rc=$SRC $(ls $SOCK 2>&1)" [ "$SRC:$(ls $SOCK 2>/dev/null)" = 0: ]
    report "summary: $NUP/$NBOX sandboxes, isolation$ISO_ON; MemAvailable $B_MemAvailable -> $W_MemAvailable kB ($RPT_DROP kB, $((RPT_DROP / RPT_N)) kB each: user $user + kernel $((RPT_DROP / RPT_N - user))); Slab $B_Slab -> $W_Slab kB"
}

# cgstat: ", cgroups below the master's: N live, M dying" (cgroup.stat: a
# removed memory cgroup lingers, dying, while pages are still charged to it)
cgstat() {
    [ -n "$MBASE" ] || return 0
    awk '/^nr_descendants/{ l = $2 } /^nr_dying_descendants/{ d = $2 } END{ printf ", cgroups below the master'"'"'s: %d live, %d dying", l, d }' "$MBASE/cgroup.stat"
}

# leaks MFD0: nothing of the sandboxes is left
leaks() {
    wait_until 100 no_loops
    chk "no loop device left" "$(backing)" no_loops
    m1=$(cat /proc/mounts)
    chk "/proc/mounts as before" "$(oneline "$(printf '%s\n' "$m1" | grep -vxF "$MOUNTS0")")" [ "$m1" = "$MOUNTS0" ]
    wait_until 50 no_leftovers
    lo=$(leftovers | tr '\n' ' ')
    chk "no guard, App or keeper process left" "$lo" [ -z "$lo" ]
    kids=
    for p in /proc/[0-9]*; do
        ppid_of "${p#/proc/}"
        [ "$PPID_" = "$MPID" ] && kids="$kids ${p#/proc/}"
    done
    chk "the master has no children left" "$kids" [ -z "$kids" ]
    mfd=$(ls /proc/$MPID/fd | wc -l)
    chk "master fd count as before ($1)" "now $mfd: $(ls -l /proc/$MPID/fd | tail -n +2 | awk '{print $9,$11}' | tr '\n' ' ')" [ "$mfd" = "$1" ]
    if [ -n "$CG" ]; then
        cgd=$(find $CG -type d | sort)
        chk "no cgroup left under $CG" "$(oneline "$(printf '%s\n' "$cgd" | grep -vxF "$CGD0")")" [ "$cgd" = "$CGD0" ]
    fi
    net=$(ls /sys/class/net | tr '\n' ' ')
    chk "no veth left (links: $net)" "before: $NET0" [ "$net" = "$NET0" ]
    chk "no state record left" "$(ls $STATE | tr '\n' ' ')" [ -z "$(ls $STATE)" ]
}

# ------------------------------------------------------------ memory mode
memory() {
    start_master
    chk "rocker-master listens on $SOCK (pid $MPID)" "$(oneline "$(cat "$MLOG")")" [ -S $SOCK ]
    sleep 1
    report "master fresh: $(pss_line "$MPID")"
    smaps "$MPID"
    pagemaps "$MPID"

    section "one sandbox: the guard alone"
    : >"$BOXES"
    box 1 </dev/null || fail "one sandbox starts" "$BERR"
    sleep 1
    members
    read -r _ G N A pids </tmp/members
    pss "$G"
    GPSS=$P_PSS
    report "guard alone: $(pss_line "$G")"
    smaps "$G"
    pagemaps "$G"
    for p in $pids; do [ "$p" = "$G" ] || report "App side $p ($(cat /proc/$p/comm)): $(pss_line "$p")"; done
    keeper "$A"
    [ -n "$KEEPER" ] && report "keeper $KEEPER ($(cat /proc/$KEEPER/comm), host side): $(pss_line "$KEEPER")"
    report "master with one sandbox: $(pss_line "$MPID")"
    end_boxes
    chk "the one sandbox ends" "$KBAD" boxes_gone

    section "load: $NSTART sequential starts"
    mkdir -p /data/seq
    t0=$(uptime_s)
    i=0 nbad=0 ebad=
    while [ $i -lt "$NSTART" ]; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        o_=$(rocker run --pkg $PKG --exec-dir $EXEC --data-dir /data/seq $OVL --uid 1000 --gid 1000 -- $EXEC/bin/true 2>&1 </dev/null) ||
            { nbad=$((nbad + 1)); [ -n "$ebad" ] || ebad="run $i: $(oneline "$o_")"; }
    done
    ts=$(since "$t0")
    chk "$NSTART sequential starts of the seed's configuration, all exit 0 ($ts s, $(awk "BEGIN{printf \"%.0f\", 1000 * $ts / $NSTART}") ms each)" "$nbad failed, first: $ebad" [ "$nbad" = 0 ]
    report "master after $NSTART starts: $(pss_line "$MPID")"

    section "load: $NBOX concurrent, LIST of $NBOX"
    t0=$(uptime_s)
    start_boxes "$NBOX"
    chk "$NBOX concurrent sandboxes start ($(since "$t0") s)" "$FIRSTERR" [ "$NUP" = "$NBOX" ]
    t0=$(uptime_s)
    rows=$(ps_rows)
    chk "rocker ps (LIST) shows $rows ($(since "$t0") s)" "rows=$rows" [ "$rows" = "$NUP" ]
    report "master with $NUP sandboxes: $(pss_line "$MPID")"
    read -r _ G N A <"$BOXES"
    report "a guard among $NUP: $(pss_line "$G")"
    pagemaps "$G"
    end_boxes
    chk "all $NUP end" "$KBAD" boxes_gone

    section "idle after the load"
    leaks "$MFD0"
    sleep 2
    pss "$MPID"
    MIDLE=$P_PSS
    report "master idle after load: $(pss_line "$MPID")"
    smaps "$MPID"
    pagemaps "$MPID"
    b1=within b2=within
    [ "$MIDLE" -le 64 ] || b1=OVER
    [ "$GPSS" -le 32 ] || b2=OVER
    report "budget: master idle after load $MIDLE kB PSS (<= 64 KiB: $b1), guard alone $GPSS kB PSS (<= 32 KiB: $b2)"
    stop_master
    chk "rocker-master stops on SIGTERM (exit 0)" "rc=$SRC" [ "$SRC" = 0 ]
    report "summary: $(uname -m): master idle after load $MIDLE kB PSS, guard alone $GPSS kB PSS"
}

case $MODE in
router) router ;;
memory) memory ;;
*) fail "rocker.mode" "unknown mode '$MODE'" ;;
esac
if grep -q '^FAIL' "$RES"; then
    echo "    # master log (last 30 lines):"
    tail -n 30 "$MLOG" | sed 's/^/    #   /'
fi
section "done"
touch /tmp/rocker-tests-done
