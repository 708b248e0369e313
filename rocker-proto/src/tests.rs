//! Unit tests (std). Layout, every reject, round trips, path tables, Buf,
//! and a deterministic mutation fuzzer.

use crate::*;
use crate::codes;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------
// helpers

fn ne32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}
fn ne16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_ne_bytes());
}
fn rd32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
}
fn set_size(b: &mut [u8]) {
    let n = b.len() as u32;
    ne32(b, off::HDR_SIZE, n);
}

fn sample_req() -> RunReq<'static> {
    let mut r = RunReq::EMPTY;
    r.app_id = 7;
    r.uid = 1000;
    r.gid = 1001;
    r.run_flags = 0;
    r.pkg = b"/opt/apps/demo.sqfs";
    r.exec_dir = b"/var/demo/execdir";
    r.data_dir = b"/var/demo/data";
    r.overlays[0] = b"/usr";
    r.overlays[1] = b"/var";
    r.overlays[2] = b"/etc";
    r.n_overlay = 3;
    r
}

fn run_bytes(r: &RunReq<'_>) -> Vec<u8> {
    let mut out = vec![0xAAu8; RUN_REQ_SIZE];
    encode_run_req(r, &mut out).unwrap();
    out
}

/// The seed-era (VER0) layout of the same request.
fn run_bytes_v0(r: &RunReq<'_>) -> Vec<u8> {
    let mut out = vec![0xAAu8; RUN_REQ_SIZE_VER0];
    encode_run_req(r, &mut out).unwrap();
    out
}

/// extend + decode, the body leaked so the request can outlive the call
/// (tests only; the fuzzer decodes in place).
fn decode_run_req(b: &[u8]) -> Result<RunReq<'static>, Reject> {
    let body = extend_run_req(b)?;
    let body: &'static [u8; RUN_REQ_SIZE] = Box::leak(Box::new(body));
    RunReq::decode(body)
}

/// `ROCKER_ERR_<reason>`, or "?".
fn err_name(code: i32) -> String {
    match reason_name(code) {
        "?" => "?".into(),
        n => format!("ROCKER_ERR_{n}"),
    }
}

fn decode_reply(b: &[u8]) -> Result<RunReply, Reject> {
    decode_run_reply(b).map(|v| v.rep)
}

fn sample_reply() -> RunReply {
    let mut r = RunReply {
        err: 0,
        sys_errno: 0,
        step: step::REPLY,
        index: 0,
        guard_pid: 4242,
        guard_pname: [0; PNAME_LEN],
        n_fds: RUN_REPLY_FDS_VER0,
        ctl_fd: 0,
    };
    put_cstr(&mut r.guard_pname, b"rocker-g-0007").unwrap();
    r
}

fn reply_bytes(r: &RunReply) -> Vec<u8> {
    let mut out = [0xAAu8; RUN_REPLY_SIZE_VER0];
    let n = encode_run_reply(r, None, &mut out).unwrap();
    out[..n].to_vec()
}

fn entry(i: u32) -> ListEntry {
    let mut e = ListEntry::EMPTY;
    e.guard_pid = 100 + i as i32;
    e.app_id = i as i32;
    e.start_ns = 1_000_000_007u64 * u64::from(i);
    e.uptime_ns = u64::MAX - u64::from(i);
    e.net = i % 3;
    e.addr = [10, 88, 0, i as u8];
    e.prefix = 24;
    e.pids = i + 1;
    e.mem_bytes = u64::from(i) << 20;
    e.mem_max = 64 << 20;
    put_cstr(&mut e.guard_pname, format!("rocker-g-{i:04}").as_bytes()).unwrap();
    put_cstr(&mut e.pkg, format!("/opt/apps/app{i}.sqfs").as_bytes()).unwrap();
    e
}

fn list_bytes(n: u32) -> Vec<u8> {
    let entries: Vec<ListEntry> = (0..n).map(entry).collect();
    let mut out = vec![0xAAu8; MSG_MAX];
    let len = encode_list_reply(&entries, LIST_ENTRY_SIZE, &mut out).unwrap();
    out.truncate(len);
    out
}

/// An entry as a VER0 reply carries it: the VER1 fields are 0.
fn entry_ver0(i: u32) -> ListEntry {
    ListEntry { net: 0, addr: [0; 4], prefix: 0, pids: 0, mem_bytes: 0, mem_max: 0, ..entry(i) }
}

fn hdr_only(kind: u16) -> Vec<u8> {
    let mut out = [0u8; HDR_SIZE];
    encode_hdr(kind, HDR_SIZE as u32, &mut out).unwrap();
    out.to_vec()
}

// ---------------------------------------------------------------------------
// constants, names, layout

#[test]
fn constants_match_protocol() {
    assert_eq!(MAGIC, 0x524B5231);
    assert_eq!(&MAGIC.to_be_bytes(), b"RKR1");
    assert_eq!(VERSION, 1);
    assert_eq!((KIND_RUN, KIND_LIST, KIND_REGISTER), (1, 2, 3));
    assert_eq!((KIND_RUN_REPLY, KIND_LIST_REPLY), (0x8001, 0x8002));
    assert_eq!((HDR_SIZE, RUN_REQ_SIZE_VER0, RUN_REQ_SIZE_VER1, RUN_REQ_SIZE_VER2, RUN_REPLY_SIZE_VER0, RUN_REPLY_SIZE_VER1), (16, 1832, 1840, 2464, 56, 72));
    assert_eq!((RUN_REQ_SIZE, RUN_REQ_SIZE_VER3), (7080, 7080));
    assert_eq!((OP_SIZE, MAX_OPS, MAX_REPLY_FDS), (24, 48, 16));
    assert_eq!((LIST_ENTRY_SIZE_VER0, LIST_ENTRY_SIZE, LIST_REPLY_HDR_SIZE, LIST_REQ_SIZE_VER0, LIST_REQ_SIZE), (304, 336, 24, 16, 24));
    assert_eq!(
        (PATH_MAX, OVERLAY_MAX, OVERLAY_LEN, MAX_SANDBOXES, MSG_MAX),
        (256, 16, 64, 128, 45056)
    );
    assert_eq!(RUN_LEGACY_LOOP, 1);
    assert_eq!(off::RUN_UID, 20);
}

#[test]
fn err_names() {
    let expect = [
        (-1, "unknown"),
        (0, "success"),
        (1, "sys"),
        (2, "param_invalid"),
        (3, "server_unaddr_invalid"),
        (4, "gen_local_addr_failed"),
        (5, "send_req_failed"),
        (6, "recv_resp_failed"),
        (7, "build_rocker_failed"),
        (8, "enter_rocker_failed"),
        (9, "app_exec_failed"),
        (10, "get_guardname_failed"),
        (11, "no_server"),
        (12, "pkg_missing"),
        (13, "pkg_not_squashfs"),
        (14, "path_relative"),
        (15, "path_too_long"),
        (16, "path_invalid"),
        (17, "overlay_invalid"),
        (18, "bad_message"),
        (19, "permission_denied"),
        (20, "busy"),
        (21, "no_loop_device"),
        (22, "data_dir_invalid"),
        (23, "exec_dir_invalid"),
        (24, "id_map_failed"),
        (25, "unsupported"),
        (26, "isolation_invalid"),
        (27, "net_failed"),
        (28, "limit_invalid"),
        (29, "limit_unsupported"),
        (30, "cgroup_failed"),
        (31, "seccomp_invalid"),
        (32, "root_invalid"),
        (33, "bind_invalid"),
    ];
    for (code, name) in expect {
        assert_eq!(err_name(code), format!("ROCKER_ERR_{name}"), "code {code}");
    }
    assert_eq!(err::PKG_MISSING, 12);
    assert_eq!(err::OVERLAY_INVALID, 17);
    assert_eq!(err::BAD_MESSAGE, 18);
    assert_eq!(err::ID_MAP_FAILED, 24);
    for bad in [-2, 34, 1000, i32::MIN, i32::MAX] {
        assert_eq!(err_name(bad), "?");
    }
    // Every reason maps to one of the seed's 12 codes; those map to themselves.
    for code in -1..=33 {
        let s = seed_code(code);
        assert!((-1..=10).contains(&s), "{code} -> {s}");
        if code <= 10 {
            assert_eq!(s, code);
        }
    }
    assert_eq!(seed_code(err::PATH_RELATIVE), err::PARAM_INVALID);
    assert_eq!(seed_code(err::NO_SERVER), err::SERVER_UNADDR_INVALID);
    assert_eq!(seed_code(err::BUSY), err::BUILD_ROCKER_FAILED);
    assert_eq!(seed_code(err::PERMISSION_DENIED), err::SYS);
    assert_eq!(seed_code(9999), err::UNKNOWN);
}

