//! The container's own process, from its clone to `execve`. It is PID 1 of
//! the container's PID namespace (when it has one) and already in its
//! cgroup and namespaces. In order:
//!
//! 1. a cgroup namespace of its own (now that it is in its cgroup), the
//!    sysctls (through the host's /proc: they apply to this process's
//!    namespaces);
//! 2. the guard's plan: mounts, hostname, /dev, /proc, the root;
//! 3. `oomScoreAdj` (lowering it needs privilege), the recipe (rlimits,
//!    groups, capabilities, ids, `no_new_privs`, session, cwd);
//! 4. the terminal: a pty of the container's devpts, the master end sent
//!    over the console socket, the other end as stdio and controlling tty;
//! 5. the program looked up in the container's `PATH`, the seccomp program
//!    built: every error so far is reported to `create` over `sync`;
//! 6. `create` says go (or dies: then this process exits), and the process
//!    blocks opening `exec.fifo` for writing until `start` opens it for
//!    reading, writes one byte, installs the seccomp filter and execs.
use heapless::Vec;
use rocker_proto::{encode_guard_report, err, step, GuardReport, GUARD_REPORT_SIZE, LOOP_NONE};
use rocker_spec::{Ctx, Fail};
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;
use core::result::Result;

use crate::store::c;
use crate::translate::Container;

/// The process to become: the container's (or `exec`'s), its seccomp
/// profile and its console socket (connected, when `process.terminal`).
pub struct Proc<'a> {
    pub c: &'a Container<'a>,
    pub seccomp: Option<&'a rocker_oci::Seccomp<'a>>,
    pub console: Option<Fd>,
}

/// What `create` hands its child.
pub struct Init<'a> {
    pub proc: Proc<'a>,
    /// Report socket to `create` (SOCK_SEQPACKET).
    pub sync: Fd,
    /// `exec.fifo`, O_PATH.
    pub fifo: Fd,
    /// The fds of `c.joins` (the pid one already joined by `create`).
    pub joins: [Fd; 6],
    /// A squashfs root's image (else -1), and a loop device that may carry
    /// it already (another container's: checked before use).
    pub pkg: Fd,
    pub loop_hint: Option<u32>,
    /// The hostname when the config gives none: the host's.
    pub name: &'a [u8],
}

const PATH_DEFAULT: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn fail(e: Errno, st: u16) -> Fail {
    Fail::new(err::BUILD_ROCKER_FAILED, e, st)
}

/// Sends a report (`Ok`: err 0, and the loop device of a squashfs root).
pub fn report(sync: Fd, r: &Result<u32, Fail>) {
    let rep = match r {
        Ok(loop_dev) => GuardReport { err: 0, sys_errno: 0, step: 0, index: 0, loop_dev: *loop_dev },
        Err(f) => GuardReport { err: f.code(), sys_errno: f.errno().raw(), step: f.step(), index: f.slot(), loop_dev: LOOP_NONE },
    };
    let mut out = [0u8; GUARD_REPORT_SIZE];
    encode_guard_report(&rep, &mut out);
    let _ = sendmsg(sync, &out, &[], net::MSG_NOSIGNAL);
}

/// The child of `create`. Never returns.
pub fn run(a: Init) -> ! {
    let mut prog = [rocker_seccomp::ZERO; PROG_MAX];
    let mut exe = Path256::empty();
    let r = setup(&a).and_then(|d| prepare(&a.proc, &mut exe, &mut prog).map(|p| (d, p)));
    let (loop_dev, (n, flags)) = match r {
        Ok(v) => v,
        Err(f) => {
            report(a.sync, &Err(f));
            exit_group(1)
        }
    };
    report(a.sync, &Ok(loop_dev));
    // Wait for create's go: one byte; EOF if create died.
    let mut b = [0u8; 1];
    if !matches!(retry(|| read(a.sync, &mut b)), Ok(1)) {
        exit_group(1);
    }
    let _ = close_raw(a.sync);
    let fifo = match crate::run::fd_path(a.fifo).and_then(|p| openat(AT_FDCWD, (&p).into(), g::O_WRONLY | g::O_CLOEXEC, 0)) {
        Ok(f) => f,
        Err(e) => die(b"open exec.fifo", e),
    };
    let _ = close_raw(a.fifo);
    if let Err(e) = write_all(fifo.raw(), b"0") {
        die(b"write exec.fifo", e);
    }
    drop(fifo);
    finish(&a.proc, (&exe).into(), prog.get(..n).unwrap_or(&[]), flags)
}

