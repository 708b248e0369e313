//! Installing a seccomp filter (classic BPF, e.g. from `rocker-seccomp`).
use crate::arch::{syscall3, syscall5};
use crate::conv::{by_ref, c_uint, ret};
use crate::errno::{Errno, Result};
use crate::nr;
use linux_raw_sys::prctl::{PR_GET_NO_NEW_PRIVS, PR_SET_SECCOMP};
use linux_raw_sys::ptrace::{
    sock_filter, sock_fprog, BPF_MAXINSNS, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_MODE_FILTER, SECCOMP_SET_MODE_FILTER,
};

/// Installs `prog` as a seccomp filter of the calling thread (and of its
/// later children and exec'd programs): `seccomp(SECCOMP_SET_MODE_FILTER,
/// flags, &prog)`, or `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)` on
/// kernels without seccomp(2) (before 3.17), where `flags` must be 0.
///
/// `PR_SET_NO_NEW_PRIVS` must be set first: without it this returns
/// `EACCES` (as the kernel does for a caller without `CAP_SYS_ADMIN`, but
/// here for root too, so a filter never outlives a setuid exec).
/// `EINVAL` for an empty program, more than `BPF_MAXINSNS` instructions,
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER` (its fd would leak) or
/// `SECCOMP_FILTER_FLAG_TSYNC` (rocker's processes are single-threaded;
/// its "thread id" return would look like success). The kernel checks the
/// program itself (`EINVAL`, `EFAULT`).
pub fn seccomp_set_mode_filter(prog: &[sock_filter], flags: u32) -> Result<()> {
    if flags & (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC) != 0 {
        return Err(Errno::EINVAL);
    }
    let fprog = fprog(prog)?;
    if crate::prctl(PR_GET_NO_NEW_PRIVS, 0, 0)? != 1 {
        return Err(Errno::EACCES);
    }
    match seccomp_call(&fprog, flags) {
        Err(Errno::ENOSYS) if flags == 0 => prctl_call(&fprog),
        r => r,
    }
}

fn fprog(prog: &[sock_filter]) -> Result<sock_fprog> {
    if prog.is_empty() || prog.len() > BPF_MAXINSNS as usize {
        return Err(Errno::EINVAL);
    }
    // The kernel only reads through this pointer (it copies the program).
    Ok(sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut sock_filter,
    })
}

fn seccomp_call(fprog: &sock_fprog, flags: u32) -> Result<()> {
    // SAFETY: fprog points to a live program of fprog.len instructions.
    ret(unsafe { syscall3(nr::seccomp, c_uint(SECCOMP_SET_MODE_FILTER), c_uint(flags), by_ref(fprog)) })
}

fn prctl_call(fprog: &sock_fprog) -> Result<()> {
    // SAFETY: as in seccomp_call.
    ret(unsafe { syscall5(nr::prctl, c_uint(PR_SET_SECCOMP), c_uint(SECCOMP_MODE_FILTER), by_ref(fprog), 0, 0) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{clone, exit_group, getppid, prctl, wait4, CloneFlags, Fork, NsFlags, WaitStatus};
    use linux_raw_sys::general::{__NR_getppid, SIGCHLD};
    use linux_raw_sys::prctl::PR_SET_NO_NEW_PRIVS;
    use linux_raw_sys::ptrace::{
        seccomp_data, AUDIT_ARCH_X86_64, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW,
        SECCOMP_RET_ERRNO,
    };

    fn insn(code: u32, k: u32, jt: u8, jf: u8) -> sock_filter {
        sock_filter {
            code: code as u16,
            jt,
            jf,
            k,
        }
    }

    /// getppid fails with EDOM; everything else is allowed (x86_64 only: a
    /// test filter, not a sandbox one).
    fn edom_getppid() -> [sock_filter; 6] {
        let ld = BPF_LD | BPF_W | BPF_ABS;
        let jeq = BPF_JMP | BPF_JEQ | BPF_K;
        let ret = BPF_RET | BPF_K;
        [
            insn(ld, core::mem::offset_of!(seccomp_data, arch) as u32, 0, 0),
            insn(jeq, AUDIT_ARCH_X86_64, 0, 2),
            insn(ld, 0, 0, 0),
            insn(jeq, __NR_getppid, 1, 0),
            insn(ret, SECCOMP_RET_ALLOW, 0, 0),
            insn(ret, SECCOMP_RET_ERRNO | Errno::EDOM.0 as u32, 0, 0),
        ]
    }

    /// Runs `f` in a forked child; returns its exit code.
    fn in_child(f: fn() -> i32) -> i32 {
        match clone(CloneFlags::new(NsFlags::empty(), SIGCHLD), None).unwrap() {
            Fork::Child => exit_group(f()),
            Fork::Parent(pid) => match wait4(pid, 0).unwrap().1 {
                WaitStatus::Exited(c) => c,
                s => panic!("child: {s:?}"),
            },
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn installs_with_no_new_privs_only() {
        // No root needed: seccomp with no_new_privs is unprivileged.
        let code = in_child(|| {
            let p = edom_getppid();
            if seccomp_set_mode_filter(&p, 0) != Err(Errno::EACCES) {
                return 1;
            }
            if prctl(PR_SET_NO_NEW_PRIVS, 1, 0).is_err() {
                return 2;
            }
            if seccomp_set_mode_filter(&[], 0) != Err(Errno::EINVAL)
                || seccomp_set_mode_filter(&p, SECCOMP_FILTER_FLAG_NEW_LISTENER) != Err(Errno::EINVAL)
            {
                return 3;
            }
            if getppid() <= 0 || seccomp_set_mode_filter(&p, 0).is_err() {
                return 4;
            }
            // Raw: the wrapper would not see the errno otherwise.
            // SAFETY: no arguments.
            let r = unsafe { crate::arch::syscall0(__NR_getppid as usize) };
            if Errno::from_ret(r) != Err(Errno::EDOM) {
                return 5;
            }
            0
        });
        assert_eq!(code, 0);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn prctl_fallback_installs() {
        let code = in_child(|| {
            if prctl(PR_SET_NO_NEW_PRIVS, 1, 0).is_err() {
                return 1;
            }
            let p = edom_getppid();
            if prctl_call(&fprog(&p).unwrap()).is_err() {
                return 2;
            }
            // SAFETY: no arguments.
            let r = unsafe { crate::arch::syscall0(__NR_getppid as usize) };
            if Errno::from_ret(r) != Err(Errno::EDOM) {
                return 3;
            }
            0
        });
        assert_eq!(code, 0);
    }

    #[test]
    fn program_length_limits() {
        let one = [insn(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0)];
        assert!(fprog(&one).is_ok());
        assert_eq!(fprog(&[]).err(), Some(Errno::EINVAL));
        let big = [one[0]; BPF_MAXINSNS as usize + 1];
        assert_eq!(fprog(&big).err(), Some(Errno::EINVAL));
        assert_eq!(fprog(&big[1..]).map(|f| f.len).ok(), Some(BPF_MAXINSNS as u16));
    }
}
