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

// Handlers are written `0 => Some(field = read(p)?)`: one line per field.
#![allow(clippy::unit_arg)]

use crate::error::Error;
use crate::json::{ErrorKind, Kind, Parser, Str, Token};
use crate::list::List;
use crate::tables::{self, MountOption, Names};

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
#[derive(Clone, Copy, Debug)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
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
    /// warning and go on; this counts them (the first one is
    /// [`Process::unknown_capability`]).
    pub unknown: u16,
}

/// One `process.rlimits` entry.
#[derive(Clone, Copy, Debug)]
pub struct Rlimit {
    /// `RLIMIT_*` resource number on this architecture.
    pub resource: u8,
    /// `soft` (`rlim_cur`); `u64::MAX` is `RLIM_INFINITY`.
    pub soft: u64,
    /// `hard` (`rlim_max`)
    pub hard: u64,
}

/// `process`
#[derive(Clone, Copy, Debug)]
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
    pub capabilities: Option<Capabilities>,
    /// The first capability name that is not in [`tables::CAPABILITIES`]
    /// (empty if none), for the warning the spec asks for.
    pub unknown_capability: Str<'a>,
    /// `rlimits`, each type at most once
    pub rlimits: List<Rlimit, MAX_RLIMITS>,
    /// `noNewPrivileges`
    pub no_new_privileges: bool,
    /// `oomScoreAdj` (-1000..=1000); `None`: leave it alone
    pub oom_score_adj: Option<i32>,
}

/// `root`
#[derive(Clone, Copy, Debug)]
pub struct Root<'a> {
    /// `path`: absolute, or relative to the bundle
    pub path: Str<'a>,
    /// `readonly`
    pub readonly: bool,
}

/// One `mounts` entry, with its options already sorted out.
#[derive(Clone, Copy, Debug)]
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
#[derive(Clone, Copy, Debug)]
pub struct Namespace<'a> {
    /// The `CLONE_NEW*` flag of `type`.
    pub flag: u32,
    /// `path` to join (absolute); empty: create a new namespace
    pub path: Str<'a>,
}

/// One `linux.uidMappings` / `gidMappings` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug)]
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
    /// `SCMP_ACT_ALLOW`
    #[default]
    Allow,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug)]
pub struct StrArray<'a> {
    json: Option<&'a [u8]>,
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
            p: Parser::new(self.json.unwrap_or(&[])),
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
            self.p.array()?;
            self.open = true;
        }
        if !self.p.item()? {
            return None;
        }
        self.p.str()
    }
}

/// One `linux.seccomp.syscalls` rule.
#[derive(Clone, Copy, Debug)]
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
#[derive(Clone, Copy, Debug)]
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
#[derive(Clone, Copy, Debug)]
pub struct KeyValue<'a> {
    /// The key.
    pub key: Str<'a>,
    /// The value.
    pub value: Str<'a>,
}

/// One `linux.devices` entry.
#[derive(Clone, Copy, Debug)]
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
#[derive(Clone, Copy, Debug)]
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
    // `linux.seccomp` (see `Linux::seccomp`); not an `Option`, whose `None`
    // would not be all zero bits.
    seccomp: Seccomp<'a>,
    has_seccomp: bool,
    /// `sysctl`
    pub sysctl: List<KeyValue<'a>, MAX_SYSCTL>,
    /// `devices`
    pub devices: List<Device<'a>, MAX_DEVICES>,
    /// `rootfsPropagation` as `MS_PRIVATE`/`MS_SLAVE` (`| MS_REC`); 0 when absent.
    pub rootfs_propagation: u32,
}

impl<'a> Linux<'a> {
    /// `seccomp`, if given.
    pub fn seccomp(&self) -> Option<&Seccomp<'a>> {
        if self.has_seccomp {
            Some(&self.seccomp)
        } else {
            None
        }
    }

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
#[derive(Clone, Copy, Debug)]
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

// All-zero constants: every struct here starts as one `memset` (an
// `OciConfig` is ~17 KiB on 32-bit targets; built field by field it cost
// ~1 KiB of code). `Default` is the same value.

macro_rules! zero_default {
    ($($t:ident $(<$l:lifetime>)?),* $(,)?) => {$(
        impl$(<$l>)? Default for $t$(<$l>)? {
            fn default() -> Self {
                Self::ZERO
            }
        }
    )*};
}

