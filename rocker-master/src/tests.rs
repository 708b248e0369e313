//! The master's state machine on the fake host: admission, requests,
//! guard reports and exits, deferral, timeouts, package sharing, the
//! legacy loop claim, and restart adoption.
use crate::fake::{Fake, FD0};
use crate::host::DirInfo;
use crate::*;
use std::vec::Vec;
use rocker_proto::{
    decode_run_reply, encode_guard_loop, encode_list_req, encode_run_req, op, seed_code, GuardReport, ListReply,
    RunReq, GUARD_LOOP_SIZE, LIST_REQ_SIZE, LIST_ENTRY_SIZE, LIST_ENTRY_SIZE_VER0, LIST_REPLY_HDR_SIZE, HDR_SIZE, KIND_LIST, encode_hdr, RUN_LEGACY_LOOP, RUN_REQ_SIZE, RUN_REQ_SIZE_VER0,
};
use rocker_spec::Ns;

pub(crate) fn master(cfg: Config) -> Master<'static, Fake> {
    let t: &'static mut Tables = Box::leak(Box::new(Tables::new()));
    Master::new(Fake::new(), t, cfg)
}

pub(crate) fn run_msg(data: &'static [u8], f: impl FnOnce(&mut RunReq<'static>)) -> Vec<u8> {
    let mut r = RunReq::EMPTY;
    r.uid = 1000;
    r.gid = 1000;
    r.pkg = b"/apps/a.sqfs";
    r.exec_dir = b"/var/app/exec";
    r.data_dir = data;
    r.overlays[0] = b"/var";
    r.overlays[1] = b"/usr";
    r.n_overlay = 2;
    r.reply_max = 8192;
    f(&mut r);
    let mut b = vec![0u8; if r.reply_max == 0 { RUN_REQ_SIZE_VER0 } else { RUN_REQ_SIZE }];
    encode_run_req(&r, &mut b).unwrap();
    b
}

pub(crate) fn ok_report() -> GuardReport {
    GuardReport { err: 0, sys_errno: 0, step: 0, index: 0, loop_dev: 7 }
}

/// Connects as root, sends `msg` with one fd, and lets the master handle it.
pub(crate) fn request(m: &mut Master<'static, Fake>, msg: Vec<u8>) -> i32 {
    let fd = m.host.connect(0);
    m.on_accept();
    m.host.say(fd, msg, 1);
    let i = slot_of(m, fd);
    m.on_client(i, true);
    fd
}

pub(crate) fn slot_of(m: &Master<'static, Fake>, fd: i32) -> usize {
    (0..MAX_CLIENTS).find(|&i| m.client_fd(i).map(|c| c.0) == Some(fd)).expect("client slot")
}

pub(crate) fn reply(m: &Master<'static, Fake>, fd: i32) -> (rocker_proto::RunReply, usize, bool) {
    let s = m.host.sent_to(fd);
    assert_eq!(s.len(), 1, "one reply to fd {fd}: {:?}", m.host.sent);
    let v = decode_run_reply(&s[0].bytes).expect("a well-formed reply");
    (v.rep, s[0].fds, v.v2)
}

pub(crate) fn spawned_pid(m: &Master<'static, Fake>) -> i32 {
    m.host.spawns.last().expect("a guard").pid
}

pub(crate) fn exit(m: &mut Master<'static, Fake>, pid: i32) {
    // A dead guard's report socket reads EOF once its queue is drained.
    if let Some(&fd) = m.host.notify_of.get(&pid) {
        m.host.guard_inbox.entry(fd).or_default().push_back(Vec::new());
    }
    m.host.exited.push_back((pid, syscalls::WaitStatus::Exited(0)));
    m.on_children();
}

pub(crate) fn box_of(m: &Master<'static, Fake>, pid: i32) -> usize {
    (0..MAX_BOXES).find(|&b| m.t.boxes[b].live() && m.t.boxes[b].rec.pid == pid).expect("box")
}

// ---------------------------------------------------------------- admission

#[test]
fn peers_that_may_not_talk_are_dropped_at_accept() {
    let mut m = master(Config::default());
    m.host.connect(1000);
    m.on_accept();
    assert!((0..MAX_CLIENTS).all(|i| m.client_fd(i).is_none()), "no slot for uid 1000");
    assert!(m.host.logged("drop peer=1500 uid=1000: not allowed"));
    assert!(m.host.sent.is_empty());
    // With --group, a member gets a slot.
    let mut m = master(Config { group: Some(1000), ..Default::default() });
    m.host.group_pids.insert(1500);
    let fd = m.host.connect(1000);
    m.on_accept();
    slot_of(&m, fd);
}

#[test]
fn one_uid_cannot_take_every_slot() {
    let mut m = master(Config { group: Some(1000), ..Default::default() });
    m.host.group_pids.insert(1500);
    let fds: Vec<i32> = (0..12).map(|_| m.host.connect(1000)).collect();
    m.on_accept();
    let held = fds.iter().filter(|&&fd| (0..MAX_CLIENTS).any(|i| m.client_fd(i).map(|c| c.0) == Some(fd))).count();
    assert_eq!(held, PER_UID);
    for &fd in &fds[PER_UID..] {
        let (r, nfds, _) = reply(&m, fd);
        assert_eq!((r.err, r.sys_errno, nfds), (err::BUSY, Errno::EUSERS.raw(), 0));
    }
    // Root still gets in and is served.
    let fd = request(&mut m, run_msg(b"/d/root", |_| {}));
    assert_eq!(m.host.spawns.len(), 1);
    assert!(m.host.sent_to(fd).is_empty());
    // Root has no share of its own: it takes every slot the others leave
    // (a burst of starts from an admin's script is not refused).
    let root: Vec<i32> = (0..MAX_CLIENTS).map(|_| m.host.connect(0)).collect();
    m.on_accept();
    let held = root.iter().filter(|&&fd| (0..MAX_CLIENTS).any(|i| m.client_fd(i).map(|c| c.0) == Some(fd))).count();
    assert_eq!(held, MAX_CLIENTS - PER_UID - 1);
    let (r, _, _) = reply(&m, *root.last().unwrap());
    assert_eq!((r.err, r.sys_errno), (err::BUSY, Errno::EMFILE.raw()));
}

