//! `linux.seccomp` to a classic BPF program for this arch
//! ([`rocker_seccomp::profile_filter`]): one rule per syscall name, the
//! config's actions and argument conditions; names of other arches only
//! (Docker's profile lists them for every arch) are skipped.
use heapless::Vec;
use rocker_oci::{Seccomp, SeccompAction as A, SeccompOp};
use rocker_seccomp::{Action, ArgCmp, CmpOp, Profile, Rule, SockFilter};

use crate::translate::Refused;

/// Most (rule, name) pairs of a profile (Docker's default has ~370).
pub const MAX_RULES: usize = 640;

const F: &str = "linux.seccomp";

fn action(a: A, errno: Option<u32>) -> Result<Action, Refused> {
    Ok(match a {
        A::Allow => Action::Allow,
        A::Errno => Action::Errno(errno.unwrap_or(1).min(4095) as u16),
        A::Kill | A::KillThread => Action::Kill,
        A::KillProcess => Action::KillProcess,
        A::Trap => Action::Trap,
        A::Log => Action::Log,
        A::Trace | A::Notify => return Err(Refused { field: F, why: "SCMP_ACT_TRACE and SCMP_ACT_NOTIFY are not supported" }),
    })
}

fn op(o: SeccompOp) -> CmpOp {
    match o {
        SeccompOp::NotEqual => CmpOp::Ne,
        SeccompOp::LessThan => CmpOp::Lt,
        SeccompOp::LessEqual => CmpOp::Le,
        SeccompOp::Equal => CmpOp::Eq,
        SeccompOp::GreaterEqual => CmpOp::Ge,
        SeccompOp::GreaterThan => CmpOp::Gt,
        SeccompOp::MaskedEqual => CmpOp::MaskedEq,
    }
}

/// The program of `s` in `out`: its length, and the filter flags.
pub fn build(s: &Seccomp, out: &mut [SockFilter]) -> Result<(usize, u32), Refused> {
    let mut args: Vec<ArgCmp, { rocker_oci::MAX_SECCOMP_ARGS }> = Vec::new();
    for a in s.args.iter() {
        let _ = args.push(ArgCmp { index: a.index, op: op(a.op), value: a.value, value2: a.value_two });
    }
    let mut rules: Vec<Rule, MAX_RULES> = Vec::new();
    let mut pos = 0usize;
    for r in s.syscalls.iter() {
        let n = r.args(s).len();
        let cond = args.get(pos..pos + n).unwrap_or(&[]);
        pos += n;
        if cond.iter().enumerate().any(|(i, a)| cond.iter().skip(i + 1).any(|b| b.index == a.index)) {
            return Err(Refused { field: F, why: "two conditions on one argument are not supported" });
        }
        let act = action(r.action, r.errno_ret)?;
        for name in r.names.iter() {
            let name = name.borrowed().ok_or(Refused { field: F, why: "escaped syscall name" })?;
            rules.push(Rule { name, action: act, args: cond }).map_err(|_| Refused { field: F, why: "too many rules" })?;
        }
    }
    let p = Profile { default_action: action(s.default_action, s.default_errno_ret)?, rules: &rules, skip_other_arch: true };
    let n = rocker_seccomp::profile_filter(&p, out).map_err(|e| Refused {
        field: F,
        why: match e {
            rocker_seccomp::Error::UnknownSyscall { .. } => "unknown syscall name",
            rocker_seccomp::Error::BadArgIndex { .. } => "argument index above 5",
            _ => "the program would be too long",
        },
    })?;
    Ok((n, s.flags))
}
