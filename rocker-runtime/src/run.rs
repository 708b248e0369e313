//! The verbs. Each returns the exit status or an [`Error`], which `main`
//! reports (stderr and `--log`) and turns into status 1.
use rocker_cgroup::{Cgroups, Mode};
use rocker_oci::{OciConfig, State, Status, Writer};
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::*;
use core::result::Result;

use crate::cli::{Cmd, Verb};
use crate::record::{Record, RecordBuf};
use crate::say::{Ctx, Error, Say};
use crate::store::{self, c, CONFIG, CONFIG_TMP, FIFO, STATE, STATE_TMP};
use crate::translate::{translate, valid_id, Arena, Container};

/// `config.json` of the bundle (and the copy in the state dir).
pub const CONFIG_MAX: usize = 64 * 1024;
pub static CONFIG_BUF: StaticCell<[u8; CONFIG_MAX]> = StaticCell::new([0; CONFIG_MAX]);

const HELP: &[u8] = b"usage: rocker-runtime [--root DIR] [--log FILE] [--log-format text|json] COMMAND [OPTIONS] ID

rocker's OCI runtime (runc's command line):
  create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] ID
  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID
  run [--bundle DIR] [--pid-file FILE] [--detach] ID
  exec [--process FILE] [--pid-file FILE] [--detach] [--tty] [--cwd DIR]
       [--env K=V] [--user UID[:GID]] ID [COMMAND...]
  ps [--format table|json] ID | list [--format table|json] [--quiet]
  pause ID | resume ID | spec [--bundle DIR] | features
The state lives in --root (default /run/rocker).
";

fn out(s: &[u8]) {
    let _ = write_all(1, s);
}

/// Runs a command line (without the program name).
pub fn main(args: &[&[u8]]) -> i32 {
    let cmd = match crate::cli::parse(args) {
        Ok(c) => c,
        Err(u) => {
            let mut b = crate::say::Line::new();
            b.push_str(b"rocker-runtime: ").push_str(u.what.as_bytes());
            if !u.arg.is_empty() {
                b.push_str(b": ").push_str(u.arg);
            }
            b.push_str(b" (see --help)\n");
            let _ = write_all(2, b.as_bytes());
            return 1;
        }
    };
    let say = match Say::open(cmd.log, cmd.log_json) {
        Ok(s) => s,
        Err(e) => {
            Say::stderr().error(&e);
            return 1;
        }
    };
    let r = match cmd.verb {
        Verb::Help => {
            out(HELP);
            Ok(0)
        }
        Verb::Version => {
            out(concat!("rocker-runtime version ", env!("CARGO_PKG_VERSION"), "\nspec: 1.2.1\n").as_bytes());
            Ok(0)
        }
        Verb::Create | Verb::Run => create(&cmd, args),
        Verb::Start => start(&cmd),
        Verb::State => state(&cmd),
        Verb::Kill => kill_verb(&cmd),
        Verb::Delete => delete(&cmd),
        Verb::Pause | Verb::Resume => pause(&cmd),
        Verb::Ps => ps(&cmd),
        Verb::List => list(&cmd),
        Verb::Spec => spec(&cmd),
        Verb::Features => features(),
        Verb::Exec => crate::exec::exec(&cmd, args),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            say.error(&e);
            1
        }
    }
}

// ------------------------------------------------------------ helpers

/// `/proc/self/fd/N`.
pub fn fd_path(fd: Fd) -> syscalls::Result<CPath<32>> {
    rocker_guard::plan::fd_path(fd)
}

/// Writes `data` to an existing file (sysctls, `oom_score_adj`).
pub fn write_file(dir: Fd, path: CStr, data: &[u8]) -> syscalls::Result<()> {
    let f = openat(dir, path, g::O_WRONLY | g::O_CLOEXEC, 0)?;
    write_all(f.raw(), data)
}

