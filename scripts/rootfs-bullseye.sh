#!/usr/bin/env bash
# rocker: the "another distribution" test asset (issue 13): a Debian bullseye
# amd64 tree (`debootstrap --variant=minbase`) packed as an xz squashfs.
#
# Usage: scripts/rootfs-bullseye.sh [--print-path | --check]
#   (none)        build .cache/rootfs/bullseye-amd64.sqfs (+ .manifest) unless
#                 it is there and current; a no-op then (a few ms)
#   --print-path  print the image path; exit 0 if the image is there and
#                 current, 1 if not (tests skip then); never builds
#   --check       build if needed, then a sanity check of the image: loop mount
#                 read-only in a private mount namespace, chroot into it, run
#                 the tree's cat, dpkg, ls and its dynamic loader and libc
#
# Run as root on Debian 12: installs debootstrap and squashfs-tools with apt
# if missing. The cache key is the hash of this script + suite + arch (a
# change of the script rebuilds); mirror updates do not rebuild.
#
# The mirror is the one apt uses here (`apt-get indextargets`), else
# deb.debian.org, else archive.debian.org: the first whose bullseye InRelease
# verifies with debian-archive-keyring (bookworm's keyring holds bullseye's
# keys). Release signatures are always checked: there is no --no-check-gpg.
#
# debootstrap runs in private mount and PID namespaces (setpriv --pdeathsig,
# unshare -m -p --kill-child): if it or this script dies, even by SIGKILL,
# every process of the build dies with it, and the /proc, /sys and /dev
# mounts it makes inside the target die with the mount namespace; none is
# ever visible on the host. (After a SIGKILL of this script its temp dir
# stays; the next build removes it. In a plain chroot whose / is not a mount
# point there is no private mount namespace: the trap unmounts instead.) Work happens in .cache/rootfs/tmp/, removed on every
# exit path; a failure names its step and the command, with the log's tail.
#
# Environment: ROCKER_ROOTFS_MIRROR=URL forces a mirror,
# ROCKER_ROOTFS_KEYRING=FILE another keyring (for tests of the key check).
set -eEuo pipefail

SUITE=bullseye
ARCH=amd64
KEYRING=${ROCKER_ROOTFS_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
APT_OPTS=(-q -o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true -o APT::Sandbox::User=root)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
CACHE=$ROOT/.cache/rootfs
IMG=$CACHE/$SUITE-$ARCH.sqfs
MANIFEST=$CACHE/$SUITE-$ARCH.manifest
KEY=$( (sha256sum <"$SELF"; echo "$SUITE $ARCH") | sha256sum | cut -c1-16)

say() { printf 'rootfs-%s: %s\n' "$SUITE" "$*"; }
die() {
    printf 'rootfs-%s: ERROR: %s\n' "$SUITE" "$*" >&2
    exit 1
}
us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
fmt_s() { printf '%d.%d' $(($1 / 1000000)) $((($1 % 1000000) / 100000)); }

current() { # the image and a manifest with this script's key
    [ -f "$IMG" ] && [ -f "$MANIFEST" ] && grep -qx "key=$KEY" "$MANIFEST"
}

# ------------------------------------------------------------ error handling
STEP=start
ERR_CMD='' ERR_LINE=''
WORK=
LOG=
T0=$(us)
STEP_T0=$T0
TIMES=()
step() { # NAME: the step a failure is reported under
    [ "$STEP" = start ] || TIMES+=("$(printf '%-12s %6s s' "$STEP" "$(fmt_s $(($(us) - STEP_T0)))")")
    STEP=$1
    STEP_T0=$(us)
    say "== $STEP"
}
on_err() { ERR_CMD=$BASH_COMMAND ERR_LINE=$1; }
trap 'on_err $LINENO' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Unmounts everything below $1 (deepest first); 1 if something stays.
umount_below() {
    local dir=$1 m left
    [ -d "$dir" ] || return 0
    dir=$(readlink -f "$dir")
    while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$dir/" 'index($2 "/", d) == 1 {print $2}' /proc/self/mounts | sort -r)
    left=$(awk -v d="$dir/" 'index($2 "/", d) == 1 {print $2}' /proc/self/mounts)
    [ -z "$left" ] || {
        printf 'rootfs-%s: ERROR: still mounted: %s\n' "$SUITE" "$left" >&2
        return 1
    }
}

cleanup() {
    local rc=$?
    trap - ERR
    set +e
    if [ $rc != 0 ]; then
        printf 'rootfs-%s: FAILED at step "%s" (exit %s)%s\n' "$SUITE" "$STEP" "$rc" \
            "${ERR_CMD:+: line $ERR_LINE: $ERR_CMD}" >&2
        if [ -n "$LOG" ] && [ -s "$LOG" ]; then
            printf 'rootfs-%s: last lines of the log (kept as %s):\n' "$SUITE" "$CACHE/last-failure.log" >&2
            tail -n 25 "$LOG" | sed 's/^/    /' >&2
            cp "$LOG" "$CACHE/last-failure.log"
        fi
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if umount_below "$WORK"; then
            rm -rf --one-file-system "$WORK"
        else
            printf 'rootfs-%s: ERROR: left %s in place (mounts inside)\n' "$SUITE" "$WORK" >&2
            rc=1
        fi
    fi
    rm -f "$IMG.tmp" "$MANIFEST.tmp"
    exit $rc
}

# ------------------------------------------------------------------- apt
installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }
apt_install() {
    local p missing=()
    for p in "$@"; do installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -gt 0 ] || return 0
    say "apt-get install ${missing[*]}"
    if ! apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1; then
        say "apt-get update (then retrying the install)"
        apt-get "${APT_OPTS[@]}" update >>"$LOG" 2>&1 || say "WARNING: apt-get update failed; trying anyway"
        apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1
    fi
    for p in "${missing[@]}"; do installed "$p" || die "$p is still not installed"; done
}

