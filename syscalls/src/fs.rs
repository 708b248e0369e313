//! Files: open, read and write, metadata, directories, links.
use crate::arch::{syscall2, syscall3, syscall4, syscall5};
use crate::conv::{by_mut, by_ref, c_str, c_uint, fd, ret, ret_owned_fd, ret_usize, slice, slice_mut};
use crate::errno::{retry, Errno, Result};
use crate::fd::{Fd, OwnedFd};
use crate::nr;
use crate::path::CStr;
use core::mem::{size_of, MaybeUninit};
use linux_raw_sys::general as g;

/// `AT_FDCWD` as an fd argument.
pub const AT_FDCWD: Fd = g::AT_FDCWD;

pub fn openat(dir: Fd, path: CStr, flags: u32, mode: u32) -> Result<OwnedFd> {
    // SAFETY: path is NUL-terminated and outlives the call.
    ret_owned_fd(unsafe { syscall4(nr::openat, fd(dir), c_str(path), c_uint(flags), c_uint(mode)) })
}

/// openat2 (Linux 5.6+); ENOSYS on older kernels: callers fall back.
pub fn openat2(dir: Fd, path: CStr, flags: u32, mode: u32, resolve: u64) -> Result<OwnedFd> {
    let how = g::open_how { flags: flags.into(), mode: mode.into(), resolve };
    // SAFETY: path and how are valid for the call; size matches the struct.
    ret_owned_fd(unsafe { syscall4(nr::openat2, fd(dir), c_str(path), by_ref(&how), size_of::<g::open_how>()) })
}

pub fn read(f: Fd, buf: &mut [u8]) -> Result<usize> {
    let (p, l) = slice_mut(buf);
    // SAFETY: p is valid for writes of l bytes.
    ret_usize(unsafe { syscall3(nr::read, fd(f), p, l) })
}

pub fn write(f: Fd, buf: &[u8]) -> Result<usize> {
    let (p, l) = slice(buf);
    // SAFETY: p is valid for reads of l bytes.
    ret_usize(unsafe { syscall3(nr::write, fd(f), p, l) })
}

/// Writes all of `buf`, retrying short writes and EINTR.
pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        let n = retry(|| write(fd, buf))?;
        if n == 0 {
            return Err(Errno::EIO);
        }
        buf = buf.get(n..).unwrap_or(&[]);
    }
    Ok(())
}

/// pread64. On 32-bit ARM and MIPS o32 the 64-bit offset takes an aligned
/// register pair after a padding argument, high word first on big-endian.
pub fn pread(f: Fd, buf: &mut [u8], off: u64) -> Result<usize> {
    let (p, l) = slice_mut(buf);
    #[cfg(target_pointer_width = "64")]
    // SAFETY: p is valid for writes of l bytes.
    let r = unsafe { syscall4(nr::pread64, fd(f), p, l, crate::conv::u64_arg(off)) };
    #[cfg(target_pointer_width = "32")]
    let (lo, hi) = crate::conv::u64_pair(off);
    #[cfg(all(target_pointer_width = "32", target_endian = "little"))]
    // SAFETY: as above.
    let r = unsafe { crate::arch::syscall6(nr::pread64, fd(f), p, l, 0, lo, hi) };
    #[cfg(all(target_pointer_width = "32", target_endian = "big"))]
    // SAFETY: as above.
    let r = unsafe { crate::arch::syscall6(nr::pread64, fd(f), p, l, 0, hi, lo) };
    ret_usize(r)
}

pub type Statx = g::statx;

pub fn statx(dir: Fd, path: CStr, flags: u32, mask: u32) -> Result<Statx> {
    let mut st = MaybeUninit::<Statx>::zeroed();
    // SAFETY: st is a writable statx buffer; path is NUL-terminated.
    ret(unsafe { syscall5(nr::statx, fd(dir), c_str(path), c_uint(flags), c_uint(mask), by_mut(&mut st)) })?;
    // SAFETY: zero-initialised and filled by the kernel; all fields are integers.
    Ok(unsafe { st.assume_init() })
}

/// fstat via statx(fd, "", AT_EMPTY_PATH).
pub fn fstat(fd: Fd) -> Result<Statx> {
    statx(fd, CStr::from_bytes_with_nul(b"\0")?, g::AT_EMPTY_PATH, g::STATX_BASIC_STATS)
}

/// The filesystem magic (`f_type`) of the filesystem holding `fd`.
pub fn fstatfs_type(f: Fd) -> Result<u64> {
    #[cfg(target_pointer_width = "32")]
    {
        let mut st = MaybeUninit::<g::statfs64>::zeroed();
        // SAFETY: st is a writable statfs64 of the size we pass.
        ret(unsafe { syscall3(nr::fstatfs, fd(f), size_of::<g::statfs64>(), by_mut(&mut st)) })?;
        // SAFETY: filled by the kernel; integers only.
        Ok(unsafe { st.assume_init() }.f_type as u64)
    }
    #[cfg(target_pointer_width = "64")]
    {
        let mut st = MaybeUninit::<g::statfs>::zeroed();
        // SAFETY: st is a writable statfs.
        ret(unsafe { crate::arch::syscall2(nr::fstatfs, fd(f), by_mut(&mut st)) })?;
        // SAFETY: filled by the kernel; integers only.
        Ok(unsafe { st.assume_init() }.f_type as u64)
    }
}

