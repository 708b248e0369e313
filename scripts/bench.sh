#!/usr/bin/env bash
# `make bench`: rocker side by side with its raw-syscall floor and its peers
# (crun, runc, bubblewrap, unshare, docker), in one run, as root.
#
#   1. installs what is missing from Debian (idempotent), builds rocker and
#      the two C helpers (bench/rkbench.c, bench/floor.c), and an unstripped
#      rocker-master (x86_64, armv7) to read its stack frames (bench/frames.py)
#   2. rocker's memory on a fresh master: the master idle, one guard alone,
#      1 and 20 sandboxes, then a load (1000 sequential starts, 100
#      concurrent sandboxes = the scale test, a LIST of them with `rocker ps`,
#      all ended) and the master idle after it; smaps per mapping
#   3. start latency of a busybox `/bin/true`, every runtime interleaved in
#      rounds so the machine's noise spreads evenly over all of them; rocker
#      with its default isolation, with --net none and with everything
#      shared, each beside a floor (bench/floor.c) doing the same kernel work;
#      rocker's default without its seccomp filter (issue 12), with limits
#      (issue 11), in rootfs mode (issue 13), and rocker-runtime, the OCI
#      runtime, beside crun and runc on the same bundle (issue 14)
#   4. the peers' memory (bwrap, docker) and docker's scale test
#   5. flash (stripped binaries + libs) and disk (squashfs vs plain tree)
#   6. stops everything it started (by pid), removes its mounts, loop
#      devices, containers and cgroups, gives hugetlb back to cgroup2
#   7. writes bench/results.md and bench/startup.svg (bench/report.py)
#
# Environment:
#   BENCH_NO_DOCKER=1     skip docker (no docker.io/containerd install either)
#   BENCH_RUNS=300        measured runs per start-latency row (>= 30)
#   BENCH_ROUNDS=30       rounds the runs are spread over (interleaving; the
#                         paired ratios are medians over the rounds)
#   BENCH_EXTRA_RUNS=300  runs of the variant rows (rocker without its filter,
#                         with limits, in rootfs mode; rocker-runtime; crun
#                         with limits), in the same rounds (default BENCH_RUNS;
#                         lower it to save time: they add ~30 s at 300)
#   BENCH_DOCKER_RUNS=30  measured runs for docker
#   BENCH_SCALE=100       concurrent sandboxes in the scale test (and the load)
#   BENCH_LOAD_SEQ=1000   sequential starts in the memory load
#   BENCH_QUIET_WAIT=5    before each latency round, wait up to this many seconds
#   BENCH_QUIET_PSI=10    for CPU pressure (/proc/pressure/cpu some avg10) below this
#   BENCH_OUT=bench       where results.md and startup.svg go
#   BENCH_NICE=-10        niceness of the whole run (every runtime and daemon
#                         inherits it): less interference from other work on
#                         a shared machine, the same for everyone; 0 = off
# Packages stay installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${BENCH_RUNS:-300}
EXTRA_RUNS=${BENCH_EXTRA_RUNS:-$RUNS}
ROUNDS=${BENCH_ROUNDS:-30}
NICE=${BENCH_NICE:--10}
QUIET_WAIT=${BENCH_QUIET_WAIT:-5}
QUIET_PSI=${BENCH_QUIET_PSI:-10}
DOCKER_RUNS=${BENCH_DOCKER_RUNS:-30}
SCALE=${BENCH_SCALE:-100}
LOAD_SEQ=${BENCH_LOAD_SEQ:-1000}
NO_DOCKER=${BENCH_NO_DOCKER:-0}
UIDN=1000 # the App's uid/gid (rocker never maps root)

W=$ROOT/bench/work          # build products and raw results (gitignored)
RAW=$W/raw
LAT=$RAW/lat
RB=/var/rk-bench            # runtime area: the exec dir, a tmpfs, docker's data
EXEC=$RB/exec               # rocker's exec dir (the package is mounted here)
T=$RB/t                     # tmpfs: data dirs, package copies, sockets
DATA=$T/data
COPIES=$T/copies
DRUN=/run/rk-bench          # docker/containerd sockets, state, exec-root
BIN=$ROOT/install_dir/x86_64-unknown-linux-musl/bin
RKBENCH=$W/rkbench
RT=$BIN/rocker-runtime      # the OCI runtime (issue 14)
RTROOT=$T/rt                # its --root (state dir)
FLOOR=$W/floor
ROOTFS=$W/bundle/rootfs
IMG=$W/img
LOG=$RAW/bench.log
export ROCKER_SOCKET=$T/rocker.sock
export DOCKER_CONFIG=$RB/docker-cli

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (namespaces, loop devices, mounts)" >&2; exit 1; }
[ "$RUNS" -ge 30 ] || { echo "bench: BENCH_RUNS must be >= 30" >&2; exit 1; }
case "$(uname -m)" in x86_64) ;; *) echo "bench: x86_64 host only" >&2; exit 1 ;; esac

T0=$SECONDS
[ "$NICE" = 0 ] || renice -n "$NICE" -p $$ >/dev/null
say() { printf '\n\033[1mbench: %s\033[0m (%ds)\n' "$*" "$((SECONDS - T0))"; printf '== %s\n' "$*" >>"$LOG"; }
note() { printf 'bench: %s\n' "$*"; printf '%s\n' "$*" >>"$LOG"; }
warn() { printf 'bench: WARNING: %s\n' "$*" >&2; printf 'WARNING: %s\n' "$*" >>"$LOG"; }
meta() { printf '%s=%s\n' "$1" "$2" >>"$RAW/meta.env"; }

