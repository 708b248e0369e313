//! The master's seam to the system: every kernel call its state machine
//! makes goes through [`Host`], at the level of what it means (accept a
//! client, check a package, spawn a guard, save a record). [`Kernel`] is
//! the real one; the tests drive the state machine through a fake.
use heapless::Vec;
use rocker_cgroup::{Cgroups, Join, Limits, Usage};
use rocker_proto::{err, step, Buf};
use rocker_spec::{ns_proc_name, Ctx, Fail, Ns, SandboxSpec};
use syscalls::sys::general as g;
use syscalls::sys::loop_device as lo;
use syscalls::sys::net;
use syscalls::*;

use crate::state::{self, PkgId, Record};

/// A received request: length, fds, and whether anything was cut off.
pub struct Msg {
    /// Bytes received.
    pub len: usize,
    /// fds received (at most 4 are kept; more is `truncated`).
    pub fds: Vec<OwnedFd, 4>,
    /// The datagram or its fds did not fit.
    pub truncated: bool,
}

/// What the admission learns of the data dir.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DirInfo {
    /// (st_dev, st_ino): two live sandboxes must not share upper/work dirs.
    pub data_id: (u64, u64),
    /// Its owner.
    pub data_uid: u32,
    /// The owner of every bind's host side (`u32::MAX`: not all the same).
    pub bind_uid: u32,
}

/// A guard just cloned: its pid and the master's ends of `notify` and `ctl`.
pub struct Spawned {
    /// Host pid.
    pub pid: i32,
    /// The guard reports here.
    pub notify: OwnedFd,
    /// Handed to the client in the reply.
    pub ctl: OwnedFd,
}

/// An entry of the root directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Top<'a> {
    /// A directory.
    Dir,
    /// A symlink owned by root, and its target.
    Link(&'a [u8]),
    /// Anything else (a file, a symlink someone else owns).
    Other,
}

