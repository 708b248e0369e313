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

#[test]
fn clone_refuses_flags_outside_its_subset() {
    // Checked before any process is made.
    let time = CloneFlags::new(NsFlags::NEWTIME, g::SIGCHLD);
    assert_eq!(clone(time, None), Err(Errno::EINVAL));
    // 0x100 is CLONE_VM, not a signal.
    let vm = CloneFlags::new(NsFlags::empty(), 0x100 | g::SIGCHLD);
    assert_eq!(clone(vm, None), Err(Errno::EINVAL));
}

#[test]
fn execve_builds_argv_and_envp() {
    let sh = CStr::from_bytes_with_nul(b"/bin/sh\0").unwrap();
    let argv = [sh, CStr::from_bytes_with_nul(b"-c\0").unwrap(), CStr::from_bytes_with_nul(b"exit $X\0").unwrap()];
    let envp = [CStr::from_bytes_with_nul(b"X=7\0").unwrap()];
    // The test harness is multi-threaded: the child only execs or exits.
    match clone(CloneFlags::new(NsFlags::empty(), g::SIGCHLD), None).unwrap() {
        Fork::Child => {
            let _ = execve(sh, &argv, &envp);
            exit_group(127)
        }
        Fork::Parent(pid) => {
            let (p, st) = retry(|| wait4(pid, 0)).unwrap();
            assert_eq!((p, st), (pid, WaitStatus::Exited(7)));
        }
    }
    let many = [sh; MAX_ARGS + 1];
    assert_eq!(execve(sh, &many, &[]), Errno::E2BIG);
    assert_eq!(execve(sh, &argv, &many), Errno::E2BIG);
}

#[test]
fn flag_newtypes_are_the_kernel_bits() {
    let f = MountFlags::REC | MountFlags::PRIVATE;
    assert_eq!(f.bits(), g::MS_REC | g::MS_PRIVATE);
    assert!(f.contains(MountFlags::REC) && !f.contains(MountFlags::RDONLY));
    assert_eq!(MountFlags::NOSUID.union(MountFlags::NODEV).bits(), g::MS_NOSUID | g::MS_NODEV);
    let mut n = NsFlags::empty();
    assert!(n.is_empty());
    n |= NsFlags::NEWUSER;
    assert_eq!(n.bits(), g::CLONE_NEWUSER);
    assert_eq!(UnmountFlags::DETACH.bits(), g::MNT_DETACH);
}

#[test]
fn discard_gives_pages_back_as_zeros() {
    // A page-aligned static-like buffer: every whole page reads back zero,
    // partial pages at the ends are left as they were.
    #[repr(align(4096))]
    struct Pages([u8; 3 * 4096]);
    let mut p = Box::new(Pages([7; 3 * 4096]));
    mem::discard(&mut p.0[100..]);
    assert!(p.0[..4096].iter().all(|&b| b == 7), "partial first page kept");
    assert!(p.0[4096..].iter().all(|&b| b == 0), "whole pages discarded");
}

#[test]
fn discard_stack_keeps_the_callers_frames() {
    #[inline(never)]
    fn deep(n: u32) -> u64 {
        let mut a = [n as u64; 512];
        a[3] = core::hint::black_box(a[7]) + 1;
        if n == 0 {
            0
        } else {
            deep(n - 1) + a[3]
        }
    }
    let mine = core::hint::black_box([5u64; 1024]);
    let before = deep(20);
    mem::discard_stack();
    assert_eq!(mine.iter().sum::<u64>(), 5 * 1024);
    assert_eq!(deep(20), before);
}

#[derive(Debug, PartialEq)]
struct Row {
    id: u32,
    pad: [u8; 1020],
}

impl Slot for Row {
    const FREE: Row = Row { id: 0, pad: [0; 1020] };
    fn free() -> &'static Row {
        static F: Row = Row::FREE;
        &F
    }
    fn is_free(&self) -> bool {
        self.id == 0
    }
}

#[test]
fn slots_read_free_until_written_and_trim_empties_free_ones() {
    let mut s: Box<Slots<Row, 16>> = Box::default();
    assert_eq!(s[3], Row::FREE);
    for i in 0..16 {
        s[i].id = i as u32 + 1;
        s[i].pad[7] = 9;
    }
    for i in 4..16 {
        s[i] = Row::FREE;
    }
    s.trim();
    for i in 0..16 {
        let want = if i < 4 { i as u32 + 1 } else { 0 };
        assert_eq!(s[i].id, want, "slot {i}");
    }
    assert_eq!(s[2].pad[7], 9);
    assert_eq!(s.iter().filter(|r| !r.is_free()).count(), 4);
    assert!(s.get(16).is_none());
}