#[test]
fn step_names() {
    let server = "none validate peer_cred pkg_check clone_guard make_private open_data_dir \
        mkdir_layer mount_overlay loop_control loop_get_free loop_configure loop_set_fd \
        loop_set_status mkdir_exec_dir mount_squashfs mount_proc unshare_user setgroups gid_map \
        uid_map open_ns reply";
    let client = "connect send recv open_pkg fork_helper setns_mnt setns_pid setns_user \
        drop_groups setresgid setresuid drop_caps clone_app register_app guard_timeout capbset \
        no_new_privs setsid ambient recipe setns_uts setns_ipc setns_net setns_cgroup join_cgroup \
        prlimit seccomp chdir";
    for (i, n) in server.split_whitespace().enumerate() {
        assert_eq!(step_name(i as u16), n);
    }
    for (i, n) in client.split_whitespace().enumerate() {
        assert_eq!(step_name(32 + i as u16), n);
    }
    assert_eq!(step_name(step::SET_DUMPABLE), "set_dumpable");
    assert_eq!(step_name(64), "set_dumpable");
    assert_eq!(step::VALIDATE, 1);
    assert_eq!(step::MOUNT_OVERLAY, 8);
    assert_eq!(step::REPLY, 22);
    assert_eq!(step::CONNECT, 32);
    assert_eq!(step::GUARD_TIMEOUT, 46);
    for bad in [23, 31, 60, 63, 80, 100, u16::MAX] {
        assert_eq!(step_name(bad), "?");
    }
    // Names are unique and C identifiers.
    let names: BTreeSet<&str> = codes::STEPS.iter().map(|(_, n)| *n).collect();
    assert_eq!(names.len(), codes::STEPS.len());
    assert!(names.iter().all(|n| n.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')));
}

/// Hand-typed from PROTOCOL.md, independently of `off`: the struct part of
/// the table that `tests/layout/check.sh` compares with C.
const GOLDEN_STRUCTS: &str = "\
rocker_hdr.magic 0 4
rocker_hdr.version 4 2
rocker_hdr.kind 6 2
rocker_hdr.size 8 4
rocker_hdr.flags 12 4
rocker_hdr sizeof 16
rocker_req_run.hdr 0 16
rocker_req_run.app_id 16 4
rocker_req_run.uid 20 4
rocker_req_run.gid 24 4
rocker_req_run.run_flags 28 4
rocker_req_run.n_overlay 32 4
rocker_req_run.reserved 36 4
rocker_req_run.pkg 40 256
rocker_req_run.exec_dir 296 256
rocker_req_run.data_dir 552 256
rocker_req_run.overlay 808 1024
rocker_req_run.reply_max 1832 4
rocker_req_run.test_stall 1836 4
rocker_req_run.share 1840 4
rocker_req_run.net 1844 4
rocker_req_run.tmp_size_kb 1848 4
rocker_req_run.n_devices 1852 4
rocker_req_run.hostname 1856 64
rocker_req_run.bridge 1920 16
rocker_req_run.addr 1936 4
rocker_req_run.prefix 1940 1
rocker_req_run.reserved2 1941 3
rocker_req_run.gateway 1944 4
rocker_req_run.device_ro 1948 4
rocker_req_run.devices 1952 512
rocker_req_run.mem_max 2464 8
rocker_req_run.swap_max 2472 8
rocker_req_run.cpu_quota_us 2480 4
rocker_req_run.cpu_period_us 2484 4
rocker_req_run.cpu_weight 2488 4
rocker_req_run.pids_max 2492 4
rocker_req_run.limit_flags 2496 4
rocker_req_run.n_rlimits 2500 4
rocker_req_run.rlimits 2504 192
rocker_req_run.seccomp 2696 4
rocker_req_run.seccomp_default 2700 4
rocker_req_run.seccomp_action 2704 4
rocker_req_run.seccomp_errno 2708 4
rocker_req_run.seccomp_names 2712 1024
rocker_req_run.root 3736 4
rocker_req_run.root_flags 3740 4
rocker_req_run.cwd 3744 256
rocker_req_run.n_binds 4000 4
rocker_req_run.bind_rw 4004 4
rocker_req_run.binds 4008 3072
rocker_req_run sizeof 7080
rocker_rep_run.hdr 0 16
rocker_rep_run.err 16 4
rocker_rep_run.sys_errno 20 4
rocker_rep_run.step 24 2
rocker_rep_run.index 26 2
rocker_rep_run.guard_pid 28 4
rocker_rep_run.guard_pname 32 16
rocker_rep_run.n_fds 48 4
rocker_rep_run.reserved 52 4
rocker_rep_run.ctl_fd 56 4
rocker_rep_run.n_ops 60 4
rocker_rep_run.blob_len 64 4
rocker_rep_run.reserved1 68 4
rocker_rep_run sizeof 72
rocker_op.op 0 2
rocker_op.step 2 2
rocker_op.a 4 4
rocker_op.b 8 8
rocker_op.c 16 8
rocker_op sizeof 24
rocker_list_entry.guard_pid 0 4
rocker_list_entry.app_id 4 4
rocker_list_entry.start_ns 8 8
rocker_list_entry.guard_pname 16 16
rocker_list_entry.pkg 32 256
rocker_list_entry.uptime_ns 288 8
rocker_list_entry.reserved 296 8
rocker_list_entry.net 304 4
rocker_list_entry.addr 308 4
rocker_list_entry.prefix 312 1
rocker_list_entry.reserved1 313 3
rocker_list_entry.pids 316 4
rocker_list_entry.mem_bytes 320 8
rocker_list_entry.mem_max 328 8
rocker_list_entry sizeof 336
rocker_rep_list.hdr 0 16
rocker_rep_list.count 16 4
rocker_rep_list.entry_size 20 4
rocker_rep_list sizeof 24
rocker_req_list.hdr 0 16
rocker_req_list.entry_size 16 4
rocker_req_list.reserved 20 4
rocker_req_list sizeof 24
";

fn layout_text() -> String {
    let mut s = String::new();
    layout::for_each_line(|l| {
        s.push_str(std::str::from_utf8(l).unwrap());
        s.push('\n');
    });
    s
}

#[test]
fn layout_table() {
    let t = layout_text();
    print!("{t}");
    assert!(
        t.starts_with(GOLDEN_STRUCTS),
        "layout table differs from PROTOCOL.md:\n{t}"
    );
    assert!(t.contains("\nROCKER_MAGIC 1380667953\n"));
    assert!(t.contains("\nROCKER_MSG_MAX 45056\n"));
    assert!(t.contains("\nROCKER_ERR_unknown -1\n"));
    assert!(t.contains("\nROCKER_ERR_id_map_failed 24\n"));
    assert!(t.contains("\nROCKER_STEP_mount_overlay 8\n"));
    assert!(t.contains("\nROCKER_STEP_guard_timeout 46\n"));
    assert!(t.contains("\nROCKER_ERR_unsupported 25\n"));
    assert!(t.contains("\nROCKER_NET_BRIDGE 2\n"));
    assert!(t.ends_with("\nROCKER_OP_seccomp 14\n"));
    // 88 fields + 7 sizeof + 55 constants + the code tables
    assert_eq!(t.lines().count(), 88 + 7 + 55 + codes::REASONS.len() + codes::STEPS.len() + codes::OPS.len());
    // Every line has exactly one space-separated name and numbers.
    for l in t.lines() {
        let parts: Vec<&str> = l.split(' ').collect();
        assert!(parts.len() == 2 || parts.len() == 3, "{l}");
    }
}

// ---------------------------------------------------------------------------
// header

#[test]
fn hdr_roundtrip() {
    let mut b = vec![0u8; 40];
    encode_hdr(0x1234, 40, &mut b).unwrap();
    let h = decode_hdr(&b).unwrap();
    assert_eq!(
        h,
        Hdr {
            magic: MAGIC,
            version: VERSION,
            kind: 0x1234,
            size: 40,
            flags: 0
        }
    );
    assert_eq!(encode_hdr(1, 16, &mut [0u8; 15]), Err(err::PARAM_INVALID));
}

#[test]
fn hdr_rejects() {
    let good = hdr_only(KIND_LIST);
    assert!(decode_hdr(&good).is_ok());
    for n in 0..HDR_SIZE {
        assert_eq!(decode_hdr(&good[..n]), Err(Reject::BadSize), "len {n}");
    }
    let mut b = good.clone();
    b[0] ^= 1;
    assert_eq!(decode_hdr(&b), Err(Reject::BadMagic));
    let mut b = good.clone();
    b.reverse(); // other-endian peer
    assert_eq!(decode_hdr(&b), Err(Reject::BadMagic));
    for v in [0u16, 2, 0x100, u16::MAX] {
        let mut b = good.clone();
        ne16(&mut b, off::HDR_VERSION, v);
        assert_eq!(decode_hdr(&b), Err(Reject::BadVersion));
    }
    for s in [0u32, 15, 17, 1832, u32::MAX] {
        let mut b = good.clone();
        ne32(&mut b, off::HDR_SIZE, s);
        assert_eq!(decode_hdr(&b), Err(Reject::BadSize), "size {s}");
    }
    // A datagram longer than the header: size must name all of it.
    let mut b = good.clone();
    b.push(0);
    assert_eq!(decode_hdr(&b), Err(Reject::BadSize));
    set_size(&mut b);
    assert!(decode_hdr(&b).is_ok());
    // Larger than MSG_MAX, even if consistent.
    let mut b = good.clone();
    b.resize(MSG_MAX + 8, 0);
    set_size(&mut b);
    assert_eq!(decode_hdr(&b), Err(Reject::BadSize));
    b.truncate(MSG_MAX);
    set_size(&mut b);
    assert!(decode_hdr(&b).is_ok());
    for bit in 0..32 {
        let mut b = good.clone();
        ne32(&mut b, off::HDR_FLAGS, 1 << bit);
        assert_eq!(decode_hdr(&b), Err(Reject::BadFlags));
    }
}

// ---------------------------------------------------------------------------
// header-only messages

#[test]
fn list_req_versions() {
    // A seed-era client sends the header only: VER0 entries.
    assert_eq!(decode_list_req(&hdr_only(KIND_LIST)), Ok(LIST_ENTRY_SIZE_VER0));
    assert_eq!(decode_request(&hdr_only(KIND_LIST)), Ok(Request::List(LIST_ENTRY_SIZE_VER0)));
    let mut b = [0u8; LIST_REQ_SIZE];
    for (asked, got) in [
        (0, Ok(LIST_ENTRY_SIZE_VER0)),
        (304, Ok(304)),
        (336, Ok(336)),
        (312, Ok(304)), // between the two: the one it can read
        (328, Ok(304)),
        (344, Ok(LIST_ENTRY_SIZE)), // a newer client: what this side knows
        (4096, Ok(LIST_ENTRY_SIZE)),
        (296, Err(Reject::BadSize)),
        (305, Err(Reject::BadSize)),
        (u32::MAX, Err(Reject::BadSize)),
    ] {
        encode_list_req(&mut b, asked);
        assert_eq!(decode_list_req(&b), got, "{asked}");
    }
    encode_list_req(&mut b, 336);
    ne32(&mut b, off::LREQ_RESERVED, 1);
    assert_eq!(decode_list_req(&b), Err(Reject::ReservedNotZero));
    // The reply says what it sends: 0 for VER0 (a seed-era client checks
    // that field is 0), else the entry size.
    let entries: Vec<ListEntry> = (0..3).map(entry).collect();
    let mut out = vec![0u8; LIST_REPLY_MAX_SIZE];
    let n = encode_list_reply(&entries, LIST_ENTRY_SIZE_VER0, &mut out).unwrap();
    assert_eq!(n, LIST_REPLY_HDR_SIZE + 3 * 304);
    assert_eq!(&out[off::LIST_ENTRY_SZ..off::LIST_ENTRY_SZ + 4], &[0; 4]);
    let l = ListReply::decode(&out[..n]).unwrap();
    assert_eq!(l.iter().collect::<Vec<_>>(), (0..3).map(entry_ver0).collect::<Vec<_>>());
    let n = encode_list_reply(&entries, LIST_ENTRY_SIZE, &mut out).unwrap();
    assert_eq!(n, LIST_REPLY_HDR_SIZE + 3 * 336);
    assert_eq!(&out[off::LIST_ENTRY_SZ..off::LIST_ENTRY_SZ + 4], &336u32.to_ne_bytes());
    assert_eq!(ListReply::decode(&out[..n]).unwrap().iter().collect::<Vec<_>>(), entries);
    assert_eq!(encode_list_reply(&entries, 320, &mut out), Err(err::PARAM_INVALID));
}

#[test]
fn list_req_and_register() {
    let mut b = [0u8; HDR_SIZE];
    encode_register(&mut b);
    assert_eq!(decode_list_req(&b), Err(Reject::BadKind));
    let b = hdr_only(KIND_LIST);
    assert_eq!(decode_register(&b), Err(Reject::BadKind));
    let mut b = [0u8; HDR_SIZE];
    encode_register(&mut b);
    assert_eq!(decode_register(&b), Ok(()));
    assert_eq!(decode_list_req(&b), Err(Reject::BadKind));
    assert_eq!(decode_request(&b), Err(Reject::BadKind));
    assert_eq!(b.to_vec(), hdr_only(KIND_REGISTER));
    // Right kind, but a body: BadSize.
    type Decode = fn(&[u8]) -> Result<(), Reject>;
    let decoders: [Decode; 2] = [|b| decode_list_req(b).map(|_| ()), decode_register];
    for (kind, decode) in [KIND_LIST, KIND_REGISTER].into_iter().zip(decoders) {
        let mut v = hdr_only(kind);
        assert_eq!(decode(&v), Ok(()));
        v.extend_from_slice(&[0; 8]);
        set_size(&mut v);
        // LIST is size-versioned (a zero body of a later version is fine,
        // a non-zero one is E2BIG); REGISTER is internal, exact.
        if kind == KIND_LIST {
            assert_eq!(decode(&v), Ok(()));
            v.extend_from_slice(&[0; 8]);
            set_size(&mut v);
            assert_eq!(decode(&v), Ok(()));
            v[HDR_SIZE + 12] = 1;
            assert_eq!(decode(&v), Err(Reject::UnknownTail));
        } else {
            assert_eq!(decode(&v), Err(Reject::BadSize));
        }
        assert_eq!(decode(&v[..HDR_SIZE]), Err(Reject::BadSize)); // size field says 24
    }
}

#[test]
fn decode_request_dispatch() {
    let run = run_bytes(&sample_req());
    assert_eq!(decode_request(&run), Ok(Request::Run));
    assert_eq!(decode_run_req(&run), Ok(sample_req()));
    assert_eq!(decode_request(&hdr_only(KIND_LIST)), Ok(Request::List(LIST_ENTRY_SIZE_VER0)));
    for kind in [
        0,
        KIND_REGISTER,
        KIND_RUN_REPLY,
        KIND_LIST_REPLY,
        4,
        0x8003,
        u16::MAX,
    ] {
        assert_eq!(
            decode_request(&hdr_only(kind)),
            Err(Reject::BadKind),
            "kind {kind}"
        );
    }
    assert_eq!(decode_request(&[]), Err(Reject::BadSize));
}

// ---------------------------------------------------------------------------
// RUN request

#[test]
fn run_req_roundtrip() {
    let r = sample_req();
    let b = run_bytes(&r);
    assert_eq!(b.len(), RUN_REQ_SIZE);
    assert_eq!(rd32(&b, off::HDR_SIZE), RUN_REQ_SIZE as u32);
    let d = decode_run_req(&b).unwrap();
    assert_eq!(d, r);
    assert_eq!(d.overlays(), &[b"/usr".as_slice(), b"/var", b"/etc"]);
    assert_eq!(
        &b[off::RUN_PKG..off::RUN_PKG + 20],
        b"/opt/apps/demo.sqfs\0"
    );
    assert_eq!(check_run_req(&d), Ok(()));

    // Extremes: all 16 overlays of 63 bytes, 255-byte paths, legacy flag, max ids.
    let long = [b'p'; 254];
    let mut pkg = vec![b'/'];
    pkg.extend_from_slice(&long);
    let names: Vec<Vec<u8>> = (0..16)
        .map(|i| {
            let mut v = format!("/{i:02}").into_bytes();
            v.resize(63, b'x');
            v
        })
        .collect();
    let mut r = RunReq::EMPTY;
    r.app_id = i32::MAX;
    r.uid = ID_MAX;
    r.gid = ID_MIN;
    r.run_flags = RUN_LEGACY_LOOP;
    r.pkg = &pkg;
    r.exec_dir = &pkg;
    r.data_dir = &pkg;
    for (slot, n) in r.overlays.iter_mut().zip(&names) {
        *slot = n;
    }
    r.n_overlay = 16;
    let b = run_bytes(&r);
    let d = decode_run_req(&b).unwrap();
    assert_eq!(d, r);
    assert_eq!(check_run_req(&d), Ok(()));

    // Zero overlays.
    let mut r = sample_req();
    r.n_overlay = 0;
    let b = run_bytes(&r);
    let d = decode_run_req(&b).unwrap();
    assert_eq!(d.n_overlay, 0);
    assert!(d.overlays().is_empty());
    assert_eq!(d.overlays, [&[] as &[u8]; 16]);
}

#[test]
fn run_req_encode_errors() {
    let mut out = [0xAAu8; RUN_REQ_SIZE];
    let p256 = [b'a'; 256];
    let mut r = sample_req();
    r.pkg = &p256[..255];
    assert_eq!(encode_run_req(&r, &mut out), Ok(RUN_REQ_SIZE));
    r.pkg = &p256;
    assert_eq!(encode_run_req(&r, &mut out), Err(err::PATH_TOO_LONG));
    assert!(out.iter().all(|&c| c == 0));
    let mut r = sample_req();
    r.data_dir = b"/a\0b";
    assert_eq!(encode_run_req(&r, &mut out), Err(err::PATH_INVALID));
    let mut r = sample_req();
    r.overlays[2] = &p256[..64];
    assert_eq!(encode_run_req(&r, &mut out), Err(err::PATH_TOO_LONG));
    r.overlays[2] = &p256[..63];
    assert_eq!(encode_run_req(&r, &mut out), Ok(RUN_REQ_SIZE));
    let mut r = sample_req();
    r.n_overlay = 17;
    assert_eq!(encode_run_req(&r, &mut out), Err(err::PARAM_INVALID));
    assert!(r.overlays().is_empty());
    // Slots beyond n_overlay are not written.
    let mut r = sample_req();
    r.overlays[5] = b"/junk";
    let b = run_bytes(&r);
    assert!(b[off::RUN_OVERLAY + 5 * 64..off::RUN_OVERLAY + 6 * 64]
        .iter()
        .all(|&c| c == 0));
}

#[test]
fn run_req_rejects() {
    let good = run_bytes(&sample_req());
    let rej = |b: &[u8]| decode_run_req(b).err();

    // Wrong kind / size.
    assert_eq!(rej(&hdr_only(KIND_LIST)), Some(Reject::BadKind));
    let mut b = good.clone();
    ne16(&mut b, off::HDR_KIND, KIND_RUN_REPLY);
    assert_eq!(rej(&b), Some(Reject::BadKind));
    assert_eq!(rej(&good[..RUN_REQ_SIZE - 1]), Some(Reject::BadSize));
    // Shorter than the seed-era layout: refused.
    let mut b = good[..RUN_REQ_SIZE_VER0 - 8].to_vec();
    set_size(&mut b);
    assert_eq!(rej(&b), Some(Reject::BadSize));
    // The seed-era layout, or any size in between: zero-extended.
    for n in [RUN_REQ_SIZE_VER0, RUN_REQ_SIZE_VER0 + 4] {
        let mut b = good[..n].to_vec();
        set_size(&mut b);
        assert_eq!(decode_run_req(&b), Ok(sample_req()), "size {n}");
    }
    // Longer than this side knows: fine with a zero tail, E2BIG otherwise.
    let mut b = good.clone();
    b.extend_from_slice(&[0; 2256]);
    set_size(&mut b);
    assert_eq!(decode_run_req(&b), Ok(sample_req()));
    let last = b.len() - 1;
    b[last] = 1;
    assert_eq!(rej(&b), Some(Reject::UnknownTail));
    assert_eq!(Reject::UnknownTail.errno(), 7); // E2BIG
    let mut b = hdr_only(KIND_RUN);
    set_size(&mut b);
    assert_eq!(rej(&b), Some(Reject::BadSize));

    // Header checks are reached through decode_run_req too.
    let mut b = good.clone();
    b[off::HDR_MAGIC + 3] ^= 0x40;
    assert_eq!(rej(&b), Some(Reject::BadMagic));
    let mut b = good.clone();
    ne16(&mut b, off::HDR_VERSION, 2);
    assert_eq!(rej(&b), Some(Reject::BadVersion));
    let mut b = good.clone();
    ne32(&mut b, off::HDR_FLAGS, 0x8000_0000);
    assert_eq!(rej(&b), Some(Reject::BadFlags));

    // reserved
    for v in [1u32, 0x100, u32::MAX] {
        let mut b = good.clone();
        ne32(&mut b, off::RUN_RESERVED, v);
        assert_eq!(rej(&b), Some(Reject::ReservedNotZero));
    }
    // run_flags: bit 0 ok, every other bit refused
    let mut b = good.clone();
    ne32(&mut b, off::RUN_RUN_FLAGS, RUN_LEGACY_LOOP);
    assert_eq!(decode_run_req(&b).unwrap().run_flags, RUN_LEGACY_LOOP);
    for bit in 1..32 {
        let mut b = good.clone();
        ne32(&mut b, off::RUN_RUN_FLAGS, 1 << bit | RUN_LEGACY_LOOP);
        assert_eq!(rej(&b), Some(Reject::BadRunFlags), "bit {bit}");
    }
    // n_overlay
    for n in [17u32, 64, 0x8000_0000, u32::MAX] {
        let mut b = good.clone();
        ne32(&mut b, off::RUN_N_OVERLAY, n);
        assert_eq!(rej(&b), Some(Reject::TooManyOverlays), "n {n}");
    }
    // strings without NUL, with garbage after the NUL
    for (at, len) in [
        (off::RUN_PKG, 256),
        (off::RUN_EXEC_DIR, 256),
        (off::RUN_DATA_DIR, 256),
    ] {
        let mut b = good.clone();
        b[at..at + len].fill(b'a');
        assert_eq!(rej(&b), Some(Reject::NoNul));
        let mut b = good.clone();
        b[at + len - 1] = b'x';
        assert_eq!(rej(&b), Some(Reject::TrailingGarbage));
        let mut b = good.clone();
        b[at] = 0; // empty string, rest of old path after the NUL
        assert_eq!(rej(&b), Some(Reject::TrailingGarbage));
        let mut b = good.clone();
        b[at..at + len].fill(0); // empty string: structurally fine
        assert!(decode_run_req(&b).is_ok());
    }
    // used overlay slots: NUL rules
    for slot in 0..3 {
        let at = off::RUN_OVERLAY + slot * OVERLAY_LEN;
        let mut b = good.clone();
        b[at..at + OVERLAY_LEN].fill(b'/');
        assert_eq!(rej(&b), Some(Reject::NoNul));
        let mut b = good.clone();
        b[at + OVERLAY_LEN - 1] = 1;
        assert_eq!(rej(&b), Some(Reject::TrailingGarbage));
    }
    // unused overlay slots must be all zero, up to the last byte of the message
    for at in [
        off::RUN_OVERLAY + 3 * OVERLAY_LEN,
        off::RUN_OVERLAY + 7 * OVERLAY_LEN + 9,
        RUN_REQ_SIZE_VER0 - 1,
    ] {
        let mut b = good.clone();
        b[at] = b'/';
        assert_eq!(rej(&b), Some(Reject::UnusedSlotNotZero), "at {at}");
    }
    // ... and lowering n_overlay turns a used slot into a non-zero unused one
    let mut b = good.clone();
    ne32(&mut b, off::RUN_N_OVERLAY, 2);
    assert_eq!(rej(&b), Some(Reject::UnusedSlotNotZero));
    // raising it makes an all-zero slot an (empty) used one: structurally ok
    let mut b = good.clone();
    ne32(&mut b, off::RUN_N_OVERLAY, 4);
    let d = decode_run_req(&b).unwrap();
    assert_eq!(d.overlays()[3], b"");
    assert_eq!(
        check_run_req(&d),
        Err(Invalid {
            code: err::PATH_INVALID,
            index: 3
        })
    );

    // semantic: app_id, uid, gid
    for v in [-1i32, i32::MIN] {
        let mut b = good.clone();
        ne32(&mut b, off::RUN_APP_ID, v as u32);
        assert_eq!(rej(&b), Some(Reject::BadAppId));
    }
    let mut b = good.clone();
    ne32(&mut b, off::RUN_APP_ID, 0);
    assert!(decode_run_req(&b).is_ok());
    for (at, r) in [
        (off::RUN_UID, Reject::BadUid),
        (off::RUN_GID, Reject::BadGid),
    ] {
        for v in [0u32, 0x7fff_ffff, 0x8000_0000, u32::MAX] {
            let mut b = good.clone();
            ne32(&mut b, at, v);
            assert_eq!(rej(&b), Some(r), "id {v:#x}");
        }
        for v in [1u32, 65534, 0x7fff_fffe] {
            let mut b = good.clone();
            ne32(&mut b, at, v);
            assert!(decode_run_req(&b).is_ok());
        }
    }
    // Structural problems win over semantic ones.
    let mut b = good.clone();
    ne32(&mut b, off::RUN_UID, 0);
    ne32(&mut b, off::RUN_RESERVED, 1);
    assert_eq!(rej(&b), Some(Reject::ReservedNotZero));
}

#[test]
fn reject_names_and_codes() {
    use Reject::*;
    let all = [
        BadMagic,
        BadVersion,
        BadKind,
        BadSize,
        UnknownTail,
        BadFlags,
        ReservedNotZero,
        BadRunFlags,
        TooManyOverlays,
        TooManyEntries,
        NoNul,
        TrailingGarbage,
        UnusedSlotNotZero,
        BadAppId,
        BadUid,
        BadGid,
        NoEntry,
    ];
    let names: BTreeSet<&str> = all.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), all.len());
    for r in all {
        let want = match r {
            BadAppId | BadUid | BadGid | NoEntry => err::PARAM_INVALID,
            _ => err::BAD_MESSAGE,
        };
        assert_eq!(r.code(), want, "{}", r.name());
        assert!(r
            .name()
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c == b'_'));
    }
}