/// Every system call of the master's state machine.
pub trait Host {
    /// CLOCK_MONOTONIC, ns.
    fn now(&mut self) -> u64;
    /// A fresh random guard name: `rg-` + 12 hex digits.
    fn random_name(&mut self) -> Result<[u8; 16]>;
    /// One log line (stderr and syslog).
    fn log(&mut self, line: &[u8]);
    /// The next pending connection and its peer, if any.
    fn accept(&mut self) -> Option<(OwnedFd, Ucred)>;
    /// Whether the peer is in group `gid` (primary or supplementary).
    fn in_group(&mut self, peer: &Ucred, gid: u32) -> bool;
    /// One datagram from a client (non-blocking).
    fn recv(&mut self, fd: Fd, buf: &mut [u8]) -> Result<Msg>;
    /// One datagram to a client, with fds (non-blocking).
    fn send(&mut self, fd: Fd, msg: &[u8], fds: &[Fd]) -> Result<()>;
    /// The package fd is a regular, readable squashfs 4.0 image.
    fn check_pkg(&mut self, pkg: Fd) -> core::result::Result<PkgId, Fail>;
    /// The overlay dirs are real directories, the data dir one too.
    fn check_dirs(&mut self, spec: &SandboxSpec) -> core::result::Result<DirInfo, Fail>;
    /// The entries of `/` (not `.` and `..`).
    fn top_level<F: FnMut(&[u8], Top)>(&mut self, f: F);
    /// The root dir's entry `name` as `top_level` sees it, if there is one
    /// (one lookup, not a listing).
    fn top_entry<F: FnMut(Top)>(&mut self, name: &[u8], mut f: F) {
        self.top_level(|n, k| {
            if n == name {
                f(k)
            }
        });
    }
    /// Creates the cgroup `name` of a sandbox, with `limits`, under rocker's
    /// base; the fds that join it (none without cgroups). A limit this host
    /// cannot enforce is `limit_unsupported`; nothing is left on failure.
    fn cg_create(&mut self, name: &[u8], limits: &Limits) -> core::result::Result<Join, Fail>;
    /// Removes the cgroup `name`, killing what is left in it (gone: Ok).
    fn cg_remove(&mut self, name: &[u8]) -> Result<()>;
    /// The current use of the cgroup `name`, if it has one.
    fn cg_usage(&mut self, name: &[u8]) -> Option<Usage>;
    /// cgroup v2: its `memory.events`, to poll for `POLLPRI` (an OOM kill).
    fn cg_events(&mut self, name: &[u8]) -> Option<OwnedFd>;
    /// The OOM kills counted in `events` (this read rearms its `POLLPRI`).
    fn cg_oom_kills(&mut self, events: Fd) -> u64;
    /// Removes the empty sandbox cgroups a crashed master left; how many.
    fn cg_stale(&mut self) -> u32;
    /// Clones the guard into the spec's namespaces and, before it runs any
    /// code of its own, into the cgroup of `join`; the child runs the guard
    /// and never returns here.
    /// `dead`: the master's tables, which the forked guard gives back.
    fn spawn(&mut self, spec: &SandboxSpec, pname: &[u8; 16], pkg: OwnedFd, loop_hint: Option<u32>, join: &Join, dead: crate::Dead) -> core::result::Result<Spawned, Fail>;
    /// One message from a guard (non-blocking): its length, 0 at EOF.
    fn guard_recv(&mut self, notify: Fd, buf: &mut [u8]) -> Result<usize>;
    /// setgroups deny, gid_map, uid_map of the guard.
    fn id_maps(&mut self, pid: i32, uid: u32, gid: u32) -> core::result::Result<(), Fail>;
    /// `/proc/PID/ns/<kind>`.
    fn open_ns(&mut self, pid: i32, ns: Ns) -> Result<OwnedFd>;
    /// kill(2).
    fn kill(&mut self, pid: i32, sig: u32);
    /// One exited child, if any (WNOHANG).
    fn reap(&mut self) -> Option<(i32, WaitStatus)>;
    /// Detaches loop device `n` if it still carries `pkg` without
    /// auto-clear (a guard died between LOOP_SET_FD and LOOP_SET_STATUS64);
    /// true if it did.
    fn loop_cleanup(&mut self, n: u32, pkg: PkgId) -> bool;
    /// Start time of `pid` in clock ticks after boot (0 if unknown).
    fn proc_start(&mut self, pid: i32) -> u64;
    /// Writes the record of a running sandbox (atomically).
    fn state_save(&mut self, rec: &Record) -> Result<()>;
    /// Removes it.
    fn state_remove(&mut self, name: &[u8]);
    /// Every record in the state dir (a malformed one is removed), and the
    /// bridge marks (`g`, with the bridge's name).
    fn state_load<F: FnMut(&mut Self, Record), G: FnMut(&[u8])>(&mut self, f: F, g: G);
    /// Marks bridge `name` as made by rocker in the state dir (`br.NAME`),
    /// so that a restarted master still removes it when it stops; the mark
    /// goes with `state_remove(b"br.NAME")`.
    fn bridge_mark(&mut self, name: &[u8]);
    /// A pidfd of the guard of `rec` if it is alive and still that guard
    /// (name and start time checked after the pidfd exists); None if gone.
    fn adopt(&mut self, rec: &Record) -> Option<OwnedFd>;
    /// Signals an adopted guard through its pidfd.
    fn pidfd_kill(&mut self, pidfd: Fd, sig: u32);
    /// The bridge `name`, up: its first IPv4 address and prefix, and
    /// whether it was created now (with address `create`) because it was
    /// missing. `EADDRNOTAVAIL`: it exists without an IPv4 address.
    fn bridge(&mut self, name: &[u8], create: Addr4) -> Result<(Addr4, bool)>;
    /// The network of the sandbox whose guard is `pid`: `lo` up; with a
    /// port, a veth pair whose end `veth` is a port of the bridge (up) and
    /// whose other end is `eth0` in the sandbox, with the address and the
    /// default route via the gateway.
    fn net_up(&mut self, pid: i32, veth: &[u8], port: &Port) -> Result<()>;
    /// Deletes the bridge `name` (the master made it).
    fn bridge_remove(&mut self, name: &[u8]);
}

