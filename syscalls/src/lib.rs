//! rocker's syscall layer: the only crate with `asm!` and raw syscalls.
//!
//! Layers, as in rustix: `arch/*` has the raw `syscall0..6` per architecture;
//! this file turns them into typed, memory-safe wrappers named after the
//! syscall, with numbers and kernel structs from `linux-raw-sys` only.
//! Errors are `Errno`. Paths are NUL-terminated `CStr`/`CPath` (no allocator).
//!
//! Every wrapper is safe to call: pointers are built from Rust references
//! inside this crate. Process-level calls (`clone`, `execve`, `unshare`) are
//! safe here because rocker's binaries are single-threaded and hold no locks.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(target_arch = "mips", feature(asm_experimental_arch))]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_upper_case_globals)]

#[allow(dead_code)]
mod arch;
mod cell;
mod errno;
mod fd;
mod netlink;
mod path;
#[cfg(feature = "rt")]
pub mod rt;

pub use cell::StaticCell;
pub use errno::{retry, Errno, Result};
pub use fd::{Fd, OwnedFd};
pub use netlink::{netlink_recv, netlink_send, netlink_socket, NETLINK_ROUTE};
pub use linux_raw_sys as sys;
pub use path::{CPath, CStr, Path256};

#[allow(unused_imports)]
use arch::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};
use core::mem::{size_of, MaybeUninit};
use linux_raw_sys::general as g;
use linux_raw_sys::loop_device as lo;
use linux_raw_sys::net;

/// Syscall numbers, as `usize`, picked per arch from linux-raw-sys.
#[allow(dead_code)]
mod nr {
    use linux_raw_sys::general as g;
    macro_rules! nrs { ($($n:ident = $v:ident),* $(,)?) => { $(pub const $n: usize = g::$v as usize;)* }; }
    nrs!(
        read = __NR_read, write = __NR_write, close = __NR_close, openat = __NR_openat,
        openat2 = __NR_openat2, pread64 = __NR_pread64, statx = __NR_statx,
        mkdirat = __NR_mkdirat, unlinkat = __NR_unlinkat, fchownat = __NR_fchownat,
        fchmodat = __NR_fchmodat, readlinkat = __NR_readlinkat, pipe2 = __NR_pipe2,
        dup3 = __NR_dup3, close_range = __NR_close_range, socket = __NR_socket,
        bind = __NR_bind, listen = __NR_listen, accept4 = __NR_accept4,
        connect = __NR_connect, sendmsg = __NR_sendmsg, recvmsg = __NR_recvmsg,
        getsockopt = __NR_getsockopt, setsockopt = __NR_setsockopt,
        socketpair = __NR_socketpair, ppoll = __NR_ppoll, signalfd4 = __NR_signalfd4,
        rt_sigprocmask = __NR_rt_sigprocmask, rt_sigaction = __NR_rt_sigaction,
        clone = __NR_clone, execve = __NR_execve, exit_group = __NR_exit_group,
        wait4 = __NR_wait4, waitid = __NR_waitid, kill = __NR_kill, getpid = __NR_getpid,
        getppid = __NR_getppid, getuid = __NR_getuid, getgid = __NR_getgid, prctl = __NR_prctl,
        unshare = __NR_unshare, setns = __NR_setns, mount = __NR_mount, umount2 = __NR_umount2,
        pivot_root = __NR_pivot_root, chdir = __NR_chdir, fchdir = __NR_fchdir,
        chroot = __NR_chroot, ioctl = __NR_ioctl, sethostname = __NR_sethostname,
        capget = __NR_capget, capset = __NR_capset, pidfd_open = __NR_pidfd_open,
        pidfd_send_signal = __NR_pidfd_send_signal, getrandom = __NR_getrandom,
        clock_gettime = __NR_clock_gettime, nanosleep = __NR_nanosleep,
    );
    // ARM EABI: the plain ones are the legacy 16-bit-id calls.
    #[cfg(target_arch = "arm")]
    nrs!(setresuid = __NR_setresuid32, setresgid = __NR_setresgid32, setgroups = __NR_setgroups32);
    #[cfg(not(target_arch = "arm"))]
    nrs!(setresuid = __NR_setresuid, setresgid = __NR_setresgid, setgroups = __NR_setgroups);
    #[cfg(target_pointer_width = "32")]
    nrs!(fstatfs = __NR_fstatfs64);
    #[cfg(target_pointer_width = "64")]
    nrs!(fstatfs = __NR_fstatfs);
}

