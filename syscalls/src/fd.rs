//! File descriptors: `OwnedFd` closes on drop; `Fd` is a plain borrowed number.
use crate::{arch, nr};

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
            arch::syscall1(nr::close, self.0 as usize);
        }
    }
}
