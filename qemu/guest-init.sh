#!/bin/busybox sh
# rocker QEMU guest, stage 1: /init of the initramfs (busybox ash, PID 1).
#
# pivot_root is refused (EINVAL) while / is the initramfs rootfs, and the
# guard needs it, so this copies the initramfs into a tmpfs and switch_roots
# into it (QEMU.md §2.3). It also loads the kernel modules listed in
# /modules/order (loop squashfs overlay when they are =m), in that order.
# Then, while / is still the initramfs, it checks rootfs mode there (the
# guard's MS_MOVE + chroot fallback). Stage 2 is /guest-tests.sh (PID 1
# again, after switch_root).
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

# Rootfs mode on the initramfs itself (issue 13). The root here is rootfs,
# which has no parent mount: pivot_root refuses it (EINVAL), as on routers
# that run from an initramfs. A rootfs-mode sandbox works here only through
# the guard's fallback, MS_MOVE + chroot (no --no-pivot is passed). Results
# go to /tmp/rocker-stage1 (copied into the tmpfs below; stage 2 counts them).
S1=/tmp/rocker-stage1
s1() { # ok|FAIL NAME [WHY]
    if [ "$1" = ok ]; then echo "ok - stage 1: $2"; else echo "FAIL - stage 1: $2: $3"; fi
    echo "$1" >>$S1
}
stage1_rootfs() {
    R=/rocker/bin P=/pkgs/rootfs.sqfs SK=/run/stage1.sock
    m0=$($B cat /proc/mounts)
    $B mkdir -p /tmp/pv /data/s1 && $B chown 1000:1000 /data/s1
    out=$($B unshare -m $B sh -c "$B mount --make-rprivate / && $B mount -t tmpfs pv /tmp/pv && cd /tmp/pv && $B mkdir old && $B pivot_root . old" 2>&1)
    case $out in
    *"Invalid argument"*) s1 ok "pivot_root with the initramfs as root: EINVAL ($out)" ;;
    *) s1 FAIL "pivot_root with the initramfs as root fails with EINVAL" "$out" ;;
    esac
    $R/rocker-master --socket $SK 2>/tmp/stage1-master.log &
    mp=$!
    n=0
    while [ ! -S $SK ] && [ $n -lt 50 ]; do
        $B sleep 0.1
        n=$((n + 1))
    done
    run() { ROCKER_SOCKET=$SK $B timeout 60 $R/rocker run --rootfs --pkg $P --data-dir /data/s1 --uid 1000 --gid 1000 "$@" 2>&1; }
    out=$(run -- /bin/sh -c 'grep PRETTY /etc/os-release; awk "\$5 !~ /^\/(proc|sys)\/./ {print \$5}" /proc/self/mountinfo | tr "\n" " "; echo
        cd /.. && ls | tr "\n" " "; echo; ls /proc/1/root 2>&1 >/dev/null | grep -c denied')
    if echo "$out" | $B grep -q '^PRETTY_NAME="rocker test rootfs' &&
        [ "$(echo "$out" | $B sed -n 2p)" = "/ /tmp /proc /dev /dev/pts /dev/shm /dev/mqueue /sys " ] &&
        echo "$out" | $B sed -n 3p | $B grep -q 'etc home' && ! echo "$out" | $B sed -n 3p | $B grep -qE 'pkgs|modules|rocker|init' &&
        [ "$(echo "$out" | $B sed -n 4p)" = 1 ]; then
        s1 ok "rootfs mode without --no-pivot runs (the guard fell back to MS_MOVE + chroot): the tree's os-release, only the sandbox's mounts, '..' from / stays in the tree, /proc/1/root refused"
    else
        s1 FAIL "rootfs mode on the initramfs" "$(echo "$out" | $B tr '\n' '|')"
    fi
    run --share tmp -- /bin/sh -c 'echo kept >/tmp/p' >/dev/null
    out=$(run --share tmp -- /bin/cat /tmp/p)
    if [ "$out" = kept ]; then s1 ok "a write persists in the data dir"; else s1 FAIL "a write persists" "$out"; fi
    out=$(run --read-only -- /bin/touch /x)
    case $out in
    *"Read-only file system"*) s1 ok "--read-only: touch /x -> EROFS" ;;
    *) s1 FAIL "--read-only: EROFS" "$out" ;;
    esac
    $B kill -TERM $mp
    wait $mp
    left=
    for f in /sys/block/loop*/loop/backing_file; do [ -e "$f" ] && left="$left $f"; done
    if [ -z "$left" ] && [ "$($B cat /proc/mounts)" = "$m0" ]; then
        s1 ok "nothing left: no loop device, /proc/mounts unchanged"
    else
        s1 FAIL "nothing left" "loops:$left mounts: $($B cat /proc/mounts | $B tr '\n' '|')"
    fi
    $B rm -rf /tmp/pv
}
if [ -s /pkgs/rootfs.sqfs ]; then
    say "stage 1: rootfs mode with the initramfs as root"
    stage1_rootfs
elif [ -e /etc/rocker-initrd-small ] || [ -e /etc/rocker-no-rootfs-checks ]; then
    say "stage 1: small or single-purpose initramfs (router, memory, security runs): no rootfs-mode checks"
else
    s1 FAIL "rootfs mode on the initramfs" "no /pkgs/rootfs.sqfs"
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
