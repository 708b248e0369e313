//! The ranges of a sandbox's resource limits, the same on every host: a value
//! outside them is `limit_invalid` (at step `cgroup`, or `prlimit` with the
//! rlimit's slot), whatever the kernel. What a host cannot enforce (no
//! controller, swap accounting off, ...) is the master's to refuse, as
//! `limit_unsupported`, once it knows its cgroups.
use rocker_proto::{err, step, RunReq, LIMIT_SWAP};
use syscalls::Errno;

use crate::{Fail, Limits, Rlimit};

/// Smallest `memory.max`: below it the guard and a shell are OOM-killed at
/// once.
pub const MEM_MIN: u64 = 1 << 20;
/// `cpu.max` (and v1 CFS bandwidth): quota at least 1 ms, period 1 ms to 1 s.
pub const CPU_QUOTA_MIN: u32 = 1000;
/// See [`CPU_QUOTA_MIN`].
pub const CPU_PERIOD: core::ops::RangeInclusive<u32> = 1000..=1_000_000;
/// Default CFS period, µs.
pub const CPU_PERIOD_DEFAULT: u32 = 100_000;
/// `cpu.weight` (v1: `cpu.shares` = weight * 1024 / 100).
pub const CPU_WEIGHT: core::ops::RangeInclusive<u32> = 1..=10_000;
/// Smallest `pids.max`: the cgroup holds the guard, and while the App is
/// started also the client's helper that clones it (it joins first, so the
/// App is forked inside), then the App.
pub const PIDS_MIN: u32 = 3;
/// `RLIM_NLIMITS`, the same on every Linux architecture.
pub const RLIM_NLIMITS: u32 = 16;

/// The cgroup limits of a RUN request (0: none).
pub(crate) fn limits(req: &RunReq) -> Result<Limits, Fail> {
    let some = |v: u32| (v != 0).then_some(v);
    let l = Limits {
        mem_max: (req.mem_max != 0).then_some(req.mem_max),
        swap_max: (req.limit_flags & LIMIT_SWAP != 0).then_some(req.swap_max),
        cpu_max: some(req.cpu_quota_us).map(|q| (q, some(req.cpu_period_us).unwrap_or(CPU_PERIOD_DEFAULT))),
        cpu_weight: some(req.cpu_weight),
        pids_max: some(req.pids_max),
    };
    // Swap is limited on top of memory (v1 has only memory + swap together).
    let ok = l.mem_max.is_none_or(|m| m >= MEM_MIN)
        && (l.swap_max.is_none() || l.mem_max.is_some())
        && l.cpu_max.is_none_or(|(q, p)| q >= CPU_QUOTA_MIN && CPU_PERIOD.contains(&p))
        && l.cpu_weight.is_none_or(|w| CPU_WEIGHT.contains(&w))
        && l.pids_max.is_none_or(|p| p >= PIDS_MIN)
        && (req.cpu_period_us == 0 || req.cpu_quota_us != 0);
    if !ok {
        return Err(Fail::new(err::LIMIT_INVALID, Errno::EINVAL, step::CGROUP));
    }
    Ok(l)
}