#[test]
fn a_group_member_runs_only_its_own_ids_on_its_own_data() {
    let mut m = master(Config { group: Some(1000), ..Default::default() });
    m.host.group_pids.insert(1500);
    m.host.dirs.insert(b"/d/member".to_vec(), DirInfo { data_id: (1, 3), data_uid: 1000, bind_uid: 1000 });
    for (uid, gid, ok) in [(1001, 1000, false), (1000, 1001, false), (1000, 1000, true)] {
        let fd = m.host.connect(1000);
        m.on_accept();
        m.host.say(fd, run_msg(b"/d/member", |r| (r.uid, r.gid) = (uid, gid)), 1);
        m.on_client(slot_of(&m, fd), true);
        if ok {
            assert_eq!(m.host.spawns.len(), 1);
        } else {
            let (r, _, _) = reply(&m, fd);
            assert_eq!((r.err, r.sys_errno, r.step), (err::PERMISSION_DENIED, Errno::EACCES.raw(), step::PEER_CRED));
        }
    }
}

#[test]
fn idle_connections_are_closed_in_seconds() {
    let mut m = master(Config::default());
    let fd = m.host.connect(0);
    m.on_accept();
    slot_of(&m, fd);
    m.host.now += IDLE_NS - 1;
    m.tick();
    slot_of(&m, fd);
    m.host.now += 2;
    m.tick();
    assert!((0..MAX_CLIENTS).all(|i| m.client_fd(i).is_none()));
    assert!(m.host.logged(": idle"));
}

#[test]
fn bad_messages_are_answered_and_the_connection_closed() {
    let mut m = master(Config::default());
    let fd = m.host.connect(0);
    m.on_accept();
    m.host.say(fd, b"garbage".to_vec(), 0);
    m.on_client(slot_of(&m, fd), true);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.step), (err::BAD_MESSAGE, step::VALIDATE));
    assert!((0..MAX_CLIENTS).all(|i| m.client_fd(i).is_none()));
    // A non-zero tail beyond what this master knows: E2BIG.
    let mut msg = run_msg(b"/d/x", |_| {});
    msg.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 0]);
    let n = msg.len() as u32;
    msg[8..12].copy_from_slice(&n.to_ne_bytes());
    let fd = request(&mut m, msg);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno), (err::BAD_MESSAGE, Errno::E2BIG.raw()));
    // A RUN without its fd.
    let fd = m.host.connect(0);
    m.on_accept();
    m.host.say(fd, run_msg(b"/d/x", |_| {}), 0);
    m.on_client(slot_of(&m, fd), true);
    assert_eq!(reply(&m, fd).0.sys_errno, Errno::EBADF.raw());
    assert!(m.host.spawns.is_empty());
}

#[test]
fn test_hooks_need_the_switch() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/x", |r| r.test_stall = 8));
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno), (err::PERMISSION_DENIED, Errno::EPERM.raw()));
    let mut m = master(Config { test_hooks: true, ..Default::default() });
    request(&mut m, run_msg(b"/d/x", |r| r.test_stall = 8));
    assert_eq!(m.host.spawns.len(), 1);
}

#[test]
fn a_group_member_needs_its_own_data_dir() {
    let mut m = master(Config { group: Some(1000), ..Default::default() });
    m.host.group_pids.insert(1500);
    m.host.dirs.insert(b"/d/theirs".to_vec(), DirInfo { data_id: (1, 1), data_uid: 0, bind_uid: 0 });
    m.host.dirs.insert(b"/d/mine".to_vec(), DirInfo { data_id: (1, 2), data_uid: 1000, bind_uid: 1000 });
    for (dir, ok) in [(&b"/d/theirs"[..], false), (b"/d/mine", true)] {
        let fd = m.host.connect(1000);
        m.on_accept();
        let msg = run_msg(if ok { b"/d/mine" } else { b"/d/theirs" }, |_| {});
        m.host.say(fd, msg, 1);
        m.on_client(slot_of(&m, fd), true);
        if ok {
            assert_eq!(m.host.spawns.len(), 1);
        } else {
            let (r, _, _) = reply(&m, fd);
            assert_eq!((r.err, r.step), (err::PERMISSION_DENIED, step::PEER_CRED), "{:?}", dir);
        }
    }
}

// ---------------------------------------------------------------- the happy path