/// Longest seccomp program.
pub const PROG_MAX: usize = 2048;

/// Installs the seccomp program (if any) and execs. Never returns.
pub fn finish(p: &Proc, exe: CStr, prog: &[rocker_seccomp::SockFilter], flags: u32) -> ! {
    if !prog.is_empty() {
        if let Err(e) = seccomp_set_mode_filter(prog, flags) {
            die(b"seccomp", e);
        }
    }
    exec(p.c, exe)
}

/// Prints `rocker-runtime: <what>: <errno>` on the container's stderr and
/// exits 127 (after `start`, no one else can be told).
pub fn die(what: &[u8], e: Errno) -> ! {
    let mut b = Buf::<160>::new();
    let mut t = [0u8; 24];
    let n = e.write_to(&mut t);
    b.push_str(b"rocker-runtime: ").push_str(what).push_str(b": ").push_str(t.get(..n).unwrap_or(&[])).push_byte(b'\n');
    let _ = write_all(2, b.as_bytes());
    exit_group(127)
}

fn exec(c: &Container, exe: CStr) -> ! {
    let mut argv: Vec<CStr, { crate::translate::MAX_ARGV }> = Vec::new();
    let mut envp: Vec<CStr, { crate::translate::MAX_ENVP }> = Vec::new();
    for s in c.args.iter() {
        let _ = argv.push(CStr::from_bytes_with_nul(s).unwrap_or(c!("")));
    }
    for s in c.env.iter() {
        let _ = envp.push(CStr::from_bytes_with_nul(s).unwrap_or(c!("")));
    }
    let e = execve(exe, &argv, &envp);
    die(b"exec", e)
}

/// The container's own setup, in its namespaces and cgroup; the loop
/// device of a squashfs root.
fn setup(a: &Init) -> Result<u32, Fail> {
    let c = a.proc.c;
    let spec = c.spec();
    for (j, &fd) in c.joins.iter().zip(a.joins.iter()) {
        if j.ns != rocker_spec::Ns::NEWPID {
            setns(fd, j.ns).at(err::BUILD_ROCKER_FAILED, step::VALIDATE)?;
        }
    }
    // Only stdio, the report socket, the fifo and the console socket.
    crate::run::close_all_but(&[a.sync, a.fifo, a.proc.console.unwrap_or(-1), a.pkg]);
    let _ = rt_sigprocmask(SIG_SETMASK, &SigSet::empty());
    if c.cgroup_ns {
        unshare(rocker_spec::Ns::NEWCGROUP).at(err::BUILD_ROCKER_FAILED, step::CGROUP_JOIN)?;
    }
    for s in c.sysctl.iter() {
        let mut p = Path256::new(b"/proc/sys/").at(err::PARAM_INVALID, step::VALIDATE)?;
        p.push(s.path.split_last().map_or(&[][..], |(_, k)| k)).at(err::PARAM_INVALID, step::VALIDATE)?;
        crate::run::write_file(AT_FDCWD, (&p).into(), s.value).at(err::BUILD_ROCKER_FAILED, step::VALIDATE)?;
    }
    let mut k = rocker_guard::Kernel { notify: a.sync };
    let plan = rocker_guard::plan(&spec);
    let name = if spec.hostname.is_empty() { a.name } else { spec.hostname };
    let d = rocker_guard::execute(&mut k, &spec, &plan, name, a.pkg, a.loop_hint);
    if a.pkg >= 0 {
        let _ = close_raw(a.pkg);
    }
    d.map(|d| d.loop_dev)
}