kib() { # pid... -> "rss pss private pss_anon pss_file" in KiB, summed over the processes
    local f=() p
    for p in "$@"; do [ -r "/proc/$p/smaps_rollup" ] && f+=("/proc/$p/smaps_rollup"); done
    [ ${#f[@]} -gt 0 ] || { echo "0 0 0 0 0"; return 0; }
    awk '/^Rss:/{r+=$2} /^Pss:/{p+=$2} /^Private_(Clean|Dirty):/{v+=$2} /^Pss_Anon:/{a+=$2} /^Pss_File:/{f+=$2}
         END{printf "%d %d %d %d %d\n", r, p, v, a, f}' "${f[@]}" 2>/dev/null
}
mem_row() { # key n label pids...
    local key=$1 n=$2 label=$3
    shift 3
    printf '%s\t%s\t%s\t%s\n' "$key" "$n" "$label" "$(kib "$@" | tr ' ' '\t')" >>"$RAW/mem.tsv"
}
ppid_of() { awk '/^PPid:/{print $2}' "/proc/$1/status" 2>/dev/null; }
memavail() { awk '/^MemAvailable/{print $2}' /proc/meminfo; }
kmem() { awk '/^(Slab|KernelStack|PageTables):/{s+=$2} END{print s}' /proc/meminfo; }
wait_for() { # seconds cmd...: poll until cmd succeeds
    local t=$1 i
    shift
    for ((i = 0; i < t * 20; i++)); do "$@" && return 0; sleep 0.05; done
    return 1
}

# ---------------------------------------------------------------- state for cleanup
OWN_PIDS=()          # everything we started in the background
MASTER_PID=
CONTAINERD_PID=
DOCKERD_PID=
HUGETLB_MOVED=0
HUGETLB_DIR_MADE=0
CG_BEFORE=$(mktemp)
PRE_EXIST=()         # paths that existed before us (not to be removed)
for p in /etc/docker/key.json /run/containerd /var/lib/docker /var/lib/containerd /run/docker; do
    [ -e "$p" ] && PRE_EXIST+=("$p")
done
find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | sort >"$CG_BEFORE" || true
CLEANED=0

dk() { /usr/bin/docker -H "unix://$DRUN/docker.sock" "$@"; }

stop_pid() { # pid [timeout_s]: SIGTERM, wait, SIGKILL
    local p=$1 t=${2:-10} i
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < t * 20; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null || true
}

cleanup() {
    [ "$CLEANED" = 1 ] && return 0
    CLEANED=1
    set +e
    local p
    for p in "${OWN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${OWN_PIDS[@]}"; do stop_pid "$p" 5; done
    if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        local ids
        ids=$(dk ps -aq 2>/dev/null)
        [ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
        stop_pid "$DOCKERD_PID" 30
    fi
    stop_pid "$CONTAINERD_PID" 15
    # shims of OUR containerd outlive it: find them by its socket path, kill by pid
    for p in $(pgrep -f "containerd-shim.*$DRUN/" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    stop_pid "$MASTER_PID" 10
    crun delete -f rkbench-crun >/dev/null 2>&1
    crun delete -f rkbench-crun2 >/dev/null 2>&1
    runc delete -f rkbench-runc >/dev/null 2>&1
    crun delete -f rkbench-crun3 >/dev/null 2>&1
    runc delete -f rkbench-runc2 >/dev/null 2>&1
    crun delete -f rkbench-crun4 >/dev/null 2>&1
    for p in rkbench-rt rkbench-rt2 rkbench-rt3; do "$RT" --root "$RTROOT" delete --force $p >/dev/null 2>&1; done
    # cgroups we (docker, crun, runc) created: new dirs named docker* or rkbench*
    find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | sort >"$CG_BEFORE.after"
    comm -13 "$CG_BEFORE" "$CG_BEFORE.after" | grep -E '/(docker|rkbench|rkfloor-|rkx-)|/rocker-runtime$' | sort -r | while read -r d; do
        rmdir "$d" 2>/dev/null || warn "cannot remove cgroup $d"
    done
    if [ "$HUGETLB_MOVED" = 1 ]; then
        # A v1 root that still has a child at unmount -- even a removed one the
        # kernel has not released yet -- is not destroyed and keeps hugetlb for
        # good. So: remove the children, wait until the kernel has released
        # them (/proc/cgroups counts only the root), unmount, and give the
        # kernel time to destroy the root (seconds on a loaded machine: mounting
        # again too early would revive it); if the controller still does not
        # come back, mount the (still living) hierarchy again and retry.
        local try
        hugetlb_cgroups() { awk '$1 == "hugetlb" {print $3}' /proc/cgroups; }
        for try in 1 2 3 4; do
            find /sys/fs/cgroup/hugetlb -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
            wait_for 30 sh -c '[ "$(awk '"'"'$1 == "hugetlb" {print $3}'"'"' /proc/cgroups)" = 1 ]' ||
                warn "hugetlb v1 still counts $(hugetlb_cgroups) cgroups"
            umount /sys/fs/cgroup/hugetlb || warn "cannot unmount the hugetlb v1 hierarchy"
            wait_for 60 grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers && break
            [ "$try" = 4 ] || mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || break
        done
        [ "$HUGETLB_DIR_MADE" = 1 ] && rmdir /sys/fs/cgroup/hugetlb 2>/dev/null
        if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers; then
            note "hugetlb is back in cgroup2 (attempt $try)"
            HUGETLB_MOVED=0
        else
            warn "hugetlb did NOT return to cgroup2: mount -t cgroup -o hugetlb cgroup /mnt && umount /mnt, later"
        fi
    fi
    # our mounts (deepest first), then our loop devices
    findmnt -rn -o TARGET | grep -E "^($RB|$DRUN)(/|$)" | sort -r | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    losetup -nO NAME,BACK-FILE 2>/dev/null | awk -v a="$RB" -v b="$W" 'index($2, a) == 1 || index($2, b) == 1 {print $1}' |
        while read -r l; do losetup -d "$l"; done
    rm -rf "$RB" "$DRUN"
    for p in /etc/docker/key.json /run/containerd /var/lib/docker /var/lib/containerd /run/docker; do
        [[ " ${PRE_EXIST[*]} " == *" $p "* ]] && continue
        [ -e "$p" ] && rm -rf "$p"
    done
    rm -f "$CG_BEFORE" "$CG_BEFORE.after"
    set -e
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- 1. setup
rm -rf "$RAW"
mkdir -p "$RAW" "$LAT" "$IMG"
: >"$LOG"
say "1. packages, build"
PKGS=(runc crun bubblewrap hyperfine busybox-static squashfs-tools python3 gcc libc6-dev util-linux)
[ "$NO_DOCKER" = 1 ] || PKGS+=(docker.io containerd tini)
missing=()
for p in "${PKGS[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    note "installing: ${missing[*]}"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # docker.io's postinst would start a system-wide dockerd: forbid it
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 -y update >>"$LOG" 2>&1 || warn "apt-get update failed"
    apt-get -o DPkg::Lock::Timeout=600 -y install --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 ||
        { [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; echo "bench: apt-get install failed (see $LOG)" >&2; exit 1; }
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
scripts/setup.sh >>"$LOG" 2>&1 || { echo "bench: scripts/setup.sh failed (see $LOG)" >&2; exit 1; }
make -s release >>"$LOG" 2>&1 || { echo "bench: make release failed (see $LOG)" >&2; exit 1; }
# every target from the current sources (make size only builds missing ones)
for t in aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf mipsel-unknown-linux-musl mips-unknown-linux-musl; do
    make -s TARGET="$t" release >>"$LOG" 2>&1 || { echo "bench: make TARGET=$t release failed (see $LOG)" >&2; exit 1; }
done
# the table of every target's binaries against issue 15's budgets (a budget
# exceeded is reported in the results, not fatal here)
SIZE_REPORT_ONLY=1 make -s size >"$RAW/size.txt" 2>>"$LOG" || { echo "bench: make size failed (see $LOG)" >&2; exit 1; }
gcc -O2 -static -Wall -Wextra -I"$ROOT/rocker-client-c/include" -o "$RKBENCH" bench/rkbench.c
gcc -O2 -static -Wall -Wextra -o "$FLOOR" bench/floor.c
# rocker's default seccomp program (rocker-seccomp's DEFAULT_FILTER_BYTES for
# this arch): the floor installs it, bwrap gets it as --seccomp
SECC=$W/rocker-default.bpf
(cd bench/seccomp-bytes && cargo +nightly build -q --release --target-dir "$W/secc") >>"$LOG" 2>&1 ||
    { echo "bench: bench/seccomp-bytes failed to build (see $LOG)" >&2; exit 1; }
"$W/secc/release/seccomp-bytes" >"$SECC"
# the same rocker-master with its symbols (a target dir of its own), to name
# the largest stack frames: a daemon's stack pages stay resident for good
: >"$RAW/frames.tsv"
for t in x86_64-unknown-linux-musl:objdump armv7-unknown-linux-musleabihf:arm-linux-gnueabihf-objdump; do
    tt=${t%%:*} od=${t#*:}
    if CARGO_PROFILE_RELEASE_STRIP=false cargo +nightly build -q --release --target "$tt" \
        -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem -p rocker-master --features rocker-master/rt \
        --target-dir "$W/sym" >>"$LOG" 2>&1 && command -v "$od" >/dev/null; then
        python3 bench/frames.py "$od" "$W/sym/$tt/release/rocker-master" 8 | sed "s/^/$tt\t/" >>"$RAW/frames.tsv"
        x=$(nm -S "$W/sym/$tt/release/rocker-master" | awk '$4 ~ /TABLES/ && x == "" {x = $2} END {print x}')
        [ -z "$x" ] || printf '%s\ttables\t%d\n' "$tt" "$((16#$x))" >>"$RAW/frames.tsv"
    else
        warn "no symbolized rocker-master for $tt (frames not shown)"
    fi
done

# the payload: busybox-static + its applets, as a rootfs and as squashfs packages
rm -rf "$W/bundle"
mkdir -p "$ROOTFS/bin" "$ROOTFS/proc" "$ROOTFS/dev" "$ROOTFS/sys" "$ROOTFS/tmp" "$ROOTFS/etc"
cp /bin/busybox "$ROOTFS/bin/busybox"
for a in $("$ROOTFS/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$ROOTFS/bin/$a"; done
for c in lz4 gzip xz; do
    mksquashfs "$ROOTFS" "$IMG/bb-$c.sqfs" -comp "$c" -noappend -all-root -quiet >>"$LOG" 2>&1
done
(cd "$W/bundle" && runc spec)
# $W/bundle: runc spec's default, read-only root; $W/bundle-secc: the same
# plus linux.seccomp equivalent to rocker's default filter (= what Docker's
# default profile denies a container without capabilities): allow by
# default; EPERM for rocker-seccomp's DENY list (gen-tables.py; the names
# x86_64 has), for clone with any CLONE_NEW* flag (one MASKED_EQ rule per
# flag) and for ioctl TIOCSTI/TIOCLINUX; ENOSYS for clone3; x86_64 only.
mkdir -p "$W/bundle-secc"
python3 - "$W/bundle/config.json" "$W/bundle-secc/config.json" "$ROOTFS" rocker-seccomp/gen-tables.py \
    /usr/include/x86_64-linux-gnu/asm/unistd_64.h >>"$LOG" <<'PY'
import json, re, sys
p, q, rootfs, gen, unistd = sys.argv[1:6]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"]["readonly"] = True
json.dump(c, open(p, "w"), indent=1)
known = set(re.findall(r"#define __NR_(\w+) ", open(unistd).read()))
deny = [n for n in re.search(r'DENY = "{3}(.*?)"{3}', open(gen).read(), re.S)[1].split() if n in known]
rules = [{"names": deny, "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
         {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]
for f in [0x20000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80]:
    rules.append({"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                  "args": [{"index": 0, "value": f, "valueTwo": f, "op": "SCMP_CMP_MASKED_EQ"}]})
for r in [0x5412, 0x541C]:
    rules.append({"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                  "args": [{"index": 1, "value": r, "op": "SCMP_CMP_EQ"}]})
c["root"]["path"] = rootfs
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": rules}
json.dump(c, open(q, "w"), indent=1)
print("bundle-secc:", len(deny), "names denied")
PY
# $W/bundle-lim: the default bundle + the limits of rocker's limits row
# (--memory 64M --pids 64 --cpus 1), for crun and rocker-runtime
mkdir -p "$W/bundle-lim"
python3 - "$W/bundle/config.json" "$W/bundle-lim/config.json" "$ROOTFS" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"]["path"] = sys.argv[3]
c["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 64},
                           "cpu": {"quota": 100000, "period": 100000}}
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY

# the runtime area
mkdir -p "$EXEC" "$T" "$DRUN"
mount -t tmpfs -o size=4g,mode=755 rk-bench "$T"
mkdir -p "$DATA" "$COPIES" "$DOCKER_CONFIG" "$RTROOT"
for i in 0 1 2 3 4 5 6 7; do mkdir -p "$DATA/cli$i"; done

# ---------------------------------------------------------------- machine, versions
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '-'; }
: >"$RAW/meta.env"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
meta ncpu "$(nproc)"
meta mem "$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
meta kernel "$(uname -r)"
meta debian "$(cat /etc/debian_version)"
meta rootfs "$(findmnt -no FSTYPE /) on $(findmnt -no SOURCE /)"
meta cgroups "$(if [ -e /sys/fs/cgroup/unified ]; then echo 'hybrid (v1 + cgroup2 at /sys/fs/cgroup/unified)'; else stat -fc %T /sys/fs/cgroup; fi)"
# (this script's own outputs do not count as changes)
meta git "$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- . ':!bench/results.md' ':!bench/startup.svg' 2>/dev/null || echo ' + uncommitted changes')"
meta rocker "$("$BIN/rocker-master" --version)"
meta crun "$(crun --version | head -1) (deb $(ver crun))"
meta runc "$(runc --version | head -1) (deb $(ver runc))"
meta rocker_runtime "$("$RT" --version 2>&1 | paste -sd' ' -), $(stat -c %s "$RT") B"
meta bwrap "$(bwrap --version) (deb $(ver bubblewrap))"
meta unshare "$(unshare --version) (deb util-linux $(ver util-linux))"
meta hyperfine "$(hyperfine --version)"
meta busybox "busybox-static $(ver busybox-static), $(stat -c %s /bin/busybox) B + $(($(ls "$ROOTFS/bin" | wc -l) - 1)) applet symlinks"
meta squashfs_tools "$(ver squashfs-tools)"
meta gcc "$(gcc --version | head -1)"
meta runs "$RUNS"
meta extra_runs "$EXTRA_RUNS"
meta rounds "$ROUNDS"
meta docker_runs "$DOCKER_RUNS"
meta nice "$NICE"
meta quiet "$QUIET_WAIT s for cpu pressure < $QUIET_PSI %"
meta no_docker "$NO_DOCKER"
meta sqfs_config "$(zcat /proc/config.gz 2>/dev/null | grep -E '^CONFIG_SQUASHFS_(DECOMP_[A-Z_]+|FILE_[A-Z]+)=y' | sed 's/^CONFIG_SQUASHFS_//; s/=y//' | paste -sd' ' || echo unknown)"
for c in lz4 gzip xz; do meta "img_$c" "$(stat -c %s "$IMG/bb-$c.sqfs")"; done
meta load_before "$(loadavg)"

# crun refuses hybrid cgroups while cgroup2 owns a controller (ANCHOR_BENCH.md):
# lend hugetlb to a v1 hierarchy for the run; cleanup() gives it back
if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
    [ -d /sys/fs/cgroup/hugetlb ] || { mkdir /sys/fs/cgroup/hugetlb && HUGETLB_DIR_MADE=1; }
    if mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
        HUGETLB_MOVED=1
        note "hugetlb lent to a v1 hierarchy for crun"
    else
        warn "could not mount hugetlb as v1: crun will fail"
    fi
fi
meta hugetlb_moved "$HUGETLB_MOVED"

: >"$RAW/mem.tsv"
: >"$RAW/scale.tsv"

# ---------------------------------------------------------------- daemons
say "2. daemons: rocker-master$([ "$NO_DOCKER" = 1 ] || echo ', containerd + dockerd')"
"$BIN/rocker-master" --socket "$ROCKER_SOCKET" 2>"$RAW/master.log" &
MASTER_PID=$!
wait_for 10 test -S "$ROCKER_SOCKET" || { echo "bench: rocker-master did not start" >&2; exit 1; }
# the hierarchies and bases rocker puts its sandboxes' cgroups in (its first
# log line: "cgroup v1 (...) cpu,base=/sys/fs/cgroup/cpu/rocker memory,base=..."):
# the floor and the cgroup-wrapped bwrap row make theirs there too
CG_ARGS=
for b in $(grep -m1 -o 'base=[^ ;]*' "$RAW/master.log" | sed 's/^base=//'); do CG_ARGS+=" --cgroup $b"; done
meta cgroup_bases "$(grep -m1 '^rocker-master: cgroup' "$RAW/master.log" | sed 's/^rocker-master: //')"
[ -n "$CG_ARGS" ] || warn "rocker-master names no cgroup base: the floor makes no cgroup"

if [ "$NO_DOCKER" != 1 ]; then
    # as in ANCHOR_BENCH.md: private containerd + dockerd, no iptables, no bridge
    mkdir -p "$DRUN" "$RB/containerd" "$RB/docker"
    containerd --address "$DRUN/containerd.sock" --root "$RB/containerd" --state "$DRUN/containerd-state" \
        >"$RAW/containerd.log" 2>&1 &
    CONTAINERD_PID=$!
    wait_for 30 test -S "$DRUN/containerd.sock" || { echo "bench: containerd did not start" >&2; exit 1; }
    dockerd --containerd "$DRUN/containerd.sock" -H "unix://$DRUN/docker.sock" --data-root "$RB/docker" \
        --exec-root "$DRUN/docker-exec" --pidfile "$DRUN/docker.pid" --iptables=false --ip6tables=false \
        --bridge=none --ip-masq=false --storage-driver overlay2 --exec-opt native.cgroupdriver=cgroupfs \
        >"$RAW/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    wait_for 60 dk version >/dev/null 2>&1 || { echo "bench: dockerd did not start (see $RAW/dockerd.log)" >&2; exit 1; }
    meta docker "$(dk version -f 'dockerd {{.Server.Version}}, API {{.Server.APIVersion}}') (deb docker.io $(ver docker.io)); CLI /usr/bin/docker; containerd $(ver containerd); tini $(ver tini)"
    meta docker_storage "$(dk info -f '{{.Driver}}, cgroup driver {{.CgroupDriver}}, cgroup v{{.CgroupVersion}}')"
fi
sleep 10 # idle, as ANCHOR_BENCH.md: 10 s after start
mem_row master_idle 1 "rocker-master, idle, 10 s after start" "$MASTER_PID"
[ "$NO_DOCKER" = 1 ] || mem_row docker_idle 1 "dockerd + containerd, idle, 10 s after start" "$DOCKERD_PID" "$CONTAINERD_PID"
if [ "$NO_DOCKER" != 1 ]; then
    tar -C "$ROOTFS" -c . | dk import - rkbench-bb:latest >>"$LOG" 2>&1
fi

# ---------------------------------------------------------------- 2b. rocker's memory
# every rocker sandbox of the run: the App as uid/gid 1000, an overlay on
# /var, the package at the exec dir, and rocker's default isolation for
# recipe clients (own mount, PID, UTS, IPC and user ns, hostname, private
# /dev and /tmp, the host's network) unless a row says otherwise
ROCKER_REQ="--exec-dir $EXEC --overlay /var --uid $UIDN --gid $UIDN"
say "2b. rocker memory: a guard alone, 1 and 20 sandboxes, a load ($LOAD_SEQ starts, $SCALE concurrent, LIST), idle after it"
HOLD_PID=
rk_hold() { # n tag: n rocker sandboxes running sleep
    mkdir -p "$DATA/$2"
    "$RKBENCH" hold --pkg "$IMG/bb-lz4.sqfs" --n "$1" $ROCKER_REQ --data-base "$DATA/$2" \
        -- "$EXEC/bin/sleep" 100000 >"$RAW/hold-$2.out" 2>>"$LOG" &
    HOLD_PID=$!
    OWN_PIDS+=("$HOLD_PID")
    wait_for 300 sh -c "grep -q '^DONE' '$RAW/hold-$2.out' || ! kill -0 $HOLD_PID 2>/dev/null"
    grep -q '^DONE' "$RAW/hold-$2.out" || { echo "bench: rkbench hold failed (see $RAW/hold-$2.out, $LOG)" >&2; exit 1; }
}
rk_release() { # prints the teardown time (SIGTERM to the holder .. every guard gone), ms
    local t0 g
    t0=$(date +%s%N)
    kill -TERM "$HOLD_PID"
    wait "$HOLD_PID" 2>/dev/null || true
    for g in $(awk '/^OK/{print $3}' "$1"); do
        wait_for 30 sh -c "! kill -0 $g 2>/dev/null" || true
    done
    echo $((($(date +%s%N) - t0) / 1000000))
}
smaps_dump() { # pid file: one line per mapping with resident pages:
    # name rss pss shared_clean shared_dirty private_clean private_dirty (KiB); the
    # anonymous mapping right after the binary's own is its .bss
    awk 'function flush() { if (n != "" && r > 0) printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", n, r, p, sc, sd, pc, pd }
         /^[0-9a-f]+-[0-9a-f]+ / { flush(); r = p = sc = sd = pc = pd = 0
             if ($6 != "") { n = $6; if (n !~ /^\[/) { sub(".*/", "", n); n = n " " $2; bin = 1 } }
             else { n = bin ? ".bss" : "[anon]"; bin = 0 }
             next }
         /^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Shared_Clean:/ { sc = $2 } /^Shared_Dirty:/ { sd = $2 }
         /^Private_Clean:/ { pc = $2 } /^Private_Dirty:/ { pd = $2 }
         END { flush() }' "/proc/$1/smaps" >"$2" 2>/dev/null || true
}
mkdir -p "$RAW/smaps"
smaps_dump "$MASTER_PID" "$RAW/smaps/master_fresh.tsv"
for n in 1 20; do
    mem_row "rocker_master_pre_$n" 1 "rocker-master before" "$MASTER_PID"
    rk_hold "$n" "mem$n"
    sleep 1
    guards=$(awk '/^OK/{print $3}' "$RAW/hold-mem$n.out")
    apps=$(awk '/^OK/{print $4}' "$RAW/hold-mem$n.out")
    mem_row "rocker_guard_$n" "$n" "guard (sandbox PID 1)" $guards
    mem_row "rocker_app_$n" "$n" "sleep" $apps
    mem_row "rocker_master_$n" 1 "rocker-master" "$MASTER_PID"
    if [ "$n" = 1 ]; then
        smaps_dump $guards "$RAW/smaps/guard_fresh.tsv"
        smaps_dump "$MASTER_PID" "$RAW/smaps/master_with_guard.tsv"
    else # the 10th guard: cloned mid-way, so the master wrote on after it
        smaps_dump "$(echo $guards | cut -d' ' -f10)" "$RAW/smaps/guard_of_20.tsv"
    fi
    printf 'rocker_loops_%s\t%s\n' "$n" "$(losetup -j "$IMG/bb-lz4.sqfs" | wc -l)" >>"$RAW/scale.tsv"
    rk_release "$RAW/hold-mem$n.out" >/dev/null
done

# the load: sequential starts, then SCALE concurrent (the scale test), LIST, end
mkdir -p "$DATA/load"
t0=$(date +%s%N)
"$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" $ROCKER_REQ --data-base "$DATA/load" --runs "$LOAD_SEQ" --warmup 0 \
    --out "$RAW/load-seq.txt" -- "$EXEC/bin/true" 2>>"$LOG" || warn "load: sequential starts failed (see $LOG)"
printf 'load_seq_asked\t%s\nload_seq_ok\t%s\nload_seq_ms\t%s\n' "$LOAD_SEQ" "$(grep -vc '^#' "$RAW/load-seq.txt" || true)" \
    "$((($(date +%s%N) - t0) / 1000000))" >>"$RAW/scale.tsv"
a0=$(memavail)
k0=$(kmem)
t0=$(date +%s%N)
rk_hold "$SCALE" scale
t1=$(date +%s%N)
sleep 1
ok=$(awk '/^DONE/{sub("ok=","",$2); print $2}' "$RAW/hold-scale.out")
fails=$(awk '/^DONE/{sub("fail=","",$3); print $3}' "$RAW/hold-scale.out")
firstfail=$(grep -m1 '^FAIL' "$RAW/hold-scale.out" | cut -d' ' -f2- || true)
guards=$(awk '/^OK/{print $3}' "$RAW/hold-scale.out")
apps=$(awk '/^OK/{print $4}' "$RAW/hold-scale.out")
"$BIN/rocker" ps >"$RAW/load-ps.txt" 2>>"$LOG" || warn "rocker ps failed"
smaps_dump "$MASTER_PID" "$RAW/smaps/master_loaded.tsv"
{
    printf 'rocker_asked\t%s\n' "$SCALE"
    printf 'rocker_ok\t%s\n' "$ok"
    printf 'rocker_fail\t%s\n' "$fails"
    printf 'rocker_first_fail\t%s\n' "$firstfail"
    printf 'rocker_start_ms\t%s\n' "$(((t1 - t0) / 1000000))"
    printf 'rocker_guards_kib\t%s\n' "$(kib $guards | tr ' ' ',')"
    printf 'rocker_apps_kib\t%s\n' "$(kib $apps | tr ' ' ',')"
    printf 'rocker_master_kib\t%s\n' "$(kib "$MASTER_PID" | tr ' ' ',')"
    printf 'rocker_memavail_drop_kib\t%s\n' "$((a0 - $(memavail)))"
    printf 'rocker_kmem_growth_kib\t%s\n' "$(($(kmem) - k0))"
    printf 'rocker_loops\t%s\n' "$(losetup -j "$IMG/bb-lz4.sqfs" | wc -l)"
    printf 'load_listed\t%s\n' "$(($(wc -l <"$RAW/load-ps.txt") - 1))"
    printf 'rocker_stop_ms\t%s\n' "$(rk_release "$RAW/hold-scale.out")"
} >>"$RAW/scale.tsv"
sleep 2
mem_row master_idle_load 1 "rocker-master, idle after the load" "$MASTER_PID"
smaps_dump "$MASTER_PID" "$RAW/smaps/master_after_load.tsv"
# a guard alone again, beside the master as the load left it
rk_hold 1 memafter
sleep 1
guards=$(awk '/^OK/{print $3}' "$RAW/hold-memafter.out")
mem_row rocker_guard_after_load 1 "guard alone, master after the load" $guards
smaps_dump $guards "$RAW/smaps/guard_after_load.tsv"
rk_release "$RAW/hold-memafter.out" >/dev/null

# ---------------------------------------------------------------- 3. start latency
say "3. start latency: $RUNS runs per row in $ROUNDS interleaved rounds"
printf 'name\tgroup\tlabel\tcommand\n' >"$RAW/lat_index.tsv"
declare -A FAILED=()
def() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW/lat_index.tsv"; BENCHES+=("$1"); }
# bwrap doing what rocker's default does, as far as bwrap can: every namespace
# (--unshare-all: user, ipc, pid, net, uts, cgroup), a hostname, a new /dev
# (tmpfs, host nodes bound, devpts), /proc, a tmpfs on /tmp; the root is the
# busybox tree read-only (rocker: the package read-only at the exec dir plus
# an overlay on /var)
BWRAP_ARGS="--unshare-all --hostname rg-000000000000 --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp"
BWRAP_ARGS_TXT="bwrap --unshare-all --hostname rg-000000000000 --ro-bind \$R / --proc /proc --dev /dev --tmpfs /tmp"
BENCHES=()
# The floor does the same kernel work as the rocker row next to it (bench/floor.c
# takes rkbench's --share/--net): rocker's default isolation unless said.
for c in lz4 gzip xz; do
    def "floor-cold-$c" floor "floor, cold, $c" "floor --cold bb-$c.sqfs --copy-dir \$T/copies --data \$T/data/floor --overlay /var"
    def "rocker-cold-$c" rocker "rocker, cold, $c" "rkbench start --cold bb-$c.sqfs --copy-dir \$T/copies $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
done
def floor-warm floor "floor, warm (bind of a mounted squashfs)" "floor --warm bb-lz4.sqfs --data \$T/data/floor --overlay /var"
def rocker-warm-lz4 rocker "rocker, warm, lz4" "rkbench start --pkg bb-lz4.sqfs --holder $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
def floor-warm-netnone floor "floor, warm, --net none" "floor --warm bb-lz4.sqfs --net none --data \$T/data/floor --overlay /var"
def rocker-warm-netnone rocker "rocker, warm, lz4, --net none" "rkbench start --pkg bb-lz4.sqfs --holder --net none $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
def floor-warm-seed floor "floor, warm, --share all (mount + PID ns)" "floor --warm bb-lz4.sqfs --share all --data \$T/data/floor --overlay /var"
def rocker-warm-seed rocker "rocker, warm, lz4, --share all" "rkbench start --pkg bb-lz4.sqfs --holder --share all $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
for c in gzip xz; do
    def "rocker-warm-$c" rocker "rocker, warm, $c" "rkbench start --pkg bb-$c.sqfs --holder $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
done
# the variants of rocker's default (issues 11-13), each beside the row above
def rocker-warm-unconfined rocker "rocker, warm, lz4, --seccomp unconfined" "rkbench start --pkg bb-lz4.sqfs --holder --seccomp unconfined $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
def rocker-warm-limits rocker "rocker, warm, lz4, limits (--memory 64M --pids 64 --cpus 1)" "rkbench start --pkg bb-lz4.sqfs --holder --memory 67108864 --pids 64 --cpu-quota 100000 $ROCKER_REQ --data-base \$T/data/rk -- $EXEC/bin/true"
def rocker-rootfs rocker "rocker, warm, lz4, rootfs mode" "rkbench start --pkg bb-lz4.sqfs --holder --rootfs --uid $UIDN --gid $UIDN --data-base \$T/data/rk -- /bin/true"
def rocker-rootfs-ro rocker "rocker, warm, lz4, rootfs mode, read-only" "rkbench start --pkg bb-lz4.sqfs --holder --rootfs --read-only --uid $UIDN --gid $UIDN --data-base \$T/data/rk -- /bin/true"
def rocker-cli rocker "rocker CLI (rocker run), warm, lz4" "rocker run --pkg bb-lz4.sqfs --exec-dir $EXEC --data-dir \$T/data/cli{i} --overlay /var --uid $UIDN --gid $UIDN -- $EXEC/bin/true"
def rocker-cli-netnone rocker "rocker CLI, warm, lz4, --net none" "rocker run --net none --pkg bb-lz4.sqfs --exec-dir $EXEC --data-dir \$T/data/cli{i} --overlay /var --uid $UIDN --gid $UIDN -- $EXEC/bin/true"
def rocker-cli-rootfs rocker "rocker CLI, warm, lz4, --rootfs" "rocker run --rootfs --pkg bb-lz4.sqfs --data-dir \$T/data/clir{i} --uid $UIDN --gid $UIDN -- /bin/true"
def rocker-cli-rootfs-ro rocker "rocker CLI, warm, lz4, --rootfs --read-only" "rocker run --rootfs --read-only --pkg bb-lz4.sqfs --data-dir \$T/data/clir{i} --uid $UIDN --gid $UIDN -- /bin/true"
def true peer "plain fork+exec" "\$R/bin/true"
def unshare peer "unshare mnt+pid" "unshare -m -p -f --mount-proc \$R/bin/true"
def unshare-all peer "unshare, rocker's namespaces + net" "unshare -U -m -u -i -n -p -f --mount-proc \$R/bin/true"
def bwrap peer "bwrap --unshare-all, --share-net" "$BWRAP_ARGS_TXT --share-net /bin/true"
def bwrap-netnone peer "bwrap --unshare-all" "$BWRAP_ARGS_TXT /bin/true"
def bwrap-fair peer "bwrap --unshare-all + cgroup + seccomp" "rkbench exec --cgroup <rocker's bases> --fd3 rocker-default.bpf -- $BWRAP_ARGS_TXT --seccomp 3 /bin/true"
def crun-secc peer "crun + seccomp" "crun run -b \$W/bundle-secc rkbench-crun3"
def runc-secc peer "runc + seccomp" "runc run -b \$W/bundle-secc rkbench-runc2"
def crun peer "crun" "crun run -b \$W/bundle rkbench-crun"
def crun-nocg peer "crun, no cgroups" "crun --cgroup-manager=disabled run -b \$W/bundle rkbench-crun2"
def runc peer "runc" "runc run -b \$W/bundle rkbench-runc"
def crun-lim peer "crun, limits (64M, 64 pids, 1 CPU)" "crun run -b \$W/bundle-lim rkbench-crun4"
def rt rocker "rocker-runtime" "rocker-runtime --root \$T/rt run -b \$W/bundle rkbench-rt"
def rt-secc rocker "rocker-runtime + seccomp" "rocker-runtime --root \$T/rt run -b \$W/bundle-secc rkbench-rt2"
def rt-lim rocker "rocker-runtime, limits (64M, 64 pids, 1 CPU)" "rocker-runtime --root \$T/rt run -b \$W/bundle-lim rkbench-rt3"
[ "$NO_DOCKER" = 1 ] || def docker peer "docker" "/usr/bin/docker -H unix://\$DRUN/docker.sock run --rm --network none rkbench-bb:latest /bin/true"

mkdir -p "$DATA/floor" "$DATA/rk"
hf() { # name runs cmd [prepare]
    local name=$1 n=$2 cmd=$3 prep=${4:-}
    local a=(-N --warmup 1 --runs "$n" --style none --export-json "$LAT/$name.r$ROUND.json")
    [ -n "$prep" ] && a+=(--prepare "$prep")
    hyperfine "${a[@]}" "$cmd" >>"$LOG" 2>&1
}
run_bench() { # name n
    local name=$1 n=$2 out="$LAT/$1.r$ROUND.txt" c
    case $name in
    floor-cold-*) c=${name#floor-cold-}
        "$FLOOR" --cold "$IMG/bb-$c.sqfs" --copy-dir "$COPIES" --data "$DATA/floor" --overlay /var \
            --exec-dir "$EXEC" --uid $UIDN --gid $UIDN --runs "$n" --warmup 1 --out "$out" $CG_ARGS --seccomp "$SECC" ;;
    floor-warm | floor-warm-netnone | floor-warm-seed)
        case $name in *-netnone) c="--net none" ;; *-seed) c="--share all" ;; *) c= ;; esac
        "$FLOOR" --warm "$IMG/bb-lz4.sqfs" --data "$DATA/floor" --overlay /var $c \
            --exec-dir "$EXEC" --uid $UIDN --gid $UIDN --runs "$n" --warmup 1 --out "$out" $CG_ARGS --seccomp "$SECC" ;;
    rocker-cold-*) c=${name#rocker-cold-}
        "$RKBENCH" start --cold "$IMG/bb-$c.sqfs" --copy-dir "$COPIES" $ROCKER_REQ --data-base "$DATA/rk" \
            --runs "$n" --warmup 1 --out "$out" -- "$EXEC/bin/true" ;;
    rocker-warm-unconfined)
        "$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" --holder --seccomp unconfined $ROCKER_REQ --data-base "$DATA/rk" \
            --runs "$n" --warmup 1 --out "$out" -- "$EXEC/bin/true" ;;
    rocker-warm-limits)
        "$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" --holder --memory $((64 << 20)) --pids 64 --cpu-quota 100000 $ROCKER_REQ \
            --data-base "$DATA/rk" --runs "$n" --warmup 1 --out "$out" -- "$EXEC/bin/true" ;;
    rocker-rootfs | rocker-rootfs-ro)
        case $name in *-ro) c=--read-only ;; *) c= ;; esac
        "$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" --holder --rootfs $c --uid $UIDN --gid $UIDN --data-base "$DATA/rk" \
            --runs "$n" --warmup 1 --out "$out" -- /bin/true ;;
    rocker-cli-rootfs | rocker-cli-rootfs-ro) # warm: a rootfs-mode sandbox of the package runs meanwhile
        case $name in *-ro) c=--read-only ;; *) c= ;; esac
        mkdir -p "$DATA/clihold"
        "$RKBENCH" hold --pkg "$IMG/bb-lz4.sqfs" --n 1 --rootfs --uid $UIDN --gid $UIDN --data-base "$DATA/clihold" \
            -- /bin/sleep 100000 >"$RAW/hold-clir.out" &
        local hp=$!
        OWN_PIDS+=("$hp")
        wait_for 30 sh -c "grep -q '^DONE' '$RAW/hold-clir.out' || ! kill -0 $hp 2>/dev/null"
        "$RKBENCH" exec --runs "$n" --warmup 1 --settle-ms 5 --out "$out" -- "$BIN/rocker" run --rootfs $c \
            --pkg "$IMG/bb-lz4.sqfs" --data-dir "$DATA/clir{i}" --uid $UIDN --gid $UIDN -- /bin/true
        c=$?
        kill -TERM "$hp" 2>/dev/null
        wait "$hp" 2>/dev/null
        return $c ;;
    rocker-warm-netnone | rocker-warm-seed)
        case $name in *-netnone) c="--net none" ;; *) c="--share all" ;; esac
        "$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" --holder $c $ROCKER_REQ --data-base "$DATA/rk" \
            --runs "$n" --warmup 1 --out "$out" -- "$EXEC/bin/true" ;;
    rocker-warm-*) c=${name#rocker-warm-}
        "$RKBENCH" start --pkg "$IMG/bb-$c.sqfs" --holder $ROCKER_REQ --data-base "$DATA/rk" \
            --runs "$n" --warmup 1 --out "$out" -- "$EXEC/bin/true" ;;
    rocker-cli | rocker-cli-netnone) # warm, as rocker-warm-*: another sandbox of the package runs meanwhile
        case $name in *-netnone) c="--net none" ;; *) c= ;; esac
        mkdir -p "$DATA/clihold"
        "$RKBENCH" hold --pkg "$IMG/bb-lz4.sqfs" --n 1 $ROCKER_REQ --data-base "$DATA/clihold" \
            -- "$EXEC/bin/sleep" 100000 >"$RAW/hold-cli.out" &
        local hp=$!
        OWN_PIDS+=("$hp")
        wait_for 30 sh -c "grep -q '^DONE' '$RAW/hold-cli.out' || ! kill -0 $hp 2>/dev/null"
        "$RKBENCH" exec --runs "$n" --warmup 1 --settle-ms 5 --out "$out" -- "$BIN/rocker" run $c --pkg "$IMG/bb-lz4.sqfs" \
            --exec-dir "$EXEC" --data-dir "$DATA/cli{i}" --overlay /var --uid $UIDN --gid $UIDN -- "$EXEC/bin/true"
        c=$?
        kill -TERM "$hp" 2>/dev/null
        wait "$hp" 2>/dev/null
        return $c ;;
    true) hf "$name" "$n" "$ROOTFS/bin/true" ;;
    unshare) hf "$name" "$n" "unshare -m -p -f --mount-proc $ROOTFS/bin/true" ;;
    unshare-all) hf "$name" "$n" "unshare -U -m -u -i -n -p -f --mount-proc $ROOTFS/bin/true" ;;
    bwrap) hf "$name" "$n" "bwrap $BWRAP_ARGS --share-net /bin/true" ;;
    bwrap-netnone) hf "$name" "$n" "bwrap $BWRAP_ARGS /bin/true" ;;
    bwrap-fair) "$RKBENCH" exec --runs "$n" --warmup 1 --out "$out" $CG_ARGS --fd3 "$SECC" -- \
        /usr/bin/bwrap $BWRAP_ARGS --seccomp 3 /bin/true ;;
    crun-secc) hf "$name" "$n" "crun run -b $W/bundle-secc rkbench-crun3" "sh -c 'crun delete -f rkbench-crun3 >/dev/null 2>&1; true'" ;;
    runc-secc) hf "$name" "$n" "runc run -b $W/bundle-secc rkbench-runc2" "sh -c 'runc delete -f rkbench-runc2 >/dev/null 2>&1; true'" ;;
    crun) hf "$name" "$n" "crun run -b $W/bundle rkbench-crun" "sh -c 'crun delete -f rkbench-crun >/dev/null 2>&1; true'" ;;
    crun-nocg) hf "$name" "$n" "crun --cgroup-manager=disabled run -b $W/bundle rkbench-crun2" \
        "sh -c 'crun delete -f rkbench-crun2 >/dev/null 2>&1; true'" ;;
    runc) hf "$name" "$n" "runc run -b $W/bundle rkbench-runc" "sh -c 'runc delete -f rkbench-runc >/dev/null 2>&1; true'" ;;
    crun-lim) hf "$name" "$n" "crun run -b $W/bundle-lim rkbench-crun4" "sh -c 'crun delete -f rkbench-crun4 >/dev/null 2>&1; true'" ;;
    rt | rt-secc | rt-lim)
        case $name in rt) c="$W/bundle rkbench-rt" ;; rt-secc) c="$W/bundle-secc rkbench-rt2" ;; *) c="$W/bundle-lim rkbench-rt3" ;; esac
        hf "$name" "$n" "$RT --root $RTROOT run -b $c" "sh -c '$RT --root $RTROOT delete --force ${c#* } >/dev/null 2>&1; true'" ;;
    docker) hf "$name" "$n" "/usr/bin/docker -H unix://$DRUN/docker.sock run --rm --network none rkbench-bb:latest /bin/true" ;;
    esac
}
per=$(((RUNS + ROUNDS - 1) / ROUNDS))
eper=$(((EXTRA_RUNS + ROUNDS - 1) / ROUNDS))
dper=$(((DOCKER_RUNS + ROUNDS - 1) / ROUNDS))
psi() { awk '/^some/{sub("avg10=", "", $2); print int($2)}' /proc/pressure/cpu 2>/dev/null || echo 0; }
printf 'round\tcpu_pressure_avg10\twaited_s\tload\n' >"$RAW/rounds.tsv"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    # a light quiet gate: the VM is shared; wait (bounded) for a calmer moment
    w0=$SECONDS
    while [ "$(psi)" -ge "$QUIET_PSI" ] && [ $((SECONDS - w0)) -lt "$QUIET_WAIT" ]; do sleep 1; done
    printf '%s\t%s\t%s\t%s\n' "$ROUND" "$(psi)" "$((SECONDS - w0))" "$(loadavg)" >>"$RAW/rounds.tsv"
    note "round $ROUND/$ROUNDS (load $(loadavg), cpu pressure $(psi) %, waited $((SECONDS - w0)) s)"
    for b in "${BENCHES[@]}"; do
        [ -n "${FAILED[$b]:-}" ] && continue
        n=$per
        [ "$b" = docker ] && n=$dper
        case $b in rocker-warm-unconfined | rocker-warm-limits | rocker-rootfs* | rocker-cli-rootfs* | crun-lim | rt*) n=$eper ;; esac
        if ! run_bench "$b" "$n" 2>>"$LOG"; then
            FAILED[$b]=1
            warn "$b failed in round $ROUND (see $LOG); left out from here on"
        fi
    done