#[test]
fn run_reply_carries_the_entrance_and_the_recipe() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    assert_eq!(m.host.spawns[0].ns, Ns::NEWNS.union(Ns::NEWPID).union(Ns::NEWUTS).union(Ns::NEWIPC).bits());
    assert!(m.host.sent_to(fd).is_empty(), "no reply before the guard reports");
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    assert_eq!(m.host.id_maps, vec![(pid, 1000, 1000)]);
    // The fds in the recipe's order: ctl, then mnt, pid, uts, ipc, user.
    let ns: Vec<(i32, u32)> = [Ns::NEWNS, Ns::NEWPID, Ns::NEWUTS, Ns::NEWIPC, Ns::NEWUSER].iter().map(|n| (pid, n.bits())).collect();
    assert_eq!(m.host.opened_ns, ns);
    let s = m.host.sent_to(fd);
    let v = decode_run_reply(&s[0].bytes).unwrap();
    assert!(v.v2);
    // ctl, the sandbox's cgroup.procs, 5 namespaces.
    assert_eq!((v.rep.err, v.rep.guard_pid, v.rep.n_fds, v.rep.ctl_fd, s[0].fds), (0, pid, 7, 0, 7));
    assert_eq!(v.rep.pname(), b"rg-000000000001");
    let ops: Vec<u16> = (0..v.n_ops()).map(|i| v.op(i).unwrap().op).collect();
    assert_eq!(
        ops,
        [op::JOIN_CGROUP, op::SETNS, op::SETNS, op::SETNS, op::SETNS, op::SETGROUPS, op::SETNS, op::CAPBSET, op::SETRESGID, op::SETRESUID, op::CAPSET, op::AMBIENT, op::NO_NEW_PRIVS, op::APP, op::SETSID, op::SECCOMP]
    );
    // The default filter, last, from the blob: the static table as is.
    let sec = v.op(v.n_ops() - 1).unwrap();
    assert_eq!((sec.a, sec.b), (0, rocker_seccomp::DEFAULT_FILTER_LEN as u64));
    let mut want = vec![0u8; rocker_seccomp::DEFAULT_FILTER_LEN * 8];
    rocker_seccomp::to_bytes(&rocker_seccomp::DEFAULT_FILTER, &mut want).unwrap();
    assert_eq!(v.blob, &want[..]);
    // Running: recorded in the state dir, listed, connection closed.
    assert!(m.host.state.contains_key(&b"rg-000000000001"[..]));
    assert!(m.host.logged("start guard=1000 name=rg-000000000001 app_id=0 uid=1000 gid=1000 pkg=/apps/a.sqfs"));
    assert!((0..MAX_CLIENTS).all(|i| m.client_fd(i).is_none()));
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    let list = &m.host.sent_to(lfd)[0].bytes;
    let lr = ListReply::decode(list).unwrap();
    assert_eq!((lr.count(), lr.get(0).unwrap().guard_pid, lr.entry_size()), (1, pid, LIST_ENTRY_SIZE));
    // A seed-era client's LIST (the header only) gets 304-byte entries.
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut h = [0u8; HDR_SIZE];
    encode_hdr(KIND_LIST, HDR_SIZE as u32, &mut h).unwrap();
    m.host.say(lfd, h.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    let list = &m.host.sent_to(lfd)[0].bytes;
    assert_eq!(list.len(), LIST_REPLY_HDR_SIZE + LIST_ENTRY_SIZE_VER0);
    assert_eq!(ListReply::decode(list).unwrap().get(0).unwrap().guard_pid, pid);
    // The end: the record goes.
    exit(&mut m, pid);
    assert!(m.host.state.is_empty());
    assert!(m.host.logged("exit guard=1000 name=rg-000000000001 status=0"));
}

#[test]
fn a_v1_client_gets_the_v1_reply() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |r| r.reply_max = 0));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let s = m.host.sent_to(fd);
    assert_eq!(s[0].bytes.len(), rocker_proto::RUN_REPLY_SIZE_VER0);
    let v = decode_run_reply(&s[0].bytes).unwrap();
    assert!(!v.v2);
    assert_eq!((v.rep.n_fds, s[0].fds), (4, 4));
    // mnt, pid, user, then ctl: the seed-era order.
    assert_eq!(m.host.opened_ns, vec![(pid, Ns::NEWNS.bits()), (pid, Ns::NEWPID.bits()), (pid, Ns::NEWUSER.bits())]);
}

#[test]
fn a_reply_that_does_not_fit_reply_max_is_refused() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |r| r.reply_max = 100));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let (r, nfds, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step, nfds), (err::UNSUPPORTED, Errno::E2BIG.raw(), step::REPLY, 0));
    assert_eq!(m.host.kills, vec![(pid, 9)]);
}

#[test]
fn seccomp_per_sandbox_and_a_bad_profile_refused_before_the_guard() {
    use rocker_proto::{SECCOMP_ACT_ALLOW, SECCOMP_ACT_ERRNO, SECCOMP_PROFILE, SECCOMP_UNCONFINED};
    // Unconfined: no filter op, no blob.
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |r| r.seccomp = SECCOMP_UNCONFINED));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let s = m.host.sent_to(fd);
    let v = decode_run_reply(&s[0].bytes).unwrap();
    assert_eq!(v.op(v.n_ops() - 1).unwrap().op, op::SETSID);
    assert!(v.blob.is_empty());
    // A profile: its own program in the blob of this client.
    let fd = request(&mut m, run_msg(b"/d/app2", |r| {
        r.seccomp = SECCOMP_PROFILE;
        r.seccomp_default = SECCOMP_ACT_ALLOW;
        r.seccomp_action = SECCOMP_ACT_ERRNO;
        r.seccomp_names = b"mkdir\0mkdirat\0";
    }));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let s = m.host.sent_to(fd);
    let v = decode_run_reply(&s[0].bytes).unwrap();
    let sec = v.op(v.n_ops() - 1).unwrap();
    assert_eq!(sec.op, op::SECCOMP);
    assert_eq!(v.blob.len(), sec.b as usize * 8);
    let spawns = m.host.spawns.len();
    // An unknown name: refused with its index, no guard spawned.
    let fd = request(&mut m, run_msg(b"/d/app3", |r| {
        r.seccomp = SECCOMP_PROFILE;
        r.seccomp_default = SECCOMP_ACT_ALLOW;
        r.seccomp_action = SECCOMP_ACT_ERRNO;
        r.seccomp_names = b"mkdir\0mkdri\0";
    }));
    let (r, nfds, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step, r.index, nfds), (err::SECCOMP_INVALID, Errno::EINVAL.raw(), step::VALIDATE, 1, 0));
    assert_eq!(m.host.spawns.len(), spawns);
    assert!(m.host.logged("reason=seccomp_invalid errno=EINVAL"), "{:?}", m.host.log);
}

