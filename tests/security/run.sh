#!/usr/bin/env bash
# tests/security/run.sh -- issue 12 on this machine's kernel, as root: a
# rocker-master on a private socket, a package of busybox-static + the probe
# (tests/probe/probe.c) + an i386 program, then tests/security/core.sh (the
# checks, from inside sandboxes as uid 1000). About 10 s.
#
#   tests/security/run.sh                  uses install_dir/$TARGET (runs
#                                          `make release` if it is missing)
#   ROCKER_INSTALL=DIR run.sh              binaries and the probe from DIR
#
# Prints `ok - NAME` / `FAIL - NAME: WHY` and `N passed, M failed`; exits 1
# if anything failed. Not root: SKIP (exit 0), unless $CI is set. Everything
# lives in mktemp dirs (/tmp/rocker-sec.*, /var/rocker-sec.*), removed on
# every exit path; the master is stopped by its pid. The same checks run in
# the QEMU guests with tests/security/qemu.sh.
#
# Needs: busybox (static, with httpd and wget), mksquashfs; gcc -m32 for the
# i386 check (skipped without it).
set -u
if [ "$(id -u)" != 0 ]; then
    [ -n "${CI:-}" ] && { echo "FAIL: tests/security needs root (and CI is set)"; exit 1; }
    echo "SKIP: tests/security needs root"
    exit 0
fi
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${TARGET:-x86_64-unknown-linux-musl}
INSTALL=${ROCKER_INSTALL:-$ROOT/install_dir/$TARGET}
if [ -z "${ROCKER_INSTALL:-}" ] && [ ! -x "$INSTALL/libexec/rocker-probe" ]; then
    make -s -C "$ROOT" TARGET="$TARGET" release >/dev/null || { echo "FAIL: make release"; exit 1; }
fi
for f in bin/rocker-master bin/rocker libexec/rocker-probe; do
    [ -x "$INSTALL/$f" ] || { echo "FAIL: missing $INSTALL/$f"; exit 1; }
done
BB=$(command -v busybox) || { echo "FAIL: no busybox"; exit 1; }
command -v mksquashfs >/dev/null || { echo "FAIL: no mksquashfs"; exit 1; }

T=$(mktemp -d /tmp/rocker-sec.XXXXXX)
DATA=$(mktemp -d /var/rocker-sec.XXXXXX)
MPID=
cleanup() {
    if [ -n "$MPID" ]; then
        kill -TERM "$MPID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MPID" 2>/dev/null
        wait "$MPID" 2>/dev/null
    fi
    rm -rf -- "$T" "$DATA"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The package: busybox and its applets, the probe, an i386 program.
mkdir -p "$T/pkg/bin"
cp "$BB" "$T/pkg/bin/busybox"
for a in sh ls cat ps wget httpd sleep mkdir echo kill; do ln -s busybox "$T/pkg/bin/$a"; done
install -m 755 "$INSTALL/libexec/rocker-probe" "$T/pkg/bin/probe"
I386=
if [ "$(uname -m)" = x86_64 ]; then
    # getpid through int 0x80, exit(0) if it worked: the kernel runs it,
    # the filter must not (its numbers are not x86_64's).
    printf '%s\n' 'void _start(void) { int r;' \
        '  __asm__ volatile("int $0x80" : "=a"(r) : "a"(20));' \
        '  __asm__ volatile("int $0x80" :: "a"(1), "b"(r > 0 ? 0 : 3)); for (;;) ; }' >"$T/i386.c"
    if gcc -m32 -static -nostdlib -O1 -o "$T/pkg/bin/i386" "$T/i386.c" 2>"$T/i386.err"; then
        I386=1
    else
        echo "# SKIP i386: gcc -m32: $(tail -n1 "$T/i386.err")"
    fi
fi
mksquashfs "$T/pkg" "$T/app.sqfs" -noappend -all-root -quiet >/dev/null || { echo "FAIL: mksquashfs"; exit 1; }

export ROCKER_SOCKET=$T/rocker.sock
"$INSTALL/bin/rocker-master" --socket "$ROCKER_SOCKET" 2>"$T/master.log" &
MPID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T/master.log" 2>/dev/null && break; sleep 0.05; done
grep -q 'listening on' "$T/master.log" || { echo "FAIL: the master did not start: $(cat "$T/master.log")"; exit 1; }

ROCKER=$INSTALL/bin/rocker PKG=$T/app.sqfs DATA=$DATA MLOG=$T/master.log I386=$I386 sh "$HERE/core.sh"
rc=$?
[ "$rc" = 0 ] || sed 's/^/# master: /' "$T/master.log"
exit $rc