zero_default!(
    User,
    Rlimit,
    Process<'a>,
    Root<'a>,
    Mount<'a>,
    Namespace<'a>,
    IdMapping,
    Resources<'a>,
    SeccompArg,
    StrArray<'a>,
    SeccompRule<'a>,
    Seccomp<'a>,
    KeyValue<'a>,
    Device<'a>,
    Linux<'a>,
    OciConfig<'a>,
);

const S: Str<'static> = Str::EMPTY;

impl User {
    const ZERO: Self = User {
        uid: 0,
        gid: 0,
        umask: None,
        additional_gids: List::new(0),
    };
}

impl Rlimit {
    const ZERO: Self = Rlimit {
        resource: 0,
        soft: 0,
        hard: 0,
    };
}

impl Process<'_> {
    const ZERO: Self = Process {
        terminal: false,
        console_size: None,
        user: User::ZERO,
        args: List::new(S),
        env: List::new(S),
        cwd: S,
        capabilities: None,
        unknown_capability: S,
        rlimits: List::new(Rlimit::ZERO),
        no_new_privileges: false,
        oom_score_adj: None,
    };
}

impl Root<'_> {
    const ZERO: Self = Root {
        path: S,
        readonly: false,
    };
}

impl Mount<'_> {
    const ZERO: Self = Mount {
        destination: S,
        fs_type: S,
        source: S,
        flags: 0,
        propagation: 0,
        data: List::new(S),
    };
}

impl Namespace<'_> {
    const ZERO: Self = Namespace { flag: 0, path: S };
}

impl IdMapping {
    const ZERO: Self = IdMapping {
        container_id: 0,
        host_id: 0,
        size: 0,
    };
}

impl Resources<'_> {
    const ZERO: Self = Resources {
        memory_limit: None,
        memory_reservation: None,
        memory_swap: None,
        cpu_shares: None,
        cpu_quota: None,
        cpu_period: None,
        cpu_cpus: S,
        cpu_mems: S,
        pids_limit: None,
    };
}

impl SeccompArg {
    const ZERO: Self = SeccompArg {
        index: 0,
        op: SeccompOp::NotEqual,
        value: 0,
        value_two: 0,
    };
}

impl StrArray<'_> {
    const ZERO: Self = StrArray { json: None, len: 0 };
}

impl SeccompRule<'_> {
    const ZERO: Self = SeccompRule {
        names: StrArray::ZERO,
        action: SeccompAction::Allow,
        errno_ret: None,
        args_start: 0,
        args_len: 0,
    };
}

impl Seccomp<'_> {
    const ZERO: Self = Seccomp {
        default_action: SeccompAction::Allow,
        default_errno_ret: None,
        architectures: 0,
        flags: 0,
        syscalls: List::new(SeccompRule::ZERO),
        args: List::new(SeccompArg::ZERO),
    };
}

impl KeyValue<'_> {
    const ZERO: Self = KeyValue { key: S, value: S };
}

impl Device<'_> {
    const ZERO: Self = Device {
        path: S,
        kind: 0,
        major: 0,
        minor: 0,
        file_mode: None,
        uid: None,
        gid: None,
    };
}

impl Linux<'_> {
    const ZERO: Self = Linux {
        namespaces: List::new(Namespace::ZERO),
        uid_mappings: List::new(IdMapping::ZERO),
        gid_mappings: List::new(IdMapping::ZERO),
        resources: Resources::ZERO,
        cgroups_path: S,
        masked_paths: List::new(S),
        readonly_paths: List::new(S),
        seccomp: Seccomp::ZERO,
        has_seccomp: false,
        sysctl: List::new(KeyValue::ZERO),
        devices: List::new(Device::ZERO),
        rootfs_propagation: 0,
    };
}

impl OciConfig<'_> {
    const ZERO: Self = OciConfig {
        oci_version: S,
        process: Process::ZERO,
        root: Root::ZERO,
        hostname: S,
        domainname: S,
        mounts: List::new(Mount::ZERO),
        linux: Linux::ZERO,
        annotations: List::new(KeyValue::ZERO),
    };
}

impl<'a> OciConfig<'a> {
    /// Parses a whole `config.json`.
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        let mut c = OciConfig::default();
        let mut p = Parser::new(input);
        match top(&mut p, &mut c).and_then(|()| p.finish()) {
            Some(()) => Ok(c),
            None => Err(fault(&p)),
        }
    }
}

