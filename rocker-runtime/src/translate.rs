//! `config.json` to rocker's one model: an [`OciConfig`] becomes a
//! [`SandboxSpec`] (what the guard's plan and the App's recipe carry out)
//! plus the few things only the runtime does itself ([`Container`]: the
//! command, environment, terminal, sysctls, cgroup path, seccomp profile).
//!
//! Pure: no syscalls. A field rocker cannot honour is an error naming the
//! field ([`Refused`]); nothing is silently dropped.
use heapless::Vec;
use rocker_oci::{OciConfig, Str};
use rocker_oci::tables::ms;
use rocker_spec::{Caps, Client, FsMount, Limits, Net, Ns, Root, SandboxSpec, Seccomp};

/// Most bind mounts (the guard's), and tmpfs mounts.
pub const MAX_BINDS: usize = rocker_proto::BINDS_MAX;
pub const MAX_TMPFS: usize = 8;
/// Most arguments and environment entries handed to `execve`.
pub const MAX_ARGV: usize = rocker_oci::MAX_ARGS;
pub const MAX_ENVP: usize = rocker_oci::MAX_ENV + crate::cli::MAX_ENV_OPTS;

/// The field that could not be honoured, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub why: &'static str,
}

fn no(field: &'static str, why: &'static str) -> Refused {
    Refused { field, why }
}

/// Decoded strings, carved from one caller's buffer.
pub struct Arena<'b> {
    rest: &'b mut [u8],
}

impl<'b> Arena<'b> {
    pub fn new(buf: &'b mut [u8]) -> Arena<'b> {
        Arena { rest: buf }
    }

    fn carve(&mut self, n: usize) -> &'b mut [u8] {
        let buf = core::mem::take(&mut self.rest);
        let (a, b) = buf.split_at_mut(n.min(buf.len()));
        self.rest = b;
        a
    }

    /// `s` decoded, NUL-terminated (None: no room, or a NUL inside).
    pub fn cstr(&mut self, s: &Str) -> Option<&'b [u8]> {
        let n = s.decode_nul(&mut *self.rest)?.len();
        Some(self.carve(n))
    }

    /// `s` decoded, no NUL.
    pub fn bytes(&mut self, s: &Str) -> Option<&'b [u8]> {
        self.cstr(s).and_then(|c| c.split_last().map(|(_, v)| v))
    }

    /// The parts one after the other (and a NUL when `nul`).
    pub fn cat(&mut self, parts: &[&[u8]], nul: bool) -> Option<&'b mut [u8]> {
        let n = parts.iter().map(|p| p.len()).sum::<usize>() + usize::from(nul);
        if n > self.rest.len() {
            return None;
        }
        let out = self.carve(n);
        let mut i = 0;
        for p in parts {
            out.get_mut(i..i + p.len())?.copy_from_slice(p);
            i += p.len();
        }
        if nul {
            *out.get_mut(i)? = 0;
        }
        Some(out)
    }

    /// `rel` under `dir` (`dir/rel`), or `rel` itself when absolute.
    pub fn under(&mut self, dir: &[u8], rel: &[u8]) -> Option<&'b [u8]> {
        let p = if rel.first() == Some(&b'/') { self.cat(&[rel], false) } else { self.cat(&[dir, b"/", rel], false) };
        p.map(|p| &*p)
    }
}

/// A namespace to join: its kind and path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Join<'a> {
    pub ns: Ns,
    pub path: &'a [u8],
}

/// A sysctl to write: `/proc/sys/<path>` (NUL-terminated) and the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sysctl<'a> {
    pub path: &'a [u8],
    pub value: &'a [u8],
}

