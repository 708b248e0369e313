//! The guard's setup as a plan: [`plan`] turns a [`SandboxSpec`] into an
//! ordered list of [`Step`]s, [`execute`] carries them out through [`Sys`].
//!
//! Order (DESIGN.md §3 and its traps): the guard makes itself non-dumpable
//! first; mounts become private; every upper and work dir is created and
//! opened before the first overlay is mounted (the data dir may lie under an
//! overlaid dir); the package goes on after the overlays (the exec dir may
//! lie under an overlaid dir), at an exec dir opened without following any
//! symlink; then /proc; the user namespace last.
//!
//! Root mode ([`Root::Pkg`], [`Root::Dir`]: see [`plan`]): the new root is
//! staged on the host's `/tmp` in the guard's private mount namespace
//! (nothing of it is visible on the host), then the guard switches to it,
//! and mounts /proc, /dev, /sys, /tmp and the binds inside it by path,
//! where no host path is left to reach.
//!
//! Everything the executor holds (fds, a loop device not yet auto-clearing)
//! is released when it stops, on success and on failure alike; mounts are
//! left to the mount namespace, which dies with the guard.
use heapless::Vec;
use rocker_proto::{encode_guard_loop, err, step, GUARD_LOOP_SIZE, OVERLAY_MAX};
use rocker_proto::BINDS_MAX;
use rocker_spec::{Client, Ctx, Fail, Ns, Root, SandboxSpec};
use syscalls::sys::general as g;
use syscalls::sys::loop_device as lo;
use syscalls::{CPath, CStr, Errno, Fd, LoopInfo64, MountFlags as M, Path256, Result, UnmountFlags, AT_FDCWD};

use crate::sys::{Stat, Sys, DIR_PATH};

/// One setup step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// PR_SET_DUMPABLE 0: nothing in the sandbox can ptrace the guard or
    /// open its /proc files.
    SetDumpable,
    /// `/` MS_REC|MS_PRIVATE.
    MakePrivate,
    /// Open the data dir, no symlink anywhere on its path, not on overlayfs.
    OpenDataDir,
    /// `<data>/<name>/{upper,work}` of overlay slot `i`, opened.
    MakeLayer(u8),
    /// The overlay of slot `i`, nosuid and nodev.
    MountOverlay(u8),
    /// Attach the package to a loop device (shared or new).
    AttachLoop,
    /// Open (create under an overlay) the exec dir, no symlink on its path.
    OpenExecDir,
    /// The squashfs, read-only, nosuid, nodev, at the exec dir.
    MountSquashfs,
    /// The hostname in the sandbox's UTS namespace.
    SetHostname,
    /// `lo` up in the sandbox's own network namespace (while the guard is
    /// still root there: no work for the master, no setns).
    LoUp,
    /// A private /dev: a tmpfs with the host's standard device nodes and
    /// the requested ones bound in, a new devpts, shm, mqueue, the links.
    MountDev,
    /// A private /tmp (a size-limited tmpfs).
    MountTmp,
    /// A fresh /proc (nosuid, nodev, noexec).
    MountProc,
    /// `unshare(CLONE_NEWUSER)`: the sandbox's user namespace.
    UnshareUser,
    /// Open the binds' host sides, no symlink on their paths (before any
    /// mount can change what those paths show).
    OpenBinds,
    /// Root mode: look up the host's device nodes for the private /dev
    /// (made after the switch, when the host's /dev is gone).
    DevNodes,
    /// Root mode: the tree (the package's squashfs, after
    /// [`Step::MountSquashfs`], or a read-only bind of the host dir) on the
    /// host's `/tmp`, in this mount namespace only.
    StageRoot,
    /// Root mode: `<data>/rootfs/{upper,work}`, opened; a new upper takes
    /// the owner and mode of the tree's root.
    RootLayer,
    /// Root mode: the overlay stacked on the tree (unless read-only), and
    /// the new root opened.
    MountRoot,
    /// Root mode: `pivot_root` and the old root detached; where
    /// `pivot_root` is refused (EINVAL: the host's root is the initramfs)
    /// or not wanted, the host's /proc and /sys detached, `MS_MOVE` of the
    /// new root onto `/` and `chroot`.
    PivotRoot,
    /// Root mode: sysfs, read-only.
    MountSys,
    /// The binds (read-only unless asked), nosuid and nodev.
    MountBinds,
    /// The spec's filesystem mounts (an OCI config's tmpfs and cgroup2),
    /// nosuid and nodev.
    MountFs,
    /// The spec's masked and read-only paths (Docker's defaults from a RUN
    /// request, an OCI config's lists), after /proc, /dev and /sys; the
    /// still writable `/proc/sys` is kept open for [`Step::UsernsLimits`].
    MaskPaths,
    /// A read-only root used in place ([`SandboxSpec::tree_in_place`]):
    /// `/` remounted read-only, last.
    RootReadOnly,
    /// No nested namespaces: the sandbox's user namespace's
    /// `max_*_namespaces` set to 0 (see [`NS_LIMITS`]).
    UsernsLimits,
}

