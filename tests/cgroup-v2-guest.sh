#!/usr/bin/env bash
# tests/cgroup-v2-guest.sh [ARCH] [v2|v2d|v1]: rocker-cgroup on a real Debian
# 6.1 kernel in QEMU system mode. The guest's /init mounts cgroup2 at
# /sys/fs/cgroup (v2, default; with nsdelegate, as procd does) or the v1
# hierarchies memory, cpu,cpuacct, pids and freezer (v1); v2d is v2 with the
# probe started in a delegated /services/rocker/instance1 (controllers enabled
# above it, as systemd's Delegate=yes does), so the probe must move itself
# into instance1/master before enabling controllers there. Then it runs
# rocker-cgroup's `cgprobe` as root: memory 32M / pids 16 / cpu 0.5, an OOM
# kill counted (and POLLPRI on memory.events on v2), a fork loop stopped at
# pids.max, 0.4-0.6 CPU, removal with live processes, remove_stale,
# clone3(CLONE_INTO_CGROUP). Passes when the guest prints "N passed, 0 failed".
#
# ARCH: armv7 (default), aarch64, mipsel (Debian kernels; the self-built
# big-endian mips kernel has no cgroups). Run as root. The kernel, busybox
# and qemu-system come from qemu/lib.sh's fetchers (cached in .cache/qemu).
set -euo pipefail
arch=${1:-armv7}
mode=${2:-v2}
case $mode in v1 | v2 | v2d) ;; *)
    echo "usage: $0 [armv7|aarch64|mipsel] [v2|v2d|v1]" >&2
    exit 2
    ;;
esac
RQ_BUSYBOX_KIND=debian RQ_KERNEL_KIND=debian
case $arch in
armv7)
    RQ_NAME=armv7 RQ_TRIPLE=armv7-unknown-linux-musleabihf RQ_QEMU_SYSTEM=qemu-system-arm
    RQ_MACHINE=(-M virt -cpu cortex-a15 -m 512) RQ_CONSOLE=ttyAMA0
    RQ_KERNEL_META=linux-image-armmp RQ_DEB_ARCH=armhf
    ;;
aarch64)
    RQ_NAME=aarch64 RQ_TRIPLE=aarch64-unknown-linux-musl RQ_QEMU_SYSTEM=qemu-system-aarch64
    RQ_MACHINE=(-M virt -cpu cortex-a57 -m 512) RQ_CONSOLE=ttyAMA0
    RQ_KERNEL_META=linux-image-arm64 RQ_DEB_ARCH=arm64
    ;;
mipsel)
    RQ_NAME=mipsel RQ_TRIPLE=mipsel-unknown-linux-musl RQ_QEMU_SYSTEM=qemu-system-mipsel
    RQ_MACHINE=(-M malta -m 256 -vga none) RQ_CONSOLE=ttyS0
    RQ_KERNEL_META=linux-image-4kc-malta RQ_DEB_ARCH=mipsel
    ;;
*)
    echo "$0: unknown ARCH $arch (armv7, aarch64, mipsel)" >&2
    exit 2
    ;;
esac
# shellcheck source=../qemu/lib.sh
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
RQ_NAME="cgroup-$mode-$arch"
[ "$(id -u)" = 0 ] || die "run as root"

say "build cgprobe for $RQ_TRIPLE"
strip=$(sed -n 's/^TARGET_STRIP[[:space:]]*:*=[[:space:]]*//p' "$RQ_ROOT/targets/$RQ_TRIPLE.mk")
(cd "$RQ_ROOT" && cargo +nightly build -q --release --target "$RQ_TRIPLE" \
    -Zbuild-std=core -Zbuild-std-features=compiler-builtins-mem \
    -p rocker-cgroup --example cgprobe --features probe)
work=$RQ_CACHE/work/cgroup-$arch
rm -rf "$work"
mkdir -p "$work/root"/{bin,dev,proc,sys,tmp}
$strip -o "$work/root/cgprobe" "$RQ_ROOT/target/$RQ_TRIPLE/release/examples/cgprobe"
say "cgprobe: $(stat -c %s "$work/root/cgprobe") bytes"

rq_fetch

r=$work/root
cp "$RQ_BUSYBOX" "$r/bin/busybox"
chmod 755 "$r/bin/busybox" "$r/cgprobe"
mknod -m 600 "$r/dev/console" c 5 1
cat >"$r/init" <<'EOF'
#!/bin/busybox sh
# PID 1: mount what cgprobe needs, run it, power off. $cgmode comes from the
# kernel command line (unknown key=value arguments become init's environment).
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
echo 1 >/proc/sys/kernel/printk
if [ "$cgmode" = v1 ]; then
    $B mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
    for c in memory cpu,cpuacct pids freezer; do
        $B mkdir -p /sys/fs/cgroup/$c
        $B mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c || echo "cgprobe-guest: cannot mount v1 $c"
    done
else
    $B mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
    echo "cgprobe-guest: cgroup.controllers: $($B cat /sys/fs/cgroup/cgroup.controllers)"
fi
echo "cgprobe-guest: $($B uname -r) $($B uname -m) cgroup $cgmode"
if [ "$cgmode" = v2d ]; then
    G=/sys/fs/cgroup
    $B mkdir -p $G/services/rocker/instance1
    for d in $G $G/services $G/services/rocker; do echo "+memory +cpu +pids" >$d/cgroup.subtree_control; done
    # Only the probe goes into instance1 (a shell left there would be a
    # process in the way of instance1's subtree_control).
    $B sh -c "echo \$\$ >$G/services/rocker/instance1/cgroup.procs && exec /cgprobe"
    echo "cgprobe-guest: cgprobe exit $?"
    echo "cgprobe-guest: instance1/cgroup.subtree_control: $($B cat $G/services/rocker/instance1/cgroup.subtree_control)"
    echo "cgprobe-guest: left in instance1: $($B ls $G/services/rocker/instance1 | $B grep -v '\.' | $B tr '\n' ' ')"
else
    /cgprobe
    echo "cgprobe-guest: cgprobe exit $?"
fi
$B poweroff -f
EOF
chmod 755 "$r/init"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -6 >"$work/initramfs.cpio.gz"

log=$work/console.log
cmd=(timeout -k 5 "${ROCKER_QEMU_TIMEOUT:-300}" "$RQ_QEMU_BIN" "${RQ_QEMU_L[@]}" "${RQ_MACHINE[@]}" -smp 1
    -nographic -no-reboot -nic none -kernel "$RQ_KERNEL" -initrd "$work/initramfs.cpio.gz"
    -append "console=$RQ_CONSOLE panic=-1 loglevel=1 rdinit=/init cgmode=$mode")
say "boot: $(printf '%q ' "${cmd[@]:4}")"
rc=0
"${cmd[@]}" </dev/null >"$log" 2>&1 || rc=$?
tr -d '\r' <"$log" | grep -a -E '^(cgprobe|cgroup |ok - |FAIL - |[0-9]+ passed)' || true
summary=$(tr -d '\r' <"$log" | grep -aE '^[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
if [ "$mode" = v2d ] && ! grep -aq '(master moved to ./master)' "$log"; then
    summary="$summary (but the probe did not move into instance1/master)"
fi
if [[ $summary == *" passed, 0 failed" ]]; then
    say "PASS: $arch cgroup $mode ($summary)"
else
    say "FAILED: $arch cgroup $mode (qemu exit $rc; console log: $log)"
    exit 1
fi