/// The sandbox end of a bridge network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port<'a> {
    /// The bridge.
    pub bridge: &'a [u8],
    /// The sandbox's address.
    pub addr: Addr4,
    /// Its default gateway.
    pub gateway: [u8; 4],
}

pub use rocker_net::Addr4;

/// The real system.
pub struct Kernel {
    /// The listening socket.
    pub listen: OwnedFd,
    /// The state dir (root-only).
    pub state_dir: OwnedFd,
    /// stderr and syslog.
    pub log: crate::log::Log,
    /// rocker's cgroups, detected at start.
    pub cg: Cgroups,
}

fn path_of(parts: &[&[u8]]) -> Result<Path256> {
    let mut p = Path256::empty();
    for s in parts {
        p.push(s)?;
    }
    Ok(p)
}

fn proc_path(pid: i32, rest: &[u8]) -> Result<Path256> {
    let mut p = Path256::new(b"/proc/")?;
    p.push_num(pid as u64)?;
    p.push(rest)?;
    Ok(p)
}

/// Reads a small file at `path` into `buf`.
fn read_file(dir: Fd, path: CStr, buf: &mut [u8]) -> Result<usize> {
    let f = openat(dir, path, g::O_RDONLY | g::O_CLOEXEC | g::O_NOFOLLOW, 0)?;
    retry(|| read(f.raw(), buf))
}

/// `/proc/PID/stat`: (comm, starttime) — comm between the first '(' and the
/// last ')', starttime the 20th field after it.
pub fn parse_stat(b: &[u8]) -> Option<(&[u8], u64)> {
    let open = b.iter().position(|&c| c == b'(')?;
    let close = b.iter().rposition(|&c| c == b')')?;
    let comm = b.get(open.checked_add(1)?..close)?;
    let rest = b.get(close.checked_add(2)?..)?;
    let field = rest.split(|&c| c == b' ').nth(19)?;
    let mut v: u64 = 0;
    for &c in field {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some((comm, v))
}

/// Reads the squashfs superblock: magic `hsqs` (little-endian on disk) and
/// version 4.0. `Err(errno)` on anything else.
pub fn check_squashfs(sb: &[u8]) -> core::result::Result<(), Errno> {
    let le32 = |o: usize| sb.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let le16 = |o: usize| sb.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    match (le32(0), le16(28), le16(30)) {
        (Some(0x7371_7368), Some(4), Some(0)) => Ok(()),
        (Some(0x7371_7368), _, _) => Err(Errno::EPROTONOSUPPORT),
        _ => Err(Errno::EINVAL),
    }
}

/// `rg-` + 12 hex digits of randomness: printable, 15 bytes (a full comm).
pub fn make_pname(rand: [u8; 6]) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut n = [0u8; 16];
    n[..3].copy_from_slice(b"rg-");
    for (i, b) in rand.iter().enumerate() {
        n[3 + 2 * i] = HEX[(b >> 4) as usize];
        n[4 + 2 * i] = HEX[(b & 15) as usize];
    }
    n
}

fn dev_id(major: u32, minor: u32) -> u64 {
    (major as u64) << 32 | minor as u64
}

impl Host for Kernel {
    fn now(&mut self) -> u64 {
        monotonic_ns()
    }

    fn random_name(&mut self) -> Result<[u8; 16]> {
        let mut r = [0u8; 6];
        getrandom(&mut r, 0)?;
        Ok(make_pname(r))
    }

    fn log(&mut self, line: &[u8]) {
        self.log.line(line);
    }

    fn accept(&mut self) -> Option<(OwnedFd, Ucred)> {
        loop {
            let fd = accept4(self.listen.raw(), SOCK_CLOEXEC | SOCK_NONBLOCK).ok()?;
            if let Ok(c) = peer_cred(fd.raw()) {
                return Some((fd, c));
            }
        }
    }

