//! `OciConfig<'a>`: a whole `config.json` parsed into fixed-capacity fields
//! that borrow their strings from the input.
//!
//! Rules (runtime-spec 1.0-1.2, `config.md` and `config-linux.md`):
//! - unknown fields are skipped; a `null` value counts as an absent field;
//! - a known field given twice in one object is [`ErrorKind::Duplicate`];
//! - a known field this runtime cannot honour is [`ErrorKind::Unsupported`]
//!   when it holds anything but an empty value (`""`, `false`, `0`, `[]`,
//!   `{}`): the list is in [`UNSUPPORTED_FIELDS`];
//! - more entries than a `MAX_*` capacity is [`ErrorKind::Capacity`];
//! - strings that reach the kernel must not contain NUL ([`ErrorKind::Value`]).

// Handlers are written `0 => Ok(field = read(p)?)`: one line per field.
#![allow(clippy::unit_arg)]

use crate::error::{Error, Fail};
use crate::json::{ErrorKind, Parser, Str, Token};
use crate::list::List;
use crate::tables::{self, Names};

/// `process.args` entries.
pub const MAX_ARGS: usize = 64;
/// `process.env` entries (Kubernetes adds ~7 per service in a namespace).
pub const MAX_ENV: usize = 128;
/// `process.user.additionalGids` entries.
pub const MAX_GIDS: usize = 32;
/// `process.rlimits` entries (there are 16 types and duplicates are refused).
pub const MAX_RLIMITS: usize = 16;
/// `mounts` entries (`runc spec` has 7, Docker ~10 plus volumes).
pub const MAX_MOUNTS: usize = 32;
/// Filesystem-specific (data) options per mount (devpts has 4).
pub const MAX_MOUNT_DATA: usize = 8;
/// `linux.namespaces` entries (one per type).
pub const MAX_NAMESPACES: usize = 8;
/// `linux.uidMappings` / `gidMappings` entries each.
pub const MAX_ID_MAPPINGS: usize = 8;
/// `linux.maskedPaths` entries (runc: 10, Docker: 13).
pub const MAX_MASKED_PATHS: usize = 32;
/// `linux.readonlyPaths` entries (runc: 5, Docker: 6).
pub const MAX_READONLY_PATHS: usize = 32;
/// `linux.sysctl` entries.
pub const MAX_SYSCTL: usize = 32;
/// `linux.devices` entries.
pub const MAX_DEVICES: usize = 32;
/// `annotations` entries (containerd's CRI sets ~10).
pub const MAX_ANNOTATIONS: usize = 64;
/// `linux.seccomp.syscalls` rules (Docker's default profile, as containerd
/// writes it, has ~30; each rule's `names` are not stored, see [`StrArray`]).
pub const MAX_SECCOMP_RULES: usize = 128;
/// `linux.seccomp.syscalls[].args` conditions, all rules together.
pub const MAX_SECCOMP_ARGS: usize = 64;

/// Fields this runtime recognises but cannot honour: present with a
/// non-empty value, each fails with [`ErrorKind::Unsupported`] and its path.
pub const UNSUPPORTED_FIELDS: &[&str] = &[
    "hooks.prestart",
    "hooks.createRuntime",
    "hooks.createContainer",
    "hooks.startContainer",
    "hooks.poststart",
    "hooks.poststop",
    "process.apparmorProfile",
    "process.selinuxLabel",
    "process.scheduler",
    "process.ioPriority",
    "process.execCPUAffinity",
    "mounts[].uidMappings",
    "mounts[].gidMappings",
    "mounts[].options[]: rro rrw rnosuid rsuid rnodev rdev rnoexec rexec rnoatime ratime \
     rrelatime rnorelatime rstrictatime rnostrictatime rnodiratime rdiratime rnosymfollow \
     rsymfollow idmap ridmap tmpcopyup",
    "linux.rootfsPropagation: anything but private rprivate slave rslave",
    "linux.intelRdt",
    "linux.mountLabel",
    "linux.personality",
    "linux.timeOffsets",
    "linux.memoryPolicy",
    "linux.netDevices",
    "linux.resources.blockIO",
    "linux.resources.hugepageLimits",
    "linux.resources.network",
    "linux.resources.rdma",
    "linux.resources.unified",
    "linux.resources.memory.kernel",
    "linux.resources.memory.kernelTCP",
    "linux.resources.memory.swappiness",
    "linux.resources.memory.disableOOMKiller",
    "linux.resources.memory.useHierarchy",
    "linux.resources.memory.checkBeforeUpdate",
    "linux.resources.cpu.realtimeRuntime",
    "linux.resources.cpu.realtimePeriod",
    "linux.resources.cpu.burst",
    "linux.resources.cpu.idle",
    "linux.seccomp.listenerPath",
    "linux.seccomp.listenerMetadata",
];

/// `process.user`
#[derive(Clone, Copy, Debug, Default)]
pub struct User {
    /// `uid` (required when `user` is given; 0 when `user` is absent)
    pub uid: u32,
    /// `gid` (required when `user` is given; 0 when `user` is absent)
    pub gid: u32,
    /// `umask`; `None`: leave the umask alone
    pub umask: Option<u32>,
    /// `additionalGids`
    pub additional_gids: List<u32, MAX_GIDS>,
}

/// `process.capabilities`: one bit per capability number (`1 << CAP_KILL`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Capabilities<'a> {
    /// `bounding`
    pub bounding: u64,
    /// `effective`
    pub effective: u64,
    /// `inheritable`
    pub inheritable: u64,
    /// `permitted`
    pub permitted: u64,
    /// `ambient`
    pub ambient: u64,
    /// Names not in [`tables::CAPABILITIES`]: the spec says to log a
    /// warning and go on; this counts them ...
    pub unknown: u16,
    /// ... and keeps the first one for the warning.
    pub first_unknown: Str<'a>,
}

