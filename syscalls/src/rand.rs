//! Randomness from the kernel.
use crate::arch::syscall3;
use crate::conv::{c_uint, ret_usize, slice_mut};
use crate::errno::Result;
use crate::nr;

pub fn getrandom(buf: &mut [u8], flags: u32) -> Result<usize> {
    let (p, n) = slice_mut(buf);
    // SAFETY: p is writable for n bytes.
    ret_usize(unsafe { syscall3(nr::getrandom, p, n, c_uint(flags)) })
}