#[inline]
fn ret(r: usize) -> Result<()> {
    Errno::from_ret(r).map(|_| ())
}
#[inline]
fn ret_usize(r: usize) -> Result<usize> {
    Errno::from_ret(r)
}
#[inline]
fn ret_i32(r: usize) -> Result<i32> {
    Errno::from_ret(r).map(|v| v as i32)
}
#[inline]
fn ret_fd(r: usize) -> Result<OwnedFd> {
    Errno::from_ret(r).map(|v| OwnedFd::from_raw(v as i32))
}

/// `AT_FDCWD` as an fd argument.
pub const AT_FDCWD: Fd = g::AT_FDCWD;

// ---------------------------------------------------------------- files

pub fn openat(dir: Fd, path: CStr, flags: u32, mode: u32) -> Result<OwnedFd> {
    // SAFETY: path is NUL-terminated and outlives the call.
    ret_fd(unsafe { syscall4(nr::openat, dir as usize, path.as_ptr() as usize, flags as usize, mode as usize) })
}

/// openat2 (Linux 5.6+); ENOSYS on older kernels: callers fall back.
pub fn openat2(dir: Fd, path: CStr, flags: u32, mode: u32, resolve: u64) -> Result<OwnedFd> {
    let how = g::open_how { flags: flags as u64, mode: mode as u64, resolve };
    // SAFETY: path and how are valid for the call; size matches the struct.
    ret_fd(unsafe {
        syscall4(nr::openat2, dir as usize, path.as_ptr() as usize, &how as *const _ as usize, size_of::<g::open_how>())
    })
}

pub fn close(fd: OwnedFd) {
    drop(fd)
}

pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: buf is valid for writes of buf.len() bytes.
    ret_usize(unsafe { syscall3(nr::read, fd as usize, buf.as_mut_ptr() as usize, buf.len()) })
}

pub fn write(fd: Fd, buf: &[u8]) -> Result<usize> {
    // SAFETY: buf is valid for reads of buf.len() bytes.
    ret_usize(unsafe { syscall3(nr::write, fd as usize, buf.as_ptr() as usize, buf.len()) })
}

/// Writes all of `buf`, retrying short writes and EINTR.
pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        let n = retry(|| write(fd, buf))?;
        if n == 0 {
            return Err(Errno::EIO);
        }
        buf = buf.get(n..).unwrap_or(&[]);
    }
    Ok(())
}

/// pread64. On 32-bit ARM and MIPS o32 the 64-bit offset takes an aligned
/// register pair after a padding argument, high word first on big-endian.
pub fn pread(fd: Fd, buf: &mut [u8], off: u64) -> Result<usize> {
    let (p, l) = (buf.as_mut_ptr() as usize, buf.len());
    #[cfg(target_pointer_width = "64")]
    // SAFETY: buf is valid for writes of l bytes.
    let r = unsafe { syscall4(nr::pread64, fd as usize, p, l, off as usize) };
    #[cfg(all(target_pointer_width = "32", target_endian = "little"))]
    // SAFETY: as above.
    let r = unsafe { syscall6(nr::pread64, fd as usize, p, l, 0, off as u32 as usize, (off >> 32) as usize) };
    #[cfg(all(target_pointer_width = "32", target_endian = "big"))]
    // SAFETY: as above.
    let r = unsafe { syscall6(nr::pread64, fd as usize, p, l, 0, (off >> 32) as usize, off as u32 as usize) };
    ret_usize(r)
}

pub type Statx = g::statx;

pub fn statx(dir: Fd, path: CStr, flags: u32, mask: u32) -> Result<Statx> {
    let mut st = MaybeUninit::<Statx>::zeroed();
    // SAFETY: st is a writable statx buffer; path is NUL-terminated.
    ret(unsafe {
        syscall5(nr::statx, dir as usize, path.as_ptr() as usize, flags as usize, mask as usize, st.as_mut_ptr() as usize)
    })?;
    // SAFETY: zero-initialised and filled by the kernel; all fields are integers.
    Ok(unsafe { st.assume_init() })
}

/// fstat via statx(fd, "", AT_EMPTY_PATH).
pub fn fstat(fd: Fd) -> Result<Statx> {
    statx(fd, CStr::from_bytes_with_nul(b"\0")?, g::AT_EMPTY_PATH, g::STATX_BASIC_STATS)
}