/// One `process.rlimits` entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rlimit {
    /// `RLIMIT_*` resource number on this architecture.
    pub resource: u8,
    /// `soft` (`rlim_cur`); `u64::MAX` is `RLIM_INFINITY`.
    pub soft: u64,
    /// `hard` (`rlim_max`)
    pub hard: u64,
}

/// `process`
#[derive(Clone, Copy, Debug, Default)]
pub struct Process<'a> {
    /// `terminal`
    pub terminal: bool,
    /// `consoleSize` as (`height`, `width`)
    pub console_size: Option<(u32, u32)>,
    /// `user`
    pub user: User,
    /// `args` (at least one)
    pub args: List<Str<'a>, MAX_ARGS>,
    /// `env`, each `NAME=value` with a non-empty NAME
    pub env: List<Str<'a>, MAX_ENV>,
    /// `cwd`, absolute
    pub cwd: Str<'a>,
    /// `capabilities`; `None` when absent
    pub capabilities: Option<Capabilities<'a>>,
    /// `rlimits`, each type at most once
    pub rlimits: List<Rlimit, MAX_RLIMITS>,
    /// `noNewPrivileges`
    pub no_new_privileges: bool,
    /// `oomScoreAdj` (-1000..=1000); `None`: leave it alone
    pub oom_score_adj: Option<i32>,
}

/// `root`
#[derive(Clone, Copy, Debug, Default)]
pub struct Root<'a> {
    /// `path`: absolute, or relative to the bundle
    pub path: Str<'a>,
    /// `readonly`
    pub readonly: bool,
}

/// One `mounts` entry, with its options already sorted out.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mount<'a> {
    /// `destination`
    pub destination: Str<'a>,
    /// `type` (empty when absent)
    pub fs_type: Str<'a>,
    /// `source` (empty when absent)
    pub source: Str<'a>,
    /// `MS_*` flags for `mount(2)`, options applied in order (`ro` sets
    /// `MS_RDONLY`, a later `rw` clears it). `bind`/`rbind` give `MS_BIND`
    /// (`| MS_REC`); so does `type` `"bind"`, as runc reads it.
    pub flags: u32,
    /// `MS_PRIVATE`/`MS_SLAVE`/`MS_SHARED`/`MS_UNBINDABLE` (`| MS_REC` for
    /// the `r` forms), for a separate `mount(2)` after the first; 0 if none
    /// (the last propagation option wins).
    pub propagation: u32,
    /// Filesystem-specific options (`mode=755`, `size=65536k`, ...), in order.
    pub data: List<Str<'a>, MAX_MOUNT_DATA>,
}

impl Mount<'_> {
    /// `MS_BIND` is set.
    pub fn is_bind(&self) -> bool {
        self.flags & tables::ms::BIND != 0
    }

    /// The `data` argument of `mount(2)`: the data options decoded, joined
    /// with `,` and NUL-terminated. `None` if it does not fit in `buf`.
    pub fn data_nul<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let mut n = 0usize;
        for (i, s) in self.data.iter().enumerate() {
            if i > 0 {
                *buf.get_mut(n)? = b',';
                n = n.saturating_add(1);
            }
            for b in s.bytes() {
                *buf.get_mut(n)? = b;
                n = n.saturating_add(1);
            }
        }
        *buf.get_mut(n)? = 0;
        buf.get(..=n)
    }
}

/// One `linux.namespaces` entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Namespace<'a> {
    /// The `CLONE_NEW*` flag of `type`.
    pub flag: u32,
    /// `path` to join (absolute); empty: create a new namespace
    pub path: Str<'a>,
}

/// One `linux.uidMappings` / `gidMappings` entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdMapping {
    /// `containerID`
    pub container_id: u32,
    /// `hostID`
    pub host_id: u32,
    /// `size`
    pub size: u32,
}

/// `linux.resources` (the parts a minimal runtime applies). `devices` is
/// accepted and skipped: the runtime applies its own device policy.
#[derive(Clone, Copy, Debug, Default)]
pub struct Resources<'a> {
    /// `memory.limit` (bytes; -1 unlimited)
    pub memory_limit: Option<i64>,
    /// `memory.reservation`
    pub memory_reservation: Option<i64>,
    /// `memory.swap` (memory + swap)
    pub memory_swap: Option<i64>,
    /// `cpu.shares`
    pub cpu_shares: Option<u64>,
    /// `cpu.quota` (µs per period; -1 unlimited)
    pub cpu_quota: Option<i64>,
    /// `cpu.period` (µs)
    pub cpu_period: Option<u64>,
    /// `cpu.cpus` (`0-3,7`; empty when absent)
    pub cpu_cpus: Str<'a>,
    /// `cpu.mems`
    pub cpu_mems: Str<'a>,
    /// `pids.limit` (-1 or 0: unlimited)
    pub pids_limit: Option<i64>,
}

/// `SCMP_ACT_*`, in [`tables::SECCOMP_ACTIONS`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum SeccompAction {
    /// `SCMP_ACT_KILL` (= kill thread)
    Kill,
    /// `SCMP_ACT_KILL_PROCESS`
    KillProcess,
    /// `SCMP_ACT_KILL_THREAD`
    KillThread,
    /// `SCMP_ACT_TRAP`
    Trap,
    /// `SCMP_ACT_ERRNO`
    Errno,
    /// `SCMP_ACT_TRACE`
    Trace,
    /// `SCMP_ACT_ALLOW`
    #[default]
    Allow,
    /// `SCMP_ACT_LOG`
    Log,
    /// `SCMP_ACT_NOTIFY`
    Notify,
}