/// A container as the runtime runs it.
pub struct Container<'a> {
    /// Everything the guard's plan and the recipe carry out.
    pub spec: SandboxSpec<'a>,
    /// The root directory (absolute) and whether it is read-only.
    pub rootfs: &'a [u8],
    pub readonly: bool,
    /// `process.args`, `process.env`: NUL-terminated.
    pub args: Vec<&'a [u8], MAX_ARGV>,
    pub env: Vec<&'a [u8], MAX_ENVP>,
    pub terminal: bool,
    /// `process.consoleSize` (rows, columns).
    pub console: Option<(u16, u16)>,
    pub umask: u32,
    pub oom_score_adj: Option<i32>,
    pub sysctl: Vec<Sysctl<'a>, { rocker_oci::MAX_SYSCTL + 1 }>,
    /// `linux.cgroupsPath`, absolute (default `/rocker-runtime/<id>`).
    pub cgroup: &'a [u8],
    /// A cgroup namespace of its own (`CLONE_NEWCGROUP`, unshared once in
    /// the cgroup).
    pub cgroup_ns: bool,
    /// The bind and filesystem mounts of `spec.binds` and `spec.fs_mounts`.
    pub binds: Vec<rocker_spec::Bind<'a>, MAX_BINDS>,
    pub fs_mounts: Vec<FsMount<'a>, MAX_TMPFS>,
    /// Namespaces joined by path (`linux.namespaces[].path`).
    pub joins: Vec<Join<'a>, 6>,
    /// The rlimits of `spec.rlimits`.
    pub rlimits: Vec<rocker_spec::Rlimit, { rocker_oci::MAX_RLIMITS }>,
    /// `linux.maskedPaths` and `readonlyPaths`.
    pub masked: Vec<&'a [u8], { rocker_oci::MAX_MASKED_PATHS }>,
    pub readonly_paths: Vec<&'a [u8], { rocker_oci::MAX_READONLY_PATHS }>,
}

impl<'a> Container<'a> {
    /// The spec, with the lists it borrows from the container.
    pub fn spec(&self) -> SandboxSpec<'_> {
        SandboxSpec { rlimits: &self.rlimits, binds: &self.binds, fs_mounts: &self.fs_mounts, masked: &self.masked, readonly: &self.readonly_paths, ..self.spec }
    }
}

/// Where the cgroups of containers without `cgroupsPath` go.
pub const DEFAULT_CGROUP_PARENT: &[u8] = b"/rocker-runtime/";

/// A container id: 1..=64 of `[A-Za-z0-9_.-]`, not starting with `.`
/// (a single path component, and a cgroup name).
pub fn valid_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= 64 && id.first() != Some(&b'.') && id.iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

/// Under /proc, /sys or /dev, which the guard mounts itself.
fn under_kernel(p: &[u8]) -> bool {
    [&b"/proc"[..], b"/sys", b"/dev"].iter().any(|k| rocker_proto::under(p, k))
}

/// An absolute path without `.` or `..` components.
fn clean_abs(p: &[u8]) -> bool {
    p.first() == Some(&b'/') && p.split(|&c| c == b'/').all(|c| c != b"." && c != b"..")
}

const NS_FIELD: &str = "linux.namespaces";

