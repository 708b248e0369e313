//! rocker-master: the daemon. One thread, one `ppoll` loop, fixed tables.
//!
//! Per event it does a bounded amount of non-blocking work: accept a client,
//! read one datagram, validate it, clone a guard, forward a guard's report
//! (writing the id maps first), reap a guard. A slow, silent or half-open
//! client can hold at most its own connection slot, and idle connections
//! are closed after `IDLE_NS`.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod log;

use log::Log;
use rocker_proto::{self as proto, err, step, Buf, Request, RunReply, RunReq};
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;

pub const DEFAULT_SOCKET: &[u8] = b"/var/run/rocker.sock";
const MAX_CLIENTS: usize = 32;
const MAX_BOXES: usize = proto::MAX_SANDBOXES;
/// Idle connections (no request pending) are closed after this.
const IDLE_NS: u64 = 30_000_000_000;
/// A guard that has not reported after this is killed.
const SETUP_NS: u64 = 30_000_000_000;
const RECV_MAX: usize = 2048;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Free,
    /// Cloned, building the sandbox; `client` waits for the reply.
    Starting,
    /// Reply sent: the sandbox runs.
    Running,
    /// Setup failed or the client left: waiting to be reaped.
    Dying,
}

struct Box {
    state: State,
    pid: i32,
    notify: Option<OwnedFd>,
    ctl: Option<OwnedFd>,
    client: usize,
    start_ns: u64,
    app_id: i32,
    uid: u32,
    gid: u32,
    pname: [u8; 16],
    pkg: [u8; proto::PATH_MAX],
    /// (st_dev, st_ino) of the data dir: two live sandboxes must not share
    /// upper/work dirs (overlayfs only warns, then misbehaves).
    data_id: (u64, u64),
    /// The package's identity (dev, ino, size, mtime ns) and the loop device
    /// + 1 its guard used (0: unknown): offered to the next sandbox of the
    /// same package (see rocker_guard::shared_loop).
    pkg_id: PkgId,
    loop_nr: u32,
}

/// What makes two package fds "the same package": the same inode with the
/// same size and mtime. A replaced file (new inode, or rewritten in place)
/// is a different package, so it is never served from a stale mount.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct PkgId(pub u64, pub u64, pub u64, pub i64);

impl Box {
    const FREE: Box = Box {
        state: State::Free,
        pid: 0,
        notify: None,
        ctl: None,
        client: 0,
        start_ns: 0,
        app_id: 0,
        uid: 0,
        gid: 0,
        pname: [0; 16],
        pkg: [0; proto::PATH_MAX],
        data_id: (0, 0),
        pkg_id: PkgId(0, 0, 0, 0),
        loop_nr: 0,
    };
}

struct Client {
    fd: Option<OwnedFd>,
    last_ns: u64,
    /// Index of the box whose reply this client waits for.
    waiting: Option<usize>,
    /// A RUN whose data dir is still held by another box, kept until that
    /// box is reaped (or `DEFER_NS` passes: then it is really in use).
    deferred: Option<Deferred>,
}

struct Deferred {
    msg: [u8; proto::RUN_REQ_SIZE],
    pkg: OwnedFd,
    since_ns: u64,
}

impl Client {
    const FREE: Client = Client { fd: None, last_ns: 0, waiting: None, deferred: None };
    fn busy(&self) -> bool {
        self.waiting.is_some() || self.deferred.is_some()
    }
}

/// How long a RUN may wait for the previous sandbox on its data dir to be
/// reaped before it is refused with EBUSY.
const DEFER_NS: u64 = 2_000_000_000;

/// The big tables, all-zero when free: they live in `.bss` (see `StaticCell`).
struct Tables {
    clients: [Client; MAX_CLIENTS],
    boxes: [Box; MAX_BOXES],
    list: [u8; proto::LIST_REPLY_MAX_SIZE],
}
static TABLES: StaticCell<Tables> = StaticCell::new(Tables {
    clients: [const { Client::FREE }; MAX_CLIENTS],
    boxes: [const { Box::FREE }; MAX_BOXES],
    list: [0; proto::LIST_REPLY_MAX_SIZE],
});

