#!/usr/bin/env bash
# rocker: a minimal busybox root filesystem as an xz squashfs, for the rootfs
# mode tests (issue 13) on any of the five targets.
#
# Usage: scripts/busybox-rootfs.sh TRIPLE OUT.sqfs [BUSYBOX]
#
# Contents: /bin/busybox and its applet symlinks (from `busybox --list-full`,
# run under qemu-user), /etc/passwd and /etc/group (root, app 1000:1000,
# nobody 65534), /etc/os-release naming it a rocker test rootfs, and empty
# /proc /sys /dev /tmp /run /root /home. All files root-owned (-all-root).
#
# busybox: BUSYBOX if given (any static binary for TRIPLE); else Debian's
# busybox-static:<arch> for amd64/arm64/armhf/mipsel, and for big-endian mips
# the static build of Debian's source that qemu/lib.sh makes; both come from
# (and stay in) qemu/lib.sh's cache, .cache/qemu/busybox, shared with the
# qemu runners.
#
# Cached: OUT and OUT's manifest (OUT without .sqfs, + .manifest) carry a key
# (hash of this script, qemu/lib.sh, TRIPLE and BUSYBOX's content if given);
# with both present and current, a run is a no-op. A newer busybox in Debian
# does not rebuild; delete OUT for that. Work is done in .cache/rootfs/tmp,
# removed on every exit path. Root is needed only to install packages.
set -eEuo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
LIB=$ROOT/qemu/lib.sh
CACHE=$ROOT/.cache/rootfs

usage() {
    echo "usage: $0 TRIPLE OUT.sqfs [BUSYBOX]" >&2
    exit 2
}
[[ $# -ge 2 && $# -le 3 ]] || usage
TRIPLE=$1
OUT=$(readlink -m "$2")
BB_ARG=${3:+$(readlink -f "$3")}
case $TRIPLE in
x86_64-unknown-linux-musl) DEB_ARCH=amd64 ;;
aarch64-unknown-linux-musl) DEB_ARCH=arm64 ;;
armv7-unknown-linux-musleabihf) DEB_ARCH=armhf ;;
mipsel-unknown-linux-musl) DEB_ARCH=mipsel ;;
mips-unknown-linux-musl) DEB_ARCH= ;; # no big-endian mips in Debian any more
*) usage ;;
esac
[ -f "$ROOT/targets/$TRIPLE.mk" ] || { echo "no targets/$TRIPLE.mk" >&2; exit 2; }
MANIFEST=${OUT%.sqfs}.manifest
KEY=$( (sha256sum <"$SELF"; sha256sum <"$LIB"; echo "$TRIPLE"; [ -z "$BB_ARG" ] || sha256sum <"$BB_ARG") |
    sha256sum | cut -c1-16)

current() { [ -f "$OUT" ] && [ -f "$MANIFEST" ] && grep -qx "key=$KEY" "$MANIFEST"; }
if current; then
    echo "busybox-rootfs: up to date: $OUT"
    exit 0
fi

# say, die, rq_apt_*, rq_foreign_arch, rq_fetch_debian_busybox,
# rq_build_busybox_src, rq_us, rq_fmt, RQ_CACHE (.cache/qemu), APT_OPTS
# shellcheck source-path=SCRIPTDIR source=../qemu/lib.sh
. "$LIB"
set -E
RQ_NAME="busybox-rootfs $TRIPLE"

STEP=start
ERR_CMD='' ERR_LINE=''
WORK=''
trap 'ERR_CMD=$BASH_COMMAND ERR_LINE=$LINENO' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
cleanup() {
    local rc=$?
    trap - ERR
    set +e
    [ $rc = 0 ] || printf '[%s] FAILED at step "%s" (exit %s)%s\n' "$RQ_NAME" "$STEP" "$rc" \
        "${ERR_CMD:+: line $ERR_LINE: $ERR_CMD}" >&2
    [ -z "$WORK" ] || rm -rf --one-file-system "$WORK"
    rm -f "$OUT.tmp.$$" "$MANIFEST.tmp.$$"
    exit $rc
}
trap cleanup EXIT
step() {
    STEP=$1
    say "== $STEP"
}

T0=$(rq_us)
mkdir -p "$CACHE/tmp" "$RQ_CACHE" "$(dirname "$OUT")"
exec 8>"$CACHE/.lock-busybox"
flock 8
if current; then # built by a concurrent run
    say "up to date: $OUT"
    exit 0
fi

step busybox
if [ -n "$BB_ARG" ]; then
    [ -f "$BB_ARG" ] || die "no such file: $BB_ARG"
    BB=$BB_ARG BB_DESC="given: $BB_ARG"