/// Translates `c` for container `id` of the bundle at `bundle` (absolute).
pub fn translate<'a>(c: &'a OciConfig<'a>, id: &'a [u8], bundle: &'a [u8], no_pivot: bool, arena: &mut Arena<'a>) -> Result<Container<'a>, Refused> {
    let full = || no("config", "too large for the runtime's buffers");
    let pr = &c.process;
    let l = &c.linux;

    // Namespaces: a new mount namespace is required (the root is built in
    // it); a pid, network, ipc, uts or cgroup namespace may be joined by
    // path; user namespaces are not supported yet.
    let mut ns = Ns::empty();
    let mut cgroup_ns = false;
    let mut joins = Vec::new();
    for n in l.namespaces.iter() {
        let kinds = [Ns::NEWNS, Ns::NEWPID, Ns::NEWUTS, Ns::NEWIPC, Ns::NEWNET, Ns::NEWCGROUP];
        let kind = match kinds.iter().find(|k| k.bits() == n.flag) {
            Some(&k) => k,
            None if n.flag == Ns::NEWUSER.bits() => return Err(no(NS_FIELD, "user namespaces are not supported")),
            None => return Err(no(NS_FIELD, "this namespace type is not supported")),
        };
        if !n.path.is_empty() {
            if kind == Ns::NEWNS {
                return Err(no("linux.namespaces[].path", "a mount namespace cannot be joined"));
            }
            let path = arena.bytes(&n.path).ok_or_else(full)?;
            let _ = joins.push(Join { ns: kind, path });
        } else if kind == Ns::NEWCGROUP {
            cgroup_ns = true;
        } else {
            ns = ns.union(kind);
        }
    }
    if !ns.contains(Ns::NEWNS) {
        return Err(no(NS_FIELD, "a mount namespace is required"));
    }
    if !l.uid_mappings.is_empty() || !l.gid_mappings.is_empty() {
        return Err(no("linux.uidMappings", "user namespaces are not supported"));
    }
    let hostname = arena.bytes(&c.hostname).ok_or_else(full)?;
    if !hostname.is_empty() && !ns.contains(Ns::NEWUTS) {
        return Err(no("hostname", "needs a uts namespace"));
    }

    // Mounts: what the guard's plan makes itself is recognised by its
    // destination and type; binds and tmpfs mounts go to the spec.
    let mut private_dev = false;
    let mut binds = Vec::new();
    let mut fs_mounts = Vec::new();
    let mut bind_rw = 0u32;
    for m in c.mounts.iter() {
        let dst = arena.bytes(&m.destination).ok_or_else(full)?;
        if !clean_abs(dst) {
            return Err(no("mounts[].destination", "must be absolute, without . or .."));
        }
        if m.propagation & ms::SHARED != 0 {
            return Err(no("mounts[].options", "shared propagation is not supported"));
        }
        let flags = m.flags & !ms::BIND;
        match (dst, m.fs_type.raw()) {
            (b"/proc", b"proc") | (b"/dev/pts", b"devpts") | (b"/dev/shm", b"tmpfs") | (b"/dev/mqueue", b"mqueue") => {}
            (b"/dev", b"tmpfs") => private_dev = true,
            (b"/sys", b"sysfs") if flags & ms::RDONLY != 0 => {}
            (b"/sys", b"sysfs") => return Err(no("mounts[]", "/sys is always read-only sysfs")),
            _ if m.is_bind() => {
                if flags & ms::REC != 0 {
                    return Err(no("mounts[].options", "rbind (a recursive bind) is not supported: use bind"));
                }
                if flags & !(ms::RDONLY | ms::NOSUID | ms::NODEV) != 0 {
                    return Err(no("mounts[].options", "a bind takes only ro, rw, nosuid, nodev"));
                }
                let src = arena.bytes(&m.source).ok_or_else(full)?;
                let src = arena.under(bundle, src).ok_or_else(full)?;
                if !clean_abs(src) || dst == b"/" || under_kernel(dst) {
                    return Err(no("mounts[]", "a bind's source must be a plain path, its destination not /, /proc, /sys or /dev"));
                }
                if flags & ms::RDONLY == 0 {
                    bind_rw |= 1u32.checked_shl(binds.len() as u32).unwrap_or(0);
                }
                binds.push(rocker_spec::Bind { src, dst }).map_err(|_| no("mounts", "at most 8 bind mounts"))?;
            }
            // A read-only cgroup filesystem: the unified hierarchy (runc
            // mounts v1's hierarchies there on v1 hosts; rocker does not).
            (b"/sys/fs/cgroup", b"cgroup" | b"cgroup2") if flags & ms::RDONLY != 0 => {
                fs_mounts.push(FsMount { fstype: b"cgroup2\0", dst, flags: flags & !ms::RELATIME, data: b"" }).map_err(|_| no("mounts", "at most 8 tmpfs mounts"))?;
            }
            (_, b"tmpfs") if !under_kernel(dst) => {
                let mut b = [0u8; 256];
                let data = m.data_nul(&mut b).ok_or(no("mounts[].options", "too long"))?;
                let data = if data.len() > 1 { &*arena.cat(&[data], false).ok_or_else(full)? } else { b"" };
                fs_mounts.push(FsMount { fstype: b"tmpfs\0", dst, flags, data }).map_err(|_| no("mounts", "at most 8 tmpfs mounts"))?;
            }
            _ => return Err(no("mounts[]", "only binds, tmpfs and the standard /proc, /dev, /sys mounts are supported")),
        }
    }
    let dev_covered = |d: &[u8]| matches!(d, b"/dev/pts" | b"/dev/shm" | b"/dev/mqueue");
    if !private_dev && c.mounts.iter().any(|m| dev_covered(m.destination.raw())) {
        return Err(no("mounts[]", "/dev/pts, /dev/shm and /dev/mqueue need a tmpfs /dev"));
    }
    if !l.devices.is_empty() {
        return Err(no("linux.devices", "not supported"));
    }

    // The process.
    let mut args = Vec::new();
    for a in pr.args.iter() {
        args.push(arena.cstr(a).ok_or_else(full)?).map_err(|_| full())?;
    }
    let mut env = Vec::new();
    for e in pr.env.iter() {
        env.push(arena.cstr(e).ok_or_else(full)?).map_err(|_| full())?;
    }
    let caps = match &pr.capabilities {
        // runc's reading: without `capabilities` the process keeps them all.
        None => Caps { bounding: u64::MAX, permitted: KEEP_CAPS, inheritable: 0, ambient: 0 },
        Some(k) if k.effective != k.permitted => return Err(no("process.capabilities.effective", "must equal permitted")),
        // An ambient capability must be permitted and inheritable: others
        // cannot be raised (runc warns and goes on; they are left out).
        Some(k) => Caps { bounding: k.bounding, permitted: k.permitted, inheritable: k.inheritable, ambient: k.ambient & k.permitted & k.inheritable },
    };
    let cwd = arena.bytes(&pr.cwd).ok_or_else(full)?;
    let mut rlimits = Vec::new();
    for r in pr.rlimits.iter() {
        let _ = rlimits.push(rocker_spec::Rlimit { resource: u32::from(r.resource), cur: r.soft, max: r.hard });
    }
    let console = pr.console_size.map(|(h, w)| (h.min(u32::from(u16::MAX)) as u16, w.min(u32::from(u16::MAX)) as u16));

    // Sysctls: only those of the namespaces the container has.
    let mut sysctl = Vec::new();
    for kv in l.sysctl.iter() {
        let key = arena.bytes(&kv.key).ok_or_else(full)?;
        let value = arena.bytes(&kv.value).ok_or_else(full)?;
        let path = sysctl_path(key, ns, arena).ok_or(no("linux.sysctl", "not a sysctl of the container's namespaces"))?;
        sysctl.push(Sysctl { path, value }).map_err(|_| full())?;
    }
    if !c.domainname.is_empty() {
        if !ns.contains(Ns::NEWUTS) {
            return Err(no("domainname", "needs a uts namespace"));
        }
        let value = arena.bytes(&c.domainname).ok_or_else(full)?;
        sysctl.push(Sysctl { path: b"kernel/domainname\0", value }).map_err(|_| full())?;
    }

    let limits = limits(&l.resources)?;
    let cgroup = if l.cgroups_path.is_empty() {
        &*arena.cat(&[DEFAULT_CGROUP_PARENT, id], false).ok_or_else(full)?
    } else {
        let p = arena.bytes(&l.cgroups_path).ok_or_else(full)?;
        let p = arena.under(b"", p).ok_or_else(full)?;
        if p.contains(&b':') || !clean_abs(p) || p.len() < 2 {
            return Err(no("linux.cgroupsPath", "must be a cgroupfs path (systemd slices are not supported)"));
        }
        p
    };

    let root = arena.bytes(&c.root.path).ok_or_else(full)?;
    let rootfs = arena.under(bundle, root).ok_or_else(full)?;
    let mut masked = Vec::new();
    for p in l.masked_paths.iter() {
        masked.push(arena.bytes(p).ok_or_else(full)?).map_err(|_| full())?;
    }
    let mut readonly_paths = Vec::new();
    for p in l.readonly_paths.iter() {
        readonly_paths.push(arena.bytes(p).ok_or_else(full)?).map_err(|_| full())?;
    }

    let spec = SandboxSpec {
        app_id: 0,
        uid: pr.user.uid,
        gid: pr.user.gid,
        pkg_path: b"",
        exec_dir: b"",
        data_dir: b"",
        overlays: &[],
        ns,
        legacy_loop: false,
        test_stall: 0,
        client: Client::Runtime,
        auto_overlay: false,
        hostname,
        private_dev,
        tmp_kb: 0,
        devices: &[],
        device_ro: 0,
        net: if ns.contains(Ns::NEWNET) { Net::None } else { Net::Host },
        limits,
        rlimits: &[],
        cgroup_fds: 0,
        seccomp: Seccomp::Unconfined,
        root: Root::Dir { path: rootfs, read_only: c.root.readonly, no_pivot },
        cwd,
        binds: &[],
        bind_rw,
        caps,
        groups: pr.user.additional_gids.as_slice(),
        no_new_privs: pr.no_new_privileges,
        fs_mounts: &[],
        masked: &[],
        readonly: &[],
    };
    Ok(Container {
        spec,
        rootfs,
        readonly: c.root.readonly,
        args,
        env,
        terminal: pr.terminal,
        console,
        umask: pr.user.umask.unwrap_or(0o022),
        oom_score_adj: pr.oom_score_adj,
        sysctl,
        cgroup,
        cgroup_ns,
        binds,
        joins,
        fs_mounts,
        rlimits,
        masked,
        readonly_paths,
    })
}

