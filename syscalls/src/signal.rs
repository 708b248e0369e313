//! Signals and waiting: signal sets, sigaction, the signal mask, signalfd,
//! and ppoll (which takes a signal mask).
use crate::arch::{syscall4, syscall5};
use crate::conv::{by_mut, by_ref, c_uint, fd, opt_ref, ret, ret_owned_fd, ret_usize, slice_mut, NULL};
use crate::errno::{Errno, Result};
use crate::fd::{Fd, OwnedFd};
use crate::fs::read;
use crate::nr;
use crate::time::Timespec;
use core::mem::size_of;
use linux_raw_sys::general as g;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PollFd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}
pub const POLLIN: i16 = g::POLLIN as i16;
pub const POLLOUT: i16 = g::POLLOUT as i16;
pub const POLLHUP: i16 = g::POLLHUP as i16;
pub const POLLERR: i16 = g::POLLERR as i16;
pub const POLLNVAL: i16 = g::POLLNVAL as i16;

/// A kernel signal set (`_NSIG` bits: 64, or 128 on MIPS).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigSet([u32; SIGSET_WORDS]);
#[cfg(target_arch = "mips")]
const SIGSET_WORDS: usize = 4;
#[cfg(not(target_arch = "mips"))]
const SIGSET_WORDS: usize = 2;

impl SigSet {
    pub const fn empty() -> SigSet {
        SigSet([0; SIGSET_WORDS])
    }
    /// The set with `sig` added (a builder, not `ops::Add`).
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, sig: u32) -> SigSet {
        let i = sig.wrapping_sub(1) as usize;
        if let Some(w) = self.0.get_mut(i / 32) {
            *w |= 1 << (i % 32);
        }
        self
    }
    pub fn has(&self, sig: u32) -> bool {
        let i = sig.wrapping_sub(1) as usize;
        self.0.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0)
    }
}

pub fn ppoll(fds: &mut [PollFd], timeout: Option<&Timespec>, mask: Option<&SigSet>) -> Result<usize> {
    let (p, n) = slice_mut(fds);
    // SAFETY: fds, timeout and mask are valid for the call.
    ret_usize(unsafe { syscall5(nr::ppoll, p, n, opt_ref(timeout), opt_ref(mask), size_of::<SigSet>()) })
}

pub const SIG_BLOCK: u32 = g::SIG_BLOCK;
pub const SIG_UNBLOCK: u32 = g::SIG_UNBLOCK;
pub const SIG_SETMASK: u32 = g::SIG_SETMASK;

pub fn rt_sigprocmask(how: u32, set: &SigSet) -> Result<SigSet> {
    let mut old = SigSet::empty();
    // SAFETY: set and old are valid sigsets of the size we pass.
    ret(unsafe { syscall4(nr::rt_sigprocmask, c_uint(how), by_ref(set), by_mut(&mut old), size_of::<SigSet>()) })?;
    Ok(old)
}

/// signalfd4 on a new fd.
pub fn signalfd(mask: &SigSet, flags: u32) -> Result<OwnedFd> {
    // SAFETY: mask is a valid sigset of the size we pass.
    ret_owned_fd(unsafe { syscall4(nr::signalfd4, fd(-1), by_ref(mask), size_of::<SigSet>(), c_uint(flags)) })
}

/// Reads one `signalfd_siginfo` and returns (signo, pid).
pub fn signalfd_read(fd: Fd) -> Result<(u32, i32)> {
    let mut b = [0u8; 128];
    let n = read(fd, &mut b)?;
    if n < 16 {
        return Err(Errno::EIO);
    }
    Ok((u32::from_ne_bytes([b[0], b[1], b[2], b[3]]), i32::from_ne_bytes([b[12], b[13], b[14], b[15]])))
}

/// A signal handler: a plain `extern "C" fn(i32)`.
pub type SigHandler = extern "C" fn(i32);

#[cfg(not(target_arch = "mips"))]
#[repr(C)]
struct KSigaction {
    handler: usize,
    flags: usize,
    restorer: usize,
    mask: SigSet,
}
#[cfg(target_arch = "mips")]
#[repr(C)]
struct KSigaction {
    flags: u32,
    handler: usize,
    mask: SigSet,
}

/// Action for `rt_sigaction`.
#[derive(Clone, Copy)]
pub enum SigAction {
    Default,
    Ignore,
    Handler(SigHandler),
}

/// Installs an action for `sig` with `flags` (e.g. 0, so blocking calls
/// return EINTR, or `SA_RESTART`).
pub fn rt_sigaction(sig: u32, act: SigAction, flags: u32) -> Result<()> {
    // The kernel struct holds the handler as an address (SIG_DFL 0, SIG_IGN 1).
    let handler = match act {
        SigAction::Default => 0usize,
        SigAction::Ignore => 1usize,
        SigAction::Handler(h) => h as usize,
    };
    #[cfg(not(target_arch = "mips"))]
    use crate::arch;
    #[cfg(not(target_arch = "mips"))]
    let k = KSigaction {
        handler,
        flags: (flags | if arch::HAS_RESTORER { g::SA_RESTORER } else { 0 }) as usize,
        restorer: if arch::HAS_RESTORER { arch::restore_rt as *const () as usize } else { 0 },
        mask: SigSet::empty(),
    };
    #[cfg(target_arch = "mips")]
    let k = KSigaction { flags, handler, mask: SigSet::empty() };
    // SAFETY: k is a kernel sigaction for this arch; the handler is a valid
    // extern "C" fn and, on x86_64, the restorer issues rt_sigreturn.
    ret(unsafe { syscall4(nr::rt_sigaction, c_uint(sig), by_ref(&k), NULL, size_of::<SigSet>()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigset() {
        let s = SigSet::empty().add(17).add(1);
        assert!(s.has(17) && s.has(1) && !s.has(2));
        assert_eq!(SigSet::empty().add(0), SigSet::empty());
    }
}