const ACTIONS: [SeccompAction; 9] = [
    SeccompAction::Kill,
    SeccompAction::KillProcess,
    SeccompAction::KillThread,
    SeccompAction::Trap,
    SeccompAction::Errno,
    SeccompAction::Trace,
    SeccompAction::Allow,
    SeccompAction::Log,
    SeccompAction::Notify,
];

impl SeccompAction {
    /// Takes an errno (`errnoRet`): `ERRNO` and `TRACE`.
    pub fn takes_errno(self) -> bool {
        matches!(self, SeccompAction::Errno | SeccompAction::Trace)
    }
}

/// `SCMP_CMP_*`, in [`tables::SECCOMP_OPS`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum SeccompOp {
    /// `SCMP_CMP_NE`
    #[default]
    NotEqual,
    /// `SCMP_CMP_LT`
    LessThan,
    /// `SCMP_CMP_LE`
    LessEqual,
    /// `SCMP_CMP_EQ`
    Equal,
    /// `SCMP_CMP_GE`
    GreaterEqual,
    /// `SCMP_CMP_GT`
    GreaterThan,
    /// `SCMP_CMP_MASKED_EQ` (`arg & value == valueTwo`)
    MaskedEqual,
}

const OPS: [SeccompOp; 7] = [
    SeccompOp::NotEqual,
    SeccompOp::LessThan,
    SeccompOp::LessEqual,
    SeccompOp::Equal,
    SeccompOp::GreaterEqual,
    SeccompOp::GreaterThan,
    SeccompOp::MaskedEqual,
];

/// One `linux.seccomp.syscalls[].args` condition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompArg {
    /// `index` (0..=5)
    pub index: u8,
    /// `op`
    pub op: SeccompOp,
    /// `value`
    pub value: u64,
    /// `valueTwo` (0 when absent)
    pub value_two: u64,
}

/// A JSON array of strings borrowed from the input, validated at parse
/// time and iterated on demand (seccomp rules name hundreds of syscalls:
/// they are not copied anywhere).
#[derive(Clone, Copy, Debug, Default)]
pub struct StrArray<'a> {
    json: &'a [u8],
    len: u16,
}

impl<'a> StrArray<'a> {
    /// Number of strings.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// No strings.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The strings, in order.
    pub fn iter(&self) -> StrArrayIter<'a> {
        StrArrayIter {
            p: Parser::new(self.json),
            open: false,
        }
    }
}

/// Iterator of [`StrArray`].
#[derive(Clone, Debug)]
pub struct StrArrayIter<'a> {
    p: Parser<'a>,
    open: bool,
}

impl<'a> Iterator for StrArrayIter<'a> {
    type Item = Str<'a>;
    fn next(&mut self) -> Option<Str<'a>> {
        if !self.open {
            self.p.array().ok()?;
            self.open = true;
        }
        if !self.p.item().ok()? {
            return None;
        }
        self.p.str().ok()
    }
}

/// One `linux.seccomp.syscalls` rule.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeccompRule<'a> {
    /// `names` (at least one), as the config spells them: resolving them
    /// to numbers per architecture is the caller's job.
    pub names: StrArray<'a>,
    /// `action`
    pub action: SeccompAction,
    /// `errnoRet` (only with `ERRNO`/`TRACE`); `None`: `EPERM`
    pub errno_ret: Option<u32>,
    args_start: u16,
    args_len: u16,
}

impl SeccompRule<'_> {
    /// This rule's `args` conditions, from the pool in `seccomp`.
    pub fn args<'s>(&self, seccomp: &'s Seccomp<'_>) -> &'s [SeccompArg] {
        let s = usize::from(self.args_start);
        seccomp
            .args
            .as_slice()
            .get(s..s.saturating_add(usize::from(self.args_len)))
            .unwrap_or(&[])
    }
}

/// `linux.seccomp`
#[derive(Clone, Copy, Debug, Default)]
pub struct Seccomp<'a> {
    /// `defaultAction`
    pub default_action: SeccompAction,
    /// `defaultErrnoRet` (only with `ERRNO`/`TRACE`)
    pub default_errno_ret: Option<u32>,
    /// `architectures`: bit `i` is [`tables::SECCOMP_ARCHS`] entry `i`.
    pub architectures: u32,
    /// `flags` as `SECCOMP_FILTER_FLAG_*` bits.
    pub flags: u32,
    /// `syscalls`, in order.
    pub syscalls: List<SeccompRule<'a>, MAX_SECCOMP_RULES>,
    /// Every rule's `args`, rule after rule (see [`SeccompRule::args`]).
    pub args: List<SeccompArg, MAX_SECCOMP_ARGS>,
}

/// A `key: "value"` pair (`linux.sysctl`, `annotations`).
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyValue<'a> {
    /// The key.
    pub key: Str<'a>,
    /// The value.
    pub value: Str<'a>,
}

/// One `linux.devices` entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Device<'a> {
    /// `path`
    pub path: Str<'a>,
    /// `type`: `b'c'`, `b'b'`, `b'u'` or `b'p'`
    pub kind: u8,
    /// `major` (0 for `p`)
    pub major: u32,
    /// `minor` (0 for `p`)
    pub minor: u32,
    /// `fileMode` (permission bits, decimal in JSON)
    pub file_mode: Option<u32>,
    /// `uid`
    pub uid: Option<u32>,
    /// `gid`
    pub gid: Option<u32>,
}