done
for b in "${!FAILED[@]}"; do meta "failed_$b" 1; done

# ---------------------------------------------------------------- 3b. kernel trace
# Where the time goes: the scheduler's view (perf sched: switches, wakeups,
# forks) of TRACE_RUNS warm starts of rocker and of the floor doing the same
# work, summed per role and per start by bench/sched.py (on CPU, waiting for
# a CPU, asleep until an RCU grace period ended, hand-offs between the
# processes of a start, forks).
TRACE_RUNS=${BENCH_TRACE_RUNS:-30}
meta trace_runs "$TRACE_RUNS"
if command -v perf >/dev/null 2>&1 && perf sched record -o "$T/probe.data" -- true >/dev/null 2>&1; then
    say "3b. kernel trace: perf sched of $TRACE_RUNS warm starts, rocker and floor"
    for net in host none; do
        perf sched record -o "$T/rk.data" -- "$RKBENCH" start --pkg "$IMG/bb-lz4.sqfs" --holder --net $net $ROCKER_REQ \
            --data-base "$DATA/rk" --runs "$TRACE_RUNS" --warmup 0 --out "$RAW/sched-rocker-$net.lat" -- "$EXEC/bin/true" >>"$LOG" 2>&1
        perf script -i "$T/rk.data" -F comm,tid,cpu,time,event,trace >"$T/rk.txt" 2>>"$LOG"
        python3 bench/sched.py "$T/rk.txt" rkbench "$MASTER_PID" --runs $((TRACE_RUNS + 1)) >"$RAW/sched-rocker-$net.md" 2>>"$LOG" ||
            warn "bench/sched.py failed on rocker's trace"
        perf sched record -o "$T/fl.data" -- "$FLOOR" --warm "$IMG/bb-lz4.sqfs" --net $net --data "$DATA/floor" --overlay /var \
            --exec-dir "$EXEC" --uid $UIDN --gid $UIDN --runs "$TRACE_RUNS" --warmup 0 --out "$RAW/sched-floor-$net.lat" \
            $CG_ARGS --seccomp "$SECC" >>"$LOG" 2>&1
        perf script -i "$T/fl.data" -F comm,tid,cpu,time,event,trace >"$T/fl.txt" 2>>"$LOG"
        python3 bench/sched.py "$T/fl.txt" floor --runs "$TRACE_RUNS" >"$RAW/sched-floor-$net.md" 2>>"$LOG" ||
            warn "bench/sched.py failed on the floor's trace"
        rm -f "$T/rk.data" "$T/fl.data" "$T/rk.txt" "$T/fl.txt"
    done
    rm -f "$T/probe.data"