// ---------------------------------------------------------------------------
// RUN reply

#[test]
fn run_reply_roundtrip() {
    let r = sample_reply();
    let b = reply_bytes(&r);
    assert_eq!(b.len(), RUN_REPLY_SIZE_VER0);
    let d = decode_reply(&b).unwrap();
    assert_eq!(d, r);
    assert_eq!(d.pname(), b"rocker-g-0007");
    let f = RunReply::failure(err::PKG_MISSING, 2, step::PKG_CHECK, 0);
    let d = decode_reply(&reply_bytes(&f)).unwrap();
    assert_eq!(d, f);
    assert_eq!((d.guard_pid, d.n_fds, d.pname()), (0, 0, &b""[..]));
    let f = RunReply::failure(err::UNKNOWN, i32::MAX, u16::MAX, u16::MAX);
    assert_eq!(decode_reply(&reply_bytes(&f)).unwrap(), f);
    // Full-length pname (15 bytes + NUL).
    let mut r = sample_reply();
    put_cstr(&mut r.guard_pname, b"123456789012345").unwrap();
    assert_eq!(
        decode_reply(&reply_bytes(&r)).unwrap().pname(),
        b"123456789012345"
    );
    assert_eq!(
        put_cstr(&mut r.guard_pname, b"1234567890123456"),
        Err(err::PATH_TOO_LONG)
    );
}

