#!/bin/busybox sh
# tests/security/guest.sh: the QEMU guest's stage 2 for tests/security/qemu.sh
# (installed as /guest-tests.sh, which qemu/guest-init.sh runs as PID 1
# after its switch_root). It starts rocker-master and runs
# /security-core.sh (tests/security/core.sh) as a child, `wait`s (PID 1
# reaps whatever is reparented to it), and powers off. The summary line
# `N passed, M failed` is core.sh's (or `0 passed, 1 failed` if it never ran).
if [ "${1:-}" != run ]; then
    /bin/busybox --install -s /bin
    hostname rocker-guest
    echo "rocker-guest: stage 2: $(uname -srm), $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM"
    /bin/sh /guest-tests.sh run &
    wait
    echo "rocker-guest: end of tests"
    poweroff -f
    exit 0
fi
export PATH=/bin:/rocker/bin:/rocker/libexec
bail() { echo "FAIL - guest setup: $1"; echo "0 passed, 1 failed"; exit 1; }
# lo for the App's TCP server and client (the App shares this network)
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || bail "lo up"
mkdir -p /data /run /home/app /usr/share /root /var
chown 1000:1000 /home/app
export ROCKER_SOCKET=/run/rocker.sock
rocker-master --socket "$ROCKER_SOCKET" 2>/tmp/master.log &
MPID=$!
i=0
until grep -q 'listening on' /tmp/master.log 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 200 ] || bail "rocker-master did not start: $(cat /tmp/master.log)"
    sleep 0.1
done
ROCKER=rocker PKG=/pkgs/sec.sqfs DATA=/data MLOG=/tmp/master.log TMO=180 sh /security-core.sh
rc=$?
[ "$rc" = 0 ] || sed 's/^/# master: /' /tmp/master.log
kill -TERM "$MPID"
wait "$MPID"
