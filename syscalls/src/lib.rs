//! rocker's syscall layer: the only crate with `asm!` and raw syscalls.
//!
//! Layers, as in rustix:
//! - `arch/*`: the raw `syscall0..6` per architecture (and `_start`);
//! - `nr`: syscall numbers, and `conv`: the one place where Rust values
//!   become register values and raw returns become `Result`s;
//! - one module per kernel subsystem with typed wrappers named after the
//!   syscall, with numbers and kernel structs from `linux-raw-sys` only.
//!
//! Errors are `Errno`. Paths are NUL-terminated `CStr`/`CPath` (no allocator).
//! Flags that could be mixed up are newtypes (`NsFlags`, `CloneFlags`,
//! `MountFlags`, `UnmountFlags`); the rest are the kernel's `u32`s from
//! `sys` (linux-raw-sys).
//!
//! Safety is honest: a safe wrapper cannot break memory safety whatever its
//! arguments (pointers are built from Rust references inside this crate).
//! Calls that can are `unsafe fn` with a `# Safety` contract
//! (`clone_unchecked`, `unshare_unchecked`, `execve_raw`), beside safe
//! wrappers for the subsets rocker uses (`clone` with `CloneFlags`,
//! `unshare` with `NsFlags`, `execve` with strings or the process's `Envp`).
//! Everything is re-exported at the root (`use syscalls::*`).
#![cfg_attr(not(test), no_std)]
#![cfg_attr(target_arch = "mips", feature(asm_experimental_arch))]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![allow(non_upper_case_globals)]

#[macro_use]
mod flags;
#[allow(dead_code)]
mod arch;
mod conv;
mod nr;

mod cell;
mod cgroup;
mod cred;
mod errno;
mod fd;
pub mod fmt;
mod fs;
mod loopdev;
pub mod mem;
mod netlink;
mod mount;
pub mod names;
mod ns;
mod path;
mod process;
mod rand;
mod seccomp;
mod signal;
mod slots;
mod socket;
mod time;
mod tty;
#[cfg(feature = "rt")]
pub mod rt;
#[cfg(test)]
mod tests;

pub use cell::StaticCell;
pub use cgroup::clone3;
pub use cred::*;
pub use errno::{retry, Errno, Result};
pub use fd::*;
pub use fmt::Buf;
pub use fs::*;
pub use linux_raw_sys as sys;
pub use loopdev::*;
pub use netlink::{netlink_recv, netlink_send, netlink_socket, NETLINK_ROUTE};
pub use mount::*;
pub use ns::*;
pub use path::{CPath, CStr, Path256};
pub use process::*;
pub use rand::*;
pub use seccomp::seccomp_set_mode_filter;
pub use signal::*;
pub use slots::{InBss, Slot, Slots};
pub use socket::*;
pub use time::*;
pub use tty::*;