#[test]
fn run_reply_rejects() {
    let good = reply_bytes(&sample_reply());
    let rej = |b: &[u8]| decode_reply(b).err();
    let mut b = good.clone();
    ne16(&mut b, off::HDR_KIND, KIND_RUN);
    assert_eq!(rej(&b), Some(Reject::BadKind));
    assert_eq!(rej(&run_bytes(&sample_req())), Some(Reject::BadKind));
    assert_eq!(rej(&good[..55]), Some(Reject::BadSize));
    let mut b = good.clone();
    b.extend_from_slice(&[0; 8]);
    set_size(&mut b);
    assert_eq!(rej(&b), Some(Reject::BadSize));
    let mut b = good.clone();
    ne32(&mut b, off::REP_RESERVED, 1);
    assert_eq!(rej(&b), Some(Reject::ReservedNotZero));
    let mut b = good.clone();
    b[off::REP_GUARD_PNAME..off::REP_GUARD_PNAME + 16].fill(b'g');
    assert_eq!(rej(&b), Some(Reject::NoNul));
    let mut b = good.clone();
    b[off::REP_GUARD_PNAME + 15] = b'g';
    assert_eq!(rej(&b), Some(Reject::TrailingGarbage));
    let mut b = good.clone();
    ne32(&mut b, off::HDR_FLAGS, 2);
    assert_eq!(rej(&b), Some(Reject::BadFlags));
}

