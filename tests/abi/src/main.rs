//! ABI tests of `syscalls/`, run on each target's own architecture:
//! natively on x86_64, under qemu-<arch>-static for the others, and on real
//! kernels in QEMU system mode. One line per check, then `N passed, M failed`.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod entry;

use core::sync::atomic::{AtomicU32, Ordering};
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;

struct Out {
    pass: u32,
    fail: u32,
}

fn say(parts: &[&[u8]]) {
    for p in parts {
        let _ = write_all(1, p);
    }
}

fn num(v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

impl Out {
    fn check(&mut self, name: &str, r: core::result::Result<(), Errno>) {
        match r {
            Ok(()) => {
                self.pass += 1;
                say(&[b"ok ", name.as_bytes(), b"\n"]);
            }
            Err(e) => {
                self.fail += 1;
                let mut b = [0u8; 24];
                let n = e.write_to(&mut b);
                say(&[b"FAIL ", name.as_bytes(), b": ", &b[..n], b"\n"]);
            }
        }
    }
}

fn expect(c: bool) -> Result<()> {
    if c {
        Ok(())
    } else {
        Err(Errno::EPROTO)
    }
}

fn cpath(s: &[u8]) -> Path256 {
    Path256::new(s).unwrap_or(Path256::empty())
}

fn t_errno() -> Result<()> {
    expect(close_raw(-1) == Err(Errno::EBADF))?;
    let p = cpath(b"/nonexistent-rocker-abi/x");
    expect(openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0).err() == Some(Errno::ENOENT))?;
    expect(Errno::ENOENT.name() == "ENOENT")?;
    let mut b = [0u8; 24];
    let n = Errno::EBADF.write_to(&mut b);
    expect(b.get(..n) == Some(b"EBADF (9)".as_slice()))
}

/// pread64 is the 6-argument syscall on 32-bit ARM and MIPS (fd, buf, count,
/// pad, offset pair): on MIPS args 5 and 6 travel on the stack. Reading
/// /proc/self/exe at offset 1 must give "ELF"; at 4 GiB + 1 it must give EOF,
/// which proves the high word landed in the right slot.
fn t_six_args() -> Result<()> {
    let p = cpath(b"/proc/self/exe");
    let f = openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0)?;
    let mut b = [0u8; 3];
    expect(pread(f.raw(), &mut b, 1)? == 3 && &b == b"ELF")?;
    expect(pread(f.raw(), &mut b, (1u64 << 32) + 1)? == 0)?;
    let mut e = [0u8; 4];
    expect(pread(f.raw(), &mut e, 0)? == 4 && e == [0x7f, b'E', b'L', b'F'])
}

fn t_pipe() -> Result<()> {
    let (r, w) = pipe2(g::O_CLOEXEC)?;
    let msg = b"rocker pipe round trip";
    write_all(w.raw(), msg)?;
    let mut b = [0u8; 64];
    let n = read(r.raw(), &mut b)?;
    expect(b.get(..n) == Some(msg.as_slice()))?;
    drop(w);
    expect(read(r.raw(), &mut b)? == 0)
}

fn t_clone_wait() -> Result<()> {
    match clone(g::SIGCHLD, None)? {
        Fork::Child => exit_group(42),
        Fork::Parent(pid) => {
            let (p, st) = retry(|| wait4(pid, 0))?;
            expect(p == pid && st == WaitStatus::Exited(42))?;
        }
    }
    match clone(g::SIGCHLD, None)? {
        Fork::Child => {
            let _ = kill(getpid(), g::SIGKILL);
            exit_group(1)
        }
        Fork::Parent(pid) => {
            let (_, st) = retry(|| wait4(pid, 0))?;
            expect(st == WaitStatus::Signaled(g::SIGKILL as i32) && st.code() == 137)?;
        }
    }
    expect(wait4(-1, WNOHANG) == Err(Errno::ECHILD))
}

static HITS: AtomicU32 = AtomicU32::new(0);
extern "C" fn on_usr1(_: i32) {
    HITS.fetch_add(1, Ordering::SeqCst);
}

/// A signal without SA_RESTART interrupts a blocking read with EINTR, the
/// handler runs, and the syscall layer survives the signal frame.
fn t_eintr() -> Result<()> {
    rt_sigaction(g::SIGUSR1, SigAction::Handler(on_usr1), 0)?;
    let (r, w) = pipe2(g::O_CLOEXEC)?;
    let parent = getpid();
    let child = match clone(g::SIGCHLD, None)? {
        Fork::Child => {
            let _ = nanosleep(&Timespec::from_ms(150));
            let _ = kill(parent, g::SIGUSR1);
            exit_group(0)
        }
        Fork::Parent(p) => p,
    };
    let mut b = [0u8; 8];
    let got = read(r.raw(), &mut b);
    let _ = retry(|| wait4(child, 0));
    drop(w);
    rt_sigaction(g::SIGUSR1, SigAction::Default, 0)?;
    expect(got == Err(Errno::EINTR) && HITS.load(Ordering::SeqCst) == 1)
}

