//! Resource limits on the fake host: the sandbox's cgroup is made before
//! its guard, its fds reach the App's recipe, it is removed after every
//! end (exit, failure at each step, kill, stop, a crashed master's restart);
//! refused limits leave nothing; OOM kills are logged once; `ps` shows use.
use crate::tests::{box_of, exit, master, ok_report, record, reply, request, run_msg, slot_of, spawned_pid};
use crate::*;
use rocker_cgroup::Usage;
use rocker_proto::{decode_run_reply, encode_list_req, op, ListReply, Rlimit, RunReq, LIST_ENTRY_SIZE, LIST_REQ_SIZE};
use std::string::String;
use std::vec::Vec;

const NAME: &str = "rg-000000000001";

fn limited(r: &mut RunReq<'static>) {
    r.mem_max = 16 << 20;
    r.pids_max = 20;
    r.cpu_quota_us = 50_000;
    r.rlimits[0] = Rlimit { resource: 7, cur: 64, max: 128 };
    r.rlimits[1] = Rlimit { resource: 4, cur: 0, max: 0 };
    r.n_rlimits = 2;
}

fn calls(m: &Master<'static, crate::fake::Fake>) -> Vec<String> {
    m.host.calls.clone()
}

fn ops(bytes: &[u8]) -> Vec<rocker_proto::Op> {
    let v = decode_run_reply(bytes).unwrap();
    (0..v.n_ops()).map(|i| v.op(i).unwrap()).collect()
}

#[test]
fn the_cgroup_is_made_before_the_guard_and_joined_by_the_app() {
    let mut m = master(Config::default());
    m.host.cg_fds = 3; // v1: memory, cpu, pids
    let fd = request(&mut m, run_msg(b"/d/app", limited));
    assert_eq!(calls(&m), [format!("cg_create {NAME}"), format!("spawn {NAME}")]);
    let l = m.host.cgroups[NAME];
    assert_eq!((l.mem_max, l.pids_max, l.cpu_max, l.swap_max), (Some(16 << 20), Some(20), Some((50_000, 100_000)), None));
    assert_eq!(m.host.spawns[0].cg_fds, 3, "the guard is cloned into it");
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let s = m.host.sent_to(fd)[0].clone();
    let v = decode_run_reply(&s.bytes).unwrap();
    // ctl, 3 cgroup.procs, 5 namespaces
    assert_eq!((v.rep.err, v.rep.n_fds, s.fds), (0, 9, 9));
    let ops = ops(&s.bytes);
    // The helper joins every hierarchy first (still host root, so kernels
    // before 5.16 let it write cgroup.procs), with the fds sent for it.
    for (k, o) in ops.iter().take(3).enumerate() {
        assert_eq!((o.op, o.step, o.a), (op::JOIN_CGROUP, step::JOIN_CGROUP, k as u32 + 1));
    }
    let cg_fds: Vec<i32> = s.fd_list[1..4].to_vec();
    assert!(cg_fds.iter().all(|&f| f >= crate::fake::FD0), "{cg_fds:?}");
    // The rlimits: in the App, after its clone, in the order asked.
    let app = ops.iter().position(|o| o.op == op::APP).unwrap();
    let pr: Vec<(usize, u32, u64, u64)> =
        ops.iter().enumerate().filter(|(_, o)| o.op == op::PRLIMIT).map(|(i, o)| (i, o.a, o.b, o.c)).collect();
    assert_eq!(pr.len(), 2);
    assert!(pr.iter().all(|&(i, ..)| i > app));
    assert_eq!(pr.iter().map(|&(_, a, b, c)| (a, b, c)).collect::<Vec<_>>(), [(7, 64, 128), (4, 0, 0)]);
    assert!(ops.iter().filter(|o| o.op == op::PRLIMIT).all(|o| o.step == step::PRLIMIT));
    // Running: listed with its use and limit.
    m.host.usage.insert(NAME.into(), Usage { memory: 3 << 20, pids: 4, oom_kills: 0 });
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    let e = ListReply::decode(&m.host.sent_to(lfd)[0].bytes).unwrap().get(0).unwrap();
    assert_eq!((e.pids, e.mem_bytes, e.mem_max), (4, 3 << 20, 16 << 20));
    assert_eq!(m.host.state[NAME.as_bytes()].mem_max, 16 << 20);
    // The end: removed after the guard is reaped.
    exit(&mut m, pid);
    assert_eq!(calls(&m).last().unwrap(), &format!("cg_remove {NAME}"));
    assert!(m.host.cgroups.is_empty());
}

