//! rocker-spec: one model of a sandbox.
//!
//! A RUN request (and, in the OCI runtime, a `config.json`) becomes one
//! [`SandboxSpec`]; the guard turns it into its setup plan, and [`recipe`]
//! turns it into the steps the App's own process takes before the App runs.
//! Policy (which namespaces, which ids, which privileges are dropped, in
//! which order) is decided here, in Rust, and only carried out elsewhere.
//! [`Fail`] is the one error type from guard to master to client.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod limits;
pub mod recipe;
mod root;
pub mod seccomp;

use rocker_proto::{
    check_abs_path, check_run_req, err, step, under, RunReq, NET_BRIDGE, NET_HOST, NET_NONE, ROOT_HOST,
    RUN_LEGACY_LOOP, SECCOMP_PROFILE, SECCOMP_UNCONFINED, SHARE_DEV, SHARE_IPC, SHARE_TMP, SHARE_UTS,
};
use syscalls::Errno;

/// Why something failed: the reason (`ROCKER_ERR_*`, never success), the
/// errno behind it, the step (`ROCKER_STEP_*`) and the overlay slot (else
/// 0). Eight bytes with a niche, so `Result<(), Fail>` travels in registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fail {
    code: core::num::NonZeroI16,
    errno: Errno,
    step: u16,
    index: u16,
}

impl Fail {
    /// A failure at `step`, slot 0. A `code` out of range (or success)
    /// becomes `ROCKER_ERR_unknown`.
    pub const fn new(code: i32, errno: Errno, step: u16) -> Fail {
        let c = if code >= i16::MIN as i32 && code <= i16::MAX as i32 { code as i16 } else { -1 };
        let code = match core::num::NonZeroI16::new(c) {
            Some(c) => c,
            None => core::num::NonZeroI16::MIN,
        };
        Fail { code, errno, step, index: 0 }
    }
    /// The same failure, at overlay slot `i`.
    pub fn index(self, i: usize) -> Fail {
        Fail { index: u16::try_from(i).unwrap_or(u16::MAX), ..self }
    }
    /// The reason.
    pub fn code(&self) -> i32 {
        let c = i32::from(self.code.get());
        if c == i32::from(i16::MIN) {
            err::UNKNOWN
        } else {
            c
        }
    }
    /// The errno.
    pub fn errno(&self) -> Errno {
        self.errno
    }
    /// The step.
    pub fn step(&self) -> u16 {
        self.step
    }
    /// The overlay slot.
    pub fn slot(&self) -> u16 {
        self.index
    }
}

/// `result.at(code, step)`: turn an `Errno` into a [`Fail`].
pub trait Ctx<T> {
    /// With the reason and step.
    fn at(self, code: i32, step: u16) -> Result<T, Fail>;
    /// With the reason, step and overlay slot.
    fn at_i(self, code: i32, step: u16, index: usize) -> Result<T, Fail>;
}

impl<T> Ctx<T> for syscalls::Result<T> {
    #[inline]
    fn at(self, code: i32, step: u16) -> Result<T, Fail> {
        self.map_err(|e| Fail::new(code, e, step))
    }
    #[inline]
    fn at_i(self, code: i32, step: u16, index: usize) -> Result<T, Fail> {
        self.map_err(|e| Fail::new(code, e, step).index(index))
    }
}

/// A set of namespaces (`CLONE_NEW*` bits).
pub use syscalls::NsFlags as Ns;

/// Every namespace kind, in the order the App joins them: user last
/// (joining it gives up the host's privileges the other `setns` calls need).
pub const JOIN_ORDER: [Ns; 7] = [Ns::NEWNS, Ns::NEWPID, Ns::NEWUTS, Ns::NEWIPC, Ns::NEWNET, Ns::NEWCGROUP, Ns::NEWUSER];

/// The name `/proc/PID/ns/<name>` uses for one kind.
pub fn ns_proc_name(ns: Ns) -> &'static [u8] {
    match ns {
        Ns::NEWNS => b"mnt",
        Ns::NEWPID => b"pid",
        Ns::NEWUTS => b"uts",
        Ns::NEWIPC => b"ipc",
        Ns::NEWNET => b"net",
        Ns::NEWCGROUP => b"cgroup",
        Ns::NEWUSER => b"user",
        _ => b"?",
    }
}