/// The filesystem magic (`f_type`) of the filesystem holding `fd`.
pub fn fstatfs_type(fd: Fd) -> Result<u64> {
    #[cfg(target_pointer_width = "32")]
    {
        let mut st = MaybeUninit::<g::statfs64>::zeroed();
        // SAFETY: st is a writable statfs64 of the size we pass.
        ret(unsafe { syscall3(nr::fstatfs, fd as usize, size_of::<g::statfs64>(), st.as_mut_ptr() as usize) })?;
        // SAFETY: filled by the kernel; integers only.
        Ok(unsafe { st.assume_init() }.f_type as u64)
    }
    #[cfg(target_pointer_width = "64")]
    {
        let mut st = MaybeUninit::<g::statfs>::zeroed();
        // SAFETY: st is a writable statfs.
        ret(unsafe { syscall2(nr::fstatfs, fd as usize, st.as_mut_ptr() as usize) })?;
        // SAFETY: filled by the kernel; integers only.
        Ok(unsafe { st.assume_init() }.f_type as u64)
    }
}

pub fn mkdirat(dir: Fd, path: CStr, mode: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::mkdirat, dir as usize, path.as_ptr() as usize, mode as usize) })
}

pub fn unlinkat(dir: Fd, path: CStr, flags: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::unlinkat, dir as usize, path.as_ptr() as usize, flags as usize) })
}

pub fn fchownat(dir: Fd, path: CStr, uid: u32, gid: u32, flags: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall5(nr::fchownat, dir as usize, path.as_ptr() as usize, uid as usize, gid as usize, flags as usize) })
}

pub fn fchmodat(dir: Fd, path: CStr, mode: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::fchmodat, dir as usize, path.as_ptr() as usize, mode as usize) })
}

pub fn readlinkat(dir: Fd, path: CStr, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: path is NUL-terminated; buf is writable.
    ret_usize(unsafe { syscall4(nr::readlinkat, dir as usize, path.as_ptr() as usize, buf.as_mut_ptr() as usize, buf.len()) })
}

// ---------------------------------------------------------------- fds and pipes

pub fn pipe2(flags: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds is a writable int[2].
    ret(unsafe { syscall2(nr::pipe2, fds.as_mut_ptr() as usize, flags as usize) })?;
    Ok((OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1])))
}

/// dup3 onto `new`; the caller owns the returned fd (it is `new`).
pub fn dup3(old: Fd, new: i32, flags: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_fd(unsafe { syscall3(nr::dup3, old as usize, new as usize, flags as usize) })
}

/// close_range (5.9+). ENOSYS on older kernels.
pub fn close_range(first: u32, last: u32, flags: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::close_range, first as usize, last as usize, flags as usize) })
}

/// Closes a raw fd number that this process does not track as `OwnedFd`.
pub fn close_raw(fd: i32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall1(nr::close, fd as usize) })
}

// ---------------------------------------------------------------- sockets

pub const SOCK_CLOEXEC: u32 = g::O_CLOEXEC;
pub const SOCK_NONBLOCK: u32 = g::O_NONBLOCK;

pub fn socket(domain: u32, ty: u32, proto: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_fd(unsafe { syscall3(nr::socket, domain as usize, ty as usize, proto as usize) })
}

pub fn socketpair(domain: u32, ty: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds is a writable int[2].
    ret(unsafe { syscall4(nr::socketpair, domain as usize, ty as usize, 0, fds.as_mut_ptr() as usize) })?;
    Ok((OwnedFd::from_raw(fds[0]), OwnedFd::from_raw(fds[1])))
}

/// A filesystem `sockaddr_un`; `ENAMETOOLONG` if the path does not fit.
pub struct SockAddrUn {
    addr: net::sockaddr_un,
    len: usize,
}

impl SockAddrUn {
    pub fn new(path: &[u8]) -> Result<SockAddrUn> {
        let mut addr = net::sockaddr_un { sun_family: net::AF_UNIX as _, sun_path: [0; 108] };
        if path.is_empty() || path.contains(&0) {
            return Err(Errno::EINVAL);
        }
        if path.len() >= addr.sun_path.len() {
            return Err(Errno::ENAMETOOLONG);
        }
        for (d, &s) in addr.sun_path.iter_mut().zip(path) {
            *d = s as _;
        }
        Ok(SockAddrUn { addr, len: 2 + path.len() + 1 })
    }
}

pub fn bind(fd: Fd, addr: &SockAddrUn) -> Result<()> {
    // SAFETY: addr points to a sockaddr_un of at least len bytes.
    ret(unsafe { syscall3(nr::bind, fd as usize, &addr.addr as *const _ as usize, addr.len) })
}

pub fn connect(fd: Fd, addr: &SockAddrUn) -> Result<()> {
    // SAFETY: as for bind.
    ret(unsafe { syscall3(nr::connect, fd as usize, &addr.addr as *const _ as usize, addr.len) })
}

pub fn listen(fd: Fd, backlog: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::listen, fd as usize, backlog as usize) })
}

