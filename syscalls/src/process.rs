//! Processes: clone, execve, exit, wait, kill, ids, prctl, pidfds.
use crate::arch::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5};
use crate::conv::{
    by_mut, c_int, c_str, c_uint, fd, opt_mut, ret, ret_fork, ret_i32, ret_infallible_i32, ret_owned_fd, ret_usize, slice, slice_mut, NULL,
};
use crate::errno::{Errno, Result};
use crate::fd::{Fd, OwnedFd};
use crate::nr;
use crate::path::CStr;
use linux_raw_sys::general as g;

/// Result of a fork-style clone.
#[derive(Debug, PartialEq, Eq)]
pub enum Fork {
    Child,
    Parent(i32),
}

/// Fork-style `clone(flags, stack = 0)`: the child continues on a copy of
/// the stack, like fork(2). `flags` carries the namespace flags and the exit
/// signal (normally `SIGCHLD`). With `CLONE_PIDFD`, the pidfd lands in `pidfd`.
///
/// Safe here: rocker's binaries are single-threaded, without an allocator or
/// locks, so the child inherits no half-held state.
pub fn clone(flags: u32, pidfd: Option<&mut i32>) -> Result<Fork> {
    // The parent_tid slot (3rd argument) is the same on every arch; only
    // tls and child_tid swap places on x86_64, and both are 0 here.
    // SAFETY: fork semantics (see above); pidfd is a valid int or NULL.
    ret_fork(unsafe { syscall5(nr::clone, c_uint(flags), NULL, opt_mut(pidfd), NULL, NULL) })
}

pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group does not return.
    unsafe {
        syscall1(nr::exit_group, c_int(code));
    }
    loop {}
}

/// execve with argv and envp arrays of NUL-terminated strings (at most 63
/// args; envp is a raw, NULL-terminated array as received in `_start`).
pub fn execve(path: CStr, argv: &[CStr], envp: *const *const u8) -> Result<()> {
    let mut a = [core::ptr::null::<u8>(); 64];
    if argv.len() >= a.len() {
        return Err(Errno::E2BIG);
    }
    for (d, s) in a.iter_mut().zip(argv) {
        *d = s.as_ptr();
    }
    // SAFETY: path and every argv entry are NUL-terminated; `a` is
    // NULL-terminated; envp comes from the kernel (rt::Args) or is NULL.
    ret(unsafe { syscall3(nr::execve, c_str(path), slice(&a).0, envp as usize) })
}

/// Decoded wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(i32),
    Signaled(i32),
    Other(i32),
}

impl WaitStatus {
    pub fn from_raw(s: i32) -> WaitStatus {
        if s & 0x7f == 0 {
            WaitStatus::Exited((s >> 8) & 0xff)
        } else if ((s & 0x7f) + 1) as i8 >= 2 {
            WaitStatus::Signaled(s & 0x7f)
        } else {
            WaitStatus::Other(s)
        }
    }
    /// Shell convention: exit code, or 128 + signal.
    pub fn code(self) -> i32 {
        match self {
            WaitStatus::Exited(c) => c,
            WaitStatus::Signaled(s) => 128 + s,
            WaitStatus::Other(_) => 255,
        }
    }
}

pub const WNOHANG: u32 = g::WNOHANG;
pub const WEXITED: u32 = g::WEXITED;

/// wait4; returns (pid, status). pid 0 means nothing to reap (WNOHANG).
pub fn wait4(pid: i32, options: u32) -> Result<(i32, WaitStatus)> {
    let mut st: i32 = 0;
    // SAFETY: st is a writable int; NULL rusage.
    let p = ret_i32(unsafe { syscall4(nr::wait4, c_int(pid), by_mut(&mut st), c_uint(options), NULL) })?;
    Ok((p, WaitStatus::from_raw(st)))
}

/// waitid(idtype, id, WEXITED | options); returns (pid, si_code, si_status),
/// pid 0 when WNOHANG found nothing.
pub fn waitid(idtype: u32, id: u32, options: u32) -> Result<(i32, i32, i32)> {
    let mut si = [0i32; 32];
    let (p, _) = slice_mut(&mut si);
    // SAFETY: p is a 128-byte siginfo buffer; NULL rusage.
    ret(unsafe { syscall5(nr::waitid, c_uint(idtype), c_uint(id), p, c_uint(options), NULL) })?;
    // siginfo: signo, errno, code (MIPS: signo, code, errno), then pid, uid, status.
    #[cfg(target_arch = "mips")]
    let code = si[1];
    #[cfg(not(target_arch = "mips"))]
    let code = si[2];
    Ok((si[3], code, si[5]))
}

pub fn kill(pid: i32, sig: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::kill, c_int(pid), c_uint(sig)) })
}

pub fn getpid() -> i32 {
    // SAFETY: cannot fail.
    ret_infallible_i32(unsafe { syscall0(nr::getpid) })
}
pub fn getppid() -> i32 {
    // SAFETY: cannot fail.
    ret_infallible_i32(unsafe { syscall0(nr::getppid) })
}

/// prctl for the options that take only integers.
pub fn prctl(op: u32, a2: usize, a3: usize) -> Result<usize> {
    use linux_raw_sys::prctl as p;
    match op {
        p::PR_SET_CHILD_SUBREAPER | p::PR_SET_PDEATHSIG | p::PR_SET_NO_NEW_PRIVS | p::PR_CAPBSET_DROP
        | p::PR_SET_DUMPABLE | p::PR_GET_DUMPABLE | p::PR_SET_KEEPCAPS | p::PR_CAPBSET_READ => {}
        _ => return Err(Errno::EINVAL),
    }
    // SAFETY: the options above take no pointers.
    ret_usize(unsafe { syscall5(nr::prctl, c_uint(op), a2, a3, 0, 0) })
}

/// PR_SET_NAME: the comm (at most 15 bytes are kept).
pub fn set_name(name: &[u8]) -> Result<()> {
    let mut b = [0u8; 16];
    for (d, &s) in b.iter_mut().take(15).zip(name) {
        *d = s;
    }
    let (p, _) = slice(&b);
    // SAFETY: p is a NUL-terminated 16-byte buffer.
    ret(unsafe { syscall2(nr::prctl, c_uint(linux_raw_sys::prctl::PR_SET_NAME), p) })
}

pub fn pidfd_open(pid: i32, flags: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_owned_fd(unsafe { syscall2(nr::pidfd_open, c_int(pid), c_uint(flags)) })
}

pub fn pidfd_send_signal(pidfd: Fd, sig: u32) -> Result<()> {
    // SAFETY: NULL siginfo is allowed.
    ret(unsafe { syscall4(nr::pidfd_send_signal, fd(pidfd), c_uint(sig), NULL, 0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status() {
        assert_eq!(WaitStatus::from_raw(3 << 8), WaitStatus::Exited(3));
        assert_eq!(WaitStatus::from_raw(9), WaitStatus::Signaled(9));
        assert_eq!(WaitStatus::Signaled(9).code(), 137);
    }
}
