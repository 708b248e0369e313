//! rocker-master: the daemon. One thread, one `ppoll` loop, fixed tables.
//!
//! Per event it does a bounded amount of non-blocking work: accept a client
//! (dropping at once a peer that may not talk to it), read its one request,
//! admit it (or defer it while its data dir is still held), clone a guard,
//! forward a guard's report (writing the id maps first), reap a guard, and
//! keep a record of every running sandbox in its state dir, which a master
//! restarted after a crash adopts. Each sandbox has a cgroup of its own
//! (when the host has cgroups), made before its guard and removed once the
//! guard is reaped, whatever happened. Every system call goes through
//! [`Host`]: the state machine here is tested on the host against a fake.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod host;
pub mod log;
pub mod state;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;

use heapless::Vec;
use host::{Addr4, Host, Msg, Port, Top};
use rocker_cgroup::{Join, UNKNOWN};
use rocker_proto::{
    self as proto, decode_guard_msg, encode_run_reply, err, extend_run_req_into, step, Buf, GuardMsg, GuardReport, Op, Request,
    RunReply, RunReq, LOOP_NONE, MAX_REPLY_FDS, RUN_REQ_SIZE,
};
use rocker_spec::recipe::{entrance, Entrance, FdRole, BLOB_CAP};
use rocker_spec::{Client as ClientKind, Fail, Net, SandboxSpec};
use state::Record;
use syscalls::sys::general as g;
use syscalls::{Errno, Fd, InBss, OwnedFd, Slot, Slots, Ucred, WaitStatus};

/// The socket path when none is given.
pub const DEFAULT_SOCKET: &[u8] = b"/var/run/rocker.sock";
/// Connection slots.
pub const MAX_CLIENTS: usize = 32;
/// Connections one uid other than root may hold at once.
pub const PER_UID: usize = 8;
/// Connections all non-root peers together may hold (the rest is root's).
pub const NON_ROOT_MAX: usize = 24;
/// Sandboxes.
pub const MAX_BOXES: usize = proto::MAX_SANDBOXES;
/// A connection that has not sent its request after this is closed.
pub const IDLE_NS: u64 = 2_000_000_000;
/// A guard that has not reported after this is killed.
pub const SETUP_NS: u64 = 30_000_000_000;
/// How long a RUN may wait for the previous sandbox on its data dir to be
/// reaped (or for the same package's setup) before it is refused.
pub const DEFER_NS: u64 = 2_000_000_000;
/// The largest request accepted (a longer datagram is refused with E2BIG).
pub const RECV_MAX: usize = 8192;
/// Most RUN requests waiting at once for a data dir or a package.
pub const DEFER_MAX: usize = 4;
/// The largest reply built (a client's `reply_max` above it is capped).
pub const REPLY_MAX: usize = 8192;

/// How the master was started.
#[derive(Clone, Copy, Debug, Default)]
pub struct Config {
    /// Members of this group may talk to the master too (`--group`).
    pub group: Option<u32>,
    /// Accept the `test_stall` hook (`--test-hooks`).
    pub test_hooks: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Free,
    /// Cloned, building the sandbox; a client waits for the reply.
    Starting,
    /// Reply sent: the sandbox runs.
    Running,
    /// Setup failed or its client left: killed, waiting to be reaped.
    Dying,
    /// Found running by this master at its start (a previous master's):
    /// not our child; its pidfd tells when it is gone.
    Adopted,
}

struct Sandbox {
    state: State,
    rec: Record,
    notify: Option<OwnedFd>,
    ctl: Option<OwnedFd>,
    pidfd: Option<OwnedFd>,
    /// The client waiting for this sandbox's reply.
    client: Option<usize>,
    /// A pre-5.8 loop device claimed by the guard (see `GuardMsg`).
    loop_claim: Option<u32>,
    /// The default gateway of a bridge network.
    gateway: [u8; 4],
    /// The fds that join its cgroup, until the App's client has them.
    join: Join,
    /// cgroup v2: its `memory.events`, polled while it runs (OOM kills).
    events: Option<OwnedFd>,
    /// OOM kills logged so far.
    ooms: u64,
}

impl Sandbox {
    const FREE: Sandbox = Sandbox {
        state: State::Free,
        rec: Record::ZERO,
        notify: None,
        ctl: None,
        pidfd: None,
        client: None,
        loop_claim: None,
        gateway: [0; 4],
        join: Join::EMPTY,
        events: None,
        ooms: 0,
    };
    fn live(&self) -> bool {
        self.state != State::Free
    }
}

impl Slot for Sandbox {
    const FREE: Sandbox = Sandbox::FREE;
    fn free() -> &'static Sandbox {
        static F: InBss<Sandbox> = InBss::new(Sandbox::FREE);
        F.get()
    }
    fn is_free(&self) -> bool {
        !self.live()
    }
}

struct Deferred {
    /// Its body is `Tables::bodies[slot]`.
    slot: usize,
    pkg: OwnedFd,
    since_ns: u64,
}

struct Client {
    fd: Option<OwnedFd>,
    peer: Ucred,
    accepted_ns: u64,
    /// The sandbox whose reply this client waits for.
    waiting: Option<usize>,
    /// A RUN waiting for its data dir (or its package's setup).
    deferred: Option<Deferred>,
    /// The entrance decided for the RUN being served.
    entrance: Entrance,
    /// The client's `reply_max` (0: a v1 client).
    reply_max: u32,
}

impl Client {
    const FREE: Client = Client {
        fd: None,
        peer: Ucred { pid: 0, uid: 0, gid: 0 },
        accepted_ns: 0,
        waiting: None,
        deferred: None,
        entrance: Entrance::EMPTY,
        reply_max: 0,
    };
    fn busy(&self) -> bool {
        self.waiting.is_some() || self.deferred.is_some()
    }
}

/// The big tables, all-zero when free: in the daemon they live in `.bss`
/// (see `syscalls::StaticCell`) and cost no flash.
pub struct Tables {
    clients: [Client; MAX_CLIENTS],
    /// Sandboxes; free slots hold nothing, so `trim` can give their pages
    /// back after a burst of sandboxes has ended.
    boxes: Slots<Sandbox, MAX_BOXES>,
    list: [u8; proto::LIST_REPLY_MAX_SIZE],
    /// Bodies of deferred RUNs, apart from the client table so that a
    /// client slot stays small (and a free one untouched).
    bodies: [[u8; RUN_REQ_SIZE]; DEFER_MAX],
    /// Each client's recipe blob (its seccomp program), from admission to
    /// the reply; apart for the same reason.
    blobs: [[u8; BLOB_CAP]; MAX_CLIENTS],
    /// The request being read, then the reply being built: one buffer in
    /// `.bss` (given back after a burst, see `Master::trim`), not 8 KiB of
    /// stack under every request's call chain.
    rx: [u8; RECV_MAX],
}

const _: () = assert!(REPLY_MAX <= RECV_MAX);

