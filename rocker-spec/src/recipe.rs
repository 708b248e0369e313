//! The entrance to a sandbox: which fds the RUN reply carries, and the
//! recipe, the ordered steps the App's process takes between receiving them
//! and running the App (PROTOCOL.md "Recipe"). The client carries them out
//! as given (`rocker.h`'s `rocker__op`); the order here is the policy:
//!
//! 1. while still privileged in the host's namespaces: `setns` into every
//!    namespace but the user one, and drop supplementary groups;
//! 2. `setns` into the user namespace (which ends host privileges), then
//!    drop the bounding set, take the App's gid and uid, clear the
//!    effective/permitted/inheritable and ambient sets, `no_new_privs`;
//! 3. start the App; in its own process: a new session (`setsid`), so the
//!    caller's terminal is not its controlling terminal (no `TIOCSTI`);
//!    then its working directory, as the App's own ids (it enters only
//!    where it may); last, its seccomp filter ([`crate::seccomp`]), so
//!    that nothing before the App needs an exception in it.
//!
//! `setns` into the mount namespace puts the process at the topmost mount
//! stacked on the namespace's root: the sandbox's root in every mode (after
//! `pivot_root`, and after `MS_MOVE` onto `/` + `chroot` too, since the
//! moved root is stacked on the namespace's root), so the App needs no
//! `chroot` of its own.
//!
//! The OCI runtime's container process ([`Client::Runtime`]) is already in
//! its namespaces: no fds and no `setns`; `setgroups` sets the spec's groups
//! (from the blob), and `setresuid` keeps the permitted capabilities it is
//! to keep (`a` = 1: `PR_SET_KEEPCAPS` first, as it is still host root).
//!
//! A v1 client gets no recipe: it joins mnt, pid and user itself, and its
//! App runs without a seccomp filter (the sandbox's masked paths and
//! namespace limits, set up by the guard, hold for it too).
use heapless::Vec;
use rocker_proto::{op, step, Op, MAX_OPS, MAX_REPLY_FDS};
use syscalls::Errno;

use crate::{err, Client, Fail, Ns, SandboxSpec, JOIN_ORDER};

/// What one fd of the reply is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdRole {
    /// The guard's end of `ctl` (the App's pidfd is registered over it).
    Ctl,
    /// `/proc/GUARD/ns/<kind>`.
    Ns(Ns),
    /// The sandbox's `cgroup.procs` in hierarchy `i` (opened for writing).
    Cgroup(u8),
}

/// The fds of a reply, in order, and the recipe.
#[derive(Debug, Default)]
pub struct Entrance {
    /// fds in the order they are sent.
    pub fds: Vec<FdRole, MAX_REPLY_FDS>,
    /// The recipe (empty for a v1 client).
    pub ops: Vec<Op, MAX_OPS>,
    /// Bytes of the blob the ops refer to (written into the caller's buffer).
    pub blob_len: usize,
}

impl Entrance {
    /// Nothing yet.
    pub const EMPTY: Entrance = Entrance { fds: Vec::new(), ops: Vec::new(), blob_len: 0 };

    /// Index of `role` among the fds.
    pub fn index_of(&self, role: FdRole) -> Option<u32> {
        self.fds.iter().position(|r| *r == role).and_then(|i| u32::try_from(i).ok())
    }
    fn fd(&mut self, role: FdRole) -> Result<u32, Fail> {
        self.fds.push(role).map_err(|_| too_big())?;
        u32::try_from(self.fds.len().saturating_sub(1)).map_err(|_| too_big())
    }
    fn op(&mut self, op: u16, step: u16, a: u32, b: u64, c: u64) -> Result<(), Fail> {
        self.ops.push(Op { op, step, a, b, c }).map_err(|_| too_big())
    }
}

/// Most blob bytes a recipe of this crate uses (the caller's `blob` needs
/// no more): a working directory (`PATH_MAX` with its NUL, a multiple of 8)
/// and a seccomp program.
pub const BLOB_CAP: usize = rocker_proto::PATH_MAX + crate::seccomp::MAX_BYTES;
const _: () = assert!(rocker_proto::PATH_MAX.is_multiple_of(8));

fn too_big() -> Fail {
    Fail::new(err::UNSUPPORTED, Errno::E2BIG, step::REPLY)
}

fn setns_step(ns: Ns) -> u16 {
    match ns {
        Ns::NEWNS => step::SETNS_MNT,
        Ns::NEWPID => step::SETNS_PID,
        Ns::NEWUTS => step::SETNS_UTS,
        Ns::NEWIPC => step::SETNS_IPC,
        Ns::NEWNET => step::SETNS_NET,
        Ns::NEWCGROUP => step::SETNS_CGROUP,
        _ => step::SETNS_USER,
    }
}

