//! The one conversion boundary between Rust values and syscall registers
//! (rustix's `conv.rs`): argument helpers turn a typed value into the `usize`
//! a register carries; return decoders turn the raw `usize` the kernel left
//! into a typed `Result`. No other module casts an argument to `usize` or
//! decodes a return value by hand.
//!
//! The pointer helpers take a borrow and return its address. Making an
//! address is safe; handing it to the kernel is the `unsafe` block at the
//! call site, whose `SAFETY` comment says what the kernel does with it. The
//! borrow lives for the whole enclosing expression, which is the syscall.

use crate::errno::{Errno, Result};
use crate::fd::{Fd, OwnedFd};
use crate::path::CStr;
use crate::process::Fork;

/// NULL, for a pointer argument left out (or an unused argument slot).
pub(crate) const NULL: usize = 0;

/// A NUL-terminated string: its address.
#[inline(always)]
pub(crate) fn c_str(s: CStr<'_>) -> usize {
    s.as_ptr() as usize
}

/// A NUL-terminated string, or NULL.
#[inline(always)]
pub(crate) fn opt_c_str(s: Option<CStr<'_>>) -> usize {
    s.map_or(NULL, c_str)
}

/// A raw pointer (from an `unsafe fn`'s caller, who vouches for it).
#[inline(always)]
pub(crate) fn ptr<T>(p: *const T) -> usize {
    p as usize
}

/// A value the kernel reads.
#[inline(always)]
pub(crate) fn by_ref<T>(t: &T) -> usize {
    t as *const T as usize
}

/// A value the kernel writes.
#[inline(always)]
pub(crate) fn by_mut<T>(t: &mut T) -> usize {
    t as *mut T as usize
}

/// A value the kernel reads, or NULL.
#[inline(always)]
pub(crate) fn opt_ref<T>(t: Option<&T>) -> usize {
    t.map_or(NULL, by_ref)
}

/// A value the kernel writes, or NULL.
#[inline(always)]
pub(crate) fn opt_mut<T>(t: Option<&mut T>) -> usize {
    t.map_or(NULL, by_mut)
}

/// A slice the kernel reads: (address, length in elements).
#[inline(always)]
pub(crate) fn slice<T>(s: &[T]) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

/// A slice the kernel writes: (address, length in elements).
#[inline(always)]
pub(crate) fn slice_mut<T>(s: &mut [T]) -> (usize, usize) {
    (s.as_mut_ptr() as usize, s.len())
}

/// An fd number, sign-extended like a C `int` (so `AT_FDCWD` and `-1` stay
/// what they are).
#[inline(always)]
pub(crate) fn fd(fd: Fd) -> usize {
    fd as usize
}

/// A C `int` (pids, `which` selectors), sign-extended.
#[inline(always)]
pub(crate) fn c_int(v: i32) -> usize {
    v as usize
}

/// A C `unsigned int` (flags, modes, ids, signal numbers), zero-extended.
#[inline(always)]
pub(crate) fn c_uint(v: u32) -> usize {
    v as usize
}

/// A 64-bit value in one register (64-bit arches).
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn u64_arg(v: u64) -> usize {
    v as usize
}

/// A 64-bit value as (low word, high word), for the register pairs of
/// 32-bit arches; the caller puts them in the kernel's order.
#[cfg(target_pointer_width = "32")]
#[inline(always)]
pub(crate) fn u64_pair(v: u64) -> (usize, usize) {
    (v as u32 as usize, (v >> 32) as usize)
}

/// Calls whose success value carries nothing (0).
#[inline]
pub(crate) fn ret(r: usize) -> Result<()> {
    Errno::from_ret(r).map(|_| ())
}

/// Calls that return a size or count.
#[inline]
pub(crate) fn ret_usize(r: usize) -> Result<usize> {
    Errno::from_ret(r)
}

/// Calls that return a C `int` (a pid, a small count).
#[inline]
pub(crate) fn ret_i32(r: usize) -> Result<i32> {
    Errno::from_ret(r).map(|v| v as i32)
}

/// Calls that return a new fd, which the caller then owns.
#[inline]
pub(crate) fn ret_owned_fd(r: usize) -> Result<OwnedFd> {
    Errno::from_ret(r).map(|v| OwnedFd::from_raw(v as i32))
}

/// Fork-style calls: 0 in the child, the child's pid in the parent.
#[inline]
pub(crate) fn ret_fork(r: usize) -> Result<Fork> {
    let pid = Errno::from_ret(r)?;
    Ok(if pid == 0 { Fork::Child } else { Fork::Parent(pid as i32) })
}

/// Calls that cannot fail and return a C `int` (getpid).
#[inline]
pub(crate) fn ret_infallible_i32(r: usize) -> i32 {
    r as i32
}

/// Calls that cannot fail and return a C `unsigned int` (getuid).
#[inline]
pub(crate) fn ret_infallible_u32(r: usize) -> u32 {
    r as u32
}

/// Calls that return only on failure (execve): the errno.
#[inline]
pub(crate) fn ret_error(r: usize) -> Errno {
    match Errno::from_ret(r) {
        Err(e) => e,
        Ok(_) => Errno::EIO,
    }
}