// ---------------------------------------------------------------- failures

#[test]
fn the_guards_own_error_wins_over_its_exit() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, GuardReport { err: err::DATA_DIR_INVALID, sys_errno: Errno::ELOOP.raw(), step: step::MKDIR_LAYER, index: 1, loop_dev: u32::MAX });
    // Report and exit in the same turn: the exit is seen first.
    exit(&mut m, pid);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step, r.index), (err::DATA_DIR_INVALID, Errno::ELOOP.raw(), step::MKDIR_LAYER, 1));
    assert_eq!(seed_code(r.err), err::PARAM_INVALID);
    assert!(m.host.logged("refuse guard=1000 code=ROCKER_ERR_param_invalid reason=data_dir_invalid errno=ELOOP (40) step=mkdir_layer index=1"));
    assert_eq!(m.live(), 0);
}

#[test]
fn an_exit_without_a_report_is_echild() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    exit(&mut m, pid);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno), (err::BUILD_ROCKER_FAILED, Errno::EPIPE.raw()), "EOF on notify first, then the exit");
    assert_eq!(m.live(), 0);
}

#[test]
fn a_client_that_leaves_takes_its_sandbox_with_it() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.on_client(slot_of(&m, fd), false);
    assert_eq!(m.host.kills, vec![(pid, 9)]);
    m.host.guard_says(pid, ok_report());
    exit(&mut m, pid);
    assert!(m.host.sent.is_empty());
    assert_eq!(m.live(), 0);
    assert!(m.host.state.is_empty());
}

#[test]
fn a_guard_stuck_in_setup_is_killed() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.now += SETUP_NS + 1;
    m.tick();
    assert_eq!(m.host.kills, vec![(pid, 9)]);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step), (err::BUILD_ROCKER_FAILED, Errno::ETIMEDOUT.raw(), step::GUARD_TIMEOUT));
}

#[test]
fn id_map_failure_is_reported_and_the_guard_killed() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.id_maps_fail = Some(rocker_spec::Fail::new(err::ID_MAP_FAILED, Errno::EPERM, step::UID_MAP));
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let (r, nfds, _) = reply(&m, fd);
    assert_eq!((r.err, r.step, nfds), (err::ID_MAP_FAILED, step::UID_MAP, 0));
    assert_eq!(m.host.kills, vec![(pid, 9)]);
    assert!(m.host.state.is_empty());
}

// ---------------------------------------------------------------- sharing, deferral

#[test]
fn a_data_dir_in_use_defers_then_refuses() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let fd2 = request(&mut m, run_msg(b"/d/app", |_| {}));
    assert!(m.has_deferred());
    assert_eq!(m.host.spawns.len(), 1);
    // Still held after DEFER_NS: EBUSY.
    m.host.now += DEFER_NS;
    m.tick();
    let (r, _, _) = reply(&m, fd2);
    assert_eq!((r.err, r.sys_errno), (err::DATA_DIR_INVALID, Errno::EBUSY.raw()));
    // Freed in time: started.
    let _fd3 = request(&mut m, run_msg(b"/d/app", |_| {}));
    exit(&mut m, pid);
    m.tick();
    assert_eq!(m.host.spawns.len(), 2);
}

#[test]
fn at_most_defer_max_requests_wait() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let waiting: Vec<i32> = (0..DEFER_MAX).map(|_| request(&mut m, run_msg(b"/d/app", |_| {}))).collect();
    assert!(waiting.iter().all(|&fd| m.host.sent_to(fd).is_empty()));
    // One more: answered at once.
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno), (err::BUSY, Errno::EBUSY.raw()));
    // The first waiter starts when the dir is free; the rest find it held.
    exit(&mut m, pid);
    m.tick();
    assert_eq!(m.host.spawns.len(), 2);
    assert!(m.has_deferred());
}

#[test]
fn a_burst_of_one_package_starts_even_when_no_slot_is_left_to_wait_in() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/a", |_| {}));
    let pid = spawned_pid(&m);
    // The package is starting: DEFER_MAX requests wait to share its loop
    // device, the next one starts at once with a device of its own.
    let dirs: [&'static [u8]; 5] = [b"/d/b", b"/d/c", b"/d/d", b"/d/e", b"/d/f"];
    let fds: Vec<i32> = dirs.iter().map(|d| request(&mut m, run_msg(d, |_| {}))).collect();
    assert!(fds.iter().all(|&fd| m.host.sent_to(fd).is_empty()), "nobody is refused");
    assert_eq!(m.host.spawns.len(), 2);
    assert_eq!(m.host.spawns[1].loop_hint, None);
    // A waiter goes once no sandbox of the package is starting any more
    // (then the next waits for it, and so on).
    let mut ready = vec![pid, spawned_pid(&m)];
    while let Some(p) = ready.pop() {
        m.host.guard_says(p, ok_report());
        m.on_guard(box_of(&m, p));
        m.tick();
        if ready.is_empty() && m.host.spawns.len() < 2 + DEFER_MAX {
            ready.push(spawned_pid(&m));
        }
    }
    assert_eq!(m.host.spawns.len(), 2 + DEFER_MAX);
    assert!(m.host.spawns[2..].iter().all(|s| s.loop_hint == Some(7)));
}