/// Closes every fd but 0, 1, 2 and `keep` (negative entries ignored).
pub fn close_all_but(keep: &[Fd]) {
    let mut k = [-1i32; 5];
    for (d, s) in k.iter_mut().zip(keep) {
        *d = *s;
    }
    k.sort_unstable();
    let mut from: u32 = 3;
    for &fd in k.iter().filter(|&&f| f >= 3) {
        if fd as u32 > from {
            close_range_or_loop(from, fd as u32 - 1);
        }
        from = fd as u32 + 1;
    }
    close_range_or_loop(from, u32::MAX);
}

fn close_range_or_loop(first: u32, last: u32) {
    if close_range(first, last, 0) == Err(Errno::ENOSYS) {
        for fd in first..=last.min(1023) {
            let _ = close_raw(fd as i32);
        }
    }
}

/// A path argument as a C string.
fn cpath(p: &[u8], what: &'static str) -> Result<Path256, Error> {
    Path256::new(p).ctx(what)
}

/// The absolute path of an open fd (`/proc/self/fd/N`'s target).
fn abs_path(fd: Fd, buf: &mut [u8; 256]) -> Result<&[u8], Error> {
    let p = fd_path(fd).ctx("bundle path")?;
    let n = readlinkat(AT_FDCWD, (&p).into(), buf).ctx("bundle path")?;
    if n >= buf.len() {
        return Err(Error::Sys("bundle path", Errno::ENAMETOOLONG));
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// A loaded container: its state dir, record and status.
pub struct Loaded<'b> {
    pub root: OwnedFd,
    pub dir: OwnedFd,
    pub rec: Record<'b>,
    pub status: Status,
}

/// The container `id` of `cmd.root`. A dir without a readable record (a
/// `create` killed early) is a stopped container without a pid.
pub fn load<'b>(cmd: &Cmd, buf: &'b mut [u8; 1024]) -> Result<Loaded<'b>, Error> {
    let root = store::open_root(cmd.root, false).map_err(|e| match e {
        Error::Sys(_, Errno::ENOENT) => Error::Msg("container does not exist"),
        e => e,
    })?;
    let dir = store::open_dir(root.raw(), cmd.id)?;
    let rec = store::read_file(dir.raw(), STATE, buf).ok().and_then(Record::decode).unwrap_or_default();
    let status = if rec.pid == 0 {
        Status::Stopped
    } else {
        store::status(dir.raw(), &rec, || cgroups(rec.cgroup).is_ok_and(|(cg, n)| cg.frozen(n).unwrap_or(false)))
    };
    Ok(Loaded { root, dir, rec, status })
}

/// The hierarchies of cgroup `path` and its last component.
pub fn cgroups(path: &[u8]) -> Result<(Cgroups, &[u8]), Error> {
    let i = path.iter().rposition(|&c| c == b'/').unwrap_or(0);
    let (parent, name) = (path.get(..i).unwrap_or(b""), path.get(i + 1..).unwrap_or(b""));
    if parent.is_empty() {
        return Err(Error::Msg("linux.cgroupsPath needs a parent (/parent/name)"));
    }
    let cfg = rocker_cgroup::Config { root_child: b"rocker-runtime", base: Some(parent), ..rocker_cgroup::Config::DEFAULT };
    let cg = Cgroups::detect(&cfg).map_err(Error::Cgroup)?;
    Ok((cg, name))
}

/// Waits (up to `ms`) until the process behind `pidfd` has exited.
fn wait_exit(pidfd: Option<&OwnedFd>, rec: &Record, ms: u64) {
    for _ in 0..ms / 10 {
        match pidfd {
            Some(fd) => {
                let mut p = [PollFd { fd: fd.raw(), events: POLLIN, revents: 0 }];
                if ppoll(&mut p, Some(&Timespec::from_ms(10)), None).is_ok_and(|n| n > 0) {
                    return;
                }
            }
            None if !store::alive(rec) => return,
            None => {
                let _ = nanosleep(&Timespec::from_ms(10));
            }
        }
    }
}

// ------------------------------------------------------------ create, run

fn host_name(buf: &mut [u8; 65]) -> &[u8] {
    let s = store::read_file(AT_FDCWD, c!("/proc/sys/kernel/hostname"), buf).unwrap_or(b"");
    s.strip_suffix(b"\n").unwrap_or(s)
}