pub fn accept4(fd: Fd, flags: u32) -> Result<OwnedFd> {
    // SAFETY: NULL address and length are allowed.
    ret_fd(unsafe { syscall4(nr::accept4, fd as usize, 0, 0, flags as usize) })
}

/// Peer credentials of a connected unix socket (`SO_PEERCRED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

pub fn peer_cred(fd: Fd) -> Result<Ucred> {
    let mut c = net::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len: u32 = size_of::<net::ucred>() as u32;
    // SAFETY: c and len are writable and sized as the kernel expects.
    ret(unsafe {
        syscall5(nr::getsockopt, fd as usize, net::SOL_SOCKET as usize, net::SO_PEERCRED as usize, &mut c as *mut _ as usize, &mut len as *mut _ as usize)
    })?;
    Ok(Ucred { pid: c.pid as i32, uid: c.uid, gid: c.gid })
}

pub fn setsockopt_int(fd: Fd, level: u32, name: u32, v: i32) -> Result<()> {
    // SAFETY: v is a readable int.
    ret(unsafe { syscall5(nr::setsockopt, fd as usize, level as usize, name as usize, &v as *const i32 as usize, 4) })
}

/// Most fds one message carries here.
pub const MAX_FDS: usize = 8;
const CMSG_HDR: usize = size_of::<net::cmsghdr>();
const fn cmsg_align(n: usize) -> usize {
    (n + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}
/// Room for SCM_RIGHTS with MAX_FDS fds plus SCM_CREDENTIALS.
const CMSG_SPACE: usize = cmsg_align(CMSG_HDR + 4 * MAX_FDS) + cmsg_align(CMSG_HDR + 12);

/// Fds received with a message. Dropping it closes any not taken.
pub struct RecvFds {
    fds: [i32; MAX_FDS],
    n: usize,
    /// Set when the kernel had to drop ancillary data (MSG_CTRUNC).
    pub truncated: bool,
    /// SCM_CREDENTIALS, when the sender's were attached.
    pub cred: Option<Ucred>,
}

impl RecvFds {
    pub fn len(&self) -> usize {
        self.n
    }
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Takes the i-th fd (each can be taken once).
    pub fn take(&mut self, i: usize) -> Option<OwnedFd> {
        if i >= self.n {
            return None;
        }
        let fd = core::mem::replace(&mut self.fds[i], -1);
        if fd < 0 {
            None
        } else {
            Some(OwnedFd::from_raw(fd))
        }
    }
}

impl Drop for RecvFds {
    fn drop(&mut self) {
        for i in 0..self.n {
            if self.fds[i] >= 0 {
                let _ = close_raw(self.fds[i]);
            }
        }
    }
}

#[repr(C, align(8))]
struct CmsgBuf([u8; CMSG_SPACE]);

/// sendmsg of one buffer, with `fds` as SCM_RIGHTS (if any).
pub fn sendmsg(fd: Fd, data: &[u8], fds: &[Fd], flags: u32) -> Result<usize> {
    if fds.len() > MAX_FDS {
        return Err(Errno::EINVAL);
    }
    let mut cbuf = CmsgBuf([0; CMSG_SPACE]);
    let mut clen = 0;
    if !fds.is_empty() {
        let len = CMSG_HDR + 4 * fds.len();
        let hdr = net::cmsghdr { cmsg_len: len as _, cmsg_level: net::SOL_SOCKET as _, cmsg_type: net::SCM_RIGHTS as _ };
        // SAFETY: cbuf is 8-aligned and large enough for the header and fds.
        unsafe { core::ptr::write(cbuf.0.as_mut_ptr() as *mut net::cmsghdr, hdr) };
        for (i, f) in fds.iter().enumerate() {
            let o = CMSG_HDR + 4 * i;
            cbuf.0[o..o + 4].copy_from_slice(&f.to_ne_bytes());
        }
        clen = cmsg_align(len);
    }
    let mut iov = g::iovec { iov_base: data.as_ptr() as *mut _, iov_len: data.len() as _ };
    let msg = net::msghdr {
        msg_name: core::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: &mut iov as *mut g::iovec as *mut _,
        msg_iovlen: 1,
        msg_control: if clen > 0 { cbuf.0.as_mut_ptr() as *mut _ } else { core::ptr::null_mut() },
        msg_controllen: clen as _,
        msg_flags: 0,
    };
    // SAFETY: msg, iov and cbuf are valid for the duration of the call.
    ret_usize(unsafe { syscall3(nr::sendmsg, fd as usize, &msg as *const _ as usize, flags as usize) })
}

/// recvmsg into `buf`; received fds come back in `RecvFds` (pass
/// MSG_CMSG_CLOEXEC in `flags`). Returns (length, fds, msg_flags).
pub fn recvmsg(fd: Fd, buf: &mut [u8], flags: u32) -> Result<(usize, RecvFds, u32)> {
    let mut cbuf = CmsgBuf([0; CMSG_SPACE]);
    let mut iov = g::iovec { iov_base: buf.as_mut_ptr() as *mut _, iov_len: buf.len() as _ };
    let mut msg = net::msghdr {
        msg_name: core::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: &mut iov as *mut g::iovec as *mut _,
        msg_iovlen: 1,
        msg_control: cbuf.0.as_mut_ptr() as *mut _,
        msg_controllen: CMSG_SPACE as _,
        msg_flags: 0,
    };
    // SAFETY: msg, iov, buf and cbuf are valid and writable for the call.
    let n = ret_usize(unsafe { syscall3(nr::recvmsg, fd as usize, &mut msg as *mut _ as usize, flags as usize) })?;
    let mut out = RecvFds { fds: [-1; MAX_FDS], n: 0, truncated: msg.msg_flags & net::MSG_CTRUNC != 0, cred: None };
    let clen = (msg.msg_controllen as usize).min(CMSG_SPACE);
    let mut off = 0;
    while off + CMSG_HDR <= clen {
        // SAFETY: off is 8-aligned within cbuf and a header fits.
        let h: net::cmsghdr = unsafe { core::ptr::read(cbuf.0.as_ptr().add(off) as *const net::cmsghdr) };
        let len = h.cmsg_len as usize;
        if len < CMSG_HDR || off + len > clen {
            break;
        }
        let data = &cbuf.0[off + CMSG_HDR..off + len];
        if h.cmsg_level == net::SOL_SOCKET as _ && h.cmsg_type == net::SCM_RIGHTS as _ {
            for c in data.chunks_exact(4) {
                let f = i32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                if out.n < MAX_FDS {
                    out.fds[out.n] = f;
                    out.n += 1;
                } else {
                    let _ = close_raw(f);
                    out.truncated = true;
                }
            }
        } else if h.cmsg_level == net::SOL_SOCKET as _ && h.cmsg_type == net::SCM_CREDENTIALS as _ && data.len() >= 12 {
            let w = |i: usize| u32::from_ne_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
            out.cred = Some(Ucred { pid: w(0) as i32, uid: w(4), gid: w(8) });
        }
        off += cmsg_align(len);
    }
    Ok((n, out, msg.msg_flags))
}

// ---------------------------------------------------------------- waiting and signals

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

/// The classic `struct timespec` (`long` fields): what `clock_gettime`,
/// `nanosleep` and `ppoll` take on every arch without the *_time64 calls,
/// so it works on router kernels that predate them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub sec: isize,
    pub nsec: isize,
}

