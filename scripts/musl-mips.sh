#!/usr/bin/env bash
# Usage: scripts/musl-mips.sh [mips|mipsel]     (default mips)
#
# Makes sure a static musl for ARCH (o32, the defaults of Debian's
# ARCH-linux-gnu-gcc: mips32r2, hard float -mfpxx, like Debian's musl-dev:mipsel)
# is built, and prints the path of its musl-gcc.specs on stdout. Bookworm has
# no musl for big-endian mips (and its mipsel libc.a is -O2, PIC, with the
# stack protector: +6.6 KB on the CLI), so it is built from Debian's `musl` SOURCE
# package: the version of the host's installed `musl` (the same source as
# musl-dev:{armhf,arm64,mipsel}), fetched with apt-get source through a private
# sources.list (the system's apt configuration is left alone), Debian's
# patches applied by dpkg-source, built with musl's own configure/make.
#
# Cached in .cache/musl/ARCH-VERSION-KEY/ (KEY: the source version, the
# compiler's version and the build flags below), under a lock; when it is
# there this only runs dpkg-query and gcc --version (~20 ms). A build takes
# ~30 s with -j2 on an idle 2-core VM (1-1.5 min when busy). Progress goes to stderr. scripts/mips-linux-musl-gcc is the
# compiler wrapper the targets/*.mk use; it calls this first.
#
# Size: libc.a is built -Os, non-PIC (-fno-pie -mno-shared -mplt) and without
# the shared library: only static, non-PIE executables (gcc -static, what
# targets/*.mk build) can link it. That and the same flags on the C CLI
# (rocker-client-c/rocker.mk) make the CLI ~15 % smaller than with PIC code.
#
# Environment: ROCKER_MUSL_JOBS (default: nproc).
set -euo pipefail

arch=${1:-mips}
case $arch in
mips | mipsel) ;;
*)
    echo "usage: $0 [mips|mipsel]" >&2
    exit 2
    ;;
esac
triple=$arch-linux-gnu
cc=$triple-gcc
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cache=$root/.cache/musl
# Flags of libc.a (see above). Part of the key: change them and it rebuilds.
musl_cflags="-Os -fno-pie -mno-shared -mplt"
musl_conf=(--disable-shared --enable-wrapper=gcc)

log() { printf 'musl-%s: %s\n' "$arch" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# Installs what is missing (as root), like scripts/setup.sh.
need() { # PKG...
    local p missing=()
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run scripts/setup.sh as root)"
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 -y \
        install --no-install-recommends "${missing[@]}" >&2 ||
        die "apt-get install ${missing[*]} failed"
}

command -v "$cc" >/dev/null || need "gcc-$triple"

# The Debian source version: the host's musl (scripts/setup.sh installs it
# with musl-tools), else apt's candidate (slower: apt-cache takes ~2 s here).
ver=$(dpkg-query -W -f='${source:Version}\n' musl 2>/dev/null | head -n1 || true)
[ -n "$ver" ] || ver=$(apt-cache policy musl 2>/dev/null | sed -n 's/^ *Candidate: //p')
[[ -n $ver && $ver != "(none)" ]] || die "no Debian musl version known (apt-get update?)"

key=$( (echo "$ver $arch $musl_cflags ${musl_conf[*]}"; "$cc" --version | head -n1) | sha256sum | cut -c1-12)
out=$cache/$arch-$ver-$key
specs=$out/lib/musl-gcc.specs

if [ ! -f "$out/.ok" ]; then
    mkdir -p "$cache"
    exec 9>"$cache/.lock"
    flock 9
fi
if [ ! -f "$out/.ok" ]; then
    t0=${EPOCHREALTIME/[.,]/}
    need make dpkg-dev xz-utils
    work=$cache/tmp-$arch-$key
    rm -rf "$cache/tmp-$arch-"* "$out"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"
    # deb-src lines for the Debian repositories the system already uses.
    # shellcheck disable=SC2016 # apt's own $(FIELD) syntax
    apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
        grep -E '^https?://[^ ]*/debian(-security)?/? [^ ]+ main$' | sort -u |
        sed 's|^\([^ ]*\)/ |\1 |; s|^|deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] |' \
            >"$work/src.list" || true
    [ -s "$work/src.list" ] ||
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" >"$work/src.list"
    A=(-q -o APT::Sandbox::User=root -o DPkg::Lock::Timeout=600
        -o Dir::Etc::SourceList="$work/src.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
    log "fetching Debian's musl $ver source"
    apt-get "${A[@]}" update >"$work/apt.log" 2>&1 || {
        cat "$work/apt.log" >&2
        die "apt-get update (private deb-src list) failed"
    }
    (cd "$work/dl" && apt-get "${A[@]}" source --download-only "musl=$ver") >>"$work/apt.log" 2>&1 || {
        tail -n 5 "$work/apt.log" >&2
        die "apt-get source musl=$ver failed"
    }
    dpkg-source -x "$work"/dl/musl_*.dsc "$work/src" >>"$work/apt.log" 2>&1 || {
        tail -n 5 "$work/apt.log" >&2
        die "dpkg-source -x failed"
    }
    log "building musl $ver for $triple ($musl_cflags)"
    (
        cd "$work/src"
        ./configure --prefix="$out" --target="$triple" CC="$cc" CFLAGS="$musl_cflags" "${musl_conf[@]}"
        make -j"${ROCKER_MUSL_JOBS:-$(nproc)}"
        make install
    ) >"$work/build.log" 2>&1 || {
        tail -n 30 "$work/build.log" >&2
        rm -rf "$out"
        die "musl build failed (log: $work/build.log)"
    }
    [ -f "$specs" ] || die "no $specs after make install"
    grep -E '^(ARCH|SUBARCH) ' "$work/src/config.mak" >"$out/.ok"
    rm -rf "$work"
    # Older builds for this arch (other version, compiler or flags) go.
    for d in "$cache/$arch"-*; do
        [ "$d" = "$out" ] || rm -rf "$d"
    done
    t=$((${EPOCHREALTIME/[.,]/} - t0))
    log "built in $((t / 1000000)).$((t / 100000 % 10)) s: $out"
fi
echo "$specs"
