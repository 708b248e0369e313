#!/usr/bin/env bash
# tests/limits/guest.sh [ARCH]: the limits end to end (rocker-master + the
# CLI) on cgroup v2 in a QEMU guest with a real Debian 6.1 kernel: ARCH
# armv7 (default), aarch64 or mipsel. The guest mounts cgroup2 (nsdelegate)
# and starts the master the way procd does, in a delegated
# /services/rocker/instance1 (so the master must move into its leaf
# `master` before it can hand controllers down). Checks (guest-limits.sh):
# the cgroup line; an App in its cgroup with --ulimit; a memory hog
# OOM-killed (exit 137, logged); a fork bomb stopped at --pids; ps; a guard
# killed with SIGKILL; a master SIGKILLed and restarted; SIGTERM; no cgroup
# left. Passes when the guest prints "N passed, 0 failed". Run as root;
# qemu/lib.sh fetches (or reuses from .cache/qemu) the kernel, its modules,
# busybox and qemu-system.
set -euo pipefail
arch=${1:-armv7}
RQ_BUSYBOX_KIND=debian RQ_KERNEL_KIND=debian
case $arch in
armv7)
    RQ_TRIPLE=armv7-unknown-linux-musleabihf RQ_QEMU_SYSTEM=qemu-system-arm
    RQ_MACHINE=(-M virt -cpu cortex-a15 -m 512) RQ_CONSOLE=ttyAMA0
    RQ_KERNEL_META=linux-image-armmp RQ_DEB_ARCH=armhf
    ;;
aarch64)
    RQ_TRIPLE=aarch64-unknown-linux-musl RQ_QEMU_SYSTEM=qemu-system-aarch64
    RQ_MACHINE=(-M virt -cpu cortex-a57 -m 512) RQ_CONSOLE=ttyAMA0
    RQ_KERNEL_META=linux-image-arm64 RQ_DEB_ARCH=arm64
    ;;
mipsel)
    RQ_TRIPLE=mipsel-unknown-linux-musl RQ_QEMU_SYSTEM=qemu-system-mipsel
    RQ_MACHINE=(-M malta -m 256 -vga none) RQ_CONSOLE=ttyS0
    RQ_KERNEL_META=linux-image-4kc-malta RQ_DEB_ARCH=mipsel
    ;;
*)
    echo "usage: $0 [armv7|aarch64|mipsel]" >&2
    exit 2
    ;;
esac
# shellcheck source=../../qemu/lib.sh
. "$(dirname "$(readlink -f "$0")")/../../qemu/lib.sh"
RQ_NAME="limits-$arch"
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || die "run as root"

rq_build
rq_fetch

# The initramfs of qemu/lib.sh (stage 1 qemu/guest-init.sh: modules, then a
# tmpfs root), with guest-limits.sh as stage 2 and one busybox package.
w=$RQ_CACHE/work/$RQ_NAME
rq_root_base "$w" "$HERE/guest-limits.sh"
touch "$w/root/etc/rocker-no-rootfs-checks" # stage 1 rootfs checks are qemu/run-ARCH.sh's
r=$w/root
mkdir -p "$w/app/bin"
cp "$RQ_BUSYBOX" "$w/app/bin/busybox"
for a in sh sleep cat dd true ls; do ln -s busybox "$w/app/bin/$a"; done
mksquashfs "$w/app" "$r/pkgs/app.sqfs" -comp gzip -noappend -all-root -quiet >/dev/null
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -6 >"$w/initramfs.cpio.gz"

log=$w/console.log
cmd=(timeout -k 5 "${ROCKER_QEMU_TIMEOUT:-600}" "$RQ_QEMU_BIN" "${RQ_QEMU_L[@]}" "${RQ_MACHINE[@]}" -smp 1
    -nographic -no-reboot -nic none -kernel "$RQ_KERNEL" -initrd "$w/initramfs.cpio.gz"
    -append "console=$RQ_CONSOLE panic=-1 loglevel=1 rdinit=/init")
say "boot: $(printf '%q ' "${cmd[@]:4}")"
rc=0
"${cmd[@]}" </dev/null >"$log" 2>&1 || rc=$?
tr -d '\r' <"$log" | grep -a -E '^(ok - |FAIL - |# |rocker-guest|[0-9]+ passed)' || true
summary=$(tr -d '\r' <"$log" | grep -aE '^[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
if [[ $summary == *" passed, 0 failed" ]]; then
    say "PASS: $arch cgroup v2 ($summary)"
else
    say "FAIL: $arch cgroup v2 (${summary:-no summary}, qemu exit $rc; console log $log)"
    exit 1
fi