// ---------------------------------------------------------------------------
// LIST reply

#[test]
fn list_reply_roundtrip() {
    for n in [0u32, 1, 2, 63, 64, MAX_SANDBOXES as u32 - 1, MAX_SANDBOXES as u32] {
        let b = list_bytes(n);
        assert_eq!(b.len(), LIST_REPLY_HDR_SIZE + n as usize * LIST_ENTRY_SIZE);
        let l = ListReply::decode(&b).unwrap();
        assert_eq!(l.count(), n as usize);
        for i in 0..n {
            assert_eq!(l.get(i as usize), Some(entry(i)));
            assert_eq!(decode_list_reply(&b, i as usize), Ok(entry(i)));
        }
        assert_eq!(l.get(n as usize), None);
        assert_eq!(l.get(usize::MAX), None);
        assert_eq!(decode_list_reply(&b, n as usize), Err(Reject::NoEntry));
        let all: Vec<ListEntry> = l.iter().collect();
        assert_eq!(all, (0..n).map(entry).collect::<Vec<_>>());
    }
    let e = decode_list_reply(&list_bytes(3), 2).unwrap();
    assert_eq!(e.pname(), b"rocker-g-0002");
    assert_eq!(e.pkg_path(), b"/opt/apps/app2.sqfs");
    assert_eq!(LIST_REPLY_MAX_SIZE, list_bytes(MAX_SANDBOXES as u32).len());
    // By value works as well as by reference.
    let mut out = vec![0u8; LIST_REPLY_MAX_SIZE];
    let n = encode_list_reply((0..5).map(entry), LIST_ENTRY_SIZE, &mut out).unwrap();
    assert_eq!(&out[..n], &list_bytes(5)[..]);
}

#[test]
fn list_reply_encode_errors() {
    let entries: Vec<ListEntry> = (0..MAX_SANDBOXES as u32 + 1).map(entry).collect();
    let mut out = vec![0u8; MSG_MAX];
    assert_eq!(
        encode_list_reply(&entries, LIST_ENTRY_SIZE, &mut out),
        Err(err::PARAM_INVALID)
    );
    assert_eq!(
        encode_list_reply(&entries[..MAX_SANDBOXES], LIST_ENTRY_SIZE, &mut out),
        Ok(LIST_REPLY_MAX_SIZE)
    );
    // Too small output, for each boundary.
    let need = LIST_REPLY_HDR_SIZE + 2 * LIST_ENTRY_SIZE;
    for len in [0, 23, 24, need - 1] {
        let mut out = vec![0u8; len];
        assert_eq!(
            encode_list_reply(&entries[..2], LIST_ENTRY_SIZE, &mut out),
            Err(err::PARAM_INVALID),
            "{len}"
        );
    }
    let mut out = vec![0u8; need];
    assert_eq!(encode_list_reply(&entries[..2], LIST_ENTRY_SIZE, &mut out), Ok(need));
    let mut out = [0u8; 24];
    assert_eq!(encode_list_reply(&entries[..0], LIST_ENTRY_SIZE, &mut out), Ok(24));
}

#[test]
fn list_reply_rejects() {
    let good = list_bytes(3);
    let rej = |b: &[u8]| ListReply::decode(b).err();
    let mut b = good.clone();
    ne16(&mut b, off::HDR_KIND, KIND_LIST);
    assert_eq!(rej(&b), Some(Reject::BadKind));
    // header too short for count
    let mut b = hdr_only(KIND_LIST_REPLY);
    assert_eq!(rej(&b), Some(Reject::BadSize));
    b.extend_from_slice(&[0; 4]);
    set_size(&mut b);
    assert_eq!(rej(&b), Some(Reject::BadSize));
    // count vs size
    for c in [0u32, 2, 4, 64] {
        let mut b = good.clone();
        ne32(&mut b, off::LIST_COUNT, c);
        assert_eq!(rej(&b), Some(Reject::BadSize), "count {c}");
    }
    for c in [MAX_SANDBOXES as u32 + 1, 1000, u32::MAX] {
        let mut b = good.clone();
        ne32(&mut b, off::LIST_COUNT, c);
        assert_eq!(rej(&b), Some(Reject::TooManyEntries), "count {c}");
    }
    let mut b = good.clone();
    b.extend_from_slice(&[0; 8]);
    set_size(&mut b);
    assert_eq!(rej(&b), Some(Reject::BadSize));
    for sz in [1u32, 296, 300, 303, 305] {
        let mut b = good.clone();
        ne32(&mut b, off::LIST_ENTRY_SZ, sz);
        assert_eq!(rej(&b), Some(Reject::BadSize), "{sz}");
    }
    // entries: reserved, pname, pkg (last entry, so all are checked)
    let e2 = LIST_REPLY_HDR_SIZE + 2 * LIST_ENTRY_SIZE;
    let mut b = good.clone();
    b[e2 + off::ENT_RESERVED + 7] = 1;
    assert_eq!(rej(&b), Some(Reject::ReservedNotZero));
    let mut b = good.clone();
    b[e2 + off::ENT_RESERVED1 + 2] = 1;
    assert_eq!(rej(&b), Some(Reject::ReservedNotZero));
    let mut b = good.clone();
    b[e2 + off::ENT_GUARD_PNAME..e2 + off::ENT_GUARD_PNAME + 16].fill(b'n');
    assert_eq!(rej(&b), Some(Reject::NoNul));
    let mut b = good.clone();
    b[e2 + off::ENT_PKG + 255] = b'/';
    assert_eq!(rej(&b), Some(Reject::TrailingGarbage));
    let mut b = good.clone();
    b[e2 + off::ENT_PKG..e2 + off::ENT_PKG + 256].fill(b'/');
    assert_eq!(rej(&b), Some(Reject::NoNul));
    assert_eq!(decode_list_reply(&b, 0), Err(Reject::NoNul));
}

// ---------------------------------------------------------------------------
// paths

#[test]
fn abs_path_table() {
    let long255 = format!("/{}", "a".repeat(254));
    let long256 = format!("/{}", "a".repeat(255));
    let deep = "/a".repeat(127); // 254 bytes
    let cases: &[(&[u8], Result<(), i32>)] = &[
        (b"/", Ok(())),
        (b"/a", Ok(())),
        (b"/usr/lib/x", Ok(())),
        (b"/var/your_APP/execdir", Ok(())),
        (b"/a/.b/..c/c..", Ok(())),
        (b"/a/...", Ok(())),
        (b"/with space/x", Ok(())),
        ("/ünïcode/ü".as_bytes(), Ok(())),
        (b"/~!@#$%^&*()_+-=[]{};'\",<>?|`", Ok(())),
        (long255.as_bytes(), Ok(())),
        (deep.as_bytes(), Ok(())),
        (long256.as_bytes(), Err(err::PATH_TOO_LONG)),
        (&[b'/'; 300], Err(err::PATH_TOO_LONG)),
        (b"", Err(err::PATH_INVALID)),
        (b"a", Err(err::PATH_RELATIVE)),
        (b"usr/lib", Err(err::PATH_RELATIVE)),
        (b"./x", Err(err::PATH_RELATIVE)),
        (b"../x", Err(err::PATH_RELATIVE)),
        (b" /x", Err(err::PATH_RELATIVE)),
        (b"//", Err(err::PATH_INVALID)),
        (b"//usr", Err(err::PATH_INVALID)),
        (b"/usr//lib", Err(err::PATH_INVALID)),
        (b"/usr/", Err(err::PATH_INVALID)),
        (b"/usr/lib/", Err(err::PATH_INVALID)),
        (b"/..", Err(err::PATH_INVALID)),
        (b"/../etc", Err(err::PATH_INVALID)),
        (b"/a/../b", Err(err::PATH_INVALID)),
        (b"/a/..", Err(err::PATH_INVALID)),
        (b"/.", Err(err::PATH_INVALID)),
        (b"/a/./b", Err(err::PATH_INVALID)),
        (b"/a/.", Err(err::PATH_INVALID)),
        (b"/a\nb", Err(err::PATH_INVALID)),
        (b"/a\tb", Err(err::PATH_INVALID)),
        (b"/a\x7fb", Err(err::PATH_INVALID)),
        (b"/a\x1b[31m", Err(err::PATH_INVALID)),
        (b"/a\0b", Err(err::PATH_INVALID)),
    ];
    for (p, want) in cases {
        assert_eq!(check_abs_path(p), *want, "{:?}", String::from_utf8_lossy(p));
        assert_eq!(check_pkg_path(p), *want);
    }
}

