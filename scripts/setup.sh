#!/usr/bin/env bash
# rocker: idempotent build/test environment setup for Debian 12 (bookworm), run as root.
#
# Installs the C cross toolchains (musl where Debian has it; the MIPS targets'
# is built by scripts/musl-mips.sh when first used), qemu-user-static,
# squashfs-tools, busybox-static, cpio, and adds rust-src to the nightly
# toolchain. When everything is already there it only runs dpkg-query and
# rustc, and finishes in well under 2 s.
#
# It deliberately does NOT install qemu-system-* (conflicts with the
# preinstalled qemu-utils on the CI image; handled separately).
#
# Environment:
#   ROCKER_SETUP_NO_RUST=1   skip the Rust part
set -euo pipefail

EXPECTED_NIGHTLY='rustc 1.97.0-nightly (e50aa6fba 2026-05-19)'

FOREIGN_ARCHES=(armhf arm64 mipsel)

PACKAGES=(
    # runtime test tooling
    qemu-user-static squashfs-tools busybox-static cpio make
    # host C/C++ (g++ is used for the C++ compile check of the client header)
    gcc g++ musl-tools
    # cross C compilers (with --no-install-recommends they come without a libc)
    gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu gcc-mips-linux-gnu
    # multiarch musl for static C; the MIPS targets' musl is built from
    # Debian's source by scripts/musl-mips.sh on first use (dpkg-source)
    musl-dev:armhf musl-dev:arm64 dpkg-dev xz-utils
)

APT_OPTS=(-o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true)
export DEBIAN_FRONTEND=noninteractive

log()  { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }
die()  { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

is_installed() {
    local st
    st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ $st == "install ok installed" ]]
}

# ---------------------------------------------------------------- apt part
need_update=0

current_foreign=" $(dpkg --print-foreign-architectures | tr '\n' ' ') "
missing_arches=()
for a in "${FOREIGN_ARCHES[@]}"; do
    [[ $current_foreign == *" $a "* ]] || missing_arches+=("$a")
done

missing_pkgs=()
for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing_pkgs+=("$p")
done

if (( ${#missing_arches[@]} || ${#missing_pkgs[@]} )); then
    [[ $(id -u) -eq 0 ]] || die "must run as root to install: ${missing_arches[*]} ${missing_pkgs[*]}"
fi

for a in "${missing_arches[@]}"; do
    log "dpkg --add-architecture $a"
    dpkg --add-architecture "$a"
    need_update=1
done

if (( ${#missing_pkgs[@]} )); then
    need_update=1
fi

if (( need_update )); then
    # A mirror mid-sync once failed a foreign-arch Packages file with
    # "File has unexpected size (mirror sync)". Retry once, then carry on:
    # if the packages we need still install, the failure was harmless.
    log "apt-get update"
    if ! apt-get "${APT_OPTS[@]}" update; then
        warn "apt-get update failed; retrying once in 5 s"
        sleep 5
        apt-get "${APT_OPTS[@]}" update \
            || warn "apt-get update failed twice; trying to install anyway"
    fi
fi

if (( ${#missing_pkgs[@]} )); then
    log "installing: ${missing_pkgs[*]}"
    apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing_pkgs[@]}" \
        || die "apt-get install failed for: ${missing_pkgs[*]}"
    for p in "${missing_pkgs[@]}"; do
        is_installed "$p" || die "$p is still not installed"
    done
fi

# Sanity: the files the targets/*.mk fragments rely on.
for f in /usr/lib/x86_64-linux-musl/musl-gcc.specs \
         /usr/lib/aarch64-linux-musl/musl-gcc.specs \
         /usr/lib/arm-linux-musleabihf/musl-gcc.specs \
         /usr/bin/qemu-aarch64-static /usr/bin/qemu-arm-static \
         /usr/bin/qemu-mipsel-static /usr/bin/qemu-mips-static; do
    [[ -e $f ]] || die "expected file missing: $f"
done

if compgen -G '/usr/bin/qemu-system-*' >/dev/null; then
    log "note: qemu-system-* is present (not installed by this script)"
fi

# --------------------------------------------------------------- rust part
if [[ ${ROCKER_SETUP_NO_RUST:-0} != 1 ]]; then
    command -v rustup >/dev/null || die "rustup not found in PATH"
    sysroot=$(rustc +nightly --print sysroot) || die "no nightly toolchain (rustup toolchain install nightly)"
    if [[ ! -d $sysroot/lib/rustlib/src/rust/library ]]; then
        log "rustup component add rust-src --toolchain nightly"
        rustup component add rust-src --toolchain nightly
    fi
    ver=$(rustc +nightly -V)
    log "nightly: $ver"
    if [[ $ver != "$EXPECTED_NIGHTLY" ]]; then
        warn "nightly is '$ver', the project is tested with '$EXPECTED_NIGHTLY'"
    fi
fi

log "ok"