#[inline(never)] // one copy, not inlined into main (armv7: -3.3 KB)
fn create(cmd: &Cmd, _args: &[&[u8]]) -> Result<i32, Error> {
    if !valid_id(cmd.id) {
        return Err(Error::Usage("invalid container id (1 to 64 of A-Z a-z 0-9 _ . -, not starting with .)"));
    }
    // Modes below are the ones meant (the fifo is 0622, records 0600).
    umask(0);
    let root = store::open_root(cmd.root, true)?;
    let bpath = cpath(cmd.bundle.unwrap_or(b"."), "--bundle")?;
    let bundle = openat(AT_FDCWD, (&bpath).into(), g::O_PATH | g::O_DIRECTORY | g::O_CLOEXEC, 0).ctx("open bundle")?;
    let mut ab = [0u8; 256];
    let bundle_abs = abs_path(bundle.raw(), &mut ab)?;
    let Some(cbuf) = CONFIG_BUF.take() else { return Err(Error::Msg("config buffer")) };
    let text = store::read_file(bundle.raw(), CONFIG, cbuf).ctx("read config.json")?;
    let cfg = OciConfig::parse(text).map_err(Error::Config)?;
    let mut abuf = [0u8; 16 * 1024];
    let mut arena = Arena::new(&mut abuf);
    let ctr = translate(&cfg, cmd.id, bundle_abs, cmd.no_pivot, &mut arena).map_err(Error::Refused)?;
    match (ctr.terminal, cmd.console_socket) {
        (true, None) => return Err(Error::Msg("process.terminal needs --console-socket")),
        (false, Some(_)) => return Err(Error::Msg("--console-socket needs process.terminal")),
        _ => {}
    }
    let mut ctr = ctr;
    // A squashfs image as the root: loop-mounted read-only, its loop
    // device shared with the other containers of the same image.
    let rp = cpath(ctr.rootfs, "root.path")?;
    let rst = statx(AT_FDCWD, (&rp).into(), 0, g::STATX_TYPE).ctx("root.path")?;
    let pkg = if u32::from(rst.stx_mode) & g::S_IFMT == g::S_IFREG {
        if !cfg.root.readonly {
            return Err(Error::Msg("root.path: a squashfs root must be read-only (root.readonly)"));
        }
        ctr.spec.root = rocker_spec::Root::Pkg { read_only: true, no_pivot: cmd.no_pivot };
        ctr.spec.pkg_path = ctr.rootfs;
        Some(openat(AT_FDCWD, (&rp).into(), g::O_RDONLY | g::O_CLOEXEC, 0).ctx("open root.path")?)
    } else {
        None
    };
    let dir = store::create_dir(root.raw(), cmd.id)?;
    let mut made_cgroup = false;
    let hint = pkg.as_ref().and_then(|_| loop_hint(root.raw(), ctr.rootfs));
    let p = Pkg { fd: pkg.as_ref().map_or(-1, |f| f.raw()), hint };
    let r = create_in(cmd, &ctr, cfg.linux.seccomp(), dir.raw(), text, bundle_abs, p, &mut made_cgroup);
    let pid = match r {
        Ok(pid) => pid,
        Err(e) => {
            if made_cgroup {
                let _ = cgroups(ctr.cgroup).map(|(cg, n)| (cg.remove(n), cg.remove_base()));
            }
            let _ = store::remove_dir(root.raw(), cmd.id);
            return Err(e);
        }
    };
    if cmd.verb == Verb::Create {
        return Ok(0);
    }
    // run: start it, and unless detached wait for it and clean up.
    let mut rb = [0u8; 1024];
    let l = load(cmd, &mut rb)?;
    start_fifo(l.dir.raw(), &l.rec)?;
    if cmd.detach {
        return Ok(0);
    }
    let code = wait_child(pid);
    let _ = destroy(&l, cmd.id, true);
    Ok(code)
}

/// Everything of `create` after the state dir exists: on error the caller
/// removes the dir (and the cgroup, once `made_cgroup`).
/// A squashfs root's image fd (-1: none) and a loop device that may carry it.
#[derive(Clone, Copy)]
struct Pkg {
    fd: Fd,
    hint: Option<u32>,
}