impl Tables {
    /// Empty tables.
    pub const fn new() -> Tables {
        Tables {
            clients: [const { Client::FREE }; MAX_CLIENTS],
            boxes: Slots::new(),
            list: [0; proto::LIST_REPLY_MAX_SIZE],
            bodies: [[0; RUN_REQ_SIZE]; DEFER_MAX],
            blobs: [[0; BLOB_CAP]; MAX_CLIENTS],
            rx: [0; RECV_MAX],
        }
    }
}

/// The master's tables as a forked guard sees them: it reads none of
/// them (its request was copied to the stack, which the borrow checker
/// proves the spec points into, not here).
pub struct Dead<'a>(&'a mut Tables);

impl Dead<'_> {
    /// In the forked guard: gives back its copy of the buffers and of the
    /// sandbox table (their values are forgotten: they are the master's).
    pub fn give_back(self) {
        use syscalls::mem::discard;
        let t = self.0;
        discard(&mut t.rx);
        discard(&mut t.list);
        discard(t.bodies.as_flattened_mut());
        discard(t.blobs.as_flattened_mut());
        t.boxes.forget_all();
    }
}

impl Default for Tables {
    fn default() -> Self {
        Self::new()
    }
}

/// The daemon's state machine over a [`Host`].
pub struct Master<'t, H: Host> {
    /// The system (public for the binary's poll loop).
    pub host: H,
    t: &'t mut Tables,
    cfg: Config,
    /// Set by SIGTERM/SIGINT.
    pub stop: bool,
    /// Bridges this master created (removed when it stops).
    bridges: Vec<[u8; proto::IFNAME_LEN], 4>,
}

fn c(s: &[u8]) -> &[u8] {
    proto::cstr(s)
}

impl<'t, H: Host> Master<'t, H> {
    /// A master over `host` with empty `tables`.
    pub fn new(host: H, tables: &'t mut Tables, cfg: Config) -> Self {
        Master { host, t: tables, cfg, stop: false, bridges: Vec::new() }
    }

    // ------------------------------------------------------------ queries

    /// fd of client slot `i` (for the poll loop), and whether a request is
    /// still expected from it.
    pub fn client_fd(&self, i: usize) -> Option<(Fd, bool)> {
        let cl = self.t.clients.get(i)?;
        cl.fd.as_ref().map(|f| (f.raw(), !cl.busy()))
    }
    /// The fd to watch for sandbox `b`, and for what (`POLLIN` or
    /// `POLLPRI`): its guard's report socket while starting, its pidfd when
    /// adopted, its `memory.events` while running (cgroup v2).
    pub fn box_fd(&self, b: usize) -> Option<(Fd, i16)> {
        let bx = self.t.boxes.get(b)?;
        let (fd, ev) = match (&bx.notify, &bx.pidfd, &bx.events) {
            (Some(f), _, _) | (None, Some(f), _) => (f, syscalls::POLLIN),
            (None, None, Some(f)) => (f, g::POLLPRI as i16),
            _ => return None,
        };
        Some((fd.raw(), ev)).filter(|&(f, _)| f >= 0)
    }
    /// Whether a deferred request is waiting (the loop ticks faster then).
    pub fn has_deferred(&self) -> bool {
        self.t.clients.iter().any(|c| c.deferred.is_some())
    }
    /// Live sandboxes.
    pub fn live(&self) -> usize {
        self.t.boxes.iter().filter(|b| b.live()).count()
    }

    fn line(&mut self, f: impl FnOnce(&mut Buf<400>)) {
        let mut b = Buf::<400>::new();
        f(&mut b);
        self.host.log(b.as_bytes());
    }

    // ------------------------------------------------------------ clients

    /// Accepts every pending connection. A peer that may not talk to the
    /// master is dropped at once, before it holds a slot; so is a peer over
    /// its uid's share, and anyone when the table is full.
    #[inline(never)]
    pub fn on_accept(&mut self) {
        while let Some((fd, peer)) = self.host.accept() {
            let allowed = peer.uid == 0 || self.cfg.group.is_some_and(|g| self.host.in_group(&peer, g));
            if !allowed {
                self.line(|b| {
                    b.push_str(b"drop peer=").push_i64(i64::from(peer.pid)).push_str(b" uid=").push_u64(u64::from(peer.uid)).push_str(b": not allowed");
                });
                continue;
            }
            let same = self.t.clients.iter().filter(|c| c.fd.is_some() && c.peer.uid == peer.uid).count();
            let non_root = self.t.clients.iter().filter(|c| c.fd.is_some() && c.peer.uid != 0).count();
            let slot = self.t.clients.iter().position(|c| c.fd.is_none());
            // Root is held back only by the table, of which non-root peers
            // never fill more than NON_ROOT_MAX: root always has the rest.
            let over = peer.uid != 0 && (same >= PER_UID || non_root >= NON_ROOT_MAX);
            match slot {
                Some(i) if !over => {
                    let now = self.host.now();
                    self.t.clients[i] = Client { fd: Some(fd), peer, accepted_ns: now, ..Client::FREE };
                }
                _ => {
                    // Tell the newcomer why, without waiting for its request.
                    let f = Fail::new(err::BUSY, if over { Errno::EUSERS } else { Errno::EMFILE }, step::NONE);
                    self.log_refuse(peer.pid, &f);
                    let mut out = [0u8; proto::RUN_REPLY_SIZE_VER0];
                    let _ = encode_run_reply(&reply_of(&f), None, &mut out);
                    let _ = self.host.send(fd.raw(), &out, &[]);
                }
            }
        }
    }

    fn drop_client(&mut self, i: usize) {
        if let Some(b) = self.t.clients[i].waiting.take() {
            // Nobody will take this sandbox: end it.
            self.kill_box(b);
        }
        self.t.clients[i] = Client::FREE;
    }

    /// Sends a reply and closes the connection (one request per connection).
    fn reply_and_close(&mut self, i: usize, msg: &[u8], fds: &[Fd]) -> bool {
        let ok = match self.t.clients[i].fd.as_ref().map(|f| f.raw()) {
            Some(fd) => self.host.send(fd, msg, fds).is_ok(),
            None => false,
        };
        self.t.clients[i].waiting = None;
        self.drop_client(i);
        ok
    }

    fn reply_fail(&mut self, i: usize, who: i32, f: &Fail) {
        self.log_refuse(who, f);
        let mut out = [0u8; proto::RUN_REPLY_SIZE_VER0];
        let _ = encode_run_reply(&reply_of(f), None, &mut out);
        self.reply_and_close(i, &out, &[]);
    }

    fn log_refuse(&mut self, who: i32, f: &Fail) {
        let mut b = Buf::<400>::new();
        log::refuse(&mut b, who, f);
        self.host.log(b.as_bytes());
    }