#[test]
fn overlay_dir_table() {
    let l63 = format!("/{}", "o".repeat(62));
    let l64 = format!("/{}", "o".repeat(63));
    let cases: &[(&[u8], Result<(), i32>)] = &[
        (b"/usr", Ok(())),
        (b"/var", Ok(())),
        (b"/etc", Ok(())),
        (b"/home", Ok(())),
        (b"/root", Ok(())),
        (b"/opt", Ok(())),
        (b"/tmp", Ok(())),
        (b"/procx", Ok(())),
        (b"/devices", Ok(())),
        (b"/.hidden", Ok(())),
        (l63.as_bytes(), Ok(())),
        (l64.as_bytes(), Err(err::PATH_TOO_LONG)),
        (b"/", Err(err::OVERLAY_INVALID)),
        (b"/proc", Err(err::OVERLAY_INVALID)),
        (b"/sys", Err(err::OVERLAY_INVALID)),
        (b"/dev", Err(err::OVERLAY_INVALID)),
        (b"/usr/lib", Err(err::OVERLAY_INVALID)),
        (b"/proc/sys", Err(err::OVERLAY_INVALID)),
        (b"/a,b", Err(err::OVERLAY_INVALID)),
        (b"/a:b", Err(err::OVERLAY_INVALID)),
        (b"/a\\b", Err(err::OVERLAY_INVALID)),
        (b"", Err(err::PATH_INVALID)),
        (b"usr", Err(err::PATH_RELATIVE)),
        (b"/usr/", Err(err::PATH_INVALID)),
        (b"//usr", Err(err::PATH_INVALID)),
        (b"/..", Err(err::PATH_INVALID)),
        (b"/.", Err(err::PATH_INVALID)),
        (b"/u\x01", Err(err::PATH_INVALID)),
    ];
    for (p, want) in cases {
        assert_eq!(
            check_overlay_dir(p),
            *want,
            "{:?}",
            String::from_utf8_lossy(p)
        );
    }
}

#[test]
fn exec_and_data_dir_table() {
    let cases: &[(&[u8], Result<(), i32>)] = &[
        (b"/var/demo/execdir", Ok(())),
        (b"/opt/app", Ok(())),
        (b"/a", Ok(())),
        (b"/procx", Ok(())),
        (b"/sysroot/x", Ok(())),
        (b"/devel", Ok(())),
        (b"/usr/proc", Ok(())),
        (b"/", Err(err::PATH_INVALID)),
        (b"/proc", Err(err::PATH_INVALID)),
        (b"/proc/x", Err(err::PATH_INVALID)),
        (b"/proc/self/fd/3", Err(err::PATH_INVALID)),
        (b"/sys", Err(err::PATH_INVALID)),
        (b"/sys/fs/cgroup", Err(err::PATH_INVALID)),
        (b"/dev", Err(err::PATH_INVALID)),
        (b"/dev/shm/x", Err(err::PATH_INVALID)),
        (b"/var/../proc", Err(err::PATH_INVALID)),
        (b"var/x", Err(err::PATH_RELATIVE)),
        (b"", Err(err::PATH_INVALID)),
        (b"/x/", Err(err::PATH_INVALID)),
        (&[b'/'; 256], Err(err::PATH_TOO_LONG)),
    ];
    for (p, want) in cases {
        assert_eq!(check_exec_dir(p), *want, "{:?}", String::from_utf8_lossy(p));
        assert_eq!(check_data_dir(p), *want);
    }
}

#[test]
fn under_table() {
    let cases: &[(&[u8], &[u8], bool)] = &[
        (b"/usr", b"/usr", true),
        (b"/usr/lib", b"/usr", true),
        (b"/usr/lib/x", b"/usr", true),
        (b"/usrx", b"/usr", false),
        (b"/us", b"/usr", false),
        (b"/", b"/usr", false),
        (b"/var/app/exec", b"/var", true),
        (b"/var/app/exec", b"/var/app", true),
        (b"/var/app/exec", b"/var/ap", false),
        (b"/anything", b"/", true),
        (b"/", b"/", true),
        (b"relative", b"/", false),
        (b"", b"/", false),
        (b"/proc/1", b"/proc", true),
    ];
    for (p, d, want) in cases {
        assert_eq!(
            under(p, d),
            *want,
            "{:?} under {:?}",
            String::from_utf8_lossy(p),
            String::from_utf8_lossy(d)
        );
    }
}

#[test]
fn check_run_req_table() {
    let inv = |code, index| Err(Invalid { code, index });
    assert_eq!(check_run_req(&sample_req()), Ok(()));

    let mut r = sample_req();
    r.pkg = b"demo.sqfs";
    assert_eq!(check_run_req(&r), inv(err::PATH_RELATIVE, 0));
    let mut r = sample_req();
    r.exec_dir = b"/proc/x";
    assert_eq!(check_run_req(&r), inv(err::PATH_INVALID, 0));
    let mut r = sample_req();
    r.exec_dir = b"/";
    assert_eq!(check_run_req(&r), inv(err::PATH_INVALID, 0));
    let mut r = sample_req();
    r.data_dir = b"/var/../data";
    assert_eq!(check_run_req(&r), inv(err::PATH_INVALID, 0));
    let mut r = sample_req();
    r.data_dir = b"";
    assert_eq!(check_run_req(&r), inv(err::PATH_INVALID, 0));

    // Overlay errors carry the slot.
    let mut r = sample_req();
    r.overlays[2] = b"/usr/lib";
    assert_eq!(check_run_req(&r), inv(err::OVERLAY_INVALID, 2));
    let mut r = sample_req();
    r.overlays[1] = b"var";
    assert_eq!(check_run_req(&r), inv(err::PATH_RELATIVE, 1));
    let mut r = sample_req();
    r.overlays[0] = b"/dev";
    assert_eq!(check_run_req(&r), inv(err::OVERLAY_INVALID, 0));
    // Duplicates: reported at the later slot.
    let mut r = sample_req();
    r.overlays[2] = b"/usr";
    assert_eq!(check_run_req(&r), inv(err::OVERLAY_INVALID, 2));
    let mut r = sample_req();
    r.overlays[3] = b"/var";
    r.n_overlay = 4;
    assert_eq!(check_run_req(&r), inv(err::OVERLAY_INVALID, 3));
    // Slots beyond n_overlay are not looked at.
    let mut r = sample_req();
    r.overlays[9] = b"garbage";
    assert_eq!(check_run_req(&r), Ok(()));
    // n_overlay out of range (hand-built request).
    let mut r = sample_req();
    r.n_overlay = 99;
    assert_eq!(check_run_req(&r), inv(err::OVERLAY_INVALID, 0));
    // The exec dir may be under, or be, an overlay dir; the data dir too.
    let mut r = sample_req();
    r.exec_dir = b"/var";
    r.data_dir = b"/var/x/data";
    assert_eq!(check_run_req(&r), Ok(()));
}

// ---------------------------------------------------------------------------
// Buf

#[test]
fn buf_numbers() {
    let cases_u: &[(u64, &str)] = &[
        (0, "0"),
        (1, "1"),
        (9, "9"),
        (10, "10"),
        (1832, "1832"),
        (u64::MAX, "18446744073709551615"),
    ];
    for &(v, s) in cases_u {
        let mut b = Buf::<32>::new();
        b.push_u64(v);
        assert_eq!(b.as_bytes(), s.as_bytes());
        assert!(!b.overflow());
    }
    let cases_i: &[(i64, &str)] = &[
        (0, "0"),
        (-1, "-1"),
        (42, "42"),
        (-1000, "-1000"),
        (i64::MAX, "9223372036854775807"),
        (i64::MIN, "-9223372036854775808"),
    ];
    for &(v, s) in cases_i {
        let mut b = Buf::<32>::new();
        b.push_i64(v);
        assert_eq!(b.as_bytes(), s.as_bytes());
    }
    let cases_h: &[(u64, &str)] = &[
        (0, "0x0"),
        (0xf, "0xf"),
        (0x524B5231, "0x524b5231"),
        (u64::MAX, "0xffffffffffffffff"),
    ];
    for &(v, s) in cases_h {
        let mut b = Buf::<32>::new();
        b.push_hex(v);
        assert_eq!(b.as_bytes(), s.as_bytes());
    }
    // Pseudo-random cross-check against std formatting.
    let mut x = Rng(0x1234_5678);
    for _ in 0..10_000 {
        let v = x.next() >> (x.next() % 64);
        let mut b = Buf::<64>::new();
        b.push_u64(v)
            .push_byte(b' ')
            .push_i64(v as i64)
            .push_byte(b' ')
            .push_hex(v);
        assert_eq!(b.as_bytes(), format!("{v} {} {v:#x}", v as i64).as_bytes());
    }
}