#[test]
fn a_second_sandbox_of_a_package_shares_its_loop_device() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/a", |_| {}));
    let pid = spawned_pid(&m);
    // Same package, still starting: deferred until the first reports.
    request(&mut m, run_msg(b"/d/b", |_| {}));
    assert_eq!(m.host.spawns.len(), 1);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    m.tick();
    assert_eq!(m.host.spawns.len(), 2);
    assert_eq!((m.host.spawns[0].loop_hint, m.host.spawns[1].loop_hint), (None, Some(7)));
}

#[test]
fn a_legacy_loop_left_without_auto_clear_is_detached() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |r| r.run_flags = RUN_LEGACY_LOOP));
    let pid = spawned_pid(&m);
    let mut claim = [0u8; GUARD_LOOP_SIZE];
    encode_guard_loop(5, &mut claim);
    m.host.guard_raw(pid, claim.to_vec());
    m.on_guard(box_of(&m, pid));
    // Killed between LOOP_SET_FD and LOOP_SET_STATUS64: no report.
    m.host.exited.push_back((pid, syscalls::WaitStatus::Signaled(9)));
    m.on_children();
    assert_eq!(m.host.loop_cleanups, vec![(5, crate::state::PkgId(1, 2, 3, 4))]);
    assert!(m.host.logged("detached loop5"));
}

// ---------------------------------------------------------------- adoption

pub(crate) fn record(pid: i32, name: &str, data: (u64, u64)) -> Record {
    let mut r = Record::EMPTY;
    r.pid = pid;
    r.pname[..name.len()].copy_from_slice(name.as_bytes());
    r.data_id = data;
    r.pkg_id = crate::state::PkgId(1, 2, 3, 4);
    r.loop_dev = 3;
    r.proc_start = 77;
    r
}

#[test]
fn a_restarted_master_adopts_the_live_sandboxes() {
    let mut m = master(Config::default());
    let app_id = b"/d/app".iter().fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    m.host.state.insert(b"rg-aaaaaaaaaaaa".to_vec(), record(4000, "rg-aaaaaaaaaaaa", (9, app_id)));
    m.host.state.insert(b"rg-bbbbbbbbbbbb".to_vec(), record(4001, "rg-bbbbbbbbbbbb", (9, 99)));
    m.host.alive.insert(4000);
    m.adopt_previous();
    assert_eq!(m.live(), 1);
    assert!(m.host.logged("adopt guard=4000 name=rg-aaaaaaaaaaaa"));
    assert!(m.host.logged("stale record rg-bbbbbbbbbbbb removed"));
    assert_eq!(m.host.state.len(), 1);
    // Listed.
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    assert_eq!(ListReply::decode(&m.host.sent_to(lfd)[0].bytes).unwrap().get(0).unwrap().guard_pid, 4000);
    // Its data dir is in use, its loop device shared.
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    assert!(m.has_deferred());
    m.host.now += DEFER_NS;
    m.tick();
    assert_eq!(reply(&m, fd).0.sys_errno, Errno::EBUSY.raw());
    request(&mut m, run_msg(b"/d/other", |_| {}));
    assert_eq!(m.host.spawns[0].loop_hint, Some(3));
    // It ends: its pidfd turns readable.
    let b = box_of(&m, 4000);
    m.on_guard(b);
    assert!(!m.host.state.contains_key(&b"rg-aaaaaaaaaaaa"[..]));
    assert!(m.host.logged("exit guard=4000 name=rg-aaaaaaaaaaaa (adopted)"));
    // SIGTERM also ends adopted sandboxes.
    let mut m = master(Config::default());
    m.host.state.insert(b"rg-cccccccccccc".to_vec(), record(4002, "rg-cccccccccccc", (9, 7)));
    m.host.alive.insert(4002);
    m.adopt_previous();
    m.shutdown();
    assert_eq!(m.host.pidfd_kills.len(), 1);
    assert_eq!(m.host.pidfd_kills[0].1, 9);
    assert!(m.host.pidfd_kills[0].0 >= FD0);
}

#[test]
fn shutdown_kills_every_guard() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/a", |_| {}));
    let p1 = spawned_pid(&m);
    m.host.guard_says(p1, ok_report());
    m.on_guard(box_of(&m, p1));
    request(&mut m, run_msg(b"/d/b", |r| r.pkg = b"/apps/b.sqfs"));
    m.host.pkg = Some(Ok(crate::state::PkgId(5, 5, 5, 5)));
    let p2 = spawned_pid(&m);
    m.shutdown();
    let mut k = m.host.kills.clone();
    k.sort();
    assert_eq!(k, vec![(p1, 9), (p2, 9)]);
    exit(&mut m, p1);
    assert!(!m.all_gone());
    exit(&mut m, p2);
    assert!(m.all_gone());
    assert!(m.host.state.is_empty());
}

// ---------------------------------------------------------------- paths and isolation

#[test]
fn no_overlay_named_means_every_top_level_dir() {
    let mut m = master(Config::default());
    m.host.root.push(("lib".into(), Some("usr/lib".into())));
    request(&mut m, run_msg(b"/d/app", |r| r.n_overlay = 0));
    let sp = &m.host.spawns[0];
    // Not /proc /sys /dev /run, not /tmp (private), not the /lib symlink.
    assert_eq!(sp.overlays, ["/bin", "/etc", "/home", "/root", "/usr", "/var"]);
    assert_eq!(sp.tmp_kb, rocker_spec::TMP_SIZE_KB);
    // With the host's /tmp, /tmp is overlaid too.
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |r| {
        r.n_overlay = 0;
        r.share = rocker_proto::SHARE_TMP;
    }));
    assert!(m.host.spawns[0].overlays.contains(&"/tmp".to_string()));
    assert_eq!(m.host.spawns[0].tmp_kb, 0);
}

