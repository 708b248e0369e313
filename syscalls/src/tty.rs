//! Terminals and the last per-process settings of a container's process:
//! the pty calls (`/dev/ptmx`'s unlock and number, the controlling tty, the
//! window size), `setsid` and `prlimit`.
use crate::arch::{syscall0, syscall3, syscall4};
use crate::conv::{by_mut, by_ref, c_int, c_uint, fd, ret, ret_i32, NULL};
use crate::errno::Result;
use crate::fd::Fd;
use crate::nr;
use linux_raw_sys::general as g;
use linux_raw_sys::ioctl as io;

/// setsid(2): a new session and process group led by the caller.
pub fn setsid() -> Result<i32> {
    // SAFETY: no arguments.
    ret_i32(unsafe { syscall0(nr::setsid) })
}

/// TIOCSPTLCK 0 then TIOCGPTN on a `/dev/ptmx` fd: unlocks the pty's
/// other end and returns its number (`/dev/pts/N`).
pub fn ptmx_unlock(master: Fd) -> Result<u32> {
    let zero: i32 = 0;
    // SAFETY: TIOCSPTLCK reads one int.
    ret(unsafe { syscall3(nr::ioctl, fd(master), c_uint(io::TIOCSPTLCK), by_ref(&zero)) })?;
    let mut n: u32 = 0;
    // SAFETY: TIOCGPTN writes one unsigned int.
    ret(unsafe { syscall3(nr::ioctl, fd(master), c_uint(io::TIOCGPTN), by_mut(&mut n)) })?;
    Ok(n)
}

/// TIOCSCTTY: `tty` becomes the caller's controlling terminal (the caller
/// leads a session that has none).
pub fn set_ctty(tty: Fd) -> Result<()> {
    // SAFETY: TIOCSCTTY takes an int (0: do not steal).
    ret(unsafe { syscall3(nr::ioctl, fd(tty), c_uint(io::TIOCSCTTY), 0) })
}

/// TIOCSWINSZ: the terminal's size in rows and columns.
pub fn set_winsize(tty: Fd, rows: u16, cols: u16) -> Result<()> {
    let w = g::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads one struct winsize.
    ret(unsafe { syscall3(nr::ioctl, fd(tty), c_uint(io::TIOCSWINSZ), by_ref(&w)) })
}

/// prlimit64(0, resource, new, NULL): sets the caller's limit (`u64::MAX`
/// is `RLIM_INFINITY`).
pub fn set_rlimit(resource: u32, cur: u64, max: u64) -> Result<()> {
    let l = g::rlimit64 { rlim_cur: cur, rlim_max: max };
    // SAFETY: the kernel reads one rlimit64; the old value is not asked for.
    ret(unsafe { syscall4(nr::prlimit64, c_int(0), c_uint(resource), by_ref(&l), NULL) })
}