#[test]
fn buf_overflow_is_flagged_not_truncated() {
    let mut b = Buf::<8>::new();
    assert_eq!(b.capacity(), 8);
    b.push_str(b"pid ").push_u64(123);
    assert_eq!(b.as_bytes(), b"pid 123");
    assert!(!b.overflow());
    b.push_u64(45); // 2 bytes, 1 free: nothing written
    assert!(b.overflow());
    assert_eq!(b.as_bytes(), b"pid 123");
    b.push_byte(b'!'); // still fits, but the flag stays
    assert_eq!(b.as_bytes(), b"pid 123!");
    assert!(b.overflow());
    b.push_byte(b'x');
    assert_eq!(b.len(), 8);
    b.clear();
    assert!(!b.overflow() && b.is_empty());
    b.push_i64(i64::MIN);
    assert!(b.overflow() && b.is_empty());
    b.clear();
    b.push_hex(u64::MAX);
    assert!(b.overflow());
    let mut z = Buf::<0>::new();
    z.push_str(b"").push_str(b"a");
    assert!(z.overflow());
    assert_eq!(z.as_bytes(), b"");
    let mut b = Buf::<20>::new();
    b.push_u64(u64::MAX);
    assert!(!b.overflow());
    b.push_str(err_name(err::PKG_MISSING).as_bytes());
    assert!(b.overflow());
}

// ---------------------------------------------------------------------------
// fuzz

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: [u32; 14] = [
    0,
    1,
    2,
    3,
    16,
    17,
    24,
    56,
    64,
    65,
    0x7fff_fffe,
    0x7fff_ffff,
    0x8000_0000,
    u32::MAX,
];

fn mutate(x: &mut Rng, b: &mut Vec<u8>) {
    for _ in 0..1 + x.below(3) {
        match x.below(9) {
            0 | 1 => {
                // flip bits in a random byte
                if !b.is_empty() {
                    let i = x.below(b.len());
                    b[i] ^= (x.next() as u8) | 1;
                }
            }
            2 => {
                // random byte value (NULs and printable bytes are interesting)
                if !b.is_empty() {
                    let i = x.below(b.len());
                    b[i] = [0u8, b'/', b'.', b'a', 0xff][x.below(5)];
                }
            }
            3 => {
                // interesting u32 at an aligned offset (ids, counts, sizes)
                if b.len() >= 4 {
                    let i = x.below(b.len() / 4) * 4;
                    let v = INTERESTING[x.below(INTERESTING.len())];
                    b[i..i + 4].copy_from_slice(&v.to_ne_bytes());
                }
            }
            4 => {
                // truncate
                let n = x.below(b.len() + 1);
                b.truncate(n);
            }
            5 => {
                // extend: a little, or past MSG_MAX
                let n = if x.below(20) == 0 {
                    MSG_MAX
                } else {
                    x.below(LIST_ENTRY_SIZE + 8)
                };
                for _ in 0..n {
                    b.push(if x.below(2) == 0 { 0 } else { x.next() as u8 });
                }
            }
            6 => {
                // zero or fill a random range
                if !b.is_empty() {
                    let i = x.below(b.len());
                    let j = i + x.below(b.len() - i + 1);
                    let v = if x.below(2) == 0 { 0 } else { b'z' };
                    b[i..j].fill(v);
                }
            }
            7 => {
                // change the kind
                if b.len() >= 8 {
                    let k = [
                        KIND_RUN,
                        KIND_LIST,
                        KIND_REGISTER,
                        KIND_RUN_REPLY,
                        KIND_LIST_REPLY,
                        0,
                    ][x.below(6)];
                    b[6..8].copy_from_slice(&k.to_ne_bytes());
                }
            }
            _ => {
                // change n_overlay / count to a small number
                if b.len() >= 36 {
                    let at = if x.below(2) == 0 {
                        off::RUN_N_OVERLAY
                    } else {
                        off::LIST_COUNT
                    };
                    let v = x.below(20) as u32;
                    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
                }
            }
        }
    }
    // Most of the time keep hdr.size consistent, to get past decode_hdr.
    if b.len() >= 12 && x.below(4) != 0 {
        let n = b.len() as u32;
        b[8..12].copy_from_slice(&n.to_ne_bytes());
    }
}

#[test]
fn fuzz_decoders_never_panic() {
    let mut x = Rng(0x9E37_79B9_7F4A_7C15);
    let mut full = sample_req();
    let names: Vec<Vec<u8>> = (0..16).map(|i| format!("/o{i}").into_bytes()).collect();
    for (s, n) in full.overlays.iter_mut().zip(&names) {
        *s = n;
    }
    full.n_overlay = 16;
    let bases: Vec<Vec<u8>> = vec![
        run_bytes(&sample_req()),
        run_bytes(&full),
        reply_bytes(&sample_reply()),
        reply_bytes(&RunReply::failure(err::BUSY, 0, step::VALIDATE, 3)),
        run_bytes_v0(&sample_req()),
        list_bytes(0),
        list_bytes(1),
        list_bytes(3),
        list_bytes(64),
        hdr_only(KIND_LIST),
        hdr_only(KIND_REGISTER),
    ];
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let (mut ok_run, mut ok_reply, mut ok_list, mut ok_hdr, mut ok_paths) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut total = 0u32;
    for iter in 0..200_000u32 {
        let mut b = bases[x.below(bases.len())].clone();
        mutate(&mut x, &mut b);
        total += 1;

        match decode_hdr(&b) {
            Ok(h) => {
                ok_hdr += 1;
                assert_eq!(h.size as usize, b.len());
                assert!(
                    b.len() <= MSG_MAX && h.magic == MAGIC && h.version == VERSION && h.flags == 0
                );
            }
            Err(e) => {
                seen.insert(e.name());
            }
        }
        let decoded = extend_run_req(&b).and_then(|body| {
            let r = RunReq::decode(&body)?;
            // Accepted => canonical: re-encoding at the sent size (or the
            // known size, for a longer body with a zero tail) gives back
            // the same bytes.
            let n = b.len().min(RUN_REQ_SIZE);
            let mut again = vec![0u8; RUN_REQ_SIZE];
            encode_run_req(&r, &mut again).unwrap();
            assert_eq!(&again[16..n], &b[16..n], "iter {iter}");
            assert!(again[n..].iter().all(|&c| c == 0));
            assert!(b[n..].iter().all(|&c| c == 0));
            assert!(r.n_overlay <= OVERLAY_MAX && r.app_id >= 0);
            assert!((ID_MIN..=ID_MAX).contains(&r.uid) && (ID_MIN..=ID_MAX).contains(&r.gid));
            Ok(check_run_req(&r))
        });
        match decoded {
            Ok(paths) => {
                ok_run += 1;
                match paths {
                    Ok(()) => ok_paths += 1,
                    Err(i) => {
                        assert!(err_name(i.code) != "?");
                        assert!((i.index as usize) < OVERLAY_MAX.max(1));
                    }
                }
            }
            Err(e) => {
                seen.insert(e.name());
                assert!(e.code() == err::BAD_MESSAGE || e.code() == err::PARAM_INVALID);
            }
        }
        match decode_request(&b) {
            Ok(Request::Run) => assert_eq!(&b[6..8], &KIND_RUN.to_ne_bytes()),
            Ok(Request::List(n)) => assert!(b.len() >= HDR_SIZE && (n == LIST_ENTRY_SIZE_VER0 || n == LIST_ENTRY_SIZE)),
            Err(e) => {
                seen.insert(e.name());
            }
        }
        match decode_reply(&b) {
            Ok(r) => {
                ok_reply += 1;
                assert_eq!(reply_bytes(&r), b, "iter {iter}");
            }
            Err(e) => {
                seen.insert(e.name());
            }
        }
        match ListReply::decode(&b) {
            Ok(l) => {
                ok_list += 1;
                let entries: Vec<ListEntry> = l.iter().collect();
                assert_eq!(entries.len(), l.count());
                let mut out = vec![0u8; MSG_MAX];
                if let Ok(n) = encode_list_reply(&entries, l.entry_size(), &mut out) {
                    assert_eq!(&out[..n], &b[..], "iter {iter}");
                }
            }
            Err(e) => {
                seen.insert(e.name());
            }
        }
        let idx = x.below(70);
        if let Err(e) = decode_list_reply(&b, idx) {
            seen.insert(e.name());
        }
        let _ = decode_list_req(&b);
        let _ = decode_register(&b);
        // Path checks on arbitrary bytes never panic either.
        let cut = &b[..b.len().min(x.below(80))];
        let _ = (
            check_abs_path(cut),
            check_overlay_dir(cut),
            check_exec_dir(cut),
            under(cut, b"/usr"),
        );
        let mut buf = Buf::<24>::new();
        buf.push_str(cut)
            .push_u64(x.next())
            .push_i64(x.next() as i64)
            .push_hex(x.next());
        assert!(buf.len() <= 24);
    }
    println!(
        "fuzz: {total} inputs; accepted hdr {ok_hdr} run {ok_run} (paths ok {ok_paths}) reply {ok_reply} list {ok_list}; rejects seen {seen:?}"
    );
    // The mutator must reach both sides of the decoders.
    assert!(ok_run > 100 && ok_reply > 100 && ok_list > 100 && ok_paths > 10);
    for r in [
        "bad_magic",
        "bad_version",
        "bad_kind",
        "bad_size",
        "unknown_tail",
        "bad_flags",
        "reserved_not_zero",
        "bad_run_flags",
        "too_many_overlays",
        "too_many_entries",
        "no_nul",
        "trailing_garbage",
        "unused_slot_not_zero",
        "bad_app_id",
        "bad_uid",
        "bad_gid",
        "no_entry",
    ] {
        assert!(seen.contains(r), "fuzzer never produced {r}");
    }
}