/// The rlimits of a RUN request: a known resource, soft <= hard.
pub(crate) fn rlimits<'a>(req: &'a RunReq) -> Result<&'a [Rlimit], Fail> {
    let r = req.rlimits();
    match r.iter().position(|l| l.resource >= RLIM_NLIMITS || l.cur > l.max) {
        Some(i) => Err(Fail::new(err::LIMIT_INVALID, Errno::EINVAL, step::PRLIMIT).index(i)),
        None => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{entrance, FdRole};
    use crate::{SandboxSpec, Limits, Fail, Rlimit};
    use rocker_proto::{encode_run_req, extend_run_req, op, RUN_REQ_SIZE};

    fn spec_of(f: impl FnOnce(&mut RunReq<'static>)) -> (Result<Limits, Fail>, [u8; RUN_REQ_SIZE]) {
        let mut r = RunReq::EMPTY;
        r.uid = 1000;
        r.gid = 1000;
        r.pkg = b"/a.sqfs";
        r.exec_dir = b"/var/x/exec";
        r.data_dir = b"/var/x/data";
        r.reply_max = 8192;
        f(&mut r);
        let mut b = std::vec![0u8; RUN_REQ_SIZE];
        encode_run_req(&r, &mut b).unwrap();
        let body = extend_run_req(&b).unwrap();
        let req = RunReq::decode(&body).unwrap();
        (SandboxSpec::from_run(&req).map(|s| s.limits), body)
    }

    #[test]
    fn ranges() {
        let ok = |f: fn(&mut RunReq<'static>)| spec_of(f).0.unwrap();
        let bad = |f: fn(&mut RunReq<'static>)| spec_of(f).0.unwrap_err();
        assert!(ok(|_| {}).is_none());
        let l = ok(|r| {
            r.mem_max = MEM_MIN;
            r.swap_max = 0;
            r.limit_flags = LIMIT_SWAP;
            r.cpu_quota_us = CPU_QUOTA_MIN;
            r.cpu_weight = 10_000;
            r.pids_max = PIDS_MIN;
        });
        assert_eq!(l, Limits { mem_max: Some(MEM_MIN), swap_max: Some(0), cpu_max: Some((1000, 100_000)), cpu_weight: Some(10_000), pids_max: Some(3) });
        assert_eq!(ok(|r| (r.cpu_quota_us, r.cpu_period_us) = (200_000, 1_000_000)).cpu_max, Some((200_000, 1_000_000)));
        let e = bad(|r| r.mem_max = MEM_MIN - 1);
        assert_eq!((e.code(), e.errno(), e.step()), (err::LIMIT_INVALID, Errno::EINVAL, step::CGROUP));
        for f in [
            (|r: &mut RunReq<'static>| r.pids_max = 2) as fn(&mut RunReq<'static>),
            |r| r.cpu_quota_us = 999,
            |r| (r.cpu_quota_us, r.cpu_period_us) = (1000, 999),
            |r| r.cpu_period_us = 1000,
            |r| r.cpu_weight = 10_001,
            |r| r.limit_flags = LIMIT_SWAP,
        ] {
            assert_eq!(bad(f).code(), err::LIMIT_INVALID);
        }
    }

    #[test]
    fn rlimits_are_checked_and_set_in_the_app() {
        let (r, body) = spec_of(|r| {
            r.rlimits[0] = Rlimit { resource: 7, cur: 10, max: u64::MAX };
            r.rlimits[1] = Rlimit { resource: 15, cur: 5, max: 5 };
            r.n_rlimits = 2;
        });
        assert!(r.is_ok());
        let req = RunReq::decode(&body).unwrap();
        let mut spec = SandboxSpec::from_run(&req).unwrap();
        spec.cgroup_fds = 2;
        let e = entrance(&spec, &mut [0u8; crate::recipe::BLOB_CAP]).unwrap();
        assert_eq!(&e.fds[..3], &[FdRole::Ctl, FdRole::Cgroup(0), FdRole::Cgroup(1)]);
        let at = |o| e.ops.iter().position(|x| x.op == o).unwrap();
        assert_eq!((e.ops[0].op, e.ops[0].a, e.ops[1].op, e.ops[1].a), (op::JOIN_CGROUP, 1, op::JOIN_CGROUP, 2));
        assert!(at(op::JOIN_CGROUP) < at(op::SETNS) && at(op::PRLIMIT) > at(op::APP));
        let pr: std::vec::Vec<(u32, u64, u64)> = e.ops.iter().filter(|o| o.op == op::PRLIMIT).map(|o| (o.a, o.b, o.c)).collect();
        assert_eq!(pr, [(7, 10, u64::MAX), (15, 5, 5)]);
        for (f, i) in [
            ((|r: &mut RunReq<'static>| {
                r.rlimits[0] = Rlimit { resource: RLIM_NLIMITS, cur: 0, max: 0 };
                r.n_rlimits = 1;
            }) as fn(&mut RunReq<'static>), 0),
            (|r| {
                r.rlimits[2] = Rlimit { resource: 1, cur: 2, max: 1 };
                r.n_rlimits = 3;
            }, 2),
        ] {
            let e = spec_of(f).0.unwrap_err();
            assert_eq!((e.code(), e.step(), e.slot()), (err::LIMIT_INVALID, step::PRLIMIT, i));
        }
        // A seed-era client cannot have them: unsupported, not invalid.
        let e = spec_of(|r| {
            r.reply_max = 0;
            r.pids_max = 1;
        })
        .0
        .unwrap_err();
        assert_eq!(e.code(), err::UNSUPPORTED);
    }
}
