//! rocker-cgroup: one cgroup per sandbox, for memory, CPU and pids limits,
//! on cgroup v2 or on the v1 hierarchies. A library for the master.
//!
//! **Detection** ([`Cgroups::detect`], once at master start) reads
//! `/proc/self/cgroup` and `/proc/self/mountinfo`:
//! - v1 when a v1 hierarchy holds memory, cpu or pids. Hybrid hosts (v1
//!   controllers plus a cgroup2 mount without them) are v1: the cgroup2
//!   mount is noted in the log line and otherwise unused.
//! - v2 when only cgroup2 is mounted; it offers what its `cgroup.controllers`
//!   lists.
//! - none when no cgroup filesystem is mounted: every limit is refused.
//!
//! **The base.** Sandboxes live under the master's own cgroup in each
//! hierarchy (what procd or systemd gave it), never under a root: a master in
//! the root of a hierarchy uses (creates) the child `Config::root_child`
//! (`rocker`) instead. `Config::base` fixes the base path instead, for
//! supervisors that cannot put a restarted master back where it was (below).
//!
//! **v2 rules.** A child gets a controller only when its parent lists it in
//! `cgroup.subtree_control`, and a non-root cgroup with controllers enabled
//! there may hold no process ("no internal processes"). So, as crun and
//! systemd-delegated managers do: when the base must enable controllers and
//! holds processes (the master itself), they all move first into the leaf
//! `<base>/master`; then `+memory`, `+cpu`, `+pids` are written one by one
//! (only those the base's `cgroup.controllers` offers). The tree becomes:
//!
//! ```text
//! <base>/               subtree_control: memory cpu pids (no process here)
//! <base>/master/        the master and its helpers
//! <base>/rg-1a2b3c4d5e/ one per sandbox: memory.max, cpu.max, pids.max ...
//! ```
//!
//! A master restarted inside `<base>/master` uses `<base>` again. One caveat:
//! a supervisor that writes a restarted master's pid into `<base>` gets
//! `EBUSY` (that rule again); procd ignores the error and the master starts
//! in procd's own cgroup, so give such a master a fixed `Config::base`.
//! Ancestors are only touched when the base is not the master's own cgroup
//! (the created `rocker`, a fixed base) or with `Config::enable_ancestors`
//! (procd enables nothing below the root).
//!
//! **Safety of the file operations.** Every base directory is opened once,
//! one path component at a time (`O_PATH|O_DIRECTORY|O_NOFOLLOW`), from the
//! mount point after checking its filesystem magic; everything after that is
//! `openat`/`mkdirat`/`unlinkat` relative to those fds, with the sandbox name
//! (validated, at most 31 bytes) as the only path.
//!
//! **Joining** ([`Join`]): the `cgroup.procs` fd of each hierarchy
//! (`O_WRONLY|O_CLOEXEC`; writing `0` moves the writer) and, on v2, the cgroup
//! directory fd for `clone3(CLONE_INTO_CGROUP)` ([`Join::fork`] does both,
//! falling back on kernels before 5.7).
//!
//! **OOM kills**: v2 counts them in `memory.events` (`oom_kill N`); the file
//! raises `POLLPRI` when it changes ([`Cgroups::oom_events`]). v1 (4.13+) counts
//! them in `memory.oom_control`: the master reads the counter
//! ([`Cgroups::usage`]) when a process of the sandbox dies by SIGKILL; the v1
//! `cgroup.event_control` eventfd was left out (it signals "under OOM", not
//! "killed", and needs eventfd plumbing for nothing the counter lacks).
//!
//! **Removal** ([`Cgroups::remove`]): kill what is left (v2 `cgroup.kill`,
//! 5.14+; else freeze, SIGKILL every pid, thaw), then `rmdir` in every
//! hierarchy, retrying `EBUSY` for up to a second; `ENOENT` is success.
//! [`Cgroups::remove_stale`] removes the leftovers of a crashed master.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod parse;
#[cfg(test)]
mod tests_fake;
#[cfg(test)]
mod tests_host;

pub use parse::{valid_name, CPU, CPUACCT, FREEZER, MEMORY, PIDS};
use parse::{ctl_bits, dirent, keyed, number, Pids, LIMITING, NAMES, WANTED};
use rocker_proto::Buf;
use syscalls::sys::general as g;
use syscalls::{CPath, CStr, Errno, Fd, Fork, OwnedFd, Timespec};

/// Most hierarchies used at once (v1: memory, cpu, cpuacct, pids, freezer).
pub const MAX_H: usize = 5;
/// The leaf the master moves into on v2 (see the crate doc).
pub const LEAF: &[u8] = b"master";
/// Exit status of a child of [`Join::fork`] that could not join its cgroup
/// (it runs no code of the caller then).
pub const EXIT_JOIN_FAILED: i32 = 125;
/// A value of [`Usage`] this kernel does not report.
pub const UNKNOWN: u64 = u64::MAX;

/// What the kernel enforces or offers here ([`Cgroups::features`]).
pub mod feat {
    pub const MEMORY: u32 = 1;
    pub const SWAP: u32 = 2;
    pub const CPU_MAX: u32 = 4;
    pub const CPU_WEIGHT: u32 = 8;
    pub const PIDS: u32 = 16;
    /// v2 `cgroup.kill` (5.14+).
    pub const KILL: u32 = 32;
    /// v2 `cgroup.freeze` (5.2+) or the v1 freezer.
    pub const FREEZE: u32 = 64;
    /// CPU time: v2 `cpu.stat`, v1 `cpuacct.usage`.
    pub const CPU_USAGE: u32 = 128;
    /// OOM kill counter: v2 `memory.events`, v1 `memory.oom_control` (4.13+).
    pub const OOM_COUNT: u32 = 256;
    /// A kernel without swap (no `/proc/swaps`): "no swap" holds by itself.
    pub const NO_SWAP: u32 = 512;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    None,
    V1,
    V2,
}

/// Where the base goes ([`Cgroups::detect`]).
#[derive(Clone, Copy, Debug)]
pub struct Config<'a> {
    /// The base created when the master sits in the root of a hierarchy.
    pub root_child: &'a [u8],
    /// A fixed base (absolute, from the hierarchy's root) instead of the
    /// master's own cgroup; created if missing.
    pub base: Option<&'a [u8]>,
    /// v2: also enable the controllers in every ancestor of the base.
    pub enable_ancestors: bool,
}