/// `permitted` of a process whose config has no `capabilities`: it keeps
/// those the runtime has (its own permitted and inheritable sets, read in
/// the process before the recipe runs).
pub const KEEP_CAPS: u64 = u64::MAX;

/// `net.ipv4.ip_forward` -> `net/ipv4/ip_forward\0`, if it belongs to one of
/// the namespaces in `ns` (runc's rule: the IPC sysctls, `fs.mqueue.*`,
/// `net.*`, and the UTS names), and every component is a plain name.
fn sysctl_path<'b>(key: &[u8], ns: Ns, arena: &mut Arena<'b>) -> Option<&'b [u8]> {
    let ipc = [&b"kernel.msgmax"[..], b"kernel.msgmnb", b"kernel.msgmni", b"kernel.sem", b"kernel.shmall", b"kernel.shmmax", b"kernel.shmmni", b"kernel.shm_rmid_forced"];
    let ok = (ipc.contains(&key) || key.starts_with(b"fs.mqueue.")) && ns.contains(Ns::NEWIPC)
        || key.starts_with(b"net.") && ns.contains(Ns::NEWNET)
        || (key == b"kernel.hostname" || key == b"kernel.domainname") && ns.contains(Ns::NEWUTS);
    let plain = key.split(|&c| c == b'.').all(|c| !c.is_empty() && c.iter().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(b)));
    if !ok || !plain {
        return None;
    }
    let p = arena.cat(&[key], true)?;
    for c in p.iter_mut().filter(|c| **c == b'.') {
        *c = b'/';
    }
    Some(p)
}