impl Timespec {
    pub fn from_ms(ms: u64) -> Timespec {
        Timespec { sec: (ms / 1000) as isize, nsec: ((ms % 1000) * 1_000_000) as isize }
    }
    pub fn as_ns(&self) -> u64 {
        (self.sec as u64).wrapping_mul(1_000_000_000).wrapping_add(self.nsec as u64)
    }
}

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
    pub fn add(mut self, sig: u32) -> SigSet {
        let i = sig.wrapping_sub(1) as usize;
        if let Some(w) = self.0.get_mut(i / 32) {
            *w |= 1 << (i % 32);
        }
        self
    }
    pub fn has(&self, sig: u32) -> bool {
        let i = sig.wrapping_sub(1) as usize;
        self.0.get(i / 32).map_or(false, |w| w & (1 << (i % 32)) != 0)
    }
}

pub fn ppoll(fds: &mut [PollFd], timeout: Option<&Timespec>, mask: Option<&SigSet>) -> Result<usize> {
    let t = timeout.map_or(0, |t| t as *const _ as usize);
    let m = mask.map_or(0, |m| m as *const _ as usize);
    // SAFETY: fds, timeout and mask are valid for the call.
    ret_usize(unsafe { syscall5(nr::ppoll, fds.as_mut_ptr() as usize, fds.len(), t, m, size_of::<SigSet>()) })
}

pub const SIG_BLOCK: u32 = g::SIG_BLOCK;
pub const SIG_UNBLOCK: u32 = g::SIG_UNBLOCK;
pub const SIG_SETMASK: u32 = g::SIG_SETMASK;

pub fn rt_sigprocmask(how: u32, set: &SigSet) -> Result<SigSet> {
    let mut old = SigSet::empty();
    // SAFETY: set and old are valid sigsets of the size we pass.
    ret(unsafe { syscall4(nr::rt_sigprocmask, how as usize, set as *const _ as usize, &mut old as *mut _ as usize, size_of::<SigSet>()) })?;
    Ok(old)
}