impl Config<'static> {
    pub const DEFAULT: Config<'static> = Config { root_child: b"rocker", base: None, enable_ancestors: false };
}

/// The limits of one sandbox; `None` is "no limit".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes: v2 `memory.max`, v1 `memory.limit_in_bytes`.
    pub memory_max: Option<u64>,
    /// Bytes of swap: v2 `memory.swap.max`; v1 `memory.memsw.limit_in_bytes`
    /// = memory + swap (so v1 needs `memory_max` too).
    pub swap_max: Option<u64>,
    /// (quota, period) in µs: v2 `cpu.max`, v1 `cpu.cfs_quota_us` and
    /// `cpu.cfs_period_us`. 0.5 CPU is (50000, 100000).
    pub cpu_max: Option<(u32, u32)>,
    /// 1..=10000 (default 100): v2 `cpu.weight`, v1 `cpu.shares` =
    /// weight * 1024 / 100 (systemd's mapping: 100 is v1's default 1024).
    pub cpu_weight: Option<u16>,
    /// v2 and v1 `pids.max`.
    pub pids_max: Option<u32>,
}

/// The step that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    ProcFiles,
    Mount,
    Base,
    Enable,
    MoveMaster,
    Name,
    /// A limit was refused or could not be written (`file` says which).
    Limit,
    Create,
    Join,
    Read,
    Kill,
    Remove,
}

/// A specific failure: the step, the cgroup file (or what) and the errno.
/// A limit the kernel cannot enforce is `Step::Limit` with the file of that
/// limit and `ENODEV` (controller not available) or `ENOENT` (controller
/// there, file missing: e.g. swap accounting off, no CFS bandwidth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub step: Step,
    pub file: &'static [u8],
    pub errno: Errno,
}

impl Error {
    fn new(step: Step, file: &'static [u8], errno: Errno) -> Error {
        Error { step, file: nm(file), errno }
    }
    /// `cgroup limit memory.swap.max: ENOENT (2)`.
    pub fn describe<const N: usize>(&self, b: &mut Buf<N>) {
        const STEPS: [&[u8]; 12] = [
            b"proc", b"mount", b"base", b"enable", b"move-master", b"name", b"limit", b"create", b"join", b"read",
            b"kill", b"remove",
        ];
        let mut e = [0u8; 24];
        let n = self.errno.write_to(&mut e);
        b.push_str(b"cgroup ").push_str(STEPS.get(self.step as usize).copied().unwrap_or(b"?"));
        b.push_byte(b' ').push_str(self.file).push_str(b": ").push_str(e.get(..n).unwrap_or(&[]));
    }
}

type R<T> = core::result::Result<T, Error>;

