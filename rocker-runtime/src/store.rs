//! The state directory: `<root>/<id>/` (0700, root's) per container, with
//! `state` (the [`Record`]), `config.json` (the config it was created
//! from, for `state`'s annotations and `exec`'s defaults) and `exec.fifo`
//! while it waits for `start`.
//!
//! Every operation is relative to the root's fd and follows no symlink: the
//! root is opened one component at a time with `O_NOFOLLOW` (and created,
//! 0700, where missing), ids are single plain components, and files are
//! written to a temporary name and renamed, so a runtime killed at any
//! point leaves the old file or the new one. A directory left without a
//! record (a `create` killed early) reads as a stopped container that
//! `delete` removes.
use rocker_oci::Status;
use syscalls::sys::general as g;
use syscalls::*;
use core::result::Result;

use crate::record::{parse_stat, Record};
use crate::say::{Ctx, Error};

/// A NUL-terminated literal.
macro_rules! c {
    ($s:literal) => {
        const { CStr::lit(concat!($s, "\0").as_bytes()) }
    };
}
pub(crate) use c;

pub const STATE: CStr<'static> = c!("state");
pub const STATE_TMP: CStr<'static> = c!("state.tmp");
pub const CONFIG: CStr<'static> = c!("config.json");
pub const CONFIG_TMP: CStr<'static> = c!("config.json.tmp");
pub const FIFO: CStr<'static> = c!("exec.fifo");

const DIR: u32 = g::O_PATH | g::O_DIRECTORY | g::O_NOFOLLOW | g::O_CLOEXEC;

/// Opens the state root `path`, creating missing components (0700) when
/// `create`; no symlink anywhere on the path. It must be root's and not
/// writable by others.
pub fn open_root(path: &[u8], create: bool) -> Result<OwnedFd, Error> {
    const WHAT: &str = "state root (--root: an absolute path without symlinks)";
    if path.first() != Some(&b'/') {
        return Err(Error::Sys(WHAT, Errno::EINVAL));
    }
    let mut cur = openat(AT_FDCWD, c!("/"), DIR, 0).ctx(WHAT)?;
    for comp in path.split(|&c| c == b'/').filter(|c| !c.is_empty()) {
        if comp == b".." {
            return Err(Error::Sys(WHAT, Errno::EINVAL));
        }
        let name = Path256::new(comp).ctx(WHAT)?;
        let next = match openat(cur.raw(), (&name).into(), DIR, 0) {
            Err(Errno::ENOENT) if create => {
                match mkdirat(cur.raw(), (&name).into(), 0o700) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(Error::Sys(WHAT, e)),
                }
                openat(cur.raw(), (&name).into(), DIR, 0)
            }
            r => r,
        };
        cur = next.ctx(WHAT)?;
    }
    let st = fstat(cur.raw()).ctx(WHAT)?;
    if st.stx_uid != getuid() || u32::from(st.stx_mode) & 0o022 != 0 {
        return Err(Error::Sys(WHAT, Errno::EPERM));
    }
    Ok(cur)
}

fn id_path(id: &[u8]) -> Result<Path256, Error> {
    if !crate::translate::valid_id(id) {
        return Err(Error::Usage("invalid container id (1 to 64 of A-Z a-z 0-9 _ . -, not starting with .)"));
    }
    Path256::new(id).ctx("container id")
}

/// Makes `<root>/<id>` (0700).
pub fn create_dir(root: Fd, id: &[u8]) -> Result<OwnedFd, Error> {
    let p = id_path(id)?;
    match mkdirat(root, (&p).into(), 0o700) {
        Err(Errno::EEXIST) => return Err(Error::Msg("container with this id exists")),
        r => r.ctx("create state dir")?,
    }
    openat(root, (&p).into(), DIR, 0).ctx("open state dir")
}

/// Opens `<root>/<id>`.
pub fn open_dir(root: Fd, id: &[u8]) -> Result<OwnedFd, Error> {
    let p = id_path(id)?;
    match openat(root, (&p).into(), DIR, 0) {
        Err(Errno::ENOENT) => Err(Error::Msg("container does not exist")),
        r => r.ctx("open state dir"),
    }
}

