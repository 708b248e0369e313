//! The JSON documents a runtime prints: `state`, `spec` (a default
//! `config.json`) and `features`.

use crate::config::KeyValue;
use crate::json::{ErrorKind, JsonError, Parser, Token};
use crate::tables::{self, Names};
use crate::write::Writer;

/// The runtime-spec version this crate writes (`state`, `spec`) and the
/// newest it accepts in `config.json`.
pub const OCI_VERSION: &[u8] = b"1.2.1";
/// The oldest runtime-spec version accepted in `config.json`.
pub const OCI_VERSION_MIN: &[u8] = b"1.0.0";

/// `state.status`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `creating`
    Creating,
    /// `created`
    Created,
    /// `running`
    Running,
    /// `stopped`
    Stopped,
    /// `paused` (runc's extra state, for `pause`/`resume`)
    Paused,
}

impl Status {
    /// The JSON spelling.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Status::Creating => b"creating",
            Status::Created => b"created",
            Status::Running => b"running",
            Status::Stopped => b"stopped",
            Status::Paused => b"paused",
        }
    }
}

/// What `state` prints (`runtime.md` "State").
#[derive(Clone, Copy, Debug)]
pub struct State<'s> {
    /// Container id.
    pub id: &'s [u8],
    /// Status.
    pub status: Status,
    /// The container process as seen by the runtime (0 once stopped).
    pub pid: i32,
    /// Absolute path of the bundle.
    pub bundle: &'s [u8],
    /// The config's annotations.
    pub annotations: &'s [KeyValue<'s>],
}

/// Writes the state JSON into `buf`; `None` if it does not fit.
pub fn write_state<'b>(s: &State<'_>, buf: &'b mut [u8], pretty: bool) -> Option<&'b [u8]> {
    let mut w = Writer::new(buf, pretty);
    w.begin_object();
    w.key(b"ociVersion").str(OCI_VERSION);
    w.key(b"id").str(s.id);
    w.key(b"status").str(s.status.as_bytes());
    w.key(b"pid").i64(i64::from(s.pid));
    w.key(b"bundle").str(s.bundle);
    w.key(b"annotations").begin_object();
    for kv in s.annotations {
        w.json_key(&kv.key).json_str(&kv.value);
    }
    w.end_object().end_object();
    w.finish()
}

/// Copies one JSON document token by token into `w` (re-indenting it).
/// Keys and strings are copied in their escaped form.
pub fn reformat(input: &[u8], w: &mut Writer<'_>) -> Result<(), JsonError> {
    let mut p = Parser::new(input);
    match copy(&mut p, w) {
        Some(()) => Ok(()),
        None => Err(p.error().unwrap_or(JsonError {
            kind: ErrorKind::Syntax,
            offset: 0,
        })),
    }
}

fn copy(p: &mut Parser<'_>, w: &mut Writer<'_>) -> Option<()> {
    loop {
        match p.next()? {
            Token::ObjBegin => w.begin_object(),
            Token::ObjEnd => w.end_object(),
            Token::ArrBegin => w.begin_array(),
            Token::ArrEnd => w.end_array(),
            Token::Key(k) => w.json_key(&k),
            Token::Str(s) => w.json_str(&s),
            Token::Num(n) => w.number(&n),
            Token::Bool(b) => w.bool(b),
            Token::Null => w.null(),
        };
        if p.depth() == 0 {
            return p.finish();
        }
    }
}

