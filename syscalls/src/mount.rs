//! Mounts and the process's root and working directory.
use crate::arch::{syscall1, syscall2, syscall5};
use crate::conv::{c_str, c_uint, fd, opt_c_str, ret};
use crate::errno::Result;
use crate::fd::Fd;
use crate::nr;
use crate::path::CStr;

pub fn mount(src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: u32, data: Option<CStr>) -> Result<()> {
    // SAFETY: every pointer is a NUL-terminated string or NULL.
    ret(unsafe { syscall5(nr::mount, opt_c_str(src), c_str(target), opt_c_str(fstype), c_uint(flags), opt_c_str(data)) })
}

pub fn umount2(target: CStr, flags: u32) -> Result<()> {
    // SAFETY: target is NUL-terminated.
    ret(unsafe { syscall2(nr::umount2, c_str(target), c_uint(flags)) })
}

pub fn pivot_root(new_root: CStr, put_old: CStr) -> Result<()> {
    // SAFETY: both are NUL-terminated.
    ret(unsafe { syscall2(nr::pivot_root, c_str(new_root), c_str(put_old)) })
}

pub fn chdir(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chdir, c_str(path)) })
}
pub fn fchdir(f: Fd) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall1(nr::fchdir, fd(f)) })
}
pub fn chroot(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chroot, c_str(path)) })
}
