use crate::recipe::{entrance, FdRole};
use crate::*;
use rocker_proto::{encode_run_req, extend_run_req, op, Op, RUN_REQ_SIZE, RUN_REQ_SIZE_VER0};

fn body(req: &RunReq, size: usize) -> [u8; RUN_REQ_SIZE] {
    let mut b = vec![0u8; size];
    encode_run_req(req, &mut b).unwrap();
    extend_run_req(&b).unwrap()
}

fn seed_req() -> RunReq<'static> {
    let mut r = RunReq::EMPTY;
    r.uid = 1000;
    r.gid = 1000;
    r.pkg = b"/tmp/app.sqfs";
    r.exec_dir = b"/var/your_APP/execdir";
    r.data_dir = b"/var/your_APP/datadir";
    for (i, o) in [&b"/usr"[..], b"/var", b"/etc", b"/home", b"/root"].into_iter().enumerate() {
        r.overlays[i] = o;
    }
    r.n_overlay = 5;
    r
}

#[test]
fn v1_request_gets_the_seed_entrance() {
    let b = body(&seed_req(), RUN_REQ_SIZE_VER0);
    let req = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&req).unwrap();
    assert_eq!(spec.client, Client::V1);
    let e = entrance(&spec, &mut [0u8; 64]).unwrap();
    assert_eq!(&e.fds[..], &[FdRole::Ns(Ns::NEWNS), FdRole::Ns(Ns::NEWPID), FdRole::Ns(Ns::NEWUSER), FdRole::Ctl]);
    // No recipe, so no seccomp filter either (documented in recipe.rs).
    assert!(e.ops.is_empty());
    assert_eq!(e.blob_len, 0);
}

#[test]
fn seed_recipe_in_order() {
    let mut r = seed_req();
    r.reply_max = 8192;
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&req).unwrap();
    assert_eq!(spec.client, Client::Recipe(8192));
    let mut blob = [0u8; crate::recipe::BLOB_CAP];
    let e = entrance(&spec, &mut blob).unwrap();
    // A recipe client gets UTS and IPC namespaces too (ROUND2: isolation).
    assert_eq!(
        &e.fds[..],
        &[
            FdRole::Ctl,
            FdRole::Ns(Ns::NEWNS),
            FdRole::Ns(Ns::NEWPID),
            FdRole::Ns(Ns::NEWUTS),
            FdRole::Ns(Ns::NEWIPC),
            FdRole::Ns(Ns::NEWUSER)
        ]
    );
    let o = |op, step, a, b| Op { op, step, a, b, c: 0 };
    let want = [
        o(op::SETNS, step::SETNS_MNT, 1, 0x0002_0000),
        o(op::SETNS, step::SETNS_PID, 2, 0x2000_0000),
        o(op::SETNS, step::SETNS_UTS, 3, 0x0400_0000),
        o(op::SETNS, step::SETNS_IPC, 4, 0x0800_0000),
        o(op::SETGROUPS, step::DROP_GROUPS, 0, 0),
        o(op::SETNS, step::SETNS_USER, 5, 0x1000_0000),
        o(op::CAPBSET, step::CAPBSET, 0, 0),
        o(op::SETRESGID, step::SETRESGID, 0, 1000),
        o(op::SETRESUID, step::SETRESUID, 0, 1000),
        o(op::CAPSET, step::DROP_CAPS, 0, 0),
        o(op::AMBIENT, step::AMBIENT, 0, 0),
        o(op::NO_NEW_PRIVS, step::NO_NEW_PRIVS, 0, 0),
        o(op::APP, step::CLONE_APP, 0, 0),
        o(op::SETSID, step::SETSID, 0, 0),
        o(op::SECCOMP, step::SECCOMP, 0, rocker_seccomp::DEFAULT_FILTER_LEN as u64),
    ];
    assert_eq!(&e.ops[..], &want[..]);
    assert_eq!(e.index_of(FdRole::Ctl), Some(0));
    // The blob holds the default filter, as the kernel reads it.
    let mut want_blob = vec![0u8; rocker_seccomp::DEFAULT_FILTER_LEN * 8];
    rocker_seccomp::to_bytes(&rocker_seccomp::DEFAULT_FILTER, &mut want_blob).unwrap();
    assert_eq!(e.blob_len, want_blob.len());
    assert_eq!(&blob[..e.blob_len], &want_blob[..]);
}

/// The spec and entrance of `r` (a recipe client), with its blob.
fn entrance_of(r: &RunReq, blob: &mut [u8]) -> Result<crate::recipe::Entrance, Fail> {
    let b = body(r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&req)?;
    entrance(&spec, blob)
}