impl Step {
    /// The `ROCKER_STEP_*` it reports (and `test_stall` names).
    pub fn code(self) -> u16 {
        match self {
            Step::SetDumpable => step::SET_DUMPABLE,
            Step::MakePrivate => step::MAKE_PRIVATE,
            Step::OpenDataDir => step::OPEN_DATA_DIR,
            Step::MakeLayer(_) => step::MKDIR_LAYER,
            Step::MountOverlay(_) => step::MOUNT_OVERLAY,
            Step::AttachLoop => step::LOOP_GET_FREE,
            Step::OpenExecDir => step::MKDIR_EXEC_DIR,
            Step::MountSquashfs => step::MOUNT_SQUASHFS,
            Step::SetHostname => step::SET_HOSTNAME,
            Step::LoUp => step::NET,
            Step::MountDev => step::MOUNT_DEV,
            Step::MountTmp | Step::MountFs => step::MOUNT_TMP,
            Step::MaskPaths => step::MASK_PATHS,
            Step::RootReadOnly => step::MOUNT_ROOT,
            Step::MountProc => step::MOUNT_PROC,
            Step::UnshareUser => step::UNSHARE_USER,
            Step::OpenBinds | Step::MountBinds => step::MOUNT_BINDS,
            Step::DevNodes => step::MOUNT_DEV,
            Step::StageRoot | Step::MountRoot => step::MOUNT_ROOT,
            Step::RootLayer => step::MKDIR_LAYER,
            Step::PivotRoot => step::PIVOT_ROOT,
            Step::MountSys => step::MOUNT_SYS,
            Step::UsernsLimits => step::USERNS_LIMITS,
        }
    }
}

/// Most steps a plan has.
pub const MAX_STEPS: usize = 16 + 2 * OVERLAY_MAX;

/// The plan.
pub type Plan = Vec<Step, MAX_STEPS>;

/// The ordered steps for `spec`.
pub fn plan(spec: &SandboxSpec) -> Plan {
    let mut p = Plan::new();
    let n = spec.overlays.len().min(OVERLAY_MAX) as u8;
    // Capacity is MAX_STEPS >= 16 + 2 * n: every push fits.
    let _ = p.push(Step::SetDumpable);
    let _ = p.push(Step::MakePrivate);
    if !spec.binds.is_empty() {
        let _ = p.push(Step::OpenBinds);
    }
    if spec.root.is_own() {
        plan_root(spec, &mut p);
        return p;
    }
    if n > 0 {
        let _ = p.push(Step::OpenDataDir);
    }
    for i in 0..n {
        let _ = p.push(Step::MakeLayer(i));
    }
    for i in 0..n {
        let _ = p.push(Step::MountOverlay(i));
    }
    // The private /tmp before the package: an exec dir below /tmp (OpenWrt's
    // /var -> /tmp) is then made in it, not hidden under it.
    if spec.tmp_kb > 0 {
        let _ = p.push(Step::MountTmp);
    }
    let _ = p.push(Step::AttachLoop);
    let _ = p.push(Step::OpenExecDir);
    let _ = p.push(Step::MountSquashfs);
    if spec.ns.contains(Ns::NEWUTS) {
        let _ = p.push(Step::SetHostname);
    }
    if spec.ns.contains(Ns::NEWNET) {
        let _ = p.push(Step::LoUp);
    }
    if spec.private_dev {
        let _ = p.push(Step::MountDev);
    }
    if !spec.binds.is_empty() {
        let _ = p.push(Step::MountBinds);
    }
    let _ = p.push(Step::MountProc);
    if spec.own_sys() {
        let _ = p.push(Step::MountSys);
    }
    if !spec.masked.is_empty() || !spec.readonly.is_empty() {
        let _ = p.push(Step::MaskPaths);
    }
    // The OCI runtime's container stays in the host's user namespace
    // unless its config asks for one of its own.
    if spec.client != Client::Runtime {
        let _ = p.push(Step::UnshareUser);
        let _ = p.push(Step::UsernsLimits);
    }
    p
}

/// Root mode: what needs the host (its device nodes, the data dir, the
/// package or dir) first, the new root staged, /tmp and the binds in it,
/// the switch, then /proc, /dev and /sys inside it by path.
fn plan_root(spec: &SandboxSpec, p: &mut Plan) {
    let pkg = matches!(spec.root, Root::Pkg { .. });
    let layer = spec.root.has_layer() && !spec.tree_in_place();
    let steps = [
        (spec.private_dev, Step::DevNodes),
        (layer, Step::OpenDataDir),
        (pkg, Step::AttachLoop),
        (true, Step::StageRoot),
        (pkg, Step::MountSquashfs),
        (layer, Step::RootLayer),
        (true, Step::MountRoot),
        (spec.ns.contains(Ns::NEWUTS), Step::SetHostname),
        (spec.ns.contains(Ns::NEWNET), Step::LoUp),
        (spec.tmp_kb > 0, Step::MountTmp),
        (!spec.binds.is_empty(), Step::MountBinds),
        (true, Step::PivotRoot),
        (true, Step::MountProc),
        (spec.private_dev, Step::MountDev),
        (true, Step::MountSys),
        (!spec.fs_mounts.is_empty(), Step::MountFs),
        (!spec.masked.is_empty() || !spec.readonly.is_empty(), Step::MaskPaths),
        (spec.tree_in_place() && matches!(spec.root, Root::Dir { read_only: true, .. }), Step::RootReadOnly),
        (spec.client != Client::Runtime, Step::UnshareUser),
        (spec.client != Client::Runtime, Step::UsernsLimits),
    ];
    for (on, s) in steps {
        if on {
            let _ = p.push(s);
        }
    }
}

/// What the setup leaves behind for the guard's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// The loop device carrying the package (offered to the next sandbox of
    /// the same package).
    pub loop_dev: u32,
}

/// Attempts at grabbing a free loop device (LOOP_CTL_GET_FREE reserves nothing).
const LOOP_TRIES: usize = 32;

fn cpath(s: &[u8]) -> Result<Path256> {
    Path256::new(s)
}

/// A NUL-terminated literal, checked at compile time.
macro_rules! c {
    ($s:literal) => {
        const { CStr::lit(concat!($s, "\0").as_bytes()) }
    };
}

// Root mode's steps (after `c!`, which they use).
mod rootfs;

/// `/proc/self/fd/N`: a path that names exactly the object behind fd N,
/// for the calls that take paths (mount targets, overlay options).
pub fn fd_path(fd: Fd) -> Result<CPath<32>> {
    let mut p = CPath::<32>::new(b"/proc/self/fd/")?;
    p.push_num(fd as u64)?;
    Ok(p)
}

