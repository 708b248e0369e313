//! `Errno`: a positive kernel errno, printed as `EBUSY (16)`.
//! The numbers come from linux-raw-sys for the target arch (MIPS differs).
use linux_raw_sys::errno as e;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(pub u16);

pub type Result<T> = core::result::Result<T, Errno>;

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno { $(pub const $name: Errno = Errno(e::$name as u16);)* }
        const TABLE: &[(u16, &str)] = &[$((e::$name as u16, stringify!($name))),*];
        static NAMES: crate::names::Names<{ crate::names::packed_len(TABLE) }> = crate::names::Names::pack(TABLE);
    };
}
errnos!(
    EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM,
    EACCES, EFAULT, ENOTBLK, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE,
    EMFILE, ENOTTY, ETXTBSY, EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, EDOM, ERANGE,
    EDEADLK, ENAMETOOLONG, ENOLCK, ENOSYS, ENOTEMPTY, ELOOP, ENOMSG, EIDRM, ENODATA, ETIME,
    EPROTO, EBADMSG, EOVERFLOW, EILSEQ, EUSERS, ENOTSOCK, EDESTADDRREQ, EMSGSIZE, EPROTOTYPE,
    ENOPROTOOPT, EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL,
    ENETDOWN, ENETUNREACH, ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN, ENOTCONN, ETIMEDOUT,
    ECONNREFUSED, EHOSTUNREACH, EALREADY, EINPROGRESS, ESTALE, EDQUOT, ECANCELED, EOWNERDEAD,
);

impl Errno {
    /// Decode a raw syscall return: values in [-4095, -1] are errors.
    #[inline]
    pub fn from_ret(r: usize) -> Result<usize> {
        if r > (-4096isize) as usize {
            Err(Errno((r as isize).wrapping_neg() as u16))
        } else {
            Ok(r)
        }
    }
    #[inline]
    pub fn raw(self) -> i32 {
        self.0 as i32
    }
    /// "EBUSY", or "E?" for a number we have no name for.
    pub fn name(self) -> &'static str {
        NAMES.get(self.0).unwrap_or("E?")
    }
    /// Writes `EBUSY (16)` into `out`, returns the length used (a piece
    /// that does not fit is left out).
    pub fn write_to(self, out: &mut [u8]) -> usize {
        let mut n = 0;
        let mut t = [0u8; 20];
        for piece in [self.name().as_bytes(), b" (", crate::fmt::dec(u64::from(self.0), &mut t), b")"] {
            if !crate::fmt::append(out, &mut n, piece) {
                break;
            }
        }
        n
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// Retry a call while it fails with EINTR.
#[inline]
pub fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(Errno::EINTR) => continue,
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn decode() {
        assert_eq!(Errno::from_ret(5), Ok(5));
        assert_eq!(Errno::from_ret((-16isize) as usize), Err(Errno::EBUSY));
        assert_eq!(Errno::from_ret((-4095isize) as usize), Err(Errno(4095)));
        assert_eq!(Errno::from_ret((-4096isize) as usize), Ok((-4096isize) as usize));
    }
    #[test]
    fn names() {
        assert_eq!(Errno::EBUSY.name(), "EBUSY");
        assert_eq!(std::format!("{}", Errno::EBUSY), "EBUSY (16)");
        let mut b = [0u8; 32];
        let n = Errno::ENAMETOOLONG.write_to(&mut b);
        assert_eq!(&b[..n], b"ENAMETOOLONG (36)");
        assert_eq!(Errno(4000).name(), "E?");
        let mut small = [0u8; 3];
        assert_eq!(Errno::EBUSY.write_to(&mut small), 0);
    }
}