trait At<T> {
    fn at(self, step: Step, file: &'static [u8]) -> R<T>;
}
impl<T> At<T> for syscalls::Result<T> {
    fn at(self, step: Step, file: &'static [u8]) -> R<T> {
        self.map_err(|e| Error::new(step, file, e))
    }
}

// ------------------------------------------------------------ cgroupfs files

mod f {
    pub const PROCS: &[u8] = b"cgroup.procs\0";
    pub const CONTROLLERS: &[u8] = b"cgroup.controllers\0";
    pub const SUBTREE: &[u8] = b"cgroup.subtree_control\0";
    pub const KILL: &[u8] = b"cgroup.kill\0";
    pub const FREEZE: &[u8] = b"cgroup.freeze\0";
    pub const MEM_MAX: &[u8] = b"memory.max\0";
    pub const SWAP_MAX: &[u8] = b"memory.swap.max\0";
    pub const MEM_CUR: &[u8] = b"memory.current\0";
    pub const MEM_EVENTS: &[u8] = b"memory.events\0";
    pub const CPU_MAX: &[u8] = b"cpu.max\0";
    pub const CPU_WEIGHT: &[u8] = b"cpu.weight\0";
    pub const CPU_STAT: &[u8] = b"cpu.stat\0";
    pub const PIDS_MAX: &[u8] = b"pids.max\0";
    pub const PIDS_CUR: &[u8] = b"pids.current\0";
    pub const V1_MEM: &[u8] = b"memory.limit_in_bytes\0";
    pub const V1_MEMSW: &[u8] = b"memory.memsw.limit_in_bytes\0";
    pub const V1_MEM_CUR: &[u8] = b"memory.usage_in_bytes\0";
    pub const V1_OOM: &[u8] = b"memory.oom_control\0";
    pub const V1_QUOTA: &[u8] = b"cpu.cfs_quota_us\0";
    pub const V1_PERIOD: &[u8] = b"cpu.cfs_period_us\0";
    pub const V1_SHARES: &[u8] = b"cpu.shares\0";
    pub const V1_USAGE: &[u8] = b"cpuacct.usage\0";
    pub const V1_FREEZER: &[u8] = b"freezer.state\0";
    pub const MKDIR: &[u8] = b"mkdir\0";
    pub const RMDIR: &[u8] = b"rmdir\0";
    pub const DOT: &[u8] = b".\0";
    pub const NONE: &[u8] = b"\0";
}

/// A file name without its NUL, for errors and logs.
fn nm(file: &'static [u8]) -> &'static [u8] {
    file.strip_suffix(b"\0").unwrap_or(file)
}

fn c(file: &[u8]) -> syscalls::Result<CStr<'_>> {
    CStr::from_bytes_with_nul(file)
}

const DIR: u32 = g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC;
const RD: u32 = g::O_RDONLY | g::O_NOFOLLOW | g::O_CLOEXEC;

fn open_dir(at: Fd, name: CStr) -> syscalls::Result<OwnedFd> {
    syscalls::openat(at, name, DIR, 0)
}

fn exists(dir: Fd, file: &[u8]) -> bool {
    c(file).and_then(|p| syscalls::openat(dir, p, g::O_PATH | g::O_NOFOLLOW | g::O_CLOEXEC, 0)).is_ok()
}

/// Reads a small file whole (up to `buf.len()` bytes).
fn read_at<'b>(dir: Fd, file: &[u8], buf: &'b mut [u8]) -> syscalls::Result<&'b [u8]> {
    let fd = syscalls::openat(dir, c(file)?, RD, 0)?;
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..) {
        if rest.is_empty() {
            break;
        }
        match syscalls::retry(|| syscalls::read(fd.raw(), rest))? {
            0 => break,
            k => n = n.saturating_add(k),
        }
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

fn read_num(dir: Fd, file: &[u8]) -> Option<u64> {
    let mut b = [0u8; 32];
    read_at(dir, file, &mut b).ok().and_then(number)
}

fn read_keyed(dir: Fd, file: &[u8], key: &[u8]) -> Option<u64> {
    let mut b = [0u8; 512];
    read_at(dir, file, &mut b).ok().and_then(|s| keyed(s, key))
}

/// Calls `f` with each pid in `dir/cgroup.procs`.
fn for_each_pid(dir: Fd, mut f: impl FnMut(i32)) -> syscalls::Result<()> {
    let fd = syscalls::openat(dir, c(f::PROCS)?, RD, 0)?;
    let mut p = Pids::default();
    let mut b = [0u8; 256];
    loop {
        let n = syscalls::retry(|| syscalls::read(fd.raw(), &mut b))?;
        if n == 0 {
            break;
        }
        p.feed(b.get(..n).unwrap_or(&[]), &mut f);
    }
    p.end(&mut f);
    Ok(())
}

fn has_procs(dir: Fd) -> bool {
    let mut any = false;
    let _ = for_each_pid(dir, |_| any = true);
    any
}

fn sleep_ms(ms: u64) {
    let _ = syscalls::nanosleep(&Timespec::from_ms(ms));
}

/// `v` in decimal, or `max`/`-1` for `u64::MAX` (v2/v1 "unlimited").
fn num(v: u64, v1: bool) -> Buf<24> {
    let mut b = Buf::new();
    match (v, v1) {
        (u64::MAX, false) => b.push_str(b"max"),
        (u64::MAX, true) => b.push_str(b"-1"),
        _ => b.push_u64(v),
    };
    b
}

// ------------------------------------------------------------ detection

struct Hier {
    dir: OwnedFd,
    /// v1: the controllers of this hierarchy; v2: those the base offers.
    ctl: u8,
    /// The base's absolute path, for the log.
    path: CPath<256>,
    /// The base is rocker's (`root_child` or a fixed base), not the master's
    /// own cgroup: [`Cgroups::remove_base`] removes it.
    ours: bool,
}

/// rocker's cgroups: the mode, the base directory of each hierarchy, what the
/// kernel enforces. Holds one fd per hierarchy (at most [`MAX_H`]).
pub struct Cgroups {
    mode: Mode,
    hybrid: bool,
    moved: bool,
    feat: u32,
    h: [Option<Hier>; MAX_H],
    /// Tests run against a fake tree of plain files (writes create them).
    #[cfg(test)]
    fake: bool,
}

struct Own {
    v2: bool,
    ctl: u8,
    path: CPath<256>,
}

struct Found {
    v2: bool,
    ctl: u8,
    point: CPath<256>,
    rel: CPath<256>,
}

const N_SCAN: usize = MAX_H + 1;

struct Scan {
    own: [Own; N_SCAN],
    n_own: usize,
    found: [Found; N_SCAN],
    n_found: usize,
}

impl Scan {
    fn new() -> Scan {
        Scan {
            own: [const { Own { v2: false, ctl: 0, path: CPath::empty() } }; N_SCAN],
            n_own: 0,
            found: [const { Found { v2: false, ctl: 0, point: CPath::empty(), rel: CPath::empty() } }; N_SCAN],
            n_found: 0,
        }
    }

    fn cgroup(&mut self, line: &[u8]) {
        let Some(l) = parse::cgroup_line(line) else { return };
        if !l.v2 && l.ctl & WANTED == 0 {
            return;
        }
        if let (Some(o), Ok(path)) = (self.own.get_mut(self.n_own), CPath::new(l.path)) {
            *o = Own { v2: l.v2, ctl: l.ctl, path };
            self.n_own = self.n_own.saturating_add(1);
        }
    }

    fn mount(&mut self, line: &[u8]) {
        let Some(m) = parse::mount_line(line) else { return };
        let ctl = m.ctl & WANTED;
        if !m.v2 && ctl == 0 {
            return;
        }
        let found = self.found.get(..self.n_found).unwrap_or(&[]);
        if found.iter().any(|x| x.v2 == m.v2 && (m.v2 || x.ctl & ctl != 0)) {
            return; // first mount of a hierarchy wins
        }
        let own = self.own.get(..self.n_own).unwrap_or(&[]);
        let Some(own) = own.iter().find(|o| o.v2 == m.v2 && (m.v2 || o.ctl & ctl != 0)) else { return };
        let mut root = CPath::<256>::empty();
        let mut point = CPath::<256>::empty();
        let mut ok = true;
        parse::unescape(m.root, |b| ok &= root.push(&[b]).is_ok());
        parse::unescape(m.point, |b| ok &= point.push(&[b]).is_ok());
        let Some(rel) = parse::below_root(own.path.as_bytes(), root.as_bytes()) else { return };
        let (Ok(rel), Some(slot)) = (CPath::new(rel), self.found.get_mut(self.n_found)) else { return };
        if ok {
            *slot = Found { v2: m.v2, ctl, point, rel };
            self.n_found = self.n_found.saturating_add(1);
        }
    }
}

/// Streams the lines of a /proc file into `f` (lines over 511 bytes are
/// skipped: no cgroup line is that long).
fn proc_lines(path: &'static [u8], mut f: impl FnMut(&[u8])) -> R<()> {
    let fd = c(path).and_then(|p| syscalls::openat(syscalls::AT_FDCWD, p, RD, 0)).at(Step::ProcFiles, path)?;
    let mut b = [0u8; 512];
    let mut len = 0;
    let mut skip = false;
    while let Some(room) = b.get_mut(len..) {
        let n = syscalls::retry(|| syscalls::read(fd.raw(), room)).at(Step::ProcFiles, path)?;
        if n == 0 {
            break;
        }
        len = len.saturating_add(n);
        let mut start = 0;
        while let Some(i) = b.get(start..len).and_then(|s| s.iter().position(|&x| x == b'\n')) {
            let end = start.saturating_add(i);
            if !skip {
                f(b.get(start..end).unwrap_or(&[]));
            }
            skip = false;
            start = end.saturating_add(1);
        }
        b.copy_within(start..len, 0);
        len = len.saturating_sub(start);
        if len == b.len() {
            skip = true;
            len = 0;
        }
    }
    if !skip && len > 0 {
        f(b.get(..len).unwrap_or(&[]));
    }
    Ok(())
}

impl Cgroups {
    /// No cgroups: every limit is refused, sandboxes without limits work.
    pub const fn none() -> Cgroups {
        Cgroups {
            mode: Mode::None,
            hybrid: false,
            moved: false,
            feat: 0,
            h: [const { None }; MAX_H],
            #[cfg(test)]
            fake: false,
        }
    }

    /// Detects the cgroup setup of this process and opens (creates) the base
    /// in each hierarchy rocker uses. See the crate doc.
    pub fn detect(cfg: &Config) -> R<Cgroups> {
        let mut s = Scan::new();
        proc_lines(b"/proc/self/cgroup\0", |l| s.cgroup(l))?;
        proc_lines(b"/proc/self/mountinfo\0", |l| s.mount(l))?;
        Cgroups::from_scan(&s, cfg, false)
    }

    /// [`Cgroups::detect`] from the given contents of `/proc/self/mountinfo`
    /// and `/proc/self/cgroup` (tests, tools).
    pub fn detect_from(mountinfo: &[u8], proc_cgroup: &[u8], cfg: &Config) -> R<Cgroups> {
        Cgroups::detect_lines(mountinfo, proc_cgroup, cfg, false)
    }

    fn detect_lines(mountinfo: &[u8], proc_cgroup: &[u8], cfg: &Config, fake: bool) -> R<Cgroups> {
        let mut s = Scan::new();
        proc_cgroup.split(|&b| b == b'\n').for_each(|l| s.cgroup(l));
        mountinfo.split(|&b| b == b'\n').for_each(|l| s.mount(l));
        Cgroups::from_scan(&s, cfg, fake)
    }

    #[cfg_attr(not(test), allow(unused_variables))]
    fn from_scan(s: &Scan, cfg: &Config, fake: bool) -> R<Cgroups> {
        let mut cg = Cgroups::none();
        #[cfg(test)]
        {
            cg.fake = fake;
        }
        let found = s.found.get(..s.n_found).unwrap_or(&[]);
        let v2 = found.iter().find(|x| x.v2);
        if found.iter().any(|x| !x.v2 && x.ctl & LIMITING != 0) {
            cg.mode = Mode::V1;
            cg.hybrid = v2.is_some();
            for (i, x) in found.iter().filter(|x| !x.v2).enumerate() {
                let (dir, path, ours) = cg.open_base(x, cfg)?;
                if let Some(slot) = cg.h.get_mut(i) {
                    *slot = Some(Hier { dir, ctl: x.ctl, path, ours });
                }
            }
        } else if let Some(x) = v2 {
            cg.mode = Mode::V2;
            let (dir, path, ours) = cg.open_base(x, cfg)?;
            let ctl = cg.enable(dir.raw(), true)?;
            if let Some(slot) = cg.h.first_mut() {
                *slot = Some(Hier { dir, ctl, path, ours });
            }
        }
        cg.probe();
        Ok(cg)
    }

    /// Opens the base of one hierarchy, creating what is rocker's to create.
    fn open_base(&mut self, x: &Found, cfg: &Config) -> R<(OwnedFd, CPath<256>, bool)> {
        let e = |e| Error::new(Step::Base, f::NONE, e);
        let mut own = x.rel.as_bytes();
        if x.v2 {
            // A master restarted inside its own leaf uses the base above it.
            if let Some(up) = own.strip_suffix(LEAF).and_then(|p| p.strip_suffix(b"/")) {
                own = up;
            }
        }
        let at_root = own.iter().all(|&b| b == b'/');
        let mut rel = CPath::<256>::empty();
        let is_own = match cfg.base {
            Some(b) => {
                rel.push(b).map_err(e)?;
                b == own
            }
            None if at_root => {
                if !valid_name(cfg.root_child) {
                    return Err(e(Errno::EINVAL));
                }
                rel.push(b"/").and_then(|_| rel.push(cfg.root_child)).map_err(e)?;
                false
            }
            None => {
                rel.push(own).map_err(e)?;
                true
            }
        };
        let comps = || rel.as_bytes().split(|&b| b == b'/').filter(|p| !p.is_empty());
        if !rel.as_bytes().starts_with(b"/") || comps().next().is_none() || comps().any(|p| p == b"." || p == b"..") {
            return Err(e(Errno::EINVAL)); // relative, the root itself, or dot components
        }
        let mut cur = syscalls::openat(syscalls::AT_FDCWD, (&x.point).into(), DIR & !g::O_NOFOLLOW, 0)
            .at(Step::Mount, f::NONE)?;
        if !self.is_fake() {
            let magic = syscalls::fstatfs_type(cur.raw()).at(Step::Mount, f::NONE)?;
            let want = if x.v2 { g::CGROUP2_SUPER_MAGIC } else { g::CGROUP_SUPER_MAGIC };
            if magic != u64::from(want) {
                return Err(Error::new(Step::Mount, f::NONE, Errno::ENODEV));
            }
        }
        let mut path = x.point.clone();
        for p in comps() {
            if x.v2 && (cfg.enable_ancestors || !is_own) {
                self.enable(cur.raw(), false)?;
            }
            let name = CPath::<256>::new(p).map_err(e)?;
            let next = match open_dir(cur.raw(), (&name).into()) {
                Err(Errno::ENOENT) if !is_own => {
                    match syscalls::mkdirat(cur.raw(), (&name).into(), 0o755) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(x) => return Err(e(x)),
                    }
                    open_dir(cur.raw(), (&name).into())
                }
                r => r,
            }
            .map_err(e)?;
            path.push(b"/").and_then(|_| path.push(p)).map_err(e)?;
            cur = next;
        }
        Ok((cur, path, !is_own))
    }

    /// v2: enables memory, cpu and pids (those `cgroup.controllers` offers)
    /// in `dir`'s `cgroup.subtree_control`; with `leaf`, first moves the
    /// processes of `dir` into `dir/master`. Returns the controllers offered.
    fn enable(&mut self, dir: Fd, leaf: bool) -> R<u8> {
        let mut b = [0u8; 256];
        let avail = ctl_bits(read_at(dir, f::CONTROLLERS, &mut b).at(Step::Enable, f::CONTROLLERS)?, b' ') & LIMITING;
        let on = ctl_bits(read_at(dir, f::SUBTREE, &mut b).at(Step::Enable, f::SUBTREE)?, b' ');
        let need = avail & !on;
        if need == 0 {
            return Ok(avail);
        }
        if leaf && has_procs(dir) {
            self.move_to_leaf(dir)?;
        }
        for (bit, name) in NAMES {
            if need & bit != 0 {
                let mut v = Buf::<16>::new();
                v.push_byte(b'+').push_str(name);
                self.put(dir, f::SUBTREE, v.as_bytes()).at(Step::Enable, f::SUBTREE)?;
            }
        }
        Ok(avail)
    }

    /// Moves every process of `dir` into `dir/master` (v2's rule: no process
    /// in a cgroup that hands controllers to children).
    fn move_to_leaf(&mut self, dir: Fd) -> R<()> {
        let leaf = CPath::<8>::new(LEAF).at(Step::MoveMaster, f::MKDIR)?;
        match syscalls::mkdirat(dir, (&leaf).into(), 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(Error::new(Step::MoveMaster, f::MKDIR, e)),
        }
        let d = open_dir(dir, (&leaf).into()).at(Step::MoveMaster, f::MKDIR)?;
        for _ in 0..4 {
            let mut res = Ok(());
            let mut any = false;
            for_each_pid(dir, |pid| {
                any = true;
                let mut v = Buf::<16>::new();
                v.push_u64(pid as u64);
                match self.put(d.raw(), f::PROCS, v.as_bytes()) {
                    Ok(()) | Err(Errno::ESRCH) => {}
                    Err(e) => res = Err(e),
                }
            })
            .at(Step::MoveMaster, f::PROCS)?;
            res.at(Step::MoveMaster, f::PROCS)?;
            self.moved |= any;
            if !any || self.is_fake() {
                break;
            }
        }
        Ok(())
    }

    /// Which limits this kernel enforces here.
    fn probe(&mut self) {
        let mut ft = 0;
        let v2 = self.mode == Mode::V2;
        for h in self.h.iter().flatten() {
            let d = h.dir.raw();
            let has = |bit: u8, file: &[u8], flag: u32| if (v2 || h.ctl & bit != 0) && exists(d, file) { flag } else { 0 };
            if v2 {
                ft |= has(MEMORY, f::MEM_MAX, feat::MEMORY);
                ft |= has(MEMORY, f::SWAP_MAX, feat::SWAP);
                ft |= has(CPU, f::CPU_MAX, feat::CPU_MAX) | has(CPU, f::CPU_WEIGHT, feat::CPU_WEIGHT);
                ft |= has(PIDS, f::PIDS_MAX, feat::PIDS) | has(0, f::KILL, feat::KILL);
                ft |= has(0, f::FREEZE, feat::FREEZE) | has(0, f::CPU_STAT, feat::CPU_USAGE);
                ft |= has(MEMORY, f::MEM_EVENTS, feat::OOM_COUNT);
            } else {
                ft |= has(MEMORY, f::V1_MEM, feat::MEMORY) | has(MEMORY, f::V1_MEMSW, feat::SWAP);
                ft |= has(CPU, f::V1_QUOTA, feat::CPU_MAX) | has(CPU, f::V1_SHARES, feat::CPU_WEIGHT);
                ft |= has(PIDS, f::PIDS_MAX, feat::PIDS) | has(FREEZER, f::V1_FREEZER, feat::FREEZE);
                ft |= has(CPUACCT, f::V1_USAGE, feat::CPU_USAGE);
                if h.ctl & MEMORY != 0 && read_keyed(d, f::V1_OOM, b"oom_kill").is_some() {
                    ft |= feat::OOM_COUNT;
                }
            }
        }
        if !self.is_fake() && !exists(syscalls::AT_FDCWD, b"/proc/swaps\0") {
            ft |= feat::NO_SWAP;
        }
        self.feat = ft;
    }

    /// A cgroupfs file for writing (the fake tree of the tests creates it).
    fn open_w(&self, dir: Fd, file: &[u8]) -> syscalls::Result<OwnedFd> {
        let mut flags = g::O_WRONLY | g::O_NOFOLLOW | g::O_CLOEXEC;
        if self.is_fake() {
            flags |= g::O_CREAT | g::O_APPEND;
        }
        syscalls::openat(dir, c(file)?, flags, 0o644)
    }

    #[inline]
    fn is_fake(&self) -> bool {
        #[cfg(test)]
        return self.fake;
        #[cfg(not(test))]
        false
    }

    /// Writes `val` (plus a newline, which cgroupfs strips) in one write.
    fn put(&self, dir: Fd, file: &[u8], val: &[u8]) -> syscalls::Result<()> {
        let fd = self.open_w(dir, file)?;
        let mut b = Buf::<64>::new();
        b.push_str(val).push_byte(b'\n');
        let n = syscalls::retry(|| syscalls::write(fd.raw(), b.as_bytes()))?;
        if n == b.len() {
            Ok(())
        } else {
            Err(Errno::EIO)
        }
    }

    // -------------------------------------------------------- accessors

    pub fn mode(&self) -> Mode {
        self.mode
    }
    /// The `feat::*` bits.
    pub fn features(&self) -> u32 {
        self.feat
    }
    /// The controllers available (`MEMORY | CPU | ...`).
    pub fn controllers(&self) -> u8 {
        self.h.iter().flatten().fold(0, |a, h| a | h.ctl)
    }
    fn hiers(&self) -> impl Iterator<Item = &Hier> {
        self.h.iter().flatten()
    }

    /// One line for the master's log, e.g. `cgroup v1 (hybrid) memory=/sys/
    /// fs/cgroup/memory/x cpu=/sys/fs/cgroup/cpu/rocker ...; limits memory
    /// swap cpu.max cpu.weight pids; kill freeze; oom count`.
    pub fn summary<const N: usize>(&self, b: &mut Buf<N>) {
        b.push_str(match self.mode {
            Mode::None => b"cgroup none: no cgroup filesystem; every limit is refused",
            Mode::V1 if self.hybrid => b"cgroup v1 (hybrid: cgroup2 unused)",
            Mode::V1 => b"cgroup v1",
            Mode::V2 => b"cgroup v2",
        });
        for h in self.hiers() {
            b.push_byte(b' ');
            let mut sep = false;
            for (bit, name) in NAMES {
                if h.ctl & bit != 0 {
                    if sep {
                        b.push_byte(b',');
                    }
                    b.push_str(name);
                    sep = true;
                }
            }
            if self.mode == Mode::V2 {
                b.push_str(if sep { b" base=" } else { b"(no controllers) base=" });
            } else {
                b.push_byte(b'=');
            }
            b.push_str(h.path.as_bytes());
        }
        if self.moved {
            b.push_str(b" (master moved to ./master)");
        }
        if self.mode == Mode::None {
            return;
        }
        b.push_str(b"; limits");
        let list: [(u32, &[u8]); 9] = [
            (feat::MEMORY, b" memory"),
            (feat::SWAP, b" swap"),
            (feat::NO_SWAP, b" swap(kernel-without-swap)"),
            (feat::CPU_MAX, b" cpu.max"),
            (feat::CPU_WEIGHT, b" cpu.weight"),
            (feat::PIDS, b" pids"),
            (feat::KILL, b"; kill cgroup.kill"),
            (feat::FREEZE, b"; freeze"),
            (feat::OOM_COUNT, b"; oom count"),
        ];
        if self.feat & (feat::MEMORY | feat::SWAP | feat::CPU_MAX | feat::CPU_WEIGHT | feat::PIDS) == 0 {
            b.push_str(b" none");
        }
        for (bit, s) in list {
            if self.feat & bit != 0 {
                b.push_str(s);
            }
        }
    }

    // -------------------------------------------------------- sandboxes

    fn name(name: &[u8]) -> R<CPath<32>> {
        if !valid_name(name) {
            return Err(Error::new(Step::Name, f::NONE, Errno::EINVAL));
        }
        CPath::new(name).at(Step::Name, f::NONE)
    }

    /// Refuses, with the limit's file and `ENODEV`/`ENOENT`/`EINVAL`, what
    /// this kernel cannot enforce or does not accept.
    pub fn check(&self, l: &Limits) -> R<()> {
        let v1 = self.mode == Mode::V1;
        let ctl = self.controllers();
        let need = |bit: u8, flag: u32, file: &'static [u8]| {
            if ctl & bit == 0 {
                Err(Error::new(Step::Limit, file, Errno::ENODEV))
            } else if self.feat & flag == 0 {
                Err(Error::new(Step::Limit, file, Errno::ENOENT))
            } else {
                Ok(())
            }
        };
        let bad = |file| Err(Error::new(Step::Limit, file, Errno::EINVAL));
        if l.memory_max.is_some() {
            need(MEMORY, feat::MEMORY, if v1 { f::V1_MEM } else { f::MEM_MAX })?;
        }
        if let Some(s) = l.swap_max {
            let file = if v1 { f::V1_MEMSW } else { f::SWAP_MAX };
            if v1 && l.memory_max.is_none() {
                return bad(file);
            }
            if !(s == 0 && self.feat & feat::NO_SWAP != 0) {
                need(MEMORY, feat::SWAP, file)?;
            }
        }
        if let Some((q, p)) = l.cpu_max {
            let file = if v1 { f::V1_QUOTA } else { f::CPU_MAX };
            need(CPU, feat::CPU_MAX, file)?;
            if q < 1000 || !(1000..=1_000_000).contains(&p) {
                return bad(file);
            }
        }
        if let Some(w) = l.cpu_weight {
            let file = if v1 { f::V1_SHARES } else { f::CPU_WEIGHT };
            need(CPU, feat::CPU_WEIGHT, file)?;
            if !(1..=10000).contains(&w) {
                return bad(file);
            }
        }
        if l.pids_max.is_some() {
            need(PIDS, feat::PIDS, f::PIDS_MAX)?;
        }
        Ok(())
    }

    /// Creates the sandbox's cgroup `name` in every hierarchy with limits
    /// `l` and returns the fds to join it. On failure nothing is left.
    pub fn create(&self, name: &[u8], l: &Limits) -> R<Join> {
        let n = Cgroups::name(name)?;
        self.check(l)?;
        let mut j = Join { procs: [-1; MAX_H], n: 0, dir: -1 };
        let mut made = 0;
        if let Err(e) = self.create_in(&n, l, &mut j, &mut made) {
            drop(j);
            // Only what this call made: an existing cgroup of that name stays.
            for h in self.hiers().take(made) {
                let _ = syscalls::unlinkat(h.dir.raw(), (&n).into(), g::AT_REMOVEDIR);
            }
            return Err(e);
        }
        Ok(j)
    }

    fn create_in(&self, n: &CPath<32>, l: &Limits, j: &mut Join, made: &mut usize) -> R<()> {
        for h in self.hiers() {
            syscalls::mkdirat(h.dir.raw(), n.into(), 0o755).at(Step::Create, f::MKDIR)?;
            *made = made.saturating_add(1);
            let d = open_dir(h.dir.raw(), n.into()).at(Step::Create, f::MKDIR)?;
            self.apply(d.raw(), h.ctl, l)?;
            let p = self.open_w(d.raw(), f::PROCS).at(Step::Join, f::PROCS)?;
            if let Some(slot) = j.procs.get_mut(j.n) {
                *slot = p.into_raw();
                j.n = j.n.saturating_add(1);
            }
            if self.mode == Mode::V2 {
                j.dir = d.into_raw();
            }
        }
        Ok(())
    }

    fn apply(&self, d: Fd, ctl: u8, l: &Limits) -> R<()> {
        let put = |file: &'static [u8], v: &[u8]| self.put(d, file, v).at(Step::Limit, file);
        let v1 = self.mode == Mode::V1;
        if v1 {
            if ctl & MEMORY != 0 {
                if let Some(m) = l.memory_max {
                    put(f::V1_MEM, num(m, true).as_bytes())?;
                    if let (Some(s), true) = (l.swap_max, self.feat & feat::SWAP != 0) {
                        put(f::V1_MEMSW, num(m.saturating_add(s), true).as_bytes())?;
                    }
                }
            }
            if ctl & CPU != 0 {
                if let Some((q, p)) = l.cpu_max {
                    put(f::V1_PERIOD, num(p.into(), true).as_bytes())?;
                    put(f::V1_QUOTA, num(q.into(), true).as_bytes())?;
                }
                if let Some(w) = l.cpu_weight {
                    let shares = (u64::from(w).saturating_mul(1024) / 100).clamp(2, 262_144);
                    put(f::V1_SHARES, num(shares, true).as_bytes())?;
                }
            }
            if ctl & PIDS != 0 {
                if let Some(p) = l.pids_max {
                    put(f::PIDS_MAX, num(p.into(), true).as_bytes())?;
                }
            }
            return Ok(());
        }
        if let Some(m) = l.memory_max {
            put(f::MEM_MAX, num(m, false).as_bytes())?;
        }
        if let (Some(s), true) = (l.swap_max, self.feat & feat::SWAP != 0) {
            put(f::SWAP_MAX, num(s, false).as_bytes())?;
        }
        if let Some((q, p)) = l.cpu_max {
            let mut v = num(q.into(), false);
            v.push_byte(b' ').push_u64(p.into());
            put(f::CPU_MAX, v.as_bytes())?;
        }
        if let Some(w) = l.cpu_weight {
            put(f::CPU_WEIGHT, num(w.into(), false).as_bytes())?;
        }
        if let Some(p) = l.pids_max {
            put(f::PIDS_MAX, num(p.into(), false).as_bytes())?;
        }
        Ok(())
    }

    /// The sandbox's directory in each hierarchy where it exists.
    fn dirs(&self, n: &CPath<32>) -> R<[Option<OwnedFd>; MAX_H]> {
        let mut out: [Option<OwnedFd>; MAX_H] = Default::default();
        for (o, h) in out.iter_mut().zip(self.h.iter()) {
            if let Some(h) = h {
                *o = match open_dir(h.dir.raw(), n.into()) {
                    Ok(d) => Some(d),
                    Err(Errno::ENOENT) => None,
                    Err(e) => return Err(Error::new(Step::Read, f::NONE, e)),
                };
            }
        }
        Ok(out)
    }

    /// Current memory (bytes), pids, CPU time (µs) and OOM kills of a
    /// sandbox; [`UNKNOWN`] where this kernel does not say.
    pub fn usage(&self, name: &[u8]) -> R<Usage> {
        let n = Cgroups::name(name)?;
        let mut u = Usage { memory: UNKNOWN, pids: UNKNOWN, cpu_usec: UNKNOWN, oom_kills: UNKNOWN };
        let dirs = self.dirs(&n)?;
        if dirs.iter().all(Option::is_none) {
            return Err(Error::new(Step::Read, f::NONE, Errno::ENOENT));
        }
        let v2 = self.mode == Mode::V2;
        for (d, h) in dirs.iter().zip(self.h.iter()) {
            let (Some(d), Some(h)) = (d, h) else { continue };
            let d = d.raw();
            let is = |bit: u8| v2 || h.ctl & bit != 0;
            if is(MEMORY) {
                u.memory = read_num(d, if v2 { f::MEM_CUR } else { f::V1_MEM_CUR }).unwrap_or(UNKNOWN);
                u.oom_kills = read_keyed(d, if v2 { f::MEM_EVENTS } else { f::V1_OOM }, b"oom_kill").unwrap_or(UNKNOWN);
            }
            if is(PIDS) {
                u.pids = read_num(d, f::PIDS_CUR).unwrap_or(UNKNOWN);
            }
            if v2 {
                u.cpu_usec = read_keyed(d, f::CPU_STAT, b"usage_usec").unwrap_or(UNKNOWN);
            } else if h.ctl & CPUACCT != 0 {
                u.cpu_usec = read_num(d, f::V1_USAGE).map_or(UNKNOWN, |ns| ns / 1000);
            }
        }
        Ok(u)
    }

    /// v2: the sandbox's `memory.events`, read once, for `ppoll` with
    /// `POLLPRI` (set when the file changes, e.g. on an OOM kill; read it
    /// again, e.g. with [`Cgroups::usage`], to rearm). v1: `None` (see the
    /// crate doc).
    pub fn oom_events(&self, name: &[u8]) -> R<Option<OwnedFd>> {
        let n = Cgroups::name(name)?;
        if self.mode != Mode::V2 || self.feat & feat::OOM_COUNT == 0 {
            return Ok(None);
        }
        let [Some(d), ..] = self.dirs(&n)? else { return Err(Error::new(Step::Read, f::NONE, Errno::ENOENT)) };
        let fd = c(f::MEM_EVENTS).and_then(|p| syscalls::openat(d.raw(), p, RD, 0)).at(Step::Read, f::MEM_EVENTS)?;
        let mut b = [0u8; 512];
        let _ = syscalls::read(fd.raw(), &mut b);
        Ok(Some(fd))
    }

    /// SIGKILLs every process of the sandbox (nothing to do if it is empty).
    pub fn kill(&self, name: &[u8]) -> R<()> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        self.kill_dirs(&dirs)
    }

    fn kill_dirs(&self, dirs: &[Option<OwnedFd>; MAX_H]) -> R<()> {
        let any = || dirs.iter().flatten().any(|d| has_procs(d.raw()));
        if !any() {
            return Ok(());
        }
        let v2 = self.mode == Mode::V2;
        if v2 && self.feat & feat::KILL != 0 {
            if let Some(d) = dirs.iter().flatten().next() {
                return self.put(d.raw(), f::KILL, b"1").at(Step::Kill, f::KILL);
            }
        }
        // Freeze (so nothing forks while we kill), SIGKILL each pid, thaw.
        let fz = if self.feat & feat::FREEZE == 0 {
            None
        } else if v2 {
            dirs.iter().flatten().next().map(|d| (d.raw(), f::FREEZE, &b"1"[..], &b"0"[..]))
        } else {
            let i = self.h.iter().position(|h| h.as_ref().is_some_and(|h| h.ctl & FREEZER != 0));
            i.and_then(|i| dirs.get(i)).and_then(|d| d.as_ref()).map(|d| (d.raw(), f::V1_FREEZER, &b"FROZEN"[..], &b"THAWED"[..]))
        };
        if let Some((d, file, on, _)) = fz {
            self.put(d, file, on).at(Step::Kill, file)?;
            // v1 freezing completes asynchronously: FREEZING, then FROZEN.
            for _ in 0..100 {
                let mut b = [0u8; 16];
                if v2 || read_at(d, file, &mut b).map_or(true, |s| s.starts_with(b"FROZEN")) {
                    break;
                }
                sleep_ms(1);
            }
        }
        for _ in 0..8 {
            let mut seen = false;
            for d in dirs.iter().flatten() {
                let _ = for_each_pid(d.raw(), |pid| {
                    seen = true;
                    let _ = syscalls::kill(pid, g::SIGKILL);
                });
            }
            if !seen || fz.is_some() {
                break;
            }
            sleep_ms(1);
        }
        if let Some((d, file, _, off)) = fz {
            self.put(d, file, off).at(Step::Kill, file)?;
        }
        Ok(())
    }

    /// Removes the sandbox's cgroup from every hierarchy, killing what is
    /// still in it first. Idempotent: a cgroup already gone is success.
    pub fn remove(&self, name: &[u8]) -> R<()> {
        let n = Cgroups::name(name)?;
        for i in 0..100u32 {
            if i % 10 == 0 {
                self.kill_dirs(&self.dirs(&n)?)?;
            }
            match self.rmdir_all(&n) {
                Err(Errno::EBUSY) => sleep_ms(10),
                r => return r.at(Step::Remove, f::RMDIR),
            }
        }
        Err(Error::new(Step::Remove, f::RMDIR, Errno::EBUSY))
    }

    /// rmdir in every hierarchy; ENOENT counts as done; EBUSY if any is busy.
    fn rmdir_all(&self, n: &CPath<32>) -> syscalls::Result<()> {
        let mut res = Ok(());
        for h in self.hiers() {
            match syscalls::unlinkat(h.dir.raw(), n.into(), g::AT_REMOVEDIR) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => {
                    if res != Err(Errno::EBUSY) {
                        res = Err(e);
                    }
                }
            }
        }
        res
    }

    /// Removes the bases rocker created (`root_child`, a fixed base) if they
    /// are empty, for a clean exit; the master's own cgroups stay. `EBUSY`
    /// while sandboxes remain.
    pub fn remove_base(&self) -> R<()> {
        for h in self.hiers().filter(|h| h.ours) {
            let last = h.path.as_bytes().rsplit(|&b| b == b'/').next().unwrap_or(b"");
            let name = CPath::<256>::new(last).at(Step::Remove, f::RMDIR)?;
            let up = c(b"..\0").and_then(|p| open_dir(h.dir.raw(), p)).at(Step::Remove, f::RMDIR)?;
            match syscalls::unlinkat(up.raw(), (&name).into(), g::AT_REMOVEDIR) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => return Err(Error::new(Step::Remove, f::RMDIR, e)),
            }
        }
        Ok(())
    }

    /// Removes every child of the base whose name starts with `prefix` and
    /// that holds no process, in every hierarchy (for a master restarted
    /// after a crash). Returns how many were removed; live ones are kept.
    pub fn remove_stale(&self, prefix: &[u8]) -> R<u32> {
        if prefix.is_empty() {
            return Err(Error::new(Step::Name, f::NONE, Errno::EINVAL));
        }
        let mut removed = 0u32;
        for h in self.hiers() {
            for _pass in 0..4 {
                let dot = c(f::DOT).at(Step::Remove, f::DOT)?;
                let d = syscalls::openat(h.dir.raw(), dot, g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC, 0)
                    .at(Step::Remove, f::DOT)?;
                let mut changed = false;
                let mut b = [0u8; 512];
                loop {
                    let k = syscalls::getdents64(d.raw(), &mut b).at(Step::Remove, f::DOT)?;
                    if k == 0 {
                        break;
                    }
                    let buf = b.get(..k).unwrap_or(&[]);
                    let mut off = 0;
                    while let Some((next, ty, name)) = dirent(buf, off) {
                        off = next;
                        if u32::from(ty) != g::DT_DIR || !name.starts_with(prefix) || !valid_name(name) {
                            continue;
                        }
                        let Ok(n) = CPath::<32>::new(name) else { continue };
                        let dirs = self.dirs(&n)?;
                        if dirs.iter().flatten().any(|d| has_procs(d.raw())) {
                            continue;
                        }
                        if self.rmdir_all(&n).is_ok() {
                            removed = removed.saturating_add(1);
                            changed = true;
                        }
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        Ok(removed)
    }
}

/// Current use of one sandbox ([`Cgroups::usage`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub memory: u64,
    pub pids: u64,
    pub cpu_usec: u64,
    pub oom_kills: u64,
}

/// The fds that put a process into a sandbox's cgroups: one `cgroup.procs`
/// per hierarchy (`O_WRONLY|O_CLOEXEC`) and, on v2, the cgroup directory
/// (`O_PATH`) for `CLONE_INTO_CGROUP`. Closed on drop.
#[derive(Debug)]
pub struct Join {
    procs: [Fd; MAX_H],
    n: usize,
    dir: Fd,
}

impl Join {
    /// The `cgroup.procs` fds: writing `0` to each moves the writer
    /// ([`join`]). Pass them to the helper that joins, before it runs code.
    pub fn procs(&self) -> &[Fd] {
        self.procs.get(..self.n).unwrap_or(&[])
    }
    /// v2: the cgroup directory, for `clone3(CLONE_INTO_CGROUP)`.
    pub fn cgroup_dir(&self) -> Option<Fd> {
        (self.dir >= 0).then_some(self.dir)
    }

    /// Fork-style clone whose child starts inside the sandbox's cgroups:
    /// `clone3(CLONE_INTO_CGROUP)` on v2 with Linux 5.7+; otherwise (v1,
    /// `ENOSYS`, `E2BIG`, `EBADF`) `clone`, then the child joins through the
    /// `cgroup.procs` fds before returning, and exits with
    /// [`EXIT_JOIN_FAILED`] if it cannot. `flags` as for `clone` (namespace
    /// flags, `CLONE_PIDFD`) without the exit signal.
    pub fn fork(&self, flags: u32, exit_signal: u32, mut pidfd: Option<&mut i32>) -> syscalls::Result<Fork> {
        if let Some(d) = self.cgroup_dir() {
            match syscalls::clone3(flags.into(), exit_signal, Some(d), pidfd.as_deref_mut()) {
                Err(Errno::ENOSYS | Errno::E2BIG | Errno::EBADF) => {}
                r => return r,
            }
        }
        let f = syscalls::clone(flags | exit_signal, pidfd)?;
        if f == Fork::Child && join(self.procs()).is_err() {
            syscalls::exit_group(EXIT_JOIN_FAILED);
        }
        Ok(f)
    }
}

impl Drop for Join {
    fn drop(&mut self) {
        for &fd in self.procs().iter().chain(self.cgroup_dir().as_slice()) {
            drop(OwnedFd::from_raw(fd));
        }
    }
}

/// Moves the calling process into the cgroups: writes `0` to each
/// `cgroup.procs` fd (the fds of [`Join::procs`], received by a helper).
pub fn join(procs: &[Fd]) -> syscalls::Result<()> {
    for &fd in procs {
        if syscalls::retry(|| syscalls::write(fd, b"0"))? != 1 {
            return Err(Errno::EIO);
        }
    }
    Ok(())
}