pub fn mkdirat(dir: Fd, path: CStr, mode: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::mkdirat, fd(dir), c_str(path), c_uint(mode)) })
}

pub fn unlinkat(dir: Fd, path: CStr, flags: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::unlinkat, fd(dir), c_str(path), c_uint(flags)) })
}

pub fn fchownat(dir: Fd, path: CStr, uid: u32, gid: u32, flags: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall5(nr::fchownat, fd(dir), c_str(path), c_uint(uid), c_uint(gid), c_uint(flags)) })
}

pub fn fchmodat(dir: Fd, path: CStr, mode: u32) -> Result<()> {
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall3(nr::fchmodat, fd(dir), c_str(path), c_uint(mode)) })
}

pub fn readlinkat(dir: Fd, path: CStr, buf: &mut [u8]) -> Result<usize> {
    let (p, l) = slice_mut(buf);
    // SAFETY: path is NUL-terminated; p is writable for l bytes.
    ret_usize(unsafe { syscall4(nr::readlinkat, fd(dir), c_str(path), p, l) })
}

/// fchown(2) on an open fd: no path that could be swapped for a symlink.
pub fn fchown(f: Fd, uid: u32, gid: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall3(nr::fchown, fd(f), c_uint(uid), c_uint(gid)) })
}

/// fchmod(2) on an open fd (not an O_PATH one): no path to swap.
pub fn fchmod(f: Fd, mode: u32) -> Result<()> {
    // SAFETY: integers only.
    ret(unsafe { syscall2(nr::fchmod, fd(f), c_uint(mode)) })
}

/// getdents64 into `buf`: the number of bytes filled, 0 at the end. Walk
/// the records with [`dirents`].
pub fn getdents64(f: Fd, buf: &mut [u8]) -> Result<usize> {
    let (p, l) = slice_mut(buf);
    // SAFETY: p is writable for l bytes.
    ret_usize(unsafe { syscall3(nr::getdents64, fd(f), p, l) })
}

/// The names in a buffer filled by [`getdents64`] (`linux_dirent64`: ino
/// u64, off i64, reclen u16, type u8, then the NUL-terminated name), with
/// their `d_type`. Stops at anything malformed.
pub fn dirents(buf: &[u8]) -> impl Iterator<Item = (&[u8], u8)> {
    let mut at = 0usize;
    core::iter::from_fn(move || {
        let rec = buf.get(at..)?;
        let reclen = usize::from(u16::from_ne_bytes([*rec.get(16)?, *rec.get(17)?]));
        let ty = *rec.get(18)?;
        let name = rec.get(19..reclen)?;
        let n = name.iter().position(|&b| b == 0)?;
        at = at.checked_add(reclen).filter(|_| reclen > 0)?;
        name.get(..n).map(|s| (s, ty))
    })
}

/// renameat2(2) (3.15+; the one rename every arch has).
pub fn renameat2(olddir: Fd, old: CStr, newdir: Fd, new: CStr, flags: u32) -> Result<()> {
    // SAFETY: both paths are NUL-terminated.
    ret(unsafe { syscall5(nr::renameat2, fd(olddir), c_str(old), fd(newdir), c_str(new), c_uint(flags)) })
}

/// umask(2); returns the previous mask.
pub fn umask(mask: u32) -> u32 {
    // SAFETY: integers only; umask cannot fail.
    crate::conv::ret_infallible_u32(unsafe { crate::arch::syscall1(nr::umask, c_uint(mask)) })
}

/// symlinkat(2): a symlink `path` (relative to `dir`) pointing at `target`.
/// mknodat(2): `mode` is the file type and permissions, `major:minor` the
/// device (encoded the kernel's way: 12 bits of major, 20 of minor).
pub fn mknodat(dir: Fd, path: CStr, mode: u32, major: u32, minor: u32) -> Result<()> {
    let dev = (minor & 0xff) | (major & 0xfff) << 8 | (minor & !0xff) << 12;
    // SAFETY: path is NUL-terminated.
    ret(unsafe { syscall4(nr::mknodat, fd(dir), c_str(path), c_uint(mode), c_uint(dev)) })
}

pub fn symlinkat(target: CStr, dir: Fd, path: CStr) -> Result<()> {
    // SAFETY: both are NUL-terminated.
    ret(unsafe { syscall3(nr::symlinkat, c_str(target), fd(dir), c_str(path)) })
}
