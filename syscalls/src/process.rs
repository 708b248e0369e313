//! Processes: clone, execve, exit, wait, kill, ids, prctl, pidfds.
use crate::arch::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5};
use crate::conv::{
    by_mut, c_int, c_uint, fd, opt_mut, ptr, ret, ret_error, ret_fork, ret_i32, ret_infallible_i32, ret_owned_fd, ret_usize, slice,
    slice_mut, NULL,
};
use crate::errno::{Errno, Result};
use crate::fd::{Fd, OwnedFd};
use crate::nr;
use crate::ns::NsFlags;
use crate::path::CStr;
use linux_raw_sys::general as g;

/// Result of a fork-style clone.
#[derive(Debug, PartialEq, Eq)]
pub enum Fork {
    Child,
    Parent(i32),
}

/// What a fork-style `clone` may ask for: new namespaces, and the signal
/// the parent gets when the child ends. Nothing that would share memory, a
/// stack, TLS, signal handlers or the fd table with the parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloneFlags {
    ns: NsFlags,
    exit_signal: u32,
}

impl CloneFlags {
    /// A fork into the new namespaces `ns` (empty: a plain fork); the
    /// parent gets `exit_signal` (normally `SIGCHLD`) when the child ends.
    pub const fn new(ns: NsFlags, exit_signal: u32) -> CloneFlags {
        CloneFlags { ns, exit_signal }
    }
    /// The namespaces.
    pub const fn ns(self) -> NsFlags {
        self.ns
    }
    /// The exit signal.
    pub const fn exit_signal(self) -> u32 {
        self.exit_signal
    }
}

/// Fork-style `clone(flags, stack = 0)`: the child continues on a copy of
/// the caller's memory and stack, like fork(2). With `pidfd`, CLONE_PIDFD
/// is added and the pidfd lands there. EINVAL for `NsFlags::NEWTIME` or an
/// exit signal above 255 (both would change other bits of the flags).
///
/// Memory-safe: the child has its own copy of everything. It is only
/// *sound to use* in a process that holds no locks another thread could
/// own at the fork (rocker's binaries are single-threaded, without an
/// allocator or locks); a multi-threaded caller's child should only exec
/// or exit.
pub fn clone(flags: CloneFlags, pidfd: Option<&mut i32>) -> Result<Fork> {
    if flags.ns.contains(NsFlags::NEWTIME) || flags.exit_signal > g::CSIGNAL {
        return Err(Errno::EINVAL);
    }
    let with_pidfd = if pidfd.is_some() { g::CLONE_PIDFD } else { 0 };
    // SAFETY: namespace bits, an exit signal and CLONE_PIDFD only (checked
    // above), and pidfd is given exactly when CLONE_PIDFD is set.
    unsafe { clone_unchecked(flags.ns.bits() | flags.exit_signal | with_pidfd, pidfd) }
}

/// Fork-style `clone(flags, stack = 0)` with any flags: the child continues
/// on the caller's stack (a copy of it, unless `CLONE_VM`). With
/// `CLONE_PIDFD`, the pidfd lands in `pidfd`.
///
/// # Safety
/// The flags must not break the child's or the parent's memory:
/// - `CLONE_VM` (and with it `CLONE_SIGHAND`, `CLONE_THREAD`) makes the
///   child run on the *same* stack and memory as the parent: the parent must
///   be suspended (`CLONE_VFORK`) and the child may only call `execve` or
///   `exit_group`, touching nothing the parent's frames own;
/// - `CLONE_SETTLS`, `CLONE_PARENT_SETTID`, `CLONE_CHILD_SETTID` and
///   `CLONE_CHILD_CLEARTID` make the kernel read or write addresses that
///   this wrapper passes as NULL (or, for the parent tid, as `pidfd`);
/// - `CLONE_FILES` shares the fd table: an `OwnedFd` closed by one side
///   closes it for the other;
/// - `CLONE_PIDFD` must be set exactly when `pidfd` is `Some`.
///
/// No new stack can be given: a child on a fresh stack cannot return
/// into Rust code.
pub unsafe fn clone_unchecked(flags: u32, pidfd: Option<&mut i32>) -> Result<Fork> {
    // The parent_tid slot (3rd argument) is the same on every arch; only
    // tls and child_tid swap places on x86_64, and both are 0 here.
    // SAFETY: the caller vouches for the flags; pidfd is a valid int or NULL.
    ret_fork(unsafe { syscall5(nr::clone, c_uint(flags), NULL, opt_mut(pidfd), NULL, NULL) })
}