    fn in_group(&mut self, peer: &Ucred, gid: u32) -> bool {
        if peer.gid == gid {
            return true;
        }
        // Supplementary groups: /proc/PID/status "Groups:" (the pid cannot
        // be reused while its connection is open? it can: this is a second
        // check only; the socket file's 0660 mode is the first).
        let mut b = [0u8; 2048];
        let Ok(p) = proc_path(peer.pid, b"/status") else { return false };
        let Ok(n) = read_file(AT_FDCWD, (&p).into(), &mut b) else { return false };
        let text = b.get(..n).unwrap_or(&[]);
        text.split(|&c| c == b'\n')
            .find_map(|l| l.strip_prefix(b"Groups:"))
            .is_some_and(|l| l.split(|&c| c == b' ' || c == b'\t').any(|w| parse_u32(w) == Some(gid)))
    }

    fn recv(&mut self, fd: Fd, buf: &mut [u8]) -> Result<Msg> {
        let (n, mut fds, flags) = recvmsg(fd, buf, net::MSG_CMSG_CLOEXEC | net::MSG_DONTWAIT)?;
        let mut m = Msg { len: n, fds: Vec::new(), truncated: flags & net::MSG_TRUNC != 0 || fds.truncated };
        for i in 0..fds.len() {
            if let Some(f) = fds.take(i) {
                if m.fds.push(f).is_err() {
                    m.truncated = true;
                }
            }
        }
        Ok(m)
    }

    fn send(&mut self, fd: Fd, msg: &[u8], fds: &[Fd]) -> Result<()> {
        sendmsg(fd, msg, fds, net::MSG_NOSIGNAL | net::MSG_DONTWAIT).map(|_| ())
    }

    fn check_pkg(&mut self, pkg: Fd) -> core::result::Result<PkgId, Fail> {
        let f = |e| Fail::new(err::PKG_NOT_SQUASHFS, e, step::PKG_CHECK);
        let st = fstat(pkg).map_err(f)?;
        if u32::from(st.stx_mode) & g::S_IFMT != g::S_IFREG {
            return Err(f(Errno::EINVAL));
        }
        let mut sb = [0u8; 96];
        let n = pread(pkg, &mut sb, 0).map_err(f)?;
        check_squashfs(sb.get(..n).unwrap_or(&[])).map_err(f)?;
        Ok(PkgId(
            dev_id(st.stx_dev_major, st.stx_dev_minor),
            st.stx_ino,
            st.stx_size,
            st.stx_mtime.tv_sec.wrapping_mul(1_000_000_000).wrapping_add(i64::from(st.stx_mtime.tv_nsec)),
        ))
    }

    fn check_dirs(&mut self, spec: &SandboxSpec) -> core::result::Result<DirInfo, Fail> {
        for (i, o) in spec.overlays.iter().enumerate() {
            let p = Path256::new(o).at_i(err::PATH_TOO_LONG, step::VALIDATE, i)?;
            let st = statx(AT_FDCWD, (&p).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_TYPE).at_i(err::OVERLAY_INVALID, step::VALIDATE, i)?;
            if u32::from(st.stx_mode) & g::S_IFMT != g::S_IFDIR {
                return Err(Fail::new(err::OVERLAY_INVALID, Errno::ENOTDIR, step::VALIDATE).index(i));
            }
        }
        let p = Path256::new(spec.data_dir).at(err::PATH_TOO_LONG, step::OPEN_DATA_DIR)?;
        let st = statx(AT_FDCWD, (&p).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_UID | g::STATX_TYPE | g::STATX_INO)
            .at(err::DATA_DIR_INVALID, step::OPEN_DATA_DIR)?;
        if u32::from(st.stx_mode) & g::S_IFMT != g::S_IFDIR {
            let e = if u32::from(st.stx_mode) & g::S_IFMT == g::S_IFLNK { Errno::ELOOP } else { Errno::ENOTDIR };
            return Err(Fail::new(err::DATA_DIR_INVALID, e, step::OPEN_DATA_DIR));
        }
        let mut bind_uid = None;
        for (i, b) in spec.binds.iter().enumerate() {
            let p = Path256::new(b.src).at_i(err::BIND_INVALID, step::VALIDATE, i)?;
            let u = statx(AT_FDCWD, (&p).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_UID).at_i(err::BIND_INVALID, step::VALIDATE, i)?.stx_uid;
            bind_uid = Some(if bind_uid.unwrap_or(u) == u { u } else { u32::MAX });
        }
        Ok(DirInfo { data_id: (dev_id(st.stx_dev_major, st.stx_dev_minor), st.stx_ino), data_uid: st.stx_uid, bind_uid: bind_uid.unwrap_or(0) })
    }