/// Without its memory controller (no memory limit and no
/// `--memory-accounting`, see rocker_cgroup), a sandbox's memory is unknown:
/// LIST says 0 (`rocker ps` shows `-`), its pids still count, and no OOM
/// line is ever logged for it.
#[test]
fn ps_shows_no_memory_where_the_memory_controller_is_off() {
    let mut m = master(Config::default());
    let _fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let unknown = rocker_cgroup::UNKNOWN;
    m.host.usage.insert(NAME.into(), Usage { memory: unknown, pids: 2, oom_kills: unknown });
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    let e = ListReply::decode(&m.host.sent_to(lfd)[0].bytes).unwrap().get(0).unwrap();
    assert_eq!((e.pids, e.mem_bytes, e.mem_max), (2, 0, 0));
    exit(&mut m, pid);
    assert_eq!(m.host.logged_n("oom guard="), 0);
    assert!(m.host.cgroups.is_empty());
}

#[test]
fn without_limits_a_sandbox_still_gets_its_cgroup() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    assert_eq!(m.host.cgroups[NAME], rocker_spec::Limits::default());
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    assert_eq!(ops(&m.host.sent_to(fd)[0].bytes)[0].op, op::JOIN_CGROUP);
    // No cgroups on this host: no join op, no fd, no error.
    let mut m = master(Config::default());
    m.host.cg_fds = 0;
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    let s = &m.host.sent_to(fd)[0];
    assert_eq!(s.fds, 6);
    assert!(ops(&s.bytes).iter().all(|o| o.op != op::JOIN_CGROUP));
    // A seed-era client joins nothing: the cgroup holds the guard only.
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |r| r.reply_max = 0));
    let pid = spawned_pid(&m);
    assert_eq!(m.host.spawns[0].cg_fds, 1);
    m.host.guard_says(pid, ok_report());
    m.on_guard(box_of(&m, pid));
    assert_eq!(m.host.sent_to(fd)[0].fds, 4);
}

#[test]
fn limits_out_of_range_are_refused_before_anything_is_made() {
    for (what, f, step_, index) in [
        ("memory below 1 MiB", (|r: &mut RunReq<'static>| r.mem_max = 4096) as fn(&mut RunReq<'static>), step::CGROUP, 0),
        ("pids below 3", |r| r.pids_max = 2, step::CGROUP, 0),
        ("cpu quota below 1 ms", |r| r.cpu_quota_us = 999, step::CGROUP, 0),
        ("cpu period above 1 s", |r| (r.cpu_quota_us, r.cpu_period_us) = (1000, 1_000_001), step::CGROUP, 0),
        ("period without quota", |r| r.cpu_period_us = 100_000, step::CGROUP, 0),
        ("cpu weight above 10000", |r| r.cpu_weight = 10_001, step::CGROUP, 0),
        ("swap without memory", |r| r.limit_flags = rocker_proto::LIMIT_SWAP, step::CGROUP, 0),
        (
            "rlimit resource 16",
            |r| {
                r.rlimits[1] = Rlimit { resource: 16, cur: 1, max: 1 };
                r.n_rlimits = 2;
            },
            step::PRLIMIT,
            1,
        ),
        (
            "soft above hard",
            |r| {
                r.rlimits[0] = Rlimit { resource: 7, cur: 2, max: 1 };
                r.n_rlimits = 1;
            },
            step::PRLIMIT,
            0,
        ),
    ] {
        let mut m = master(Config::default());
        let fd = request(&mut m, run_msg(b"/d/app", f));
        let (r, nfds, _) = reply(&m, fd);
        assert_eq!((r.err, r.sys_errno, r.step, r.index, nfds), (err::LIMIT_INVALID, Errno::EINVAL.raw(), step_, index, 0), "{what}");
        assert!(calls(&m).is_empty(), "{what}: {:?}", calls(&m));
        assert_eq!(rocker_proto::seed_code(r.err), err::PARAM_INVALID);
    }
}

