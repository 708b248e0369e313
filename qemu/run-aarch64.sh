#!/usr/bin/env bash
# rocker on AArch64 under QEMU: qemu-aarch64-static (user mode), then Debian's
# arm64 kernel on `-M virt -cpu cortex-a57` (system mode), every check in one
# boot. Run as root from anywhere; caches in .cache/qemu/. See qemu/lib.sh.
RQ_NAME=aarch64
RQ_TRIPLE=aarch64-unknown-linux-musl
RQ_QEMU_SYSTEM=qemu-system-aarch64
RQ_MACHINE=(-M virt -cpu cortex-a57 -m 512)
RQ_CONSOLE=ttyAMA0
RQ_KERNEL_KIND=debian RQ_KERNEL_META=linux-image-arm64 RQ_DEB_ARCH=arm64
RQ_BUSYBOX_KIND=debian
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rq_main "$@"