else
    warn "no working perf: no kernel trace (apt-get install linux-perf)"
fi

# ---------------------------------------------------------------- 4. peers' memory
say "4. peers' memory: per-sandbox overhead with 1 and 20 sandboxes running sleep"
BW_OUTER=()
for n in 1 20; do
    BW_OUTER=()
    for ((i = 0; i < n; i++)); do
        bwrap $BWRAP_ARGS /bin/sleep 100000 &
        BW_OUTER+=($!)
        OWN_PIDS+=($!)
    done
    sleep 1.5
    inner=$(for p in "${BW_OUTER[@]}"; do pgrep -P "$p"; done)
    payload=$(for p in $inner; do pgrep -P "$p"; done)
    mem_row "bwrap_monitor_$n" "$n" "outer bwrap (monitor) + inner bwrap (pid 1)" "${BW_OUTER[@]}" $inner
    mem_row "bwrap_app_$n" "$n" "sleep" $payload
    for p in $inner; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${BW_OUTER[@]}"; do wait "$p" 2>/dev/null || true; done
done

if [ "$NO_DOCKER" != 1 ]; then
    for n in 1 20; do
        mem_row "docker_daemons_pre_$n" 1 "dockerd + containerd before" "$DOCKERD_PID" "$CONTAINERD_PID"
        ids=()
        for ((i = 0; i < n; i++)); do
            ids+=("$(dk run -d --network none rkbench-bb:latest /bin/sleep 100000)")
        done
        sleep 2
        pids=$(dk inspect -f '{{.State.Pid}}' "${ids[@]}")
        shims=$(for p in $pids; do ppid_of "$p"; done)
        mem_row "docker_shim_$n" "$n" "containerd-shim-runc-v2" $shims
        mem_row "docker_app_$n" "$n" "sleep (container pid 1)" $pids
        mem_row "docker_daemons_$n" 1 "dockerd + containerd" "$DOCKERD_PID" "$CONTAINERD_PID"
        dk rm -f "${ids[@]}" >/dev/null
    done
    # docker --init: one container, shim + docker-init (tini) + sleep
    id=$(dk run -d --init --network none rkbench-bb:latest /bin/sleep 100000)
    sleep 2
    pid=$(dk inspect -f '{{.State.Pid}}' "$id")
    mem_row docker_init_shim 1 "containerd-shim-runc-v2 + docker-init (tini)" "$(ppid_of "$pid")" "$pid"
    mem_row docker_init_app 1 "sleep" $(pgrep -P "$pid")
    dk rm -f "$id" >/dev/null
