//! Errors and what the runtime prints: the message on stderr, and in the
//! `--log` file as runc writes it (logrus text, or one JSON object per
//! line, which containerd's shim reads back: `{"level":"error","msg":...,
//! "time":...}`).
use rocker_oci::Writer;
use syscalls::sys::general as g;
use syscalls::*;
use core::result::Result;

use crate::translate::Refused;

/// Everything that can go wrong, with what was being done.
#[derive(Clone, Copy, Debug)]
pub enum Error {
    /// A system call failed: what for, and its errno.
    Sys(&'static str, Errno),
    /// A plain message (runc's wording where containerd matches on it:
    /// "container does not exist", "container not running").
    Msg(&'static str),
    /// A command-line problem.
    Usage(&'static str),
    /// `config.json` could not be parsed.
    Config(rocker_oci::Error),
    /// A field rocker cannot honour.
    Refused(Refused),
    /// The container's setup failed (reason, errno, step, from its init).
    Setup(rocker_spec::Fail),
    /// A cgroup operation failed.
    Cgroup(rocker_cgroup::Error),
}

/// `result.ctx("open bundle")`.
pub trait Ctx<T> {
    fn ctx(self, what: &'static str) -> Result<T, Error>;
}

impl<T> Ctx<T> for syscalls::Result<T> {
    #[inline]
    fn ctx(self, what: &'static str) -> Result<T, Error> {
        self.map_err(|e| Error::Sys(what, e))
    }
}

/// One line of text.
pub type Line = Buf<512>;

fn errno(b: &mut Line, e: Errno) {
    let mut t = [0u8; 24];
    let n = e.write_to(&mut t);
    b.push_str(t.get(..n).unwrap_or(&[]));
}

impl Error {
    /// The message, without a newline.
    pub fn describe(&self, b: &mut Line) {
        match *self {
            Error::Sys(what, e) => {
                b.push_str(what.as_bytes()).push_str(b": ");
                errno(b, e);
            }
            Error::Msg(m) | Error::Usage(m) => {
                b.push_str(m.as_bytes());
            }
            Error::Config(e) => {
                let mut t = [0u8; 160];
                b.push_str(b"config.json: ").push_str(e.message(&mut t));
            }
            Error::Refused(r) => {
                b.push_str(b"config.json: ").push_str(r.field.as_bytes()).push_str(b": ").push_str(r.why.as_bytes());
            }
            Error::Setup(f) => {
                b.push_str(b"container init: ").push_str(rocker_proto::reason_name(f.code()).as_bytes());
                b.push_str(b" at ").push_str(rocker_proto::step_name(f.step()).as_bytes());
                if f.slot() != 0 {
                    b.push_str(b" index ").push_u64(u64::from(f.slot()));
                }
                b.push_str(b": ");
                errno(b, f.errno());
            }
            Error::Cgroup(e) => e.describe(b),
        }
    }
}

/// Where messages go.
pub struct Say {
    log: Option<OwnedFd>,
    json: bool,
}

impl Say {
    /// stderr only.
    pub const fn stderr() -> Say {
        Say { log: None, json: false }
    }

    /// Also `path` (appended to), in JSON when `json`. A log that cannot be
    /// opened is an error.
    pub fn open(path: Option<&[u8]>, json: bool) -> Result<Say, Error> {
        let log = match path {
            Some(p) => {
                let p = Path256::new(p).ctx("--log")?;
                Some(openat(AT_FDCWD, (&p).into(), g::O_WRONLY | g::O_APPEND | g::O_CREAT | g::O_CLOEXEC, 0o644).ctx("open --log")?)
            }
            None => None,
        };
        Ok(Say { log, json })
    }

    /// Reports `e`: on stderr, and in the log.
    pub fn error(&self, e: &Error) {
        let mut m = Line::new();
        e.describe(&mut m);
        let mut b = Line::new();
        b.push_str(b"rocker-runtime: ").push_str(m.as_bytes()).push_byte(b'\n');
        let _ = write_all(2, b.as_bytes());
        self.log(b"error", m.as_bytes());
    }

    /// A line in the log file (nothing without `--log`).
    pub fn log(&self, level: &[u8], msg: &[u8]) {
        let Some(fd) = &self.log else { return };
        let mut t = [0u8; 20];
        let time = rfc3339(realtime_s(), &mut t);
        let mut buf = [0u8; 768];
        let mut w = Writer::new(&mut buf, false);
        if self.json {
            w.begin_object().key(b"level").str(level).key(b"msg").str(msg).key(b"time").str(time).end_object();
        } else {
            w.raw(b"time=").str(time).raw(b" level=").raw(level).raw(b" msg=").str(msg);
        }
        w.raw(b"\n");
        if let Some(line) = w.finish() {
            let _ = write_all(fd.raw(), line);
        }
    }
}

/// Seconds since the epoch.
pub fn realtime_s() -> u64 {
    clock_gettime(CLOCK_REALTIME).map_or(0, |t| t.as_ns() / 1_000_000_000)
}

/// `2026-11-26T16:26:09Z` (UTC) for `secs` since the epoch (to 2105:
/// 32-bit arithmetic after one division).
pub fn rfc3339(secs: u64, out: &mut [u8; 20]) -> &[u8] {
    let days = (secs / 86_400) as u32;
    let rem = (secs % 86_400) as u32;
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u32::from(m <= 2);
    let parts = [(y, 4usize, b'-'), (m, 2, b'-'), (d, 2, b'T'), (rem / 3600, 2, b':'), (rem / 60 % 60, 2, b':'), (rem % 60, 2, b'Z')];
    let mut i = 0;
    for (v, w, sep) in parts {
        let mut v = v;
        for k in (0..w).rev() {
            if let Some(c) = out.get_mut(i + k) {
                *c = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
        i += w;
        if let Some(c) = out.get_mut(i) {
            *c = sep;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let mut t = [0u8; 20];
        assert_eq!(rfc3339(0, &mut t), b"1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400, &mut t), b"2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_174_369, &mut t), b"2025-11-26T16:26:09Z");
        assert_eq!(rfc3339(4_102_444_799, &mut t), b"2099-12-31T23:59:59Z");
    }

    #[test]
    fn messages() {
        let mut b = Line::new();
        Error::Sys("open bundle", Errno::ENOENT).describe(&mut b);
        assert_eq!(b.as_bytes(), b"open bundle: ENOENT (2)");
        let mut b = Line::new();
        Error::Refused(Refused { field: "linux.devices", why: "not supported" }).describe(&mut b);
        assert_eq!(b.as_bytes(), b"config.json: linux.devices: not supported");
        let mut b = Line::new();
        let f = rocker_spec::Fail::new(rocker_proto::err::BUILD_ROCKER_FAILED, Errno::EPERM, rocker_proto::step::MOUNT_PROC);
        Error::Setup(f).describe(&mut b);
        assert_eq!(b.as_bytes(), b"container init: build_rocker_failed at mount_proc: EPERM (1)");
    }
}