fn insn(blob: &[u8], i: usize) -> (u16, u8, u8, u32) {
    let b = &blob[i * 8..i * 8 + 8];
    (u16::from_ne_bytes([b[0], b[1]]), b[2], b[3], u32::from_ne_bytes([b[4], b[5], b[6], b[7]]))
}

#[test]
fn seccomp_choice_per_sandbox() {
    use rocker_proto::{SECCOMP_ACT_ALLOW, SECCOMP_ACT_ERRNO, SECCOMP_ACT_KILL, SECCOMP_PROFILE, SECCOMP_UNCONFINED};
    let mut blob = [0u8; crate::recipe::BLOB_CAP];
    // Unconfined: no seccomp op, an empty blob.
    let mut r = seed_req();
    r.reply_max = 8192;
    r.seccomp = SECCOMP_UNCONFINED;
    let e = entrance_of(&r, &mut blob).unwrap();
    assert_eq!(e.ops.last().unwrap().op, op::SETSID);
    assert_eq!(e.blob_len, 0);
    // A profile: default EPERM, the names allowed; the op is the last one.
    r.seccomp = SECCOMP_PROFILE;
    r.seccomp_default = SECCOMP_ACT_ERRNO;
    r.seccomp_action = SECCOMP_ACT_ALLOW;
    r.seccomp_names = b"read\0write\0exit_group\0";
    let e = entrance_of(&r, &mut blob).unwrap();
    let last = *e.ops.last().unwrap();
    assert_eq!((last.op, last.step, last.a), (op::SECCOMP, step::SECCOMP, 0));
    let n = last.b as usize;
    assert_eq!(e.blob_len, n * 8);
    // ..., jeq read, jeq write, jeq exit_group, ret ERRNO|EPERM, ret ALLOW
    let ret = |k| (0x06, 0, 0, k);
    assert_eq!(insn(&blob, n - 2), ret(0x0005_0000 | 1));
    assert_eq!(insn(&blob, n - 1), ret(0x7fff_0000));
    assert_eq!(insn(&blob, n - 5), (0x15, 3, 0, syscalls::sys::general::__NR_read));
    assert_eq!(insn(&blob, n - 3), (0x15, 1, 0, syscalls::sys::general::__NR_exit_group));
    // ... and the arch check first.
    assert_eq!(insn(&blob, 1).3, rocker_seccomp::DEFAULT_FILTER[1].k);
    // Another errno, and kill as the action.
    r.seccomp_default = SECCOMP_ACT_ALLOW;
    r.seccomp_action = SECCOMP_ACT_ERRNO;
    r.seccomp_errno = 13;
    r.seccomp_names = b"mkdir\0";
    let e = entrance_of(&r, &mut blob).unwrap();
    let n = e.ops.last().unwrap().b as usize;
    assert_eq!(insn(&blob, n - 1), ret(0x0005_0000 | 13));
    r.seccomp_action = SECCOMP_ACT_KILL;
    let e = entrance_of(&r, &mut blob).unwrap();
    let n = e.ops.last().unwrap().b as usize;
    assert_eq!(insn(&blob, n - 1), ret(0x8000_0000));
}

#[test]
fn a_bad_profile_is_refused_naming_the_entry() {
    use rocker_proto::{SECCOMP_ACT_ALLOW, SECCOMP_ACT_ERRNO, SECCOMP_PROFILE};
    let mut blob = [0u8; crate::recipe::BLOB_CAP];
    let mut r = seed_req();
    r.reply_max = 8192;
    r.seccomp = SECCOMP_PROFILE;
    r.seccomp_default = SECCOMP_ACT_ALLOW;
    r.seccomp_action = SECCOMP_ACT_ERRNO;
    let fail = |r: &RunReq| {
        let mut blob = [0u8; crate::recipe::BLOB_CAP];
        let f = entrance_of(r, &mut blob).unwrap_err();
        (f.code(), f.errno(), f.step(), f.slot())
    };
    r.seccomp_names = b"read\0nosuchcall\0write\0";
    assert_eq!(fail(&r), (err::SECCOMP_INVALID, Errno::EINVAL, step::VALIDATE, 1));
    // A syscall of another arch only is no syscall here either.
    let other: &[u8] = if cfg!(target_arch = "x86_64") { b"set_tls\0" } else { b"arch_prctl\0" };
    r.seccomp_names = other;
    assert_eq!(fail(&r), (err::SECCOMP_INVALID, Errno::EINVAL, step::VALIDATE, 0));
    // An errno beyond the kernel's 4095.
    r.seccomp_names = b"mkdir\0";
    r.seccomp_errno = 4096;
    assert_eq!(fail(&r), (err::SECCOMP_INVALID, Errno::ERANGE, step::VALIDATE, 0));
    r.seccomp_errno = 4095;
    assert!(entrance_of(&r, &mut blob).is_ok());
    // The most names the request's 1024 bytes hold (255 of the shortest,
    // 3 letters) fit a list program and the blob.
    let many: &'static [u8] = Box::leak(b"brk\0".repeat(255).into_boxed_slice());
    r.seccomp_names = many;
    let e = entrance_of(&r, &mut blob).unwrap();
    assert_eq!(e.blob_len, crate::seccomp::MAX_BYTES);
    // Too small a blob: the reply could not carry it.
    let mut small = [0u8; 16];
    r.seccomp_names = b"mkdir\0";
    let f = entrance_of(&r, &mut small).unwrap_err();
    assert_eq!((f.code(), f.errno()), (err::UNSUPPORTED, Errno::E2BIG));
}

