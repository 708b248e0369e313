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
    assert!(e.ops.is_empty());
}

#[test]
fn seed_recipe_in_order() {
    let mut r = seed_req();
    r.reply_max = 8192;
    let b = body(&r, RUN_REQ_SIZE);
    let req = RunReq::decode(&b).unwrap();
    let spec = SandboxSpec::from_run(&req).unwrap();
    assert_eq!(spec.client, Client::Recipe(8192));
    let e = entrance(&spec, &mut [0u8; 64]).unwrap();
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
    ];
    assert_eq!(&e.ops[..], &want[..]);
    assert_eq!(e.index_of(FdRole::Ctl), Some(0));
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
