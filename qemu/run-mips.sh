#!/usr/bin/env bash
# rocker on big-endian MIPS32 under QEMU: qemu-mips-static (user mode), then
# `-M malta` (system mode) with a kernel built here from Debian's
# linux-source-6.1 (qemu/mips-be.config; ~2.5 min once, then cached) and a
# static busybox built from Debian's source (Debian has no BE mips port any
# more). Every check in one boot. See qemu/lib.sh.
RQ_NAME=mips
RQ_TRIPLE=mips-unknown-linux-musl
RQ_QEMU_SYSTEM=qemu-system-mips
RQ_MACHINE=(-M malta -m 256 -vga none)
RQ_CONSOLE=ttyS0
RQ_KERNEL_KIND=mips-be
RQ_BUSYBOX_KIND=source
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rq_main "$@"