#[test]
fn bad_paths_fail_at_validate_with_their_reason() {
    let mut r = seed_req();
    r.exec_dir = b"var/x";
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let f = SandboxSpec::from_run(&req).unwrap_err();
    assert_eq!((f.code(), f.errno(), f.step()), (err::PATH_RELATIVE, Errno::EINVAL, step::VALIDATE));
    assert_eq!(rocker_proto::seed_code(f.code()), err::PARAM_INVALID);
    let mut r = seed_req();
    r.overlays[2] = b"/usr";
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let f = SandboxSpec::from_run(&req).unwrap_err();
    assert_eq!((f.code(), f.slot()), (err::OVERLAY_INVALID, 2));
}

#[test]
fn ver3_fields_reach_the_spec_and_never_a_v1_client() {
    let mut r = seed_req();
    r.reply_max = 8192;
    r.mem_max = 32 << 20;
    r.limit_flags = rocker_proto::LIMIT_SWAP;
    r.cpu_quota_us = 20_000;
    r.pids_max = 50;
    r.seccomp = rocker_proto::SECCOMP_UNCONFINED;
    r.root = rocker_proto::ROOT_PKG;
    r.root_flags = rocker_proto::ROOT_RO;
    r.exec_dir = b"";
    r.n_overlay = 0;
    r.cwd = b"/srv";
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&req).unwrap();
    assert_eq!(
        spec.limits,
        Limits { mem_max: Some(32 << 20), swap_max: Some(0), cpu_max: Some((20_000, 100_000)), cpu_weight: None, pids_max: Some(50) }
    );
    assert_eq!(spec.seccomp, Seccomp::Unconfined);
    assert_eq!(spec.root, Root::Pkg { read_only: true, no_pivot: false });
    assert_eq!(spec.cwd, b"/srv");
    // The same from a v1 client: refused, it could not carry them out.
    r.reply_max = 0;
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let f = SandboxSpec::from_run(&req).unwrap_err();
    assert_eq!((f.code(), f.step()), (rocker_proto::err::UNSUPPORTED, rocker_proto::step::VALIDATE));
    // A plain recipe request: no limit, the default filter, the host's root.
    let spec_b = body(&seed_req(), RUN_REQ_SIZE);
    let req = RunReq::decode(&spec_b).unwrap();
    let spec = SandboxSpec::from_run(&req).unwrap();
    assert!(spec.limits.is_none());
    assert_eq!((spec.seccomp, spec.root), (Seccomp::Default, Root::Host));
}

#[test]
fn settings_for_what_is_shared_or_absent_are_refused() {
    let cases: [fn(&mut RunReq<'static>); 6] = [
        |r| (r.share, r.hostname) = (rocker_proto::SHARE_UTS, b"box"),
        |r| {
            r.share = rocker_proto::SHARE_DEV;
            r.devices[0] = b"/dev/ttyUSB0";
            r.n_devices = 1;
        },
        |r| (r.share, r.tmp_size_kb) = (rocker_proto::SHARE_TMP, 1024),
        |r| r.bridge = b"br0",
        |r| (r.net, r.addr, r.prefix) = (rocker_proto::NET_NONE, [10, 0, 0, 2], 24),
        |r| r.gateway = [10, 0, 0, 1],
    ];
    for (k, f) in cases.iter().enumerate() {
        let mut r = seed_req();
        r.reply_max = 8192;
        f(&mut r);
        let b = body(&r, RUN_REQ_SIZE);
        let req = RunReq::decode(&b).unwrap();
        let e = SandboxSpec::from_run(&req).unwrap_err();
        assert_eq!((e.code(), e.errno(), e.step()), (rocker_proto::err::ISOLATION_INVALID, Errno::EINVAL, rocker_proto::step::VALIDATE), "case {k}");
    }
}

fn root_req() -> RunReq<'static> {
    let mut r = RunReq::EMPTY;
    r.uid = 1000;
    r.gid = 1000;
    r.pkg = b"/srv/bullseye.sqfs";
    r.data_dir = b"/srv/data";
    r.reply_max = 8192;
    r.root = rocker_proto::ROOT_PKG;
    r
}

