#!/usr/bin/env bash
# tests/security/qemu.sh ARCH -- tests/security/core.sh in a QEMU guest with
# a real kernel: ARCH is armv7, aarch64, mipsel or mips (big-endian), as in
# qemu/run-<ARCH>.sh, whose settings, kernel, busybox and qemu-system (cached
# in .cache/qemu/) this reuses through qemu/lib.sh; only the initramfs is
# this script's: rocker, the probe, a package of the guest's busybox + the
# probe, core.sh, and tests/security/guest.sh as the guest's stage 2.
# Run as root. Gated on the guest's `N passed, M failed` line.
set -euo pipefail
ARCH=${1:?usage: tests/security/qemu.sh armv7|aarch64|mipsel|mips}
SEC_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
RUN=$SEC_DIR/../../qemu/run-$ARCH.sh
[ -f "$RUN" ] || { echo "no qemu/run-$ARCH.sh" >&2; exit 2; }
# The arch's settings (RQ_TRIPLE, RQ_MACHINE, kernel and busybox kind, ...).
eval "$(grep -E '^RQ_[A-Z_]+=' "$RUN")"
RQ_NAME=sec-$ARCH
. "$SEC_DIR/../../qemu/lib.sh"

sec_initramfs() {
    local w=$RQ_CACHE/work/$RQ_NAME r app a
    rq_root_base "$w" "$SEC_DIR/guest.sh"
    r=$w/root
    install -m 755 "$SEC_DIR/core.sh" "$r/security-core.sh"
    touch "$r/etc/rocker-no-rootfs-checks" # stage 1's rootfs checks are qemu/run-ARCH.sh's
    install -m 755 "$RQ_INSTALL/libexec/rocker-probe" "$r/rocker/libexec/"
    app=$w/app
    mkdir -p "$app/bin"
    cp "$RQ_BUSYBOX" "$app/bin/busybox"
    for a in sh ls cat ps wget httpd sleep mkdir echo kill; do ln -s busybox "$app/bin/$a"; done
    install -m 755 "$RQ_INSTALL/libexec/rocker-probe" "$app/bin/probe"
    mksquashfs "$app" "$r/pkgs/sec.sqfs" -noappend -all-root -quiet >/dev/null
    (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -6 >"$w/initramfs.cpio.gz"
    say "initramfs: $(du -k "$w/initramfs.cpio.gz" | cut -f1) KB"
    rm -rf "$r" "$app"
}

[ "$(id -u)" = 0 ] || die "run as root"
trap rq_on_exit EXIT
say "issue 12 security checks on $ARCH ($RQ_TRIPLE) under qemu-system"
rq_stage build rq_build
rq_stage fetch rq_fetch
rq_stage initrd sec_initramfs
rq_stage system rq_system
RQ_DONE=1
rq_timings
say "summary: host $RQ_PASS passed, $RQ_FAIL failed; guest ${RQ_GUEST_PASS:-0} passed, ${RQ_GUEST_FAIL:-?} failed"
[ "$RQ_FAIL" = 0 ] || { say "FAILED: $ARCH (console log: $RQ_WORK/console.log.txt)"; exit 1; }
say "PASS: $ARCH"
