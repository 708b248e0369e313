//! Syscall numbers, as `usize`, picked per arch from linux-raw-sys (MIPS o32
//! numbers start at 4000; ARM EABI's id calls are the `*32` ones).
#![allow(dead_code)]

use linux_raw_sys::general as g;

macro_rules! nrs { ($($n:ident = $v:ident),* $(,)?) => { $(pub(crate) const $n: usize = g::$v as usize;)* }; }
nrs!(
    read = __NR_read, write = __NR_write, close = __NR_close, openat = __NR_openat,
    openat2 = __NR_openat2, pread64 = __NR_pread64, statx = __NR_statx,
    mkdirat = __NR_mkdirat, mknodat = __NR_mknodat, unlinkat = __NR_unlinkat, fchownat = __NR_fchownat,
    fchmodat = __NR_fchmodat, readlinkat = __NR_readlinkat, pipe2 = __NR_pipe2,
    dup3 = __NR_dup3, close_range = __NR_close_range, socket = __NR_socket,
    bind = __NR_bind, listen = __NR_listen, accept4 = __NR_accept4,
    connect = __NR_connect, sendmsg = __NR_sendmsg, sendto = __NR_sendto, recvfrom = __NR_recvfrom, recvmsg = __NR_recvmsg,
    getsockopt = __NR_getsockopt, setsockopt = __NR_setsockopt,
    socketpair = __NR_socketpair, ppoll = __NR_ppoll, signalfd4 = __NR_signalfd4,
    rt_sigprocmask = __NR_rt_sigprocmask, rt_sigaction = __NR_rt_sigaction,
    clone = __NR_clone, clone3 = __NR_clone3, execve = __NR_execve, exit_group = __NR_exit_group,
    wait4 = __NR_wait4, waitid = __NR_waitid, kill = __NR_kill, getpid = __NR_getpid,
    getppid = __NR_getppid, getuid = __NR_getuid, getgid = __NR_getgid, prctl = __NR_prctl,
    unshare = __NR_unshare, setns = __NR_setns, mount = __NR_mount, umount2 = __NR_umount2,
    pivot_root = __NR_pivot_root, chdir = __NR_chdir, fchdir = __NR_fchdir,
    chroot = __NR_chroot, ioctl = __NR_ioctl, sethostname = __NR_sethostname,
    capget = __NR_capget, capset = __NR_capset, pidfd_open = __NR_pidfd_open,
    pidfd_send_signal = __NR_pidfd_send_signal, getrandom = __NR_getrandom,
    clock_gettime = __NR_clock_gettime, nanosleep = __NR_nanosleep,
    fchmod = __NR_fchmod, getdents64 = __NR_getdents64, renameat2 = __NR_renameat2,
    umask = __NR_umask, prlimit64 = __NR_prlimit64, seccomp = __NR_seccomp,
    symlinkat = __NR_symlinkat, setsid = __NR_setsid, mount_setattr = __NR_mount_setattr,
    madvise = __NR_madvise,
);
// ARM EABI: the plain ones are the legacy 16-bit-id calls.
#[cfg(target_arch = "arm")]
nrs!(setresuid = __NR_setresuid32, setresgid = __NR_setresgid32, setgroups = __NR_setgroups32, fchown = __NR_fchown32);
#[cfg(not(target_arch = "arm"))]
nrs!(setresuid = __NR_setresuid, setresgid = __NR_setresgid, setgroups = __NR_setgroups, fchown = __NR_fchown);
#[cfg(target_pointer_width = "32")]
nrs!(fstatfs = __NR_fstatfs64);
#[cfg(target_pointer_width = "64")]
nrs!(fstatfs = __NR_fstatfs);