/// `lowerdir=<dir>,upperdir=/proc/self/fd/U,workdir=/proc/self/fd/W`.
pub fn overlay_options(dir: &[u8], up: Fd, work: Fd) -> Result<CPath<512>> {
    let mut o = CPath::<512>::new(b"lowerdir=")?;
    o.push(dir)?;
    o.push(b",upperdir=/proc/self/fd/")?;
    o.push_num(up as u64)?;
    o.push(b",workdir=/proc/self/fd/")?;
    o.push_num(work as u64)?;
    Ok(o)
}

/// The kernel's `new_encode_dev`, as LOOP_GET_STATUS64 reports `lo_device`.
pub fn encode_dev(major: u32, minor: u32) -> u64 {
    (minor as u64 & 0xff) | (major as u64) << 8 | (minor as u64 & !0xff) << 12
}

/// The executor's state: what it holds. Dropping it releases everything.
struct Exec<'s, S: Sys> {
    sys: &'s mut S,
    spec: &'s SandboxSpec<'s>,
    /// The sandbox's name (its hostname unless the spec gives one).
    name: &'s [u8],
    pkg: Fd,
    loop_hint: Option<u32>,
    /// openat2 is missing (Linux < 5.6): walk components instead.
    no_openat2: bool,
    data: Option<Fd>,
    layers: [(Fd, Fd); OVERLAY_MAX],
    /// The loop device's fd (until the squashfs is mounted) and number;
    /// `legacy_pending` while it is attached without auto-clear (between
    /// LOOP_SET_FD and LOOP_SET_STATUS64).
    dev: Option<Fd>,
    loop_nr: Option<u32>,
    legacy_pending: bool,
    exec: Option<Fd>,
    /// Root mode: the staged tree (until the overlay is on it) and the new
    /// root (until the switch).
    lower: Option<Fd>,
    root: Option<Fd>,
    /// The binds' host sides (-1: none), and which are dirs (bit i).
    binds: [Fd; BINDS_MAX],
    bind_dirs: u32,
    /// The private /dev's nodes, once looked up.
    nodes: Vec<Node<'s>, MAX_NODES>,
    nodes_ready: bool,
    /// `/proc/sys` on the writable /proc, opened before it is made
    /// read-only, for [`Step::UsernsLimits`].
    sysctl: Option<Fd>,
}

impl<S: Sys> Drop for Exec<'_, S> {
    fn drop(&mut self) {
        if let Some(fd) = self.dev.take() {
            if self.legacy_pending {
                let _ = self.sys.loop_clr_fd(fd);
            }
            self.sys.close(fd);
        }
        for fd in [self.data.take(), self.exec.take(), self.lower.take(), self.root.take(), self.sysctl.take()].into_iter().flatten() {
            self.sys.close(fd);
        }
        self.close_layers();
        self.close_binds();
    }
}

/// Runs `plan` for `spec`, a sandbox called `name`. `pkg` is the package fd the client sent (not
/// closed here), `loop_hint` a loop device that carries the same package
/// for a running sandbox (verified before use).
pub fn execute<S: Sys>(sys: &mut S, spec: &SandboxSpec, plan: &[Step], name: &[u8], pkg: Fd, loop_hint: Option<u32>) -> core::result::Result<Done, Fail> {
    let mut x = Exec {
        sys,
        spec,
        name,
        pkg,
        loop_hint,
        no_openat2: false,
        data: None,
        layers: [(-1, -1); OVERLAY_MAX],
        dev: None,
        loop_nr: None,
        legacy_pending: false,
        exec: None,
        lower: None,
        root: None,
        binds: [-1; BINDS_MAX],
        bind_dirs: 0,
        nodes: Vec::new(),
        nodes_ready: false,
        sysctl: None,
    };
    for &s in plan {
        x.sys.begin(s);
        x.step(s)?;
        if x.spec.test_stall != 0 && x.spec.test_stall == s.code() {
            x.sys.stall();
        }
    }
    Ok(Done { loop_dev: x.loop_nr.unwrap_or(rocker_proto::LOOP_NONE) })
}

impl<'s, S: Sys> Exec<'s, S> {
    fn step(&mut self, s: Step) -> core::result::Result<(), Fail> {
        match s {
            Step::SetDumpable => self.sys.set_dumpable(false).at(err::BUILD_ROCKER_FAILED, step::SET_DUMPABLE),
            Step::MakePrivate => self
                .sys
                .mount(None, c!("/"), None, M::REC | M::PRIVATE, None)
                .at(err::BUILD_ROCKER_FAILED, step::MAKE_PRIVATE),
            Step::OpenDataDir => self.open_data_dir(),
            Step::MakeLayer(i) => self.make_layer(usize::from(i)),
            Step::MountOverlay(i) => self.mount_overlay(usize::from(i)),
            Step::AttachLoop => self.attach_loop(),
            Step::OpenExecDir => self.open_exec_dir(),
            Step::MountSquashfs => self.mount_squashfs(),
            Step::SetHostname => {
                let h = if self.spec.hostname.is_empty() { self.name } else { self.spec.hostname };
                self.sys.sethostname(h).at(err::BUILD_ROCKER_FAILED, step::SET_HOSTNAME)
            }
            Step::LoUp => self.sys.lo_up().at(err::NET_FAILED, step::NET),
            Step::MountDev => self.mount_dev(),
            Step::MountTmp => self.mount_tmp(),
            Step::MountFs => self.mount_fs(),
            Step::MaskPaths => self.mask_paths(),
            Step::RootReadOnly => self
                .sys
                .mount(None, c!("/"), None, M::REMOUNT | M::BIND | M::RDONLY | M::NOSUID | M::NODEV, None)
                .at(err::BUILD_ROCKER_FAILED, step::MOUNT_ROOT),
            Step::MountProc => {
                let p = c!("proc");
                let mut r = self.sys.mount(Some(p), c!("/proc"), Some(p), M::NOSUID | M::NODEV | M::NOEXEC, None);
                if r == Err(Errno::ENOENT) && self.mount_point(AT_FDCWD, b"/proc") {
                    r = self.sys.mount(Some(p), c!("/proc"), Some(p), M::NOSUID | M::NODEV | M::NOEXEC, None);
                }
                r.at(err::BUILD_ROCKER_FAILED, step::MOUNT_PROC)
            }
            Step::UnshareUser => self.sys.unshare(Ns::NEWUSER).at(err::BUILD_ROCKER_FAILED, step::UNSHARE_USER),
            Step::OpenBinds => self.open_binds(),
            Step::DevNodes => self.dev_nodes(),
            Step::StageRoot => self.stage_root(),
            Step::RootLayer => self.root_layer().at(err::DATA_DIR_INVALID, step::MKDIR_LAYER),
            Step::MountRoot => self.mount_root().at(err::BUILD_ROCKER_FAILED, step::MOUNT_ROOT),
            Step::PivotRoot => self.pivot_root().at(err::BUILD_ROCKER_FAILED, step::PIVOT_ROOT),
            Step::MountSys => {
                let sysfs = c!("sysfs");
                self.mount_on(b"/sys", sysfs, M::RDONLY | M::NOSUID | M::NODEV | M::NOEXEC, None)
                    .at(err::BUILD_ROCKER_FAILED, step::MOUNT_SYS)
            }
            Step::MountBinds => self.mount_binds(),
            Step::UsernsLimits => self.userns_limits(),
        }
    }