/// Parses a `process` object alone (`exec --process FILE`).
pub fn parse_process(input: &[u8]) -> Result<Process<'_>, Error> {
    let mut pr = Process::default();
    let mut p = Parser::new(input);
    match process(&mut p, &mut pr).and_then(|()| p.finish()) {
        Some(()) => Ok(pr),
        None => Err(fault(&p)),
    }
}

/// The error a failed parse recorded, with its path.
#[inline(never)]
fn fault(p: &Parser<'_>) -> Error {
    Error::new(p)
}

// ---------------------------------------------------------------------------
// The parser proper. Each object is read with `Keys` against a table of its
// known keys: `next` yields the index of each supported key that has a
// non-null value (unknown keys are skipped, unsupported ones must be empty,
// duplicates and missing required keys fail), and the caller matches on it.
// Plain loops, no closures: flash is what this code is judged by.

/// `None`: failed, the error is recorded in the parser.
type R<T> = Option<T>;

struct Obj {
    /// The key names, NUL-separated.
    keys: &'static [u8],
    /// Bit i: key i is required.
    required: u32,
    /// Keys from this index on are known but unsupported.
    unsupported: u8,
}

const fn obj(keys: &'static [u8], required: u32, unsupported: u8) -> Obj {
    Obj {
        keys,
        required,
        unsupported,
    }
}

struct Keys {
    t: &'static Obj,
    seen: u32,
    /// Offset of `{`; `usize::MAX` until `next` has read it.
    at: usize,
}

impl Keys {
    fn new(t: &'static Obj) -> Keys {
        Keys {
            t,
            seen: 0,
            at: usize::MAX,
        }
    }

    /// The next supported key's index, positioned before its value;
    /// `Some(None)` after `}`.
    #[inline(never)]
    fn next(&mut self, p: &mut Parser<'_>) -> R<Option<u8>> {
        if self.at == usize::MAX {
            p.object()?;
            self.at = p.offset();
        }
        while let Some(k) = p.key()? {
            let kat = p.offset();
            let Some(i) = lookup(
                &k,
                &Names {
                    prefix: b"",
                    packed: self.t.keys,
                },
            ) else {
                p.skip()?;
                continue;
            };
            if p.null()? {
                continue;
            }
            let bit = 1u32.checked_shl(i as u32).unwrap_or(0);
            if self.seen & bit != 0 {
                return p.fail_at(ErrorKind::Duplicate, kat);
            }
            self.seen |= bit;
            if i < usize::from(self.t.unsupported) {
                return Some(Some(i as u8));
            }
            must_be_empty(p)?;
        }
        let missing = self.t.required & !self.seen;
        if missing != 0 {
            let keys = Names {
                prefix: b"",
                packed: self.t.keys,
            };
            p.missing = keys.get(missing.trailing_zeros() as usize).unwrap_or(b"");
            return p.fail_at(ErrorKind::Missing, self.at);
        }
        Some(None)
    }
}

/// Position of the next value (after whitespace and a `,`).
fn next_at(p: &mut Parser<'_>) -> R<usize> {
    p.peek()?;
    Some(p.offset())
}

/// Index of the decoded `s` in `names`.
#[inline(never)]
fn lookup(s: &Str<'_>, names: &Names) -> Option<usize> {
    let mut b = [0u8; 40];
    names.find(s.decode(&mut b)?)
}

/// A field we cannot honour: fine if it holds an empty value.
fn must_be_empty(p: &mut Parser<'_>) -> R<()> {
    let empty = match p.next()? {
        Token::Bool(b) => !b,
        Token::Str(s) => s.is_empty(),
        Token::Num(n) => n.to_i64() == Ok(0),
        // `[]` or `{}`: look, do not step into it (the path would follow).
        Token::ArrBegin | Token::ObjBegin => p.at_close() && p.next().is_some(),
        _ => false,
    };
    if empty {
        Some(())
    } else {
        p.fail(ErrorKind::Unsupported)
    }
}

/// Appends `v` (`Capacity` if full).
fn push<T: Copy + Default, const N: usize>(p: &mut Parser<'_>, l: &mut List<T, N>, v: T) -> R<()> {
    if l.push(v) {
        Some(())
    } else {
        p.fail(ErrorKind::Capacity)
    }
}

