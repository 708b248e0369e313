//! Per-arch data written by `gen-tables.py` (do not edit the arch files).
//! Only the build target's table is compiled into a binary; the tests
//! compile all of them to drive the generator for every arch on the host.

#[cfg(any(test, target_arch = "aarch64"))]
#[rustfmt::skip]
pub(crate) mod aarch64;
#[cfg(any(test, target_arch = "arm"))]
#[rustfmt::skip]
pub(crate) mod arm;
#[cfg(any(test, target_arch = "mips"))]
#[rustfmt::skip]
pub(crate) mod mips;
#[cfg(any(test, target_arch = "x86_64"))]
#[rustfmt::skip]
pub(crate) mod x86_64;

#[cfg(target_arch = "aarch64")]
pub(crate) const TARGET: &crate::ArchDesc = &aarch64::DESC;
#[cfg(target_arch = "arm")]
pub(crate) const TARGET: &crate::ArchDesc = &arm::DESC;
#[cfg(all(target_arch = "mips", target_endian = "little"))]
pub(crate) const TARGET: &crate::ArchDesc = &mips::DESC_MIPSEL;
#[cfg(all(target_arch = "mips", target_endian = "big"))]
pub(crate) const TARGET: &crate::ArchDesc = &mips::DESC_MIPS;
#[cfg(target_arch = "x86_64")]
pub(crate) const TARGET: &crate::ArchDesc = &x86_64::DESC;

#[cfg(not(any(target_arch = "aarch64", target_arch = "arm", target_arch = "mips", target_arch = "x86_64")))]
compile_error!("rocker-seccomp: no syscall table for this arch (see gen-tables.py)");

// The descriptor matches the build target's layout (the tables' checks
// cover numbers, errnos, ioctls and AUDIT_ARCH).
const _: () = assert!(TARGET.big_endian == cfg!(target_endian = "big"));
const _: () = assert!(TARGET.bits64 == cfg!(target_pointer_width = "64"));
