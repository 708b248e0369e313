# rocker C toolchain for aarch64-unknown-linux-musl (GNU make fragment; see targets/README.md).
# Installed by scripts/setup.sh. musl-dev:arm64 (multiarch).
TARGET_CC         := aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         := qemu-aarch64-static
LIBC_NAME         := musl
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS :=
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := aarch64-linux-gnu-strip