/// `linux`
#[derive(Clone, Copy, Debug, Default)]
pub struct Linux<'a> {
    /// `namespaces`, in the config's order, each type once.
    pub namespaces: List<Namespace<'a>, MAX_NAMESPACES>,
    /// `uidMappings`
    pub uid_mappings: List<IdMapping, MAX_ID_MAPPINGS>,
    /// `gidMappings`
    pub gid_mappings: List<IdMapping, MAX_ID_MAPPINGS>,
    /// `resources`
    pub resources: Resources<'a>,
    /// `cgroupsPath` (empty when absent)
    pub cgroups_path: Str<'a>,
    /// `maskedPaths`
    pub masked_paths: List<Str<'a>, MAX_MASKED_PATHS>,
    /// `readonlyPaths`
    pub readonly_paths: List<Str<'a>, MAX_READONLY_PATHS>,
    /// `seccomp`
    pub seccomp: Option<Seccomp<'a>>,
    /// `sysctl`
    pub sysctl: List<KeyValue<'a>, MAX_SYSCTL>,
    /// `devices`
    pub devices: List<Device<'a>, MAX_DEVICES>,
    /// `rootfsPropagation` as `MS_PRIVATE`/`MS_SLAVE` (`| MS_REC`); 0 when absent.
    pub rootfs_propagation: u32,
}

impl Linux<'_> {
    /// `CLONE_NEW*` flags of the namespaces to create (those without a path).
    pub fn clone_flags(&self) -> u32 {
        self.namespaces
            .iter()
            .filter(|n| n.path.is_empty())
            .fold(0, |f, n| f | n.flag)
    }

    /// The entry of namespace type `flag` (`CLONE_NEW*`), if listed.
    pub fn namespace(&self, flag: u32) -> Option<&Namespace<'_>> {
        self.namespaces.iter().find(|n| n.flag == flag)
    }
}

/// A parsed `config.json`. Strings borrow from the input.
#[derive(Clone, Copy, Debug, Default)]
pub struct OciConfig<'a> {
    /// `ociVersion` (1.0.x, 1.1.x or 1.2.x, pre-release tags allowed)
    pub oci_version: Str<'a>,
    /// `process` (required)
    pub process: Process<'a>,
    /// `root` (required)
    pub root: Root<'a>,
    /// `hostname` (empty when absent)
    pub hostname: Str<'a>,
    /// `domainname` (empty when absent)
    pub domainname: Str<'a>,
    /// `mounts`, in order
    pub mounts: List<Mount<'a>, MAX_MOUNTS>,
    /// `linux` (all empty when absent)
    pub linux: Linux<'a>,
    /// `annotations`
    pub annotations: List<KeyValue<'a>, MAX_ANNOTATIONS>,
}

impl<'a> OciConfig<'a> {
    /// Parses a whole `config.json`.
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        let mut c = OciConfig::default();
        let mut p = Parser::new(input);
        match top(&mut p, &mut c).and_then(|()| Ok(p.finish()?)) {
            Ok(()) => Ok(c),
            Err(f) => Err(Error::new(input, f)),
        }
    }
}

/// Parses a `process` object alone (`exec --process FILE`).
pub fn parse_process(input: &[u8]) -> Result<Process<'_>, Error> {
    let mut pr = Process::default();
    let mut p = Parser::new(input);
    match process(&mut p, &mut pr).and_then(|()| Ok(p.finish()?)) {
        Ok(()) => Ok(pr),
        Err(f) => Err(Error::new(input, f)),
    }
}

// ---------------------------------------------------------------------------
// The parser proper. Each object is read by `obj` against a table of its
// known keys: index < `unsupported` -> the handler, else "must be empty".

type R<T> = Result<T, Fail>;

struct Obj {
    keys: Names,
    /// Bit i: key i is required.
    required: u32,
    /// Keys from this index on are known but unsupported.
    unsupported: usize,
}

const fn keys(packed: &'static [u8]) -> Names {
    Names {
        prefix: b"",
        packed,
    }
}

fn fail(kind: ErrorKind, at: usize) -> Fail {
    Fail { kind, at, key: b"" }
}

/// Position of the next value (after whitespace and a `,`).
fn next_at(p: &mut Parser<'_>) -> R<usize> {
    p.peek()?;
    Ok(p.offset())
}

/// Index of the decoded `s` in `names`.
fn lookup(s: &Str<'_>, names: &Names) -> Option<usize> {
    let mut b = [0u8; 40];
    names.find(s.decode(&mut b)?)
}

/// Reads one object against `t`, calling `f(p, key_index)` for each
/// supported key with a non-null value.
fn obj<'a>(
    p: &mut Parser<'a>,
    t: &Obj,
    f: &mut dyn FnMut(&mut Parser<'a>, usize) -> R<()>,
) -> R<()> {
    p.object()?;
    let at = p.offset();
    let mut seen = 0u32;
    while let Some(k) = p.key()? {
        let kat = p.offset();
        let Some(i) = lookup(&k, &t.keys) else {
            p.skip()?;
            continue;
        };
        if p.null()? {
            continue;
        }
        let bit = 1u32.checked_shl(i as u32).unwrap_or(0);
        if seen & bit != 0 {
            return Err(fail(ErrorKind::Duplicate, kat));
        }
        seen |= bit;
        if i >= t.unsupported {
            must_be_empty(p)?;
        } else {
            f(p, i)?;
        }
    }
    let missing = t.required & !seen;
    if missing != 0 {
        let key = t.keys.get(missing.trailing_zeros() as usize).unwrap_or(b"");
        return Err(Fail {
            kind: ErrorKind::Missing,
            at,
            key,
        });
    }
    Ok(())
}