/// Which client gets the sandbox, and so what the reply carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// A seed-era v1 client (`reply_max == 0`): it joins mnt, pid and user
    /// itself and knows no recipe, so the sandbox has only those.
    V1,
    /// A client that carries out a recipe, with this many reply bytes.
    Recipe(u32),
    /// The OCI runtime (`rocker-runtime`): the container's own process is
    /// the sandbox's PID 1; it runs the guard's plan and then the recipe in
    /// place (no fds, no `setns`, no App clone), and the sandbox gets a user
    /// namespace only when the config asks for one.
    Runtime,
}

/// The sandbox's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net<'a> {
    /// The host's (the seed's behaviour).
    Host,
    /// Its own network namespace with only `lo`.
    None,
    /// Its own network namespace, a veth pair whose host end joins `bridge`.
    Bridge {
        /// The bridge (created by the master if missing).
        bridge: &'a [u8],
        /// Address and prefix (0.0.0.0: allocated by the master).
        addr: [u8; 4],
        /// See `addr`.
        prefix: u8,
        /// Default gateway (0.0.0.0: the bridge's address).
        gateway: [u8; 4],
    },
}

/// Default size of a private /tmp (KiB).
pub const TMP_SIZE_KB: u32 = 16 * 1024;

/// One sandbox, whatever asked for it.
#[derive(Clone, Copy, Debug)]
pub struct SandboxSpec<'a> {
    /// App id (informational, listed).
    pub app_id: i32,
    /// The App's uid and gid, the same inside the sandbox and on the host.
    pub uid: u32,
    /// See `uid`.
    pub gid: u32,
    /// Package path (informational: the package is the fd the client sent).
    pub pkg_path: &'a [u8],
    /// Where the package is mounted read-only (empty in root mode).
    pub exec_dir: &'a [u8],
    /// Where the overlays' upper and work dirs live.
    pub data_dir: &'a [u8],
    /// Top-level dirs that get an overlay.
    pub overlays: &'a [&'a [u8]],
    /// Namespaces the guard is cloned into (the user namespace is unshared
    /// last by the guard itself and is not part of this set).
    pub ns: Ns,
    /// Attach the package with LOOP_SET_FD + LOOP_SET_STATUS64 (test switch).
    pub legacy_loop: bool,
    /// Test hook: the guard stops after this step until killed (0: none).
    pub test_stall: u16,
    /// Who carries out the App's side.
    pub client: Client,
    /// Overlay every visible top-level dir (none was named): the master
    /// fills `overlays` (the seed's rule).
    pub auto_overlay: bool,
    /// Hostname in its UTS namespace (empty: the sandbox's name).
    pub hostname: &'a [u8],
    /// A private /dev (tmpfs with the standard devices, pts, shm, mqueue).
    pub private_dev: bool,
    /// A private /tmp of this size in KiB (0: none, the host's or an overlay).
    pub tmp_kb: u32,
    /// Host device nodes passed through.
    pub devices: &'a [&'a [u8]],
    /// Bit i: device i read-only.
    pub device_ro: u32,
    /// Its network.
    pub net: Net<'a>,
    /// Its cgroup's limits (all `None`: unlimited).
    pub limits: Limits,
    /// The App's rlimits (the target's `RLIMIT_*` numbers).
    pub rlimits: &'a [Rlimit],
    /// `cgroup.procs` fds the App's helper writes to join the sandbox's
    /// cgroup before it clones the App (one per hierarchy): set by the
    /// master once the cgroup exists (0: none).
    pub cgroup_fds: u8,
    /// Its seccomp filter.
    pub seccomp: Seccomp<'a>,
    /// What its root is.
    pub root: Root<'a>,
    /// The App's working directory (empty: the default).
    pub cwd: &'a [u8],
    /// Host paths bound into it (read-only unless `bind_rw` says so).
    pub binds: &'a [Bind<'a>],
    /// Bit i: bind i read-write.
    pub bind_rw: u32,
    /// The App's capabilities (all empty, the default: none at all).
    pub caps: Caps,
    /// The App's supplementary groups (empty: none).
    pub groups: &'a [u32],
    /// `PR_SET_NO_NEW_PRIVS` (always, unless an OCI config says otherwise).
    pub no_new_privs: bool,
    /// More filesystems without a source (an OCI config's `/run` tmpfs, its
    /// read-only cgroup2 at `/sys/fs/cgroup`), after the private /tmp,
    /// nosuid and nodev. None from a RUN request.
    pub fs_mounts: &'a [FsMount<'a>],
    /// Paths hidden (a file behind `/dev/null`, a dir behind an empty
    /// read-only tmpfs) and paths made read-only (an OCI config's
    /// `maskedPaths`, `readonlyPaths`; [`MASKED`] and [`READONLY`] from a
    /// RUN request); missing ones are skipped.
    pub masked: &'a [&'a [u8]],
    /// See `masked`.
    pub readonly: &'a [&'a [u8]],
}