/// A new last element of `l` to fill in place (`Capacity` if full).
fn slot<'l, T: Copy + Default, const N: usize>(
    p: &mut Parser<'_>,
    l: &'l mut List<T, N>,
) -> R<&'l mut T> {
    if !l.push(T::default()) {
        return p.fail(ErrorKind::Capacity);
    }
    l.last_mut()
}

// Value readers: after an error they return a default value (the error
// is sticky in the parser and every loop stops at its next step), so a
// call site is just a call and a store.

/// A string (any).
#[inline(never)]
fn strv<'a>(p: &mut Parser<'a>) -> Str<'a> {
    p.str().unwrap_or_default()
}

/// A string that will reach the kernel: no NUL.
#[inline(never)]
fn string<'a>(p: &mut Parser<'a>) -> Str<'a> {
    let s = strv(p);
    if s.contains(0) {
        p.fail::<()>(ErrorKind::Value);
    }
    s
}

/// A string that is an absolute path.
#[inline(never)]
fn abs_path<'a>(p: &mut Parser<'a>) -> Str<'a> {
    let s = string(p);
    if !s.starts_with(b"/") {
        p.fail::<()>(ErrorKind::Value);
    }
    s
}

/// A string that must not be empty.
#[inline(never)]
fn nonempty<'a>(p: &mut Parser<'a>) -> Str<'a> {
    let s = string(p);
    if s.is_empty() {
        p.fail::<()>(ErrorKind::Value);
    }
    s
}

#[inline(never)]
fn boolv(p: &mut Parser<'_>) -> bool {
    p.bool().unwrap_or(false)
}

#[inline(never)]
fn u64v(p: &mut Parser<'_>) -> u64 {
    p.u64().unwrap_or(0)
}

#[inline(never)]
fn i64v(p: &mut Parser<'_>) -> i64 {
    p.i64().unwrap_or(0)
}

#[inline(never)]
fn u32v(p: &mut Parser<'_>) -> u32 {
    let v = u64v(p);
    u32::try_from(v).unwrap_or_else(|_| p.fail(ErrorKind::Range).unwrap_or(0))
}

/// A string naming an entry of `names`: its index (`usize::MAX` on error).
#[inline(never)]
fn name(p: &mut Parser<'_>, names: &Names) -> usize {
    let s = strv(p);
    lookup(&s, names).unwrap_or_else(|| p.fail(ErrorKind::Value).unwrap_or(usize::MAX))
}

/// An array of strings.
fn str_list<'a, const N: usize>(p: &mut Parser<'a>, l: &mut List<Str<'a>, N>) -> R<()> {
    p.array()?;
    while p.item()? {
        let s = string(p);
        push(p, l, s)?;
    }
    Some(())
}

/// An object of `"key": "value"` strings (neither with a NUL).
fn key_values<'a, const N: usize>(p: &mut Parser<'a>, l: &mut List<KeyValue<'a>, N>) -> R<()> {
    p.object()?;
    while let Some(key) = p.key()? {
        if key.contains(0) {
            return p.fail(ErrorKind::Value);
        }
        let value = string(p);
        push(p, l, KeyValue { key, value })?;
    }
    Some(())
}

/// `1.MINOR.PATCH` (minor 0 to 2), then an optional `-pre` or `+build` tail.
fn version(s: &Str<'_>) -> Result<(), ErrorKind> {
    let mut n = [0u32; 3];
    let mut field = 0usize;
    let mut digits = 0u32;
    for c in s.bytes() {
        match c {
            b'0'..=b'9' => {
                let v = n.get_mut(field).ok_or(ErrorKind::Value)?;
                *v = v
                    .saturating_mul(10)
                    .saturating_add(u32::from(c.wrapping_sub(b'0')));
                digits = digits.saturating_add(1);
            }
            b'.' if field < 2 && digits > 0 => {
                field = field.saturating_add(1);
                digits = 0;
            }
            b'-' | b'+' if field == 2 && digits > 0 => break,
            _ => return Err(ErrorKind::Value),
        }
    }
    if field != 2 || digits == 0 {
        return Err(ErrorKind::Value);
    }
    if n != [1, n[1], n[2]] || n[1] > 2 {
        return Err(ErrorKind::Unsupported);
    }
    Ok(())
}

static TOP: Obj = obj(
    b"ociVersion\0process\0root\0hostname\0domainname\0mounts\0linux\0annotations\0hooks\0",
    0b111,
    9,
);
/// `hooks`: every hook list must be empty.
static HOOKS: Obj = obj(tables::HOOKS.packed, 0, 0);

