//! The one number formatter and the one fixed line buffer of rocker (no
//! allocator, no `core::fmt`, never panics). `Buf<N>` and `CPath<N>` keep
//! only their storage generic: the work is done once, in the non-generic
//! functions here, so each capacity costs no code of its own.

/// `(v / 10, v % 10)` without a division instruction (Hacker's Delight,
/// `divu10`, widened to 64 bits): 32-bit targets have no 64-bit divide, and
/// `v / 10` on a `u64` links compiler-builtins' generic one (rocker-master,
/// where `dec` was its only user: -600 bytes on armv7, -704 on mipsel).
fn div10(v: u64) -> (u64, u8) {
    // q underestimates v / 10 by at most 1 (so r < 20); no step overflows.
    let mut q = (v >> 1) + (v >> 2);
    q += q >> 4;
    q += q >> 8;
    q += q >> 16;
    q += q >> 32;
    q >>= 3;
    let r = v - q * 10;
    if r > 9 {
        (q + 1, (r - 10) as u8)
    } else {
        (q, r as u8)
    }
}

/// The decimal digits of `v`, written at the end of `tmp`.
pub fn dec(mut v: u64, tmp: &mut [u8; 20]) -> &[u8] {
    let mut i = tmp.len();
    while i > 0 {
        i -= 1;
        let (q, r) = div10(v);
        tmp[i] = b'0' + r;
        v = q;
        if v == 0 {
            break;
        }
    }
    tmp.get(i..).unwrap_or(&[])
}

/// Appends `s` to `buf[..*len]` whole, or returns false and changes nothing.
#[inline(never)]
pub fn append(buf: &mut [u8], len: &mut usize, s: &[u8]) -> bool {
    match len.checked_add(s.len()).and_then(|end| buf.get_mut(*len..end).map(|d| (d, end))) {
        Some((d, end)) => {
            d.copy_from_slice(s);
            *len = end;
            true
        }
        None => false,
    }
}

#[inline(never)]
fn append_i64(buf: &mut [u8], len: &mut usize, v: i64) -> bool {
    let mut t = [0u8; 20];
    let d = dec(v.unsigned_abs(), &mut t);
    let start = *len;
    if (v >= 0 || append(buf, len, b"-")) && append(buf, len, d) {
        return true;
    }
    *len = start;
    false
}

#[inline(never)]
fn append_hex(buf: &mut [u8], len: &mut usize, v: u64) -> bool {
    let mut t = [0u8; 18];
    let mut i = t.len();
    let mut v = v;
    loop {
        i -= 1;
        t[i] = b"0123456789abcdef"[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    i -= 2;
    t[i] = b'0';
    t[i + 1] = b'x';
    append(buf, len, t.get(i..).unwrap_or(&[]))
}

/// Fixed-capacity byte buffer for log lines and small files. Every `push_*`
/// is all-or-nothing: a piece that does not fit is not written at all, and
/// [`Buf::overflow`] becomes true (until [`Buf::clear`]). Never panics.
#[derive(Clone)]
pub struct Buf<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    /// Empty buffer.
    pub const fn new() -> Self {
        Buf { buf: [0; N], len: 0, overflow: false }
    }
    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: len <= N always: it only grows through `append`, which
        // checks the end against the buffer. (No check at every call site:
        // -136 B armv7, -192 B mipsel.)
        unsafe { self.buf.get_unchecked(..self.len) }
    }
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Nothing written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }
    /// Some push did not fit (and was dropped whole).
    pub fn overflow(&self) -> bool {
        self.overflow
    }
    /// Empty the buffer and reset the overflow flag.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }
    #[inline(always)]
    fn note(&mut self, ok: bool) -> &mut Self {
        self.overflow |= !ok;
        self
    }
    /// Append `s` whole, or set the overflow flag.
    pub fn push_str(&mut self, s: &[u8]) -> &mut Self {
        let ok = append(&mut self.buf, &mut self.len, s);
        self.note(ok)
    }
    /// Append one byte.
    pub fn push_byte(&mut self, c: u8) -> &mut Self {
        self.push_str(&[c])
    }
    /// Append `v` in decimal.
    pub fn push_u64(&mut self, v: u64) -> &mut Self {
        let mut t = [0u8; 20];
        let d = dec(v, &mut t);
        let ok = append(&mut self.buf, &mut self.len, d);
        self.note(ok)
    }
    /// Append `v` in decimal, with '-' when negative.
    pub fn push_i64(&mut self, v: i64) -> &mut Self {
        let ok = append_i64(&mut self.buf, &mut self.len, v);
        self.note(ok)
    }
    /// Append `v` as `0x` + lowercase hex digits, no leading zeros.
    pub fn push_hex(&mut self, v: u64) -> &mut Self {
        let ok = append_hex(&mut self.buf, &mut self.len, v);
        self.note(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn div10_is_exact() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let edges = [0, 1, 9, 10, 11, 19, 20, 99, 100, u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX - 10, u64::MAX - 1, u64::MAX];
        let check = |v: u64| assert_eq!(div10(v), (v / 10, (v % 10) as u8), "{v}");
        edges.iter().for_each(|&v| check(v));
        for k in 0..64 {
            for d in 0..25u64 {
                check((1u64 << k).wrapping_add(d).wrapping_sub(12));
                check(10u64.saturating_pow(k / 3).wrapping_add(d).wrapping_sub(12));
            }
        }
        for _ in 0..2_000_000 {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let v = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
            check(v);
            check(v >> (v & 63));
        }
    }
    #[test]
    fn numbers_and_overflow() {
        let mut t = [0u8; 20];
        assert_eq!(dec(0, &mut t), b"0");
        assert_eq!(dec(u64::MAX, &mut t), b"18446744073709551615");
        let mut b = Buf::<64>::new();
        b.push_str(b"x=").push_i64(-42).push_byte(b' ').push_u64(7).push_byte(b' ').push_hex(0xbeef).push_byte(b' ').push_i64(i64::MIN);
        assert_eq!(b.as_bytes(), b"x=-42 7 0xbeef -9223372036854775808");
        assert!(!b.overflow());
        let mut s = Buf::<4>::new();
        s.push_str(b"abc").push_i64(-10);
        assert_eq!((s.as_bytes(), s.overflow()), (&b"abc"[..], true));
        s.clear();
        s.push_hex(0).push_str(b"yz");
        assert_eq!((s.as_bytes(), s.overflow()), (&b"0x0"[..], true));
    }
}