    fn top_level<F: FnMut(&[u8], Top)>(&mut self, mut f: F) {
        let Ok(root) = openat(AT_FDCWD, CStr::lit(b"/\0"), g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC, 0) else { return };
        let mut buf = [0u8; 2048];
        while let Ok(n) = getdents64(root.raw(), &mut buf) {
            if n == 0 {
                break;
            }
            for (name, ty) in dirents(buf.get(..n).unwrap_or(&[])) {
                if name == b"." || name == b".." {
                    continue;
                }
                let _ = ty;
                let mut target = [0u8; 64];
                if let Some(kind) = top_kind(root.raw(), name, &mut target) {
                    f(name, kind);
                }
            }
        }
    }

    fn top_entry<F: FnMut(Top)>(&mut self, name: &[u8], mut f: F) {
        let mut target = [0u8; 64];
        if let Ok(root) = openat(AT_FDCWD, CStr::lit(b"/\0"), g::O_PATH | g::O_DIRECTORY | g::O_CLOEXEC, 0) {
            if let Some(kind) = top_kind(root.raw(), name, &mut target) {
                f(kind);
            }
        }
    }

    fn cg_create(&mut self, name: &[u8], limits: &Limits) -> core::result::Result<Join, Fail> {
        use rocker_cgroup::{File as F, Step as S};
        self.cg.create(name, limits).map_err(|e| {
            let code = match (e.step, e.errno) {
                (S::Limit, Errno::ENODEV | Errno::ENOENT) => err::LIMIT_UNSUPPORTED,
                (S::Limit, Errno::EINVAL | Errno::ERANGE) => err::LIMIT_INVALID,
                _ => err::CGROUP_FAILED,
            };
            // Which limit (rocker_spec::limits): memory, swap, cpu.max, cpu.weight, pids.
            let i = match e.file {
                F::SwapMax | F::V1Memsw => 1,
                F::CpuMax | F::V1Quota | F::V1Period => 2,
                F::CpuWeight | F::V1Shares => 3,
                F::PidsMax => 4,
                _ => 0,
            };
            Fail::new(code, e.errno, step::CGROUP).index(i)
        })
    }

    fn cg_remove(&mut self, name: &[u8]) -> Result<()> {
        self.cg.remove(name).map_err(|e| e.errno)
    }

    fn cg_usage(&mut self, name: &[u8]) -> Option<Usage> {
        self.cg.usage(name).ok()
    }

    fn cg_events(&mut self, name: &[u8]) -> Option<OwnedFd> {
        self.cg.oom_events(name).ok().flatten()
    }

    fn cg_oom_kills(&mut self, events: Fd) -> u64 {
        rocker_cgroup::oom_kills(events)
    }

    fn cg_stale(&mut self) -> u32 {
        self.cg.remove_stale(b"rg-").unwrap_or(0)
    }

