# rocker C toolchain for armv7-unknown-linux-musleabihf (GNU make fragment; see targets/README.md).
# Installed by scripts/setup.sh. musl-dev:armhf (multiarch). gcc defaults to Thumb-2, armv7-a, VFPv3-D16, hard float; Rust is built Thumb-2 too (.cargo/config.toml, targets/README.md).
TARGET_CC         := arm-linux-gnueabihf-gcc -specs /usr/lib/arm-linux-musleabihf/musl-gcc.specs
TARGET_CFLAGS     := -Os -static -ffunction-sections -fdata-sections
TARGET_LDFLAGS    := -static -Wl,--gc-sections -s
# C++ compile-only check of headers (-fsyntax-only). Host g++: Debian's
# g++-<triple> cross packages are ~11 MB download / ~47 MB installed each.
TARGET_CXX        := g++
QEMU_USER         := qemu-arm-static
LIBC_NAME         := musl
# Extra flags for C objects that get linked into rocker's Rust binaries by
# rust-lld (e.g. cc-crate shims); they must match the Rust target's ABI.
TARGET_RUST_CFLAGS :=
# Strips Rust binaries too: rust-lld keeps MIPS .pdr; GNU strip removes it.
TARGET_STRIP := arm-linux-gnueabihf-strip
