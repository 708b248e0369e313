#!/usr/bin/env bash
# rocker on ARMv7 under QEMU: qemu-arm-static (user mode), then Debian's
# armmp kernel on `-M virt -cpu cortex-a15` (system mode), every check in one
# boot. Run as root from anywhere; caches in .cache/qemu/. See qemu/lib.sh.
RQ_NAME=armv7
RQ_TRIPLE=armv7-unknown-linux-musleabihf
RQ_QEMU_SYSTEM=qemu-system-arm
RQ_MACHINE=(-M virt -cpu cortex-a15 -m 512)
RQ_CONSOLE=ttyAMA0
RQ_KERNEL_KIND=debian RQ_KERNEL_META=linux-image-armmp RQ_DEB_ARCH=armhf
RQ_BUSYBOX_KIND=debian
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rq_main "$@"