/// A field we cannot honour: fine if it holds an empty value.
fn must_be_empty(p: &mut Parser<'_>) -> R<()> {
    let t = p.next()?;
    let at = p.offset();
    let empty = match t {
        Token::Bool(b) => !b,
        Token::Str(s) => s.is_empty(),
        Token::Num(n) => n.to_i64() == Ok(0),
        Token::ArrBegin => !p.item()?,
        Token::ObjBegin => p.key()?.is_none(),
        _ => false,
    };
    if empty {
        Ok(())
    } else {
        Err(fail(ErrorKind::Unsupported, at))
    }
}

/// Reads an array (or `null`), calling `f` before each element.
fn arr<'a>(p: &mut Parser<'a>, f: &mut dyn FnMut(&mut Parser<'a>) -> R<()>) -> R<()> {
    p.array()?;
    while p.item()? {
        f(p)?;
    }
    Ok(())
}

fn push<T: Copy + Default, const N: usize>(l: &mut List<T, N>, v: T, at: usize) -> R<()> {
    if l.push(v) {
        Ok(())
    } else {
        Err(fail(ErrorKind::Capacity, at))
    }
}

/// A string that will reach the kernel: no NUL.
fn string<'a>(p: &mut Parser<'a>) -> R<Str<'a>> {
    let s = p.str()?;
    if s.has_escapes() && s.contains(0) {
        return Err(fail(ErrorKind::Value, p.offset()));
    }
    Ok(s)
}

fn abs_path<'a>(p: &mut Parser<'a>) -> R<Str<'a>> {
    let s = string(p)?;
    if !s.starts_with(b"/") {
        return Err(fail(ErrorKind::Value, p.offset()));
    }
    Ok(s)
}

fn u32v(p: &mut Parser<'_>) -> R<u32> {
    let v = p.u64()?;
    u32::try_from(v).map_err(|_| fail(ErrorKind::Range, p.offset()))
}

/// A string naming an entry of `names`: its index.
fn name(p: &mut Parser<'_>, names: &Names) -> R<usize> {
    let s = p.str()?;
    lookup(&s, names).ok_or(fail(ErrorKind::Value, p.offset()))
}

fn str_list<'a, const N: usize>(p: &mut Parser<'a>, l: &mut List<Str<'a>, N>) -> R<()> {
    arr(p, &mut |p| {
        let s = string(p)?;
        push(l, s, p.offset())
    })
}

fn key_values<'a, const N: usize>(p: &mut Parser<'a>, l: &mut List<KeyValue<'a>, N>) -> R<()> {
    p.object()?;
    while let Some(key) = p.key()? {
        let at = p.offset();
        let value = string(p)?;
        push(l, KeyValue { key, value }, at)?;
    }
    Ok(())
}

fn version(s: &Str<'_>) -> Result<(), ErrorKind> {
    let mut b = [0u8; 40];
    let v = s.decode(&mut b).ok_or(ErrorKind::Value)?;
    let core = v.split(|&c| c == b'-' || c == b'+').next().unwrap_or(&[]);
    let mut it = core.split(|&c| c == b'.');
    let (Some(major), Some(minor), Some(patch), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(ErrorKind::Value);
    };
    if [major, minor, patch]
        .iter()
        .any(|n| n.is_empty() || !n.iter().all(u8::is_ascii_digit))
    {
        return Err(ErrorKind::Value);
    }
    if major != b"1" || !matches!(minor, b"0" | b"1" | b"2") {
        return Err(ErrorKind::Unsupported);
    }
    Ok(())
}

const TOP: Obj = Obj {
    keys: keys(
        b"ociVersion\0process\0root\0hostname\0domainname\0mounts\0linux\0annotations\0hooks\0",
    ),
    required: 0b111,
    unsupported: 9,
};

/// `hooks`: every hook list must be empty.
const HOOKS: Obj = Obj {
    keys: tables::HOOKS,
    required: 0,
    unsupported: 0,
};

fn top<'a>(p: &mut Parser<'a>, c: &mut OciConfig<'a>) -> R<()> {
    obj(p, &TOP, &mut |p, i| match i {
        0 => {
            let s = p.str()?;
            version(&s).map_err(|k| fail(k, p.offset()))?;
            c.oci_version = s;
            Ok(())
        }
        1 => process(p, &mut c.process),
        2 => root(p, &mut c.root),
        3 => Ok(c.hostname = string(p)?),
        4 => Ok(c.domainname = string(p)?),
        5 => arr(p, &mut |p| {
            let at = next_at(p)?;
            let mut m = Mount::default();
            mount(p, &mut m)?;
            push(&mut c.mounts, m, at)
        }),
        6 => linux(p, &mut c.linux),
        7 => key_values(p, &mut c.annotations),
        _ => obj(p, &HOOKS, &mut |_, _| Ok(())),
    })
}

const PROCESS: Obj = Obj {
    keys: keys(
        b"terminal\0consoleSize\0user\0args\0env\0cwd\0capabilities\0rlimits\0noNewPrivileges\0\
oomScoreAdj\0apparmorProfile\0selinuxLabel\0scheduler\0ioPriority\0execCPUAffinity\0",
    ),
    required: 1 << 3 | 1 << 5,
    unsupported: 10,
};
const CONSOLE: Obj = Obj {
    keys: keys(b"height\0width\0"),
    required: 0b11,
    unsupported: 2,
};
const USER: Obj = Obj {
    keys: keys(b"uid\0gid\0umask\0additionalGids\0"),
    required: 0b11,
    unsupported: 4,
};
const CAPS: Obj = Obj {
    keys: keys(b"bounding\0effective\0inheritable\0permitted\0ambient\0"),
    required: 0,
    unsupported: 5,
};
const RLIMIT: Obj = Obj {
    keys: keys(b"type\0soft\0hard\0"),
    required: 0b111,
    unsupported: 3,
};

