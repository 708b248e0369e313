#!/bin/busybox sh
# rocker QEMU guest, stage 1: /init of the initramfs (busybox ash, PID 1).
#
# pivot_root is refused (EINVAL) while / is the initramfs rootfs, and the
# guard needs it, so this copies the initramfs into a tmpfs and switch_roots
# into it (QEMU.md §2.3). It also loads the kernel modules listed in
# /modules/order (loop squashfs overlay when they are =m), in that order.
# Stage 2 is /guest-tests.sh (PID 1 again, after switch_root).
B=/bin/busybox
say() { echo "rocker-guest: $*"; }
die() { echo "FAIL - stage 1: $*"; echo "0 passed, 1 failed"; $B poweroff -f; }

$B mount -t devtmpfs devtmpfs /dev || die "mount devtmpfs"
$B mount -t proc proc /proc || die "mount proc"
$B mount -t sysfs sysfs /sys || die "mount sysfs"
# Kernel messages (loop capacity changes, overlayfs notes) would cut into the
# test lines on the serial console: only emergencies from here on.
echo 1 >/proc/sys/kernel/printk
say "stage 1: $($B cat /proc/version)"

if [ -s /modules/order ]; then
    mods=
    while read -r m; do
        [ -n "$m" ] || continue
        $B insmod "/modules/$m.ko" || die "insmod $m"
        mods="$mods $m"
    done </modules/order
    say "stage 1: insmod$mods"
fi

$B mkdir -p /newroot
$B mount -t tmpfs -o mode=0755 tmpfs /newroot || die "mount tmpfs"
for f in /*; do
    case $f in /dev | /proc | /sys | /newroot) continue ;; esac
    $B cp -a "$f" /newroot/ || die "copy $f"
done
for m in dev proc sys; do
    $B mkdir -p "/newroot/$m"
    $B mount --move "/$m" "/newroot/$m" || die "move /$m"
done
say "stage 1: switch_root into a tmpfs"
exec $B switch_root /newroot /bin/busybox sh /guest-tests.sh
die "switch_root"
