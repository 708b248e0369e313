//! `clone3`, fork-style, with `CLONE_INTO_CGROUP`: a child that never runs
//! an instruction outside its cgroup.
use crate::conv::{by_ref, ret_fork};
use crate::{arch, nr, Errno, Fd, Fork, Result};
use core::mem::size_of;
use linux_raw_sys::general as g;

/// Flags that would make a fork-style child share memory, the stack or the
/// thread with its parent, or write thread ids into our memory: refused.
const UNSAFE_FLAGS: u64 = (g::CLONE_VM
    | g::CLONE_VFORK
    | g::CLONE_THREAD
    | g::CLONE_SIGHAND
    | g::CLONE_SETTLS
    | g::CLONE_PARENT_SETTID
    | g::CLONE_CHILD_SETTID
    | g::CLONE_CHILD_CLEARTID) as u64;

/// Fork-style `clone3` (Linux 5.3+): no new stack, the child continues on a
/// copy of the caller's stack like fork(2) (and like [`crate::clone`]).
///
/// `flags` are `CLONE_*` bits (namespaces, `CLONE_PIDFD`); `exit_signal` is
/// separate in clone3 (normally `SIGCHLD`). With `cgroup`, an fd of a cgroup2
/// directory, the child starts inside that cgroup (`CLONE_INTO_CGROUP`,
/// Linux 5.7+), so it never runs an instruction outside it. With
/// `CLONE_PIDFD` the pidfd lands in `pidfd`.
///
/// Errors that mean "use `clone` and write `cgroup.procs` in the child":
/// `ENOSYS` (no clone3: before 5.3), `E2BIG` (clone3 without the cgroup
/// field: 5.3 to 5.6), `EBADF` (the fd is not a cgroup2 directory, e.g. v1).
/// `EINVAL` for the flags in `UNSAFE_FLAGS` (a child sharing our memory
/// without its own stack would corrupt it).
///
/// Safe for the same reason as `clone`: rocker's binaries are single-threaded,
/// without an allocator or locks.
pub fn clone3(flags: u64, exit_signal: u32, cgroup: Option<Fd>, pidfd: Option<&mut i32>) -> Result<Fork> {
    if flags & UNSAFE_FLAGS != 0 || flags & (g::CSIGNAL as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut args = g::clone_args {
        flags,
        pidfd: pidfd.map_or(0, |p| p as *mut i32 as usize as u64),
        child_tid: 0,
        parent_tid: 0,
        exit_signal: exit_signal as u64,
        stack: 0,
        stack_size: 0,
        tls: 0,
        set_tid: 0,
        set_tid_size: 0,
        cgroup: 0,
    };
    // Without a cgroup, pass the 5.3 size (VER0) so that 5.3-5.6 kernels take it.
    let mut size = g::CLONE_ARGS_SIZE_VER0 as usize;
    if let Some(fd) = cgroup {
        args.flags |= g::CLONE_INTO_CGROUP;
        args.cgroup = fd as u32 as u64;
        size = size_of::<g::clone_args>();
    }
    // SAFETY: args is a valid clone_args of at least `size` bytes; the pidfd
    // pointer (if any) is a live `&mut i32`; fork semantics as documented.
    ret_fork(unsafe { arch::syscall2(nr::clone3, by_ref(&args), size) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_memory_sharing_flags() {
        assert_eq!(clone3(g::CLONE_VM as u64, 17, None, None), Err(Errno::EINVAL));
        assert_eq!(clone3(17, 17, None, None), Err(Errno::EINVAL));
    }

    #[test]
    fn layout() {
        assert_eq!(size_of::<g::clone_args>(), g::CLONE_ARGS_SIZE_VER2 as usize);
    }

    #[test]
    fn fork_style_clone3_on_host() {
        // clone3 with exit_signal SIGCHLD; the child exits 7 at once.
        let mut pidfd = -1;
        match clone3(g::CLONE_PIDFD as u64, g::SIGCHLD, None, Some(&mut pidfd)) {
            Ok(Fork::Child) => crate::exit_group(7),
            Ok(Fork::Parent(pid)) => {
                assert!(pidfd >= 0);
                let (p, st) = crate::wait4(pid, 0).unwrap();
                assert_eq!((p, st), (pid, crate::WaitStatus::Exited(7)));
                crate::close_raw(pidfd).unwrap();
            }
            Err(e) => assert_eq!(e, Errno::ENOSYS, "clone3: {e}"),
        }
    }
}