// Not inlined into the caller: its frame (the caller's buffers) would make
// every field address an extra instruction on ARM.
#[inline(never)]
fn top<'a>(p: &mut Parser<'a>, c: &mut OciConfig<'a>) -> R<()> {
    let mut k = Keys::new(&TOP);
    while let Some(i) = k.next(p)? {
        match i {
            0 => {
                let s = strv(p);
                if let Err(e) = version(&s) {
                    return p.fail(e);
                }
                c.oci_version = s;
            }
            1 => process(p, &mut c.process)?,
            2 => root(p, &mut c.root)?,
            3 => c.hostname = string(p),
            4 => c.domainname = string(p),
            5 => {
                p.array()?;
                while p.item()? {
                    let m = slot(p, &mut c.mounts)?;
                    mount(p, m)?;
                }
            }
            6 => linux(p, &mut c.linux)?,
            7 => key_values(p, &mut c.annotations)?,
            _ => {
                let mut h = Keys::new(&HOOKS);
                while h.next(p)?.is_some() {}
            }
        }
    }
    Some(())
}

static PROCESS: Obj = obj(
    b"args\0cwd\0terminal\0consoleSize\0user\0env\0capabilities\0rlimits\0noNewPrivileges\0\
oomScoreAdj\0apparmorProfile\0selinuxLabel\0scheduler\0ioPriority\0execCPUAffinity\0",
    0b11,
    10,
);
static CONSOLE: Obj = obj(b"height\0width\0", 0b11, 2);
static USER: Obj = obj(b"uid\0gid\0umask\0additionalGids\0", 0b11, 4);
static CAPS: Obj = obj(
    b"bounding\0effective\0inheritable\0permitted\0ambient\0",
    0,
    5,
);
static RLIMIT: Obj = obj(b"type\0soft\0hard\0", 0b111, 3);

fn process<'a>(p: &mut Parser<'a>, pr: &mut Process<'a>) -> R<()> {
    let mut k = Keys::new(&PROCESS);
    while let Some(i) = k.next(p)? {
        match i {
            0 => {
                str_list(p, &mut pr.args)?;
                if pr.args.is_empty() {
                    return p.fail(ErrorKind::Value);
                }
            }
            1 => pr.cwd = abs_path(p),
            2 => pr.terminal = boolv(p),
            3 => {
                let mut c = Keys::new(&CONSOLE);
                let mut hw = [0u32; 2];
                while let Some(i) = c.next(p)? {
                    let v = u32v(p);
                    if let Some(d) = hw.get_mut(usize::from(i)) {
                        *d = v;
                    }
                }
                pr.console_size = Some((hw[0], hw[1]));
            }
            4 => {
                let u = &mut pr.user;
                let mut k = Keys::new(&USER);
                while let Some(i) = k.next(p)? {
                    match i {
                        0 => u.uid = u32v(p),
                        1 => u.gid = u32v(p),
                        2 => u.umask = Some(u32v(p)),
                        _ => {
                            p.array()?;
                            while p.item()? {
                                let g = u32v(p);
                                push(p, &mut u.additional_gids, g)?;
                            }
                        }
                    }
                }
            }
            5 => {
                p.array()?;
                while p.item()? {
                    let s = string(p);
                    // NAME=value with a non-empty NAME (runc refuses the rest).
                    if s.starts_with(b"=") || !s.contains(b'=') {
                        return p.fail(ErrorKind::Value);
                    }
                    push(p, &mut pr.env, s)?;
                }
            }
            6 => {
                let mut caps = Capabilities::default();
                let mut k = Keys::new(&CAPS);
                while let Some(i) = k.next(p)? {
                    let mut set = 0u64;
                    p.array()?;
                    while p.item()? {
                        let s = strv(p);
                        match lookup(&s, &tables::CAPABILITIES) {
                            Some(n) => set |= 1u64.checked_shl(n as u32).unwrap_or(0),
                            None => {
                                if caps.unknown == 0 {
                                    pr.unknown_capability = s;
                                }
                                caps.unknown = caps.unknown.saturating_add(1);
                            }
                        }
                    }
                    match i {
                        0 => caps.bounding = set,
                        1 => caps.effective = set,
                        2 => caps.inheritable = set,
                        3 => caps.permitted = set,
                        _ => caps.ambient = set,
                    }
                }
                pr.capabilities = Some(caps);
            }
            7 => {
                p.array()?;
                while p.item()? {
                    let mut r = Rlimit::default();
                    let mut k = Keys::new(&RLIMIT);
                    while let Some(i) = k.next(p)? {
                        match i {
                            0 => r.resource = name(p, &tables::RLIMITS) as u8,
                            1 => r.soft = u64v(p),
                            _ => r.hard = u64v(p),
                        }
                    }
                    if r.soft > r.hard {
                        return p.fail(ErrorKind::Range);
                    }
                    if pr.rlimits.iter().any(|o| o.resource == r.resource) {
                        return p.fail(ErrorKind::Duplicate);
                    }
                    push(p, &mut pr.rlimits, r)?;
                }
            }
            8 => pr.no_new_privileges = boolv(p),
            _ => {
                let v = i64v(p);
                if !(-1000..=1000).contains(&v) {
                    return p.fail(ErrorKind::Range);
                }
                pr.oom_score_adj = Some(v as i32);
            }
        }
    }
    Some(())
}