/// The default `config.json` (`spec`), compact; [`write_default_config`]
/// indents it. Modelled on `runc spec` (runc 1.1): `sh` on a terminal as
/// root in `/`, a read-only `rootfs`, the standard mounts, new pid,
/// network, ipc, uts and mount namespaces, runc's masked and read-only
/// paths, `noNewPrivileges`, `RLIMIT_NOFILE` 1024 and three capabilities.
pub const DEFAULT_CONFIG: &[u8] = concat!(
    r#"{"ociVersion":"1.2.1","#,
    r#""process":{"terminal":true,"user":{"uid":0,"gid":0},"args":["sh"],"#,
    r#""env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],"#,
    r#""cwd":"/","capabilities":{"#,
    r#""bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"#,
    r#""effective":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"#,
    r#""permitted":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]},"#,
    r#""rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"#,
    r#""noNewPrivileges":true},"#,
    r#""root":{"path":"rootfs","readonly":true},"#,
    r#""hostname":"rocker","#,
    r#""mounts":["#,
    r#"{"destination":"/proc","type":"proc","source":"proc"},"#,
    r#"{"destination":"/dev","type":"tmpfs","source":"tmpfs","#,
    r#""options":["nosuid","strictatime","mode=755","size=65536k"]},"#,
    r#"{"destination":"/dev/pts","type":"devpts","source":"devpts","#,
    r#""options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},"#,
    r#"{"destination":"/dev/shm","type":"tmpfs","source":"shm","#,
    r#""options":["nosuid","noexec","nodev","mode=1777","size=65536k"]},"#,
    r#"{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","#,
    r#""options":["nosuid","noexec","nodev"]},"#,
    r#"{"destination":"/sys","type":"sysfs","source":"sysfs","#,
    r#""options":["nosuid","noexec","nodev","ro"]}],"#,
    r#""linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},"#,
    r#""namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],"#,
    r#""maskedPaths":["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats","#,
    r#""/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],"#,
    r#""readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}"#,
)
.as_bytes();

/// Writes the default `config.json`, indented with tabs like `runc spec`.
pub fn write_default_config(buf: &mut [u8]) -> Option<&[u8]> {
    let mut w = Writer::new(buf, true);
    reformat(DEFAULT_CONFIG, &mut w).ok()?;
    w.raw(b"\n");
    w.finish()
}

/// The `features` document (`features.md`, `features-linux.md`): every list
/// is a table of names and a mask of the entries to print, so a runtime
/// narrows it to what it really supports with a struct update
/// (`Features { seccomp_archs: ..., ..FEATURES }`).
#[derive(Clone, Copy, Debug)]
pub struct Features {
    /// `ociVersionMin`
    pub oci_version_min: &'static [u8],
    /// `ociVersionMax`
    pub oci_version_max: &'static [u8],
    /// `hooks`: mask over [`tables::HOOKS`]
    pub hooks: u64,
    /// `mountOptions`: mask over [`tables::MOUNT_OPTIONS`]
    pub mount_options: u64,
    /// `linux.namespaces`: mask over [`tables::NAMESPACES`]
    pub namespaces: u64,
    /// `linux.capabilities`: mask over [`tables::CAPABILITIES`]
    pub capabilities: u64,
    /// `linux.cgroup.v1`
    pub cgroup_v1: bool,
    /// `linux.cgroup.v2`
    pub cgroup_v2: bool,
    /// `linux.cgroup.systemd`
    pub cgroup_systemd: bool,
    /// `linux.cgroup.systemdUser`
    pub cgroup_systemd_user: bool,
    /// `linux.cgroup.rdma`
    pub cgroup_rdma: bool,
    /// `linux.seccomp.enabled`
    pub seccomp: bool,
    /// `linux.seccomp.actions`: mask over [`tables::SECCOMP_ACTIONS`]
    pub seccomp_actions: u64,
    /// `linux.seccomp.operators`: mask over [`tables::SECCOMP_OPS`]
    pub seccomp_operators: u64,
    /// `linux.seccomp.archs`: mask over [`tables::SECCOMP_ARCHS`]
    pub seccomp_archs: u64,
    /// `linux.seccomp.knownFlags`: mask over [`tables::SECCOMP_FLAGS`]
    pub seccomp_known_flags: u64,
    /// `linux.seccomp.supportedFlags`: mask over [`tables::SECCOMP_FLAGS`]
    pub seccomp_supported_flags: u64,
    /// `linux.apparmor.enabled`
    pub apparmor: bool,
    /// `linux.selinux.enabled`
    pub selinux: bool,
    /// `linux.intelRdt.enabled`
    pub intel_rdt: bool,
    /// `linux.mountExtensions.idmap.enabled`
    pub idmap_mounts: bool,
    /// `annotations`
    pub annotations: &'static [(&'static [u8], &'static [u8])],
}