fi

# ---------------------------------------------------------------- 5. scale (docker; rocker's is in 2b)
say "5. scale: $SCALE concurrent docker containers"
if [ "$NO_DOCKER" != 1 ]; then
    DEADLINE=${BENCH_DOCKER_SCALE_S:-240}
    a0=$(memavail)
    k0=$(kmem)
    d0=$(kib "$DOCKERD_PID" "$CONTAINERD_PID" | tr ' ' ',')
    ids=()
    t0=$(date +%s%N)
    s0=$SECONDS
    for ((i = 0; i < SCALE; i++)); do
        if [ $((SECONDS - s0)) -ge "$DEADLINE" ]; then
            warn "docker scale: stopped at $i containers after ${DEADLINE}s"
            break
        fi
        id=$(dk run -d --network none rkbench-bb:latest /bin/sleep 100000 2>>"$LOG") || break
        ids+=("$id")
    done
    t1=$(date +%s%N)
    sleep 2
    pids=$(dk inspect -f '{{.State.Pid}}' "${ids[@]}")
    shims=$(for p in $pids; do ppid_of "$p"; done)
    {
        printf 'docker_asked\t%s\n' "$SCALE"
        printf 'docker_ok\t%s\n' "${#ids[@]}"
        printf 'docker_start_ms\t%s\n' "$(((t1 - t0) / 1000000))"
        printf 'docker_shims_kib\t%s\n' "$(kib $shims | tr ' ' ',')"
        printf 'docker_apps_kib\t%s\n' "$(kib $pids | tr ' ' ',')"
        printf 'docker_daemons_before_kib\t%s\n' "$d0"
        printf 'docker_daemons_kib\t%s\n' "$(kib "$DOCKERD_PID" "$CONTAINERD_PID" | tr ' ' ',')"
        printf 'docker_memavail_drop_kib\t%s\n' "$((a0 - $(memavail)))"
        printf 'docker_kmem_growth_kib\t%s\n' "$(($(kmem) - k0))"
    } >>"$RAW/scale.tsv"
    t0=$(date +%s%N)
    dk rm -f "${ids[@]}" >/dev/null
    printf 'docker_stop_ms\t%s\n' "$((($(date +%s%N) - t0) / 1000000))" >>"$RAW/scale.tsv"
    mem_row docker_idle_after 1 "dockerd + containerd, idle, after the benchmarks" "$DOCKERD_PID" "$CONTAINERD_PID"