/// The loop device of another container of `image` (the guard checks that
/// it still carries that very file before it uses it).
#[inline(never)]
fn loop_hint(root: Fd, image: &[u8]) -> Option<u32> {
    let d = openat(root, c!("."), g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC, 0).ok()?;
    let mut db = [0u8; 2048];
    loop {
        let n = getdents64(d.raw(), &mut db).ok().filter(|&n| n > 0)?;
        for (name, _) in dirents(db.get(..n).unwrap_or(&[])) {
            let Ok(p) = Path256::new(name) else { continue };
            let Ok(cd) = openat(root, (&p).into(), g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC, 0) else { continue };
            let mut rb = [0u8; 1024];
            let rec = store::read_file(cd.raw(), STATE, &mut rb).ok().and_then(Record::decode);
            if let Some(r) = rec.filter(|r| r.image == image && r.loop_dev != rocker_proto::LOOP_NONE && store::alive(r)) {
                return Some(r.loop_dev);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn create_in(cmd: &Cmd, ctr: &Container, seccomp: Option<&rocker_oci::Seccomp>, dir: Fd, text: &[u8], bundle: &[u8], pkg: Pkg, made_cgroup: &mut bool) -> Result<i32, Error> {
    store::write_atomic(dir, CONFIG_TMP, CONFIG, text, 0o600).ctx("save config.json")?;
    mknodat(dir, FIFO, g::S_IFIFO | 0o622, 0, 0).ctx("make exec.fifo")?;
    let fifo = openat(dir, FIFO, g::O_PATH | g::O_CLOEXEC, 0).ctx("open exec.fifo")?;
    let console = match cmd.console_socket {
        Some(p) => {
            let s = socket(net::AF_UNIX, net::SOCK_STREAM | SOCK_CLOEXEC, 0).ctx("console socket")?;
            connect(s.raw(), &SockAddrUn::new(p).ctx("--console-socket")?).ctx("connect --console-socket")?;
            Some(s)
        }
        None => None,
    };
    // The cgroup: always (ps, pause, kill --all use it) where the host has
    // cgroups; the limits need it.
    let spec = ctr.spec();
    let (cg, name) = cgroups(ctr.cgroup)?;
    let join = if cg.mode() == Mode::None {
        if !spec.limits.is_none() {
            return Err(Error::Msg("linux.resources: this host has no cgroups"));
        }
        None
    } else {
        let j = cg.create(name, &spec.limits).map_err(Error::Cgroup)?;
        *made_cgroup = true;
        Some(j)
    };
    // A first record: a create killed from here on leaves a stopped
    // container whose delete removes the cgroup too.
    let first = Record { pid: 0, start: 0, created: 0, cgroup: if join.is_some() { ctr.cgroup } else { b"" }, bundle, image: b"", loop_dev: rocker_proto::LOOP_NONE };
    let mut b = RecordBuf::new();
    first.encode(&mut b);
    if !b.overflow() {
        store::write_atomic(dir, STATE_TMP, STATE, b.as_bytes(), 0o600).ctx("save state")?;
    }
    // Namespaces joined by path: opened here, on the host's paths; the pid
    // one is joined by this process (for its child), the others by the
    // child itself.
    let mut joins: [Fd; 6] = [-1; 6];
    let mut held: [Option<OwnedFd>; 6] = Default::default();
    for ((j, fd), h) in ctr.joins.iter().zip(joins.iter_mut()).zip(held.iter_mut()) {
        let p = Path256::new(j.path).ctx("linux.namespaces[].path")?;
        let f = openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0).ctx("open linux.namespaces[].path")?;
        if j.ns == rocker_spec::Ns::NEWPID {
            setns(f.raw(), j.ns).ctx("join the pid namespace of linux.namespaces[].path")?;
        }
        *fd = f.raw();
        *h = Some(f);
    }
    let (ours, theirs) = socketpair(net::AF_UNIX, net::SOCK_SEQPACKET | SOCK_CLOEXEC).ctx("socketpair")?;
    let mut hb = [0u8; 65];
    let host = host_name(&mut hb);
    let flags = CloneFlags::new(spec.ns, g::SIGCHLD);
    let fork = match &join {
        // A child that cannot join exits at once (EXIT_JOIN_FAILED): its
        // report socket closes without a report.
        Some(j) => j.fork(flags, |_| {}),
        None => clone(flags, None),
    }
    .ctx("clone the container's process")?;
    let pid = match fork {
        Fork::Child => crate::init::run(crate::init::Init {
            proc: crate::init::Proc { c: ctr, seccomp, console: console.as_ref().map(|s| s.raw()) },
            sync: theirs.raw(),
            fifo: fifo.raw(),
            joins,
            pkg: pkg.fd,
            loop_hint: pkg.hint,
            name: host,
        }),
        Fork::Parent(pid) => pid,
    };
    drop(theirs);
    drop(console);
    let loop_dev = match wait_ready(ours.raw()) {
        Ok(l) => l,
        Err(e) => {
            let _ = kill(pid, g::SIGKILL);
            let _ = wait4(pid, 0);
            return Err(e);
        }
    };
    let start = store::proc_stat(pid).map_or(0, |(_, t)| t);
    let image = if pkg.fd >= 0 { ctr.rootfs } else { b"" };
    let rec = Record { pid, start, created: crate::say::realtime_s(), cgroup: if join.is_some() { ctr.cgroup } else { b"" }, bundle, image, loop_dev };
    let mut b = RecordBuf::new();
    rec.encode(&mut b);
    let saved = if b.overflow() { Err(Errno::ENAMETOOLONG) } else { store::write_atomic(dir, STATE_TMP, STATE, b.as_bytes(), 0o600) };
    if let Err(e) = saved.and_then(|()| pid_file(cmd.pid_file, pid)).and_then(|()| write_all(ours.raw(), b"1")) {
        let _ = kill(pid, g::SIGKILL);
        let _ = wait4(pid, 0);
        return Err(Error::Sys("save state", e));
    }
    Ok(pid)
}

/// The init's report: Ok (with the loop device of a squashfs root) once it
/// is ready to wait for `start`.
#[inline(never)]
fn wait_ready(sync: Fd) -> Result<u32, Error> {
    let mut b = [0u8; 64];
    loop {
        let n = retry(|| recvmsg(sync, &mut b, 0).map(|(n, _, _)| n)).ctx("read the container's report")?;
        if n == 0 {
            return Err(Error::Msg("the container's process died during its setup"));
        }
        match rocker_proto::decode_guard_msg(b.get(..n).unwrap_or(&[])) {
            Ok(rocker_proto::GuardMsg::Report(r)) if r.err == 0 => return Ok(r.loop_dev),
            Ok(rocker_proto::GuardMsg::Report(r)) => {
                let f = rocker_spec::Fail::new(r.err, Errno(r.sys_errno as u16), r.step).index(usize::from(r.index));
                return Err(Error::Setup(f));
            }
            // A pre-5.8 loop attach announces its device: nothing to do.
            Ok(rocker_proto::GuardMsg::LoopClaim(_)) => continue,
            Err(_) => return Err(Error::Msg("bad report from the container's process")),
        }
    }
}

/// Writes `pid` to the pid file, atomically (a temporary file renamed).
#[inline(never)]
pub fn pid_file(path: Option<&[u8]>, pid: i32) -> syscalls::Result<()> {
    let Some(p) = path else { return Ok(()) };
    let name = Path256::new(p)?;
    let mut tmp = Path256::new(p)?;
    tmp.push(b".tmp")?;
    let mut v = Buf::<16>::new();
    v.push_i64(i64::from(pid));
    store::write_atomic(AT_FDCWD, (&tmp).into(), (&name).into(), v.as_bytes(), 0o644)
}

/// Waits for our child `pid`, forwarding the usual signals to it; its exit
/// status (128 + signal when killed).
#[inline(never)]
pub fn wait_child(pid: i32) -> i32 {
    let sigs = [g::SIGINT, g::SIGTERM, g::SIGHUP, g::SIGQUIT, g::SIGUSR1, g::SIGUSR2, g::SIGWINCH];
    let set = sigs.iter().fold(SigSet::empty().add(g::SIGCHLD), |s, &x| s.add(x));
    let _ = rt_sigprocmask(SIG_BLOCK, &set);
    let sfd = signalfd(&set, g::O_CLOEXEC | g::O_NONBLOCK).ok();
    loop {
        match wait4(pid, WNOHANG) {
            Ok((p, st)) if p == pid => return st.code(),
            Err(Errno::EINTR) => continue,
            Err(_) => return 255,
            Ok(_) => {}
        }
        let Some(s) = &sfd else {
            return wait4(pid, 0).map_or(255, |(_, st)| st.code());
        };
        let mut p = [PollFd { fd: s.raw(), events: POLLIN, revents: 0 }];
        let _ = ppoll(&mut p, None, None);
        while let Ok((sig, _)) = signalfd_read(s.raw()) {
            if sig != g::SIGCHLD {
                let _ = kill(pid, sig);
            }
        }
    }
}

// ------------------------------------------------------------ start, state

#[inline(never)]
fn start(cmd: &Cmd) -> Result<i32, Error> {
    let mut b = [0u8; 1024];
    let l = load(cmd, &mut b)?;
    match l.status {
        Status::Created => {}
        Status::Stopped => return Err(Error::Msg("cannot start a container that has stopped")),
        _ => return Err(Error::Msg("cannot start an already running container")),
    }
    start_fifo(l.dir.raw(), &l.rec)?;
    Ok(0)
}

/// Lets the init go: opens `exec.fifo` for reading (the init's open for
/// writing returns), takes its byte, removes the fifo. Fails if the init
/// dies first.
#[inline(never)]
fn start_fifo(dir: Fd, rec: &Record) -> Result<(), Error> {
    let pfd = store::pidfd(rec)?;
    let f = openat(dir, FIFO, g::O_RDONLY | g::O_NONBLOCK | g::O_CLOEXEC, 0).ctx("open exec.fifo")?;
    loop {
        let mut p = [PollFd { fd: f.raw(), events: POLLIN, revents: 0 }, PollFd { fd: pfd.as_ref().map_or(-1, |p| p.raw()), events: POLLIN, revents: 0 }];
        let _ = ppoll(&mut p, Some(&Timespec::from_ms(100)), None);
        let mut b = [0u8; 1];
        match read(f.raw(), &mut b) {
            Ok(1) => break,
            Err(Errno::EAGAIN | Errno::EINTR) | Ok(_) if store::alive(rec) && p[1].revents == 0 => continue,
            _ => return Err(Error::Msg("the container's process exited before start")),
        }
    }
    let _ = unlinkat(dir, FIFO, 0);
    Ok(())
}

#[inline(never)]
fn state(cmd: &Cmd) -> Result<i32, Error> {
    let mut b = [0u8; 1024];
    let l = load(cmd, &mut b)?;
    let Some(cbuf) = CONFIG_BUF.take() else { return Err(Error::Msg("config buffer")) };
    let text = store::read_file(l.dir.raw(), CONFIG, cbuf).unwrap_or(b"");
    let cfg = OciConfig::parse(text).unwrap_or_default();
    let st = State {
        id: cmd.id,
        status: l.status,
        pid: if l.status == Status::Stopped { 0 } else { l.rec.pid },
        bundle: l.rec.bundle,
        annotations: cfg.annotations.as_slice(),
    };
    let mut o = [0u8; 8192];
    let json = rocker_oci::write_state(&st, &mut o, true).ok_or(Error::Msg("state too large"))?;
    out(json);
    out(b"\n");
    Ok(0)
}

// ------------------------------------------------------------ kill, delete

#[inline(never)]
fn kill_verb(cmd: &Cmd) -> Result<i32, Error> {
    let sig = crate::sig::parse(cmd.signal).ok_or(Error::Usage("unknown signal"))?;
    let mut b = [0u8; 1024];
    let l = load(cmd, &mut b)?;
    if l.status == Status::Stopped {
        return Err(Error::Msg("container not running"));
    }
    if cmd.all && !l.rec.cgroup.is_empty() {
        let (cg, n) = cgroups(l.rec.cgroup)?;
        cg.pids(n, &mut |p| {
            let _ = kill(p, sig);
        })
        .map_err(Error::Cgroup)?;
        return Ok(0);
    }
    store::signal(&l.rec, sig)?;
    Ok(0)
}

#[inline(never)]
fn delete(cmd: &Cmd) -> Result<i32, Error> {
    let mut b = [0u8; 1024];
    let l = match load(cmd, &mut b) {
        Err(Error::Msg("container does not exist")) if cmd.force => return Ok(0),
        r => r?,
    };
    match l.status {
        Status::Running | Status::Paused if !cmd.force => return Err(Error::Msg("cannot delete a container that is not stopped (use --force)")),
        _ => destroy(&l, cmd.id, false)?,
    }
    Ok(0)
}

/// Kills what is left of the container and removes its cgroup and state.
#[inline(never)]
fn destroy(l: &Loaded, id: &[u8], reaped: bool) -> Result<(), Error> {
    let rec = &l.rec;
    if !reaped && l.status != Status::Stopped {
        let pfd = store::pidfd(rec).ok().flatten();
        let _ = store::signal(rec, g::SIGKILL);
        if !rec.cgroup.is_empty() {
            // Kills (and thaws) every process of the container.
            let (cg, n) = cgroups(rec.cgroup)?;
            cg.remove(n).map_err(Error::Cgroup)?;
        }
        wait_exit(pfd.as_ref(), rec, 10_000);
    }
    if !rec.cgroup.is_empty() {
        let (cg, n) = cgroups(rec.cgroup)?;
        cg.remove(n).map_err(Error::Cgroup)?;
        let _ = cg.remove_base();
    }
    store::remove_dir(l.root.raw(), id)
}

// ------------------------------------------------------------ pause, ps, list

#[inline(never)]
fn pause(cmd: &Cmd) -> Result<i32, Error> {
    let mut b = [0u8; 1024];
    let l = load(cmd, &mut b)?;
    let on = cmd.verb == Verb::Pause;
    match (on, l.status) {
        (true, Status::Running) | (false, Status::Paused) => {}
        (true, _) => return Err(Error::Msg("container not running")),
        (false, _) => return Err(Error::Msg("container not paused")),
    }
    if l.rec.cgroup.is_empty() {
        return Err(Error::Msg("no cgroup freezer on this host"));
    }
    let (cg, n) = cgroups(l.rec.cgroup)?;
    cg.freeze(n, on).map_err(Error::Cgroup)?;
    Ok(0)
}

#[inline(never)]
fn ps(cmd: &Cmd) -> Result<i32, Error> {
    let mut b = [0u8; 1024];
    let l = load(cmd, &mut b)?;
    let mut o = [0u8; 8192];
    let mut w = Writer::new(&mut o, false);
    if cmd.json {
        w.begin_array();
    } else {
        w.raw(b"PID\n");
    }
    let one = |w: &mut Writer, p: i32| {
        if cmd.json {
            w.i64(i64::from(p));
        } else {
            let mut n = Buf::<16>::new();
            n.push_i64(i64::from(p)).push_byte(b'\n');
            w.raw(n.as_bytes());
        }
    };
    if l.status != Status::Stopped {
        if l.rec.cgroup.is_empty() {
            one(&mut w, l.rec.pid);
        } else {
            let (cg, n) = cgroups(l.rec.cgroup)?;
            cg.pids(n, &mut |p| one(&mut w, p)).map_err(Error::Cgroup)?;
        }
    }
    if cmd.json {
        w.end_array().raw(b"\n");
    }
    out(w.finish().ok_or(Error::Msg("too many processes"))?);
    Ok(0)
}

#[inline(never)]
fn list(cmd: &Cmd) -> Result<i32, Error> {
    let root = match store::open_root(cmd.root, false) {
        Err(Error::Sys(_, Errno::ENOENT)) => None,
        r => Some(r?),
    };
    let mut o = [0u8; 16384];
    let mut w = Writer::new(&mut o, false);
    if cmd.json {
        w.begin_array();
    } else if !cmd.quiet {
        w.raw(b"ID\tPID\tSTATUS\tBUNDLE\tCREATED\n");
    }
    if let Some(root) = root {
        let d = openat(root.raw(), c!("."), g::O_RDONLY | g::O_DIRECTORY | g::O_CLOEXEC, 0).ctx("read --root")?;
        let mut db = [0u8; 2048];
        loop {
            let n = getdents64(d.raw(), &mut db).ctx("read --root")?;
            if n == 0 {
                break;
            }
            for (name, ty) in dirents(db.get(..n).unwrap_or(&[])) {
                if u32::from(ty) != g::DT_DIR || !valid_id(name) {
                    continue;
                }
                let c = Cmd { id: name, ..*cmd };
                let mut rb = [0u8; 1024];
                let Ok(l) = load(&c, &mut rb) else { continue };
                let pid = if l.status == Status::Stopped { 0 } else { l.rec.pid };
                let mut t = [0u8; 20];
                let created = crate::say::rfc3339(l.rec.created, &mut t);
                if cmd.json {
                    w.begin_object().key(b"ociVersion").str(rocker_oci::OCI_VERSION).key(b"id").str(name);
                    w.key(b"pid").i64(i64::from(pid)).key(b"status").str(l.status.as_bytes());
                    w.key(b"bundle").str(l.rec.bundle).key(b"created").str(created).key(b"owner").str(b"root").end_object();
                } else if cmd.quiet {
                    w.raw(name).raw(b"\n");
                } else {
                    let mut n = Buf::<16>::new();
                    n.push_i64(i64::from(pid));
                    w.raw(name).raw(b"\t").raw(n.as_bytes()).raw(b"\t").raw(l.status.as_bytes()).raw(b"\t");
                    w.raw(l.rec.bundle).raw(b"\t").raw(created).raw(b"\n");
                }
            }
        }
    }
    if cmd.json {
        w.end_array().raw(b"\n");
    }
    out(w.finish().ok_or(Error::Msg("too many containers to list"))?);
    Ok(0)
}

// ------------------------------------------------------------ spec, features

#[inline(never)]
fn spec(cmd: &Cmd) -> Result<i32, Error> {
    let b = cpath(cmd.bundle.unwrap_or(b"."), "--bundle")?;
    let d = openat(AT_FDCWD, (&b).into(), g::O_PATH | g::O_DIRECTORY | g::O_CLOEXEC, 0).ctx("open bundle")?;
    let mut o = [0u8; 4096];
    let text = rocker_oci::write_default_config(&mut o).ok_or(Error::Msg("spec"))?;
    let f = match openat(d.raw(), CONFIG, g::O_WRONLY | g::O_CREAT | g::O_EXCL | g::O_NOFOLLOW | g::O_CLOEXEC, 0o666) {
        Err(Errno::EEXIST) => return Err(Error::Msg("config.json exists: remove it first")),
        r => r.ctx("create config.json")?,
    };
    write_all(f.raw(), text).ctx("write config.json")?;
    Ok(0)
}

/// What this runtime supports, narrowed from what the parser knows.
const FEATURES: rocker_oci::Features = rocker_oci::Features {
    // pid network mount ipc uts cgroup (no user, no time)
    namespaces: 0b0101_1111,
    cgroup_v1: true,
    cgroup_v2: true,
    // not TRACE (5), not NOTIFY (8)
    seccomp_actions: rocker_oci::mask(9) & !(1 << 5) & !(1 << 8),
    // TSYNC, LOG, SPEC_ALLOW go to seccomp(2) as they are
    seccomp_supported_flags: rocker_oci::mask(3),
    ..rocker_oci::FEATURES
};

#[inline(never)]
fn features() -> Result<i32, Error> {
    let mut o = [0u8; 4096];
    out(rocker_oci::write_features(&FEATURES, &mut o).ok_or(Error::Msg("features"))?);
    Ok(0)
}