    fn spawn(&mut self, spec: &SandboxSpec, pname: &[u8; 16], pkg: OwnedFd, loop_hint: Option<u32>, join: &Join, dead: crate::Dead) -> core::result::Result<Spawned, Fail> {
        let sp = |e| Fail::new(err::SYS, e, step::CLONE_GUARD);
        let ty = net::SOCK_SEQPACKET | SOCK_CLOEXEC;
        let (notify_m, notify_g) = socketpair(net::AF_UNIX, ty).map_err(sp)?;
        let (ctl_g, ctl_c) = socketpair(net::AF_UNIX, ty).map_err(sp)?;
        // Without CLONE_INTO_CGROUP the child joins first; if it cannot, it
        // says so on its report socket and exits, running nothing else.
        let report = |e: Errno| {
            let r = rocker_proto::GuardReport { err: err::CGROUP_FAILED, sys_errno: e.raw(), step: step::CGROUP_JOIN, index: 0, loop_dev: rocker_proto::LOOP_NONE };
            let mut b = [0u8; rocker_proto::GUARD_REPORT_SIZE];
            rocker_proto::encode_guard_report(&r, &mut b);
            let _ = sendmsg(notify_g.raw(), &b, &[], net::MSG_NOSIGNAL);
        };
        match join.fork(CloneFlags::new(spec.ns, g::SIGCHLD), report).at(err::BUILD_ROCKER_FAILED, step::CLONE_GUARD)? {
            Fork::Child => {
                // The stack below this frame is the master's (deeper calls
                // of earlier requests), and so are its buffers: give them
                // back before the master writes them again, or every guard
                // keeps its own copy.
                syscalls::mem::discard_stack();
                dead.give_back();
                rocker_guard::run(rocker_guard::Guard {
                spec,
                pname: rocker_proto::cstr(pname),
                pkg: pkg.into_raw(),
                notify: notify_g.into_raw(),
                ctl: ctl_g.into_raw(),
                loop_hint,
                })
            }
            Fork::Parent(pid) => Ok(Spawned { pid, notify: notify_m, ctl: ctl_c }),
        }
    }

    fn guard_recv(&mut self, notify: Fd, buf: &mut [u8]) -> Result<usize> {
        recvmsg(notify, buf, net::MSG_DONTWAIT).map(|(n, _, _)| n)
    }

    fn id_maps(&mut self, pid: i32, uid: u32, gid: u32) -> core::result::Result<(), Fail> {
        let files: [(&[u8], u32, u16); 3] = [(b"/setgroups", u32::MAX, step::SETGROUPS), (b"/gid_map", gid, step::GID_MAP), (b"/uid_map", uid, step::UID_MAP)];
        for (name, id, st) in files {
            let p = proc_path(pid, name).at(err::ID_MAP_FAILED, st)?;
            let mut line = Buf::<48>::new();
            if id == u32::MAX {
                line.push_str(b"deny");
            } else {
                line.push_u64(u64::from(id)).push_byte(b' ').push_u64(u64::from(id)).push_str(b" 1\n");
            }
            let f = openat(AT_FDCWD, (&p).into(), g::O_WRONLY | g::O_CLOEXEC, 0).at(err::ID_MAP_FAILED, st)?;
            write(f.raw(), line.as_bytes()).at(err::ID_MAP_FAILED, st)?;
        }
        Ok(())
    }