#[test]
fn a_top_level_symlink_is_handled_as_its_target() {
    let mut m = master(Config::default());
    // OpenWrt: /var -> /tmp
    m.host.root.retain(|(n, _)| n != "var");
    m.host.root.push(("var".into(), Some("/tmp".into())));
    request(&mut m, run_msg(b"/var/app/data", |r| {
        r.exec_dir = b"/var/app/exec";
        r.overlays[0] = b"/var";
        r.n_overlay = 1;
    }));
    let sp = &m.host.spawns[0];
    assert_eq!(sp.overlays, ["/tmp"]);
    assert_eq!((sp.exec_dir.as_slice(), sp.data_dir.as_slice()), (&b"/tmp/app/exec"[..], &b"/tmp/app/data"[..]));
    assert_eq!(sp.tmp_kb, 0, "an overlaid /tmp is not also a private tmpfs");
    assert!(m.host.logged("/var is a symlink to a top-level dir: using /tmp"));
    // A symlink elsewhere, or to a non-dir, is left alone (the guard refuses it).
    let mut m = master(Config::default());
    m.host.root.push(("opt".into(), Some("/nonexistent".into())));
    request(&mut m, run_msg(b"/opt/data", |_| {}));
    assert_eq!(m.host.spawns[0].data_dir, b"/opt/data");
    // No overlay named (the seed's rule): the link's target is overlaid
    // once, and the log says so.
    let mut m = master(Config::default());
    m.host.root.retain(|(n, _)| n != "var");
    m.host.root.push(("var".into(), Some("/srv".into())));
    m.host.root.push(("srv".into(), None));
    request(&mut m, run_msg(b"/d/app", |r| r.n_overlay = 0));
    assert!(m.host.spawns[0].overlays.contains(&"/srv".to_string()));
    assert!(!m.host.spawns[0].overlays.contains(&"/var".to_string()));
    assert!(m.host.logged("/var is a symlink to a top-level dir: using /srv"), "{:?}", m.host.log);
}

#[test]
fn isolation_namespaces_by_default() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |_| {}));
    let all = Ns::NEWNS.union(Ns::NEWPID).union(Ns::NEWUTS).union(Ns::NEWIPC);
    assert_eq!(m.host.spawns[0].ns, all.bits());
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let joined: Vec<u32> = m.host.opened_ns.iter().map(|&(_, n)| n).collect();
    assert_eq!(joined, [Ns::NEWNS, Ns::NEWPID, Ns::NEWUTS, Ns::NEWIPC, Ns::NEWUSER].map(|n| n.bits()));
    // A v1 client joins mnt, pid, user only: the sandbox has no more.
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |r| r.reply_max = 0));
    assert_eq!(m.host.spawns[0].ns, Ns::NEWNS.union(Ns::NEWPID).bits());
    // --share ipc, uts.
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", |r| r.share = rocker_proto::SHARE_IPC | rocker_proto::SHARE_UTS));
    assert_eq!(m.host.spawns[0].ns, Ns::NEWNS.union(Ns::NEWPID).bits());
}

#[test]
fn bad_isolation_settings_are_refused() {
    for (what, f) in [
        ("hostname", (|r: &mut RunReq<'static>| r.hostname = b"a/b") as fn(&mut RunReq<'static>)),
        ("device outside /dev", |r| {
            r.devices[0] = b"/etc/passwd";
            r.n_devices = 1;
        }),
        ("bridge without a name", |r| r.net = rocker_proto::NET_BRIDGE),
    ] {
        let mut m = master(Config::default());
        let fd = request(&mut m, run_msg(b"/d/app", f));
        let (r, _, _) = reply(&m, fd);
        assert_eq!((r.err, r.step), (err::ISOLATION_INVALID, step::VALIDATE), "{what}");
        assert_eq!(seed_code(r.err), err::PARAM_INVALID);
    }
}

// ---------------------------------------------------------------- network

/// Starts a sandbox with `f` applied to the request and lets its guard
/// report success; returns (client fd, guard pid).
fn started(m: &mut Master<'static, Fake>, data: &'static [u8], f: impl FnOnce(&mut RunReq<'static>)) -> (i32, i32) {
    let fd = request(m, run_msg(data, f));
    let pid = spawned_pid(m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(m, pid));
    (fd, pid)
}

fn listed(m: &mut Master<'static, Fake>) -> Vec<rocker_proto::ListEntry> {
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(m, lfd), true);
    ListReply::decode(&m.host.sent_to(lfd)[0].bytes).unwrap().iter().collect()
}

#[test]
fn net_none_is_a_network_namespace_of_its_own_and_no_work_for_the_master() {
    let mut m = master(Config::default());
    let (fd, _pid) = started(&mut m, b"/d/a", |r| r.net = rocker_proto::NET_NONE);
    assert_eq!(m.host.spawns[0].ns & rocker_spec::Ns::NEWNET.bits(), rocker_spec::Ns::NEWNET.bits());
    // `lo` is brought up by the guard (its plan's LoUp step), not here.
    assert!(m.host.net_calls.is_empty(), "{:?}", m.host.net_calls);
    let (r, nfds, v2) = reply(&m, fd);
    assert_eq!((r.err, v2), (0, true));
    assert!(nfds > 0);
    assert!(m.host.logged("net=none"));
    let e = &listed(&mut m)[0];
    assert_eq!((e.net, e.addr), (rocker_proto::NET_NONE, [0; 4]));
}