fn process<'a>(p: &mut Parser<'a>, pr: &mut Process<'a>) -> R<()> {
    obj(p, &PROCESS, &mut |p, i| match i {
        0 => Ok(pr.terminal = p.bool()?),
        1 => {
            let (mut h, mut w) = (0, 0);
            obj(p, &CONSOLE, &mut |p, i| {
                let v = u32v(p)?;
                if i == 0 {
                    h = v
                } else {
                    w = v
                }
                Ok(())
            })?;
            pr.console_size = Some((h, w));
            Ok(())
        }
        2 => {
            let u = &mut pr.user;
            obj(p, &USER, &mut |p, i| match i {
                0 => Ok(u.uid = u32v(p)?),
                1 => Ok(u.gid = u32v(p)?),
                2 => Ok(u.umask = Some(u32v(p)?)),
                _ => arr(p, &mut |p| {
                    let g = u32v(p)?;
                    push(&mut u.additional_gids, g, p.offset())
                }),
            })
        }
        3 => {
            let at = next_at(p)?;
            str_list(p, &mut pr.args)?;
            if pr.args.is_empty() {
                return Err(fail(ErrorKind::Value, at));
            }
            Ok(())
        }
        4 => arr(p, &mut |p| {
            let s = string(p)?;
            // NAME=value with a non-empty NAME (runc refuses the rest).
            if s.starts_with(b"=") || !s.contains(b'=') {
                return Err(fail(ErrorKind::Value, p.offset()));
            }
            push(&mut pr.env, s, p.offset())
        }),
        5 => Ok(pr.cwd = abs_path(p)?),
        6 => {
            let mut caps = Capabilities::default();
            obj(p, &CAPS, &mut |p, i| {
                let mut set = 0u64;
                arr(p, &mut |p| {
                    let s = p.str()?;
                    match lookup(&s, &tables::CAPABILITIES) {
                        Some(n) => set |= 1u64.checked_shl(n as u32).unwrap_or(0),
                        None => {
                            if caps.unknown == 0 {
                                caps.first_unknown = s;
                            }
                            caps.unknown = caps.unknown.saturating_add(1);
                        }
                    }
                    Ok(())
                })?;
                match i {
                    0 => caps.bounding = set,
                    1 => caps.effective = set,
                    2 => caps.inheritable = set,
                    3 => caps.permitted = set,
                    _ => caps.ambient = set,
                }
                Ok(())
            })?;
            pr.capabilities = Some(caps);
            Ok(())
        }
        7 => arr(p, &mut |p| {
            let at = next_at(p)?;
            let mut r = Rlimit::default();
            obj(p, &RLIMIT, &mut |p, i| match i {
                0 => Ok(r.resource = name(p, &tables::RLIMITS)? as u8),
                1 => Ok(r.soft = p.u64()?),
                _ => Ok(r.hard = p.u64()?),
            })?;
            if r.soft > r.hard {
                return Err(fail(ErrorKind::Range, at));
            }
            if pr.rlimits.iter().any(|o| o.resource == r.resource) {
                return Err(fail(ErrorKind::Duplicate, at));
            }
            push(&mut pr.rlimits, r, at)
        }),
        8 => Ok(pr.no_new_privileges = p.bool()?),
        _ => {
            let v = p.i64()?;
            if !(-1000..=1000).contains(&v) {
                return Err(fail(ErrorKind::Range, p.offset()));
            }
            pr.oom_score_adj = Some(v as i32);
            Ok(())
        }
    })
}

const ROOT: Obj = Obj {
    keys: keys(b"path\0readonly\0"),
    required: 1,
    unsupported: 2,
};

fn root<'a>(p: &mut Parser<'a>, r: &mut Root<'a>) -> R<()> {
    obj(p, &ROOT, &mut |p, i| match i {
        0 => {
            let at = next_at(p)?;
            r.path = string(p)?;
            if r.path.is_empty() {
                return Err(fail(ErrorKind::Value, at));
            }
            Ok(())
        }
        _ => Ok(r.readonly = p.bool()?),
    })
}

const MOUNT: Obj = Obj {
    keys: keys(b"destination\0type\0source\0options\0uidMappings\0gidMappings\0"),
    required: 1,
    unsupported: 4,
};

fn mount<'a>(p: &mut Parser<'a>, m: &mut Mount<'a>) -> R<()> {
    obj(p, &MOUNT, &mut |p, i| match i {
        0 => {
            let at = next_at(p)?;
            m.destination = string(p)?;
            if m.destination.is_empty() {
                return Err(fail(ErrorKind::Value, at));
            }
            Ok(())
        }
        1 => Ok(m.fs_type = string(p)?),
        2 => Ok(m.source = string(p)?),
        _ => arr(p, &mut |p| {
            let s = string(p)?;
            let at = p.offset();
            let Some(code) = lookup(&s, &tables::MOUNT_OPTIONS)
                .and_then(|i| tables::MOUNT_OPTION_CODES.get(i).copied())
            else {
                return push(&mut m.data, s, at);
            };
            let bits = code & !tables::OPT_UNSUPPORTED;
            match code & tables::OPT_UNSUPPORTED {
                tables::OPT_SET => m.flags |= bits,
                tables::OPT_CLEAR => m.flags &= !bits,
                tables::OPT_PROPAGATION => m.propagation = bits,
                _ => return Err(fail(ErrorKind::Unsupported, at)),
            }
            Ok(())
        }),
    })?;
    if m.fs_type.eq_bytes(b"bind") {
        m.flags |= tables::ms::BIND;
    }
    Ok(())
}

