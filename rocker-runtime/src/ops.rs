//! The recipe's executor for the container's own process: the same ops,
//! with the same meaning, as `rocker.h`'s `rocker__op` (PROTOCOL.md
//! "Recipe"), minus those that need a reply's fds (`setns`,
//! `join_cgroup`: the runtime's process is already in its namespaces and
//! cgroup) and `seccomp` (the runtime installs its OCI profile itself, last).
//! `app` marks where the App starts: here it is this very process.
use rocker_proto::{op, Op};
use rocker_spec::Fail;
use syscalls::sys::prctl as pr;
use syscalls::*;
use core::result::Result;

/// Runs `ops` in order; the first failure with its op's step.
pub fn run(ops: &[Op], blob: &[u8]) -> Result<(), Fail> {
    for o in ops {
        one(o, blob).map_err(|e| Fail::new(rocker_proto::err::ENTER_ROCKER_FAILED, e, o.step))?;
    }
    Ok(())
}

fn one(o: &Op, blob: &[u8]) -> syscalls::Result<()> {
    let bits = |m: u64| (0..64u32).filter(move |c| m >> c & 1 != 0);
    match o.op {
        op::PRLIMIT => set_rlimit(o.a, o.b, o.c),
        op::SETGROUPS => {
            // `b` gids (u32, native order) at blob offset `a`.
            let mut g = [0u32; rocker_oci::MAX_GIDS];
            let n = usize::try_from(o.b).map_err(|_| Errno::EPROTO)?;
            let at = o.a as usize;
            let src = blob.get(at..at.saturating_add(n.saturating_mul(4))).ok_or(Errno::EPROTO)?;
            let dst = g.get_mut(..n).ok_or(Errno::EPROTO)?;
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = u32::from_ne_bytes([s[0], s[1], s[2], s[3]]);
            }
            setgroups(dst)
        }
        op::CAPBSET => {
            for cap in (0..64u32).filter(|c| o.b >> c & 1 == 0) {
                match prctl(pr::PR_CAPBSET_DROP, cap as usize, 0) {
                    Ok(_) => {}
                    // Past the kernel's last capability.
                    Err(Errno::EINVAL) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
        op::SETRESGID => setresgid(o.b as u32, o.b as u32, o.b as u32),
        op::SETRESUID => {
            if o.a == 1 {
                prctl(pr::PR_SET_KEEPCAPS, 1, 0)?;
            }
            setresuid(o.b as u32, o.b as u32, o.b as u32)
        }
        op::CAPSET => capset(&Caps { effective: o.b, permitted: o.b, inheritable: o.c }),
        op::AMBIENT => {
            match prctl(pr::PR_CAP_AMBIENT, pr::PR_CAP_AMBIENT_CLEAR_ALL as usize, 0) {
                // A kernel before 4.3 has no ambient set.
                Err(Errno::EINVAL) if o.b == 0 => return Ok(()),
                r => r?,
            };
            for cap in bits(o.b) {
                prctl(pr::PR_CAP_AMBIENT, pr::PR_CAP_AMBIENT_RAISE as usize, cap as usize)?;
            }
            Ok(())
        }
        op::NO_NEW_PRIVS => prctl(pr::PR_SET_NO_NEW_PRIVS, 1, 0).map(|_| ()),
        op::APP => Ok(()),
        op::SETSID => setsid().map(|_| ()),
        op::CHDIR => {
            let at = o.a as usize;
            let n = usize::try_from(o.b).map_err(|_| Errno::EPROTO)?;
            let p = blob.get(at..at.saturating_add(n)).ok_or(Errno::EPROTO)?;
            chdir(CStr::from_bytes_with_nul(p).map_err(|_| Errno::EPROTO)?)
        }
        _ => Err(Errno::EPROTO),
    }
}
