//! Host tests of real syscalls that need no root.
use super::*;
use linux_raw_sys::general as g;
use linux_raw_sys::net;

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