/// Reads a whole small file (at most `buf.len()` bytes).
pub fn read_file<'b>(dir: Fd, name: CStr, buf: &'b mut [u8]) -> syscalls::Result<&'b [u8]> {
    let f = openat(dir, name, g::O_RDONLY | g::O_NOFOLLOW | g::O_CLOEXEC, 0)?;
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
        match retry(|| read(f.raw(), rest))? {
            0 => return Ok(buf.get(..n).unwrap_or(&[])),
            k => n += k,
        }
    }
    // Full: one more byte would not fit.
    let mut probe = [0u8; 1];
    match retry(|| read(f.raw(), &mut probe))? {
        0 => Ok(buf.get(..n).unwrap_or(&[])),
        _ => Err(Errno::EFBIG),
    }
}

/// Writes `data` to `tmp` (in `dir`, mode `mode`) and renames it to `name`.
pub fn write_atomic(dir: Fd, tmp: CStr, name: CStr, data: &[u8], mode: u32) -> syscalls::Result<()> {
    let _ = unlinkat(dir, tmp, 0);
    let f = openat(dir, tmp, g::O_WRONLY | g::O_CREAT | g::O_EXCL | g::O_NOFOLLOW | g::O_CLOEXEC, mode)?;
    let r = write_all(f.raw(), data);
    drop(f);
    r.and_then(|()| renameat2(dir, tmp, dir, name, 0)).inspect_err(|_| {
        let _ = unlinkat(dir, tmp, 0);
    })
}

/// Removes `<root>/<id>` and the files the runtime puts there.
pub fn remove_dir(root: Fd, id: &[u8]) -> Result<(), Error> {
    let p = id_path(id)?;
    if let Ok(d) = openat(root, (&p).into(), DIR, 0) {
        for f in [FIFO, STATE_TMP, CONFIG_TMP, CONFIG, STATE] {
            let _ = unlinkat(d.raw(), f, 0);
        }
    }
    match unlinkat(root, (&p).into(), g::AT_REMOVEDIR) {
        Ok(()) | Err(Errno::ENOENT) => Ok(()),
        Err(e) => Err(Error::Sys("remove state dir", e)),
    }
}

/// `(state letter, start time)` of `pid`, None if it is gone.
pub fn proc_stat(pid: i32) -> Option<(u8, u64)> {
    let mut p = Path256::new(b"/proc/").ok()?;
    p.push_num(pid as u64).ok()?;
    p.push(b"/stat").ok()?;
    let mut b = [0u8; 512];
    let s = read_file(AT_FDCWD, (&p).into(), &mut b).ok()?;
    parse_stat(s)
}

/// The record's init still runs (same start time, not a zombie).
pub fn alive(r: &Record) -> bool {
    matches!(proc_stat(r.pid), Some((s, t)) if t == r.start && s != b'Z' && s != b'X')
}

/// A pidfd of the record's init, checked to be that very process after it
/// was opened (so a recycled pid is never signalled). Kernels before 5.3:
/// `Ok(None)`, signal by pid after the check.
pub fn pidfd(r: &Record) -> Result<Option<OwnedFd>, Error> {
    let fd = match pidfd_open(r.pid, 0) {
        Ok(fd) => Some(fd),
        Err(Errno::ENOSYS) => None,
        Err(Errno::ESRCH) => return Err(Error::Msg("container not running")),
        Err(e) => return Err(Error::Sys("pidfd_open", e)),
    };
    if !alive(r) {
        return Err(Error::Msg("container not running"));
    }
    Ok(fd)
}

/// Sends `sig` to the record's init.
pub fn signal(r: &Record, sig: u32) -> Result<(), Error> {
    match pidfd(r)? {
        Some(fd) => pidfd_send_signal(fd.raw(), sig),
        None => kill(r.pid, sig),
    }
    .map_err(|e| if e == Errno::ESRCH { Error::Msg("container not running") } else { Error::Sys("kill", e) })
}

/// Where a loaded container stands.
pub fn status(dir: Fd, r: &Record, frozen: impl FnOnce() -> bool) -> Status {
    if !alive(r) {
        Status::Stopped
    } else if statx(dir, FIFO, g::AT_SYMLINK_NOFOLLOW, 0).is_ok() {
        Status::Created
    } else if frozen() {
        Status::Paused
    } else {
        Status::Running
    }
}