/// signalfd4 on a new fd.
pub fn signalfd(mask: &SigSet, flags: u32) -> Result<OwnedFd> {
    // SAFETY: mask is a valid sigset of the size we pass.
    ret_fd(unsafe { syscall4(nr::signalfd4, usize::MAX, mask as *const _ as usize, size_of::<SigSet>(), flags as usize) })
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
    let handler = match act {
        SigAction::Default => 0usize,
        SigAction::Ignore => 1usize,
        SigAction::Handler(h) => h as usize,
    };
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
    ret(unsafe { syscall4(nr::rt_sigaction, sig as usize, &k as *const _ as usize, 0, size_of::<SigSet>()) })
}

// ---------------------------------------------------------------- processes

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
    let ptid = pidfd.map_or(0, |p| p as *mut i32 as usize);
    // The parent_tid slot (3rd argument) is the same on every arch; only
    // tls and child_tid swap places on x86_64, and both are 0 here.
    // SAFETY: fork semantics (see above); ptid is a valid int or NULL.
    let r = ret_usize(unsafe { syscall5(nr::clone, flags as usize, 0, ptid, 0, 0) })?;
    Ok(if r == 0 { Fork::Child } else { Fork::Parent(r as i32) })
}

pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group does not return.
    unsafe {
        syscall1(nr::exit_group, code as usize);
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
    ret(unsafe { syscall3(nr::execve, path.as_ptr() as usize, a.as_ptr() as usize, envp as usize) })
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
    let p = ret_i32(unsafe { syscall4(nr::wait4, pid as usize, &mut st as *mut i32 as usize, options as usize, 0) })?;
    Ok((p, WaitStatus::from_raw(st)))
}

/// waitid(idtype, id, WEXITED | options); returns (pid, si_code, si_status),
/// pid 0 when WNOHANG found nothing.
pub fn waitid(idtype: u32, id: u32, options: u32) -> Result<(i32, i32, i32)> {
    let mut si = [0i32; 32];
    // SAFETY: si is a 128-byte siginfo buffer; NULL rusage.
    ret(unsafe { syscall5(nr::waitid, idtype as usize, id as usize, si.as_mut_ptr() as usize, options as usize, 0) })?;
    // siginfo: signo, errno, code (MIPS: signo, code, errno), then pid, uid, status.
    #[cfg(target_arch = "mips")]
    let code = si[1];
    #[cfg(not(target_arch = "mips"))]
    let code = si[2];
    Ok((si[3], code, si[5]))
}

pub fn kill(pid: i32, sig: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::kill, pid as usize, sig as usize) })
}

pub fn getpid() -> i32 {
    // SAFETY: cannot fail.
    unsafe { syscall0(nr::getpid) as i32 }
}
pub fn getppid() -> i32 {
    // SAFETY: cannot fail.
    unsafe { syscall0(nr::getppid) as i32 }
}
pub fn getuid() -> u32 {
    // SAFETY: cannot fail.
    unsafe { syscall0(nr::getuid) as u32 }
}
pub fn getgid() -> u32 {
    // SAFETY: cannot fail.
    unsafe { syscall0(nr::getgid) as u32 }
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
    ret_usize(unsafe { syscall5(nr::prctl, op as usize, a2, a3, 0, 0) })
}

/// PR_SET_NAME: the comm (at most 15 bytes are kept).
pub fn set_name(name: &[u8]) -> Result<()> {
    let mut b = [0u8; 16];
    for (d, &s) in b.iter_mut().take(15).zip(name) {
        *d = s;
    }
    // SAFETY: b is a NUL-terminated 16-byte buffer.
    ret(unsafe { syscall2(nr::prctl, linux_raw_sys::prctl::PR_SET_NAME as usize, b.as_ptr() as usize) })
}

// ---------------------------------------------------------------- namespaces and mounts

pub fn unshare(flags: u32) -> Result<()> {
    // SAFETY: integers only; see the crate doc on process-level calls.
    ret(unsafe { syscall1(nr::unshare, flags as usize) })
}

pub fn setns(fd: Fd, nstype: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::setns, fd as usize, nstype as usize) })
}

pub fn mount(src: Option<CStr>, target: CStr, fstype: Option<CStr>, flags: u32, data: Option<CStr>) -> Result<()> {
    let p = |c: Option<CStr>| c.map_or(0, |c| c.as_ptr() as usize);
    // SAFETY: every pointer is a NUL-terminated string or NULL.
    ret(unsafe { syscall5(nr::mount, p(src), target.as_ptr() as usize, p(fstype), flags as usize, p(data)) })
}