fn t_getrandom() -> Result<()> {
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    expect(getrandom(&mut a, 0)? == 16 && getrandom(&mut b, 0)? == 16)?;
    expect(a != b && a != [0; 16])
}

fn t_fd_passing() -> Result<()> {
    let (a, b) = socketpair(net::AF_UNIX, net::SOCK_SEQPACKET | SOCK_CLOEXEC)?;
    let (r, w) = pipe2(g::O_CLOEXEC)?;
    expect(sendmsg(a.raw(), b"fd", &[w.raw()], 0)? == 2)?;
    drop(w);
    let mut buf = [0u8; 8];
    let (n, mut fds, _) = recvmsg(b.raw(), &mut buf, net::MSG_CMSG_CLOEXEC)?;
    expect(n == 2 && fds.len() == 1)?;
    let w2 = fds.take(0).ok_or(Errno::EBADF)?;
    write_all(w2.raw(), b"!")?;
    let mut c = [0u8; 1];
    expect(read(r.raw(), &mut c)? == 1 && c[0] == b'!')?;
    let cred = peer_cred(a.raw())?;
    expect(cred.pid == getpid() && cred.uid == getuid())
}

fn t_signalfd_ppoll() -> Result<()> {
    let set = SigSet::empty().add(g::SIGCHLD);
    let old = rt_sigprocmask(SIG_BLOCK, &set)?;
    let sfd = signalfd(&set, g::O_CLOEXEC | g::O_NONBLOCK)?;
    let pid = match clone(g::SIGCHLD, None)? {
        Fork::Child => exit_group(7),
        Fork::Parent(p) => p,
    };
    let mut fds = [PollFd { fd: sfd.raw(), events: POLLIN, revents: 0 }];
    let n = retry(|| ppoll(&mut fds, Some(&Timespec::from_ms(5000)), None))?;
    let (sig, from) = signalfd_read(sfd.raw())?;
    let (p, st) = retry(|| wait4(pid, 0))?;
    rt_sigprocmask(SIG_SETMASK, &old)?;
    expect(n == 1 && sig == g::SIGCHLD && from == pid && p == pid && st == WaitStatus::Exited(7))?;
    // A timeout with nothing ready returns 0.
    let mut none: [PollFd; 0] = [];
    expect(ppoll(&mut none, Some(&Timespec::from_ms(10)), None)? == 0)
}

fn t_files() -> Result<()> {
    let root = statx(AT_FDCWD, cpath(b"/").as_cstr(), 0, g::STATX_TYPE)?;
    expect(root.stx_mode as u32 & g::S_IFMT == g::S_IFDIR)?;
    let t0 = monotonic_ns();
    nanosleep(&Timespec::from_ms(20))?;
    expect(monotonic_ns().wrapping_sub(t0) >= 19_000_000)
}

/// rocker-net's messages in this arch's byte order (MIPS: big-endian):
/// RTM_GETLINK "lo" must give index 1 and an unknown name ENODEV (an ACK
/// path and an error path); the RTM_GETADDR dump of lo must end cleanly.
fn t_netlink() -> Result<()> {
    let mut nl = rocker_net::Netlink::open()?;
    expect(nl.link_index(b"lo")? == rocker_net::LOOPBACK_INDEX)?;
    expect(nl.link_index(b"rkt-nosuch0") == Err(Errno::ENODEV))?;
    let mut a = [rocker_net::Addr4::default(); 8];
    let n = nl.addrs_v4(rocker_net::LOOPBACK_INDEX, &mut a)?;
    // lo may be down without an address (QEMU guests); if it has one, it is 127.x/8.
    expect(a.get(..n).unwrap_or(&[]).iter().all(|x| x.addr[0] == 127 && x.prefix == 8))?;
    expect(nl.link_index(b"lo")? == 1)
}

trait AsCStr {
    fn as_cstr(&self) -> CStr<'_>;
}
impl AsCStr for Path256 {
    fn as_cstr(&self) -> CStr<'_> {
        self.into()
    }
}

pub fn main(_args: rt::Args) -> i32 {
    let mut o = Out { pass: 0, fail: 0 };
    o.check("errno decoding", t_errno());
    o.check("six-argument syscall (pread64)", t_six_args());
    o.check("pipe round trip", t_pipe());
    o.check("clone + wait exit status", t_clone_wait());
    o.check("signal interrupts read with EINTR", t_eintr());
    o.check("getrandom", t_getrandom());
    o.check("SCM_RIGHTS + SO_PEERCRED", t_fd_passing());
    o.check("signalfd + ppoll + SIGCHLD", t_signalfd_ppoll());
    o.check("statx + clock + nanosleep", t_files());
    o.check("netlink: link_index(lo), ENODEV, address dump", t_netlink());
    let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
    say(&[num(o.pass as u64, &mut a), b" passed, ", num(o.fail as u64, &mut b), b" failed\n"]);
    if o.fail == 0 {
        0
    } else {
        1
    }
}
