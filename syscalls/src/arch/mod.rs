//! Per-arch raw entry points. Every file exports the same `syscall0..6`
//! (identical signatures: number and arguments as `usize`, raw return value
//! in `usize`, errors as `-errno` like the kernel returns them), the
//! process entry `_start` (feature `rt`) and, where the kernel needs one,
//! the signal restorer.
#![allow(unsafe_code, unsafe_op_in_unsafe_fn)]

#[cfg(target_arch = "x86_64")]
#[path = "x86_64.rs"]
mod imp;
#[cfg(target_arch = "aarch64")]
#[path = "aarch64.rs"]
mod imp;
#[cfg(target_arch = "arm")]
#[path = "arm.rs"]
mod imp;
#[cfg(target_arch = "mips")]
#[path = "mips.rs"]
mod imp;

#[allow(unused_imports)]
pub use imp::*;
