#!/usr/bin/env bash
# Usage: scripts/run-target.sh TRIPLE PROGRAM [ARGS...]
#
# Runs PROGRAM natively (x86_64) or under the qemu-user-static emulator of
# TRIPLE, taken from QEMU_USER in targets/TRIPLE.mk. Used as the cargo
# runner (.cargo/config.toml), so the exit status is the program's.
# ROCKER_QEMU_USER overrides the emulator (e.g. qemu-arm from bookworm-backports).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 TRIPLE PROGRAM [ARGS...]" >&2
    exit 2
fi
triple=$1
shift

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
mk=$root/targets/$triple.mk
if [[ ! -f $mk ]]; then
    echo "run-target: unknown target '$triple' (no $mk)" >&2
    exit 2
fi

qemu=$(sed -n 's/^QEMU_USER[[:space:]]*:\{0,1\}=[[:space:]]*//p' "$mk" | tail -n1 | sed 's/[[:space:]]*$//')
qemu=${ROCKER_QEMU_USER:-$qemu}

if [[ -z $qemu ]]; then
    exec "$@"
fi
if ! command -v "$qemu" >/dev/null; then
    echo "run-target: $qemu not found (run scripts/setup.sh)" >&2
    exit 127
fi
exec "$qemu" "$@"
