//! `exec`: a new process in a running container. Its process is the
//! container's `process` from the saved config (or `--process FILE`), with
//! the command line's overrides (command, `--env`, `--cwd`, `--user`,
//! `--tty`), translated as `create` does. This process joins the
//! container's PID namespace for its children (`setns`), forks into the
//! container's cgroup; the child joins the other namespaces (the mount
//! namespace puts it at the container's root), runs the same last steps as
//! the container's own process ([`crate::init::prepare`]) and execs. Its
//! setup errors come back over a close-on-exec socket: EOF means it
//! exec'd.
use rocker_oci::{parse_process, OciConfig, Status};
use rocker_spec::Ns;
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;
use core::result::Result;

use crate::cli::Cmd;
use crate::init::{finish, prepare, report, Proc, PROG_MAX};
use crate::run::{cgroups, load, CONFIG_BUF, CONFIG_MAX};
use crate::say::{Ctx, Error};
use crate::store::{self, CONFIG};
use crate::translate::{translate, Arena};

/// The namespaces joined, in order (the mount namespace last: after it,
/// host paths are gone).
const KINDS: [(Ns, &[u8]); 6] = [
    (Ns::NEWPID, b"pid"),
    (Ns::NEWIPC, b"ipc"),
    (Ns::NEWUTS, b"uts"),
    (Ns::NEWNET, b"net"),
    (Ns::NEWCGROUP, b"cgroup"),
    (Ns::NEWNS, b"mnt"),
];

/// `UID[:GID]`.
fn user(s: &[u8]) -> Option<(u32, Option<u32>)> {
    let num = |t: &[u8]| crate::record::number(t).and_then(|v| u32::try_from(v).ok());
    match s.iter().position(|&c| c == b':') {
        Some(i) => Some((num(s.get(..i)?)?, Some(num(s.get(i + 1..)?)?))),
        None => Some((num(s)?, None)),
    }
}