# Candidates: apt's own Debian mirror, then deb.debian.org, then the archive.
# The first whose $SUITE InRelease downloads and verifies with $KEYRING wins.
pick_mirror() {
    local cands=() m rel out
    if [ -n "${ROCKER_ROOTFS_MIRROR:-}" ]; then
        cands=("$ROCKER_ROOTFS_MIRROR")
    else
        # shellcheck disable=SC2016 # $(REPO_URI) is apt's format, not ours
        m=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 2>/dev/null |
            grep -v -e security -e '^file:' -e '^cdrom:' | grep -m1 '/debian/*$' || true)
        [ -z "$m" ] || cands+=("$m")
        cands+=(http://deb.debian.org/debian http://archive.debian.org/debian)
    fi
    rel=$WORK/InRelease
    for m in "${cands[@]}"; do
        m=${m%/}
        rm -f "$rel"
        if ! /usr/lib/apt/apt-helper "${APT_OPTS[@]}" download-file "$m/dists/$SUITE/InRelease" "$rel" >>"$LOG" 2>&1; then
            say "no $SUITE on $m"
            continue
        fi
        if ! out=$(gpgv --keyring "$KEYRING" "$rel" 2>&1); then
            echo "$out" >>"$LOG"
            die "$m/dists/$SUITE/InRelease does not verify with $KEYRING" \
                "($(grep -m1 -e "public key" -e BAD <<<"$out" || tail -n1 <<<"$out"));" \
                "update debian-archive-keyring (bookworm's holds the $SUITE keys)"
        fi
        MIRROR=$m
        say "mirror $MIRROR ($SUITE InRelease: $(sed -n 's/^gpgv: Good signature from "\(.*\)".*/\1/p' <<<"$out" | head -n1))"
        return 0
    done
    die "no mirror serves $SUITE: ${cands[*]}"
}