pub fn umount2(target: CStr, flags: u32) -> Result<()> {
    // SAFETY: target is NUL-terminated.
    ret(unsafe { syscall2(nr::umount2, target.as_ptr() as usize, flags as usize) })
}

pub fn pivot_root(new_root: CStr, put_old: CStr) -> Result<()> {
    // SAFETY: both are NUL-terminated.
    ret(unsafe { syscall2(nr::pivot_root, new_root.as_ptr() as usize, put_old.as_ptr() as usize) })
}

pub fn chdir(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chdir, path.as_ptr() as usize) })
}
pub fn fchdir(fd: Fd) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall1(nr::fchdir, fd as usize) })
}
pub fn chroot(path: CStr) -> Result<()> {
    // SAFETY: NUL-terminated.
    ret(unsafe { syscall1(nr::chroot, path.as_ptr() as usize) })
}

/// ioctl with an integer argument (or none).
pub fn ioctl_int(fd: Fd, req: u32, arg: usize) -> Result<usize> {
    // Requests that take pointers must go through a typed wrapper.
    match req {
        lo::LOOP_CTL_GET_FREE | lo::LOOP_CTL_ADD | lo::LOOP_CTL_REMOVE | lo::LOOP_SET_FD | lo::LOOP_CLR_FD
        | lo::LOOP_SET_CAPACITY | lo::LOOP_SET_DIRECT_IO | lo::LOOP_SET_BLOCK_SIZE => {}
        _ => return Err(Errno::EINVAL),
    }
    // SAFETY: the requests above take integers.
    ret_usize(unsafe { syscall3(nr::ioctl, fd as usize, req as usize, arg) })
}

pub type LoopInfo64 = lo::loop_info64;
pub type LoopConfig = lo::loop_config;

/// A zeroed `loop_info64`.
pub fn loop_info64_zeroed() -> LoopInfo64 {
    // SAFETY: loop_info64 is plain integers and byte arrays.
    unsafe { MaybeUninit::<LoopInfo64>::zeroed().assume_init() }
}

/// LOOP_CONFIGURE (Linux 5.8+): attach `backing` with `info` in one step.
pub fn loop_configure(dev: Fd, backing: Fd, info: &LoopInfo64) -> Result<()> {
    let cfg = LoopConfig { fd: backing as u32, block_size: 0, info: *info, __reserved: [0; 8] };
    // SAFETY: cfg is a valid loop_config for the call.
    ret(unsafe { syscall3(nr::ioctl, dev as usize, lo::LOOP_CONFIGURE as usize, &cfg as *const _ as usize) })
}

/// LOOP_SET_STATUS64.
pub fn loop_set_status64(dev: Fd, info: &LoopInfo64) -> Result<()> {
    // SAFETY: info is a valid loop_info64.
    ret(unsafe { syscall3(nr::ioctl, dev as usize, lo::LOOP_SET_STATUS64 as usize, info as *const _ as usize) })
}

/// LOOP_GET_STATUS64.
pub fn loop_get_status64(dev: Fd) -> Result<LoopInfo64> {
    let mut info = loop_info64_zeroed();
    // SAFETY: info is a writable loop_info64.
    ret(unsafe { syscall3(nr::ioctl, dev as usize, lo::LOOP_GET_STATUS64 as usize, &mut info as *mut _ as usize) })?;
    Ok(info)
}

// ---------------------------------------------------------------- identity

pub fn sethostname(name: &[u8]) -> Result<()> {
    // SAFETY: name is readable for its length.
    ret(unsafe { syscall2(nr::sethostname, name.as_ptr() as usize, name.len()) })
}

pub fn setresuid(r: u32, e: u32, s: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::setresuid, r as usize, e as usize, s as usize) })
}
pub fn setresgid(r: u32, e: u32, s: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::setresgid, r as usize, e as usize, s as usize) })
}
pub fn setgroups(groups: &[u32]) -> Result<()> {
    // SAFETY: groups is readable for len entries of 32-bit gids.
    ret(unsafe { syscall2(nr::setgroups, groups.len(), groups.as_ptr() as usize) })
}

/// Capability sets (v3: two 32-bit words each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

pub fn capget(pid: i32) -> Result<Caps> {
    let mut h = g::__user_cap_header_struct { version: g::_LINUX_CAPABILITY_VERSION_3, pid };
    let mut d = [g::__user_cap_data_struct { effective: 0, permitted: 0, inheritable: 0 }; 2];
    // SAFETY: h and d are the v3 header and data[2].
    ret(unsafe { syscall2(nr::capget, &mut h as *mut _ as usize, d.as_mut_ptr() as usize) })?;
    let j = |a: u32, b: u32| a as u64 | (b as u64) << 32;
    Ok(Caps {
        effective: j(d[0].effective, d[1].effective),
        permitted: j(d[0].permitted, d[1].permitted),
        inheritable: j(d[0].inheritable, d[1].inheritable),
    })
}

