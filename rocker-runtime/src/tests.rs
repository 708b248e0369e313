//! Translation of `config.json` into the spec (host tests, no kernel).
use crate::translate::{translate, valid_id, Arena, Container, Refused, KEEP_CAPS};
use rocker_oci::OciConfig;
use rocker_spec::{Net, Ns, Root};

const RUNC_SPEC: &str = include_str!("../../rocker-oci/tests/fixtures/runc-1.1.5-spec.json");
const CTR: &str = include_str!("../../rocker-oci/tests/fixtures/containerd-ctr.json");

/// Translates `json` for container `c1` of bundle `/b`.
fn tr(json: &'static str) -> Result<Container<'static>, Refused> {
    let cfg: &'static OciConfig<'static> = Box::leak(Box::new(OciConfig::parse(json.as_bytes()).expect("parses")));
    let buf: &'static mut [u8] = Box::leak(vec![0u8; 16384].into_boxed_slice());
    let arena: &'static mut Arena<'static> = Box::leak(Box::new(Arena::new(buf)));
    translate(cfg, b"c1", b"/b", false, arena)
}

/// A base config with `extra` spliced into its top-level object; `extra`
/// that has its own `process` or `linux` replaces the base's.
fn with(extra: &str) -> &'static str {
    let process = if extra.contains("\"process\":") { "" } else { r#","process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0}}"# };
    let linux = if extra.contains("\"linux\":") { "" } else { r#","linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"uts"}]}"# };
    let s = format!(r#"{{"ociVersion":"1.0.2","root":{{"path":"rootfs"}}{process}{linux}{extra}}}"#);
    Box::leak(s.into_boxed_str())
}

fn refused(json: &'static str) -> &'static str {
    match tr(json) {
        Err(r) => r.field,
        Ok(_) => panic!("accepted: {json}"),
    }
}

#[test]
fn runc_spec_becomes_the_spec() {
    let c = tr(RUNC_SPEC).unwrap();
    let s = c.spec();
    assert_eq!(s.root, Root::Dir { path: b"/b/rootfs", read_only: true, no_pivot: false });
    assert!(s.tree_in_place());
    assert_eq!(s.ns, Ns::NEWPID | Ns::NEWNET | Ns::NEWIPC | Ns::NEWUTS | Ns::NEWNS);
    assert_eq!(s.net, Net::None);
    assert_eq!(s.hostname, b"runc");
    assert!(s.private_dev && s.no_new_privs && c.terminal);
    assert_eq!(s.client, rocker_spec::Client::Runtime);
    // AUDIT_WRITE 29, KILL 5, NET_BIND_SERVICE 10; ambient needs inheritable.
    let k = 1 << 29 | 1 << 5 | 1 << 10;
    assert_eq!(s.caps, rocker_spec::Caps { bounding: k, permitted: k, inheritable: 0, ambient: 0 });
    assert_eq!(s.rlimits, [rocker_spec::Rlimit { resource: syscalls::sys::general::RLIMIT_NOFILE, cur: 1024, max: 1024 }]);
    assert_eq!(c.args.as_slice(), [&b"sh\0"[..]]);
    assert_eq!(c.env.len(), 2);
    assert!(c.env[0].starts_with(b"PATH=") && c.env[0].ends_with(b"\0"));
    assert_eq!(s.cwd, b"/");
    assert_eq!(c.cgroup, b"/rocker-runtime/c1");
    assert_eq!(s.masked.len(), 10);
    assert_eq!(s.readonly, [&b"/proc/bus"[..], b"/proc/fs", b"/proc/irq", b"/proc/sys", b"/proc/sysrq-trigger"]);
    assert!(s.binds.is_empty());
    // runc's read-only cgroup mount: the unified hierarchy, read-only.
    let ro = rocker_oci::tables::ms::RDONLY | rocker_oci::tables::ms::NOSUID | rocker_oci::tables::ms::NOEXEC | rocker_oci::tables::ms::NODEV;
    assert_eq!(s.fs_mounts, [rocker_spec::FsMount { fstype: b"cgroup2\0", dst: b"/sys/fs/cgroup", flags: ro, data: b"" }]);
    assert!(s.limits.is_none());
}

#[test]
fn our_own_spec_translates() {
    let mut buf = [0u8; 4096];
    let json = rocker_oci::write_default_config(&mut buf).unwrap();
    let json: &'static str = Box::leak(String::from_utf8(json.to_vec()).unwrap().into_boxed_str());
    let c = tr(json).unwrap();
    assert_eq!(c.spec().hostname, b"rocker");
}

#[test]
fn containerd_fixture_is_refused_for_its_user_namespace() {
    assert_eq!(refused(CTR), "linux.namespaces");
}

#[test]
fn namespaces_joined_by_path() {
    let c = tr(with(r#","linux":{"namespaces":[{"type":"mount"},{"type":"network","path":"/run/netns/x"},{"type":"pid","path":"/proc/9/ns/pid"}]}"#)).unwrap();
    let j: Vec<_> = c.joins.iter().map(|j| (j.ns, j.path)).collect();
    assert_eq!(j, [(Ns::NEWNET, &b"/run/netns/x"[..]), (Ns::NEWPID, &b"/proc/9/ns/pid"[..])]);
    assert_eq!(c.spec().ns, Ns::NEWNS);
    assert_eq!(c.spec().net, Net::Host);
}

#[test]
fn mounts_binds_and_tmpfs() {
    let c = tr(with(
        r#","mounts":[{"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","noexec","mode=755","size=65536k"]},
        {"destination":"/data","type":"bind","source":"data","options":["bind","rw"]},
        {"destination":"/etc/hosts","type":"bind","source":"/etc/hosts","options":["bind","ro","nosuid"]},
        {"destination":"/proc","type":"proc","source":"proc"}]"#,
    ))
    .unwrap();
    let s = c.spec();
    assert_eq!(s.binds, [rocker_spec::Bind { src: b"/b/data", dst: b"/data" }, rocker_spec::Bind { src: b"/etc/hosts", dst: b"/etc/hosts" }]);
    assert_eq!(s.bind_rw, 1);
    assert_eq!(s.fs_mounts.len(), 1);
    let ms = rocker_oci::tables::ms::NOSUID | rocker_oci::tables::ms::NOEXEC;
    assert_eq!((s.fs_mounts[0].dst, s.fs_mounts[0].flags, s.fs_mounts[0].data), (&b"/run"[..], ms, &b"mode=755,size=65536k\0"[..]));
    assert!(!s.private_dev);
    assert_eq!(s.root, Root::Dir { path: b"/b/rootfs", read_only: false, no_pivot: false });
}

#[test]
fn what_cannot_be_honoured_is_refused_by_field() {
    let cases = [
        (r#","mounts":[{"destination":"/x","type":"bind","source":"/y","options":["rbind"]}]"#, "mounts[].options"),
        (r#","mounts":[{"destination":"/x","type":"bind","source":"/y","options":["bind","noexec"]}]"#, "mounts[].options"),
        (r#","mounts":[{"destination":"/proc/x","type":"bind","source":"/y","options":["bind"]}]"#, "mounts[]"),
        (r#","mounts":[{"destination":"/x/../y","type":"tmpfs","source":"t"}]"#, "mounts[].destination"),
        (r#","mounts":[{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup"}]"#, "mounts[]"),
        (r#","mounts":[{"destination":"/dev/x","type":"tmpfs","source":"t"}]"#, "mounts[]"),
        (r#","mounts":[{"destination":"/sys","type":"sysfs","source":"sysfs"}]"#, "mounts[]"),
        (r#","mounts":[{"destination":"/dev/pts","type":"devpts","source":"devpts"}]"#, "mounts[]"),
        (r#","hostname":"h","linux":{"namespaces":[{"type":"mount"}]}"#, "hostname"),
        (r#","linux":{"namespaces":[{"type":"pid"}]}"#, "linux.namespaces"),
        (r#","linux":{"namespaces":[{"type":"mount","path":"/proc/1/ns/mnt"}]}"#, "linux.namespaces[].path"),
        (r#","linux":{"namespaces":[{"type":"mount"},{"type":"user"}]}"#, "linux.namespaces"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}]}"#, "linux.devices"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"cgroupsPath":"system.slice:rocker:c1"}"#, "linux.cgroupsPath"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"sysctl":{"kernel.shmmax":"1"}}"#, "linux.sysctl"),
        (r#","linux":{"namespaces":[{"type":"mount"},{"type":"network"}],"sysctl":{"net.x/../../y":"1"}}"#, "linux.sysctl"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"resources":{"memory":{"reservation":1000}}}"#, "linux.resources.memory.reservation"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"resources":{"cpu":{"cpus":"0-1"}}}"#, "linux.resources.cpu.cpus"),
        (r#","linux":{"namespaces":[{"type":"mount"}],"resources":{"memory":{"limit":1000,"swap":10}}}"#, "linux.resources.memory.swap"),
    ];
    for (extra, field) in cases {
        assert_eq!(refused(with(extra)), field, "{extra}");
    }
    let caps = r#"{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0},
        "capabilities":{"effective":["CAP_KILL"],"permitted":[]}},"root":{"path":"r"},"linux":{"namespaces":[{"type":"mount"}]}}"#;
    assert_eq!(refused(caps), "process.capabilities.effective");
}

#[test]
fn limits_sysctls_and_the_process() {
    let json = r#"{"ociVersion":"1.0.2","process":{"args":["a","b c"],"cwd":"/w","user":{"uid":7,"gid":8,"additionalGids":[9],"umask":63},
        "env":["Q=say \"hi\""],"oomScoreAdj":-500,"consoleSize":{"height":30,"width":100}},"root":{"path":"/abs/root","readonly":false},
        "linux":{"namespaces":[{"type":"mount"},{"type":"network"},{"type":"ipc"},{"type":"cgroup"}],
        "cgroupsPath":"/default/c1","sysctl":{"net.ipv4.ip_forward":"1","kernel.shmmax":"4096"},
        "resources":{"memory":{"limit":1048576,"swap":3145728},"cpu":{"shares":1024,"quota":20000,"period":50000},"pids":{"limit":32}}}}"#;
    let c = tr(json).unwrap();
    let s = c.spec();
    assert_eq!((s.uid, s.gid, s.groups), (7, 8, &[9u32][..]));
    assert_eq!(c.umask, 63);
    assert_eq!(c.args.as_slice(), [&b"a\0"[..], b"b c\0"]);
    assert_eq!(c.env.as_slice(), [&b"Q=say \"hi\"\0"[..]]);
    assert_eq!((c.oom_score_adj, c.console), (Some(-500), Some((30, 100))));
    assert_eq!(s.root, Root::Dir { path: b"/abs/root", read_only: false, no_pivot: false });
    assert_eq!(s.caps.permitted, KEEP_CAPS);
    assert!(c.cgroup_ns && !s.ns.contains(Ns::NEWCGROUP));
    assert_eq!(c.cgroup, b"/default/c1");
    let l = s.limits;
    assert_eq!((l.mem_max, l.swap_max, l.cpu_max, l.pids_max), (Some(1 << 20), Some(2 << 20), Some((20_000, 50_000)), Some(32)));
    // runc's shares to weight: 1024 -> 39.
    assert_eq!(l.cpu_weight, Some(39));
    let sys: Vec<_> = c.sysctl.iter().map(|x| (x.path, x.value)).collect();
    assert_eq!(sys, [(&b"net/ipv4/ip_forward\0"[..], &b"1"[..]), (b"kernel/shmmax\0", b"4096")]);
}

#[test]
fn ids_and_paths() {
    assert!(valid_id(b"c1") && valid_id(b"a.b_c-d") && valid_id(&[b'f'; 64]));
    for bad in [&b""[..], b".", b"..", b".x", b"a/b", b"a b", &[b'f'; 65]] {
        assert!(!valid_id(bad), "{bad:?}");
    }
    let mut buf = [0u8; 64];
    let mut a = Arena::new(&mut buf);
    assert_eq!(a.under(b"/b", b"rootfs"), Some(&b"/b/rootfs"[..]));
    assert_eq!(a.under(b"/b", b"/abs"), Some(&b"/abs"[..]));
    assert_eq!(a.under(b"/b", &[b'x'; 60]), None);
}
