//! Namespaces: the namespace flags, unshare and setns.
use crate::arch::{syscall1, syscall2};
use crate::conv::{c_uint, fd, ret};
use crate::errno::Result;
use crate::fd::Fd;
use crate::nr;
use linux_raw_sys::general as g;

flags! {
    /// Namespace types, as `unshare`, `setns` and a fork-style `clone`
    /// take them. Only namespace bits: nothing here shares memory or the
    /// fd table with another task.
    pub struct NsFlags: u32 {
        /// CLONE_NEWNS
        const NEWNS = g::CLONE_NEWNS;
        /// CLONE_NEWUTS
        const NEWUTS = g::CLONE_NEWUTS;
        /// CLONE_NEWIPC
        const NEWIPC = g::CLONE_NEWIPC;
        /// CLONE_NEWUSER
        const NEWUSER = g::CLONE_NEWUSER;
        /// CLONE_NEWPID
        const NEWPID = g::CLONE_NEWPID;
        /// CLONE_NEWNET
        const NEWNET = g::CLONE_NEWNET;
        /// CLONE_NEWCGROUP
        const NEWCGROUP = g::CLONE_NEWCGROUP;
        /// CLONE_NEWTIME (5.6+; `unshare` and `setns` only: in clone(2) its
        /// bit belongs to the exit signal, so `clone` refuses it)
        const NEWTIME = g::CLONE_NEWTIME;
    }
}

/// unshare(2) of namespaces only. Memory-safe: a new namespace changes what
/// the process sees of the system, not its memory or fds. (`NEWNS` and
/// `NEWUSER` also give this task its own cwd, root and umask; the kernel
/// refuses `NEWUSER` in a multi-threaded process.)
pub fn unshare(ns: NsFlags) -> Result<()> {
    // SAFETY: namespace bits only (see above).
    unsafe { unshare_unchecked(ns.bits()) }
}

/// unshare(2) with any flags.
///
/// # Safety
/// `CLONE_FILES`, `CLONE_FS`, `CLONE_SYSVSEM` and the flags they imply
/// (`CLONE_VM`, `CLONE_SIGHAND`, `CLONE_THREAD`) change what this task
/// shares with the tasks it was cloned with: the caller must make sure no
/// other task relies on the old sharing (in particular, that no `OwnedFd`
/// of another task is tied to this fd table).
pub unsafe fn unshare_unchecked(flags: u32) -> Result<()> {
    // SAFETY: an integer argument; the caller vouches for the flags.
    ret(unsafe { syscall1(nr::unshare, c_uint(flags)) })
}

/// setns(2): joins the namespace `f` refers to; `ns` names the type it must
/// have, or is empty for any type.
pub fn setns(f: Fd, ns: NsFlags) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::setns, fd(f), c_uint(ns.bits())) })
}