    /// Client `i` is readable or hung up.
    // Not inlined (nor the other handlers of `serve`): their frames must sit
    // below the poll loop's, where `trim` gives them back, not in it.
    #[inline(never)]
    pub fn on_client(&mut self, i: usize, readable: bool) {
        let Some(fd) = self.t.clients[i].fd.as_ref().map(|f| f.raw()) else { return };
        if !readable || self.t.clients[i].busy() {
            // A hang-up (or data we do not expect while a reply is pending).
            if !readable {
                self.drop_client(i);
            }
            return;
        }
        let m: Msg = match self.host.recv(fd, &mut self.t.rx) {
            Ok(m) => m,
            Err(Errno::EAGAIN | Errno::EINTR) => return,
            Err(_) => return self.drop_client(i),
        };
        if m.len == 0 {
            return self.drop_client(i);
        }
        let peer = self.t.clients[i].peer.pid;
        if m.truncated {
            return self.reply_fail(i, peer, &Fail::new(err::BAD_MESSAGE, Errno::E2BIG, step::VALIDATE));
        }
        let msg = self.t.rx.get(..m.len).unwrap_or(&[]);
        match proto::decode_request(msg) {
            Err(rej) => {
                self.line(|b| {
                    b.push_str(b"bad message peer=").push_i64(i64::from(peer)).push_str(b": ").push_str(rej.name().as_bytes());
                });
                self.reply_fail(i, peer, &Fail::new(rej.code(), Errno(rej.errno() as u16), step::VALIDATE));
            }
            Ok(Request::List(size)) => {
                if !m.fds.is_empty() {
                    return self.reply_fail(i, peer, &Fail::new(err::BAD_MESSAGE, Errno::EBADF, step::VALIDATE));
                }
                self.reply_list(i, size);
            }
            Ok(Request::Run) => self.run_msg(i, m),
        }
    }

    /// A RUN request in `rx`: zero-extended into one copy on the stack (in
    /// this frame, apart from `on_client`'s), then run.
    #[inline(never)]
    fn run_msg(&mut self, i: usize, m: Msg) {
        let peer = self.t.clients[i].peer.pid;
        let mut body = [0u8; RUN_REQ_SIZE];
        match extend_run_req_into(self.t.rx.get(..m.len).unwrap_or(&[]), &mut body) {
            Ok(()) => {}
            Err(rej) => return self.reply_fail(i, peer, &Fail::new(rej.code(), Errno(rej.errno() as u16), step::VALIDATE)),
        };
        let mut fds = m.fds;
        if fds.len() != 1 {
            return self.reply_fail(i, peer, &Fail::new(err::BAD_MESSAGE, Errno::EBADF, step::VALIDATE));
        }
        let Some(pkg) = fds.pop() else { return };
        self.run(i, &body, pkg, None);
    }

    fn reply_list(&mut self, i: usize, size: usize) {
        let now = self.host.now();
        let host = &mut self.host;
        let entries = self.t.boxes.iter().filter(|b| matches!(b.state, State::Running | State::Adopted)).map(|b| {
            let u = host.cg_usage(b.rec.name());
            let known = |v: u64| if v == UNKNOWN { 0 } else { v };
            proto::ListEntry {
                guard_pid: b.rec.pid,
                app_id: b.rec.app_id,
                start_ns: b.rec.start_ns,
                guard_pname: b.rec.pname,
                pkg: b.rec.pkg,
                uptime_ns: now.saturating_sub(b.rec.start_ns),
                net: u32::from(b.rec.net),
                addr: b.rec.addr,
                prefix: b.rec.prefix,
                pids: u.map_or(0, |u| known(u.pids).try_into().unwrap_or(u32::MAX)),
                mem_bytes: u.map_or(0, |u| known(u.memory)),
                mem_max: b.rec.mem_max,
            }
        });
        match proto::encode_list_reply(entries, size, &mut self.t.list[..]) {
            Ok(n) => {
                let Some(fd) = self.t.clients[i].fd.as_ref().map(|f| f.raw()) else { return };
                let _ = self.host.send(fd, self.t.list.get(..n).unwrap_or(&[]), &[]);
                self.drop_client(i);
            }
            Err(_) => self.drop_client(i),
        }
    }

    /// Admits a RUN (decoded once here, from its zero-extended body): the
    /// spec, the peer's rights, the package and dirs; then clones a guard,
    /// or defers while the data dir is still held by a sandbox about to be
    /// reaped, or while the same package is being set up (to share it).
    fn run(&mut self, i: usize, body: &[u8; RUN_REQ_SIZE], pkg: OwnedFd, since: Option<u64>) {
        let peer = self.t.clients[i].peer;
        let r = match RunReq::decode(body) {
            Ok(req) => self.admit(i, body, &req, pkg, peer, since),
            Err(rej) => Err(Fail::new(rej.code(), Errno(rej.errno() as u16), step::VALIDATE)),
        };
        if let Err(f) = r {
            self.reply_fail(i, peer.pid, &f);
        }
    }

    fn admit(&mut self, i: usize, body: &[u8; RUN_REQ_SIZE], req: &RunReq, pkg: OwnedFd, peer: Ucred, since: Option<u64>) -> Result<(), Fail> {
        let mut spec = SandboxSpec::from_run(req)?;
        let paths = self.resolve_paths(&spec)?;
        let ovl = paths.overlays();
        spec.overlays = &ovl[..paths.n];
        spec.exec_dir = paths.exec.as_bytes();
        spec.data_dir = paths.data.as_bytes();
        if spec.overlays.contains(&&b"/tmp"[..]) {
            // An overlaid /tmp (named, or reached through a symlink): not
            // also a private tmpfs over it.
            spec.tmp_kb = 0;
        }
        if spec.test_stall != 0 && !self.cfg.test_hooks {
            return Err(Fail::new(err::PERMISSION_DENIED, Errno::EPERM, step::VALIDATE));
        }
        let pkg_id = self.host.check_pkg(pkg.raw())?;
        let dirs = self.host.check_dirs(&spec)?;
        // A group member (not root) uses root's power only on its own data
        // and its own bind sources, for an App of its own ids.
        let binds_ok = spec.binds.is_empty() || dirs.bind_uid == peer.uid;
        if peer.uid != 0 && (dirs.data_uid != peer.uid || spec.uid != peer.uid || spec.gid != peer.gid || !binds_ok) {
            return Err(Fail::new(err::PERMISSION_DENIED, Errno::EACCES, step::PEER_CRED));
        }
        let now = self.host.now();
        let since = since.unwrap_or(now);
        let in_time = now.saturating_sub(since) < DEFER_NS;
        let uses_dir = !spec.overlays.is_empty() || spec.root.has_layer();
        let dir_held = uses_dir && self.t.boxes.iter().any(|b| b.live() && b.rec.data_id == dirs.data_id);
        let pkg_starting = self.t.boxes.iter().any(|b| b.state == State::Starting && b.rec.pkg_id == pkg_id);
        if (dir_held || pkg_starting) && in_time {
            // A free body slot (the one this request came from, on a retry),
            // else it is answered now.
            let held = |s: usize| self.t.clients.iter().enumerate().any(|(k, c)| k != i && c.deferred.as_ref().is_some_and(|d| d.slot == s));
            if let Some(slot) = (0..DEFER_MAX).find(|&s| !held(s)) {
                if let Some(b) = self.t.bodies.get_mut(slot) {
                    *b = *body;
                }
                self.t.clients[i].deferred = Some(Deferred { slot, pkg, since_ns: since });
                return Ok(());
            }
            if dir_held {
                return Err(Fail::new(err::BUSY, Errno::EBUSY, step::VALIDATE));
            }
            // Only its package is starting and no slot is free to wait in:
            // it starts now, with a loop device of its own (sharing saves
            // one; refusing would fail a burst of starts of one package).
        }
        if dir_held {
            return Err(Fail::new(err::DATA_DIR_INVALID, Errno::EBUSY, step::OPEN_DATA_DIR));
        }
        let reply_max = match spec.client {
            ClientKind::V1 | ClientKind::Runtime => 0,
            ClientKind::Recipe(n) => n,
        };
        let b = self.t.boxes.iter().position(|b| !b.live()).ok_or(Fail::new(err::BUSY, Errno::EAGAIN, step::CLONE_GUARD))?;
        let pname = self.fresh_name()?;
        let mut rec = Record::EMPTY;
        let gateway = self.plan_net(&spec, &mut rec)?;
        let loop_hint = self
            .t
            .boxes
            .iter()
            .find(|x| matches!(x.state, State::Running | State::Adopted) && x.rec.pkg_id == pkg_id && x.rec.loop_dev != LOOP_NONE)
            .map(|x| x.rec.loop_dev);
        // Its cgroup first: the guard is cloned into it, the App's helper
        // joins it (its fds are in the recipe), and it goes when the guard is
        // reaped, or now if the start fails before there is a guard.
        let join = self.host.cg_create(c(&pname), &spec.limits)?;
        if spec.client != ClientKind::V1 {
            spec.cgroup_fds = join.procs.len() as u8;
        }
        let started = entrance(&spec, &mut self.t.blobs[i]).and_then(|ent| Ok((ent, self.host.spawn(&spec, &pname, pkg, loop_hint, &join, Dead(self.t))?)));
        let (ent, sp) = match started {
            Ok(x) => x,
            Err(f) => {
                self.cg_remove(c(&pname));
                return Err(f);
            }
        };
        rec.pid = sp.pid;
        rec.pname = pname;
        rec.start_ns = now;
        rec.app_id = spec.app_id;
        rec.uid = spec.uid;
        rec.gid = spec.gid;
        rec.data_id = if uses_dir { dirs.data_id } else { (0, 0) };
        rec.pkg_id = pkg_id;
        rec.mem_max = spec.limits.mem_max.unwrap_or(0);
        for (d, &s) in rec.pkg.iter_mut().zip(spec.pkg_path) {
            *d = s;
        }
        self.t.boxes[b] = Sandbox { state: State::Starting, rec, notify: Some(sp.notify), ctl: Some(sp.ctl), client: Some(i), join, gateway, ..Sandbox::FREE };
        let cl = &mut self.t.clients[i];
        cl.waiting = Some(b);
        cl.entrance = ent;
        cl.reply_max = reply_max;
        Ok(())
    }

