//! `rocker-master`: the daemon binary: arguments, the socket, the state
//! dir; everything else lives in the library (and in rocker-guard, which
//! runs in the cloned guard).
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod entry;

use rocker_cgroup::Cgroups;
use rocker_master::host::{default_state_dir, open_state_dir, Kernel};
use rocker_master::log::Log;
use rocker_master::{Config, Master, Tables, DEFAULT_SOCKET};
use rocker_proto::Buf;
use syscalls::sys::general as g;
use syscalls::sys::net;
use syscalls::{rt::Args, *};

const HELP: &[u8] = b"usage: rocker-master [--socket PATH] [--group NAME|GID] [--state-dir DIR]
                     [--memory-accounting] [--test-hooks]

rocker's daemon: runs apps from squashfs packages in sandboxes (new mount,
PID and user namespaces, an overlay per top-level dir, the package mounted
read-only at the exec dir). It serves the requests of rocker.h on a
SOCK_SEQPACKET unix socket, in the foreground, until SIGTERM, which ends
every sandbox.

  --socket PATH     listen on PATH (default /var/run/rocker.sock), created
                    mode 0600: only root may connect
  --group NAME|GID  mode 0660 and this group: its members may connect too
                    (each peer is checked with SO_PEERCRED; a RUN from a
                    member needs a data dir the member owns)
  --state-dir DIR   where the records of running sandboxes are kept, so that
                    a master restarted after a crash adopts them
                    (default: PATH.d, root-only)
  --memory-accounting
                    the memory controller for every sandbox (rocker ps
                    shows MEM for all): ~60 kB of kernel memory each on a
                    32-bit router (default: only with a memory limit)
  --test-hooks      accept the requests' test_stall hook (tests only)
  --help            this text
  --version         the version and the wire protocol version

Sandboxes get cgroups below the master's own (v2: it moves into the leaf
`master` first); restart it there to adopt and clean up its sandboxes.
Memory and cpu controllers only when a sandbox asks for such a limit.

Logs one line per event to stderr and syslog, with errno names. Must run as
root.
";

static TABLES: StaticCell<Tables> = StaticCell::new(Tables::new());

fn out(fd: i32, s: &[u8]) {
    let _ = write(fd, s);
}

fn fail(what: &[u8], e: Errno) -> i32 {
    let mut b = Buf::<200>::new();
    let mut en = [0u8; 24];
    let n = e.write_to(&mut en);
    b.push_str(b"rocker-master: ").push_str(what).push_str(b": ").push_str(en.get(..n).unwrap_or(&[])).push_byte(b'\n');
    out(2, b.as_bytes());
    1
}

fn parse_u32(s: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    if s.is_empty() {
        return None;
    }
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}

/// A group name or number to its gid (`/etc/group`: `name:x:gid:...`).
/// Not inlined: its 8 KiB buffer must not sit in main's frame, resident
/// for the daemon's life (and in every guard).
#[inline(never)]
fn group_id(name: &[u8]) -> Result<u32> {
    if let Some(v) = parse_u32(name) {
        return Ok(v);
    }
    let p = Path256::new(b"/etc/group")?;
    let f = openat(AT_FDCWD, (&p).into(), g::O_RDONLY | g::O_CLOEXEC, 0)?;
    let mut buf = [0u8; 8192];
    let n = retry(|| read(f.raw(), &mut buf))?;
    for line in buf.get(..n).unwrap_or(&[]).split(|&c| c == b'\n') {
        let mut it = line.split(|&c| c == b':');
        if it.next() == Some(name) {
            if let Some(gid) = it.nth(1).and_then(parse_u32) {
                return Ok(gid);
            }
        }
    }
    Err(Errno::ENOENT)
}

/// Binds and listens on `path` with the mode the umask gives (0600, or
/// 0660 and `group`). A stale socket file (nobody answers) is replaced; a
/// live one means another master runs: EADDRINUSE.
fn listen_on(path: &Path256, group: Option<u32>) -> Result<OwnedFd> {
    let addr = SockAddrUn::new(path.as_bytes())?;
    let ty = net::SOCK_SEQPACKET | SOCK_CLOEXEC;
    {
        let probe = socket(net::AF_UNIX, ty, 0)?;
        match connect(probe.raw(), &addr) {
            Ok(()) => return Err(Errno::EADDRINUSE),
            Err(Errno::ECONNREFUSED) => {
                let st = statx(AT_FDCWD, path.into(), g::AT_SYMLINK_NOFOLLOW, g::STATX_TYPE)?;
                if u32::from(st.stx_mode) & g::S_IFMT != g::S_IFSOCK {
                    return Err(Errno::EEXIST);
                }
                unlinkat(AT_FDCWD, path.into(), 0)?;
            }
            Err(_) => {}
        }
    }
    let fd = socket(net::AF_UNIX, ty | SOCK_NONBLOCK, 0)?;
    // The socket file gets its mode at bind: never a moment with more.
    let old = umask(if group.is_some() { 0o117 } else { 0o177 });
    let r = bind(fd.raw(), &addr);
    umask(old);
    r?;
    if let Some(gid) = group {
        // Ownership on the file's own fd, never by a path that could be swapped.
        let f = openat(AT_FDCWD, path.into(), g::O_PATH | g::O_NOFOLLOW | g::O_CLOEXEC, 0)?;
        fchownat(f.raw(), CStr::lit(b"\0"), 0, gid, g::AT_EMPTY_PATH)?;
    }
    listen(fd.raw(), 64)?;
    Ok(fd)
}