const LINUX: Obj = Obj {
    keys: keys(
        b"namespaces\0uidMappings\0gidMappings\0resources\0cgroupsPath\0maskedPaths\0\
readonlyPaths\0seccomp\0sysctl\0devices\0rootfsPropagation\0\
intelRdt\0mountLabel\0personality\0timeOffsets\0memoryPolicy\0netDevices\0",
    ),
    required: 0,
    unsupported: 11,
};
const NAMESPACE: Obj = Obj {
    keys: keys(b"type\0path\0"),
    required: 1,
    unsupported: 2,
};
const MAPPING: Obj = Obj {
    keys: keys(b"containerID\0hostID\0size\0"),
    required: 0b111,
    unsupported: 3,
};

fn linux<'a>(p: &mut Parser<'a>, l: &mut Linux<'a>) -> R<()> {
    obj(p, &LINUX, &mut |p, i| match i {
        0 => arr(p, &mut |p| {
            let at = next_at(p)?;
            let mut n = Namespace::default();
            obj(p, &NAMESPACE, &mut |p, i| {
                if i == 0 {
                    let t = name(p, &tables::NAMESPACES)?;
                    n.flag = tables::NAMESPACE_FLAGS.get(t).copied().unwrap_or(0);
                } else {
                    n.path = abs_path(p)?;
                }
                Ok(())
            })?;
            if l.namespace(n.flag).is_some() {
                return Err(fail(ErrorKind::Duplicate, at));
            }
            push(&mut l.namespaces, n, at)
        }),
        1 => mappings(p, &mut l.uid_mappings),
        2 => mappings(p, &mut l.gid_mappings),
        3 => resources(p, &mut l.resources),
        4 => Ok(l.cgroups_path = string(p)?),
        5 => str_list(p, &mut l.masked_paths),
        6 => str_list(p, &mut l.readonly_paths),
        7 => {
            let mut s = Seccomp::default();
            seccomp(p, &mut s)?;
            l.seccomp = Some(s);
            Ok(())
        }
        8 => key_values(p, &mut l.sysctl),
        9 => arr(p, &mut |p| {
            let at = next_at(p)?;
            let d = device(p)?;
            push(&mut l.devices, d, at)
        }),
        _ => {
            let s = p.str()?;
            let code = lookup(&s, &tables::MOUNT_OPTIONS)
                .and_then(|i| tables::MOUNT_OPTION_CODES.get(i).copied())
                .unwrap_or(0);
            let bits = code & !tables::OPT_UNSUPPORTED;
            if code & tables::OPT_UNSUPPORTED != tables::OPT_PROPAGATION
                || bits & (tables::ms::PRIVATE | tables::ms::SLAVE) == 0
            {
                return Err(fail(ErrorKind::Unsupported, p.offset()));
            }
            l.rootfs_propagation = bits;
            Ok(())
        }
    })
}

fn mappings(p: &mut Parser<'_>, l: &mut List<IdMapping, MAX_ID_MAPPINGS>) -> R<()> {
    arr(p, &mut |p| {
        let at = next_at(p)?;
        let mut m = IdMapping::default();
        obj(p, &MAPPING, &mut |p, i| {
            let v = u32v(p)?;
            match i {
                0 => m.container_id = v,
                1 => m.host_id = v,
                _ => m.size = v,
            }
            Ok(())
        })?;
        push(l, m, at)
    })
}

const RESOURCES: Obj = Obj {
    keys: keys(b"memory\0cpu\0pids\0devices\0blockIO\0hugepageLimits\0network\0rdma\0unified\0"),
    required: 0,
    unsupported: 4,
};
const MEMORY: Obj = Obj {
    keys: keys(
        b"limit\0reservation\0swap\0kernel\0kernelTCP\0swappiness\0disableOOMKiller\0\
useHierarchy\0checkBeforeUpdate\0",
    ),
    required: 0,
    unsupported: 3,
};
const CPU: Obj = Obj {
    keys: keys(
        b"shares\0quota\0period\0cpus\0mems\0realtimeRuntime\0realtimePeriod\0burst\0idle\0",
    ),
    required: 0,
    unsupported: 5,
};
const PIDS: Obj = Obj {
    keys: keys(b"limit\0"),
    required: 0,
    unsupported: 1,
};

fn resources<'a>(p: &mut Parser<'a>, r: &mut Resources<'a>) -> R<()> {
    obj(p, &RESOURCES, &mut |p, i| match i {
        0 => obj(p, &MEMORY, &mut |p, i| {
            let v = Some(p.i64()?);
            match i {
                0 => r.memory_limit = v,
                1 => r.memory_reservation = v,
                _ => r.memory_swap = v,
            }
            Ok(())
        }),
        1 => obj(p, &CPU, &mut |p, i| match i {
            0 => Ok(r.cpu_shares = Some(p.u64()?)),
            1 => Ok(r.cpu_quota = Some(p.i64()?)),
            2 => Ok(r.cpu_period = Some(p.u64()?)),
            3 => Ok(r.cpu_cpus = string(p)?),
            _ => Ok(r.cpu_mems = string(p)?),
        }),
        2 => obj(p, &PIDS, &mut |p, _| Ok(r.pids_limit = Some(p.i64()?))),
        _ => {
            // `devices` (the cgroup allow list): accepted, not applied.
            if p.peek()? != crate::json::Kind::Array {
                p.array()?;
            }
            Ok(p.skip()?)
        }
    })
}

