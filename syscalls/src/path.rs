//! Fixed-capacity NUL-terminated paths: no allocator, and a path that does
//! not fit is `ENAMETOOLONG`, never truncated.
use crate::errno::{Errno, Result};

/// The one implementation of `CPath::push` (not generic: one copy of code
/// whatever the capacities used).
#[inline(never)]
fn push_nul(buf: &mut [u8], len: &mut usize, s: &[u8]) -> Result<()> {
    if s.contains(&0) {
        return Err(Errno::EINVAL);
    }
    // Room for s and the NUL after it.
    if len.checked_add(s.len()).is_none_or(|end| end >= buf.len()) {
        return Err(Errno::ENAMETOOLONG);
    }
    if !crate::fmt::append(buf, len, s) {
        return Err(Errno::ENAMETOOLONG);
    }
    if let Some(z) = buf.get_mut(*len) {
        *z = 0;
    }
    Ok(())
}

#[derive(Clone)]
pub struct CPath<const N: usize> {
    buf: [u8; N],
    len: usize,
}

/// The common size: PATH_MAX-like limit used across rocker's wire protocol.
pub type Path256 = CPath<256>;

impl<const N: usize> CPath<N> {
    pub const fn empty() -> Self {
        const { assert!(N > 0, "CPath<0> has no room for the NUL") };
        CPath { buf: [0; N], len: 0 }
    }
    /// Copies `s` (which must not contain NUL) and appends the terminator.
    pub fn new(s: &[u8]) -> Result<Self> {
        let mut p = Self::empty();
        p.push(s)?;
        Ok(p)
    }
    /// Appends bytes; `ENAMETOOLONG` if the result plus NUL would not fit,
    /// `EINVAL` if `s` contains a NUL.
    pub fn push(&mut self, s: &[u8]) -> Result<()> {
        push_nul(&mut self.buf, &mut self.len, s)
    }
    /// Appends a decimal number.
    pub fn push_num(&mut self, v: u64) -> Result<()> {
        let mut t = [0u8; 20];
        push_nul(&mut self.buf, &mut self.len, crate::fmt::dec(v, &mut t))
    }
    /// Without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: len < N always: empty() starts at 0 < N and push_nul
        // keeps room for the NUL. (No bounds check at every call site:
        // with the one in From<&CPath> for CStr, -420 B armv7, -1,136 B
        // mipsel on rocker-master.)
        unsafe { self.buf.get_unchecked(..self.len) }
    }
    /// With the NUL: what the kernel gets.
    pub fn as_ptr(&self) -> *const u8 {
        self.buf.as_ptr()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A NUL-terminated string borrowed from somewhere that guarantees the NUL
/// (argv, env, a `CPath`). Constructed only through checked paths.
#[derive(Clone, Copy)]
pub struct CStr<'a>(&'a [u8]); // includes the NUL

impl CStr<'static> {
    /// A literal that ends with its only NUL; use it in a const context
    /// (`const { CStr::lit(b"/proc\0") }`), where a bad literal is a
    /// compile error.
    pub const fn lit(s: &'static [u8]) -> CStr<'static> {
        let mut i = 0;
        while i + 1 < s.len() {
            assert!(s[i] != 0, "CStr::lit: NUL inside");
            i += 1;
        }
        assert!(!s.is_empty() && s[s.len() - 1] == 0, "CStr::lit: no NUL at the end");
        CStr(s)
    }
}

impl<'a> CStr<'a> {
    /// `s` must end with its only NUL.
    pub fn from_bytes_with_nul(s: &'a [u8]) -> Result<Self> {
        match s.iter().position(|&b| b == 0) {
            Some(i) if i + 1 == s.len() => Ok(CStr(s)),
            _ => Err(Errno::EINVAL),
        }
    }
    pub fn to_bytes(&self) -> &'a [u8] {
        &self.0[..self.0.len() - 1]
    }
    pub fn as_ptr(&self) -> *const u8 {
        self.0.as_ptr()
    }
}

impl<'a, const N: usize> From<&'a CPath<N>> for CStr<'a> {
    fn from(p: &'a CPath<N>) -> Self {
        // SAFETY: len < N (see as_bytes), and buf[len] is the NUL: empty()
        // is all zeros and push_nul writes one after every append.
        CStr(unsafe { p.buf.get_unchecked(..=p.len) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn fits_and_overflows() {
        let p = CPath::<8>::new(b"/abc").unwrap();
        assert_eq!(p.as_bytes(), b"/abc");
        assert!(CPath::<8>::new(b"1234567").is_ok());
        assert_eq!(CPath::<8>::new(b"12345678").err(), Some(Errno::ENAMETOOLONG));
        assert_eq!(CPath::<8>::new(b"a\0b").err(), Some(Errno::EINVAL));
        let mut q = CPath::<16>::new(b"/proc/").unwrap();
        q.push_num(12345).unwrap();
        q.push(b"/uid_map").unwrap_err();
        assert_eq!(q.as_bytes(), b"/proc/12345");
        let c: CStr = (&q).into();
        assert_eq!(c.to_bytes(), b"/proc/12345");
    }
    #[test]
    fn cstr() {
        assert!(CStr::from_bytes_with_nul(b"ab\0").is_ok());
        assert!(CStr::from_bytes_with_nul(b"ab").is_err());
        assert!(CStr::from_bytes_with_nul(b"a\0b\0").is_err());
    }
}