/// Bits `0..n`.
pub const fn mask(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n).wrapping_sub(1)
    }
}

/// Everything this crate's parser recognises and does not refuse.
pub const FEATURES: Features = Features {
    oci_version_min: OCI_VERSION_MIN,
    oci_version_max: OCI_VERSION,
    hooks: 0,
    mount_options: mask(tables::MOUNT_OPTIONS_SUPPORTED),
    namespaces: mask(8),
    capabilities: mask(41),
    cgroup_v1: false,
    cgroup_v2: false,
    cgroup_systemd: false,
    cgroup_systemd_user: false,
    cgroup_rdma: false,
    seccomp: true,
    seccomp_actions: mask(9),
    seccomp_operators: mask(7),
    seccomp_archs: mask(23),
    seccomp_known_flags: mask(4),
    seccomp_supported_flags: 0,
    apparmor: false,
    selinux: false,
    intel_rdt: false,
    idmap_mounts: false,
    annotations: &[],
};

fn names(w: &mut Writer<'_>, key: &[u8], t: &Names, m: u64) {
    w.key(key).begin_array();
    for (i, n) in t.iter().enumerate() {
        if m.checked_shr(i as u32).unwrap_or(0) & 1 != 0 {
            w.str2(t.prefix, n);
        }
    }
    w.end_array();
}

fn enabled(w: &mut Writer<'_>, key: &[u8], on: bool) {
    w.key(key)
        .begin_object()
        .key(b"enabled")
        .bool(on)
        .end_object();
}

/// Writes the `features` JSON (indented); `None` if it does not fit
/// (all lists need about 3 KiB).
pub fn write_features<'b>(f: &Features, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let mut w = Writer::new(buf, true);
    w.begin_object();
    w.key(b"ociVersionMin").str(f.oci_version_min);
    w.key(b"ociVersionMax").str(f.oci_version_max);
    names(&mut w, b"hooks", &tables::HOOKS, f.hooks);
    names(
        &mut w,
        b"mountOptions",
        &tables::MOUNT_OPTIONS,
        f.mount_options,
    );
    w.key(b"linux").begin_object();
    names(&mut w, b"namespaces", &tables::NAMESPACES, f.namespaces);
    names(
        &mut w,
        b"capabilities",
        &tables::CAPABILITIES,
        f.capabilities,
    );
    w.key(b"cgroup").begin_object();
    w.key(b"v1").bool(f.cgroup_v1);
    w.key(b"v2").bool(f.cgroup_v2);
    w.key(b"systemd").bool(f.cgroup_systemd);
    w.key(b"systemdUser").bool(f.cgroup_systemd_user);
    w.key(b"rdma").bool(f.cgroup_rdma);
    w.end_object();
    w.key(b"seccomp").begin_object();
    w.key(b"enabled").bool(f.seccomp);
    names(
        &mut w,
        b"actions",
        &tables::SECCOMP_ACTIONS,
        f.seccomp_actions,
    );
    names(
        &mut w,
        b"operators",
        &tables::SECCOMP_OPS,
        f.seccomp_operators,
    );
    names(&mut w, b"archs", &tables::SECCOMP_ARCHS, f.seccomp_archs);
    names(
        &mut w,
        b"knownFlags",
        &tables::SECCOMP_FLAGS,
        f.seccomp_known_flags,
    );
    names(
        &mut w,
        b"supportedFlags",
        &tables::SECCOMP_FLAGS,
        f.seccomp_supported_flags,
    );
    w.end_object();
    enabled(&mut w, b"apparmor", f.apparmor);
    enabled(&mut w, b"selinux", f.selinux);
    enabled(&mut w, b"intelRdt", f.intel_rdt);
    w.key(b"mountExtensions").begin_object();
    enabled(&mut w, b"idmap", f.idmap_mounts);
    w.end_object();
    w.end_object();
    w.key(b"annotations").begin_object();
    for (k, v) in f.annotations {
        w.key(k).str(v);
    }
    w.end_object();
    w.end_object().raw(b"\n");
    w.finish()
}