# ------------------------------------------------------------------ build
build() {
    [ "$(id -u)" = 0 ] || die "run as root (debootstrap, mknod, chroot)"
    [ "$(uname -m)" = x86_64 ] || die "builds $ARCH natively only (this is $(uname -m))"
    mkdir -p "$CACHE/tmp"
    exec 9>"$CACHE/.lock"
    flock 9
    if current; then # built by a concurrent run
        say "up to date: $IMG"
        return 0
    fi
    trap cleanup EXIT
    local d
    for d in "$CACHE"/tmp/build.*; do # left by a run killed with SIGKILL
        [ -d "$d" ] || continue
        say "removing the stale $d"
        umount_below "$d"
        rm -rf --one-file-system "$d"
    done
    WORK=$(mktemp -d "$CACHE/tmp/build.XXXXXX")
    LOG=$WORK/build.log
    local tree=$WORK/tree npkg size dbver

    step packages
    apt_install debootstrap squashfs-tools debian-archive-keyring gpgv util-linux mount
    [ -f "/usr/share/debootstrap/scripts/$SUITE" ] || die "this debootstrap has no script for $SUITE"
    [ -f "$KEYRING" ] || die "no $KEYRING"
    dbver=$(dpkg-query -W -f='${Version}' debootstrap)

    step mirror
    pick_mirror

    step debootstrap
    say "debootstrap $dbver --variant=minbase --arch=$ARCH $SUITE ($MIRROR; log in $LOG)"
    local ns=(--mount --propagation private --mount-proc)
    if ! mountpoint -q /; then
        # A plain chroot: unshare cannot make "/" private (EINVAL), so the
        # target's mounts go to this namespace; the trap unmounts them.
        say "WARNING: / is not a mount point (a chroot?): no private mount namespace for debootstrap"
        ns=()
    fi
    setpriv --pdeathsig KILL unshare "${ns[@]}" --pid --fork --kill-child \
        debootstrap --variant=minbase --arch="$ARCH" --keyring="$KEYRING" \
        "$SUITE" "$tree" "$MIRROR" >>"$LOG" 2>&1
    umount_below "$tree"
    [[ -x $tree/bin/ls && -f $tree/var/lib/dpkg/status ]] || die "debootstrap left no usable tree"

    step tidy
    # Downloaded debs and apt's caches are not part of the tree; the build
    # host's resolv.conf and hostname (copied by debootstrap) are not either.
    find "$tree/var/cache/apt" -type f \( -name '*.deb' -o -name '*.bin' \) -delete
    find "$tree/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
    rm -f "$tree/etc/resolv.conf"
    echo "$SUITE" >"$tree/etc/hostname"
    npkg=$(dpkg-query --admindir="$tree/var/lib/dpkg" -W -f='${db:Status-Abbrev}\n' | grep -c '^ii')
    grep -qx "VERSION_CODENAME=$SUITE" "$tree/etc/os-release" || die "the tree's os-release is not $SUITE"

    step mksquashfs
    # No -all-root: owners and modes (setuid included) stay as in the tree.
    mksquashfs "$tree" "$IMG.tmp" -comp xz -noappend -no-progress >>"$LOG" 2>&1
    size=$(stat -c %s "$IMG.tmp")

    step manifest
    {
        echo "key=$KEY"
        echo "suite=$SUITE"
        echo "arch=$ARCH"
        echo "variant=minbase"
        echo "debootstrap=$dbver"
        echo "mirror=$MIRROR"
        echo "keyring=$KEYRING"
        echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "packages=$npkg"
        echo "tree_bytes=$(du -sb --apparent-size "$tree" | cut -f1)"
        echo "image_bytes=$size"
        echo "compression=xz"
        echo "mksquashfs=$(mksquashfs -version 2>&1 | head -n1 | awk '{print $3}')"
        echo "build_seconds=$(fmt_s $(($(us) - T0)))"
    } >"$MANIFEST.tmp"
    mv "$IMG.tmp" "$IMG"
    mv "$MANIFEST.tmp" "$MANIFEST"
    step finished
    umount_below "$WORK"
    rm -rf --one-file-system "$WORK"
    WORK='' LOG=''
    say "timings:"
    local t
    for t in "${TIMES[@]}"; do say "  $t"; done
    say "built $IMG: $size bytes, $npkg packages, $(fmt_s $(($(us) - T0))) s"
}