/// What a sandbox of a RUN request gets masked: Docker's and runc's
/// default `maskedPaths` (and `/proc/sysrq-trigger`, read-only there).
pub const MASKED: [&[u8]; 13] = [
    b"/proc/acpi",
    b"/proc/asound",
    b"/proc/interrupts",
    b"/proc/kcore",
    b"/proc/keys",
    b"/proc/latency_stats",
    b"/proc/sched_debug",
    b"/proc/scsi",
    b"/proc/sysrq-trigger",
    b"/proc/timer_list",
    b"/proc/timer_stats",
    b"/sys/devices/virtual/powercap",
    b"/sys/firmware",
];

/// What a sandbox of a RUN request gets read-only: Docker's and runc's
/// default `readonlyPaths`, and `/sys` as a whole (last: a root mode has
/// a read-only sysfs of its own).
pub const READONLY: [&[u8]; 5] = [b"/proc/bus", b"/proc/fs", b"/proc/irq", b"/proc/sys", b"/sys"];

/// A mount of [`SandboxSpec::fs_mounts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FsMount<'a> {
    /// `tmpfs` or `cgroup2`, NUL-terminated.
    pub fstype: &'a [u8],
    /// Where, absolute, without `.` or `..` (missing dirs are created in a
    /// root mode, as for binds).
    pub dst: &'a [u8],
    /// More `MS_*` flags: `MS_RDONLY`, `MS_NOEXEC`, atime flags.
    pub flags: u32,
    /// Its options (`mode=755,size=65536k`), NUL-terminated, or empty.
    pub data: &'a [u8],
}

/// Capability sets of the App (bit n: capability n). The effective set is
/// the permitted one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// Bounding set: every capability not in it is dropped.
    pub bounding: u64,
    /// Permitted and effective sets.
    pub permitted: u64,
    /// Inheritable set.
    pub inheritable: u64,
    /// Ambient set (each must be permitted and inheritable).
    pub ambient: u64,
}

/// cgroup limits of a sandbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `memory.max`, bytes.
    pub mem_max: Option<u64>,
    /// `memory.swap.max`, bytes (`Some(0)`: no swap).
    pub swap_max: Option<u64>,
    /// `cpu.max` quota and period, µs.
    pub cpu_max: Option<(u32, u32)>,
    /// `cpu.weight`, 1..=10000.
    pub cpu_weight: Option<u32>,
    /// `pids.max`.
    pub pids_max: Option<u32>,
}

impl Limits {
    /// No limit at all.
    pub fn is_none(&self) -> bool {
        *self == Limits::default()
    }
}

/// The App's seccomp filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seccomp<'a> {
    /// The default filter (Docker's default profile's denials).
    Default,
    /// None.
    Unconfined,
    /// Calls named in `names` (NUL-separated) get `action`, all others
    /// `default_action` (`SECCOMP_ACT_*`); `errno` for `SECCOMP_ACT_ERRNO`.
    Profile {
        /// Action of the calls not listed.
        default_action: u32,
        /// Action of the listed calls.
        action: u32,
        /// Errno of `SECCOMP_ACT_ERRNO` (0: EPERM).
        errno: u32,
        /// Syscall names, each NUL-terminated.
        names: &'a [u8],
    },
}