#[inline(never)] // one copy, not inlined into main (armv7: -3.3 KB)
pub fn exec(cmd: &Cmd, args: &[&[u8]]) -> Result<i32, Error> {
    let mut rb = [0u8; 1024];
    let l = load(cmd, &mut rb)?;
    match l.status {
        Status::Stopped => return Err(Error::Msg("cannot exec in a stopped container")),
        Status::Paused => return Err(Error::Msg("cannot exec in a paused container")),
        _ => {}
    }
    let Some(cbuf) = CONFIG_BUF.take() else { return Err(Error::Msg("config buffer")) };
    let (cb, pb) = cbuf.split_at_mut(CONFIG_MAX - 16 * 1024);
    let text = store::read_file(l.dir.raw(), CONFIG, cb).ctx("read the container's config.json")?;
    let mut cfg = OciConfig::parse(text).map_err(Error::Config)?;
    if let Some(f) = cmd.process {
        let p = Path256::new(f).ctx("--process")?;
        let ptext = store::read_file(AT_FDCWD, (&p).into(), pb).ctx("read --process")?;
        cfg.process = parse_process(ptext).map_err(Error::Config)?;
    }
    let mut abuf = [0u8; 16 * 1024];
    let mut arena = Arena::new(&mut abuf);
    let mut ctr = translate(&cfg, cmd.id, l.rec.bundle, false, &mut arena).map_err(Error::Refused)?;
    let full = || Error::Msg("exec: too many arguments or variables");
    if cmd.process.is_none() {
        if cmd.argv_at > 0 {
            ctr.args.clear();
            for a in args.get(cmd.argv_at..).unwrap_or(&[]) {
                ctr.args.push(arena.cat(&[a], true).ok_or_else(full)?).map_err(|_| full())?;
            }
        }
        for e in cmd.env.get(..cmd.n_env).unwrap_or(&[]) {
            ctr.env.push(arena.cat(&[e], true).ok_or_else(full)?).map_err(|_| full())?;
        }
        if let Some(cwd) = cmd.cwd {
            if cwd.first() != Some(&b'/') {
                return Err(Error::Usage("--cwd must be absolute"));
            }
            ctr.spec.cwd = cwd;
        }
        if let Some(u) = cmd.user {
            let (uid, gid) = user(u).ok_or(Error::Usage("--user UID[:GID]"))?;
            ctr.spec.uid = uid;
            ctr.spec.gid = gid.unwrap_or(0);
        }
        ctr.terminal = cmd.tty;
    }
    match (ctr.terminal, cmd.console_socket) {
        (true, None) => return Err(Error::Msg("a terminal needs --console-socket")),
        (false, Some(_)) => return Err(Error::Msg("--console-socket needs a terminal")),
        _ => {}
    }
    let console = match cmd.console_socket {
        Some(p) => {
            let s = socket(net::AF_UNIX, net::SOCK_STREAM | SOCK_CLOEXEC, 0).ctx("console socket")?;
            connect(s.raw(), &SockAddrUn::new(p).ctx("--console-socket")?).ctx("connect --console-socket")?;
            Some(s)
        }
        None => None,
    };
    // The container's namespaces, then a check that its init is still the
    // one recorded (so the fds are not a recycled pid's).
    let mut fds: [Option<OwnedFd>; 6] = Default::default();
    // Every kind: created, joined by path or the host's (a no-op then).
    for (slot, (_, name)) in fds.iter_mut().zip(KINDS) {
        {
            let mut p = Path256::new(b"/proc/").ctx("ns")?;
            p.push_num(l.rec.pid as u64).and_then(|()| p.push(b"/ns/")).and_then(|()| p.push(name)).ctx("ns")?;
            *slot = Some(openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0).ctx("open the container's namespaces")?);
        }
    }
    if !store::alive(&l.rec) {
        return Err(Error::Msg("container not running"));
    }
    let join = if l.rec.cgroup.is_empty() {
        None
    } else {
        let (cg, n) = cgroups(l.rec.cgroup)?;
        Some(cg.open(n).map_err(Error::Cgroup)?)
    };
    if let Some(pid_ns) = &fds[0] {
        setns(pid_ns.raw(), Ns::NEWPID).ctx("join the container's pid namespace")?;
    }
    let (ours, theirs) = socketpair(net::AF_UNIX, net::SOCK_SEQPACKET | SOCK_CLOEXEC).ctx("socketpair")?;
    let flags = CloneFlags::new(Ns::empty(), g::SIGCHLD);
    let fork = match &join {
        Some(j) => j.fork(flags, |_| {}),
        None => clone(flags, None),
    }
    .ctx("fork")?;
    let seccomp = cfg.linux.seccomp();
    let pid = match fork {
        Fork::Child => {
            let p = Proc { c: &ctr, seccomp, console: console.as_ref().map(|s| s.raw()) };
            let mut prog = [rocker_seccomp::ZERO; PROG_MAX];
            let mut exe = Path256::empty();
            let r = enter(&fds, theirs.raw(), p.console).and_then(|()| prepare(&p, &mut exe, &mut prog));
            match r {
                Ok((n, fl)) => finish(&p, (&exe).into(), prog.get(..n).unwrap_or(&[]), fl),
                Err(f) => {
                    report(theirs.raw(), &Err(f));
                    exit_group(1)
                }
            }
        }
        Fork::Parent(pid) => pid,
    };
    drop(theirs);
    drop(console);
    let mut b = [0u8; 64];
    let n = retry(|| recvmsg(ours.raw(), &mut b, 0).map(|(n, _, _)| n)).ctx("read the exec report")?;
    if n > 0 {
        let _ = wait4(pid, 0);
        return Err(match rocker_proto::decode_guard_msg(b.get(..n).unwrap_or(&[])) {
            Ok(rocker_proto::GuardMsg::Report(r)) => Error::Setup(rocker_spec::Fail::new(r.err, Errno(r.sys_errno as u16), r.step)),
            _ => Error::Msg("bad report from the exec'd process"),
        });
    }
    crate::run::pid_file(cmd.pid_file, pid).ctx("write --pid-file")?;
    if cmd.detach {
        return Ok(0);
    }
    Ok(crate::run::wait_child(pid))
}

/// In the child: the namespaces but the PID one (joined by the parent),
/// only stdio, the report socket and the console socket kept.
#[inline(never)]
fn enter(fds: &[Option<OwnedFd>; 6], report: Fd, console: Option<Fd>) -> Result<(), rocker_spec::Fail> {
    for (fd, (ns, _)) in fds.iter().zip(KINDS).skip(1) {
        if let Some(fd) = fd {
            setns(fd.raw(), ns).map_err(|e| rocker_spec::Fail::new(rocker_proto::err::ENTER_ROCKER_FAILED, e, rocker_proto::step::SETNS_MNT))?;
        }
    }
    crate::run::close_all_but(&[report, console.unwrap_or(-1)]);
    let _ = rt_sigprocmask(SIG_SETMASK, &SigSet::empty());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_option() {
        assert_eq!(super::user(b"1000"), Some((1000, None)));
        assert_eq!(super::user(b"1000:100"), Some((1000, Some(100))));
        assert_eq!(super::user(b"x"), None);
        assert_eq!(super::user(b"1:"), None);
    }
}
