# rocker C toolchain for x86_64-unknown-linux-musl (GNU make fragment; see targets/README.md).
# Installed by scripts/setup.sh. musl-gcc = x86_64-linux-gnu-gcc -specs /usr/lib/x86_64-linux-musl/musl-gcc.specs.
TARGET_CC         := musl-gcc
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         :=
LIBC_NAME         := musl
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS :=
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := strip