fi
mem_row master_idle_after 1 "rocker-master, idle, after the benchmarks" "$MASTER_PID"

# ---------------------------------------------------------------- 6. flash, disk
say "6. flash and disk"
stripped() { # file -> stripped size in bytes
    local t
    t=$(mktemp -p "$T")
    cp "$1" "$t" && strip --strip-all "$t" 2>/dev/null
    stat -c %s "$t"
    rm -f "$t"
}
flash_row() { # runtime binaries...
    local rt=$1 b l bt=0 lt=0 bl="" ll=""
    shift
    declare -A seen=()
    for b in "$@"; do
        [ -e "$b" ] || continue
        s=$(stripped "$b"); bt=$((bt + s)); bl+="$(basename "$b") $s, "
        for l in $(ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
            l=$(readlink -f "$l")
            # glibc itself (libc, ld.so, libm, libpthread, libdl, librt, libresolv) is "libc"
            case $(basename "$l") in libc.so.*|ld-linux*|libc-*|libm.so.*|libm-*|libpthread*|libdl[.-]*|librt[.-]*|libresolv*) continue ;; esac
            [ -n "${seen[$l]:-}" ] && continue
            seen[$l]=1
            s=$(stripped "$l"); lt=$((lt + s)); ll+="$(basename "$l") $s, "
        done
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$rt" "${bl%, }" "$bt" "${ll%, }" "$lt" >>"$RAW/flash.tsv"
}
: >"$RAW/flash.tsv"
flash_row rocker "$BIN/rocker-master" "$BIN/rocker"
flash_row rocker-runtime "$RT"
flash_row crun /usr/bin/crun
flash_row runc /usr/sbin/runc
flash_row bwrap /usr/bin/bwrap
flash_row unshare /usr/bin/unshare
if [ "$NO_DOCKER" != 1 ]; then
    flash_row docker /usr/sbin/dockerd /usr/bin/docker /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 \
        /usr/sbin/runc /usr/bin/docker-init
