//! Namespaces: unshare and setns.
use crate::arch::{syscall1, syscall2};
use crate::conv::{c_uint, fd, ret};
use crate::errno::Result;
use crate::fd::Fd;
use crate::nr;

pub fn unshare(flags: u32) -> Result<()> {
    // SAFETY: integers only; see the crate doc on process-level calls.
    ret(unsafe { syscall1(nr::unshare, c_uint(flags)) })
}

pub fn setns(f: Fd, nstype: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::setns, fd(f), c_uint(nstype)) })
}
