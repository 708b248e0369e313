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
    RQ_WORK=$w
    rm -rf "$w/root" "$w/app"
    mkdir -p "$w"
    r=$w/root
    mkdir -p "$r"/{bin,dev,proc,sys,etc,tmp,run,data,home,usr,var,root,pkgs,modules,rocker/bin,rocker/libexec}
    chmod 1777 "$r/tmp"
    cp "$RQ_BUSYBOX" "$r/bin/busybox"
    chmod 755 "$r/bin/busybox"
    ln -s busybox "$r/bin/sh"
    mknod -m 600 "$r/dev/console" c 5 1
    mknod -m 666 "$r/dev/null" c 1 3
    install -m 755 "$RQ_DIR/guest-init.sh" "$r/init"
    install -m 755 "$SEC_DIR/guest.sh" "$r/guest-tests.sh"
    install -m 755 "$SEC_DIR/core.sh" "$r/security-core.sh"
    install -m 755 "$RQ_INSTALL/bin/rocker-master" "$RQ_INSTALL/bin/rocker" "$r/rocker/bin/"
    install -m 755 "$RQ_INSTALL/libexec/rocker-probe" "$r/rocker/libexec/"
    if [ -n "$RQ_MODDIR" ]; then
        cp "$RQ_MODDIR"/*.ko "$RQ_MODDIR/order" "$r/modules/"
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$r/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\n' >"$r/etc/group"
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