    fn close_binds(&mut self) {
        for i in 0..BINDS_MAX {
            let fd = core::mem::replace(&mut self.binds[i], -1);
            if fd >= 0 {
                self.sys.close(fd);
            }
        }
    }

    fn close_layers(&mut self) {
        for (u, w) in self.layers.iter_mut() {
            for fd in [u, w] {
                if *fd >= 0 {
                    self.sys.close(*fd);
                    *fd = -1;
                }
            }
        }
    }

    /// Opens `path` relative to `dir` (or absolute) with `flags`, following
    /// no symlink anywhere on the way: openat2 RESOLVE_NO_SYMLINKS (and
    /// RESOLVE_BENEATH relative to a dir); before Linux 5.6 a walk, one
    /// O_NOFOLLOW component at a time.
    fn open_nofollow(&mut self, dir: Fd, path: &[u8], flags: u32) -> Result<Fd> {
        let p = cpath(path)?;
        if !self.no_openat2 {
            let mut resolve = u64::from(g::RESOLVE_NO_SYMLINKS | g::RESOLVE_NO_MAGICLINKS);
            if dir != AT_FDCWD {
                resolve |= u64::from(g::RESOLVE_BENEATH);
            }
            match self.sys.openat2(dir, (&p).into(), flags | g::O_NOFOLLOW | g::O_CLOEXEC, resolve) {
                Err(Errno::ENOSYS) => self.no_openat2 = true,
                r => return r,
            }
        }
        let (mut cur, rest) = match path.strip_prefix(b"/") {
            Some(rest) => (self.sys.openat(AT_FDCWD, c!("/"), DIR_PATH)?, rest),
            None => (-1, path),
        };
        let mut comps = rest.split(|&b| b == b'/').filter(|s| !s.is_empty()).peekable();
        let mut result = Err(Errno::EINVAL);
        while let Some(comp) = comps.next() {
            let at = if cur >= 0 { cur } else { dir };
            let last = comps.peek().is_none();
            let r = cpath(comp).and_then(|n| {
                let f = if last { flags | g::O_NOFOLLOW | g::O_CLOEXEC } else { DIR_PATH };
                self.sys.openat(at, (&n).into(), f)
            });
            if cur >= 0 {
                self.sys.close(cur);
            }
            match r {
                Ok(fd) if last => {
                    result = Ok(fd);
                    break;
                }
                Ok(fd) => cur = fd,
                Err(e) => {
                    result = Err(e);
                    cur = -1;
                    break;
                }
            }
        }
        if result.is_err() && cur >= 0 {
            self.sys.close(cur);
        }
        result
    }

    /// The data dir, without following any symlink on its path, and not on
    /// overlayfs (OpenWrt's root): it cannot hold an upper dir.
    fn open_data_dir(&mut self) -> core::result::Result<(), Fail> {
        let fd = self.open_nofollow(AT_FDCWD, self.spec.data_dir, DIR_PATH).at(err::DATA_DIR_INVALID, step::OPEN_DATA_DIR)?;
        self.data = Some(fd);
        match self.sys.fstatfs_type(fd) {
            Ok(t) if t == u64::from(g::OVERLAYFS_SUPER_MAGIC) => Err(Fail::new(err::DATA_DIR_INVALID, Errno::EXDEV, step::OPEN_DATA_DIR)),
            Ok(_) => Ok(()),
            Err(e) => Err(Fail::new(err::DATA_DIR_INVALID, e, step::OPEN_DATA_DIR)),
        }
    }