static ROOT: Obj = obj(b"path\0readonly\0", 1, 2);

fn root<'a>(p: &mut Parser<'a>, r: &mut Root<'a>) -> R<()> {
    let mut k = Keys::new(&ROOT);
    while let Some(i) = k.next(p)? {
        match i {
            0 => r.path = nonempty(p),
            _ => r.readonly = boolv(p),
        }
    }
    Some(())
}

static MOUNT: Obj = obj(
    b"destination\0type\0source\0options\0uidMappings\0gidMappings\0",
    1,
    4,
);

/// The mount option `s` names: `None` if none, `Some(None)` if one we
/// refuse.
fn option(s: &Str<'_>) -> Option<Option<MountOption>> {
    Some(tables::mount_option(lookup(s, &tables::MOUNT_OPTIONS)?))
}

fn mount<'a>(p: &mut Parser<'a>, m: &mut Mount<'a>) -> R<()> {
    let mut k = Keys::new(&MOUNT);
    while let Some(i) = k.next(p)? {
        match i {
            0 => m.destination = nonempty(p),
            1 => m.fs_type = string(p),
            2 => m.source = string(p),
            _ => {
                p.array()?;
                while p.item()? {
                    let s = string(p);
                    match option(&s) {
                        None => push(p, &mut m.data, s)?,
                        Some(Some(MountOption::Set(b))) => m.flags |= b,
                        Some(Some(MountOption::Clear(b))) => m.flags &= !b,
                        Some(Some(MountOption::Propagation(b))) => m.propagation = b,
                        Some(Some(MountOption::Nothing)) => {}
                        Some(None) => return p.fail(ErrorKind::Unsupported),
                    }
                }
            }
        }
    }
    if m.fs_type.eq_bytes(b"bind") {
        m.flags |= tables::ms::BIND;
    }
    Some(())
}

static LINUX: Obj = obj(
    b"namespaces\0uidMappings\0gidMappings\0resources\0cgroupsPath\0maskedPaths\0\
readonlyPaths\0seccomp\0sysctl\0devices\0rootfsPropagation\0\
intelRdt\0mountLabel\0personality\0timeOffsets\0memoryPolicy\0netDevices\0",
    0,
    11,
);
static NAMESPACE: Obj = obj(b"type\0path\0", 1, 2);
static MAPPING: Obj = obj(b"containerID\0hostID\0size\0", 0b111, 3);