/// `OP_CHDIR` to `cwd` (none if empty: `setns` left the App at the root).
/// The path goes into the blob, NUL-terminated, at the next 8-aligned
/// offset.
fn chdir(e: &mut Entrance, cwd: &[u8], blob: &mut [u8]) -> Result<(), Fail> {
    if cwd.is_empty() {
        return Ok(());
    }
    let at = e.blob_len.next_multiple_of(8);
    let n = cwd.len() + 1;
    let dst = blob.get_mut(at..at + n).ok_or_else(too_big)?;
    if let Some((nul, path)) = dst.split_last_mut() {
        path.copy_from_slice(cwd);
        *nul = 0;
    }
    e.blob_len = at + n;
    e.op(op::CHDIR, step::CHDIR, u32::try_from(at).map_err(|_| too_big())?, n as u64, 0)
}

/// The entrance for `spec`. `blob` receives the recipe's data (seccomp
/// programs, paths); its length bounds what fits.
pub fn entrance(spec: &SandboxSpec, blob: &mut [u8]) -> Result<Entrance, Fail> {
    let mut e = Entrance::default();
    if spec.client == Client::V1 {
        // The seed-era reply: mnt, pid, user, ctl; the client does the rest.
        for role in [FdRole::Ns(Ns::NEWNS), FdRole::Ns(Ns::NEWPID), FdRole::Ns(Ns::NEWUSER), FdRole::Ctl] {
            e.fd(role)?;
        }
        return Ok(e);
    }
    if spec.client == Client::Runtime {
        // Limits first: raising a hard limit needs CAP_SYS_RESOURCE.
        for r in spec.rlimits {
            e.op(op::PRLIMIT, step::PRLIMIT, r.resource, r.cur, r.max)?;
        }
        let n = spec.groups.len();
        let room = blob.get_mut(..n.saturating_mul(4)).ok_or_else(too_big)?;
        for (d, g) in room.chunks_exact_mut(4).zip(spec.groups) {
            d.copy_from_slice(&g.to_ne_bytes());
        }
        e.blob_len = room.len();
        e.op(op::SETGROUPS, step::DROP_GROUPS, 0, n as u64, 0)?;
        return privileges(e, spec, blob);
    }
    e.fd(FdRole::Ctl)?;
    for k in 0..spec.cgroup_fds {
        let i = e.fd(FdRole::Cgroup(k))?;
        e.op(op::JOIN_CGROUP, step::JOIN_CGROUP, i, 0, 0)?;
    }
    for ns in JOIN_ORDER {
        if ns == Ns::NEWUSER {
            // Still in the host's user namespace: the only place where the
            // supplementary groups can be dropped.
            e.op(op::SETGROUPS, step::DROP_GROUPS, 0, 0, 0)?;
        } else if !spec.ns.contains(ns) {
            continue;
        }
        let i = e.fd(FdRole::Ns(ns))?;
        e.op(op::SETNS, setns_step(ns), i, u64::from(ns.bits()), 0)?;
    }
    privileges(e, spec, blob)
}

/// The privileges and identity, then the App.
fn privileges(mut e: Entrance, spec: &SandboxSpec, blob: &mut [u8]) -> Result<Entrance, Fail> {
    let c = spec.caps;
    // Full capabilities in the sandbox's user namespace from here (setns
    // grants them; host root is unmapped there, so setresuid keeps them):
    // drop the bounding set first, it needs CAP_SETPCAP.
    e.op(op::CAPBSET, step::CAPBSET, 0, c.bounding, 0)?;
    e.op(op::SETRESGID, step::SETRESGID, 0, u64::from(spec.gid), 0)?;
    let keep = u32::from(c.permitted != 0 && spec.client == Client::Runtime);
    e.op(op::SETRESUID, step::SETRESUID, keep, u64::from(spec.uid), 0)?;
    e.op(op::CAPSET, step::DROP_CAPS, 0, c.permitted, c.inheritable)?;
    e.op(op::AMBIENT, step::AMBIENT, 0, c.ambient, 0)?;
    if spec.no_new_privs {
        e.op(op::NO_NEW_PRIVS, step::NO_NEW_PRIVS, 0, 0, 0)?;
    }
    e.op(op::APP, step::CLONE_APP, 0, 0, 0)?;
    e.op(op::SETSID, step::SETSID, 0, 0, 0)?;
    // rlimits in the App itself, not in the helper before the clone: each
    // applies to the App alone from its first instruction, and NPROC, which
    // counts the processes of the uid, would count the helper too (the App's
    // own clone then fails with EAGAIN at a small value). The runtime's
    // process set them first, while it could still raise a hard limit.
    if spec.client != Client::Runtime {
        for r in spec.rlimits {
            e.op(op::PRLIMIT, step::PRLIMIT, r.resource, r.cur, r.max)?;
        }
    }
    chdir(&mut e, spec.cwd, blob)?;
    // Last: the filter (its program 8-aligned in the blob).
    let at = e.blob_len.next_multiple_of(8);
    if let Some(n) = crate::seccomp::program(&spec.seccomp, blob.get_mut(at..).unwrap_or(&mut []))? {
        e.op(op::SECCOMP, step::SECCOMP, u32::try_from(at).map_err(|_| too_big())?, n as u64, 0)?;
        e.blob_len = at.saturating_add(n.saturating_mul(rocker_seccomp::INSN_SIZE));
    }
    Ok(e)
}