/// `linux.resources` as the sandbox's limits (runc's conversions).
fn limits(r: &rocker_oci::Resources) -> Result<Limits, Refused> {
    let pos = |v: Option<i64>| v.filter(|&x| x > 0).map(|x| x as u64);
    let mem_max = pos(r.memory_limit);
    // `memory.swap` is memory + swap.
    let swap_max = match (pos(r.memory_swap), mem_max) {
        (None, _) => None,
        (Some(t), Some(m)) if t >= m => Some(t - m),
        _ => return Err(no("linux.resources.memory.swap", "must be at least memory.limit")),
    };
    if pos(r.memory_reservation).is_some() {
        return Err(no("linux.resources.memory.reservation", "not supported"));
    }
    if !r.cpu_cpus.is_empty() || !r.cpu_mems.is_empty() {
        return Err(no("linux.resources.cpu.cpus", "cpusets are not supported"));
    }
    let cpu_max = match pos(r.cpu_quota) {
        Some(q) => Some((u32::try_from(q).map_err(|_| no("linux.resources.cpu.quota", "too large"))?, r.cpu_period.map_or(Ok(100_000), u32::try_from).map_err(|_| no("linux.resources.cpu.period", "too large"))?)),
        None => None,
    };
    // cpu.shares (2..=262144) to cpu.weight (1..=10000), as runc maps them.
    let cpu_weight = r.cpu_shares.filter(|&s| s != 0).map(|s| {
        let s = s.clamp(2, 262_144);
        (1 + ((s - 2) * 9999) / 262_142) as u32
    });
    let pids_max = pos(r.pids_limit).map(|p| p.min(u64::from(u32::MAX)) as u32);
    Ok(Limits { mem_max, swap_max, cpu_max, cpu_weight, pids_max })
}