    /// `<data>/<name>/{upper,work}` for overlay slot `i`, all fd-relative and
    /// symlink-free. The layer and work dirs are root-only; a new upper dir
    /// takes the owner and mode of the dir it covers, set on its fd (no path
    /// can be swapped in between).
    fn make_layer(&mut self, i: usize) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::DATA_DIR_INVALID, e, step::MKDIR_LAYER).index(i);
        let dir = self.spec.overlays.get(i).copied().unwrap_or(&[]);
        let data = self.data.ok_or(f(Errno::EBADF))?;
        let name = cpath(dir.get(1..).unwrap_or(&[])).map_err(f)?;
        mkdir_ok(self.sys.mkdirat(data, (&name).into(), 0o700)).map_err(f)?;
        let layer = self.open_nofollow(data, dir.get(1..).unwrap_or(&[]), DIR_PATH).map_err(f)?;
        let r = self.make_layer_in(layer, dir, i);
        self.sys.close(layer);
        let (up, work) = r?;
        if let Some(slot) = self.layers.get_mut(i) {
            *slot = (up, work);
        }
        Ok(())
    }

    fn make_layer_in(&mut self, layer: Fd, dir: &[u8], i: usize) -> core::result::Result<(Fd, Fd), Fail> {
        let lower = self.open_nofollow(AT_FDCWD, dir, DIR_PATH).at_i(err::OVERLAY_INVALID, step::MKDIR_LAYER, i)?;
        let st = self.sys.fstat(lower);
        self.sys.close(lower);
        let st = st.at_i(err::OVERLAY_INVALID, step::MKDIR_LAYER, i)?;
        self.upper_work(layer, &st, i)
    }

    /// `upper` and `work` in `layer`, opened; a new upper dir takes the
    /// owner and mode of the dir it covers (`st`).
    fn upper_work(&mut self, layer: Fd, st: &Stat, i: usize) -> core::result::Result<(Fd, Fd), Fail> {
        let f = |e| Fail::new(err::DATA_DIR_INVALID, e, step::MKDIR_LAYER).index(i);
        let up = c!("upper");
        let up_fd = match self.sys.mkdirat(layer, up, 0o700) {
            Ok(()) => {
                let fd = self.sys.openat(layer, up, g::O_RDONLY | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC).map_err(f)?;
                let r = self
                    .sys
                    .fchown(fd, st.uid, st.gid)
                    .and_then(|()| self.sys.fchmod(fd, st.mode & 0o7777));
                if let Err(e) = r {
                    self.sys.close(fd);
                    return Err(Fail::new(err::BUILD_ROCKER_FAILED, e, step::MKDIR_LAYER).index(i));
                }
                fd
            }
            Err(Errno::EEXIST) => self.sys.openat(layer, up, DIR_PATH).map_err(f)?,
            Err(e) => return Err(f(e)),
        };
        let wk = c!("work");
        let work = mkdir_ok(self.sys.mkdirat(layer, wk, 0o700)).and_then(|()| self.sys.openat(layer, wk, DIR_PATH));
        match work {
            Ok(w) => Ok((up_fd, w)),
            Err(e) => {
                self.sys.close(up_fd);
                Err(f(e))
            }
        }
    }

    /// The overlay of slot `i`, mounted on the dir itself, nosuid and nodev.
    fn mount_overlay(&mut self, i: usize) -> core::result::Result<(), Fail> {
        let (up, work) = self.layers.get(i).copied().unwrap_or((-1, -1));
        let dir = self.spec.overlays.get(i).copied().unwrap_or(&[]);
        let opts = overlay_options(dir, up, work).at_i(err::PATH_TOO_LONG, step::MOUNT_OVERLAY, i)?;
        let target = cpath(dir).at_i(err::PATH_TOO_LONG, step::MOUNT_OVERLAY, i)?;
        let ovl = c!("overlay");
        self.sys
            .mount(Some(ovl), (&target).into(), Some(ovl), M::NOSUID | M::NODEV, Some((&opts).into()))
            .at_i(err::BUILD_ROCKER_FAILED, step::MOUNT_OVERLAY, i)?;
        if i + 1 == self.spec.overlays.len() {
            // The last overlay is on: the layer fds are no longer needed.
            self.close_layers();
            if let Some(d) = self.data.take() {
                self.sys.close(d);
            }
        }
        Ok(())
    }

    fn attach_loop(&mut self) -> core::result::Result<(), Fail> {
        if let Some(n) = self.loop_hint {
            if let Some(fd) = self.shared_loop(n) {
                self.dev = Some(fd);
                self.loop_nr = Some(n);
                return Ok(());
            }
        }
        self.attach_new()
    }

    /// Package sharing: `n` is the loop device of a running sandbox of the
    /// same package. Holding it open keeps AUTOCLEAR from detaching it; then
    /// it must still be ours (read-only, auto-clearing) and back the very
    /// inode we were given. Anything else: None, and a fresh attach.
    fn shared_loop(&mut self, n: u32) -> Option<Fd> {
        let path = loop_path(n).ok()?;
        let fd = self.sys.openat(AT_FDCWD, (&path).into(), g::O_RDONLY | g::O_CLOEXEC).ok()?;
        let same = match (self.sys.loop_get_status(fd), self.sys.fstat(self.pkg)) {
            (Ok(info), Ok(st)) => {
                let want = lo::LO_FLAGS_READ_ONLY as u32 | lo::LO_FLAGS_AUTOCLEAR as u32;
                info.lo_inode == st.ino
                    && info.lo_device == encode_dev(st.dev_major, st.dev_minor)
                    && info.lo_offset == 0
                    && info.lo_sizelimit == 0
                    && info.lo_flags & want == want
            }
            _ => false,
        };
        if same {
            Some(fd)
        } else {
            self.sys.close(fd);
            None
        }
    }

    /// Attaches the package read-only and auto-clearing to a free loop
    /// device. LOOP_CONFIGURE (5.8+) does it atomically; before 5.8 (or with
    /// the test switch) LOOP_SET_FD + LOOP_SET_STATUS64, announced to the
    /// master first, so that whoever survives can detach a device left
    /// without auto-clear. EBUSY: another process got the device between
    /// GET_FREE and our attach: take the next one.
    fn attach_new(&mut self) -> core::result::Result<(), Fail> {
        let ctl = self
            .sys
            .openat(AT_FDCWD, c!("/dev/loop-control"), g::O_RDWR | g::O_CLOEXEC)
            .at(err::NO_LOOP_DEVICE, step::LOOP_CONTROL)?;
        let r = self.attach_with(ctl);
        self.sys.close(ctl);
        r
    }

    fn attach_with(&mut self, ctl: Fd) -> core::result::Result<(), Fail> {
        let mut info = syscalls::loop_info64_zeroed();
        info.lo_flags = lo::LO_FLAGS_READ_ONLY as u32 | lo::LO_FLAGS_AUTOCLEAR as u32;
        for (d, &s) in info.lo_file_name.iter_mut().take(63).zip(self.spec.pkg_path) {
            *d = s;
        }
        let mut legacy = self.spec.legacy_loop;
        let mut last = Errno::EBUSY;
        for _ in 0..LOOP_TRIES {
            let n = self.sys.loop_get_free(ctl).at(err::NO_LOOP_DEVICE, step::LOOP_GET_FREE)?;
            let path = loop_path(n).at(err::NO_LOOP_DEVICE, step::LOOP_GET_FREE)?;
            let dev = match self.sys.openat(AT_FDCWD, (&path).into(), g::O_RDONLY | g::O_CLOEXEC) {
                Ok(d) => d,
                Err(e @ (Errno::ENOENT | Errno::ENXIO)) => {
                    last = e;
                    continue;
                }
                Err(e) => return Err(Fail::new(err::NO_LOOP_DEVICE, e, step::LOOP_GET_FREE)),
            };
            self.dev = Some(dev);
            self.loop_nr = Some(n);
            let r = if legacy {
                Err(Errno::EINVAL)
            } else {
                self.sys.loop_configure(dev, self.pkg, &info)
            };
            match r {
                Ok(()) => return Ok(()),
                // Kernels before 5.8 do not know LOOP_CONFIGURE.
                Err(Errno::EINVAL | Errno::ENOTTY) => {
                    legacy = true;
                    if self.attach_legacy(dev, n, &info)? {
                        return Ok(());
                    }
                }
                Err(Errno::EBUSY) => {}
                Err(e) => return Err(Fail::new(err::BUILD_ROCKER_FAILED, e, step::LOOP_CONFIGURE)),
            }
            last = Errno::EBUSY;
            self.drop_dev();
        }
        Err(Fail::new(err::NO_LOOP_DEVICE, last, step::LOOP_GET_FREE))
    }

    /// The pre-5.8 attach: announce the device to the master, LOOP_SET_FD,
    /// then LOOP_SET_STATUS64 for auto-clear. Ok(false): the device was
    /// taken meanwhile (EBUSY), try another.
    fn attach_legacy(&mut self, dev: Fd, n: u32, info: &LoopInfo64) -> core::result::Result<bool, Fail> {
        let mut claim = [0u8; GUARD_LOOP_SIZE];
        encode_guard_loop(n, &mut claim);
        self.sys.notify(&claim).at(err::BUILD_ROCKER_FAILED, step::LOOP_CLAIM)?;
        match self.sys.loop_set_fd(dev, self.pkg) {
            Ok(()) => {}
            Err(Errno::EBUSY) => return Ok(false),
            Err(e) => return Err(Fail::new(err::BUILD_ROCKER_FAILED, e, step::LOOP_SET_FD)),
        }
        self.legacy_pending = true;
        if self.spec.test_stall == step::LOOP_SET_FD {
            self.sys.stall();
        }
        // READ_ONLY comes from the O_RDONLY fds; status sets AUTOCLEAR. On
        // failure, Drop detaches the device.
        self.sys.loop_set_status(dev, info).at(err::BUILD_ROCKER_FAILED, step::LOOP_SET_STATUS)?;
        self.legacy_pending = false;
        Ok(true)
    }

    fn drop_dev(&mut self) {
        if let Some(fd) = self.dev.take() {
            self.sys.close(fd);
        }
        self.loop_nr = None;
    }

    /// The exec dir, opened without following any symlink on its path (an
    /// App can replace a dir above it, inside an overlay, with a symlink to
    /// anywhere on the host). A missing one is created, one component at a
    /// time and fd-relative, but only under an overlaid dir (so in the data
    /// dir, never on the host).
    fn open_exec_dir(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::EXEC_DIR_INVALID, e, step::MKDIR_EXEC_DIR);
        let path = self.spec.exec_dir;
        match self.open_nofollow(AT_FDCWD, path, DIR_PATH) {
            Ok(fd) => {
                self.exec = Some(fd);
                return Ok(());
            }
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(f(e)),
        }
        // Made only where the guard's own mounts are: under an overlay (its
        // writes land in the data dir) or the private /tmp.
        let tmp: &[u8] = b"/tmp";
        let private_tmp = (self.spec.tmp_kb > 0 && rocker_proto::under(path, tmp)).then_some(&tmp);
        let Some(top) = self.spec.overlays.iter().find(|o| rocker_proto::under(path, o)).or(private_tmp) else {
            return Err(f(Errno::ENOENT));
        };
        let cur = self.open_nofollow(AT_FDCWD, top, DIR_PATH).map_err(f)?;
        let rest = path.get(top.len()..).unwrap_or(&[]);
        self.exec = Some(self.walk(cur, rest, true).map_err(f)?);
        Ok(())
    }

    /// Walks `rest` from dir `cur` (closed here) one component at a time,
    /// never through a symlink, making a missing dir (0755, fd-relative)
    /// when `create`. The last dir, opened.
    fn walk(&mut self, mut cur: Fd, rest: &[u8], create: bool) -> Result<Fd> {
        for comp in rest.split(|&b| b == b'/').filter(|s| !s.is_empty()) {
            let r = cpath(comp).and_then(|n| {
                let n: CStr = (&n).into();
                match self.sys.openat(cur, n, DIR_PATH) {
                    Err(Errno::ENOENT) if create => {
                        mkdir_ok(self.sys.mkdirat(cur, n, 0o755))?;
                        self.sys.openat(cur, n, DIR_PATH)
                    }
                    r => r,
                }
            });
            self.sys.close(cur);
            cur = r?;
        }
        Ok(cur)
    }

    fn mount_squashfs(&mut self) -> core::result::Result<(), Fail> {
        let (dev, n) = self.dev.zip(self.loop_nr).ok_or(Fail::new(err::BUILD_ROCKER_FAILED, Errno::EBADF, step::MOUNT_SQUASHFS))?;
        let exec = self.exec.ok_or(Fail::new(err::BUILD_ROCKER_FAILED, Errno::EBADF, step::MOUNT_SQUASHFS))?;
        let target = fd_path(exec).at(err::SYS, step::MOUNT_SQUASHFS)?;
        let src = loop_path(n).at(err::SYS, step::MOUNT_SQUASHFS)?;
        let sq = c!("squashfs");
        self.sys
            .mount(Some((&src).into()), (&target).into(), Some(sq), M::RDONLY | M::NODEV | M::NOSUID, None)
            .at(err::BUILD_ROCKER_FAILED, step::MOUNT_SQUASHFS)?;
        // Mounted: the mount holds the device now; closing our fd leaves
        // AUTOCLEAR to detach it when the mount goes away.
        self.sys.close(dev);
        self.dev = None;
        if let Some(e) = self.exec.take() {
            self.sys.close(e);
        }
        Ok(())
    }
}

