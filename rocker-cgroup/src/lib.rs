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
//! holds processes (the master itself), the master first moves into the
//! leaf `<base>/master` (any other process left in the base makes the next
//! step fail with `EBUSY`); then `+memory`, `+cpu`, `+pids` are written one by
//! one (only those the base's `cgroup.controllers` offers). The tree becomes:
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
    Freeze,
}

/// The file (or the operation) an [`Error`] is about: [`File::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    None,
    ProcCgroup,
    Mountinfo,
    Swaps,
    Procs,
    Controllers,
    Subtree,
    Kill,
    Freeze,
    MemMax,
    SwapMax,
    MemCur,
    MemEvents,
    CpuMax,
    CpuWeight,
    CpuStat,
    PidsMax,
    PidsCur,
    V1Mem,
    V1Memsw,
    V1MemCur,
    V1Oom,
    V1Quota,
    V1Period,
    V1Shares,
    V1Usage,
    V1Freezer,
    Mkdir,
    Rmdir,
    Dot,
    DotDot,
    Leaf,
}

/// The names, NUL-terminated, in the order of `File`.
const FILES: [&[u8]; 32] = [
    b"\0",
    b"/proc/self/cgroup\0",
    b"/proc/self/mountinfo\0",
    b"/proc/swaps\0",
    b"cgroup.procs\0",
    b"cgroup.controllers\0",
    b"cgroup.subtree_control\0",
    b"cgroup.kill\0",
    b"cgroup.freeze\0",
    b"memory.max\0",
    b"memory.swap.max\0",
    b"memory.current\0",
    b"memory.events\0",
    b"cpu.max\0",
    b"cpu.weight\0",
    b"cpu.stat\0",
    b"pids.max\0",
    b"pids.current\0",
    b"memory.limit_in_bytes\0",
    b"memory.memsw.limit_in_bytes\0",
    b"memory.usage_in_bytes\0",
    b"memory.oom_control\0",
    b"cpu.cfs_quota_us\0",
    b"cpu.cfs_period_us\0",
    b"cpu.shares\0",
    b"cpuacct.usage\0",
    b"freezer.state\0",
    b"mkdir\0",
    b"rmdir\0",
    b".\0",
    b"..\0",
    b"master\0",
];

impl File {
    fn nul(self) -> &'static [u8] {
        FILES.get(self as usize).copied().unwrap_or(b"\0")
    }
    /// `memory.swap.max`, `mkdir`, ... (empty for `None`).
    pub fn name(self) -> &'static [u8] {
        let s = self.nul();
        s.split_last().map_or(s, |(_, n)| n)
    }
    fn c(self) -> syscalls::Result<CStr<'static>> {
        CStr::from_bytes_with_nul(self.nul())
    }
}

/// A specific failure: the step, the cgroup file (or what) and the errno.
/// A limit the kernel cannot enforce is `Step::Limit` with the file of that
/// limit and `ENODEV` (controller not available) or `ENOENT` (controller
/// there, file missing: e.g. swap accounting off, no CFS bandwidth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub step: Step,
    pub file: File,
    pub errno: Errno,
}

impl Error {
    /// `cgroup limit memory.swap.max: ENOENT (2)`.
    pub fn describe<const N: usize>(&self, b: &mut Buf<N>) {
        const STEPS: [&[u8]; 13] = [
            b"proc", b"mount", b"base", b"enable", b"move-master", b"name", b"limit", b"create", b"join", b"read",
            b"kill", b"remove", b"freeze",
        ];
        let mut e = [0u8; 24];
        let n = self.errno.write_to(&mut e);
        b.push_str(b"cgroup ").push_str(STEPS.get(self.step as usize).copied().unwrap_or(b"?"));
        b.push_byte(b' ').push_str(self.file.name()).push_str(b": ").push_str(e.get(..n).unwrap_or(&[]));
    }
}

type R<T> = core::result::Result<T, Error>;

fn fail<T>(step: Step, file: File, errno: Errno) -> R<T> {
    Err(Error { step, file, errno })
}

trait At<T> {
    fn at(self, step: Step, file: File) -> R<T>;
}
impl<T> At<T> for syscalls::Result<T> {
    fn at(self, step: Step, file: File) -> R<T> {
        self.map_err(|errno| Error { step, file, errno })
    }
}

// ------------------------------------------------------------ cgroupfs files

/// A sandbox name (at most 31 bytes, see [`valid_name`]) with its NUL.
type Name = CPath<256>;
/// A value written to a cgroupfs file.
type Val = Buf<64>;