#[test]
fn bridge_addresses_are_allocated_without_collisions() {
    let mut m = master(Config::default());
    let bridge = |r: &mut RunReq<'static>| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"rk0";
    };
    let (_, p1) = started(&mut m, b"/d/a", bridge);
    let (_, p2) = started(&mut m, b"/d/b", bridge);
    assert!(m.host.logged("bridge rk0 created 10.88.0.1/16"));
    assert_eq!(
        m.host.net_calls,
        vec![
            "bridge rk0".to_string(),
            format!("net_up {p1} rg-000000000001 rk0 10.88.0.2/16 via 10.88.0.1"),
            "bridge rk0".to_string(),
            format!("net_up {p2} rg-000000000002 rk0 10.88.0.3/16 via 10.88.0.1"),
        ]
    );
    assert!(m.host.logged("net=10.88.0.3/16@rk0"));
    let l = listed(&mut m);
    assert_eq!(l.iter().map(|e| (e.net, e.addr, e.prefix)).collect::<Vec<_>>(), vec![(2, [10, 88, 0, 2], 16), (2, [10, 88, 0, 3], 16)]);
    // The record keeps the address (a restarted master knows it is taken).
    assert_eq!(m.host.state[&b"rg-000000000002"[..]].addr, [10, 88, 0, 3]);
    // Freed when its sandbox ends, then given again.
    exit(&mut m, p1);
    let (_, p3) = started(&mut m, b"/d/c", bridge);
    assert_eq!(m.host.net_calls.last().unwrap(), &format!("net_up {p3} rg-000000000003 rk0 10.88.0.2/16 via 10.88.0.1"));
    // An asked address: taken, outside the subnet, the gateway: refused.
    for (addr, errno) in [([10, 88, 0, 3], Errno::EADDRINUSE), ([10, 89, 0, 3], Errno::EADDRNOTAVAIL), ([10, 88, 0, 1], Errno::EADDRNOTAVAIL), ([10, 88, 255, 255], Errno::EADDRNOTAVAIL)] {
        let fd = request(&mut m, run_msg(b"/d/x", |r| {
            bridge(r);
            r.addr = addr;
            r.prefix = 16;
        }));
        let (r, nfds, _) = reply(&m, fd);
        assert_eq!((r.err, r.sys_errno, r.step, nfds), (err::NET_FAILED, errno.raw(), step::NET, 0), "{addr:?}");
    }
    // A free asked address is used.
    let (_, p4) = started(&mut m, b"/d/y", |r| {
        bridge(r);
        r.addr = [10, 88, 7, 7];
        r.prefix = 16;
    });
    assert!(m.host.net_calls.last().unwrap().starts_with(&format!("net_up {p4} rg-")));
    assert!(m.host.net_calls.last().unwrap().ends_with(" rk0 10.88.7.7/16 via 10.88.0.1"));
    // SIGTERM: the sandboxes end, the bridge this master made goes.
    m.shutdown();
    assert_eq!(m.host.net_calls.last().unwrap(), "bridge_remove rk0");
    assert!(m.host.logged("bridge rk0 removed"));
}

#[test]
fn an_existing_bridge_is_used_and_kept() {
    let mut m = master(Config::default());
    m.host.bridges.insert(b"br-lan".to_vec(), rocker_net::Addr4 { addr: [192, 168, 1, 1], prefix: 24 });
    let (_, pid) = started(&mut m, b"/d/a", |r| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"br-lan";
        r.gateway = [192, 168, 1, 254];
    });
    assert_eq!(m.host.net_calls.last().unwrap(), &format!("net_up {pid} rg-000000000001 br-lan 192.168.1.2/24 via 192.168.1.254"));
    m.shutdown();
    assert!(!m.host.net_calls.iter().any(|c| c.starts_with("bridge_remove")));
    // A bridge without an IPv4 address: refused.
    let mut m = master(Config::default());
    m.host.bridges.insert(b"bare".to_vec(), rocker_net::Addr4::default());
    let fd = request(&mut m, run_msg(b"/d/a", |r| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"bare";
    }));
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno), (err::NET_FAILED, Errno::EADDRNOTAVAIL.raw()));
    assert!(m.host.spawns.is_empty());
}

#[test]
fn a_network_failure_ends_the_sandbox_and_is_reported() {
    let mut m = master(Config::default());
    m.host.net_fail = Some(Errno::EEXIST);
    let (fd, pid) = started(&mut m, b"/d/a", |r| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"rk0";
    });
    let (r, nfds, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step, nfds), (err::NET_FAILED, Errno::EEXIST.raw(), step::NET, 0));
    assert_eq!(m.host.kills, vec![(pid, 9)]);
    assert!(m.host.state.is_empty());
    // Its address is free again once it is reaped.
    exit(&mut m, pid);
    m.host.net_fail = None;
    let (_, p2) = started(&mut m, b"/d/b", |r| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"rk0";
    });
    assert!(m.host.net_calls.last().unwrap().contains(&format!("{p2} rg-000000000002 rk0 10.88.0.2/16")));
}

#[test]
fn a_v1_client_cannot_ask_for_a_network() {
    let mut m = master(Config::default());
    let mut r = RunReq::EMPTY;
    (r.uid, r.gid, r.pkg, r.exec_dir, r.data_dir) = (1000, 1000, b"/a.sqfs", b"/var/x", b"/d/a");
    r.net = rocker_proto::NET_NONE;
    let mut b = vec![0u8; RUN_REQ_SIZE];
    encode_run_req(&r, &mut b).unwrap();
    let fd = request(&mut m, b);
    let (r, _, _) = reply(&m, fd);
    assert_eq!(r.err, err::UNSUPPORTED);
    assert!(m.host.spawns.is_empty() && m.host.net_calls.is_empty());
}