/// The host's device nodes every sandbox gets in its private /dev (seeds
/// 002 and 003).
const STD_DEVICES: [&[u8]; 6] = [b"/dev/null", b"/dev/zero", b"/dev/full", b"/dev/random", b"/dev/urandom", b"/dev/tty"];
/// Most device nodes made in a private /dev.
const MAX_NODES: usize = STD_DEVICES.len() + rocker_proto::DEVICES_MAX;

/// A device node to make in a private /dev.
struct Node<'s> {
    path: &'s [u8],
    kind: u32,
    major: u32,
    minor: u32,
    ro: bool,
}

impl<'s, S: Sys> Exec<'s, S> {
    /// A private /dev: a tmpfs (nosuid, noexec) on which the guard, still
    /// root of the host's user namespace, makes a node for each standard
    /// device and each one asked for: same type and numbers as the host's
    /// (looked up with no symlink on the path), owned by root, mode 0666,
    /// or 0444 when asked read-only (a read-only bind would not stop
    /// writes to a device). Then a new devpts instance with its ptmx link,
    /// shm, mqueue, and the fd/stdin/stdout/stderr links. The App, in its
    /// own user namespace, can neither make nodes nor chmod these.
    fn mount_dev(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_DEV);
        if !self.nodes_ready {
            self.dev_nodes()?;
        }
        let nodes = core::mem::take(&mut self.nodes);
        let devdir = match self.open_nofollow(AT_FDCWD, b"/dev", DIR_PATH) {
            Err(Errno::ENOENT) if self.mount_point(AT_FDCWD, b"/dev") => self.open_nofollow(AT_FDCWD, b"/dev", DIR_PATH),
            r => r,
        }
        .map_err(f)?;
        let target = fd_path(devdir);
        let tmpfs = c!("tmpfs");
        let r = target.map_err(f).and_then(|t| {
            self.sys
                .mount(Some(tmpfs), (&t).into(), Some(tmpfs), M::NOSUID | M::NOEXEC, Some(c!("mode=755,size=64k")))
                .map_err(f)
        });
        self.sys.close(devdir);
        r?;
        // The new /dev, by path: a tmpfs this guard just made, where no one
        // else can have created anything.
        let dev = self.sys.openat(AT_FDCWD, c!("/dev"), DIR_PATH).map_err(f)?;
        let r = self.fill_dev(dev, &nodes);
        self.sys.close(dev);
        r
    }

    /// The host's nodes for the private /dev: each standard device (if the
    /// host has it) and each one asked for.
    fn dev_nodes(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_DEV);
        for d in STD_DEVICES {
            match self.node(d) {
                Ok(n) => {
                    let _ = self.nodes.push(n);
                }
                // A host without this node: its sandboxes go without.
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(f(e)),
            }
        }
        let devs = self.spec.devices;
        for (i, d) in devs.iter().enumerate() {
            let bad = |e| Fail::new(err::ISOLATION_INVALID, e, step::MOUNT_DEV).index(i);
            let ro = self.spec.device_ro & (1 << i) != 0;
            // Named twice, or one of the standard ones: made once,
            // read-only if any naming asks for it.
            if let Some(n) = self.nodes.iter_mut().find(|n| n.path == *d) {
                n.ro |= ro;
                continue;
            }
            let mut n = self.node(d).map_err(bad)?;
            n.ro = ro;
            self.nodes.push(n).map_err(|_| bad(Errno::E2BIG))?;
        }
        self.nodes_ready = true;
        Ok(())
    }

    /// The type and numbers of the host's device node `path`.
    fn node(&mut self, path: &'s [u8]) -> Result<Node<'s>> {
        let fd = self.open_nofollow(AT_FDCWD, path, g::O_PATH | g::O_CLOEXEC)?;
        let st = self.sys.fstat(fd);
        self.sys.close(fd);
        let st = st?;
        let kind = st.mode & g::S_IFMT;
        if kind != g::S_IFCHR && kind != g::S_IFBLK {
            return Err(Errno::ENODEV);
        }
        Ok(Node { path, kind, major: st.rdev_major, minor: st.rdev_minor, ro: false })
    }

    fn fill_dev(&mut self, dev: Fd, nodes: &[Node]) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_DEV);
        for n in nodes {
            let rel = n.path.get(5..).unwrap_or(&[]); // below "/dev/"
            // Parents of a nested node (/dev/net/tun).
            for (k, &c) in rel.iter().enumerate() {
                if c == b'/' {
                    let part = cpath(rel.get(..k).unwrap_or(&[])).map_err(f)?;
                    mkdir_ok(self.sys.mkdirat(dev, (&part).into(), 0o755)).map_err(f)?;
                }
            }
            let name = cpath(rel).map_err(f)?;
            let mode = n.kind | if n.ro { 0o444 } else { 0o666 };
            self.sys.mknodat(dev, (&name).into(), mode, n.major, n.minor).map_err(f)?;
        }
        mkdir_ok(self.sys.mkdirat(dev, c!("pts"), 0o755)).map_err(f)?;
        let devpts = c!("devpts");
        self.sys
            .mount(Some(devpts), c!("/dev/pts"), Some(devpts), M::NOSUID | M::NOEXEC, Some(c!("newinstance,ptmxmode=0666,mode=0620")))
            .map_err(f)?;
        self.sys.symlinkat(c!("pts/ptmx"), dev, c!("ptmx")).map_err(f)?;
        mkdir_ok(self.sys.mkdirat(dev, c!("shm"), 0o1777)).map_err(f)?;
        let tmpfs = c!("tmpfs");
        let opts = tmpfs_options(0o1777, self.spec.tmp_kb.max(64)).map_err(f)?;
        self.sys
            .mount(Some(tmpfs), c!("/dev/shm"), Some(tmpfs), M::NOSUID | M::NODEV | M::NOEXEC, Some((&opts).into()))
            .map_err(f)?;
        mkdir_ok(self.sys.mkdirat(dev, c!("mqueue"), 0o1777)).map_err(f)?;
        let mq = c!("mqueue");
        self.sys.mount(Some(mq), c!("/dev/mqueue"), Some(mq), M::NOSUID | M::NODEV | M::NOEXEC, None).map_err(f)?;
        for (target, link) in [
            (c!("/proc/self/fd"), c!("fd")),
            (c!("/proc/self/fd/0"), c!("stdin")),
            (c!("/proc/self/fd/1"), c!("stdout")),
            (c!("/proc/self/fd/2"), c!("stderr")),
        ] {
            self.sys.symlinkat(target, dev, link).map_err(f)?;
        }
        Ok(())
    }

    /// A private /tmp: a tmpfs of `tmp_kb`, mode 1777, nosuid, nodev.
    fn mount_tmp(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::MOUNT_TMP);
        let opts = tmpfs_options(0o1777, self.spec.tmp_kb).map_err(f)?;
        self.mount_on(b"/tmp", c!("tmpfs"), M::NOSUID | M::NODEV, Some((&opts).into())).map_err(f)
    }
}