fn spec_of<T>(r: &RunReq, f: impl FnOnce(Result<SandboxSpec, Fail>) -> T) -> T {
    let b = body(r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    f(SandboxSpec::from_run(&req))
}

#[test]
fn root_mode_has_no_exec_dir_no_overlays_and_its_own_dev() {
    let mut r = root_req();
    r.root_flags = rocker_proto::ROOT_NO_PIVOT;
    spec_of(&r, |s| {
        let s = s.unwrap();
        assert_eq!(s.root, Root::Pkg { read_only: false, no_pivot: true });
        assert!(s.root.is_own() && s.root.has_layer() && s.root.no_pivot());
        assert!(!s.auto_overlay && s.overlays.is_empty() && s.exec_dir.is_empty() && s.private_dev);
    });
    r.root_flags = rocker_proto::ROOT_RO;
    spec_of(&r, |s| assert!(!s.unwrap().root.has_layer()));
    let root_invalid = |r: &RunReq| spec_of(r, |s| {
        let f = s.unwrap_err();
        (f.code(), f.errno(), f.step())
    });
    let want = (err::ROOT_INVALID, Errno::EINVAL, step::VALIDATE);
    let mut a = root_req();
    a.exec_dir = b"/opt/app";
    assert_eq!(root_invalid(&a), want, "an exec dir means nothing in root mode");
    let mut a = root_req();
    a.overlays[0] = b"/usr";
    a.n_overlay = 1;
    assert_eq!(root_invalid(&a), want, "no host dir is overlaid in root mode");
    let mut a = root_req();
    a.share = rocker_proto::SHARE_DEV;
    assert_eq!(root_invalid(&a), want, "the host's /dev is not shared in root mode");
    let mut a = seed_req();
    a.reply_max = 8192;
    a.root_flags = rocker_proto::ROOT_RO;
    assert_eq!(root_invalid(&a), want, "root flags without root mode");
    let mut a = root_req();
    a.data_dir = b"";
    assert_eq!(root_invalid(&a).0, err::PATH_INVALID, "the data dir is still required");
    let mut a = root_req();
    a.pkg = b"rel.sqfs";
    assert_eq!(root_invalid(&a).0, err::PATH_RELATIVE);
    // SHARE_TMP: no private tmpfs on the tree's own /tmp.
    let mut a = root_req();
    a.share = rocker_proto::SHARE_TMP;
    spec_of(&a, |s| assert_eq!(s.unwrap().tmp_kb, 0));
}

#[test]
fn cwd_and_binds_are_canonical_absolute_paths() {
    for (cwd, ok) in [(&b"/srv/app"[..], true), (b"/", true), (b"srv", false), (b"/srv/../etc", false), (b"/srv/", false), (b"/a//b", false)] {
        let mut r = root_req();
        r.cwd = cwd;
        spec_of(&r, |s| match s {
            Ok(s) => assert!(ok && s.cwd == cwd, "{cwd:?}"),
            Err(f) => assert!(!ok && f.code() == err::ROOT_INVALID, "{cwd:?}: {f:?}"),
        });
    }
    let binds: [(&[u8], &[u8], bool); 10] = [
        (b"/srv/in", b"", true),
        (b"/srv/in", b"/data", true),
        (b"/dev/ttyUSB0", b"/serial", true),
        (b"srv/in", b"/data", false),
        (b"/srv/../etc", b"/data", false),
        (b"/srv/in", b"data", false),
        (b"/srv/in", b"/data/../etc", false),
        (b"/srv/in", b"/", false),
        (b"/srv/in", b"/proc/sys", false),
        (b"/dev/sda", b"", false),
    ];
    for (src, dst, ok) in binds {
        for host_mode in [false, true] {
            let mut r = if host_mode { seed_req() } else { root_req() };
            r.reply_max = 8192;
            r.binds[0] = Bind { src: b"/srv/ok", dst: b"" };
            r.binds[1] = Bind { src, dst };
            r.n_binds = 2;
            r.bind_rw = 2;
            spec_of(&r, |s| match s {
                Ok(s) => assert!(ok && s.binds.len() == 2 && s.bind_rw == 2),
                Err(f) => assert!(!ok && (f.code(), f.slot(), f.step()) == (err::BIND_INVALID, 1, step::VALIDATE), "{f:?}"),
            });
        }
    }
}

#[test]
fn the_working_directory_is_the_apps_last_op_with_its_path_in_the_blob() {
    // (Last but the seccomp filter, which is always last.)
    let mut r = root_req();
    r.cwd = b"/srv/app";
    spec_of(&r, |s| {
        let s = s.unwrap();
        let mut blob = [0xffu8; crate::recipe::BLOB_CAP];
        let e = entrance(&s, &mut blob).unwrap();
        let n = e.ops.len();
        assert_eq!(e.ops[n - 2], Op { op: op::CHDIR, step: step::CHDIR, a: 0, b: 9, c: 0 });
        assert_eq!(e.ops[n - 3].op, op::SETSID);
        assert_eq!((e.ops[n - 1].op, e.ops[n - 1].a), (op::SECCOMP, 16));
        assert_eq!(&blob[..9], &b"/srv/app\0"[..]);
        // It does not fit: refused, never cut.
        let f = entrance(&s, &mut [0u8; 8]).unwrap_err();
        assert_eq!((f.code(), f.errno(), f.step()), (err::UNSUPPORTED, Errno::E2BIG, step::REPLY));
    });
    // No cwd (and no filter): no op, no blob.
    let mut r = root_req();
    r.seccomp = rocker_proto::SECCOMP_UNCONFINED;
    spec_of(&r, |s| {
        let e = entrance(&s.unwrap(), &mut []).unwrap();
        assert_eq!((e.ops.last().unwrap().op, e.blob_len), (op::SETSID, 0));
    });
}

#[test]
fn runtime_recipe_runs_in_place() {
    // The OCI runtime's container process: no fds, no setns; its rlimits
    // first (raising a hard limit needs privilege), its groups from the
    // blob, its capabilities kept across setresuid, no_new_privs only when
    // asked, then its session and working directory.
    let mut r = seed_req();
    r.reply_max = 8192;
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let mut spec = SandboxSpec::from_run(&req).unwrap();
    spec.client = Client::Runtime;
    let lim = [Rlimit { resource: 7, cur: 100, max: 200 }];
    spec.rlimits = &lim;
    spec.groups = &[10, 20];
    spec.caps = Caps { bounding: 0x30, permitted: 0x20, inheritable: 0x20, ambient: 0x20 };
    spec.no_new_privs = false;
    spec.cwd = b"/w";
    spec.seccomp = Seccomp::Unconfined; // the runtime installs its OCI profile itself
    let mut blob = [0u8; 64];
    let e = entrance(&spec, &mut blob).unwrap();
    assert!(e.fds.is_empty());
    let o = |op, step, a, b, c| Op { op, step, a, b, c };
    let want = [
        o(op::PRLIMIT, step::PRLIMIT, 7, 100, 200),
        o(op::SETGROUPS, step::DROP_GROUPS, 0, 2, 0),
        o(op::CAPBSET, step::CAPBSET, 0, 0x30, 0),
        o(op::SETRESGID, step::SETRESGID, 0, 1000, 0),
        o(op::SETRESUID, step::SETRESUID, 1, 1000, 0),
        o(op::CAPSET, step::DROP_CAPS, 0, 0x20, 0x20),
        o(op::AMBIENT, step::AMBIENT, 0, 0x20, 0),
        o(op::APP, step::CLONE_APP, 0, 0, 0),
        o(op::SETSID, step::SETSID, 0, 0, 0),
        o(op::CHDIR, step::CHDIR, 8, 3, 0),
    ];
    assert_eq!(&e.ops[..], &want[..]);
    assert_eq!(&blob[..8], [10u32.to_ne_bytes(), 20u32.to_ne_bytes()].concat().as_slice());
    assert_eq!(&blob[8..11], b"/w\0");
    assert_eq!(e.blob_len, 11);
    // No capabilities: no keepcaps.
    spec.caps = Caps::default();
    let e = entrance(&spec, &mut blob).unwrap();
    assert!(e.ops.iter().any(|x| x.op == op::SETRESUID && x.a == 0));
}
