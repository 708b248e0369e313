# rocker C toolchain for mips-unknown-linux-musl (GNU make fragment; see targets/README.md).
# Installed by scripts/setup.sh. Bookworm has no musl for big-endian mips: static glibc (libc6-dev-mips-cross), ~0.5 MB.
TARGET_CC         := mips-linux-gnu-gcc
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         := qemu-mips-static
LIBC_NAME         := glibc
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS := -msoft-float
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := mips-linux-gnu-strip