/// `mode=1777,size=<kb>k`.
fn tmpfs_options(mode: u32, kb: u32) -> Result<CPath<48>> {
    let mut o = CPath::<48>::new(b"mode=")?;
    // octal, four digits
    let digits = [(mode >> 9) & 7, (mode >> 6) & 7, (mode >> 3) & 7, mode & 7];
    for d in digits {
        o.push(&[b'0' + d as u8])?;
    }
    o.push(b",size=")?;
    o.push_num(u64::from(kb))?;
    o.push(b"k")?;
    Ok(o)
}

impl<S: Sys> Exec<'_, S> {
    /// A root mode's tree may lack a top-level mount point (`/proc`, `/dev`,
    /// `/sys`, `/tmp` of a minimal bundle): it is made (0755) in the tree,
    /// as runc does. True if it was (then the caller tries again).
    fn mount_point(&mut self, base: Fd, path: &[u8]) -> bool {
        let name = path.strip_prefix(b"/").unwrap_or(path);
        self.spec.root.is_own()
            && !name.is_empty()
            && !name.contains(&b'/')
            && cpath(if base == AT_FDCWD { path } else { name }).is_ok_and(|p| self.sys.mkdirat(base, (&p).into(), 0o755).is_ok())
    }
}

fn mkdir_ok(r: Result<()>) -> Result<()> {
    match r {
        Err(Errno::EEXIST) => Ok(()),
        r => r,
    }
}