    /// The sandbox's network, decided before its guard exists: for a bridge,
    /// the bridge (created with the asked gateway, or the first host
    /// address of the asked address's subnet, or 10.88.0.1/16, if missing)
    /// and the sandbox's address (the asked one if it is free in the
    /// bridge's subnet, else the lowest free one). Fills `rec`; returns the
    /// default gateway.
    fn plan_net(&mut self, spec: &SandboxSpec, rec: &mut Record) -> Result<[u8; 4], Fail> {
        let f = |e| Fail::new(err::NET_FAILED, e, step::NET);
        let (bridge, want, prefix, gateway) = match spec.net {
            Net::Host => return Ok([0; 4]),
            Net::None => {
                rec.net = proto::NET_NONE as u8;
                return Ok([0; 4]);
            }
            Net::Bridge { bridge, addr, prefix, gateway } => (bridge, addr, prefix, gateway),
        };
        let pfx = if prefix == 0 { 16 } else { prefix };
        let first = |a: [u8; 4]| Addr4 { addr: (u32::from_be_bytes(a) & Addr4 { addr: a, prefix: pfx }.mask() | 1).to_be_bytes(), prefix: pfx };
        let make = if gateway != [0; 4] {
            Addr4 { addr: gateway, prefix: pfx }
        } else if want != [0; 4] {
            first(want)
        } else {
            Addr4 { addr: [10, 88, 0, 1], prefix: 16 }
        };
        let (sub, made) = self.host.bridge(bridge, make).map_err(f)?;
        let mut name = [0u8; proto::IFNAME_LEN];
        for (d, &s) in name.iter_mut().zip(bridge) {
            *d = s;
        }
        if made {
            let _ = self.bridges.push(name);
            self.host.bridge_mark(bridge);
            self.line(|l| {
                l.push_str(b"bridge ").push_str(bridge).push_str(b" created ");
                push_addr(l, sub);
            });
        }
        let mut in_use: Vec<[u8; 4], MAX_BOXES> = Vec::new();
        for x in self.t.boxes.iter().filter(|x| x.live() && x.rec.net == proto::NET_BRIDGE as u8 && x.rec.bridge == name) {
            let _ = in_use.push(x.rec.addr);
        }
        let addr = if want == [0; 4] {
            rocker_net::next_free_v4(sub, &in_use).ok_or(f(Errno::ENOSPC))?
        } else {
            // The asked address: a host address of the subnet, not the
            // bridge's own.
            let mask = sub.mask();
            let host = u32::from_be_bytes(want) & !mask;
            if !sub.contains(want) || sub.prefix > 30 || host == 0 || host == !mask || want == sub.addr {
                return Err(f(Errno::EADDRNOTAVAIL));
            }
            if in_use.contains(&want) {
                return Err(f(Errno::EADDRINUSE));
            }
            want
        };
        rec.net = proto::NET_BRIDGE as u8;
        rec.addr = addr;
        rec.prefix = sub.prefix;
        rec.bridge = name;
        Ok(if gateway == [0; 4] { sub.addr } else { gateway })
    }