pub fn capset(c: &Caps) -> Result<()> {
    let mut h = g::__user_cap_header_struct { version: g::_LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let d = [
        g::__user_cap_data_struct { effective: c.effective as u32, permitted: c.permitted as u32, inheritable: c.inheritable as u32 },
        g::__user_cap_data_struct {
            effective: (c.effective >> 32) as u32,
            permitted: (c.permitted >> 32) as u32,
            inheritable: (c.inheritable >> 32) as u32,
        },
    ];
    // SAFETY: h and d are the v3 header and data[2].
    ret(unsafe { syscall2(nr::capset, &mut h as *mut _ as usize, d.as_ptr() as usize) })
}

// ---------------------------------------------------------------- pidfds

pub fn pidfd_open(pid: i32, flags: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_fd(unsafe { syscall2(nr::pidfd_open, pid as usize, flags as usize) })
}

pub fn pidfd_send_signal(pidfd: Fd, sig: u32) -> Result<()> {
    // SAFETY: NULL siginfo is allowed.
    ret(unsafe { syscall4(nr::pidfd_send_signal, pidfd as usize, sig as usize, 0, 0) })
}

// ---------------------------------------------------------------- misc

pub fn getrandom(buf: &mut [u8], flags: u32) -> Result<usize> {
    // SAFETY: buf is writable.
    ret_usize(unsafe { syscall3(nr::getrandom, buf.as_mut_ptr() as usize, buf.len(), flags as usize) })
}

pub const CLOCK_MONOTONIC: u32 = g::CLOCK_MONOTONIC;
pub const CLOCK_REALTIME: u32 = g::CLOCK_REALTIME;

pub fn clock_gettime(clock: u32) -> Result<Timespec> {
    let mut t = Timespec::default();
    // SAFETY: t is a writable classic timespec.
    ret(unsafe { syscall2(nr::clock_gettime, clock as usize, &mut t as *mut _ as usize) })?;
    Ok(t)
}

/// Monotonic clock in ns (0 if the clock is unavailable).
pub fn monotonic_ns() -> u64 {
    clock_gettime(CLOCK_MONOTONIC).map_or(0, |t| t.as_ns())
}

pub fn nanosleep(t: &Timespec) -> Result<()> {
    // SAFETY: t is a valid timespec; NULL remainder.
    ret(unsafe { syscall2(nr::nanosleep, t as *const _ as usize, 0) })
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
    #[test]
    fn sigset() {
        let s = SigSet::empty().add(17).add(1);
        assert!(s.has(17) && s.has(1) && !s.has(2));
        assert_eq!(SigSet::empty().add(0), SigSet::empty());
    }
    #[test]
    fn real_syscalls_on_host() {
        // No root needed: a pipe round trip, getpid, clock, errno decoding.
        let (r, w) = pipe2(g::O_CLOEXEC).unwrap();
        assert_eq!(write(w.raw(), b"hi").unwrap(), 2);
        let mut b = [0u8; 4];
        assert_eq!(read(r.raw(), &mut b).unwrap(), 2);
        assert_eq!(&b[..2], b"hi");
        assert!(getpid() > 0);
        assert!(monotonic_ns() > 0);
        assert_eq!(close_raw(-1), Err(Errno::EBADF));
        let p = Path256::new(b"/nonexistent/x").unwrap();
        assert_eq!(openat(AT_FDCWD, (&p).into(), g::O_RDONLY, 0).err(), Some(Errno::ENOENT));
    }
    #[test]
    fn fd_passing_on_host() {
        let (a, b) = socketpair(net::AF_UNIX, net::SOCK_SEQPACKET | SOCK_CLOEXEC).unwrap();
        let (r, w) = pipe2(g::O_CLOEXEC).unwrap();
        assert_eq!(sendmsg(a.raw(), b"x", &[r.raw(), w.raw()], 0).unwrap(), 1);
        let mut buf = [0u8; 8];
        let (n, mut fds, _) = recvmsg(b.raw(), &mut buf, net::MSG_CMSG_CLOEXEC).unwrap();
        assert_eq!((n, fds.len()), (1, 2));
        let w2 = fds.take(1).unwrap();
        write(w2.raw(), b"z").unwrap();
        let mut c = [0u8; 1];
        read(r.raw(), &mut c).unwrap();
        assert_eq!(&c, b"z");
        let cred = peer_cred(a.raw()).unwrap();
        assert_eq!(cred.pid, getpid());
    }
}