#[test]
fn a_restarted_master_still_removes_the_bridge_rocker_made() {
    let mut m = master(Config::default());
    started(&mut m, b"/d/a", |r| {
        r.net = rocker_proto::NET_BRIDGE;
        r.bridge = b"rk0";
    });
    assert!(m.host.bridge_marks.contains(&b"rk0"[..]));
    // The master dies (SIGKILL): a new one over the same state dir.
    let host = std::mem::take(&mut m.host);
    let t: &'static mut Tables = Box::leak(Box::new(Tables::new()));
    let mut m2 = Master::new(host, t, Config::default());
    m2.host.alive.insert(1000);
    m2.adopt_previous();
    m2.shutdown();
    assert_eq!(m2.host.net_calls.last().unwrap(), "bridge_remove rk0");
    assert!(m2.host.bridge_marks.is_empty());
}

// ---------------------------------------------------------------- root mode

fn root_msg(data: &'static [u8], f: impl FnOnce(&mut RunReq<'static>)) -> Vec<u8> {
    run_msg(data, |r| {
        r.root = rocker_proto::ROOT_PKG;
        r.exec_dir = b"";
        r.n_overlay = 0;
        f(r);
    })
}

#[test]
fn root_mode_overlays_nothing_of_the_host() {
    let mut m = master(Config::default());
    m.host.root.push(("lib".into(), Some("usr/lib".into())));
    let fd = request(&mut m, root_msg(b"/d/app", |r| r.cwd = b"/srv/app"));
    let sp = &m.host.spawns[0];
    assert!(sp.overlays.is_empty() && sp.exec_dir.is_empty(), "no auto-overlay, no exec dir");
    assert_eq!((sp.data_dir.as_slice(), sp.tmp_kb), (&b"/d/app"[..], rocker_spec::TMP_SIZE_KB));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    // The App's working directory: before the seccomp filter (the last
    // op), its path in the blob, the program after it 8-aligned.
    let s = m.host.sent_to(fd);
    let v = decode_run_reply(&s[0].bytes).unwrap();
    let cd = v.op(v.n_ops() - 2).unwrap();
    assert_eq!((cd.op, cd.step, cd.a, cd.b), (op::CHDIR, rocker_proto::step::CHDIR, 0, 9));
    assert_eq!(&v.blob[..9], b"/srv/app\0");
    let sec = v.op(v.n_ops() - 1).unwrap();
    assert_eq!((sec.op, sec.a, sec.b), (op::SECCOMP, 16, rocker_seccomp::DEFAULT_FILTER_LEN as u64));
    assert_eq!(v.blob.len(), 16 + rocker_seccomp::DEFAULT_FILTER_LEN * 8);
    // An exec dir or a named overlay in root mode: refused.
    let fd = request(&mut m, root_msg(b"/d/x", |r| r.exec_dir = b"/opt/x"));
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step), (err::ROOT_INVALID, Errno::EINVAL.raw(), rocker_proto::step::VALIDATE));
}

#[test]
fn root_mode_holds_its_data_dir_unless_read_only() {
    let mut m = master(Config::default());
    request(&mut m, root_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    // The upper layer is in the data dir: a second sandbox on it waits.
    request(&mut m, root_msg(b"/d/app", |_| {}));
    assert!(m.has_deferred());
    assert_eq!(m.host.spawns.len(), 1);
    // Read-only: nothing is written there, so nothing is held.
    let mut m = master(Config::default());
    for _ in 0..2 {
        request(&mut m, root_msg(b"/d/ro", |r| r.root_flags = rocker_proto::ROOT_RO));
        let pid = spawned_pid(&m);
        m.host.guard_says(pid, ok_report());
        m.on_guard(box_of(&m, pid));
    }
    assert_eq!(m.host.spawns.len(), 2);
    // ... and both share the package's loop device.
    assert_eq!((m.host.spawns[0].loop_hint, m.host.spawns[1].loop_hint), (None, Some(7)));
}

#[test]
fn a_group_member_binds_only_what_it_owns() {
    let mut m = master(Config { group: Some(1000), ..Default::default() });
    m.host.group_pids.insert(1500);
    for (bind_uid, ok) in [(0, false), (u32::MAX, false), (1000, true)] {
        m.host.dirs.insert(b"/d/member".to_vec(), DirInfo { data_id: (1, 3), data_uid: 1000, bind_uid });
        let fd = m.host.connect(1000);
        m.on_accept();
        m.host.say(
            fd,
            root_msg(b"/d/member", |r| {
                r.binds[0] = rocker_proto::Bind { src: b"/srv/x", dst: b"/x" };
                r.n_binds = 1;
            }),
            1,
        );
        m.on_client(slot_of(&m, fd), true);
        if ok {
            assert!(m.host.sent_to(fd).is_empty());
        } else {
            let (r, _, _) = reply(&m, fd);
            assert_eq!((r.err, r.sys_errno, r.step), (err::PERMISSION_DENIED, Errno::EACCES.raw(), rocker_proto::step::PEER_CRED));
        }
    }
}

#[test]
fn trim_keeps_live_sandboxes_and_empties_ended_ones() {
    let mut m = master(Config::default());
    let (_, a) = started(&mut m, b"/d/a", |_| {});
    let (_, b) = started(&mut m, b"/d/b", |_| {});
    exit(&mut m, a);
    m.trim();
    let l = listed(&mut m);
    assert_eq!(l.iter().map(|e| e.guard_pid).collect::<Vec<_>>(), vec![b]);
    let (_, c) = started(&mut m, b"/d/c", |_| {});
    let mut got: Vec<i32> = listed(&mut m).iter().map(|e| e.guard_pid).collect();
    got.sort();
    assert_eq!(got, vec![b, c]);
    exit(&mut m, b);
    exit(&mut m, c);
    m.trim();
    assert!(m.all_gone());
}
