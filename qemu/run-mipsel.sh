#!/usr/bin/env bash
# rocker on little-endian MIPS32 under QEMU: qemu-mipsel-static (user mode),
# then Debian's 4kc-malta kernel on `-M malta` (system mode), every check in
# one boot. The real kernel clobbers $at/hi/lo on syscalls (qemu-user does
# not): this is the run that proves the syscall layer. See qemu/lib.sh.
RQ_NAME=mipsel
RQ_TRIPLE=mipsel-unknown-linux-musl
RQ_QEMU_SYSTEM=qemu-system-mipsel
RQ_MACHINE=(-M malta -m 256 -vga none)
RQ_CONSOLE=ttyS0
RQ_KERNEL_KIND=debian RQ_KERNEL_META=linux-image-4kc-malta RQ_DEB_ARCH=mipsel
RQ_BUSYBOX_KIND=debian
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rq_main "$@"