fn linux<'a>(p: &mut Parser<'a>, l: &mut Linux<'a>) -> R<()> {
    let mut k = Keys::new(&LINUX);
    while let Some(i) = k.next(p)? {
        match i {
            0 => {
                p.array()?;
                while p.item()? {
                    let mut n = Namespace::default();
                    let mut k = Keys::new(&NAMESPACE);
                    while let Some(i) = k.next(p)? {
                        if i == 0 {
                            let t = name(p, &tables::NAMESPACES);
                            n.flag = tables::NAMESPACE_FLAGS.get(t).copied().unwrap_or(0);
                        } else {
                            n.path = abs_path(p);
                        }
                    }
                    if l.namespace(n.flag).is_some() {
                        return p.fail(ErrorKind::Duplicate);
                    }
                    push(p, &mut l.namespaces, n)?;
                }
            }
            1 | 2 => {
                let list = if i == 1 {
                    &mut l.uid_mappings
                } else {
                    &mut l.gid_mappings
                };
                p.array()?;
                while p.item()? {
                    let mut v = [0u32; 3];
                    let mut k = Keys::new(&MAPPING);
                    while let Some(i) = k.next(p)? {
                        let n = u32v(p);
                        if let Some(d) = v.get_mut(usize::from(i)) {
                            *d = n;
                        }
                    }
                    let m = IdMapping {
                        container_id: v[0],
                        host_id: v[1],
                        size: v[2],
                    };
                    push(p, list, m)?;
                }
            }
            3 => resources(p, &mut l.resources)?,
            4 => l.cgroups_path = string(p),
            5 => str_list(p, &mut l.masked_paths)?,
            6 => str_list(p, &mut l.readonly_paths)?,
            7 => {
                seccomp(p, &mut l.seccomp)?;
                l.has_seccomp = true;
            }
            8 => key_values(p, &mut l.sysctl)?,
            9 => {
                p.array()?;
                while p.item()? {
                    let d = slot(p, &mut l.devices)?;
                    device(p, d)?;
                }
            }
            _ => {
                // rootfsPropagation: private, rprivate, slave or rslave.
                let s = strv(p);
                match option(&s) {
                    Some(Some(MountOption::Propagation(b)))
                        if b & (tables::ms::PRIVATE | tables::ms::SLAVE) != 0 =>
                    {
                        l.rootfs_propagation = b
                    }
                    _ => return p.fail(ErrorKind::Unsupported),
                }
            }
        }
    }
    Some(())
}

static RESOURCES: Obj = obj(
    b"memory\0cpu\0pids\0devices\0blockIO\0hugepageLimits\0network\0rdma\0unified\0",
    0,
    4,
);
static MEMORY: Obj = obj(
    b"limit\0reservation\0swap\0kernel\0kernelTCP\0swappiness\0disableOOMKiller\0\
useHierarchy\0checkBeforeUpdate\0",
    0,
    3,
);
static CPU: Obj = obj(
    b"shares\0quota\0period\0cpus\0mems\0realtimeRuntime\0realtimePeriod\0burst\0idle\0",
    0,
    5,
);
static PIDS: Obj = obj(b"limit\0", 0, 1);

fn resources<'a>(p: &mut Parser<'a>, r: &mut Resources<'a>) -> R<()> {
    let mut k = Keys::new(&RESOURCES);
    while let Some(i) = k.next(p)? {
        match i {
            0 => {
                let mut k = Keys::new(&MEMORY);
                while let Some(i) = k.next(p)? {
                    let v = Some(i64v(p));
                    match i {
                        0 => r.memory_limit = v,
                        1 => r.memory_reservation = v,
                        _ => r.memory_swap = v,
                    }
                }
            }
            1 => {
                let mut k = Keys::new(&CPU);
                while let Some(i) = k.next(p)? {
                    match i {
                        0 => r.cpu_shares = Some(u64v(p)),
                        1 => r.cpu_quota = Some(i64v(p)),
                        2 => r.cpu_period = Some(u64v(p)),
                        3 => r.cpu_cpus = string(p),
                        _ => r.cpu_mems = string(p),
                    }
                }
            }
            2 => {
                let mut k = Keys::new(&PIDS);
                while k.next(p)?.is_some() {
                    r.pids_limit = Some(i64v(p));
                }
            }
            _ => {
                // `devices` (the cgroup allow list): accepted, not applied.
                if p.peek()? != Kind::Array {
                    return p.fail(ErrorKind::Type);
                }
                p.skip()?;
            }
        }
    }
    Some(())
}

static SECCOMP: Obj = obj(
    b"defaultAction\0defaultErrnoRet\0architectures\0flags\0syscalls\0\
listenerPath\0listenerMetadata\0",
    1,
    5,
);
static RULE: Obj = obj(b"names\0action\0errnoRet\0args\0", 0b11, 4);
static ARG: Obj = obj(b"index\0value\0valueTwo\0op\0", 0b1011, 4);

fn action(p: &mut Parser<'_>) -> SeccompAction {
    let i = name(p, &tables::SECCOMP_ACTIONS);
    ACTIONS.get(i).copied().unwrap_or_default()
}

