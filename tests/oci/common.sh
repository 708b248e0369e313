# tests/oci/common.sh -- sourced by tests/oci/run.sh and containerd.sh (bash):
# needs root (SKIP without, a failure when $CI is set), sets ROOT, T, RT
# (the runtime: $1 or install_dir's, built if missing) and CACHE, and
# makes the busybox rootfs package the bundles are made from.
oci_setup() { # NAME [RUNTIME]
    if [ "$(id -u)" != 0 ]; then
        [ -n "${CI:-}" ] && { echo "FAIL $1: needs root (and CI is set)"; exit 1; }
        echo "SKIP $1: needs root"
        exit 0
    fi
    ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
    T=x86_64-unknown-linux-musl
    RT=${2:-$ROOT/install_dir/$T/bin/rocker-runtime}
    [ -x "$RT" ] || make -C "$ROOT" -s release >/dev/null || exit 1
    CACHE=$ROOT/.cache/oci
    mkdir -p "$CACHE"
    "$ROOT/scripts/busybox-rootfs.sh" $T "$CACHE/busybox-$T.sqfs" >/dev/null || exit 1
}
