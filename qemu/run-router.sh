#!/usr/bin/env bash
# rocker on a router: little-endian MIPS32 (`-M malta`) with 64 or 32 MB of
# RAM, the seed's configuration (overlays /usr /var /etc /home /root, uid/gid
# 1000, a data dir each) started N times with rocker's default isolation,
# kept running, then ended; reports MemAvailable before/with/after, user
# (PSS) and kernel memory per sandbox, slab, and checks that nothing is left
# (qemu/guest-router.sh).
#
#   qemu/run-router.sh 64   Debian's 4kc-malta kernel (as qemu/run-mipsel.sh),
#                           -m 64, 100 sandboxes
#   qemu/run-router.sh 32   a router-sized kernel built here from
#                           linux-source-6.1 (qemu/router-mipsel.config; once,
#                           then cached in .cache/qemu/mipsel-kernel/), -m 32,
#                           30 sandboxes
#   qemu/run-router.sh 64 router   (or 32 debian) the other kernel
#
# ROCKER_ROUTER_SANDBOXES overrides N. Exit status 0 only if every guest check
# passed. The initramfs is the small one (busybox, rocker, rocker-master, one
# xz package): the 4.6 MB one of qemu/run-mipsel.sh does not boot in 32 MB.
SIZE=${1:-64}
KERNEL=${2:-}
[ -n "$KERNEL" ] || { [ "$SIZE" = 32 ] && KERNEL=router || KERNEL=debian; }
RQ_TRIPLE=mipsel-unknown-linux-musl
RQ_QEMU_SYSTEM=qemu-system-mipsel
RQ_CONSOLE=ttyS0
RQ_DEB_ARCH=mipsel RQ_BUSYBOX_KIND=debian
RQ_GUEST=guest-router.sh RQ_INITRD=small RQ_USER=0 RQ_APPEND="rocker.mode=router"
case $SIZE in
64) RQ_SANDBOXES=${ROCKER_ROUTER_SANDBOXES:-100} ;;
32) RQ_SANDBOXES=${ROCKER_ROUTER_SANDBOXES:-30} ;;
*)
    echo "usage: $0 [64|32] [debian|router]" >&2
    exit 2
    ;;
esac
case $KERNEL in
debian) RQ_KERNEL_KIND=debian RQ_KERNEL_META=linux-image-4kc-malta ;;
router) RQ_KERNEL_KIND=built RQ_KCONFIG=router-mipsel.config RQ_KCROSS=mipsel-linux-gnu- RQ_KDIR=mipsel-kernel ;;
*)
    echo "usage: $0 [64|32] [debian|router]" >&2
    exit 2
    ;;
esac
RQ_NAME=router$SIZE${2:+-$KERNEL}
RQ_MACHINE=(-M malta -m "$SIZE" -vga none)
. "$(dirname "$(readlink -f "$0")")/lib.sh"
# The guest's numbers again, together, after the timings.
rq_report() {
    say "report (-m $SIZE, $RQ_KERNEL_DESC):"
    grep -a '^report: ' "$RQ_WORK/console.log.txt" | grep -av '^report: rocker run flags' | sed 's/^report: /  /' || true
}
rq_main "$@"
