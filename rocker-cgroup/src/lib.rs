//! rocker-cgroup: one cgroup per sandbox, for memory, CPU and pids limits,
//! on cgroup v2 or on the v1 hierarchies. A library for the master.
//!
//! **Controllers on demand.** Every sandbox gets its own cgroup (membership,
//! kill-all on removal, cleanup after a crash, the OCI runtime's freezer)
//! with the pids controller (cheap: `rocker ps`'s pid count, the fork-bomb
//! limit). The memory controller costs ~60 kB of kernel memory per cgroup
//! on a 32-bit router (cpu less), so it and cpu are turned on only when
//! needed ([`Config::always`] lists the controllers every sandbox gets from
//! the start: pids and the freezer; the master's `--memory-accounting` adds
//! memory):
//! - v1: a sandbox's directory in the memory (cpu) hierarchy is made only
//!   when it asks for a memory (cpu) limit, and removed with it (and by
//!   [`Cgroups::remove_stale`], which scans every hierarchy);
//! - v2: `+memory` (`+cpu`) is written into the base's
//!   `cgroup.subtree_control` the first time a sandbox asks for such a
//!   limit; it then applies to every sibling (the kernel gives the existing
//!   ones the controller too) and is never taken back while the master runs.
//!
//! Where memory is off, [`Cgroups::usage`] reports its memory and OOM kills
//! as [`UNKNOWN`] (`rocker ps` shows `-`) and [`Cgroups::oom_events`] gives
//! no fd.
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
//! (`rocker`) instead.
//!
//! **v2 rules.** A child gets a controller only when its parent lists it in
//! `cgroup.subtree_control`, and a non-root cgroup with controllers enabled
//! there may hold no process ("no internal processes"). So, as crun and
//! systemd-delegated managers do: when the base must enable controllers and
//! holds processes (the master itself), the master first moves into the
//! leaf `<base>/master` (any other process left in the base makes the next
//! step fail with `EBUSY`); then `+pids` (the controllers of
//! [`Config::always`] the base's `cgroup.controllers` offers) is written;
//! `+memory`, `+cpu` follow on demand (above). The tree becomes:
//!
//! ```text
//! <base>/               subtree_control: pids [memory] [cpu] (no process here)
//! <base>/master/        the master and its helpers
//! <base>/rg-1a2b3c4d5e/ one per sandbox: pids.max [memory.max, cpu.max] ...
//! ```
//!
//! A master restarted inside `<base>/master` uses `<base>` again. One caveat:
//! a supervisor that writes a restarted master's pid into `<base>` gets
//! `EBUSY` (that rule again); procd ignores the error and the master starts
//! in procd's own cgroup, with its sandboxes below that. Ancestors are only
//! touched for the created `rocker` (the root hands it every controller, at
//! start: one cgroup's cost, and the way to learn which limit files the
//! kernel has; `rocker` hands its children only what is on).
//!
//! v1, with the master in procd's cgroups (`/x`) or the roots (`rocker`):
//!
//! ```text
//! pids/<base>/rg-1a2b3c4d5e/          every sandbox
//! freezer/<base>/rg-1a2b3c4d5e/       every sandbox (pause/resume)
//! memory/<base>/rg-1a2b3c4d5e/        only with --memory (or --memory-accounting)
//! cpu,cpuacct/<base>/rg-1a2b3c4d5e/   only with --cpus / --cpu-weight
//! ```
//!
//! **Safety of the file operations.** Each base directory is opened once,
//! from the mount point, and must be on a cgroup filesystem (its magic);
//! everything after that is `openat`/`mkdirat`/`unlinkat` relative to those
//! fds, with the sandbox name (validated, at most 31 bytes) as the only path.
//! Mounts whose mountinfo fields are escaped (a space in the path) are left
//! alone.
//!
//! **Limits** ([`Limits`] is rocker-spec's: the values are validated there,
//! the same on every host; here only what this host cannot enforce is
//! refused).
//!
//! **Joining** ([`Join`]): the `cgroup.procs` fd of each hierarchy
//! (`O_WRONLY|O_CLOEXEC`; writing `0` moves the writer) and, on v2, the cgroup
//! directory fd for `clone3(CLONE_INTO_CGROUP)` ([`Join::fork`] does both,
//! falling back on kernels before 5.7).
//!
//! **OOM kills**: v2 counts them in `memory.events` (`oom_kill N`); the file
//! raises `POLLPRI` when it changes ([`Cgroups::oom_events`]). v1 (4.13+) counts
//! them in `memory.oom_control`: the master reads the counter
//! ([`Cgroups::usage`]) when the sandbox ends; the v1
//! `cgroup.event_control` eventfd was left out (it signals "under OOM", not
//! "killed", and needs eventfd plumbing for nothing the counter lacks).
//!
//! **Removal** ([`Cgroups::remove`]): kill what is left (v2 `cgroup.kill`,
//! 5.14+; else SIGKILL every pid listed, until none is: a killed process
//! cannot fork any more), then `rmdir` in every hierarchy, retrying `EBUSY`
//! for up to a second; `ENOENT` is success. In rocker little is ever left:
//! the sandbox's processes die with its PID namespace when the guard does.
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