fn loop_path(n: u32) -> Result<CPath<32>> {
    let mut p = CPath::<32>::new(b"/dev/loop")?;
    p.push_num(u64::from(n))?;
    Ok(p)
}

/// The sandbox user namespace's limits, relative to `/proc/sys`, set to 0.
pub const NS_LIMITS: [CStr<'static>; 8] = [
    c!("user/max_user_namespaces"),
    c!("user/max_mnt_namespaces"),
    c!("user/max_pid_namespaces"),
    c!("user/max_net_namespaces"),
    c!("user/max_ipc_namespaces"),
    c!("user/max_uts_namespaces"),
    c!("user/max_cgroup_namespaces"),
    c!("user/max_time_namespaces"),
];

/// ENOENT: the kernel has no such file (an older one, or a config without
/// it): nothing to hide.
fn skip_missing(r: Result<()>) -> Result<()> {
    match r {
        Err(Errno::ENOENT) => Ok(()),
        r => r,
    }
}

impl<S: Sys> Exec<'_, S> {
    /// No nested namespaces: as root of its new user namespace, the guard
    /// sets that namespace's `max_*_namespaces` to 0 (through `/proc/sys`
    /// opened before it became read-only), so that no process of the
    /// sandbox, seccomp-confined or not, can create a namespace of any
    /// kind (ENOSPC). A limit the kernel does not have is skipped (4.9
    /// added them, 5.6 the time one).
    fn userns_limits(&mut self) -> core::result::Result<(), Fail> {
        let f = |e| Fail::new(err::BUILD_ROCKER_FAILED, e, step::USERNS_LIMITS);
        let dir = match self.sysctl.take() {
            Some(fd) => fd,
            None => match self.sys.openat(AT_FDCWD, c!("/proc/sys"), DIR_PATH) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) => return Ok(()),
                Err(e) => return Err(f(e)),
            },
        };
        let r = NS_LIMITS.iter().try_for_each(|&p| skip_missing(self.sys.write_file(dir, p, b"0")));
        self.sys.close(dir);
        r.map_err(f)
    }
}