fi
load_bytes() { # static ELF [field] -> bytes of the pages its LOAD segments span (4 KiB pages);
    # field 6 = MemSiz (everything), 5 = FileSiz (the file-backed part)
    readelf -lW "$1" | awk -v f="${2:-6}" '$1 == "LOAD" {print $3, $f}' | {
        tot=0
        while read -r va ms; do
            [ $((ms)) -eq 0 ] || tot=$((tot + ((va + ms + 4095) / 4096 - va / 4096) * 4096))
        done
        echo "$tot"
    }
}
for t in aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf mipsel-unknown-linux-musl mips-unknown-linux-musl x86_64-unknown-linux-musl; do
    m=$ROOT/install_dir/$t/bin/rocker-master
    if [ -e "$m" ]; then
        printf 'load_%s\t%s\n' "$t" "$(load_bytes "$m")" >>"$RAW/scale.tsv"
        printf 'file_%s\t%s\n' "$t" "$(load_bytes "$m" 5)" >>"$RAW/scale.tsv"
    fi
done

: >"$RAW/disk.tsv"
TREE=${BENCH_TREE:-/usr/lib/python3.11}
if [ -d "$TREE" ]; then
    printf 'tree\t%s\t%s\t%s\t%s\n' "$TREE" "$(find "$TREE" -type f | wc -l)" \
        "$(du -sb --apparent-size "$TREE" | cut -f1)" "$(du -sB1 "$TREE" | cut -f1)" >>"$RAW/disk.tsv"
    for c in gzip xz lz4; do
        s=$(date +%s%N)
        mksquashfs "$TREE" "$T/tree-$c.sqfs" -comp "$c" -noappend -all-root -quiet >>"$LOG" 2>&1
        e=$(date +%s%N)
        printf 'sqfs\t%s\t%s\t%s\n' "$c" "$(stat -c %s "$T/tree-$c.sqfs")" "$(((e - s) / 1000000))" >>"$RAW/disk.tsv"
        rm -f "$T/tree-$c.sqfs"
    done