    /// The paths as the guard will use them: the seed's rule when no
    /// overlay dir was named (every visible top-level dir but /proc, /sys,
    /// /dev, /run, and /tmp when it is private), and a top-level symlink to
    /// another top-level dir (OpenWrt's /var -> /tmp) replaced by its
    /// target, in the overlays and as the first component of the exec and
    /// data dirs. Each replacement is logged.
    fn resolve_paths(&mut self, spec: &SandboxSpec) -> Result<Paths, Fail> {
        let mut p = Paths::EMPTY;
        let too_long = |_| Fail::new(err::PATH_TOO_LONG, Errno::ENAMETOOLONG, step::VALIDATE);
        // Root mode has no exec dir (and no overlays: auto_overlay is off).
        if !spec.exec_dir.is_empty() {
            p.exec = self.canon(spec.exec_dir).map_err(too_long)?;
        }
        p.data = self.canon(spec.data_dir).map_err(too_long)?;
        if spec.auto_overlay {
            const SKIP: [&[u8]; 4] = [b"proc", b"sys", b"dev", b"run"];
            let private_tmp = spec.tmp_kb > 0;
            let mut over = false;
            let mut links: Vec<[u8; 64], 4> = Vec::new();
            self.host.top_level(|name, kind| {
                if let Top::Link(t) = kind {
                    // Its target is a top-level dir of its own: say so.
                    let mut l = [0u8; 64];
                    let t = t.strip_prefix(b"/").unwrap_or(t);
                    if name.len() + t.len() < 63 && !t.contains(&b'/') {
                        l[..name.len()].copy_from_slice(name);
                        l[name.len()] = b' ';
                        l[name.len() + 1..name.len() + 1 + t.len()].copy_from_slice(t);
                        let _ = links.push(l);
                    }
                }
                if kind != Top::Dir || SKIP.contains(&name) || (private_tmp && name == b"tmp") {
                    return;
                }
                let mut full = [0u8; proto::OVERLAY_LEN];
                full[0] = b'/';
                let Some(d) = full.get_mut(1..=name.len()) else { return };
                d.copy_from_slice(name);
                let dir = &full[..=name.len()];
                // A name overlayfs options cannot carry is left alone.
                if proto::check_overlay_dir(dir).is_ok() && !p.push(dir) {
                    over = true;
                }
            });
            if over {
                return Err(Fail::new(err::UNSUPPORTED, Errno::E2BIG, step::VALIDATE));
            }
            for l in links.iter() {
                let l = c(l);
                let (name, t) = l.split_at(l.iter().position(|&b| b == b' ').unwrap_or(0));
                let mut full = [0u8; 64];
                full[0] = b'/';
                let t2 = t.get(1..).unwrap_or(&[]);
                let Some(d) = full.get_mut(1..=t2.len()) else { continue };
                d.copy_from_slice(t2);
                if !p.contains(&full[..=t2.len()]) {
                    continue;
                }
                self.line(|b| {
                    b.push_str(b"/").push_str(name).push_str(b" is a symlink to a top-level dir: using /").push_str(t.get(1..).unwrap_or(&[]));
                });
            }
            p.sort();
        } else {
            for (i, o) in spec.overlays.iter().enumerate() {
                let c = self.canon(o).map_err(|e| Fail::new(err::OVERLAY_INVALID, e, step::VALIDATE).index(i))?;
                if p.contains(c.as_bytes()) {
                    return Err(Fail::new(err::OVERLAY_INVALID, Errno::EEXIST, step::VALIDATE).index(i));
                }
                p.push(c.as_bytes());
            }
        }
        Ok(p)
    }

    /// `path`, with its first component replaced by the target when it is a
    /// root-owned top-level symlink to another top-level dir.
    fn canon(&mut self, path: &[u8]) -> syscalls::Result<syscalls::Path256> {
        let rest = path.get(1..).unwrap_or(&[]);
        let first = rest.split(|&c| c == b'/').next().unwrap_or(&[]);
        let mut target = [0u8; 64];
        let mut tlen = 0;
        self.host.top_entry(first, |kind| {
            if let Top::Link(t) = kind {
                let t = t.strip_prefix(b"/").unwrap_or(t);
                if !t.is_empty() && !t.contains(&b'/') && t.len() < target.len() && t != b"." && t != b".." {
                    target[..t.len()].copy_from_slice(t);
                    tlen = t.len();
                }
            }
        });
        if tlen == 0 {
            return syscalls::Path256::new(path);
        }
        let t = &target[..tlen];
        let mut is_dir = false;
        self.host.top_entry(t, |kind| is_dir = kind == Top::Dir);
        if !is_dir {
            return syscalls::Path256::new(path);
        }
        let mut out = syscalls::Path256::new(b"/")?;
        out.push(t)?;
        out.push(rest.get(first.len()..).unwrap_or(&[]))?;
        let (a, b) = (path, out.as_bytes());
        self.line(|l| {
            l.push_str(a).push_str(b" is a symlink to a top-level dir: using ").push_str(b);
        });
        Ok(out)
    }

    fn fresh_name(&mut self) -> Result<[u8; 16], Fail> {
        loop {
            let n = self.host.random_name().map_err(|e| Fail::new(err::SYS, e, step::CLONE_GUARD))?;
            if !self.t.boxes.iter().any(|x| x.live() && x.rec.pname == n) {
                return Ok(n);
            }
        }
    }

    /// After a burst: gives the pages of the buffers that hold nothing live
    /// back to the kernel (`.bss` written by the burst would otherwise stay
    /// resident for the daemon's life): the request/reply buffer, the LIST
    /// reply, the bodies of RUNs no longer deferred, the recipe blobs of
    /// clients no longer waiting; then the stack below the caller.
    pub fn trim(&mut self) {
        use syscalls::mem::{discard, discard_stack};
        let t = &mut *self.t;
        t.boxes.trim();
        discard(&mut t.rx);
        discard(&mut t.list);
        let deferred = |s: usize| t.clients.iter().any(|c| c.deferred.as_ref().is_some_and(|d| d.slot == s));
        if (0..DEFER_MAX).any(deferred) {
            for (s, b) in t.bodies.iter_mut().enumerate() {
                if !deferred(s) {
                    discard(b);
                }
            }
        } else {
            discard(t.bodies.as_flattened_mut());
        }
        if t.clients.iter().any(|c| c.waiting.is_some()) {
            for (c, b) in t.clients.iter().zip(t.blobs.iter_mut()) {
                if c.waiting.is_none() {
                    discard(b);
                }
            }
        } else {
            discard(t.blobs.as_flattened_mut());
        }
        discard_stack();
    }

    /// Deferred RUNs go again once their data dir is free (or time is up).
    fn retry_deferred(&mut self) {
        for i in 0..MAX_CLIENTS {
            // Look before taking: take() writes every slot, which would make
            // the whole table resident, in every guard too.
            if self.t.clients[i].deferred.is_none() {
                continue;
            }
            let Some(d) = self.t.clients[i].deferred.take() else { continue };
            // One copy on the stack (`run` needs `&mut self` beside it).
            let body: [u8; RUN_REQ_SIZE] = match self.t.bodies.get(d.slot) {
                Some(b) => *b,
                None => continue,
            };
            self.run(i, &body, d.pkg, Some(d.since_ns));
        }
    }

    // ------------------------------------------------------------ guards

    fn kill_box(&mut self, b: usize) {
        let bx = &mut self.t.boxes[b];
        match bx.state {
            State::Starting | State::Running => {
                self.host.kill(bx.rec.pid, g::SIGKILL);
                bx.state = State::Dying;
                bx.notify = None;
                bx.ctl = None;
                bx.client = None;
            }
            State::Adopted => {
                if let Some(p) = &bx.pidfd {
                    self.host.pidfd_kill(p.raw(), g::SIGKILL);
                }
            }
            State::Dying | State::Free => {}
        }
    }