pub use parse::{valid_name, CPU, FREEZER, MEMORY, PIDS};
use parse::{ctl_bits, dirent, keyed, number, Pids, NAMES, WANTED};
use rocker_proto::Buf;
pub use rocker_spec::Limits;
use syscalls::sys::general as g;
use core::cell::Cell;
use syscalls::{CPath, CStr, Errno, Fd, Fork, OwnedFd, Timespec};

/// Most hierarchies used at once (v1: memory, cpu, pids).
pub const MAX_H: usize = 4;
/// The leaf the master moves into on v2 (see the crate doc).
pub const LEAF: &[u8] = b"master";
/// Exit status of a child of [`Join::fork`] that could not join its cgroup
/// (it runs no code of the caller then).
pub const EXIT_JOIN_FAILED: i32 = 125;
/// A value of [`Usage`] this kernel does not report.
pub const UNKNOWN: u64 = u64::MAX;

/// What the kernel enforces or offers here ([`Cgroups::features`]); the
/// order of the names in [`Cgroups::summary`].
pub mod feat {
    pub const MEMORY: u32 = 1;
    pub const SWAP: u32 = 2;
    pub const CPU_MAX: u32 = 4;
    pub const CPU_WEIGHT: u32 = 8;
    pub const PIDS: u32 = 16;
    /// v2 `cgroup.kill` (5.14+).
    pub const KILL: u32 = 32;
    /// OOM kill counter: v2 `memory.events`, v1 `memory.oom_control` (its
    /// `oom_kill` line since 4.13).
    pub const OOM_COUNT: u32 = 64;
    /// A kernel without swap (no `/proc/swaps`): "no swap" holds by itself.
    pub const NO_SWAP: u32 = 128;
    /// v2 `cgroup.freeze` (5.2+) or the v1 freezer.
    pub const FREEZE: u32 = 256;
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
    /// A fixed base instead (absolute from each hierarchy's root; the OCI
    /// runtime's, the parent of a `cgroupsPath`): made where missing, with
    /// the controllers enabled down to it on v2; removed by `remove_base`
    /// when empty.
    pub base: Option<&'a [u8]>,
    /// The controllers every sandbox gets from the start (`PIDS | FREEZER`;
    /// the master's `--memory-accounting` adds `MEMORY`). The others are
    /// turned on when a sandbox asks for one of their limits (crate doc).
    pub always: u8,
}

impl Config<'static> {
    pub const DEFAULT: Config<'static> = Config { root_child: b"rocker", base: None, always: PIDS | FREEZER };
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
    MemMax,
    SwapMax,
    MemCur,
    MemEvents,
    CpuMax,
    CpuWeight,
    PidsMax,
    PidsCur,
    V1Mem,
    V1Memsw,
    V1MemCur,
    V1Oom,
    V1Quota,
    V1Period,
    V1Shares,
    Mkdir,
    Rmdir,
    Dot,
    DotDot,
    Leaf,
    Freeze,
    V1Freezer,
}