fi
printf 'payload\t%s\t%s\t%s\n' "$(du -sb --apparent-size "$ROOTFS" | cut -f1)" "$(du -sB1 "$ROOTFS" | cut -f1)" \
    "$(for c in gzip xz lz4; do printf '%s=%s ' "$c" "$(stat -c %s "$IMG/bb-$c.sqfs")"; done)" >>"$RAW/disk.tsv"

meta load_after "$(loadavg)"
meta duration_s "$((SECONDS - T0))"

# ---------------------------------------------------------------- 7. clean up, check, report
say "7. clean up and check"
cleanup
{
    printf 'mounts\t%s\n' "$(findmnt -rn -o TARGET | grep -cE "^($RB|$DRUN)(/|$)" || true)"
    printf 'loops\t%s\n' "$(losetup -nO BACK-FILE | grep -cE "^($RB|$W)" || true)"
    printf 'processes\t%s\n' "$(for p in "${OWN_PIDS[@]}" $MASTER_PID $DOCKERD_PID $CONTAINERD_PID; do kill -0 "$p" 2>/dev/null && echo "$p"; done | wc -l)"
    printf 'shims\t%s\n' "$(pgrep -fc "containerd-shim.*$DRUN/" || true)"
    printf 'guards\t%s\n' "$(for g in $(awk '/^OK/{print $3}' "$RAW"/hold-*.out); do kill -0 "$g" 2>/dev/null && echo "$g"; done | wc -l)"
    printf 'crun_runc\t%s\n' "$( (crun list -q 2>/dev/null; runc list -q 2>/dev/null) | grep -c rkbench || true)"
    printf 'cgroups\t%s\n' "$(find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | grep -cE '/(docker|rkbench|rkfloor-|rkx-)' || true)"
    printf 'hugetlb_in_cgroup2\t%s\n' "$(grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && echo yes || echo no)"
    printf 'runtime_dirs\t%s\n' "$(ls -d "$RB" "$DRUN" 2>/dev/null | wc -l)"
} >"$RAW/leftovers.tsv"
sed 's/^/    /' "$RAW/leftovers.tsv"

OUT=${BENCH_OUT:-$ROOT/bench}
mkdir -p "$OUT"
python3 bench/report.py "$RAW" "$OUT/results.md" "$OUT/startup.svg"
say "done: $OUT/results.md, $OUT/startup.svg (raw data in $RAW)"
