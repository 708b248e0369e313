//! A scriptable fake of [`Host`] (tests only). fds it hands out are numbers
//! from 2^30 up, which the kernel never uses: the real `close` of an
//! `OwnedFd` dropping one is a harmless EBADF.
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::string::String;
use std::vec::Vec;

use rocker_cgroup::{Join, Limits, Usage};
use rocker_proto::{encode_guard_report, GuardReport, GUARD_REPORT_SIZE};
use rocker_spec::{Fail, Ns, SandboxSpec};
use syscalls::{Errno, Fd, OwnedFd, Result, Ucred, WaitStatus};

use crate::host::{Addr4, DirInfo, Host, Msg, Port, Spawned, Top};
use crate::state::{PkgId, Record};

pub const FD0: Fd = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub fd: Fd,
    pub bytes: Vec<u8>,
    pub fds: usize,
    pub fd_list: Vec<Fd>,
}

#[derive(Debug, Clone)]
#[allow(dead_code)] // every field shows in a failing test's output
pub struct SpawnCall {
    pub pid: i32,
    pub name: String,
    pub loop_hint: Option<u32>,
    pub ns: u32,
    pub data_dir: Vec<u8>,
    pub exec_dir: Vec<u8>,
    pub overlays: Vec<String>,
    pub tmp_kb: u32,
    /// cgroup.procs fds it was cloned with.
    pub cg_fds: usize,
}

#[derive(Default)]
pub struct Fake {
    pub now: u64,
    next_fd: Fd,
    next_pid: i32,
    names: u32,
    pub log: Vec<String>,
    pub pending: VecDeque<(Fd, Ucred)>,
    pub group_pids: BTreeSet<i32>,
    /// Messages waiting on a client fd: (bytes, number of fds attached).
    pub inbox: BTreeMap<Fd, VecDeque<(Vec<u8>, usize)>>,
    pub sent: Vec<Sent>,
    pub pkg: Option<core::result::Result<PkgId, Fail>>,
    pub dirs: BTreeMap<Vec<u8>, DirInfo>,
    pub spawns: Vec<SpawnCall>,
    /// Guard messages waiting on a notify fd; an empty Vec is EOF.
    pub guard_inbox: BTreeMap<Fd, VecDeque<Vec<u8>>>,
    /// pid -> notify fd of each spawned guard.
    pub notify_of: BTreeMap<i32, Fd>,
    pub id_maps: Vec<(i32, u32, u32)>,
    pub id_maps_fail: Option<Fail>,
    pub opened_ns: Vec<(i32, u32)>,
    pub kills: Vec<(i32, u32)>,
    pub exited: VecDeque<(i32, WaitStatus)>,
    pub loop_cleanups: Vec<(u32, PkgId)>,
    pub state: BTreeMap<Vec<u8>, Record>,
    pub alive: BTreeSet<i32>,
    pub pidfd_kills: Vec<(Fd, u32)>,
    /// The root directory: name, dir or symlink target.
    pub root: Vec<(String, Option<String>)>,
    /// Bridges that exist, with their address.
    pub bridges: BTreeMap<Vec<u8>, Addr4>,
    /// Network calls, in order ("bridge NAME", "net_up PID VETH [BRIDGE A/N via G]", "bridge_remove NAME").
    pub net_calls: Vec<String>,
    /// The error net_up returns.
    pub net_fail: Option<Errno>,
    /// Bridges marked as rocker's in the state dir.
    pub bridge_marks: BTreeSet<Vec<u8>>,
    /// Order of the cgroup and guard calls: "cg_create NAME", "spawn NAME",
    /// "cg_remove NAME".
    pub calls: Vec<String>,
    /// cgroups that exist now, with their limits.
    pub cgroups: BTreeMap<String, Limits>,
    /// cgroup.procs fds per cgroup (v1: one per hierarchy); 0: no cgroups.
    pub cg_fds: usize,
    /// cg_create refuses with this.
    pub cg_fail: Option<Fail>,
    /// spawn refuses with this.
    pub spawn_fail: Option<Fail>,
    /// cgroup v2: memory.events fds are handed out (fd -> name).
    pub v2: bool,
    pub events: BTreeMap<Fd, String>,
    /// What cg_usage reports per name (default: zeros).
    pub usage: BTreeMap<String, Usage>,
    /// What cg_stale returns (and how often it was called).
    pub stale: u32,
    pub stale_calls: u32,
}