/// The names, NUL-terminated, in the order of `File`.
const FILES: [&[u8]; 30] = [
    b"\0",
    b"/proc/self/cgroup\0",
    b"/proc/self/mountinfo\0",
    b"/proc/swaps\0",
    b"cgroup.procs\0",
    b"cgroup.controllers\0",
    b"cgroup.subtree_control\0",
    b"cgroup.kill\0",
    b"memory.max\0",
    b"memory.swap.max\0",
    b"memory.current\0",
    b"memory.events\0",
    b"cpu.max\0",
    b"cpu.weight\0",
    b"pids.max\0",
    b"pids.current\0",
    b"memory.limit_in_bytes\0",
    b"memory.memsw.limit_in_bytes\0",
    b"memory.usage_in_bytes\0",
    b"memory.oom_control\0",
    b"cpu.cfs_quota_us\0",
    b"cpu.cfs_period_us\0",
    b"cpu.shares\0",
    b"mkdir\0",
    b"rmdir\0",
    b".\0",
    b"..\0",
    b"master\0",
    b"cgroup.freeze\0",
    b"freezer.state\0",
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
type Name = CPath<32>;
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

/// A number (`key` empty) or the value of `key` in a flat-keyed file.
fn read_val(dir: Fd, file: File, key: &[u8]) -> Option<u64> {
    let mut b = [0u8; 512];
    let s = read_at(dir, file, &mut b).ok()?;
    if key.is_empty() {
        number(s)
    } else {
        keyed(s, key)
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

/// Whether `dir/cgroup.procs` lists anything.
fn has_procs(dir: Fd) -> bool {
    read_at(dir, File::Procs, &mut [0u8; 1]).is_ok_and(|s| !s.is_empty())
}

fn sleep_ms(ms: u64) {
    let _ = syscalls::nanosleep(&Timespec::from_ms(ms));
}

/// Calls `f` with each line of a /proc file. It reads at explicit offsets
/// (no buffer shifting); a line longer than the buffer (no cgroup line is)
/// is skipped.
fn proc_lines(path: File, f: &mut dyn FnMut(&[u8])) -> R<()> {
    let fd = open_file(syscalls::AT_FDCWD, path, RD).at(Step::ProcFiles, path)?;
    let mut b = [0u8; 1024];
    let (mut off, mut skip) = (0u64, false);
    loop {
        let n = syscalls::retry(|| syscalls::pread(fd.raw(), &mut b, off)).at(Step::ProcFiles, path)?;
        let s = b.get(..n).unwrap_or(&[]);
        let Some(last) = s.iter().rposition(|&c| c == b'\n') else {
            if n == 0 {
                return Ok(());
            }
            (skip, off) = (true, off.saturating_add(n as u64));
            continue;
        };
        for l in s.get(..last).unwrap_or(&[]).split(|&c| c == b'\n') {
            if !core::mem::take(&mut skip) {
                f(l);
            }
        }
        off = off.saturating_add(last as u64 + 1);
    }
}

/// The path of a directory fd (`/proc/self/fd/N`), for the log.
fn path_of(dir: Fd, buf: &mut [u8]) -> &[u8] {
    let mut p = CPath::<32>::empty();
    let n = p.push(b"/proc/self/fd/").and_then(|_| p.push_num(dir as u64)).and_then(|_| syscalls::readlinkat(syscalls::AT_FDCWD, (&p).into(), buf));
    buf.get(..n.unwrap_or(0)).unwrap_or(&[])
}

// ------------------------------------------------------------ detection

/// What one mountinfo line is: 1 a v1 hierarchy with a controller of
/// ours, 2 cgroup2, else 0.
fn kind(line: &[u8]) -> u8 {
    match parse::mount_line(line) {
        Some(m) if m.v2 => 2,
        Some(m) if m.ctl & WANTED != 0 => 1,
        _ => 0,
    }
}


struct Hier {
    dir: OwnedFd,
    /// v1: the controllers of this hierarchy; v2: those the base offers.
    ctl: u8,
    /// The base is rocker's (`root_child`), not the master's own cgroup:
    /// [`Cgroups::remove_base`] removes it.
    ours: bool,
}

/// rocker's cgroups: the mode, the base directory of each hierarchy, what the
/// kernel enforces. Holds one fd per hierarchy (at most [`MAX_H`]).
pub struct Cgroups {
    mode: Mode,
    hybrid: bool,
    /// v2: the master moved into the leaf (at start, or when a controller
    /// was turned on later).
    moved: Cell<bool>,
    feat: u32,
    /// [`Config::always`].
    always: u8,
    /// v2: the controllers in the base's `cgroup.subtree_control` (each
    /// sandbox has them); only ever grows.
    on: Cell<u8>,
    h: [Option<Hier>; MAX_H],
    /// Tests run against a fake tree of plain files (writes create them).
    #[cfg(test)]
    fake: bool,
}

impl Cgroups {
    /// No cgroups: every limit is refused, sandboxes without limits work.
    pub const fn none() -> Cgroups {
        Cgroups {
            mode: Mode::None,
            hybrid: false,
            moved: Cell::new(false),
            feat: 0,
            always: 0,
            on: Cell::new(0),
            h: [const { None }; MAX_H],
            #[cfg(test)]
            fake: false,
        }
    }

    /// Detects the cgroup setup of this process and opens (creates) the base
    /// in each hierarchy rocker uses. See the crate doc.
    pub fn detect(cfg: &Config) -> R<Cgroups> {
        let mut own = [0u8; 1024];
        let own = read_at(syscalls::AT_FDCWD, File::ProcCgroup, &mut own).at(Step::ProcFiles, File::ProcCgroup)?;
        let mut cg = Cgroups::none();
        cg.always = cfg.always;
        let mut seen = 0;
        proc_lines(File::Mountinfo, &mut |l| seen |= kind(l))?;
        cg.set_mode(seen);
        let mut res = Ok(());
        proc_lines(File::Mountinfo, &mut |l| {
            if res.is_ok() {
                res = cg.mount(l, own, cfg);
            }
        })?;
        res?;
        cg.probe();
        Ok(cg)
    }

    /// [`Cgroups::detect`] from the given contents of `/proc/self/mountinfo`
    /// and `/proc/self/cgroup` (tests, tools).
    pub fn detect_from(mountinfo: &[u8], proc_cgroup: &[u8], cfg: &Config) -> R<Cgroups> {
        Cgroups::detect_lines(mountinfo, proc_cgroup, cfg, false)
    }

    #[cfg_attr(not(test), allow(unused_variables, unused_mut))]
    fn detect_lines(mountinfo: &[u8], proc_cgroup: &[u8], cfg: &Config, fake: bool) -> R<Cgroups> {
        let mut cg = Cgroups::none();
        cg.always = cfg.always;
        #[cfg(test)]
        {
            cg.fake = fake;
        }
        let lines = || mountinfo.split(|&b| b == b'\n');
        cg.set_mode(lines().fold(0, |a, l| a | kind(l)));
        for l in lines() {
            cg.mount(l, proc_cgroup, cfg)?;
        }
        cg.probe();
        Ok(cg)
    }

    /// v1 when a v1 hierarchy holds a controller of ours (a hybrid host
    /// if cgroup2 is mounted too), else v2 when cgroup2 is mounted.
    fn set_mode(&mut self, seen: u8) {
        self.hybrid = seen == 3;
        self.mode = [Mode::None, Mode::V1, Mode::V2, Mode::V1].get(usize::from(seen)).copied().unwrap_or(Mode::None);
    }

    /// One line of mountinfo: opens the base in the first mount of each v1
    /// hierarchy of ours (v1) or in the first cgroup2 mount (v2).
    fn mount(&mut self, line: &[u8], own: &[u8], cfg: &Config) -> R<()> {
        let v2 = self.mode == Mode::V2;
        let Some(m) = parse::mount_line(line) else { return Ok(()) };
        let ctl = m.ctl & WANTED;
        let taken = if v2 { self.h.iter().any(Option::is_some) } else { ctl == 0 || self.controllers() & ctl != 0 };
        if m.v2 != v2 || taken {
            return Ok(());
        }
        // Our path in this hierarchy, as seen below the mount's root.
        let mine = |l: &parse::CgLine| l.v2 == v2 && (v2 || l.ctl & ctl != 0);
        let Some(l) = own.split(|&b| b == b'\n').filter_map(parse::cgroup_line).find(mine) else { return Ok(()) };
        // Escaped names (a space in a mount point) are not ours to decode.
        let Some(mut rel) = parse::below_root(l.path, m.root).filter(|_| !line.contains(&b'\\')) else { return Ok(()) };
        if v2 {
            // A master restarted inside its own leaf uses the base above it.
            rel = rel.strip_suffix(LEAF).and_then(|p| p.strip_suffix(b"/")).unwrap_or(rel);
        }
        let (dir, ours) = self.open_base(m.point, rel, cfg)?;
        let ctl = if v2 {
            let (avail, on) = self.enable(dir.raw(), cfg.always, !ours)?;
            self.on.set(on);
            avail
        } else {
            ctl
        };
        if let Some(slot) = self.h.iter_mut().find(|h| h.is_none()) {
            *slot = Some(Hier { dir, ctl, ours });
        }
        Ok(())
    }

    /// Opens the base of one hierarchy: the master's own cgroup `rel` below
    /// the mount `point`, or in the root of the hierarchy `root_child` (made
    /// if missing; on v2 with the controllers enabled in the root). Checks
    /// that it is on a cgroup filesystem.
    fn open_base(&mut self, point: &[u8], rel: &[u8], cfg: &Config) -> R<(OwnedFd, bool)> {
        let e = |e| Error { step: Step::Base, file: File::None, errno: e };
        let p = CPath::<256>::new(point).map_err(e)?;
        let top = syscalls::openat(syscalls::AT_FDCWD, (&p).into(), DIR & !g::O_NOFOLLOW, 0).at(Step::Mount, File::None)?;
        if let Some(base) = cfg.base {
            return self.fixed_base(top, base);
        }
        let rel = rel.strip_prefix(b"/").unwrap_or(rel);
        let ours = rel.is_empty();
        let name = CPath::<256>::new(if ours { cfg.root_child } else { rel }).map_err(e)?;
        if ours {
            if !valid_name(cfg.root_child) {
                return Err(e(Errno::EINVAL));
            }
            if self.mode == Mode::V2 {
                self.enable(top.raw(), WANTED, false)?;
            }
            match syscalls::mkdirat(top.raw(), (&name).into(), 0o755) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(x) => return Err(e(x)),
            }
        }
        // cgroupfs has no symlinks: the filesystem check below is what counts.
        let dir = open_dir(top.raw(), (&name).into()).map_err(e)?;
        if !self.is_fake() {
            let want = if self.mode == Mode::V2 { g::CGROUP2_SUPER_MAGIC } else { g::CGROUP_SUPER_MAGIC };
            if syscalls::fstatfs_type(dir.raw()).at(Step::Mount, File::None)? != u64::from(want) {
                return fail(Step::Mount, File::None, Errno::ENODEV);
            }
        }
        Ok((dir, ours))
    }

    /// [`Config::base`] below the hierarchy's root `top`: each component
    /// a plain name, made if missing; on v2 the controllers are enabled in
    /// each ancestor on the way.
    fn fixed_base(&mut self, top: OwnedFd, base: &[u8]) -> R<(OwnedFd, bool)> {
        let e = |e| Error { step: Step::Base, file: File::None, errno: e };
        let mut cur = top;
        let mut n = 0;
        for c in base.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            if !valid_name(c) {
                return Err(e(Errno::EINVAL));
            }
            if self.mode == Mode::V2 {
                self.enable(cur.raw(), WANTED, false)?;
            }
            let name = CPath::<256>::new(c).map_err(e)?;
            match syscalls::mkdirat(cur.raw(), (&name).into(), 0o755) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(x) => return Err(e(x)),
            }
            cur = open_dir(cur.raw(), (&name).into()).map_err(e)?;
            n += 1;
        }
        if n == 0 {
            return Err(e(Errno::EINVAL));
        }
        if !self.is_fake() {
            let want = if self.mode == Mode::V2 { g::CGROUP2_SUPER_MAGIC } else { g::CGROUP_SUPER_MAGIC };
            if syscalls::fstatfs_type(cur.raw()).at(Step::Mount, File::None)? != u64::from(want) {
                return fail(Step::Mount, File::None, Errno::ENODEV);
            }
        }
        Ok((cur, true))
    }

    /// v2: enables the controllers `want` (those `cgroup.controllers`
    /// offers and `cgroup.subtree_control` lacks) in `dir`'s
    /// `cgroup.subtree_control`, in one write; with `leaf`, the master first
    /// moves from `dir` into `dir/master` if `dir` holds processes (v2's
    /// rule: none in a cgroup that hands controllers down). Returns the
    /// controllers offered and those enabled now.
    fn enable(&self, dir: Fd, want: u8, leaf: bool) -> R<(u8, u8)> {
        let mut b = [0u8; 256];
        let avail = ctl_bits(read_at(dir, File::Controllers, &mut b).at(Step::Enable, File::Controllers)?, b' ') & WANTED;
        let has = ctl_bits(read_at(dir, File::Subtree, &mut b).at(Step::Enable, File::Subtree)?, b' ') & WANTED;
        let need = avail & want & !has;
        if need == 0 {
            return Ok((avail, has));
        }
        if leaf && has_procs(dir) {
            let leaf = File::Leaf.c().at(Step::MoveMaster, File::Leaf)?;
            match syscalls::mkdirat(dir, leaf, 0o755) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(x) => return fail(Step::MoveMaster, File::Mkdir, x),
            }
            let d = open_dir(dir, leaf).at(Step::MoveMaster, File::Leaf)?;
            self.put(d.raw(), File::Procs, b"0").at(Step::MoveMaster, File::Procs)?;
            self.moved.set(true);
        }
        let mut v = Val::new();
        for (bit, name) in NAMES {
            if need & bit != 0 {
                v.push_str(if v.is_empty() { b"+" } else { b" +" }).push_str(name);
            }
        }
        self.put(dir, File::Subtree, v.as_bytes()).at(Step::Enable, File::Subtree)?;
        Ok((avail, has | need))
    }

    /// Which limits this kernel enforces here: the controller is there and
    /// so is the file (v1 file, v2 file).
    fn probe(&mut self) {
        if self.h.iter().all(Option::is_none) {
            (self.mode, self.hybrid) = (Mode::None, false);
        }
        const P: [(u8, File, File, u32); 8] = [
            (MEMORY, File::V1Mem, File::MemMax, feat::MEMORY),
            (MEMORY, File::V1Memsw, File::SwapMax, feat::SWAP),
            (CPU, File::V1Quota, File::CpuMax, feat::CPU_MAX),
            (CPU, File::V1Shares, File::CpuWeight, feat::CPU_WEIGHT),
            (PIDS, File::PidsMax, File::PidsMax, feat::PIDS),
            (WANTED, File::None, File::Kill, feat::KILL),
            (MEMORY, File::V1Oom, File::MemEvents, feat::OOM_COUNT),
            (FREEZER, File::V1Freezer, File::Freeze, feat::FREEZE),
        ];
        let v2 = self.mode == Mode::V2;
        let mut ft = 0;
        for h in self.h.iter().flatten() {
            for (c, f1, f2, flag) in P {
                // cgroup.kill and cgroup.freeze need no controller.
                if (h.ctl & c != 0 || (v2 && matches!(flag, feat::KILL | feat::FREEZE))) && exists(h.dir.raw(), if v2 { f2 } else { f1 }) {
                    ft |= flag;
                }
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
        match syscalls::retry(|| syscalls::write(fd.raw(), b.as_bytes()))? {
            n if n == b.len() => Ok(()),
            _ => Err(Errno::EIO),
        }
    }

    /// Writes a limit: `a`, then ` b` if there is one.
    fn put_num(&self, dir: Fd, file: File, a: u64, b: Option<u64>) -> R<()> {
        let mut v = Val::new();
        v.push_u64(a);
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

    /// One line for the master's log, e.g. `cgroup v1 (hybrid, cgroup2
    /// unused) memory:/sys/fs/cgroup/memory/x cpu:/sys/fs/cgroup/cpu/rocker
    /// pids:/sys/fs/cgroup/pids/rocker; limits: memory swap cpu.max
    /// cpu.weight pids oom-count`.
    pub fn summary<const N: usize>(&self, b: &mut Buf<N>) {
        b.push_str(match (self.mode, self.hybrid) {
            (Mode::None, _) => b"cgroup none: every limit is refused",
            (Mode::V1, true) => b"cgroup v1 (hybrid, cgroup2 unused)",
            (Mode::V1, false) => b"cgroup v1",
            (Mode::V2, _) => b"cgroup v2",
        });
        for h in self.hiers() {
            names(b, h.ctl, b' ');
            b.push_str(if h.ctl == 0 { b" base=" } else { b",base=" }).push_str(path_of(h.dir.raw(), &mut [0u8; 256]));
        }
        if self.moved.get() {
            b.push_str(b" (master moved to ./master)");
        }
        if self.mode != Mode::None {
            b.push_str(b"; limits:");
        }
        const F: [&[u8]; 8] = [b" memory", b" swap", b" cpu.max", b" cpu.weight", b" pids", b" cgroup.kill", b" oom-count", b" no-swap"];
        for (i, s) in F.iter().enumerate() {
            if self.feat & (1 << i) != 0 {
                b.push_str(s);
            }
        }
        let lazy = self.controllers() & (MEMORY | CPU) & !self.always & !self.on.get();
        if lazy != 0 {
            b.push_str(b"; on demand");
            names(b, lazy, b':');
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
    /// controller and feature (the values are in rocker-spec's ranges).
    fn plan(&self, l: &Limits, w: &mut [Write; 6]) -> usize {
        let v1 = self.mode == Mode::V1;
        let pick = |a, b| if v1 { a } else { b };
        let mut n = 0;
        let mut add = |file, a: u64, b, ctl, flag| {
            if let Some(s) = w.get_mut(n) {
                *s = Write { file, a, b, ctl, flag };
                n += 1;
            }
        };
        if let Some(m) = l.mem_max {
            add(pick(File::V1Mem, File::MemMax), m, None, MEMORY, feat::MEMORY);
        }
        if let Some(s) = l.swap_max {
            // On a kernel without swap, "no swap" needs no file.
            if s != 0 || self.feat & (feat::NO_SWAP | feat::SWAP) != feat::NO_SWAP {
                // v1 limits memory + swap together.
                let v = if v1 { l.mem_max.unwrap_or(u64::MAX).saturating_add(s) } else { s };
                add(pick(File::V1Memsw, File::SwapMax), v, None, MEMORY, feat::SWAP);
            }
        }
        if let Some((q, p)) = l.cpu_max {
            if v1 {
                add(File::V1Quota, q.into(), None, CPU, feat::CPU_MAX);
                add(File::V1Period, p.into(), None, CPU, feat::CPU_MAX);
            } else {
                add(File::CpuMax, q.into(), Some(p.into()), CPU, feat::CPU_MAX);
            }
        }
        if let Some(wt) = l.cpu_weight {
            // systemd's mapping: weight 100 is v1's default of 1024 shares.
            let shares = (u64::from(wt).saturating_mul(1024) / 100).clamp(2, 262_144);
            add(pick(File::V1Shares, File::CpuWeight), if v1 { shares } else { wt.into() }, None, CPU, feat::CPU_WEIGHT);
        }
        if let Some(p) = l.pids_max {
            add(File::PidsMax, p.into(), None, PIDS, feat::PIDS);
        }
        n
    }

    /// Refuses, with the limit's file and `ENODEV` (no controller) or
    /// `ENOENT` (no such file here), what this kernel cannot enforce.
    pub fn check(&self, l: &Limits) -> R<()> {
        let mut w = [Write::NONE; 6];
        let n = self.plan(l, &mut w);
        self.check_plan(w.get(..n).unwrap_or(&[]))
    }

    fn check_plan(&self, w: &[Write]) -> R<()> {
        let ctl = self.controllers();
        for x in w {
            let e = if ctl & x.ctl == 0 { Errno::ENODEV } else { Errno::ENOENT };
            if ctl & x.ctl == 0 || self.feat & x.flag == 0 {
                return fail(Step::Limit, x.file, e);
            }
        }
        Ok(())
    }

    /// Creates the sandbox's cgroup `name` with limits `l` and returns the
    /// fds to join it: v1 in each hierarchy of [`Config::always`] and of the
    /// limits asked; v2 after turning on (for good, for every sandbox) the
    /// controllers of those limits in the base. On failure nothing it made
    /// is left (an existing cgroup of that name, `EEXIST`, stays).
    pub fn create(&self, name: &[u8], l: &Limits) -> R<Join> {
        let n = Cgroups::name(name)?;
        let mut w = [Write::NONE; 6];
        let k = self.plan(l, &mut w);
        let w = w.get(..k).unwrap_or(&[]);
        self.check_plan(w)?;
        let want = w.iter().fold(self.always, |a, x| a | x.ctl);
        if let (Mode::V2, Some(Some(h))) = (self.mode, self.h.first()) {
            if want & h.ctl & !self.on.get() != 0 {
                let (_, on) = self.enable(h.dir.raw(), want & !self.on.get(), !h.ours)?;
                self.on.set(self.on.get() | on);
            }
        }
        let mut j = Join::EMPTY;
        let mut made = 0;
        if let Err(e) = self.create_in(&n, w, want, &mut j, &mut made) {
            drop(j);
            for h in self.hiers_for(want).take(made) {
                let _ = syscalls::unlinkat(h.dir.raw(), (&n).into(), g::AT_REMOVEDIR);
            }
            return Err(e);
        }
        Ok(j)
    }

    /// The hierarchies a sandbox with the controllers `want` is in (v2: the one).
    fn hiers_for(&self, want: u8) -> impl Iterator<Item = &Hier> {
        let v2 = self.mode == Mode::V2;
        self.hiers().filter(move |h| v2 || h.ctl & want != 0)
    }

    fn create_in(&self, n: &Name, w: &[Write], want: u8, j: &mut Join, made: &mut usize) -> R<()> {
        for h in self.hiers_for(want) {
            syscalls::mkdirat(h.dir.raw(), n.into(), 0o755).at(Step::Create, File::Mkdir)?;
            *made = made.saturating_add(1);
            let d = open_dir(h.dir.raw(), n.into()).at(Step::Create, File::Mkdir)?;
            for x in w.iter().filter(|x| self.mode == Mode::V2 || h.ctl & x.ctl != 0) {
                self.put_num(d.raw(), x.file, x.a, x.b)?;
            }
            let p = self.open_w(d.raw(), File::Procs).at(Step::Join, File::Procs)?;
            let _ = j.procs.push(p);
            if self.mode == Mode::V2 {
                j.dir = Some(d);
            }
        }
        Ok(())
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

    /// Current memory (bytes), pids and OOM kills of a sandbox; [`UNKNOWN`]
    /// where this kernel does not say or the controller is off for it.
    pub fn usage(&self, name: &[u8]) -> R<Usage> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        if dirs.iter().all(Option::is_none) {
            return fail(Step::Read, File::None, Errno::ENOENT);
        }
        // (controller (v1), v1 file, v2 file, key in both files)
        const U: [(u8, File, File, &[u8]); 3] = [
            (MEMORY, File::V1MemCur, File::MemCur, b""),
            (PIDS, File::PidsCur, File::PidsCur, b""),
            (MEMORY, File::V1Oom, File::MemEvents, b"oom_kill"),
        ];
        let v2 = self.mode == Mode::V2;
        let mut v = [UNKNOWN; 3];
        for (d, h) in dirs.iter().zip(self.h.iter()) {
            let (Some(d), Some(h)) = (d, h) else { continue };
            for (&(bit, f1, f2, key), slot) in U.iter().zip(v.iter_mut()) {
                if v2 || h.ctl & bit != 0 {
                    *slot = read_val(d.raw(), if v2 { f2 } else { f1 }, key).unwrap_or(UNKNOWN);
                }
            }
        }
        let [memory, pids, oom_kills] = v;
        Ok(Usage { memory, pids, oom_kills })
    }

    /// v2: the sandbox's `memory.events`, read once, for `ppoll` with
    /// `POLLPRI` (raised when the file changes, e.g. on an OOM kill; read
    /// this same fd again, [`oom_kills`], to rearm it). `None` on v1 (see
    /// the crate doc) and while the memory controller is off.
    pub fn oom_events(&self, name: &[u8]) -> R<Option<OwnedFd>> {
        let n = Cgroups::name(name)?;
        if self.mode != Mode::V2 || self.feat & feat::OOM_COUNT == 0 || self.on.get() & MEMORY == 0 {
            return Ok(None);
        }
        let [Some(d), ..] = self.dirs(&n)? else { return fail(Step::Read, File::None, Errno::ENOENT) };
        let fd = open_file(d.raw(), File::MemEvents, RD).at(Step::Read, File::MemEvents)?;
        oom_kills(fd.raw());
        Ok(Some(fd))
    }

    /// SIGKILLs every process of the sandbox (nothing to do if it is empty).
    pub fn kill(&self, name: &[u8]) -> R<()> {
        let n = Cgroups::name(name)?;
        self.kill_dirs(&self.dirs(&n)?)
    }

    fn kill_dirs(&self, dirs: &[Option<OwnedFd>; MAX_H]) -> R<()> {
        if let (Mode::V2, true, [Some(d), ..]) = (self.mode, self.feat & feat::KILL != 0, dirs) {
            return self.put(d.raw(), File::Kill, b"1").at(Step::Kill, File::Kill);
        }
        // A process with SIGKILL pending forks no more: each round lists
        // fewer, until none is left. (A pid could be reused between the
        // read and the kill only after the process died and pid_max wrapped.)
        for _ in 0..100 {
            let mut seen = false;
            for d in dirs.iter().flatten() {
                for_each_pid(d.raw(), &mut |pid| {
                    seen = true;
                    let _ = syscalls::kill(pid, g::SIGKILL);
                })
                .at(Step::Kill, File::Procs)?;
            }
            if !seen {
                break;
            }
            sleep_ms(1);
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

    /// Freezes (`on`) or thaws every process of the sandbox (the OCI
    /// runtime's pause and resume): v2 `cgroup.freeze`, v1 `freezer.state`
    /// (whose freezing completes asynchronously: waited for, up to 100 ms).
    /// `ENODEV` without a freezer.
    pub fn freeze(&self, name: &[u8], on: bool) -> R<()> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let (d, file, fz, thaw) = self.freezer(&dirs).ok_or(Error { step: Step::Freeze, file: File::Freeze, errno: Errno::ENODEV })?;
        let val = if on { fz } else { thaw };
        self.put(d, file, val).at(Step::Freeze, file)?;
        for _ in 0..100 {
            let mut b = [0u8; 16];
            if file != File::V1Freezer || !on || read_at(d, file, &mut b).map_or(true, |s| s.starts_with(b"FROZEN")) {
                break;
            }
            sleep_ms(1);
        }
        Ok(())
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

    /// The fds to join the existing cgroup `name` (a second process of a
    /// running sandbox: the OCI runtime's `exec`). `ENOENT` if it is gone.
    pub fn open(&self, name: &[u8]) -> R<Join> {
        let n = Cgroups::name(name)?;
        let dirs = self.dirs(&n)?;
        let mut j = Join::EMPTY;
        for d in dirs.iter().flatten() {
            let p = self.open_w(d.raw(), File::Procs).at(Step::Join, File::Procs)?;
            let _ = j.procs.push(p);
        }
        if j.procs.is_empty() {
            return fail(Step::Join, File::Procs, Errno::ENOENT);
        }
        if self.mode == Mode::V2 {
            j.dir = dirs.into_iter().flatten().next();
        }
        Ok(j)
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
            let mut b = [0u8; 256];
            let last = path_of(h.dir.raw(), &mut b).rsplit(|&b| b == b'/').next().unwrap_or(b"");
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

/// `<first>memory,cpu`: the names of the controllers `bits`.
fn names<const N: usize>(b: &mut Buf<N>, bits: u8, first: u8) {
    let mut sep = first;
    for (bit, name) in NAMES {
        if bits & bit != 0 {
            b.push_byte(sep).push_str(name);
            sep = b',';
        }
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
    /// Bytes.
    pub memory: u64,
    /// Processes.
    pub pids: u64,
    /// OOM kills so far.
    pub oom_kills: u64,
}

/// The `oom_kill` count of an fd from [`Cgroups::oom_events`] (read from its
/// start, which also rearms its `POLLPRI`); [`UNKNOWN`] if unreadable.
pub fn oom_kills(events: Fd) -> u64 {
    let mut b = [0u8; 512];
    match syscalls::pread(events, &mut b, 0) {
        Ok(n) => keyed(b.get(..n).unwrap_or(&[]), b"oom_kill").unwrap_or(UNKNOWN),
        Err(_) => UNKNOWN,
    }
}

/// The fds that put a process into a sandbox's cgroups: one `cgroup.procs`
/// per hierarchy (`O_WRONLY|O_CLOEXEC`) and, on v2, the cgroup directory
/// (`O_PATH`) for `CLONE_INTO_CGROUP`. Closed on drop.
#[derive(Debug, Default)]
pub struct Join {
    /// The `cgroup.procs` fds: writing `0` to each moves the writer
    /// ([`join`]). Pass them to the helper that joins, before it runs code.
    pub procs: heapless::Vec<OwnedFd, MAX_H>,
    /// v2: the cgroup directory, for `clone3(CLONE_INTO_CGROUP)`.
    pub dir: Option<OwnedFd>,
}

impl Join {
    /// No cgroup.
    pub const EMPTY: Join = Join { procs: heapless::Vec::new(), dir: None };

    /// Fork-style clone whose child starts inside the sandbox's cgroups:
    /// `clone3(CLONE_INTO_CGROUP)` on v2 with Linux 5.7+; otherwise (v1,
    /// `ENOSYS`, `E2BIG`, `EBADF`) `clone`, then the child joins through the
    /// `cgroup.procs` fds before returning; if it cannot, it calls `failed`
    /// (to report the errno) and exits with [`EXIT_JOIN_FAILED`], running
    /// no other code of the caller. `flags` as for `clone`.
    pub fn fork(&self, flags: syscalls::CloneFlags, failed: impl FnOnce(Errno)) -> syscalls::Result<Fork> {
        if let Some(d) = &self.dir {
            match syscalls::clone3(u64::from(flags.ns().bits()), flags.exit_signal(), Some(d.raw()), None) {
                Err(Errno::ENOSYS | Errno::E2BIG | Errno::EBADF) => {}
                r => return r,
            }
        }
        let f = syscalls::clone(flags, None)?;
        if f == Fork::Child {
            if let Err(e) = join(&self.procs) {
                failed(e);
                syscalls::exit_group(EXIT_JOIN_FAILED);
            }
        }
        Ok(f)
    }
}

/// Moves the calling process into the cgroups: writes `0` to each
/// `cgroup.procs` fd (the fds of [`Join::procs`]).
pub fn join(procs: &[OwnedFd]) -> syscalls::Result<()> {
    for fd in procs {
        if syscalls::retry(|| syscalls::write(fd.raw(), b"0"))? != 1 {
            return Err(Errno::EIO);
        }
    }
    Ok(())
}