pub struct Master {
    listen: OwnedFd,
    sig: OwnedFd,
    path: Path256,
    clients: &'static mut [Client; MAX_CLIENTS],
    boxes: &'static mut [Box; MAX_BOXES],
    list: &'static mut [u8; proto::LIST_REPLY_MAX_SIZE],
    pub log: Log,
    stop: bool,
}

/// A refusal: code, errno, step, index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refuse(pub i32, pub Errno, pub u16, pub u16);

impl Refuse {
    fn reply(self) -> RunReply {
        RunReply::failure(self.0, self.1.raw(), self.2, self.3)
    }
}

fn c(s: &[u8]) -> Path256 {
    Path256::new(s).unwrap_or(Path256::empty())
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

/// The request checks that need the kernel (the pure ones are
/// `proto::check_run_req`): the package fd is a regular readable squashfs
/// image, the overlay dirs exist as real directories, and a non-root peer
/// asks only for its own ids and its own data dir.
pub fn check_with_kernel(req: &RunReq, pkg: Fd, peer: Ucred) -> core::result::Result<((u64, u64), PkgId), Refuse> {
    // Entering the sandbox needs setns() into mount and PID namespaces owned
    // by the initial user namespace (CAP_SYS_ADMIN there): only root can,
    // so a sandbox for anyone else would be built for nothing.
    if peer.uid != 0 {
        return Err(Refuse(err::PERMISSION_DENIED, Errno::EPERM, step::PEER_CRED, 0));
    }
    let st = fstat(pkg).map_err(|e| Refuse(err::PKG_NOT_SQUASHFS, e, step::PKG_CHECK, 0))?;
    if st.stx_mode as u32 & g::S_IFMT != g::S_IFREG {
        return Err(Refuse(err::PKG_NOT_SQUASHFS, Errno::EINVAL, step::PKG_CHECK, 0));
    }
    let pkg_id = PkgId(
        (st.stx_dev_major as u64) << 32 | st.stx_dev_minor as u64,
        st.stx_ino,
        st.stx_size,
        st.stx_mtime.tv_sec.wrapping_mul(1_000_000_000).wrapping_add(st.stx_mtime.tv_nsec as i64),
    );
    let mut sb = [0u8; 96];
    let n = pread(pkg, &mut sb, 0).map_err(|e| Refuse(err::PKG_NOT_SQUASHFS, e, step::PKG_CHECK, 0))?;
    check_squashfs(sb.get(..n).unwrap_or(&[])).map_err(|e| Refuse(err::PKG_NOT_SQUASHFS, e, step::PKG_CHECK, 0))?;
    for (i, o) in req.overlays().iter().enumerate() {
        let st = statx(AT_FDCWD, (&c(o)).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_TYPE)
            .map_err(|e| Refuse(err::OVERLAY_INVALID, e, step::VALIDATE, i as u16))?;
        if st.stx_mode as u32 & g::S_IFMT != g::S_IFDIR {
            return Err(Refuse(err::OVERLAY_INVALID, Errno::ENOTDIR, step::VALIDATE, i as u16));
        }
    }
    let st = statx(AT_FDCWD, (&c(req.data_dir)).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_UID | g::STATX_TYPE | g::STATX_INO)
        .map_err(|e| Refuse(err::DATA_DIR_INVALID, e, step::OPEN_DATA_DIR, 0))?;
    if st.stx_mode as u32 & g::S_IFMT != g::S_IFDIR {
        let e = if st.stx_mode as u32 & g::S_IFMT == g::S_IFLNK { Errno::ELOOP } else { Errno::ENOTDIR };
        return Err(Refuse(err::DATA_DIR_INVALID, e, step::OPEN_DATA_DIR, 0));
    }
    if peer.uid != 0 && st.stx_uid != peer.uid {
        return Err(Refuse(err::PERMISSION_DENIED, Errno::EACCES, step::PEER_CRED, 0));
    }
    Ok((((st.stx_dev_major as u64) << 32 | st.stx_dev_minor as u64, st.stx_ino), pkg_id))
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

fn cstr_of(b: &[u8]) -> &[u8] {
    let n = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    &b[..n]
}

/// Writes `uid uid 1` style maps for `pid` (setgroups first).
pub fn write_id_maps(pid: i32, uid: u32, gid: u32) -> core::result::Result<(), Refuse> {
    let files: [(&[u8], u32, u16); 3] = [(b"/setgroups", u32::MAX, step::SETGROUPS), (b"/gid_map", gid, step::GID_MAP), (b"/uid_map", uid, step::UID_MAP)];
    for (name, id, st) in files {
        let mut p = Path256::new(b"/proc/").map_err(|e| Refuse(err::ID_MAP_FAILED, e, st, 0))?;
        let _ = p.push_num(pid as u64);
        let _ = p.push(name);
        let mut line = Buf::<48>::new();
        if id == u32::MAX {
            line.push_str(b"deny");
        } else {
            line.push_u64(id as u64).push_byte(b' ').push_u64(id as u64).push_str(b" 1\n");
        }
        let f = openat(AT_FDCWD, (&p).into(), g::O_WRONLY | g::O_CLOEXEC, 0).map_err(|e| Refuse(err::ID_MAP_FAILED, e, st, 0))?;
        write(f.raw(), line.as_bytes()).map_err(|e| Refuse(err::ID_MAP_FAILED, e, st, 0))?;
    }
    Ok(())
}

fn open_ns(pid: i32, ns: &[u8]) -> Result<OwnedFd> {
    let mut p = Path256::new(b"/proc/")?;
    p.push_num(pid as u64)?;
    p.push(b"/ns/")?;
    p.push(ns)?;
    openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0)
}

impl Master {
    /// Binds and listens on `path`. A stale socket file (nobody answers) is
    /// replaced; a live one means another master runs: EADDRINUSE.
    pub fn new(path: &[u8], log: Log) -> Result<Master> {
        let path = Path256::new(path)?;
        let addr = SockAddrUn::new(path.as_bytes())?;
        let ty = net::SOCK_SEQPACKET | SOCK_CLOEXEC;
        {
            let probe = socket(net::AF_UNIX, ty, 0)?;
            match connect(probe.raw(), &addr) {
                Ok(()) => return Err(Errno::EADDRINUSE),
                Err(Errno::ECONNREFUSED) => {
                    let st = statx(AT_FDCWD, (&path).into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_TYPE)?;
                    if st.stx_mode as u32 & g::S_IFMT != g::S_IFSOCK {
                        return Err(Errno::EEXIST);
                    }
                    unlinkat(AT_FDCWD, (&path).into(), 0)?;
                }
                Err(_) => {}
            }
        }
        let sigs = SigSet::empty().add(g::SIGCHLD).add(g::SIGTERM).add(g::SIGINT).add(g::SIGHUP);
        rt_sigprocmask(SIG_BLOCK, &sigs)?;
        rt_sigaction(g::SIGPIPE, SigAction::Ignore, 0)?;
        let sig = signalfd(&sigs, g::O_CLOEXEC | g::O_NONBLOCK)?;
        let listen_fd = socket(net::AF_UNIX, ty | SOCK_NONBLOCK, 0)?;
        bind(listen_fd.raw(), &addr)?;
        // Anyone may connect; what a peer may ask is decided by SO_PEERCRED.
        fchmodat(AT_FDCWD, (&path).into(), 0o666)?;
        listen(listen_fd.raw(), 64)?;
        let t = TABLES.take().ok_or(Errno::EBUSY)?;
        Ok(Master { listen: listen_fd, sig, path, clients: &mut t.clients, boxes: &mut t.boxes, list: &mut t.list, log, stop: false })
    }

    /// Serves until SIGTERM/SIGINT; then kills and reaps every guard and
    /// removes the socket.
    pub fn serve(&mut self) -> i32 {
        let mut b = Buf::<320>::new();
        b.push_str(b"listening on ").push_str(self.path.as_bytes());
        self.log.line(b.as_bytes());
        while !self.stop {
            self.turn();
        }
        self.shutdown();
        0
    }

    fn turn(&mut self) {
        const N: usize = 2 + MAX_CLIENTS + MAX_BOXES;
        let mut fds = [PollFd { fd: -1, events: 0, revents: 0 }; N];
        fds[0] = PollFd { fd: self.listen.raw(), events: POLLIN, revents: 0 };
        fds[1] = PollFd { fd: self.sig.raw(), events: POLLIN, revents: 0 };
        for (i, cl) in self.clients.iter().enumerate() {
            if let Some(fd) = &cl.fd {
                // While a reply is pending we only watch for hang-ups.
                fds[2 + i] = PollFd { fd: fd.raw(), events: if cl.busy() { 0 } else { POLLIN }, revents: 0 };
            }
        }
        for (i, bx) in self.boxes.iter().enumerate() {
            if let Some(fd) = &bx.notify {
                fds[2 + MAX_CLIENTS + i] = PollFd { fd: fd.raw(), events: POLLIN, revents: 0 };
            }
        }
        let deferred = self.clients.iter().any(|c| c.deferred.is_some());
        let tick = Timespec::from_ms(if deferred { 20 } else { 1000 });
        if ppoll(&mut fds, Some(&tick), None).is_err() {
            return;
        }
        if fds[1].revents != 0 {
            self.on_signals();
        }
        for i in 0..MAX_BOXES {
            if fds[2 + MAX_CLIENTS + i].revents != 0 {
                self.on_guard_report(i);
            }
        }
        for i in 0..MAX_CLIENTS {
            let r = fds[2 + i].revents;
            if r != 0 && self.clients[i].fd.is_some() {
                self.on_client(i, r);
            }
        }
        if fds[0].revents != 0 {
            self.on_accept();
        }
        self.retry_deferred();
        self.expire();
    }

    fn on_accept(&mut self) {
        // Drain the backlog; a full table closes the newcomer at once.
        while let Ok(fd) = accept4(self.listen.raw(), SOCK_CLOEXEC | SOCK_NONBLOCK) {
            match self.clients.iter().position(|c| c.fd.is_none()) {
                Some(i) => self.clients[i] = Client { fd: Some(fd), last_ns: monotonic_ns(), waiting: None, deferred: None },
                None => {
                    // Tell the newcomer why, without waiting for its request.
                    let peer = peer_cred(fd.raw()).map(|p| p.pid).unwrap_or(0);
                    let r = Refuse(err::BUSY, Errno::EMFILE, step::NONE, 0);
                    self.log.refuse(peer, r);
                    let mut out = [0u8; proto::RUN_REPLY_SIZE];
                    r.reply().encode(&mut out);
                    let _ = sendmsg(fd.raw(), &out, &[], net::MSG_NOSIGNAL | net::MSG_DONTWAIT);
                }
            }
        }
    }

    fn drop_client(&mut self, i: usize) {
        if let Some(b) = self.clients[i].waiting.take() {
            // Nobody will take this sandbox: end it.
            self.kill_box(b);
        }
        self.clients[i] = Client::FREE;
    }

    fn kill_box(&mut self, b: usize) {
        let bx = &mut self.boxes[b];
        if bx.state != State::Free && bx.pid > 0 {
            let _ = kill(bx.pid, g::SIGKILL);
            bx.state = State::Dying;
            bx.notify = None;
            bx.ctl = None;
            bx.client = usize::MAX;
        }
    }

    fn send(&mut self, i: usize, msg: &[u8], fds: &[Fd]) -> bool {
        let Some(fd) = &self.clients[i].fd else { return false };
        match sendmsg(fd.raw(), msg, fds, net::MSG_NOSIGNAL | net::MSG_DONTWAIT) {
            Ok(_) => true,
            Err(_) => {
                self.drop_client(i);
                false
            }
        }
    }

    fn reply_fail(&mut self, i: usize, peer: i32, r: Refuse) {
        self.log.refuse(peer, r);
        let mut out = [0u8; proto::RUN_REPLY_SIZE];
        r.reply().encode(&mut out);
        self.send(i, &out, &[]);
    }

    fn on_client(&mut self, i: usize, revents: i16) {
        let Some(fd) = self.clients[i].fd.as_ref().map(|f| f.raw()) else { return };
        if revents & POLLIN == 0 {
            // Hang-up or error without data.
            self.drop_client(i);
            return;
        }
        let mut buf = [0u8; RECV_MAX];
        let (n, mut fds, flags) = match recvmsg(fd, &mut buf, net::MSG_CMSG_CLOEXEC | net::MSG_DONTWAIT) {
            Ok(r) => r,
            Err(Errno::EAGAIN | Errno::EINTR) => return,
            Err(_) => {
                self.drop_client(i);
                return;
            }
        };
        if n == 0 {
            self.drop_client(i);
            return;
        }
        self.clients[i].last_ns = monotonic_ns();
        let peer = peer_cred(fd).unwrap_or(Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX });
        let msg = buf.get(..n).unwrap_or(&[]);
        if flags & net::MSG_TRUNC != 0 || fds.truncated {
            return self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EMSGSIZE, step::VALIDATE, 0));
        }
        match proto::decode_request(msg) {
            Err(rej) => self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EINVAL, step::VALIDATE, rej.code() as u16)),
            Ok(Request::List) => {
                if !fds.is_empty() {
                    return self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EBADF, step::VALIDATE, 0));
                }
                self.reply_list(i);
            }
            Ok(Request::Run(_)) => {
                let Some(pkg) = fds.take(0) else {
                    return self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EBADF, step::VALIDATE, 0));
                };
                if fds.len() != 1 {
                    return self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EBADF, step::VALIDATE, 0));
                }
                let mut copy = [0u8; proto::RUN_REQ_SIZE];
                if let Some(src) = msg.get(..proto::RUN_REQ_SIZE) {
                    copy.copy_from_slice(src);
                }
                self.run(i, &copy, pkg, peer, None);
            }
        }
    }

    /// A decoded-once RUN: checks, then clone a guard, or defer while the
    /// data dir is still held by a box that is about to be reaped.
    fn run(&mut self, i: usize, msg: &[u8; proto::RUN_REQ_SIZE], pkg: OwnedFd, peer: Ucred, since: Option<u64>) {
        let Ok(req) = proto::decode_run_req(msg) else {
            return self.reply_fail(i, peer.pid, Refuse(err::BAD_MESSAGE, Errno::EINVAL, step::VALIDATE, 0));
        };
        if let Err(inv) = proto::check_run_req(&req) {
            let e = if inv.code == err::PATH_TOO_LONG { Errno::ENAMETOOLONG } else { Errno::EINVAL };
            return self.reply_fail(i, peer.pid, Refuse(inv.code, e, step::VALIDATE, inv.index));
        }
        let (data_id, pkg_id) = match check_with_kernel(&req, pkg.raw(), peer) {
            Ok(ids) => ids,
            Err(r) => return self.reply_fail(i, peer.pid, r),
        };
        let now = monotonic_ns();
        let since = since.unwrap_or(now);
        let in_time = now.saturating_sub(since) < DEFER_NS;
        let dir_held = self.boxes.iter().any(|b| b.state != State::Free && b.data_id == data_id);
        // The same package still being set up elsewhere: wait for its report,
        // then share its loop device and superblock instead of attaching another.
        let pkg_starting = self.boxes.iter().any(|b| b.state == State::Starting && b.pkg_id == pkg_id);
        if (dir_held || pkg_starting) && in_time {
            self.clients[i].deferred = Some(Deferred { msg: *msg, pkg, since_ns: since });
            return;
        }
        if dir_held {
            return self.reply_fail(i, peer.pid, Refuse(err::DATA_DIR_INVALID, Errno::EBUSY, step::OPEN_DATA_DIR, 0));
        }
        if let Err(r) = self.start(i, &req, pkg, data_id, pkg_id) {
            self.reply_fail(i, peer.pid, r);
        }
    }

    /// Deferred RUNs go again once their data dir is free (or time is up).
    fn retry_deferred(&mut self) {
        for i in 0..MAX_CLIENTS {
            // Look before taking: take() writes every slot, which would make
            // the whole (1.8 KiB per slot) table resident, in every guard too.
            if self.clients[i].deferred.is_none() {
                continue;
            }
            let Some(d) = self.clients[i].deferred.take() else { continue };
            let Some(fd) = self.clients[i].fd.as_ref().map(|f| f.raw()) else { continue };
            let peer = peer_cred(fd).unwrap_or(Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX });
            self.run(i, &d.msg, d.pkg, peer, Some(d.since_ns));
        }
    }

    fn reply_list(&mut self, i: usize) {
        let now = monotonic_ns();
        let entries = self.boxes.iter().filter(|b| b.state == State::Running).map(|b| proto::ListEntry {
            guard_pid: b.pid,
            app_id: b.app_id,
            start_ns: b.start_ns,
            guard_pname: b.pname,
            pkg: b.pkg,
            uptime_ns: now.saturating_sub(b.start_ns),
        });
        if let Ok(n) = proto::encode_list_reply(entries, &mut self.list[..]) {
            let Some(fd) = self.clients[i].fd.as_ref().map(|f| f.raw()) else { return };
            if sendmsg(fd, self.list.get(..n).unwrap_or(&[]), &[], net::MSG_NOSIGNAL | net::MSG_DONTWAIT).is_err() {
                self.drop_client(i);
            }
        }
    }

    /// Clones the guard into new mount + PID namespaces.
    fn start(&mut self, i: usize, req: &RunReq, pkg: OwnedFd, data_id: (u64, u64), pkg_id: PkgId) -> core::result::Result<(), Refuse> {
        let b = self.boxes.iter().position(|b| b.state == State::Free).ok_or(Refuse(err::BUSY, Errno::EAGAIN, step::CLONE_GUARD, 0))?;
        let mut pname;
        loop {
            let mut r = [0u8; 6];
            getrandom(&mut r, 0).map_err(|e| Refuse(err::SYS, e, step::CLONE_GUARD, 0))?;
            pname = make_pname(r);
            if !self.boxes.iter().any(|x| x.state != State::Free && x.pname == pname) {
                break;
            }
        }
        let sp = |e| Refuse(err::SYS, e, step::CLONE_GUARD, 0);
        let ty = net::SOCK_SEQPACKET | SOCK_CLOEXEC;
        let (notify_m, notify_g) = socketpair(net::AF_UNIX, ty).map_err(sp)?;
        let (ctl_g, ctl_c) = socketpair(net::AF_UNIX, ty).map_err(sp)?;
        let loop_hint = self
            .boxes
            .iter()
            .find(|x| x.state == State::Running && x.pkg_id == pkg_id && x.loop_nr != 0)
            .map(|x| x.loop_nr - 1);
        let flags = CloneFlags::new(NsFlags::NEWNS | NsFlags::NEWPID, g::SIGCHLD);
        match clone(flags, None).map_err(|e| Refuse(err::BUILD_ROCKER_FAILED, e, step::CLONE_GUARD, 0))? {
            Fork::Child => rocker_guard::run(rocker_guard::Spec {
                req,
                pname: cstr_of(&pname),
                pkg: pkg.into_raw(),
                notify: notify_g.into_raw(),
                ctl: ctl_g.into_raw(),
                loop_hint,
            }),
            Fork::Parent(pid) => {
                let mut pkgp = [0u8; proto::PATH_MAX];
                for (d, &s) in pkgp.iter_mut().zip(req.pkg) {
                    *d = s;
                }
                self.boxes[b] = Box {
                    state: State::Starting,
                    pid,
                    notify: Some(notify_m),
                    ctl: Some(ctl_c),
                    client: i,
                    start_ns: monotonic_ns(),
                    app_id: req.app_id,
                    uid: req.uid,
                    gid: req.gid,
                    pname,
                    pkg: pkgp,
                    data_id,
                    pkg_id,
                    loop_nr: 0,
                };
                self.clients[i].waiting = Some(b);
                Ok(())
            }
        }
    }

    /// The guard reported: on success write the id maps and hand the client
    /// the entrance (mnt, pid, user ns fds and `ctl`).
    fn on_guard_report(&mut self, b: usize) {
        let Some(fd) = self.boxes[b].notify.as_ref().map(|f| f.raw()) else { return };
        let mut buf = [0u8; 128];
        let rep = match read(fd, &mut buf) {
            Err(Errno::EAGAIN | Errno::EINTR) => return,
            Ok(n) => RunReply::decode(buf.get(..n).unwrap_or(&[])).ok(),
            Err(_) => None,
        };
        self.boxes[b].notify = None;
        let client = self.boxes[b].client;
        let pid = self.boxes[b].pid;
        let r = match rep {
            Some(r) if r.err == err::SUCCESS => {
                self.boxes[b].loop_nr = r.index as u32;
                self.entrance(b)
            }
            Some(r) => Err(Refuse(r.err, Errno(r.sys_errno as u16), r.step, r.index)),
            None => Err(Refuse(err::BUILD_ROCKER_FAILED, Errno::EPIPE, step::NONE, 0)),
        };
        if let Err(r) = r {
            self.kill_box(b);
            if client < MAX_CLIENTS && self.clients[client].waiting == Some(b) {
                self.clients[client].waiting = None;
                self.reply_fail(client, -pid, r);
            } else {
                self.log.refuse(-pid, r);
            }
        }
    }

    fn entrance(&mut self, b: usize) -> core::result::Result<(), Refuse> {
        let (pid, uid, gid, client) = (self.boxes[b].pid, self.boxes[b].uid, self.boxes[b].gid, self.boxes[b].client);
        write_id_maps(pid, uid, gid)?;
        let ns = |n: &[u8]| open_ns(pid, n).map_err(|e| Refuse(err::SYS, e, step::OPEN_NS, 0));
        let (mnt, pidns, user) = (ns(b"mnt")?, ns(b"pid")?, ns(b"user")?);
        let ctl = self.boxes[b].ctl.take().ok_or(Refuse(err::SYS, Errno::EBADF, step::OPEN_NS, 0))?;
        let rep = RunReply {
            err: 0,
            sys_errno: 0,
            step: 0,
            index: 0,
            guard_pid: pid,
            guard_pname: self.boxes[b].pname,
            n_fds: proto::RUN_REPLY_FDS,
        };
        let mut out = [0u8; proto::RUN_REPLY_SIZE];
        rep.encode(&mut out);
        if client >= MAX_CLIENTS || self.clients[client].waiting != Some(b) {
            return Err(Refuse(err::SEND_REQ_FAILED, Errno::ENOTCONN, step::REPLY, 0));
        }
        self.clients[client].waiting = None;
        if !self.send(client, &out, &[mnt.raw(), pidns.raw(), user.raw(), ctl.raw()]) {
            return Err(Refuse(err::SEND_REQ_FAILED, Errno::EPIPE, step::REPLY, 0));
        }
        self.boxes[b].state = State::Running;
        self.boxes[b].client = usize::MAX;
        let bx = &self.boxes[b];
        let mut l = Buf::<400>::new();
        l.push_str(b"start guard=").push_i64(pid as i64).push_str(b" name=").push_str(cstr_of(&bx.pname));
        l.push_str(b" app_id=").push_i64(bx.app_id as i64).push_str(b" uid=").push_u64(uid as u64).push_str(b" gid=").push_u64(gid as u64);
        l.push_str(b" pkg=").push_str(cstr_of(&bx.pkg));
        self.log.line(l.as_bytes());
        Ok(())
    }

    fn on_signals(&mut self) {
        while let Ok((sig, _)) = signalfd_read(self.sig.raw()) {
            if sig == g::SIGTERM || sig == g::SIGINT {
                self.stop = true;
            }
        }
        self.reap();
    }

    fn reap(&mut self) {
        loop {
            let (pid, st) = match wait4(-1, WNOHANG) {
                Ok((0, _)) | Err(_) => return,
                Ok(r) => r,
            };
            self.reaped(pid, st);
        }
    }

    /// One reaped child: log it, answer a client still waiting for it, free its box.
    fn reaped(&mut self, pid: i32, st: WaitStatus) {
        let Some(b) = self.boxes.iter().position(|x| x.state != State::Free && x.pid == pid) else { return };
        let mut l = Buf::<160>::new();
        l.push_str(b"exit guard=").push_i64(pid as i64).push_str(b" name=").push_str(cstr_of(&self.boxes[b].pname));
        match st {
            WaitStatus::Exited(c) => l.push_str(b" status=").push_i64(c as i64),
            WaitStatus::Signaled(s) => l.push_str(b" signal=").push_i64(s as i64),
            WaitStatus::Other(s) => l.push_str(b" raw=").push_i64(s as i64),
        };
        self.log.line(l.as_bytes());
        let client = self.boxes[b].client;
        if self.boxes[b].state == State::Starting && client < MAX_CLIENTS && self.clients[client].waiting == Some(b) {
            self.clients[client].waiting = None;
            self.reply_fail(client, -pid, Refuse(err::BUILD_ROCKER_FAILED, Errno::ECHILD, step::NONE, 0));
        }
        self.boxes[b] = Box::FREE;
    }

    /// Closes idle connections and kills guards stuck in setup.
    fn expire(&mut self) {
        let now = monotonic_ns();
        for i in 0..MAX_CLIENTS {
            let cl = &self.clients[i];
            if cl.fd.is_some() && !cl.busy() && now.saturating_sub(cl.last_ns) > IDLE_NS {
                self.drop_client(i);
            }
        }
        for b in 0..MAX_BOXES {
            if self.boxes[b].state == State::Starting && now.saturating_sub(self.boxes[b].start_ns) > SETUP_NS {
                let client = self.boxes[b].client;
                let pid = self.boxes[b].pid;
                self.kill_box(b);
                if client < MAX_CLIENTS && self.clients[client].waiting == Some(b) {
                    self.clients[client].waiting = None;
                    self.reply_fail(client, pid, Refuse(err::BUILD_ROCKER_FAILED, Errno::ETIMEDOUT, step::GUARD_TIMEOUT, 0));
                }
            }
        }
    }

    fn shutdown(&mut self) {
        let _ = unlinkat(AT_FDCWD, (&self.path).into(), 0);
        for i in 0..MAX_CLIENTS {
            self.clients[i] = Client::FREE;
        }
        for b in 0..MAX_BOXES {
            self.kill_box(b);
        }
        while self.boxes.iter().any(|b| b.state != State::Free) {
            match wait4(-1, 0) {
                Ok((pid, st)) => self.reaped(pid, st),
                Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        self.log.line(b"stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn squashfs_magic() {
        let mut sb = [0u8; 96];
        sb[..4].copy_from_slice(b"hsqs");
        sb[28] = 4;
        assert_eq!(check_squashfs(&sb), Ok(()));
        sb[28] = 3;
        assert_eq!(check_squashfs(&sb), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(check_squashfs(b"hsq"), Err(Errno::EINVAL));
        assert_eq!(check_squashfs(&[0u8; 96]), Err(Errno::EINVAL));
    }
    #[test]
    fn pname() {
        let n = make_pname([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23]);
        assert_eq!(&n[..15], b"rg-deadbeef0123");
        assert_eq!(n[15], 0);
    }
}