pub fn main(args: Args) -> i32 {
    let mut socket = DEFAULT_SOCKET;
    let mut state: Option<&[u8]> = None;
    let mut cfg = Config::default();
    let mut cgc = rocker_cgroup::Config::DEFAULT;
    let mut i = 1;
    while let Some(a) = args.get(i) {
        let val = args.get(i + 1);
        match a {
            b"--help" | b"-h" => {
                out(1, HELP);
                return 0;
            }
            b"--version" | b"-V" => {
                out(1, concat!("rocker-master ", env!("CARGO_PKG_VERSION"), " (protocol 1)\n").as_bytes());
                return 0;
            }
            b"--test-hooks" => cfg.test_hooks = true,
            b"--memory-accounting" => cgc.always |= rocker_cgroup::MEMORY,
            b"--socket" | b"--group" | b"--state-dir" => {
                let Some(v) = val else { return fail(a, Errno::EINVAL) };
                match a {
                    b"--socket" => socket = v,
                    b"--state-dir" => state = Some(v),
                    _ => match group_id(v) {
                        Ok(gid) => cfg.group = Some(gid),
                        Err(e) => return fail(b"--group: unknown group", e),
                    },
                }
                i += 1;
            }
            _ => {
                out(2, b"rocker-master: unknown argument (see --help)\n");
                return 2;
            }
        }
        i += 1;
    }
    let Ok(path) = Path256::new(socket) else { return fail(b"--socket", Errno::ENAMETOOLONG) };
    let state_path = match state {
        Some(s) => Path256::new(s),
        None => default_state_dir(socket),
    };
    let Ok(state_path) = state_path else { return fail(b"--state-dir", Errno::ENAMETOOLONG) };
    let sigs = SigSet::empty().add(g::SIGCHLD).add(g::SIGTERM).add(g::SIGINT).add(g::SIGHUP);
    if let Err(e) = rt_sigprocmask(SIG_BLOCK, &sigs).and_then(|_| rt_sigaction(g::SIGPIPE, SigAction::Ignore, 0)) {
        return fail(b"signals", e);
    }
    let sig = match signalfd(&sigs, g::O_CLOEXEC | g::O_NONBLOCK) {
        Ok(s) => s,
        Err(e) => return fail(b"signalfd", e),
    };
    let state_dir = match open_state_dir(state_path.as_bytes()) {
        Ok(d) => d,
        Err(e) => return fail(b"state dir (must be root's, 0700, no symlink)", e),
    };
    let listen = match listen_on(&path, cfg.group) {
        Ok(l) => l,
        Err(e) => return fail(b"cannot listen", e),
    };
    let Some(t) = TABLES.take() else { return 1 };
    let log = Log::new();
    // Each sandbox gets a cgroup under ours (see rocker_cgroup); without
    // cgroups, sandboxes without limits still run.
    let mut b = Buf::<400>::new();
    let cg = Cgroups::detect(&cgc).unwrap_or_else(|e| {
        let mut en = [0u8; 24];
        let n = e.errno.write_to(&mut en);
        b.push_str(b"cgroup detection failed (").push_str(en.get(..n).unwrap_or(&[])).push_str(b"): every limit is refused");
        Cgroups::none()
    });
    if b.is_empty() {
        cg.summary(&mut b);
    }
    log.line(b.as_bytes());
    let mut m = Master::new(Kernel { listen, state_dir, log, cg }, t, cfg);
    m.adopt_previous();
    let mut b = Buf::<400>::new();
    b.push_str(b"listening on ").push_str(path.as_bytes());
    match cfg.group {
        Some(gid) => b.push_str(b" (mode 0660, group ").push_u64(u64::from(gid)).push_str(b")"),
        None => b.push_str(b" (mode 0600)"),
    };
    m.host.log.line(b.as_bytes());
    m.serve(sig.raw(), (&path).into());
    // The base stays: another master may be using it (each removes only
    // the cgroups of its own sandboxes).
    m.host.log.line(b"stopped");
    0
}