pub fn exit_group(code: i32) -> ! {
    // SAFETY: integers only; exit_group ends every thread of the process.
    unsafe {
        syscall1(nr::exit_group, c_int(code));
    }
    // Never reached. (`unreachable_unchecked` here measured 48 bytes larger
    // on x86_64, though smaller on arm and aarch64.)
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Most `argv` (and `envp`) entries the safe `execve`s pass.
pub const MAX_ARGS: usize = 255;

/// This process's environment as the kernel passed it to `_start`. Only
/// `rt::Args::envp` makes one, so it always points to a NULL-terminated
/// array of NUL-terminated strings that live as long as the process.
#[derive(Clone, Copy)]
pub struct Envp(*const *const u8);

impl Envp {
    /// # Safety
    /// `p` is a NULL-terminated array of NUL-terminated strings that live,
    /// unchanged, for the rest of the process.
    #[cfg_attr(not(feature = "rt"), allow(dead_code))]
    pub(crate) unsafe fn new(p: *const *const u8) -> Envp {
        Envp(p)
    }
}

/// A NULL-terminated array of the pointers of `strs` (E2BIG past MAX_ARGS).
fn c_array<'a>(strs: &[CStr<'a>]) -> Result<[*const u8; MAX_ARGS + 1]> {
    let mut a = [core::ptr::null::<u8>(); MAX_ARGS + 1];
    if strs.len() > MAX_ARGS {
        return Err(Errno::E2BIG);
    }
    for (d, s) in a.iter_mut().zip(strs) {
        *d = s.as_ptr();
    }
    Ok(a)
}

/// execve(2) with `argv` and `envp` given as strings (at most `MAX_ARGS`
/// each). Returns only on failure.
pub fn execve(path: CStr, argv: &[CStr], envp: &[CStr]) -> Errno {
    let (a, e) = match (c_array(argv), c_array(envp)) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(x), _) | (_, Err(x)) => return x,
    };
    // SAFETY: path and every entry are NUL-terminated strings borrowed for
    // the call; both arrays are NULL-terminated.
    unsafe { execve_raw(path.as_ptr(), a.as_ptr(), e.as_ptr()) }
}

/// execve(2) with this process's own environment (`rt::Args::envp`).
/// Returns only on failure.
pub fn execve_envp(path: CStr, argv: &[CStr], envp: Envp) -> Errno {
    let a = match c_array(argv) {
        Ok(a) => a,
        Err(x) => return x,
    };
    // SAFETY: path and argv as in `execve`; envp is the kernel's array (Envp).
    unsafe { execve_raw(path.as_ptr(), a.as_ptr(), envp.0) }
}

/// execve(2) with raw pointers. Returns only on failure.
///
/// # Safety
/// `path` is a NUL-terminated string; `argv` and `envp` are each NULL or a
/// NULL-terminated array of NUL-terminated strings; all of them are valid
/// for reads for the duration of the call.
pub unsafe fn execve_raw(path: *const u8, argv: *const *const u8, envp: *const *const u8) -> Errno {
    // SAFETY: the caller vouches for the pointers.
    ret_error(unsafe { syscall3(nr::execve, ptr(path), ptr(argv), ptr(envp)) })
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
        | p::PR_SET_DUMPABLE | p::PR_GET_DUMPABLE | p::PR_SET_KEEPCAPS | p::PR_CAPBSET_READ
        | p::PR_GET_NO_NEW_PRIVS | p::PR_CAP_AMBIENT => {}
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