impl Fake {
    pub fn new() -> Fake {
        let root = ["bin", "etc", "home", "proc", "root", "run", "sys", "tmp", "usr", "var", "dev"]
            .iter()
            .map(|n| (n.to_string(), None))
            .collect();
        Fake { next_fd: FD0, next_pid: 1000, now: 1_000_000_000, root, cg_fds: 1, ..Default::default() }
    }
    pub fn fd(&mut self) -> Fd {
        let f = self.next_fd;
        self.next_fd += 1;
        f
    }
    /// A new connection from `uid` (pid = 500 + uid), returns its fd.
    pub fn connect(&mut self, uid: u32) -> Fd {
        let fd = self.fd();
        self.pending.push_back((fd, Ucred { pid: 500 + uid as i32, uid, gid: uid }));
        fd
    }
    pub fn say(&mut self, fd: Fd, bytes: Vec<u8>, fds: usize) {
        self.inbox.entry(fd).or_default().push_back((bytes, fds));
    }
    pub fn guard_says(&mut self, pid: i32, r: GuardReport) {
        let mut b = [0u8; GUARD_REPORT_SIZE];
        encode_guard_report(&r, &mut b);
        let fd = self.notify_of[&pid];
        self.guard_inbox.entry(fd).or_default().push_back(b.to_vec());
    }
    pub fn guard_raw(&mut self, pid: i32, b: Vec<u8>) {
        let fd = self.notify_of[&pid];
        self.guard_inbox.entry(fd).or_default().push_back(b);
    }
    pub fn sent_to(&self, fd: Fd) -> Vec<&Sent> {
        self.sent.iter().filter(|s| s.fd == fd).collect()
    }
    pub fn logged(&self, needle: &str) -> bool {
        self.log.iter().any(|l| l.contains(needle))
    }
    /// How many log lines contain `needle`.
    pub fn logged_n(&self, needle: &str) -> usize {
        self.log.iter().filter(|l| l.contains(needle)).count()
    }
}