/// `errnoRet` given with an action that takes none: the spec says fail.
fn check_errno(p: &mut Parser<'_>, a: SeccompAction, e: Option<u32>) -> R<()> {
    if e.is_some() && !a.takes_errno() {
        return p.fail(ErrorKind::Value);
    }
    Some(())
}

fn seccomp<'a>(p: &mut Parser<'a>, s: &mut Seccomp<'a>) -> R<()> {
    let mut k = Keys::new(&SECCOMP);
    while let Some(i) = k.next(p)? {
        match i {
            0 => s.default_action = action(p),
            1 => s.default_errno_ret = Some(u32v(p)),
            2 | 3 => {
                p.array()?;
                while p.item()? {
                    if i == 2 {
                        let a = name(p, &tables::SECCOMP_ARCHS);
                        s.architectures |= 1u32.checked_shl(a as u32).unwrap_or(0);
                    } else {
                        let f = name(p, &tables::SECCOMP_FLAGS);
                        s.flags |= tables::SECCOMP_FLAG_BITS.get(f).copied().unwrap_or(0);
                    }
                }
            }
            _ => {
                p.array()?;
                while p.item()? {
                    let r = slot(p, &mut s.syscalls)?;
                    rule(p, &mut s.args, r)?;
                    check_errno(p, r.action, r.errno_ret)?;
                }
            }
        }
    }
    check_errno(p, s.default_action, s.default_errno_ret)
}

fn rule<'a>(
    p: &mut Parser<'a>,
    args: &mut List<SeccompArg, MAX_SECCOMP_ARGS>,
    r: &mut SeccompRule<'a>,
) -> R<()> {
    r.args_start = args.len() as u16;
    let mut k = Keys::new(&RULE);
    while let Some(i) = k.next(p)? {
        match i {
            0 => {
                // Checked here, kept as the JSON text (see `StrArray`).
                let start = next_at(p)?;
                let mut n = 0u16;
                p.array()?;
                while p.item()? {
                    string(p);
                    n = match n.checked_add(1) {
                        Some(n) => n,
                        None => return p.fail(ErrorKind::Capacity),
                    };
                }
                if n == 0 {
                    return p.fail_at(ErrorKind::Value, start);
                }
                let end = p.offset().saturating_add(1);
                r.names = StrArray {
                    json: p.input().get(start..end),
                    len: n,
                };
            }
            1 => r.action = action(p),
            2 => r.errno_ret = Some(u32v(p)),
            _ => {
                p.array()?;
                while p.item()? {
                    let mut a = SeccompArg::default();
                    let mut k = Keys::new(&ARG);
                    while let Some(i) = k.next(p)? {
                        match i {
                            0 => {
                                let v = u64v(p);
                                if v > 5 {
                                    return p.fail(ErrorKind::Range);
                                }
                                a.index = v as u8;
                            }
                            1 => a.value = u64v(p),
                            2 => a.value_two = u64v(p),
                            _ => {
                                let o = name(p, &tables::SECCOMP_OPS);
                                a.op = OPS.get(o).copied().unwrap_or_default();
                            }
                        }
                    }
                    push(p, args, a)?;
                    r.args_len = r.args_len.saturating_add(1);
                }
            }
        }
    }
    Some(())
}

static DEVICE: Obj = obj(b"path\0type\0major\0minor\0fileMode\0uid\0gid\0", 0b11, 7);

fn device<'a>(p: &mut Parser<'a>, d: &mut Device<'a>) -> R<()> {
    let mut numbered = 0u8;
    let mut k = Keys::new(&DEVICE);
    while let Some(i) = k.next(p)? {
        match i {
            0 => d.path = abs_path(p),
            1 => {
                let s = strv(p);
                d.kind = match s.raw() {
                    [k @ (b'c' | b'b' | b'u' | b'p')] => *k,
                    _ => return p.fail(ErrorKind::Value),
                };
            }
            2 => {
                d.major = u32v(p);
                numbered |= 1;
            }
            3 => {
                d.minor = u32v(p);
                numbered |= 2;
            }
            4 => d.file_mode = Some(u32v(p)),
            5 => d.uid = Some(u32v(p)),
            _ => d.gid = Some(u32v(p)),
        }
    }
    if d.kind != b'p' && numbered != 3 {
        p.missing = if numbered & 1 == 0 {
            b"major"
        } else {
            b"minor"
        };
        return p.fail(ErrorKind::Missing);
    }
    Some(())
}
