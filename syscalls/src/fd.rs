//! File descriptors: `OwnedFd` closes on drop; `Fd` is a plain borrowed
//! number. And the calls on the fd table itself: close, dup3, close_range,
//! pipe2.
use crate::arch::{syscall1, syscall2, syscall3};
use crate::conv::{c_int, c_uint, fd, ret, ret_owned_fd, slice_mut};
use crate::errno::Result;
use crate::nr;

/// A raw fd number that is not owned (like `BorrowedFd` without a lifetime:
/// the syscalls are memory-safe whatever fd number they get).
pub type Fd = i32;

/// An fd that is closed when dropped. Close errors are ignored, as rustix does:
/// after close(2) the number is gone whatever it returns.
#[derive(Debug)]
pub struct OwnedFd(i32);

impl OwnedFd {
    /// Takes ownership of `fd`. Safe in the memory sense: the worst a wrong
    /// number can do is close someone else's fd, which the type prevents by
    /// construction everywhere it is created in this crate.
    #[inline]
    pub fn from_raw(fd: i32) -> OwnedFd {
        OwnedFd(fd)
    }
    #[inline]
    pub fn raw(&self) -> Fd {
        self.0
    }
    /// Gives up ownership without closing.
    #[inline]
    pub fn into_raw(self) -> i32 {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: close takes an integer; no memory is touched.
        unsafe {
            syscall1(nr::close, fd(self.0));
        }
    }
}

pub fn close(fd: OwnedFd) {
    drop(fd)
}

/// Closes a raw fd number that this process does not track as `OwnedFd`.
pub fn close_raw(raw: i32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall1(nr::close, fd(raw)) })
}

/// dup3 onto `new`; the caller owns the returned fd (it is `new`).
pub fn dup3(old: Fd, new: i32, flags: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_owned_fd(unsafe { syscall3(nr::dup3, fd(old), c_int(new), c_uint(flags)) })
}

/// close_range (5.9+). ENOSYS on older kernels.
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::close_range, c_uint(first), c_uint(last), c_uint(flags)) })
}

pub fn pipe2(flags: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    let (p, _) = slice_mut(&mut fds);
    // SAFETY: p is a writable int[2].
    ret(unsafe { syscall2(nr::pipe2, p, c_uint(flags)) })?;
    Ok((OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1])))
}
