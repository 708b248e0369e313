//! rocker-guard: PID 1 of one sandbox.
//!
//! The master clones the guard (fork-style, into the spec's namespaces), so
//! this code runs in the child of `rocker-master`, without an exec. The
//! guard carries out its setup plan ([`plan`]) through [`Sys`], reports to
//! the master, then lives as the namespace's init: it reaps every orphan and
//! exits as soon as nothing is left: no child, no registered App, no open
//! `ctl`. Nothing here polls on a timer.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod plan;
pub mod sys;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use plan::{execute, plan, Done, Step};
pub use sys::{Kernel, Stat, Sys};

use rocker_proto::{encode_guard_report, GuardReport, GUARD_REPORT_SIZE, LOOP_NONE};
use rocker_spec::SandboxSpec;
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;

/// What the master hands the guard (all fds are the guard's copies).
pub struct Guard<'a> {
    /// The sandbox.
    pub spec: &'a SandboxSpec<'a>,
    /// Its name (comm).
    pub pname: &'a [u8],
    /// The package fd.
    pub pkg: Fd,
    /// The guard's end of the report socket.
    pub notify: Fd,
    /// The guard's end of `ctl`.
    pub ctl: Fd,
    /// A loop device that already carries this package for a running
    /// sandbox (package sharing): verified before use, else ignored.
    pub loop_hint: Option<u32>,
}

/// Most registered App pidfds.
const MAX_APPS: usize = 32;

/// Entry of the guard process. Never returns.
pub fn run(a: Guard) -> ! {
    let _ = set_name(a.pname);
    // Every mode the setup passes is the one it means.
    umask(0);
    close_all_but(&[a.pkg, a.notify, a.ctl]);
    // The master blocks SIGCHLD/SIGTERM/SIGINT/SIGHUP for its signalfd; the
    // guard keeps only SIGCHLD blocked (its own signalfd), so a host SIGTERM
    // still ends the sandbox.
    let chld = SigSet::empty().add(g::SIGCHLD);
    let _ = rt_sigprocmask(SIG_SETMASK, &chld);
    let sfd = signalfd(&chld, g::O_CLOEXEC | g::O_NONBLOCK);
    let mut k = Kernel { notify: a.notify };
    let r = match sfd {
        Ok(_) => execute(&mut k, a.spec, &plan(a.spec), a.pname, a.pkg, a.loop_hint),
        Err(e) => Err(rocker_spec::Fail::new(rocker_proto::err::BUILD_ROCKER_FAILED, e, rocker_proto::step::NONE)),
    };
    let _ = close_raw(a.pkg);
    let rep = match &r {
        Ok(d) => GuardReport { err: 0, sys_errno: 0, step: 0, index: 0, loop_dev: d.loop_dev },
        Err(f) => GuardReport { err: f.code(), sys_errno: f.errno().raw(), step: f.step(), index: f.slot(), loop_dev: LOOP_NONE },
    };
    let mut out = [0u8; GUARD_REPORT_SIZE];
    encode_guard_report(&rep, &mut out);
    let _ = sendmsg(a.notify, &out, &[], net::MSG_NOSIGNAL);
    let _ = close_raw(a.notify);
    match (r, sfd) {
        (Ok(_), Ok(sfd)) => exit_group(init_loop(sfd.raw(), a.ctl)),
        _ => exit_group(1),
    }
}

/// Closes every fd but 0, 1, 2 and `keep` (close_range over the gaps; a
/// loop on kernels before 5.9).
fn close_all_but(keep: &[Fd]) {
    let mut k = [0i32; 8];
    let n = keep.len().min(k.len());
    k[..n].copy_from_slice(&keep[..n]);
    let k = &mut k[..n];
    k.sort_unstable();
    let mut from: u32 = 3;
    for &fd in k.iter() {
        if fd < 3 {
            continue;
        }
        let fd = fd as u32;
        if fd > from {
            close_gap(from, fd - 1);
        }
        from = fd + 1;
    }
    close_gap(from, u32::MAX);
}

fn close_gap(first: u32, last: u32) {
    if close_range(first, last, 0) == Err(Errno::ENOSYS) {
        for fd in first..=last.min(1023) {
            let _ = close_raw(fd as i32);
        }
    }
}

/// PID 1's life: reap every child, keep track of the Apps registered over
/// `ctl` (their pidfds become readable when they exit), and return once no
/// child, no App and no `ctl` peer is left.
fn init_loop(sfd: Fd, ctl: Fd) -> i32 {
    let mut apps = [-1i32; MAX_APPS];
    let mut ctl_open = true;
    loop {
        let has_children = reap_all();
        let live_apps = apps.iter().filter(|&&a| a >= 0).count();
        if !ctl_open && live_apps == 0 && !has_children {
            return 0;
        }
        let mut fds = [PollFd::default(); MAX_APPS + 2];
        fds[0] = PollFd { fd: sfd, events: POLLIN, revents: 0 };
        fds[1] = PollFd { fd: if ctl_open { ctl } else { -1 }, events: POLLIN, revents: 0 };
        for (slot, &a) in fds[2..].iter_mut().zip(apps.iter()) {
            *slot = PollFd { fd: a, events: POLLIN, revents: 0 };
        }
        if ppoll(&mut fds, None, None).is_err() {
            continue;
        }
        if fds[0].revents != 0 {
            while signalfd_read(sfd).is_ok() {}
        }
        if ctl_open && fds[1].revents != 0 {
            ctl_open = read_ctl(ctl, &mut apps);
        }
        for (i, f) in fds[2..].iter().enumerate() {
            if f.revents != 0 && apps[i] >= 0 {
                let _ = close_raw(apps[i]);
                apps[i] = -1;
            }
        }
    }
}

/// Reaps every zombie; true if children remain.
fn reap_all() -> bool {
    loop {
        match wait4(-1, WNOHANG) {
            Ok((0, _)) => return true,
            Ok(_) => continue,
            Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
}

/// One message from `ctl`: a REGISTER with the App's pidfd. Returns false
/// once the peer has closed `ctl`.
fn read_ctl(ctl: Fd, apps: &mut [i32; MAX_APPS]) -> bool {
    let mut buf = [0u8; 64];
    match recvmsg(ctl, &mut buf, net::MSG_CMSG_CLOEXEC | net::MSG_DONTWAIT) {
        Ok((0, _, _)) => false,
        Ok((n, mut fds, _)) => {
            let ok = buf.get(..n).is_some_and(|m| rocker_proto::decode_register(m).is_ok());
            if ok && fds.len() == 1 {
                if let (Some(fd), Some(slot)) = (fds.take(0), apps.iter_mut().find(|a| **a < 0)) {
                    *slot = fd.into_raw();
                }
            }
            true
        }
        Err(Errno::EAGAIN | Errno::EINTR) => true,
        Err(_) => false,
    }
}