/// The process's last steps before `execve`, for `create` and `exec`
/// alike: `oomScoreAdj`, the recipe, the terminal, the umask, the program
/// found, the seccomp program built (its length and flags).
pub fn prepare(p: &Proc, exe: &mut Path256, prog: &mut [rocker_seccomp::SockFilter]) -> Result<(usize, u32), Fail> {
    let c = p.c;
    let mut spec = c.spec();
    if spec.caps.permitted == crate::translate::KEEP_CAPS {
        let k = capget(0).at(err::BUILD_ROCKER_FAILED, step::DROP_CAPS)?;
        spec.caps.permitted = k.permitted;
        spec.caps.inheritable = k.inheritable;
    }
    if let Some(adj) = c.oom_score_adj {
        let mut v = Buf::<16>::new();
        v.push_i64(i64::from(adj));
        crate::run::write_file(AT_FDCWD, c!("/proc/self/oom_score_adj"), v.as_bytes()).at(err::BUILD_ROCKER_FAILED, step::VALIDATE)?;
    }
    let mut blob = [0u8; 512];
    let e = rocker_spec::recipe::entrance(&spec, &mut blob)?;
    crate::ops::run(&e.ops, blob.get(..e.blob_len).unwrap_or(&[]))?;
    if c.terminal {
        terminal(p).map_err(|e| fail(e, step::NONE))?;
    }
    umask(c.umask);
    lookup(c, exe).map_err(|e| Fail::new(err::APP_EXEC_FAILED, e, step::NONE))?;
    match p.seccomp {
        Some(s) => crate::seccomp::build(s, prog).map_err(|_| Fail::new(err::SECCOMP_INVALID, Errno::EINVAL, step::SECCOMP)),
        None => Ok((0, 0)),
    }
}

/// A pty from the container's devpts: the master end goes over the
/// console socket, the other end becomes stdio and the controlling tty
/// (the recipe made this process a session leader).
fn terminal(a: &Proc) -> syscalls::Result<()> {
    let sock = a.console.ok_or(Errno::EBADF)?;
    let rw = g::O_RDWR | g::O_NOCTTY | g::O_CLOEXEC;
    let m = openat(AT_FDCWD, c!("/dev/ptmx"), rw, 0)?;
    let n = ptmx_unlock(m.raw())?;
    let mut p = Path256::new(b"/dev/pts/")?;
    p.push_num(u64::from(n))?;
    let s = openat(AT_FDCWD, (&p).into(), rw, 0)?;
    if let Some((rows, cols)) = a.c.console {
        set_winsize(s.raw(), rows, cols)?;
    }
    sendmsg(sock, p.as_bytes(), &[m.raw()], net::MSG_NOSIGNAL)?;
    drop(m);
    let _ = close_raw(sock);
    for fd in 0..3 {
        dup3(s.raw(), fd, 0)?.into_raw();
    }
    set_ctty(0)
}

/// The program: `args[0]` itself when it has a `/`, else the first
/// executable regular file of that name in the container's `PATH`.
fn lookup(c: &Container, out: &mut Path256) -> syscalls::Result<()> {
    let arg0 = c.args.first().and_then(|a| a.split_last()).map_or(&[][..], |(_, s)| s);
    if arg0.is_empty() {
        return Err(Errno::ENOENT);
    }
    if arg0.contains(&b'/') {
        *out = Path256::new(arg0)?;
        return executable(out);
    }
    let path = c
        .env
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .map_or(PATH_DEFAULT, |p| p.split_last().map_or(&[][..], |(_, v)| v));
    let mut last = Errno::ENOENT;
    for dir in path.split(|&b| b == b':') {
        let mut p = Path256::new(if dir.is_empty() { b"." } else { dir })?;
        p.push(b"/")?;
        p.push(arg0)?;
        match executable(&p) {
            Ok(()) => {
                *out = p;
                return Ok(());
            }
            Err(Errno::EACCES) => last = Errno::EACCES,
            Err(_) => {}
        }
    }
    Err(last)
}

/// `p` is a regular file with an execute bit (EACCES if not).
fn executable(p: &Path256) -> syscalls::Result<()> {
    let st = statx(AT_FDCWD, p.into(), 0, g::STATX_TYPE | g::STATX_MODE)?;
    if u32::from(st.stx_mode) & g::S_IFMT == g::S_IFREG && st.stx_mode & 0o111 != 0 {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}