else
    # the same lock as the qemu runners' fetch stage: one writer of .cache/qemu
    exec 9>"$RQ_CACHE/.lock"
    flock 9
    if [ -n "$DEB_ARCH" ]; then
        RQ_DEB_ARCH=$DEB_ARCH # read by rq_fetch_debian_busybox
        rq_foreign_arch "$DEB_ARCH"
        q="busybox-static:$DEB_ARCH"
    else
        q=busybox-static # the version the source build takes
    fi
    if ! RQ_V_BUSYBOX=$(apt-cache show --no-all-versions "$q" 2>/dev/null | awk '/^Version:/{print $2; exit}') ||
        [ -z "$RQ_V_BUSYBOX" ]; then
        rq_apt_update
        RQ_V_BUSYBOX=$(apt-cache show --no-all-versions "$q" | awk '/^Version:/{print $2; exit}')
    fi
    [ -n "$RQ_V_BUSYBOX" ] || die "apt knows no $q"
    if [ -n "$DEB_ARCH" ]; then
        rq_fetch_debian_busybox
    else
        rq_build_busybox_src
    fi
    flock -u 9
    BB=$RQ_BUSYBOX BB_DESC=$RQ_BUSYBOX_DESC
fi
say "busybox: $BB_DESC"

step applets
[ "$TRIPLE" = x86_64-unknown-linux-musl ] || rq_apt_install qemu-user-static
rq_apt_install squashfs-tools
run=("$ROOT/scripts/run-target.sh" "$TRIPLE" "$BB")
banner=$("${run[@]}" --help 2>&1 | head -n1) || true
[[ $banner == BusyBox\ v* ]] || die "$BB does not run as busybox for $TRIPLE: $banner"
bbver=$(awk '{sub(/^v/, "", $2); print $2}' <<<"$banner")
# bin/ls, usr/bin/awk, sbin/init, ...; --list (all in /bin) if the binary has
# no installer feature
applets=$("${run[@]}" --list-full 2>/dev/null) || applets=$("${run[@]}" --list | sed 's|^|bin/|')
[ -n "$applets" ] || die "$BB lists no applets"

step tree
WORK=$(mktemp -d "$CACHE/tmp/busybox.XXXXXX")
t=$WORK/root
mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,root,home,tmp}
chmod 0755 "$t" "$t"/{bin,sbin,usr,usr/bin,usr/sbin,etc,proc,sys,dev,run,home}
chmod 0700 "$t/root"
chmod 1777 "$t/tmp"
install -m 0755 "$BB" "$t/bin/busybox"
n=0
while read -r a; do
    case $a in */*) ;; *) continue ;; esac # not / itself: linuxrc is for initrds
    case $a in bin/busybox | /* | *..*) continue ;; esac
    [[ ! -e $t/$a && ! -L $t/$a ]] || continue
    d=$(dirname "$a")
    up=${d//[!\/]/}      # one ../ per directory level
    up=${up//\//../}../
    [ "$d" != . ] || up=
    mkdir -p "$t/$d"
    ln -s "${up}bin/busybox" "$t/$a"
    n=$((n + 1))
done <<<"$applets"
[ -L "$t/bin/sh" ] || die "busybox has no sh applet"
cat >"$t/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$t/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nobody:x:65534:
EOF
cat >"$t/etc/os-release" <<EOF
NAME="rocker test rootfs"
ID=rocker-test
VERSION_ID=1
PRETTY_NAME="rocker test rootfs (busybox $bbver, $TRIPLE)"
ROCKER_TARGET=$TRIPLE
EOF
chmod 0644 "$t"/etc/{passwd,group,os-release}

step mksquashfs
mksquashfs "$t" "$OUT.tmp.$$" -comp xz -noappend -all-root -no-progress >"$WORK/mksquashfs.log" 2>&1 ||
    { cat "$WORK/mksquashfs.log" >&2; die "mksquashfs failed"; }
size=$(stat -c %s "$OUT.tmp.$$")
{
    echo "key=$KEY"
    echo "triple=$TRIPLE"
    echo "busybox=$BB_DESC"
    echo "busybox_version=$bbver"
    echo "busybox_sha256=$(sha256sum <"$BB" | cut -d' ' -f1)"
    echo "applets=$n"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "image_bytes=$size"
    echo "compression=xz"
} >"$MANIFEST.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"
mv "$MANIFEST.tmp.$$" "$MANIFEST"
STEP=finished
say "built $OUT: $size bytes, busybox $bbver, $n applets, $(rq_fmt $(($(rq_us) - T0))) s"
