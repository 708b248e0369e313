# rocker C toolchain for mips-unknown-linux-musl (GNU make fragment; see targets/README.md).
# Bookworm has no musl for big-endian mips: scripts/mips-linux-musl-gcc is
# mips-linux-gnu-gcc -specs <musl-gcc.specs> of a static musl that
# scripts/musl-mips.sh builds on first use from Debian's musl source package
# (the host musl's version; ~30 s once, cached in .cache/musl/). gcc's defaults
# (mips32r2, o32, hard float -mfpxx), as Debian's musl-dev:mipsel.
TARGET_CC         := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../scripts/mips-linux-musl-gcc)
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         := qemu-mips-static
LIBC_NAME         := musl
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS := -msoft-float
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := mips-linux-gnu-strip