    fn open_ns(&mut self, pid: i32, ns: Ns) -> Result<OwnedFd> {
        let mut p = proc_path(pid, b"/ns/")?;
        p.push(ns_proc_name(ns))?;
        openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0)
    }

    fn bridge(&mut self, name: &[u8], create: Addr4) -> Result<(Addr4, bool)> {
        let mut nl = rocker_net::Netlink::open()?;
        let (i, made) = match nl.link_index(name) {
            Ok(i) => (i, false),
            Err(Errno::ENODEV) => {
                nl.create_bridge(name)?;
                let i = nl.link_index(name)?;
                nl.add_addr_v4(i, create.addr, create.prefix)?;
                (i, true)
            }
            Err(e) => return Err(e),
        };
        nl.set_up(i)?;
        let mut a = [Addr4::default(); 4];
        match nl.addrs_v4(i, &mut a) {
            Ok(0) => Err(Errno::EADDRNOTAVAIL),
            Ok(_) | Err(Errno::ENOBUFS) => Ok((a[0], made)),
            Err(e) => Err(e),
        }
    }

    fn net_up(&mut self, pid: i32, veth: &[u8], p: &Port) -> Result<()> {
        let ns = self.open_ns(pid, Ns::NEWNET)?;
        let mut nl = rocker_net::Netlink::open()?;
        let br = nl.link_index(p.bridge)?;
        nl.create_veth_port(veth, b"eth0", ns.raw(), br)?;
        // A netlink socket acts on the namespace it was opened in: open one
        // there, and come back at once.
        let own = openat(AT_FDCWD, const { CStr::lit(b"/proc/self/ns/net\0") }, g::O_RDONLY | g::O_CLOEXEC, 0)?;
        setns(ns.raw(), Ns::NEWNET)?;
        let s = rocker_net::Netlink::open();
        if setns(own.raw(), Ns::NEWNET).is_err() {
            // Never serve another request from the sandbox's network.
            exit_group(70);
        }
        s?.setup_sandbox_v4(b"eth0", p.addr.addr, p.addr.prefix, p.gateway)
    }

    fn bridge_remove(&mut self, name: &[u8]) {
        if let Ok(mut nl) = rocker_net::Netlink::open() {
            let _ = nl.delete_link(rocker_net::Link::Name(name));
        }
    }

    fn kill(&mut self, pid: i32, sig: u32) {
        if pid > 0 {
            let _ = kill(pid, sig);
        }
    }

    fn reap(&mut self) -> Option<(i32, WaitStatus)> {
        match wait4(-1, WNOHANG) {
            Ok((0, _)) | Err(_) => None,
            Ok(r) => Some(r),
        }
    }

    fn loop_cleanup(&mut self, n: u32, pkg: PkgId) -> bool {
        let mut p = Path256::new(b"/dev/loop").unwrap_or(Path256::empty());
        if p.push_num(u64::from(n)).is_err() {
            return false;
        }
        let Ok(dev) = openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0) else { return false };
        let Ok(info) = loop_get_status64(dev.raw()) else { return false };
        let ours = info.lo_inode == pkg.1
            && info.lo_device == rocker_guard::plan::encode_dev((pkg.0 >> 32) as u32, pkg.0 as u32)
            && info.lo_flags & lo::LO_FLAGS_AUTOCLEAR as u32 == 0;
        ours && ioctl_int(dev.raw(), lo::LOOP_CLR_FD, 0).is_ok()
    }

    fn proc_start(&mut self, pid: i32) -> u64 {
        let mut b = [0u8; 512];
        let Ok(p) = proc_path(pid, b"/stat") else { return 0 };
        let Ok(n) = read_file(AT_FDCWD, (&p).into(), &mut b) else { return 0 };
        parse_stat(b.get(..n).unwrap_or(&[])).map_or(0, |(_, t)| t)
    }

    fn state_save(&mut self, rec: &Record) -> Result<()> {
        let name = Path256::new(rec.name())?;
        let tmp = path_of(&[rec.name(), b".tmp"])?;
        let dir = self.state_dir.raw();
        let f = openat(dir, (&tmp).into(), g::O_WRONLY | g::O_CREAT | g::O_TRUNC | g::O_NOFOLLOW | g::O_CLOEXEC, 0o600)?;
        let r = write_all(f.raw(), &state::encode(rec)).and_then(|()| renameat2(dir, (&tmp).into(), dir, (&name).into(), 0));
        if r.is_err() {
            let _ = unlinkat(dir, (&tmp).into(), 0);
        }
        r
    }

    fn state_remove(&mut self, name: &[u8]) {
        if let Ok(p) = Path256::new(name) {
            let _ = unlinkat(self.state_dir.raw(), (&p).into(), 0);
        }
    }

    fn bridge_mark(&mut self, name: &[u8]) {
        if let Ok(p) = path_of(&[b"br.", name]) {
            let _ = openat(self.state_dir.raw(), (&p).into(), g::O_WRONLY | g::O_CREAT | g::O_NOFOLLOW | g::O_CLOEXEC, 0o600);
        }
    }

    fn state_load<F: FnMut(&mut Self, Record), G: FnMut(&[u8])>(&mut self, mut f: F, mut gb: G) {
        let Ok(dir) = openat(self.state_dir.raw(), (&Path256::new(b".").unwrap_or(Path256::empty())).into(), g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC, 0) else { return };
        let mut buf = [0u8; 2048];
        let mut names: Vec<[u8; 16], { rocker_proto::MAX_SANDBOXES }> = Vec::new();
        while let Ok(n) = getdents64(dir.raw(), &mut buf) {
            if n == 0 {
                break;
            }
            for (name, _) in dirents(buf.get(..n).unwrap_or(&[])) {
                if name == b"." || name == b".." {
                    continue;
                }
                if let Some(br) = name.strip_prefix(b"br.").filter(|b| !b.is_empty() && b.len() < rocker_proto::IFNAME_LEN) {
                    gb(br);
                    continue;
                }
                let mut nb = [0u8; 16];
                if name.len() < 16 {
                    nb[..name.len()].copy_from_slice(name);
                    let _ = names.push(nb);
                } else if let Ok(p) = Path256::new(name) {
                    let _ = unlinkat(self.state_dir.raw(), (&p).into(), 0);
                }
            }
        }
        for nb in names.iter() {
            let name = rocker_proto::cstr(nb);
            let Ok(p) = Path256::new(name) else { continue };
            let mut b = [0u8; state::RECORD_SIZE + 1];
            let rec = read_file(self.state_dir.raw(), (&p).into(), &mut b).ok().and_then(|n| state::decode(b.get(..n).unwrap_or(&[])));
            match rec {
                Some(r) if r.name() == name => f(self, r),
                _ => {
                    let _ = unlinkat(self.state_dir.raw(), (&p).into(), 0);
                }
            }
        }
    }

    fn adopt(&mut self, rec: &Record) -> Option<OwnedFd> {
        let pidfd = match pidfd_open(rec.pid, 0) {
            Ok(fd) => Some(fd),
            Err(Errno::ENOSYS) => None,
            Err(_) => return None,
        };
        let mut b = [0u8; 512];
        let p = proc_path(rec.pid, b"/stat").ok()?;
        let n = read_file(AT_FDCWD, (&p).into(), &mut b).ok()?;
        let (comm, start) = parse_stat(b.get(..n)?)?;
        if comm != rec.name() || start != rec.proc_start {
            return None;
        }
        // Before 5.3 there is no pidfd: the record's pid is watched by its
        // name and start time alone (re-checked each turn).
        Some(pidfd.unwrap_or(OwnedFd::from_raw(-1)))
    }

    fn pidfd_kill(&mut self, pidfd: Fd, sig: u32) {
        let _ = pidfd_send_signal(pidfd, sig);
    }
}