const DIR: u32 = g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC;
const RD: u32 = g::O_RDONLY | g::O_NOFOLLOW | g::O_CLOEXEC;

fn open_dir(at: Fd, name: CStr) -> syscalls::Result<OwnedFd> {
    syscalls::openat(at, name, DIR, 0)
}

fn open_file(dir: Fd, file: File, flags: u32) -> syscalls::Result<OwnedFd> {
    syscalls::openat(dir, file.c()?, flags, 0o644)
}

fn exists(dir: Fd, file: File) -> bool {
    open_file(dir, file, g::O_PATH | g::O_NOFOLLOW | g::O_CLOEXEC).is_ok()
}

/// Reads a small file whole (up to `buf.len()` bytes).
fn read_at(dir: Fd, file: File, buf: &mut [u8]) -> syscalls::Result<&[u8]> {
    let fd = open_file(dir, file, RD)?;
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
        match syscalls::retry(|| syscalls::read(fd.raw(), rest))? {
            0 => break,
            k => n = n.saturating_add(k),
        }
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// A number (`Some`) or the value of `key` in a flat-keyed file.
fn read_val(dir: Fd, file: File, key: Option<&[u8]>) -> Option<u64> {
    let mut b = [0u8; 512];
    let s = read_at(dir, file, &mut b).ok()?;
    match key {
        Some(k) => keyed(s, k),
        None => number(s),
    }
}

/// Calls `f` with each pid in `dir/cgroup.procs`.
fn for_each_pid(dir: Fd, f: &mut dyn FnMut(i32)) -> syscalls::Result<()> {
    let fd = open_file(dir, File::Procs, RD)?;
    let mut p = Pids::default();
    let mut b = [0u8; 256];
    loop {
        let n = syscalls::retry(|| syscalls::read(fd.raw(), &mut b))?;
        if n == 0 {
            break;
        }
        p.feed(b.get(..n).unwrap_or(&[]), &mut *f);
    }
    p.end(f);
    Ok(())
}

fn has_procs(dir: Fd) -> bool {
    let mut any = false;
    let _ = for_each_pid(dir, &mut |_| any = true);
    any
}

fn sleep_ms(ms: u64) {
    let _ = syscalls::nanosleep(&Timespec::from_ms(ms));
}

/// The next non-empty component of a `/`-separated path at `*pos`.
fn next_comp<'p>(s: &'p [u8], pos: &mut usize) -> Option<&'p [u8]> {
    let rest = s.get(*pos..)?;
    let start = rest.iter().position(|&b| b != b'/')?;
    let rest = rest.get(start..)?;
    let len = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    *pos = pos.saturating_add(start).saturating_add(len);
    rest.get(..len)
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
        let same = |v2: bool, c: u8| v2 == m.v2 && (m.v2 || c & ctl != 0);
        let found = self.found.get(..self.n_found).unwrap_or(&[]);
        if found.iter().any(|x| same(x.v2, x.ctl)) {
            return; // first mount of a hierarchy wins
        }
        let own = self.own.get(..self.n_own).unwrap_or(&[]);
        let Some(own) = own.iter().find(|o| same(o.v2, o.ctl)) else { return };
        let mut b = [0u8; 256];
        let root = parse::unescape(m.root, &mut b).and_then(|n| b.get(..n)).unwrap_or(b"");
        let Some(rel) = parse::below_root(own.path.as_bytes(), root).map(CPath::new) else { return };
        let mut b = [0u8; 256];
        let point = parse::unescape(m.point, &mut b).and_then(|n| b.get(..n)).map(CPath::new);
        if let (Ok(rel), Some(Ok(point)), Some(slot)) = (rel, point, self.found.get_mut(self.n_found)) {
            *slot = Found { v2: m.v2, ctl, point, rel };
            self.n_found = self.n_found.saturating_add(1);
        }
    }
}