    /// Guard `b`'s report socket is readable: loop claims, then its report.
    #[inline(never)]
    pub fn on_guard(&mut self, b: usize) {
        match (self.t.boxes[b].state, self.t.boxes[b].events.as_ref().map(|f| f.raw())) {
            (State::Adopted, _) => return self.on_adopted_exit(b),
            (State::Running, Some(fd)) => {
                // memory.events changed (cgroup v2).
                let n = self.host.cg_oom_kills(fd);
                if n == UNKNOWN {
                    self.t.boxes[b].events = None;
                }
                return self.log_oom(b, n);
            }
            _ => {}
        }
        loop {
            let Some(fd) = self.t.boxes[b].notify.as_ref().map(|f| f.raw()) else { return };
            let mut buf = [0u8; 64];
            let msg = match self.host.guard_recv(fd, &mut buf) {
                Err(Errno::EAGAIN | Errno::EINTR) => return,
                Ok(0) | Err(_) => None,
                Ok(n) => decode_guard_msg(buf.get(..n).unwrap_or(&[])).ok(),
            };
            match msg {
                Some(GuardMsg::LoopClaim(n)) => self.t.boxes[b].loop_claim = Some(n),
                Some(GuardMsg::Report(r)) => return self.on_report(b, r),
                // EOF or garbage: the guard is gone or broken.
                None => return self.on_report(b, GuardReport { err: err::BUILD_ROCKER_FAILED, sys_errno: Errno::EPIPE.raw(), step: step::GUARD_REPORT, index: 0, loop_dev: LOOP_NONE }),
            }
        }
    }

    fn on_report(&mut self, b: usize, r: GuardReport) {
        self.t.boxes[b].notify = None;
        let pid = self.t.boxes[b].rec.pid;
        let res = if r.err == err::SUCCESS {
            self.t.boxes[b].rec.loop_dev = r.loop_dev;
            self.entrance(b)
        } else {
            Err(Fail::new(r.err, Errno(u16::try_from(r.sys_errno).unwrap_or(0)), r.step).index(usize::from(r.index)))
        };
        if let Err(f) = res {
            let client = self.t.boxes[b].client;
            self.kill_box(b);
            match client {
                Some(i) if self.t.clients[i].waiting == Some(b) => {
                    self.t.clients[i].waiting = None;
                    self.reply_fail(i, -pid, &f);
                }
                _ => self.log_refuse(-pid, &f),
            }
        }
    }

    /// The guard is ready: id maps, then the entrance (the fds in the
    /// decided order and the recipe) to the waiting client.
    fn entrance(&mut self, b: usize) -> Result<(), Fail> {
        let rec = self.t.boxes[b].rec;
        let i = self.t.boxes[b].client.filter(|&i| self.t.clients[i].waiting == Some(b)).ok_or(Fail::new(err::SEND_REQ_FAILED, Errno::ENOTCONN, step::REPLY))?;
        self.host.id_maps(rec.pid, rec.uid, rec.gid)?;
        // (`lo` is the guard's work, in its own network namespace.)
        if rec.net == proto::NET_BRIDGE as u8 {
            let bridge = rocker_proto::cstr(&rec.bridge);
            let port = Port { bridge, addr: Addr4 { addr: rec.addr, prefix: rec.prefix }, gateway: self.t.boxes[b].gateway };
            self.host.net_up(rec.pid, rec.name(), &port).map_err(|e| Fail::new(err::NET_FAILED, e, step::NET))?;
        }
        let mut owned: Vec<OwnedFd, MAX_REPLY_FDS> = Vec::new();
        let mut ctl_fd = 0u32;
        // The cgroup.procs fds go to the client, in the recipe's order.
        let mut cg = core::mem::take(&mut self.t.boxes[b].join).procs.into_iter();
        for (k, role) in self.t.clients[i].entrance.fds.iter().enumerate() {
            let fd = match *role {
                FdRole::Ctl => {
                    ctl_fd = k as u32;
                    self.t.boxes[b].ctl.take().ok_or(Fail::new(err::SYS, Errno::EBADF, step::OPEN_NS))?
                }
                FdRole::Ns(ns) => self.host.open_ns(rec.pid, ns).map_err(|e| Fail::new(err::SYS, e, step::OPEN_NS))?,
                FdRole::Cgroup(_) => cg.next().ok_or(Fail::new(err::CGROUP_FAILED, Errno::EBADF, step::CGROUP))?,
            };
            owned.push(fd).map_err(|_| Fail::new(err::SYS, Errno::E2BIG, step::OPEN_NS))?;
        }
        let mut raw: Vec<Fd, MAX_REPLY_FDS> = Vec::new();
        for f in owned.iter() {
            let _ = raw.push(f.raw());
        }
        let rep = RunReply { guard_pid: rec.pid, guard_pname: rec.pname, n_fds: owned.len() as u32, ctl_fd, ..RunReply::default() };
        // Built in `rx` (free between requests), sent, and the client closed.
        let t = &mut *self.t;
        let cl = &t.clients[i];
        let max = (cl.reply_max as usize).min(REPLY_MAX);
        let blob = t.blobs[i].get(..cl.entrance.blob_len).unwrap_or(&[]);
        let recipe: Option<(&[Op], &[u8])> = if cl.reply_max == 0 { None } else { Some((&cl.entrance.ops, blob)) };
        let out = &mut t.rx[..REPLY_MAX];
        let dst = if recipe.is_none() { &mut out[..] } else { out.get_mut(..max).unwrap_or(&mut []) };
        let n = encode_run_reply(&rep, recipe, dst).map_err(|_| Fail::new(err::UNSUPPORTED, Errno::E2BIG, step::REPLY))?;
        let sent = match cl.fd.as_ref().map(|f| f.raw()) {
            Some(fd) => self.host.send(fd, out.get(..n).unwrap_or(&[]), &raw).is_ok(),
            None => false,
        };
        self.t.clients[i].waiting = None;
        self.drop_client(i);
        if !sent {
            return Err(Fail::new(err::SEND_REQ_FAILED, Errno::EPIPE, step::REPLY));
        }
        let bx = &mut self.t.boxes[b];
        bx.state = State::Running;
        bx.client = None;
        bx.rec.proc_start = self.host.proc_start(rec.pid);
        let rec = bx.rec;
        self.t.boxes[b].events = self.host.cg_events(rec.name());
        if let Err(e) = self.host.state_save(&rec) {
            self.log_refuse(-rec.pid, &Fail::new(err::SYS, e, step::STATE));
        }
        self.line(|l| {
            l.push_str(b"start guard=").push_i64(i64::from(rec.pid)).push_str(b" name=").push_str(rec.name());
            l.push_str(b" app_id=").push_i64(i64::from(rec.app_id)).push_str(b" uid=").push_u64(u64::from(rec.uid)).push_str(b" gid=").push_u64(u64::from(rec.gid));
            l.push_str(b" pkg=").push_str(c(&rec.pkg));
            if rec.net == proto::NET_NONE as u8 {
                l.push_str(b" net=none");
            } else if rec.net == proto::NET_BRIDGE as u8 {
                l.push_str(b" net=");
                push_addr(l, Addr4 { addr: rec.addr, prefix: rec.prefix });
                l.push_str(b"@").push_str(c(&rec.bridge));
            }
        });
        Ok(())
    }

    /// Reaps every exited child. A guard's own report, if it sent one before
    /// exiting, is read first: its error wins over the exit.
    #[inline(never)]
    pub fn on_children(&mut self) {
        while let Some((pid, st)) = self.host.reap() {
            self.reaped(pid, st);
        }
    }

