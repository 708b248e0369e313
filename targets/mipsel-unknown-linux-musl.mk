# rocker C toolchain for mipsel-unknown-linux-musl (GNU make fragment; see targets/README.md).
# gcc/musl are hard float (fpxx), Rust's target is soft float. musl is built
# as for big-endian mips (scripts/musl-mips.sh, same Debian source as
# musl-dev:mipsel, cached in .cache/musl/): Debian's libc.a is -O2, PIC and
# has the stack protector, which makes the CLI 46.6 KB instead of 40.0 KB.
TARGET_CC         := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../scripts/mipsel-linux-musl-gcc)
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         := qemu-mipsel-static
LIBC_NAME         := musl
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS := -msoft-float
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := mipsel-linux-gnu-strip