/// Streams the lines of a /proc file into `f` (lines over 511 bytes are
/// skipped: no cgroup line is that long).
fn proc_lines(path: File, f: &mut dyn FnMut(&[u8])) -> R<()> {
    let fd = open_file(syscalls::AT_FDCWD, path, RD).at(Step::ProcFiles, path)?;
    let mut b = [0u8; 512];
    let mut len = 0;
    let mut skip = false;
    while let Some(room) = b.get_mut(len..) {
        let n = syscalls::retry(|| syscalls::read(fd.raw(), room)).at(Step::ProcFiles, path)?;
        let end = len.saturating_add(n);
        let mut start = 0;
        for i in len..end {
            if b.get(i) == Some(&b'\n') {
                if !skip {
                    f(b.get(start..i).unwrap_or(&[]));
                }
                skip = false;
                start = i.saturating_add(1);
            }
        }
        if n == 0 {
            if !skip && start < end {
                f(b.get(start..end).unwrap_or(&[]));
            }
            break;
        }
        b.copy_within(start..end, 0);
        len = end.saturating_sub(start);
        if len == b.len() {
            skip = true;
            len = 0;
        }
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
        proc_lines(File::ProcCgroup, &mut |l| s.cgroup(l))?;
        proc_lines(File::Mountinfo, &mut |l| s.mount(l))?;
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
        let v1 = found.iter().any(|x| !x.v2 && x.ctl & LIMITING != 0);
        cg.mode = match (v1, v2) {
            (true, _) => Mode::V1,
            (false, Some(_)) => Mode::V2,
            _ => Mode::None,
        };
        cg.hybrid = v1 && v2.is_some();
        let (any, want_v2) = (cg.mode != Mode::None, cg.mode == Mode::V2);
        let mut i = 0;
        for x in found.iter().filter(|x| any && x.v2 == want_v2) {
            let (dir, path, ours) = cg.open_base(x, cfg)?;
            let ctl = if x.v2 { cg.enable(dir.raw(), true)? } else { x.ctl };
            if let Some(slot) = cg.h.get_mut(i) {
                *slot = Some(Hier { dir, ctl, path, ours });
            }
            i = i.saturating_add(1);
        }
        cg.probe();
        Ok(cg)
    }

    /// Opens the base of one hierarchy, creating what is rocker's to create.
    fn open_base(&mut self, x: &Found, cfg: &Config) -> R<(OwnedFd, CPath<256>, bool)> {
        let e = |e| Error { step: Step::Base, file: File::None, errno: e };
        let mut own = x.rel.as_bytes();
        if x.v2 {
            // A master restarted inside its own leaf uses the base above it.
            if let Some(up) = own.strip_suffix(LEAF).and_then(|p| p.strip_suffix(b"/")) {
                own = up;
            }
        }
        let mut rel = CPath::<256>::empty();
        let is_own = match cfg.base {
            Some(b) => {
                rel.push(b).map_err(e)?;
                b == own
            }
            None if own.iter().all(|&b| b == b'/') => {
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
        // Absolute, not the root, no dot components: checked before any mkdir.
        let rel = rel.as_bytes();
        let (mut pos, mut n) = (0, 0);
        while let Some(p) = next_comp(rel, &mut pos) {
            if p == b"." || p == b".." {
                return Err(e(Errno::EINVAL));
            }
            n += 1;
        }
        if n == 0 || !rel.starts_with(b"/") {
            return Err(e(Errno::EINVAL));
        }
        let mut cur = syscalls::openat(syscalls::AT_FDCWD, (&x.point).into(), DIR & !g::O_NOFOLLOW, 0)
            .at(Step::Mount, File::None)?;
        if !self.is_fake() {
            let magic = syscalls::fstatfs_type(cur.raw()).at(Step::Mount, File::None)?;
            let want = if x.v2 { g::CGROUP2_SUPER_MAGIC } else { g::CGROUP_SUPER_MAGIC };
            if magic != u64::from(want) {
                return fail(Step::Mount, File::None, Errno::ENODEV);
            }
        }
        let mut path = x.point.clone();
        path.push(rel).map_err(e)?;
        let mut pos = 0;
        while let Some(p) = next_comp(rel, &mut pos) {
            if x.v2 && (cfg.enable_ancestors || !is_own) {
                self.enable(cur.raw(), false)?;
            }
            let name = CPath::<256>::new(p).map_err(e)?;
            let mut next = open_dir(cur.raw(), (&name).into());
            if next.as_ref().err() == Some(&Errno::ENOENT) && !is_own {
                match syscalls::mkdirat(cur.raw(), (&name).into(), 0o755) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(x) => return Err(e(x)),
                }
                next = open_dir(cur.raw(), (&name).into());
            }
            cur = next.map_err(e)?;
        }
        Ok((cur, path, !is_own))
    }

    /// v2: enables memory, cpu and pids (those `cgroup.controllers` offers)
    /// in `dir`'s `cgroup.subtree_control`; with `leaf`, the master first
    /// moves from `dir` into `dir/master`. Returns the controllers offered.
    fn enable(&mut self, dir: Fd, leaf: bool) -> R<u8> {
        let mut b = [0u8; 256];
        let avail = ctl_bits(read_at(dir, File::Controllers, &mut b).at(Step::Enable, File::Controllers)?, b' ');
        let on = ctl_bits(read_at(dir, File::Subtree, &mut b).at(Step::Enable, File::Subtree)?, b' ');
        let avail = avail & LIMITING;
        let need = avail & !on;
        if need == 0 {
            return Ok(avail);
        }
        if leaf && has_procs(dir) {
            // v2's rule: no process in a cgroup that hands controllers down.
            let leaf = File::Leaf.c().at(Step::MoveMaster, File::Leaf)?;
            match syscalls::mkdirat(dir, leaf, 0o755) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(x) => return fail(Step::MoveMaster, File::Mkdir, x),
            }
            let d = open_dir(dir, leaf).at(Step::MoveMaster, File::Leaf)?;
            self.put(d.raw(), File::Procs, b"0").at(Step::MoveMaster, File::Procs)?;
            self.moved = true;
        }
        for (bit, name) in NAMES {
            if need & bit != 0 {
                let mut v = Val::new();
                v.push_byte(b'+').push_str(name);
                self.put(dir, File::Subtree, v.as_bytes()).at(Step::Enable, File::Subtree)?;
            }
        }
        Ok(avail)
    }

    /// Which limits this kernel enforces here.
    fn probe(&mut self) {
        // (v2, controller of the hierarchy (v1), file, feature)
        const PROBES: [(bool, u8, File, u32); 16] = [
            (true, 0, File::MemMax, feat::MEMORY),
            (true, 0, File::SwapMax, feat::SWAP),
            (true, 0, File::CpuMax, feat::CPU_MAX),
            (true, 0, File::CpuWeight, feat::CPU_WEIGHT),
            (true, 0, File::PidsMax, feat::PIDS),
            (true, 0, File::Kill, feat::KILL),
            (true, 0, File::Freeze, feat::FREEZE),
            (true, 0, File::CpuStat, feat::CPU_USAGE),
            (true, 0, File::MemEvents, feat::OOM_COUNT),
            (false, MEMORY, File::V1Mem, feat::MEMORY),
            (false, MEMORY, File::V1Memsw, feat::SWAP),
            (false, CPU, File::V1Quota, feat::CPU_MAX),
            (false, CPU, File::V1Shares, feat::CPU_WEIGHT),
            (false, PIDS, File::PidsMax, feat::PIDS),
            (false, FREEZER, File::V1Freezer, feat::FREEZE),
            (false, CPUACCT, File::V1Usage, feat::CPU_USAGE),
        ];
        let v2 = self.mode == Mode::V2;
        let mut ft = 0;
        for h in self.h.iter().flatten() {
            let d = h.dir.raw();
            for (p2, bit, file, flag) in PROBES {
                if p2 == v2 && (v2 || h.ctl & bit != 0) && exists(d, file) {
                    ft |= flag;
                }
            }
            if !v2 && h.ctl & MEMORY != 0 && read_val(d, File::V1Oom, Some(b"oom_kill")).is_some() {
                ft |= feat::OOM_COUNT;
            }
        }
        if !self.is_fake() && !exists(syscalls::AT_FDCWD, File::Swaps) {
            ft |= feat::NO_SWAP;
        }
        self.feat = ft;
    }

    #[inline]
    fn is_fake(&self) -> bool {
        #[cfg(test)]
        return self.fake;
        #[cfg(not(test))]
        false
    }

    /// A cgroupfs file for writing (the fake tree of the tests creates it).
    fn open_w(&self, dir: Fd, file: File) -> syscalls::Result<OwnedFd> {
        let mut flags = g::O_WRONLY | g::O_NOFOLLOW | g::O_CLOEXEC;
        if self.is_fake() {
            flags |= g::O_CREAT | g::O_APPEND;
        }
        open_file(dir, file, flags)
    }

    /// Writes `val` (plus a newline, which cgroupfs strips) in one write.
    fn put(&self, dir: Fd, file: File, val: &[u8]) -> syscalls::Result<()> {
        let fd = self.open_w(dir, file)?;
        let mut b = Val::new();
        b.push_str(val).push_byte(b'\n');
        let n = syscalls::retry(|| syscalls::write(fd.raw(), b.as_bytes()))?;
        if n == b.len() {
            Ok(())
        } else {
            Err(Errno::EIO)
        }
    }

    /// Writes a limit: `a` (`u64::MAX`: `max` on v2, `-1` on v1), then ` b`.
    fn put_num(&self, dir: Fd, file: File, a: u64, b: Option<u64>) -> R<()> {
        let mut v = Val::new();
        match (a, self.mode) {
            (u64::MAX, Mode::V1) => v.push_str(b"-1"),
            (u64::MAX, _) => v.push_str(b"max"),
            _ => v.push_u64(a),
        };
        if let Some(b) = b {
            v.push_byte(b' ').push_u64(b);
        }
        self.put(dir, file, v.as_bytes()).at(Step::Limit, file)
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

    /// One line for the master's log, e.g. `cgroup v1 (hybrid: cgroup2
    /// unused) memory=/sys/fs/cgroup/memory/x cpu=/sys/fs/cgroup/cpu/rocker
    /// ...; limits memory swap cpu.max cpu.weight pids; freeze; oom count`.
    pub fn summary<const N: usize>(&self, b: &mut Buf<N>) {
        b.push_str(match self.mode {
            Mode::None => b"cgroup none: no cgroup filesystem; every limit is refused",
            Mode::V1 if self.hybrid => b"cgroup v1 (hybrid: cgroup2 unused)",
            Mode::V1 => b"cgroup v1",
            Mode::V2 => b"cgroup v2",
        });
        for h in self.hiers() {
            b.push_byte(b' ');
            let mut sep: &[u8] = b"";
            for (bit, name) in NAMES {
                if h.ctl & bit != 0 {
                    b.push_str(sep).push_str(name);
                    sep = b",";
                }
            }
            b.push_str(match (self.mode, sep.is_empty()) {
                (Mode::V2, true) => b"(no controllers) base=",
                (Mode::V2, false) => b" base=",
                _ => b"=",
            });
            b.push_str(h.path.as_bytes());
        }
        if self.moved {
            b.push_str(b" (master moved to ./master)");
        }
        if self.mode == Mode::None {
            return;
        }
        b.push_str(b"; limits");
        const LIST: [(u32, &[u8]); 9] = [
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
        for (bit, s) in LIST {
            if self.feat & bit != 0 {
                b.push_str(s);
            }
        }
    }

    // -------------------------------------------------------- sandboxes

    fn name(name: &[u8]) -> R<Name> {
        if !valid_name(name) {
            return fail(Step::Name, File::None, Errno::EINVAL);
        }
        CPath::new(name).at(Step::Name, File::None)
    }

    /// The writes that set `l`, in order: each with its file, value(s),
    /// controller and feature. Refuses values the kernel would not take.
    fn plan(&self, l: &Limits, w: &mut [Write; 7]) -> R<usize> {
        let v1 = self.mode == Mode::V1;
        let pick = |a, b| if v1 { a } else { b };
        let mut n = 0;
        let mut add = |file, a, b, ctl, flag| {
            if let Some(s) = w.get_mut(n) {
                *s = Write { file, a, b, ctl, flag };
                n += 1;
            }
        };
        if let Some(m) = l.memory_max {
            add(pick(File::V1Mem, File::MemMax), m, None, MEMORY, feat::MEMORY);
        }
        if let Some(s) = l.swap_max {
            let file = pick(File::V1Memsw, File::SwapMax);
            // On a kernel without swap, "no swap" needs no file.
            if s != 0 || self.feat & (feat::NO_SWAP | feat::SWAP) != feat::NO_SWAP {
                // v1 limits memory + swap together.
                let v = match (v1, l.memory_max) {
                    (false, _) => s,
                    (true, Some(m)) => m.saturating_add(s),
                    (true, None) => return fail(Step::Limit, file, Errno::EINVAL),
                };
                add(file, v, None, MEMORY, feat::SWAP);
            }
        }
        if let Some((q, p)) = l.cpu_max {
            if q < 1000 || !(1000..=1_000_000).contains(&p) {
                return fail(Step::Limit, pick(File::V1Quota, File::CpuMax), Errno::EINVAL);
            }
            if v1 {
                add(File::V1Quota, q.into(), None, CPU, feat::CPU_MAX);
                add(File::V1Period, p.into(), None, CPU, feat::CPU_MAX);
            } else {
                add(File::CpuMax, q.into(), Some(p.into()), CPU, feat::CPU_MAX);
            }
        }
        if let Some(wt) = l.cpu_weight {
            let file = pick(File::V1Shares, File::CpuWeight);
            if !(1..=10000).contains(&wt) {
                return fail(Step::Limit, file, Errno::EINVAL);
            }
            let shares = (u64::from(wt).saturating_mul(1024) / 100).clamp(2, 262_144);
            add(file, if v1 { shares } else { wt.into() }, None, CPU, feat::CPU_WEIGHT);
        }
        if let Some(p) = l.pids_max {
            add(File::PidsMax, p.into(), None, PIDS, feat::PIDS);
        }
        Ok(n)
    }

    /// Refuses, with the limit's file and `ENODEV`/`ENOENT`/`EINVAL`, what
    /// this kernel cannot enforce or does not accept.
    pub fn check(&self, l: &Limits) -> R<()> {
        let mut w = [Write::NONE; 7];
        let n = self.plan(l, &mut w)?;
        self.check_plan(w.get(..n).unwrap_or(&[]))
    }

    fn check_plan(&self, w: &[Write]) -> R<()> {
        let ctl = self.controllers();
        for x in w {
            if ctl & x.ctl == 0 {
                return fail(Step::Limit, x.file, Errno::ENODEV);
            }
            if self.feat & x.flag == 0 {
                return fail(Step::Limit, x.file, Errno::ENOENT);
            }
        }
        Ok(())
    }

    /// Creates the sandbox's cgroup `name` in every hierarchy with limits
    /// `l` and returns the fds to join it. On failure nothing it made is
    /// left (an existing cgroup of that name, `EEXIST`, stays).
    pub fn create(&self, name: &[u8], l: &Limits) -> R<Join> {
        let n = Cgroups::name(name)?;
        let mut w = [Write::NONE; 7];
        let k = self.plan(l, &mut w)?;
        let w = w.get(..k).unwrap_or(&[]);
        self.check_plan(w)?;
        let mut j = Join { procs: [-1; MAX_H], n: 0, dir: -1 };
        let mut made = 0;
        if let Err(e) = self.create_in(&n, w, &mut j, &mut made) {
            drop(j);
            for h in self.hiers().take(made) {
                let _ = syscalls::unlinkat(h.dir.raw(), (&n).into(), g::AT_REMOVEDIR);
            }
            return Err(e);
        }
        Ok(j)
    }

    fn create_in(&self, n: &Name, w: &[Write], j: &mut Join, made: &mut usize) -> R<()> {
        for h in self.hiers() {
            syscalls::mkdirat(h.dir.raw(), n.into(), 0o755).at(Step::Create, File::Mkdir)?;
            *made = made.saturating_add(1);
            let d = open_dir(h.dir.raw(), n.into()).at(Step::Create, File::Mkdir)?;
            for x in w.iter().filter(|x| self.mode == Mode::V2 || h.ctl & x.ctl != 0) {
                self.put_num(d.raw(), x.file, x.a, x.b)?;
            }
            let p = self.open_w(d.raw(), File::Procs).at(Step::Join, File::Procs)?;
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

    /// The fds to join the existing cgroup `name` (a second process of a
    /// running sandbox: the OCI runtime's `exec`). `ENOENT` if it is gone.
    pub fn open(&self, name: &[u8]) -> R<Join> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let mut j = Join { procs: [-1; MAX_H], n: 0, dir: -1 };
        for d in dirs.iter().flatten() {
            let p = self.open_w(d.raw(), File::Procs).at(Step::Join, File::Procs)?;
            if let Some(slot) = j.procs.get_mut(j.n) {
                *slot = p.into_raw();
                j.n = j.n.saturating_add(1);
            }
        }
        if j.n == 0 {
            return fail(Step::Join, File::Procs, Errno::ENOENT);
        }
        if self.mode == Mode::V2 {
            if let Some(d) = dirs.into_iter().flatten().next() {
                j.dir = d.into_raw();
            }
        }
        Ok(j)
    }

    /// The sandbox's directory in each hierarchy where it exists.
    fn dirs(&self, n: &Name) -> R<[Option<OwnedFd>; MAX_H]> {
        let mut out: [Option<OwnedFd>; MAX_H] = Default::default();
        for (o, h) in out.iter_mut().zip(self.h.iter()) {
            if let Some(h) = h {
                *o = match open_dir(h.dir.raw(), n.into()) {
                    Ok(d) => Some(d),
                    Err(Errno::ENOENT) => None,
                    Err(e) => return fail(Step::Read, File::None, e),
                };
            }
        }
        Ok(out)
    }

    /// Current memory (bytes), pids, CPU time (µs) and OOM kills of a
    /// sandbox; [`UNKNOWN`] where this kernel does not say.
    pub fn usage(&self, name: &[u8]) -> R<Usage> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        if dirs.iter().all(Option::is_none) {
            return fail(Step::Read, File::None, Errno::ENOENT);
        }
        // (controller (v1), v1 file, v2 file, key in v1 file, key in v2 file)
        type Src = (u8, File, File, &'static [u8], &'static [u8]);
        const U: [Src; 4] = [
            (MEMORY, File::V1MemCur, File::MemCur, b"", b""),
            (PIDS, File::PidsCur, File::PidsCur, b"", b""),
            (CPUACCT, File::V1Usage, File::CpuStat, b"", b"usage_usec"),
            (MEMORY, File::V1Oom, File::MemEvents, b"oom_kill", b"oom_kill"),
        ];
        let v2 = self.mode == Mode::V2;
        let mut v = [UNKNOWN; 4];
        for (d, h) in dirs.iter().zip(self.h.iter()) {
            let (Some(d), Some(h)) = (d, h) else { continue };
            for (&(bit, f1, f2, k1, k2), slot) in U.iter().zip(v.iter_mut()) {
                if v2 || h.ctl & bit != 0 {
                    let (file, key) = if v2 { (f2, k2) } else { (f1, k1) };
                    *slot = read_val(d.raw(), file, (!key.is_empty()).then_some(key)).unwrap_or(UNKNOWN);
                }
            }
        }
        let [memory, pids, cpu, oom_kills] = v;
        // v1 cpuacct.usage is in ns.
        let cpu_usec = if v2 || cpu == UNKNOWN { cpu } else { cpu / 1000 };
        Ok(Usage { memory, pids, cpu_usec, oom_kills })
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
        let [Some(d), ..] = self.dirs(&n)? else { return fail(Step::Read, File::None, Errno::ENOENT) };
        let fd = open_file(d.raw(), File::MemEvents, RD).at(Step::Read, File::MemEvents)?;
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
        if !dirs.iter().flatten().any(|d| has_procs(d.raw())) {
            return Ok(());
        }
        let v2 = self.mode == Mode::V2;
        let first = dirs.iter().flatten().next().map(|d| d.raw());
        if let (true, true, Some(d)) = (v2, self.feat & feat::KILL != 0, first) {
            return self.put(d, File::Kill, b"1").at(Step::Kill, File::Kill);
        }
        // Freeze (so nothing forks while we kill), SIGKILL each pid, thaw.
        let fz = self.freezer(dirs);
        if let Some((d, file, on, _)) = fz {
            self.freeze_at(d, file, on).at(Step::Kill, file)?;
        }
        for _ in 0..8 {
            let mut seen = false;
            for d in dirs.iter().flatten() {
                let _ = for_each_pid(d.raw(), &mut |pid| {
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

    /// The freezer of `dirs`, if the kernel has one: (dir, file, the value
    /// that freezes, the value that thaws).
    fn freezer(&self, dirs: &[Option<OwnedFd>; MAX_H]) -> Option<(Fd, File, &'static [u8], &'static [u8])> {
        if self.feat & feat::FREEZE == 0 {
            return None;
        }
        if self.mode == Mode::V2 {
            let d = dirs.iter().flatten().next()?;
            return Some((d.raw(), File::Freeze, b"1", b"0"));
        }
        let i = self.h.iter().position(|h| h.as_ref().is_some_and(|h| h.ctl & FREEZER != 0))?;
        let d = dirs.get(i)?.as_ref()?;
        Some((d.raw(), File::V1Freezer, b"FROZEN", b"THAWED"))
    }

    /// Writes the freezer; v1 freezing completes asynchronously (FREEZING,
    /// then FROZEN): waits up to 100 ms for it.
    fn freeze_at(&self, d: Fd, file: File, val: &[u8]) -> syscalls::Result<()> {
        self.put(d, file, val)?;
        for _ in 0..100 {
            let mut b = [0u8; 16];
            if file != File::V1Freezer || val != b"FROZEN" || read_at(d, file, &mut b).map_or(true, |s| s.starts_with(b"FROZEN")) {
                break;
            }
            sleep_ms(1);
        }
        Ok(())
    }

    /// Freezes (`on`) or thaws every process of the sandbox: v2
    /// `cgroup.freeze`, v1 `freezer.state`. `ENODEV` without a freezer.
    pub fn freeze(&self, name: &[u8], on: bool) -> R<()> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let (d, file, fz, thaw) = self.freezer(&dirs).ok_or(Error { step: Step::Freeze, file: File::Freeze, errno: Errno::ENODEV })?;
        self.freeze_at(d, file, if on { fz } else { thaw }).at(Step::Freeze, file)
    }

    /// The sandbox is frozen (v2 `cgroup.freeze` 1, v1 `FROZEN`).
    pub fn frozen(&self, name: &[u8]) -> R<bool> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let Some((d, file, fz, _)) = self.freezer(&dirs) else { return Ok(false) };
        let mut b = [0u8; 16];
        let s = read_at(d, file, &mut b).at(Step::Read, file)?;
        Ok(s.starts_with(fz))
    }

    /// Calls `f` with the pid of each process in the sandbox's cgroup.
    pub fn pids(&self, name: &[u8], f: &mut dyn FnMut(i32)) -> R<()> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let d = dirs.iter().flatten().next().ok_or(Error { step: Step::Read, file: File::Procs, errno: Errno::ENOENT })?;
        for_each_pid(d.raw(), f).at(Step::Read, File::Procs)
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
                r => return r.at(Step::Remove, File::Rmdir),
            }
        }
        fail(Step::Remove, File::Rmdir, Errno::EBUSY)
    }

    /// rmdir in every hierarchy; ENOENT counts as done; EBUSY if any is busy.
    fn rmdir_all(&self, n: &Name) -> syscalls::Result<()> {
        let mut res = Ok(());
        for h in self.hiers() {
            match syscalls::unlinkat(h.dir.raw(), n.into(), g::AT_REMOVEDIR) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) if res != Err(Errno::EBUSY) => res = Err(e),
                Err(_) => {}
            }
        }
        res
    }

    /// Removes the bases rocker created (`root_child`, a fixed base) if they
    /// are empty, for a clean exit; the master's own cgroups stay. `EBUSY`
    /// while sandboxes remain.
    pub fn remove_base(&self) -> R<()> {
        for h in self.hiers().filter(|h| h.ours) {
            let last = h.path.as_bytes().rsplit(|&b| b == b'/').find(|c| !c.is_empty()).unwrap_or(b"");
            let name = CPath::<256>::new(last).at(Step::Remove, File::Rmdir)?;
            let up = File::DotDot.c().and_then(|p| open_dir(h.dir.raw(), p)).at(Step::Remove, File::DotDot)?;
            match syscalls::unlinkat(up.raw(), (&name).into(), g::AT_REMOVEDIR) {
                Ok(()) | Err(Errno::ENOENT) => {}
                Err(e) => return fail(Step::Remove, File::Rmdir, e),
            }
        }
        Ok(())
    }

    /// Removes every child of the base whose name starts with `prefix` and
    /// that holds no process, in every hierarchy (for a master restarted
    /// after a crash). Returns how many were removed; live ones are kept.
    pub fn remove_stale(&self, prefix: &[u8]) -> R<u32> {
        if prefix.is_empty() {
            return fail(Step::Name, File::None, Errno::EINVAL);
        }
        let mut removed = 0u32;
        for h in self.hiers() {
            for _pass in 0..4 {
                let d = open_file(h.dir.raw(), File::Dot, g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC)
                    .at(Step::Remove, File::Dot)?;
                let mut changed = false;
                let mut b = [0u8; 512];
                loop {
                    let k = syscalls::getdents64(d.raw(), &mut b).at(Step::Remove, File::Dot)?;
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
                        let Ok(n) = Name::new(name) else { continue };
                        let dirs = self.dirs(&n)?;
                        if !dirs.iter().flatten().any(|d| has_procs(d.raw())) && self.rmdir_all(&n).is_ok() {
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

/// One limit to write ([`Cgroups::plan`]).
#[derive(Clone, Copy)]
struct Write {
    file: File,
    a: u64,
    b: Option<u64>,
    ctl: u8,
    flag: u32,
}

impl Write {
    const NONE: Write = Write { file: File::None, a: 0, b: None, ctl: 0, flag: 0 };
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
    /// [`EXIT_JOIN_FAILED`] if it cannot. `flags` as for `clone`; with
    /// `pidfd`, the child's pidfd lands there.
    pub fn fork(&self, flags: syscalls::CloneFlags, mut pidfd: Option<&mut i32>) -> syscalls::Result<Fork> {
        if let Some(d) = self.cgroup_dir() {
            let with_pidfd = if pidfd.is_some() { g::CLONE_PIDFD } else { 0 };
            let bits = u64::from(flags.ns().bits() | with_pidfd);
            match syscalls::clone3(bits, flags.exit_signal(), Some(d), pidfd.as_deref_mut()) {
                Err(Errno::ENOSYS | Errno::E2BIG | Errno::EBADF) => {}
                r => return r,
            }
        }
        let f = syscalls::clone(flags, pidfd)?;
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