// ---------------------------------------------------------------------------
// v2 replies and the generated C numbers

#[test]
fn v2_reply_roundtrip_and_rejects() {
    let ops = [
        Op { op: op::SETNS, step: step::SETNS_MNT, a: 1, b: 0x20000, c: 0 },
        Op { op: op::APP, step: step::CLONE_APP, a: 0, b: 0, c: u64::MAX },
    ];
    let blob = b"/some/dir\0";
    let mut rep = sample_reply();
    rep.n_fds = 3;
    rep.ctl_fd = 0;
    let mut out = vec![0xAAu8; 512];
    let n = encode_run_reply(&rep, Some((&ops, blob)), &mut out).unwrap();
    assert_eq!(n, RUN_REPLY_SIZE_VER1 + 2 * OP_SIZE + 16);
    let v = decode_run_reply(&out[..n]).unwrap();
    assert!(v.v2);
    assert_eq!(v.rep, rep);
    assert_eq!((v.n_ops(), v.op(0), v.op(1), v.op(2)), (2, Some(ops[0]), Some(ops[1]), None));
    assert_eq!(v.blob, blob);
    // Too small a buffer (the client's reply_max): refused, not truncated.
    assert_eq!(encode_run_reply(&rep, Some((&ops, blob)), &mut out[..n - 1]), Err(err::BAD_MESSAGE));
    // Padding and reserved1 must be zero; sizes must add up.
    let good = out[..n].to_vec();
    let mut b = good.clone();
    b[n - 1] = 1;
    assert_eq!(decode_run_reply(&b).err(), Some(Reject::ReservedNotZero));
    let mut b = good.clone();
    ne32(&mut b, off::REP_RESERVED1, 1);
    assert_eq!(decode_run_reply(&b).err(), Some(Reject::ReservedNotZero));
    let mut b = good.clone();
    ne32(&mut b, off::REP_N_OPS, 3);
    assert_eq!(decode_run_reply(&b).err(), Some(Reject::BadSize));
    let mut b = good.clone();
    ne32(&mut b, off::REP_N_OPS, MAX_OPS as u32 + 1);
    assert_eq!(decode_run_reply(&b).err(), Some(Reject::TooManyEntries));
    let mut b = good[..60].to_vec();
    set_size(&mut b);
    assert_eq!(decode_run_reply(&b).err(), Some(Reject::BadSize));
    // Limits.
    let many = [Op::default(); MAX_OPS + 1];
    assert_eq!(encode_run_reply(&rep, Some((&many, &[])), &mut [0u8; 4096]), Err(err::PARAM_INVALID));
}

#[test]
fn rocker_h_numbers_are_generated_from_these_tables() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../rocker-client-c/include/rocker.h");
    let h = std::fs::read_to_string(path).unwrap();
    let fresh = cgen::splice(&h).expect("rocker.h lost its generated block markers");
    assert!(fresh == h, "rocker.h is stale: run `cargo +nightly run -p rocker-proto --example gen-header`");
}

// ---------------------------------------------------------------------------
// RUN VER3: limits, rlimits, seccomp, root

fn ver3_req() -> RunReq<'static> {
    let mut r = sample_req();
    r.mem_max = 64 << 20;
    r.swap_max = 0;
    r.limit_flags = LIMIT_SWAP;
    r.cpu_quota_us = 50_000;
    r.cpu_period_us = 100_000;
    r.cpu_weight = 200;
    r.pids_max = 64;
    r.rlimits[0] = Rlimit { resource: 7, cur: 256, max: 1024 };
    r.rlimits[1] = Rlimit { resource: 4, cur: 0, max: 0 };
    r.n_rlimits = 2;
    r.seccomp = SECCOMP_PROFILE;
    r.seccomp_default = SECCOMP_ACT_ALLOW;
    r.seccomp_action = SECCOMP_ACT_ERRNO;
    r.seccomp_errno = 38;
    r.seccomp_names = b"keyctl\0bpf\0perf_event_open\0";
    r.root = ROOT_PKG;
    r.root_flags = ROOT_RO;
    r.cwd = b"/srv";
    r.binds[0] = Bind { src: b"/etc/resolv.conf", dst: b"" };
    r.binds[1] = Bind { src: b"/var/lib/modem", dst: b"/modem" };
    r.n_binds = 2;
    r.bind_rw = 2;
    r
}

#[test]
fn run_req_ver3_roundtrip() {
    let r = ver3_req();
    let b = run_bytes(&r);
    let d = decode_run_req(&b).unwrap();
    assert_eq!(d, r);
    assert_eq!(d.rlimits(), &r.rlimits[..2]);
    assert_eq!(d.binds()[1].dst, b"/modem");
    assert_eq!(d.seccomp_names().collect::<Vec<_>>(), [&b"keyctl"[..], b"bpf", b"perf_event_open"]);
    // Field offsets as PROTOCOL.md has them.
    assert_eq!(&b[off::RUN_MEM_MAX..off::RUN_MEM_MAX + 8], &(64u64 << 20).to_ne_bytes());
    assert_eq!(&b[off::RUN_SECCOMP_NAMES..off::RUN_SECCOMP_NAMES + 7], b"keyctl\0");
    assert_eq!(&b[off::RUN_BINDS + 256 + 128..off::RUN_BINDS + 256 + 128 + 14], b"/var/lib/modem");
    assert_eq!(&b[off::RUN_RLIMITS + 24..off::RUN_RLIMITS + 28], &4u32.to_ne_bytes());
    // A VER2 body of the same request cannot carry VER3 fields...
    let mut v2 = vec![0u8; RUN_REQ_SIZE_VER2];
    assert_eq!(encode_run_req(&r, &mut v2), Err(err::PARAM_INVALID));
    // ...and a VER2 body decodes with them all zero (the defaults).
    let mut s = sample_req();
    s.reply_max = 8192;
    encode_run_req(&s, &mut v2).unwrap();
    let d = decode_run_req(&v2).unwrap();
    assert_eq!((d.mem_max, d.seccomp, d.root, d.n_binds, d.n_rlimits), (0, SECCOMP_DEFAULT, ROOT_HOST, 0, 0));
}

#[test]
fn run_req_ver3_rejects() {
    let good = run_bytes(&ver3_req());
    let rej = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        decode_run_req(&b).err()
    };
    assert_eq!(rej(&|b| ne32(b, off::RUN_LIMIT_FLAGS, 2)), Some(Reject::BadValue));
    assert_eq!(rej(&|b| ne32(b, off::RUN_SECCOMP, 3)), Some(Reject::BadValue));
    assert_eq!(rej(&|b| ne32(b, off::RUN_SECCOMP_ACTION, 0)), Some(Reject::BadValue));
    assert_eq!(rej(&|b| ne32(b, off::RUN_SECCOMP_DEFAULT, 5)), Some(Reject::BadValue));
    assert_eq!(rej(&|b| ne32(b, off::RUN_ROOT, 2)), Some(Reject::BadValue));
    assert_eq!(rej(&|b| ne32(b, off::RUN_ROOT_FLAGS, 4)), Some(Reject::BadValue));
    // Actions and names only with a profile.
    assert_eq!(
        rej(&|b| {
            ne32(b, off::RUN_SECCOMP, SECCOMP_DEFAULT);
        }),
        Some(Reject::BadValue)
    );
    assert_eq!(
        rej(&|b| {
            ne32(b, off::RUN_SECCOMP, SECCOMP_UNCONFINED);
            ne32(b, off::RUN_SECCOMP_ACTION, 0);
            ne32(b, off::RUN_SECCOMP_DEFAULT, 0);
        }),
        Some(Reject::BadValue),
        "names without a profile"
    );
    // Names: characters, NULs, zeros after the end.
    assert_eq!(rej(&|b| b[off::RUN_SECCOMP_NAMES] = b'K'), Some(Reject::BadValue));
    assert_eq!(rej(&|b| b[off::RUN_SECCOMP_NAMES + 1000] = b'x'), Some(Reject::TrailingGarbage));
    assert_eq!(rej(&|b| b[off::RUN_SECCOMP_NAMES..off::RUN_SECCOMP_NAMES + 1024].fill(b'a')), Some(Reject::NoNul));
    // Slots.
    assert_eq!(rej(&|b| ne32(b, off::RUN_N_RLIMITS, 9)), Some(Reject::TooManyOverlays));
    assert_eq!(rej(&|b| ne32(b, off::RUN_N_BINDS, 9)), Some(Reject::TooManyOverlays));
    assert_eq!(rej(&|b| b[off::RUN_RLIMITS + 2 * 24 + 9] = 1), Some(Reject::UnusedSlotNotZero));
    assert_eq!(rej(&|b| b[off::RUN_RLIMITS + 4] = 1), Some(Reject::ReservedNotZero));
    assert_eq!(rej(&|b| b[off::RUN_BINDS + 2 * 384 + 300] = 1), Some(Reject::UnusedSlotNotZero));
    assert_eq!(rej(&|b| ne32(b, off::RUN_BIND_RW, 4)), Some(Reject::UnusedSlotNotZero));
    assert_eq!(rej(&|b| b[off::RUN_BINDS + 255] = b'x'), Some(Reject::TrailingGarbage));
    assert_eq!(rej(&|b| b[off::RUN_CWD..off::RUN_CWD + 256].fill(b'/')), Some(Reject::NoNul));
}