    fn reaped(&mut self, pid: i32, st: WaitStatus) {
        let Some(b) = self.t.boxes.iter().position(|x| matches!(x.state, State::Starting | State::Running | State::Dying) && x.rec.pid == pid) else { return };
        if self.t.boxes[b].notify.is_some() {
            self.on_guard(b);
        }
        let name = self.t.boxes[b].rec.pname;
        self.line(|l| {
            l.push_str(b"exit guard=").push_i64(i64::from(pid)).push_str(b" name=").push_str(c(&name));
            match st {
                WaitStatus::Exited(c) => l.push_str(b" status=").push_i64(i64::from(c)),
                WaitStatus::Signaled(s) => l.push_str(b" signal=").push_i64(i64::from(s)),
                WaitStatus::Other(s) => l.push_str(b" raw=").push_i64(i64::from(s)),
            };
        });
        let bx = &self.t.boxes[b];
        if bx.state == State::Starting {
            if let Some(i) = bx.client.filter(|&i| self.t.clients[i].waiting == Some(b)) {
                self.t.clients[i].waiting = None;
                self.reply_fail(i, -pid, &Fail::new(err::BUILD_ROCKER_FAILED, Errno::ECHILD, step::GUARD_REPORT));
            }
        }
        self.release(b);
    }

    /// Sandbox `b` is gone: detach a loop device its guard left without
    /// auto-clear, forget its record.
    fn release(&mut self, b: usize) {
        let bx = &self.t.boxes[b];
        if let Some(n) = bx.loop_claim {
            let used = self.t.boxes.iter().enumerate().any(|(k, x)| k != b && x.live() && (x.loop_claim == Some(n) || x.rec.loop_dev == n));
            let pkg = bx.rec.pkg_id;
            if !used && self.host.loop_cleanup(n, pkg) {
                self.line(|l| {
                    l.push_str(b"detached loop").push_u64(u64::from(n)).push_str(b" (its guard died before auto-clear was set)");
                });
            }
        }
        let name = self.t.boxes[b].rec.pname;
        // Its cgroup: the OOM kills not logged yet, then away with it (and
        // with whatever is left in it).
        self.t.boxes[b].events = None;
        if let Some(u) = self.host.cg_usage(c(&name)) {
            self.log_oom(b, u.oom_kills);
        }
        self.cg_remove(c(&name));
        if matches!(self.t.boxes[b].state, State::Running | State::Adopted | State::Dying) {
            self.host.state_remove(c(&name));
        }
        self.t.boxes[b] = Sandbox::FREE;
    }

    fn cg_remove(&mut self, name: &[u8]) {
        if let Err(e) = self.host.cg_remove(name) {
            let mut en = [0u8; 24];
            let k = e.write_to(&mut en);
            self.line(|l| {
                l.push_str(b"cgroup ").push_str(name).push_str(b" not removed: ").push_str(en.get(..k).unwrap_or(&[]));
            });
        }
    }

    /// Logs the OOM kills of sandbox `b` up to `n`, those not logged yet.
    fn log_oom(&mut self, b: usize, n: u64) {
        let bx = &mut self.t.boxes[b];
        if n == UNKNOWN || n <= bx.ooms {
            return;
        }
        bx.ooms = n;
        let rec = bx.rec;
        self.line(|l| {
            l.push_str(b"oom guard=").push_i64(i64::from(rec.pid)).push_str(b" name=").push_str(rec.name());
            l.push_str(b": out of memory, ").push_u64(n).push_str(b" process(es) killed (memory limit ").push_u64(rec.mem_max).push_str(b")");
        });
    }

    // ------------------------------------------------------------ adoption

    /// A new master adopts the running sandboxes of the previous one (its
    /// records, checked against the live process by pidfd, name and start
    /// time); stale records are removed.
    // Not inlined: its buffers (state_load's) stay out of main's frame,
    // which is resident for the daemon's life.
    #[inline(never)]
    pub fn adopt_previous(&mut self) {
        // The records go straight into free slots (a list of them on the
        // stack would be 128 records deep, resident for the daemon's life),
        // then each is checked against its live process.
        let mut bridges: Vec<[u8; proto::IFNAME_LEN], 4> = Vec::new();
        let mut loaded = [false; MAX_BOXES];
        let boxes = &mut self.t.boxes;
        self.host.state_load(
            |_, rec| {
                let free = boxes.iter().position(|b| !b.live());
                if let Some(b) = free {
                    boxes[b] = Sandbox { state: State::Adopted, rec, ..Sandbox::FREE };
                    loaded[b] = true;
                }
            },
            |b| {
                let mut n = [0u8; proto::IFNAME_LEN];
                for (d, &s) in n.iter_mut().zip(b) {
                    *d = s;
                }
                let _ = bridges.push(n);
            },
        );
        self.bridges = bridges;
        for b in (0..MAX_BOXES).filter(|&b| loaded[b]) {
            let rec = self.t.boxes[b].rec;
            match self.host.adopt(&rec) {
                Some(pidfd) => {
                    self.t.boxes[b].pidfd = Some(pidfd);
                    self.line(|l| {
                        l.push_str(b"adopt guard=").push_i64(i64::from(rec.pid)).push_str(b" name=").push_str(rec.name()).push_str(b" pkg=").push_str(c(&rec.pkg));
                    });
                }
                None => {
                    self.t.boxes[b] = Sandbox::FREE;
                    self.host.state_remove(rec.name());
                    self.cg_remove(rec.name());
                    self.line(|l| {
                        l.push_str(b"stale record ").push_str(rec.name()).push_str(b" removed");
                    });
                }
            }
        }
        // Cgroups of sandboxes that never had a record (their master died
        // while they started): those without a process.
        let n = self.host.cg_stale();
        if n > 0 {
            self.line(|l| {
                l.push_str(b"removed ").push_u64(u64::from(n)).push_str(b" stale cgroup(s)");
            });
        }
    }

    fn on_adopted_exit(&mut self, b: usize) {
        let rec = self.t.boxes[b].rec;
        self.line(|l| {
            l.push_str(b"exit guard=").push_i64(i64::from(rec.pid)).push_str(b" name=").push_str(rec.name()).push_str(b" (adopted)");
        });
        self.release(b);
    }

    // ------------------------------------------------------------ time

    /// Closes idle connections, kills guards stuck in setup, retries
    /// deferred requests; adopted guards without a pidfd are re-checked.
    #[inline(never)]
    pub fn tick(&mut self) {
        self.retry_deferred();
        let now = self.host.now();
        for i in 0..MAX_CLIENTS {
            let cl = &self.t.clients[i];
            if cl.fd.is_some() && !cl.busy() && now.saturating_sub(cl.accepted_ns) > IDLE_NS {
                let pid = cl.peer.pid;
                self.line(|l| {
                    l.push_str(b"drop peer=").push_i64(i64::from(pid)).push_str(b": idle");
                });
                self.drop_client(i);
            }
        }
        for b in 0..MAX_BOXES {
            let bx = &self.t.boxes[b];
            if bx.state == State::Starting && now.saturating_sub(bx.rec.start_ns) > SETUP_NS {
                let (client, pid) = (bx.client, bx.rec.pid);
                self.kill_box(b);
                if let Some(i) = client.filter(|&i| self.t.clients[i].waiting == Some(b)) {
                    self.t.clients[i].waiting = None;
                    self.reply_fail(i, -pid, &Fail::new(err::BUILD_ROCKER_FAILED, Errno::ETIMEDOUT, step::GUARD_TIMEOUT));
                }
            }
            let bx = &self.t.boxes[b];
            if bx.state == State::Adopted && bx.pidfd.as_ref().is_some_and(|p| p.raw() < 0) {
                let (pid, start) = (bx.rec.pid, bx.rec.proc_start);
                if self.host.proc_start(pid) != start {
                    self.on_adopted_exit(b);
                }
            }
        }
    }