fn parse_u32(w: &[u8]) -> Option<u32> {
    if w.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for &c in w {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}

/// The state dir for the socket `sock` when none is given: `<sock>.d`.
pub fn default_state_dir(sock: &[u8]) -> Result<Path256> {
    let mut p = Path256::new(sock)?;
    p.push(b".d")?;
    Ok(p)
}

/// Opens (creating it 0700) the state dir, which must be a root-owned dir
/// that no one else can write, reached without following a symlink.
pub fn open_state_dir(path: &[u8]) -> Result<OwnedFd> {
    let p = Path256::new(path)?;
    match mkdirat(AT_FDCWD, (&p).into(), 0o700) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(e),
    }
    let fd = match openat2(AT_FDCWD, (&p).into(), g::O_PATH | g::O_DIRECTORY | g::O_CLOEXEC, 0, u64::from(g::RESOLVE_NO_SYMLINKS)) {
        Err(Errno::ENOSYS) => openat(AT_FDCWD, (&p).into(), g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC, 0),
        r => r,
    }?;
    let st = fstat(fd.raw())?;
    if st.stx_uid != 0 || u32::from(st.stx_mode) & 0o022 != 0 {
        return Err(Errno::EPERM);
    }
    Ok(fd)
}

/// What `name` in the root dir `root` is (None: gone, or not a name).
fn top_kind<'t>(root: Fd, name: &[u8], target: &'t mut [u8; 64]) -> Option<Top<'t>> {
    if name.is_empty() {
        return None;
    }
    let p = Path256::new(name).ok()?;
    let st = statx(root, (&p).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_TYPE | g::STATX_UID).ok()?;
    Some(match u32::from(st.stx_mode) & g::S_IFMT {
        g::S_IFDIR => Top::Dir,
        g::S_IFLNK if st.stx_uid == 0 => match readlinkat(root, (&p).into(), target) {
            Ok(k) if k < target.len() => Top::Link(target.get(..k).unwrap_or(&[])),
            _ => Top::Other,
        },
        _ => Top::Other,
    })
}