const SECCOMP: Obj = Obj {
    keys: keys(
        b"defaultAction\0defaultErrnoRet\0architectures\0flags\0syscalls\0\
listenerPath\0listenerMetadata\0",
    ),
    required: 1,
    unsupported: 5,
};
const RULE: Obj = Obj {
    keys: keys(b"names\0action\0errnoRet\0args\0"),
    required: 0b11,
    unsupported: 4,
};
const ARG: Obj = Obj {
    keys: keys(b"index\0value\0valueTwo\0op\0"),
    required: 0b1011,
    unsupported: 4,
};

fn action(p: &mut Parser<'_>) -> R<SeccompAction> {
    let i = name(p, &tables::SECCOMP_ACTIONS)?;
    Ok(ACTIONS.get(i).copied().unwrap_or_default())
}

/// `errnoRet` given with an action that takes none: the spec says fail.
fn check_errno(a: SeccompAction, e: Option<u32>, at: usize) -> R<()> {
    if e.is_some() && !a.takes_errno() {
        return Err(fail(ErrorKind::Value, at));
    }
    Ok(())
}

fn seccomp<'a>(p: &mut Parser<'a>, s: &mut Seccomp<'a>) -> R<()> {
    let at = next_at(p)?;
    obj(p, &SECCOMP, &mut |p, i| match i {
        0 => Ok(s.default_action = action(p)?),
        1 => Ok(s.default_errno_ret = Some(u32v(p)?)),
        2 => arr(p, &mut |p| {
            let a = name(p, &tables::SECCOMP_ARCHS)?;
            s.architectures |= 1u32.checked_shl(a as u32).unwrap_or(0);
            Ok(())
        }),
        3 => arr(p, &mut |p| {
            let f = name(p, &tables::SECCOMP_FLAGS)?;
            s.flags |= tables::SECCOMP_FLAG_BITS.get(f).copied().unwrap_or(0);
            Ok(())
        }),
        _ => arr(p, &mut |p| {
            let at = next_at(p)?;
            let mut r = SeccompRule {
                args_start: s.args.len() as u16,
                ..Default::default()
            };
            obj(p, &RULE, &mut |p, i| match i {
                0 => {
                    let start = next_at(p)?;
                    let mut n = 0u16;
                    arr(p, &mut |p| {
                        string(p)?;
                        n = n
                            .checked_add(1)
                            .ok_or(fail(ErrorKind::Capacity, p.offset()))?;
                        Ok(())
                    })?;
                    if n == 0 {
                        return Err(fail(ErrorKind::Value, start));
                    }
                    let end = p.offset().saturating_add(1);
                    r.names = StrArray {
                        json: p.input().get(start..end).unwrap_or(&[]),
                        len: n,
                    };
                    Ok(())
                }
                1 => Ok(r.action = action(p)?),
                2 => Ok(r.errno_ret = Some(u32v(p)?)),
                _ => arr(p, &mut |p| {
                    let at = next_at(p)?;
                    let mut a = SeccompArg::default();
                    obj(p, &ARG, &mut |p, i| match i {
                        0 => {
                            let v = p.u64()?;
                            if v > 5 {
                                return Err(fail(ErrorKind::Range, p.offset()));
                            }
                            Ok(a.index = v as u8)
                        }
                        1 => Ok(a.value = p.u64()?),
                        2 => Ok(a.value_two = p.u64()?),
                        _ => {
                            let o = name(p, &tables::SECCOMP_OPS)?;
                            Ok(a.op = OPS.get(o).copied().unwrap_or_default())
                        }
                    })?;
                    push(&mut s.args, a, at)?;
                    r.args_len = r.args_len.saturating_add(1);
                    Ok(())
                }),
            })?;
            check_errno(r.action, r.errno_ret, at)?;
            push(&mut s.syscalls, r, at)
        }),
    })?;
    check_errno(s.default_action, s.default_errno_ret, at)
}

const DEVICE: Obj = Obj {
    keys: keys(b"path\0type\0major\0minor\0fileMode\0uid\0gid\0"),
    required: 0b11,
    unsupported: 7,
};

fn device<'a>(p: &mut Parser<'a>) -> R<Device<'a>> {
    let at = next_at(p)?;
    let mut d = Device::default();
    let mut numbered = 0u8;
    obj(p, &DEVICE, &mut |p, i| match i {
        0 => Ok(d.path = abs_path(p)?),
        1 => {
            let s = p.str()?;
            d.kind = match s.raw() {
                [k @ (b'c' | b'b' | b'u' | b'p')] => *k,
                _ => return Err(fail(ErrorKind::Value, p.offset())),
            };
            Ok(())
        }
        2 | 3 => {
            let v = u32v(p)?;
            numbered |= if i == 2 { 1 } else { 2 };
            if i == 2 {
                d.major = v
            } else {
                d.minor = v
            }
            Ok(())
        }
        4 => Ok(d.file_mode = Some(u32v(p)?)),
        5 => Ok(d.uid = Some(u32v(p)?)),
        _ => Ok(d.gid = Some(u32v(p)?)),
    })?;
    if d.kind != b'p' && numbered != 3 {
        let key: &[u8] = if numbered & 1 == 0 {
            b"major"
        } else {
            b"minor"
        };
        return Err(Fail {
            kind: ErrorKind::Missing,
            at,
            key,
        });
    }
    Ok(d)
}