impl Host for Fake {
    fn now(&mut self) -> u64 {
        self.now
    }
    fn random_name(&mut self) -> Result<[u8; 16]> {
        self.names += 1;
        let s = format!("rg-{:012x}", self.names);
        let mut n = [0u8; 16];
        n[..15].copy_from_slice(s.as_bytes());
        Ok(n)
    }
    fn log(&mut self, line: &[u8]) {
        self.log.push(String::from_utf8_lossy(line).into_owned());
    }
    fn accept(&mut self) -> Option<(OwnedFd, Ucred)> {
        self.pending.pop_front().map(|(fd, c)| (OwnedFd::from_raw(fd), c))
    }
    fn in_group(&mut self, peer: &Ucred, _gid: u32) -> bool {
        self.group_pids.contains(&peer.pid)
    }
    fn recv(&mut self, fd: Fd, buf: &mut [u8]) -> Result<Msg> {
        let (bytes, nfds) = self.inbox.get_mut(&fd).and_then(|q| q.pop_front()).ok_or(Errno::EAGAIN)?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        let mut m = Msg { len: n, fds: heapless::Vec::new(), truncated: bytes.len() > buf.len() };
        for _ in 0..nfds {
            let f = self.fd();
            if m.fds.push(OwnedFd::from_raw(f)).is_err() {
                m.truncated = true;
            }
        }
        Ok(m)
    }
    fn send(&mut self, fd: Fd, msg: &[u8], fds: &[Fd]) -> Result<()> {
        self.sent.push(Sent { fd, bytes: msg.to_vec(), fds: fds.len(), fd_list: fds.to_vec() });
        Ok(())
    }
    fn check_pkg(&mut self, _pkg: Fd) -> core::result::Result<PkgId, Fail> {
        self.pkg.unwrap_or(Ok(PkgId(1, 2, 3, 4)))
    }
    fn check_dirs(&mut self, spec: &SandboxSpec) -> core::result::Result<DirInfo, Fail> {
        let id = spec.data_dir.iter().fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        Ok(self.dirs.get(spec.data_dir).copied().unwrap_or(DirInfo { data_id: (9, id), data_uid: 0, bind_uid: 0 }))
    }
    fn top_level<F: FnMut(&[u8], Top)>(&mut self, mut f: F) {
        for (name, link) in &self.root {
            match link {
                None => f(name.as_bytes(), Top::Dir),
                Some(t) => f(name.as_bytes(), Top::Link(t.as_bytes())),
            }
        }
    }
    fn cg_create(&mut self, name: &[u8], limits: &Limits) -> core::result::Result<Join, Fail> {
        let name = String::from_utf8_lossy(name).into_owned();
        self.calls.push(format!("cg_create {name}"));
        if let Some(f) = self.cg_fail {
            return Err(f);
        }
        let mut j = Join::EMPTY;
        for _ in 0..self.cg_fds {
            let fd = self.fd();
            let _ = j.procs.push(OwnedFd::from_raw(fd));
        }
        if self.cg_fds > 0 {
            self.cgroups.insert(name, *limits);
        }
        Ok(j)
    }
    fn cg_remove(&mut self, name: &[u8]) -> Result<()> {
        let name = String::from_utf8_lossy(name).into_owned();
        self.calls.push(format!("cg_remove {name}"));
        self.cgroups.remove(&name);
        Ok(())
    }
    fn cg_usage(&mut self, name: &[u8]) -> Option<Usage> {
        let name = String::from_utf8_lossy(name).into_owned();
        self.cgroups.contains_key(&name).then(|| self.usage.get(&name).copied().unwrap_or(Usage { memory: 0, pids: 0, oom_kills: 0 }))
    }
    fn cg_events(&mut self, name: &[u8]) -> Option<OwnedFd> {
        let name = String::from_utf8_lossy(name).into_owned();
        if !self.v2 || !self.cgroups.contains_key(&name) {
            return None;
        }
        let fd = self.fd();
        self.events.insert(fd, name);
        Some(OwnedFd::from_raw(fd))
    }
    fn cg_oom_kills(&mut self, events: Fd) -> u64 {
        let name = self.events[&events].clone();
        self.usage.get(&name).map_or(0, |u| u.oom_kills)
    }
    fn cg_stale(&mut self) -> u32 {
        self.stale_calls += 1;
        self.stale
    }
    fn spawn(&mut self, spec: &SandboxSpec, pname: &[u8; 16], _pkg: OwnedFd, loop_hint: Option<u32>, join: &Join, _dead: crate::Dead) -> core::result::Result<Spawned, Fail> {
        let name = String::from_utf8_lossy(rocker_proto::cstr(pname)).into_owned();
        self.calls.push(format!("spawn {name}"));
        if let Some(f) = self.spawn_fail {
            return Err(f);
        }
        let pid = self.next_pid;
        self.next_pid += 1;
        let notify = self.fd();
        let ctl = self.fd();
        self.notify_of.insert(pid, notify);
        self.spawns.push(SpawnCall {
            pid,
            name: String::from_utf8_lossy(rocker_proto::cstr(pname)).into_owned(),
            loop_hint,
            ns: spec.ns.bits(),
            data_dir: spec.data_dir.to_vec(),
            exec_dir: spec.exec_dir.to_vec(),
            overlays: spec.overlays.iter().map(|o| String::from_utf8_lossy(o).into_owned()).collect(),
            tmp_kb: spec.tmp_kb,
            cg_fds: join.procs.len(),
        });
        Ok(Spawned { pid, notify: OwnedFd::from_raw(notify), ctl: OwnedFd::from_raw(ctl) })
    }
    fn guard_recv(&mut self, notify: Fd, buf: &mut [u8]) -> Result<usize> {
        let m = self.guard_inbox.get_mut(&notify).and_then(|q| q.pop_front()).ok_or(Errno::EAGAIN)?;
        let n = m.len().min(buf.len());
        buf[..n].copy_from_slice(&m[..n]);
        Ok(n)
    }
    fn id_maps(&mut self, pid: i32, uid: u32, gid: u32) -> core::result::Result<(), Fail> {
        self.id_maps.push((pid, uid, gid));
        self.id_maps_fail.map_or(Ok(()), Err)
    }
    fn open_ns(&mut self, pid: i32, ns: Ns) -> Result<OwnedFd> {
        self.opened_ns.push((pid, ns.bits()));
        Ok(OwnedFd::from_raw(self.fd()))
    }
    fn kill(&mut self, pid: i32, sig: u32) {
        self.kills.push((pid, sig));
    }
    fn reap(&mut self) -> Option<(i32, WaitStatus)> {
        self.exited.pop_front()
    }
    fn loop_cleanup(&mut self, n: u32, pkg: PkgId) -> bool {
        self.loop_cleanups.push((n, pkg));
        true
    }
    fn proc_start(&mut self, pid: i32) -> u64 {
        if self.alive.contains(&pid) || self.notify_of.contains_key(&pid) {
            77
        } else {
            0
        }
    }
    fn state_save(&mut self, rec: &Record) -> Result<()> {
        self.state.insert(rec.name().to_vec(), *rec);
        Ok(())
    }
    fn state_remove(&mut self, name: &[u8]) {
        self.state.remove(name);
        if let Some(b) = name.strip_prefix(b"br.") {
            self.bridge_marks.remove(b);
        }
    }
    fn state_load<F: FnMut(&mut Self, Record), G: FnMut(&[u8])>(&mut self, mut f: F, mut g: G) {
        for b in self.bridge_marks.clone() {
            g(&b);
        }
        let recs: Vec<Record> = self.state.values().copied().collect();
        for r in recs {
            f(self, r);
        }
    }
    fn bridge_mark(&mut self, name: &[u8]) {
        self.bridge_marks.insert(name.to_vec());
    }
    fn adopt(&mut self, rec: &Record) -> Option<OwnedFd> {
        if self.alive.contains(&rec.pid) {
            Some(OwnedFd::from_raw(self.fd()))
        } else {
            None
        }
    }
    fn pidfd_kill(&mut self, pidfd: Fd, sig: u32) {
        self.pidfd_kills.push((pidfd, sig));
    }
    fn bridge(&mut self, name: &[u8], create: Addr4) -> Result<(Addr4, bool)> {
        self.net_calls.push(format!("bridge {}", String::from_utf8_lossy(name)));
        match self.bridges.get(name) {
            Some(a) if a.addr == [0; 4] => Err(Errno::EADDRNOTAVAIL),
            Some(a) => Ok((*a, false)),
            None => {
                self.bridges.insert(name.to_vec(), create);
                Ok((create, true))
            }
        }
    }
    fn net_up(&mut self, pid: i32, veth: &[u8], p: &Port) -> Result<()> {
        let v = String::from_utf8_lossy(veth);
        let (a, g) = (p.addr.addr, p.gateway);
        self.net_calls.push(format!(
            "net_up {pid} {v} {} {}.{}.{}.{}/{} via {}.{}.{}.{}",
            String::from_utf8_lossy(p.bridge),
            a[0], a[1], a[2], a[3], p.addr.prefix, g[0], g[1], g[2], g[3]
        ));
        self.net_fail.map_or(Ok(()), Err)
    }
    fn bridge_remove(&mut self, name: &[u8]) {
        self.net_calls.push(format!("bridge_remove {}", String::from_utf8_lossy(name)));
        self.bridges.remove(name);
    }
}