# ------------------------------------------------------------------ check
# Runs inside `unshare --mount --propagation private`: whatever happens, the
# mount dies with the namespace; the loop device is freed by the unmount
# (mount -o loop sets autoclear).
check_inner() {
    local img=$1 mnt=$2 out pass=0 fail=0
    ok() {
        pass=$((pass + 1))
        echo "ok - $1"
    }
    bad() {
        fail=$((fail + 1))
        echo "FAIL - $1: $2"
    }
    mount -t squashfs -o loop,ro,nodev,nosuid "$img" "$mnt"
    say "mounted $img read-only on $mnt ($(awk -v m="$mnt" '$2==m{print $1}' /proc/self/mounts))"
    if out=$(chroot "$mnt" /bin/cat /etc/os-release 2>&1) && grep -qx "VERSION_CODENAME=$SUITE" <<<"$out"; then
        ok "chroot cat /etc/os-release: $(grep '^PRETTY_NAME=' <<<"$out")"
    else
        bad "os-release" "$out"
    fi
    if out=$(chroot "$mnt" /usr/bin/dpkg -l 2>&1) && [ "$(grep -c '^ii ' <<<"$out")" -gt 50 ]; then
        ok "chroot dpkg -l: $(grep -c '^ii ' <<<"$out") packages, e.g. $(awk '$2=="libc6"||$2=="libc6:amd64"{print $2, $3}' <<<"$out")"
    else
        bad "dpkg -l" "$(tail -n3 <<<"$out")"
    fi
    if out=$(chroot "$mnt" /lib64/ld-linux-x86-64.so.2 --list /bin/ls 2>&1) &&
        grep -q 'libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6' <<<"$out"; then
        ok "chroot /lib64/ld-linux-x86-64.so.2 --list /bin/ls: $(awk '{print $1}' <<<"$out" | tr '\n' ' ')"
    else
        bad "ld.so --list /bin/ls" "$out"
    fi
    if out=$(chroot "$mnt" /lib/x86_64-linux-gnu/libc.so.6 2>&1) && grep -q 'release version 2\.31' <<<"$out"; then
        ok "the tree's libc runs: $(head -n1 <<<"$out")"
    else
        bad "libc.so.6" "$(head -n1 <<<"$out")"
    fi
    if out=$(chroot "$mnt" /bin/ls / 2>&1) && grep -qx usr <<<"$out"; then
        ok "chroot /bin/ls /: $(tr '\n' ' ' <<<"$out")"
    else
        bad "ls /" "$out"
    fi
    if out=$(stat -c '%U:%G %A %n' "$mnt/bin/su" "$mnt/usr/bin/dpkg" 2>&1) &&
        [ "$(grep -c '^root:root ' <<<"$out")" = 2 ] && grep -q '^root:root -rwsr-xr-x' <<<"$out"; then
        ok "owners and setuid kept: $(tr '\n' ';' <<<"$out")"
    else
        bad "owners/modes" "$out"
    fi
    umount "$mnt"
    if grep -q " $mnt " /proc/self/mounts; then bad "umount" "still mounted"; else ok "unmounted"; fi
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}

check() {
    local mnt rc=0 loops
    build
    trap cleanup EXIT
    STEP=check
    WORK=$(mktemp -d "$CACHE/tmp/check.XXXXXX")
    mnt=$WORK/mnt
    mkdir "$mnt"
    say "== check ($(grep -e '^packages=' -e '^image_bytes=' -e '^built=' "$MANIFEST" | tr '\n' ' '))"
    local ns=(unshare --mount --propagation private)
    mountpoint -q / || ns=() # a plain chroot (see build); the trap unmounts
    "${ns[@]}" "$SELF" --check-inner "$IMG" "$mnt" || rc=$?
    for _ in 1 2 3 4 5 6 7 8 9 10; do # autoclear may lag the unmount a little
        loops=$(losetup -n -O NAME -j "$IMG")
        [ -n "$loops" ] || break
        sleep 0.2
    done
    if [ -n "$loops" ]; then
        echo "FAIL - loop device still attached: $loops"
        rc=1
    else
        echo "ok - no loop device left on the image"
    fi
    if grep -q " $mnt " /proc/self/mounts; then
        echo "FAIL - $mnt mounted in the host namespace"
        rc=1
    fi
    [ $rc = 0 ] || die "check failed"
    say "check passed"
}

case ${1:-} in
'')
    if current; then
        say "up to date: $IMG"
    else
        build
    fi
    ;;
--print-path)
    echo "$IMG"
    current
    ;;
--check) check ;;
--check-inner) check_inner "$2" "$3" ;;
-h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$SELF" ;;
*) die "usage: $0 [--print-path | --check]" ;;
esac