#[test]
fn a_limit_the_host_cannot_enforce_is_refused_and_leaves_nothing() {
    let mut m = master(Config::default());
    m.host.cg_fail = Some(Fail::new(err::LIMIT_UNSUPPORTED, Errno::ENOENT, step::CGROUP).index(1));
    let fd = request(&mut m, run_msg(b"/d/app", |r| {
        r.mem_max = 16 << 20;
        r.limit_flags = rocker_proto::LIMIT_SWAP;
    }));
    let (r, nfds, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step, r.index, nfds), (err::LIMIT_UNSUPPORTED, Errno::ENOENT.raw(), step::CGROUP, 1, 0));
    assert_eq!(calls(&m), [format!("cg_create {NAME}")], "no guard, nothing to remove");
    assert!(m.host.logged("reason=limit_unsupported errno=ENOENT (2) step=cgroup index=1"));
    assert_eq!(m.live(), 0);
}

#[test]
fn a_failed_start_removes_the_cgroup_at_every_step() {
    // The guard cannot be cloned: removed at once.
    let mut m = master(Config::default());
    m.host.spawn_fail = Some(Fail::new(err::BUILD_ROCKER_FAILED, Errno::ENOMEM, step::CLONE_GUARD));
    let fd = request(&mut m, run_msg(b"/d/app", limited));
    assert_eq!(reply(&m, fd).0.sys_errno, Errno::ENOMEM.raw());
    assert_eq!(calls(&m), [format!("cg_create {NAME}"), format!("spawn {NAME}"), format!("cg_remove {NAME}")]);
    assert!(m.host.cgroups.is_empty());

    // Ends after the guard exists: removed once it is reaped, not before.
    type Case = fn(&mut Master<'static, crate::fake::Fake>, i32, i32);
    let cases: [(&str, Case); 6] = [
        ("guard's own error", |m, pid, _| {
            m.host.guard_says(pid, GuardReport { err: err::DATA_DIR_INVALID, sys_errno: 40, step: step::MKDIR_LAYER, index: 0, loop_dev: u32::MAX });
            m.on_guard(box_of(m, pid));
        }),
        ("stuck in setup", |m, _, _| {
            m.host.now += SETUP_NS + 1;
            m.tick();
        }),
        ("client left", |m, _, fd| m.on_client(slot_of(m, fd), false)),
        ("id maps", |m, pid, _| {
            m.host.id_maps_fail = Some(Fail::new(err::ID_MAP_FAILED, Errno::EPERM, step::UID_MAP));
            m.host.guard_says(pid, ok_report());
            m.on_guard(box_of(m, pid));
        }),
        ("the guard could not join (no CLONE_INTO_CGROUP)", |m, pid, _| {
            m.host.guard_says(pid, GuardReport { err: err::CGROUP_FAILED, sys_errno: Errno::EACCES.raw(), step: step::CGROUP_JOIN, index: 0, loop_dev: u32::MAX });
            m.on_guard(box_of(m, pid));
        }),
        ("killed with SIGKILL while running", |m, pid, _| {
            m.host.guard_says(pid, ok_report());
            m.on_guard(box_of(m, pid));
        }),
    ];
    for (what, end) in cases {
        let mut m = master(Config::default());
        let fd = request(&mut m, run_msg(b"/d/app", limited));
        let pid = spawned_pid(&m);
        end(&mut m, pid, fd);
        assert!(!m.host.calls.iter().any(|c| c.starts_with("cg_remove")), "{what}: not while the guard lives");
        assert!(m.host.cgroups.contains_key(NAME), "{what}");
        if let Some(&nfd) = m.host.notify_of.get(&pid) {
            m.host.guard_inbox.entry(nfd).or_default().push_back(Vec::new());
        }
        m.host.exited.push_back((pid, syscalls::WaitStatus::Signaled(9)));
        m.on_children();
        assert_eq!(calls(&m).last().unwrap(), &format!("cg_remove {NAME}"), "{what}");
        assert!(m.host.cgroups.is_empty(), "{what}");
        assert_eq!(m.live(), 0, "{what}");
    }
}

#[test]
fn the_guards_join_failure_is_reported_as_such() {
    let mut m = master(Config::default());
    let fd = request(&mut m, run_msg(b"/d/app", |_| {}));
    let pid = spawned_pid(&m);
    m.host.guard_says(pid, GuardReport { err: err::CGROUP_FAILED, sys_errno: Errno::EACCES.raw(), step: step::CGROUP_JOIN, index: 0, loop_dev: u32::MAX });
    exit(&mut m, pid);
    let (r, _, _) = reply(&m, fd);
    assert_eq!((r.err, r.sys_errno, r.step), (err::CGROUP_FAILED, Errno::EACCES.raw(), step::CGROUP_JOIN));
    assert_eq!(rocker_proto::seed_code(r.err), err::BUILD_ROCKER_FAILED);
}

#[test]
fn an_oom_kill_is_logged_once() {
    // v2: memory.events is polled while the sandbox runs.
    let mut m = master(Config::default());
    m.host.v2 = true;
    request(&mut m, run_msg(b"/d/app", limited));
    let pid = spawned_pid(&m);
    let b = box_of(&m, pid);
    m.host.guard_says(pid, ok_report());
    m.on_guard(b);
    let (fd, ev) = m.box_fd(b).expect("memory.events watched");
    assert_eq!(ev, syscalls::sys::general::POLLPRI as i16);
    assert_eq!(m.host.events[&fd], NAME);
    m.host.usage.insert(NAME.into(), Usage { memory: 16 << 20, pids: 2, oom_kills: 1 });
    m.on_guard(b);
    let line = format!("oom guard={pid} name={NAME}: out of memory, 1 process(es) killed (memory limit 16777216)");
    assert!(m.host.logged(&line), "{:?}", m.host.log);
    m.on_guard(b);
    exit(&mut m, pid);
    assert_eq!(m.host.logged_n("oom guard="), 1, "{:?}", m.host.log);
    // v1: read from memory.oom_control when the sandbox ends.
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/app", limited));
    let pid = spawned_pid(&m);
    let b = box_of(&m, pid);
    m.host.guard_says(pid, ok_report());
    m.on_guard(b);
    assert_eq!(m.box_fd(b), None);
    m.host.usage.insert(NAME.into(), Usage { memory: 0, pids: 0, oom_kills: 2 });
    exit(&mut m, pid);
    assert!(m.host.logged(&format!("oom guard={pid} name={NAME}: out of memory, 2 process(es)")));
    assert!(m.host.cgroups.is_empty());
}

#[test]
fn a_restarted_master_keeps_the_cgroups_it_adopts_and_removes_the_rest() {
    let mut m = master(Config::default());
    let mut live = record(4000, "rg-aaaaaaaaaaaa", (9, 1));
    live.mem_max = 32 << 20;
    m.host.state.insert(b"rg-aaaaaaaaaaaa".to_vec(), live);
    m.host.state.insert(b"rg-bbbbbbbbbbbb".to_vec(), record(4001, "rg-bbbbbbbbbbbb", (9, 2)));
    m.host.cgroups.insert("rg-aaaaaaaaaaaa".into(), Default::default());
    m.host.cgroups.insert("rg-bbbbbbbbbbbb".into(), Default::default());
    m.host.alive.insert(4000);
    m.host.stale = 2;
    m.adopt_previous();
    assert_eq!(calls(&m), ["cg_remove rg-bbbbbbbbbbbb"]);
    assert_eq!(m.host.stale_calls, 1, "then the cgroups no record names (their master died while they started)");
    assert!(m.host.logged("removed 2 stale cgroup(s)"));
    assert!(m.host.cgroups.contains_key("rg-aaaaaaaaaaaa"));
    // Listed with its limit from the record.
    let lfd = m.host.connect(0);
    m.on_accept();
    let mut l = [0u8; LIST_REQ_SIZE];
    encode_list_req(&mut l, LIST_ENTRY_SIZE as u32);
    m.host.say(lfd, l.to_vec(), 0);
    m.on_client(slot_of(&m, lfd), true);
    assert_eq!(ListReply::decode(&m.host.sent_to(lfd)[0].bytes).unwrap().get(0).unwrap().mem_max, 32 << 20);
    // It ends: its cgroup goes.
    let b = box_of(&m, 4000);
    m.on_guard(b);
    assert_eq!(calls(&m).last().unwrap(), "cg_remove rg-aaaaaaaaaaaa");
    assert!(m.host.cgroups.is_empty());
}

#[test]
fn a_stop_removes_the_cgroups_of_guards_not_reaped_in_time() {
    let mut m = master(Config::default());
    request(&mut m, run_msg(b"/d/a", |_| {}));
    let p1 = spawned_pid(&m);
    m.host.guard_says(p1, ok_report());
    m.on_guard(box_of(&m, p1));
    m.shutdown();
    assert_eq!(m.host.kills, vec![(p1, 9)]);
    assert!(m.host.cgroups.contains_key(NAME));
    m.finish();
    assert_eq!(calls(&m).last().unwrap(), &format!("cg_remove {NAME}"));
    assert!(m.host.cgroups.is_empty());
}