/// What a sandbox's root is. In the root modes (`Pkg`, `Dir`) the guard
/// builds the new root in its own mount namespace (an overlay whose upper
/// and work dirs are `<data>/rootfs/{upper,work}`, or the tree alone when
/// read-only), mounts /proc, the private /dev, /sys (read-only), /tmp and
/// the binds in it, and switches to it: `pivot_root` and a detach of the
/// old root, or (`no_pivot`, or a host whose root is the initramfs, where
/// `pivot_root` fails) `MS_MOVE` onto `/` + `chroot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root<'a> {
    /// The host's tree with overlays, the package at the exec dir (the seed's).
    Host,
    /// The package is the whole root.
    Pkg {
        /// No writable layer over it.
        read_only: bool,
        /// `MS_MOVE` + `chroot` instead of `pivot_root`.
        no_pivot: bool,
    },
    /// A host directory is the whole root (an OCI bundle's rootfs; no wire
    /// field asks for it). Opened without following any symlink.
    Dir {
        /// Its absolute path.
        path: &'a [u8],
        /// No writable layer over it (a read-only bind).
        read_only: bool,
        /// `MS_MOVE` + `chroot` instead of `pivot_root`.
        no_pivot: bool,
    },
}

impl Root<'_> {
    /// One of the root modes: the host's tree is not the sandbox's.
    pub fn is_own(&self) -> bool {
        *self != Root::Host
    }
    /// A root mode with a writable layer in the data dir.
    pub fn has_layer(&self) -> bool {
        matches!(self, Root::Pkg { read_only: false, .. } | Root::Dir { read_only: false, .. })
    }
    /// A root mode that must not use `pivot_root`.
    pub fn no_pivot(&self) -> bool {
        matches!(self, Root::Pkg { no_pivot: true, .. } | Root::Dir { no_pivot: true, .. })
    }
}

impl SandboxSpec<'_> {
    /// The root's tree is used in place, without a layer: a [`Root::Dir`]
    /// and no data dir (the OCI runtime's bundle rootfs). It is bound
    /// writable, and a read-only one is remounted read-only once everything
    /// is mounted in it (mount points can be made first, as runc does).
    pub fn tree_in_place(&self) -> bool {
        matches!(self.root, Root::Dir { .. }) && self.data_dir.is_empty()
    }
    /// The sandbox gets a sysfs of its own (read-only): always in a root
    /// mode, and on the host's tree when it has a network namespace of its
    /// own (the host's `/sys/class/net` would show the host's interfaces).
    pub fn own_sys(&self) -> bool {
        own_sys(self.root, self.ns)
    }
}

fn own_sys(root: Root, ns: Ns) -> bool {
    root.is_own() || ns.contains(Ns::NEWNET)
}

pub use rocker_proto::{Bind, Rlimit};

