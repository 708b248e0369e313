//! Unix sockets: socket, socketpair, bind/connect/listen/accept4, sendmsg and
//! recvmsg with SCM_RIGHTS (and SCM_CREDENTIALS), SO_PEERCRED, setsockopt.
use crate::arch::{syscall2, syscall3, syscall4, syscall5};
use crate::conv::{by_mut, by_ref, c_uint, fd, ret, ret_owned_fd, ret_usize, slice_mut, NULL};
use crate::errno::{Errno, Result};
use crate::fd::{close_raw, Fd, OwnedFd};
use crate::nr;
use core::mem::size_of;
use linux_raw_sys::general as g;
use linux_raw_sys::net;

pub const SOCK_CLOEXEC: u32 = g::O_CLOEXEC;
pub const SOCK_NONBLOCK: u32 = g::O_NONBLOCK;

pub fn socket(domain: u32, ty: u32, proto: u32) -> Result<OwnedFd> {
    // SAFETY: integers only.
    ret_owned_fd(unsafe { syscall3(nr::socket, c_uint(domain), c_uint(ty), c_uint(proto)) })
}

pub fn socketpair(domain: u32, ty: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    let (p, _) = slice_mut(&mut fds);
    // SAFETY: p is a writable int[2].
    ret(unsafe { syscall4(nr::socketpair, c_uint(domain), c_uint(ty), 0, p) })?;
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

pub fn bind(f: Fd, addr: &SockAddrUn) -> Result<()> {
    // SAFETY: addr points to a sockaddr_un of at least len bytes.
    ret(unsafe { syscall3(nr::bind, fd(f), by_ref(&addr.addr), addr.len) })
}

pub fn connect(f: Fd, addr: &SockAddrUn) -> Result<()> {
    // SAFETY: as for bind.
    ret(unsafe { syscall3(nr::connect, fd(f), by_ref(&addr.addr), addr.len) })
}

pub fn listen(f: Fd, backlog: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::listen, fd(f), c_uint(backlog)) })
}

pub fn accept4(f: Fd, flags: u32) -> Result<OwnedFd> {
    // SAFETY: NULL address and length are allowed.
    ret_owned_fd(unsafe { syscall4(nr::accept4, fd(f), NULL, NULL, c_uint(flags)) })
}

/// Peer credentials of a connected unix socket (`SO_PEERCRED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

pub fn peer_cred(f: Fd) -> Result<Ucred> {
    let mut c = net::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len: u32 = size_of::<net::ucred>() as u32;
    // SAFETY: c and len are writable and sized as the kernel expects.
    ret(unsafe {
        syscall5(nr::getsockopt, fd(f), c_uint(net::SOL_SOCKET), c_uint(net::SO_PEERCRED), by_mut(&mut c), by_mut(&mut len))
    })?;
    Ok(Ucred { pid: c.pid as i32, uid: c.uid, gid: c.gid })
}

pub fn setsockopt_int(f: Fd, level: u32, name: u32, v: i32) -> Result<()> {
    // SAFETY: v is a readable int of the size we pass.
    ret(unsafe { syscall5(nr::setsockopt, fd(f), c_uint(level), c_uint(name), by_ref(&v), size_of::<i32>()) })
}

/// Most fds one message carries here.
pub const MAX_FDS: usize = 16;
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
pub fn sendmsg(f: Fd, data: &[u8], fds: &[Fd], flags: u32) -> Result<usize> {
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
    ret_usize(unsafe { syscall3(nr::sendmsg, fd(f), by_ref(&msg), c_uint(flags)) })
}

/// recvmsg into `buf`; received fds come back in `RecvFds` (pass
/// MSG_CMSG_CLOEXEC in `flags`). Returns (length, fds, msg_flags).
pub fn recvmsg(f: Fd, buf: &mut [u8], flags: u32) -> Result<(usize, RecvFds, u32)> {
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
    let n = ret_usize(unsafe { syscall3(nr::recvmsg, fd(f), by_mut(&mut msg), c_uint(flags)) })?;
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