    /// SIGTERM: ends every sandbox (its own guards are killed and reaped,
    /// adopted ones killed through their pidfds), drops every client.
    pub fn shutdown(&mut self) {
        for i in 0..MAX_CLIENTS {
            self.drop_client(i);
        }
        for b in 0..MAX_BOXES {
            self.kill_box(b);
        }
        // Its bridges go with it (their sandboxes' veths go with them).
        while let Some(name) = self.bridges.pop() {
            self.host.bridge_remove(c(&name));
            if let Ok(mark) = syscalls::CPath::<32>::new(b"br.").and_then(|mut m| m.push(c(&name)).map(|()| m)) {
                self.host.state_remove(mark.as_bytes());
            }
            self.line(|l| {
                l.push_str(b"bridge ").push_str(c(&name)).push_str(b" removed");
            });
        }
    }

    /// Whether every sandbox is gone (after [`Master::shutdown`]).
    pub fn all_gone(&self) -> bool {
        !self.t.boxes.iter().any(|b| b.live())
    }

    /// The last of a stop: the cgroups of sandboxes still not reaped go,
    /// with what is left in them.
    pub fn finish(&mut self) {
        for b in 0..MAX_BOXES {
            if self.t.boxes[b].live() {
                let name = self.t.boxes[b].rec.pname;
                self.cg_remove(c(&name));
            }
        }
    }
}

/// Paths an admission may rewrite (see `resolve_paths`).
struct Paths {
    ovl: [[u8; proto::OVERLAY_LEN]; proto::OVERLAY_MAX],
    len: [usize; proto::OVERLAY_MAX],
    n: usize,
    exec: syscalls::Path256,
    data: syscalls::Path256,
}

impl Paths {
    const EMPTY: Paths = Paths {
        ovl: [[0; proto::OVERLAY_LEN]; proto::OVERLAY_MAX],
        len: [0; proto::OVERLAY_MAX],
        n: 0,
        exec: syscalls::Path256::empty(),
        data: syscalls::Path256::empty(),
    };
    fn push(&mut self, s: &[u8]) -> bool {
        match (self.ovl.get_mut(self.n), self.len.get_mut(self.n)) {
            (Some(d), Some(l)) if s.len() <= d.len() => {
                d[..s.len()].copy_from_slice(s);
                *l = s.len();
                self.n += 1;
                true
            }
            _ => false,
        }
    }
    fn get(&self, i: usize) -> &[u8] {
        self.ovl[i].get(..self.len[i]).unwrap_or(&[])
    }
    fn contains(&self, s: &[u8]) -> bool {
        (0..self.n).any(|i| self.get(i) == s)
    }
    /// Names in byte order (the directory's order is the filesystem's).
    fn sort(&mut self) {
        for i in 1..self.n {
            let mut j = i;
            while j > 0 && self.get(j - 1) > self.get(j) {
                self.ovl.swap(j - 1, j);
                self.len.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    fn overlays(&self) -> [&[u8]; proto::OVERLAY_MAX] {
        let mut out: [&[u8]; proto::OVERLAY_MAX] = [&[]; proto::OVERLAY_MAX];
        for (i, o) in out.iter_mut().enumerate().take(self.n) {
            *o = self.get(i);
        }
        out
    }
}

/// "A.B.C.D/N".
fn push_addr<const N: usize>(l: &mut Buf<N>, a: Addr4) {
    for (k, o) in a.addr.iter().enumerate() {
        if k > 0 {
            l.push_byte(b'.');
        }
        l.push_u64(u64::from(*o));
    }
    l.push_byte(b'/').push_u64(u64::from(a.prefix));
}

fn reply_of(f: &Fail) -> RunReply {
    RunReply::failure(f.code(), f.errno().raw(), f.step(), f.slot())
}

impl Master<'_, host::Kernel> {
    /// The poll loop: serves until SIGTERM/SIGINT (read from `sig`, a
    /// signalfd), then removes the socket `path`, ends every sandbox and
    /// waits (at most 5 s) for them.
    #[inline(never)]
    pub fn serve(&mut self, sig: Fd, path: syscalls::CStr) {
        const N: usize = 2 + MAX_CLIENTS + MAX_BOXES;
        use syscalls::{ppoll, signalfd_read, PollFd, Timespec, POLLIN};
        let mut deadline = 0u64;
        // Something was served since the last trim.
        let mut worked = false;
        loop {
            let mut fds = [PollFd { fd: -1, events: 0, revents: 0 }; N];
            fds[0] = PollFd { fd: if self.stop { -1 } else { self.host.listen.raw() }, events: POLLIN, revents: 0 };
            fds[1] = PollFd { fd: sig, events: POLLIN, revents: 0 };
            for i in 0..MAX_CLIENTS {
                if let Some((fd, want)) = self.client_fd(i) {
                    // While a reply is pending only hang-ups matter.
                    fds[2 + i] = PollFd { fd, events: if want { POLLIN } else { 0 }, revents: 0 };
                }
            }
            for b in 0..MAX_BOXES {
                if let Some((fd, events)) = self.box_fd(b) {
                    fds[2 + MAX_CLIENTS + b] = PollFd { fd, events, revents: 0 };
                }
            }
            let tick = Timespec::from_ms(if self.has_deferred() || self.stop { 20 } else { 500 });
            match ppoll(&mut fds, Some(&tick), None) {
                // Idle after a burst (no RUN waiting: then the tick is
                // 20 ms): give back what it left resident.
                Ok(0) if worked && !self.stop && !self.has_deferred() => {
                    worked = false;
                    self.trim();
                }
                Ok(0) => {}
                _ => worked = true,
            }
            if fds[1].revents != 0 {
                while let Ok((s, _)) = signalfd_read(sig) {
                    if (s == g::SIGTERM || s == g::SIGINT) && !self.stop {
                        self.stop = true;
                        let _ = syscalls::unlinkat(syscalls::AT_FDCWD, path, 0);
                        self.shutdown();
                        deadline = self.host.now().saturating_add(5_000_000_000);
                    }
                }
                self.on_children();
            }
            for b in 0..MAX_BOXES {
                if fds[2 + MAX_CLIENTS + b].revents != 0 {
                    self.on_guard(b);
                }
            }
            for i in 0..MAX_CLIENTS {
                let r = fds[2 + i].revents;
                if r != 0 {
                    self.on_client(i, r & POLLIN != 0);
                }
            }
            if fds[0].revents != 0 {
                self.on_accept();
            }
            if self.stop {
                self.on_children();
                if self.all_gone() || self.host.now() > deadline {
                    return self.finish();
                }
            } else {
                self.tick();
            }
        }
    }
}