impl<'a> SandboxSpec<'a> {
    /// The spec of a decoded RUN request: every path rule, the test hook's
    /// range, and the namespaces this client can join.
    pub fn from_run(req: &'a RunReq<'a>) -> Result<SandboxSpec<'a>, Fail> {
        if req.root == ROOT_HOST {
            check_run_req(req).map_err(|inv| {
                let e = if inv.code == err::PATH_TOO_LONG { Errno::ENAMETOOLONG } else { Errno::EINVAL };
                Fail::new(inv.code, e, step::VALIDATE).index(usize::from(inv.index))
            })?;
        }
        let root = root::check(req)?;
        let test_stall = u16::try_from(req.test_stall).map_err(|_| Fail::new(err::PARAM_INVALID, Errno::ERANGE, step::VALIDATE))?;
        let client = if req.reply_max == 0 { Client::V1 } else { Client::Recipe(req.reply_max) };
        let bad = |e| Fail::new(err::ISOLATION_INVALID, e, step::VALIDATE);
        if !req.hostname.is_empty() && !req.hostname.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.') {
            return Err(bad(Errno::EINVAL));
        }
        // A setting for something the sandbox shares with the host, or for
        // a network it does not have, is a mistake: said, not ignored.
        let shared = |bit: u32, set: bool| set && req.share & bit != 0;
        if shared(SHARE_UTS, !req.hostname.is_empty())
            || shared(SHARE_DEV, req.n_devices != 0)
            || shared(SHARE_TMP, req.tmp_size_kb != 0)
            || (req.net != NET_BRIDGE && (!req.bridge.is_empty() || req.addr != [0; 4] || req.prefix != 0 || req.gateway != [0; 4]))
        {
            return Err(bad(Errno::EINVAL));
        }
        for (i, d) in req.devices().iter().enumerate() {
            if check_abs_path(d).is_err() || !under(d, b"/dev") || *d == b"/dev" {
                return Err(bad(Errno::EINVAL).index(i));
            }
        }
        // A v1 client joins mnt, pid and user only: no namespace it would
        // not join, and no network it could not reach.
        let v1 = client == Client::V1;
        let mut ns = Ns::NEWNS.union(Ns::NEWPID);
        if !v1 && req.share & SHARE_UTS == 0 {
            ns = ns.union(Ns::NEWUTS);
        }
        if !v1 && req.share & SHARE_IPC == 0 {
            ns = ns.union(Ns::NEWIPC);
        }
        let net = match req.net {
            NET_HOST => Net::Host,
            NET_NONE => Net::None,
            NET_BRIDGE => {
                let ok = !req.bridge.is_empty() && req.bridge.iter().all(|&c| c.is_ascii_alphanumeric() || b"-_.".contains(&c));
                if !ok || (req.addr != [0; 4] && (req.prefix == 0 || req.prefix > 30)) {
                    return Err(bad(Errno::EINVAL));
                }
                Net::Bridge { bridge: req.bridge, addr: req.addr, prefix: req.prefix, gateway: req.gateway }
            }
            _ => return Err(bad(Errno::EINVAL)),
        };
        if net != Net::Host {
            if v1 {
                return Err(Fail::new(err::UNSUPPORTED, Errno::EINVAL, step::VALIDATE));
            }
            ns = ns.union(Ns::NEWNET);
        }
        // /tmp stays the host's when asked, or when it is overlaid.
        let tmp_overlaid = req.overlays().contains(&&b"/tmp"[..]);
        let tmp_kb = if req.share & SHARE_TMP != 0 || tmp_overlaid {
            0
        } else if req.tmp_size_kb == 0 {
            TMP_SIZE_KB
        } else {
            req.tmp_size_kb
        };
        // Nothing of VER3 reaches a v1 client's App: it runs no recipe.
        let ver3 = req.mem_max | req.swap_max != 0
            || req.limit_flags | req.cpu_quota_us | req.cpu_weight | req.pids_max | req.seccomp | req.root | req.bind_rw != 0
            || req.n_rlimits + req.n_binds != 0
            || !req.cwd.is_empty();
        if v1 && ver3 {
            return Err(Fail::new(err::UNSUPPORTED, Errno::EINVAL, step::VALIDATE));
        }
        let (limits, rlimits) = (limits::limits(req)?, limits::rlimits(req)?);
        Ok(SandboxSpec {
            app_id: req.app_id,
            uid: req.uid,
            gid: req.gid,
            pkg_path: req.pkg,
            exec_dir: req.exec_dir,
            data_dir: req.data_dir,
            overlays: req.overlays(),
            ns,
            legacy_loop: req.run_flags & RUN_LEGACY_LOOP != 0,
            test_stall,
            client,
            auto_overlay: req.n_overlay == 0 && root == Root::Host,
            hostname: req.hostname,
            private_dev: req.share & SHARE_DEV == 0,
            tmp_kb,
            devices: req.devices(),
            device_ro: req.device_ro,
            net,
            limits,
            rlimits,
            cgroup_fds: 0,
            seccomp: match req.seccomp {
                SECCOMP_UNCONFINED => Seccomp::Unconfined,
                SECCOMP_PROFILE => Seccomp::Profile {
                    default_action: req.seccomp_default,
                    action: req.seccomp_action,
                    errno: req.seccomp_errno,
                    names: req.seccomp_names,
                },
                _ => Seccomp::Default,
            },
            root,
            cwd: req.cwd,
            binds: req.binds(),
            bind_rw: req.bind_rw,
            caps: Caps::default(),
            groups: &[],
            no_new_privs: true,
            fs_mounts: &[],
            masked: &MASKED,
            // A sysfs of the sandbox's own is read-only already.
            readonly: if own_sys(root, ns) { READONLY.split_last().map_or(&[], |(_, p)| p) } else { &READONLY },
        })
    }
}

#[cfg(test)]
mod tests;
