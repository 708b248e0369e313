//! `Buf<N>`: a fixed stack buffer for building log lines and small files
//! (`uid_map`) without an allocator or `core::fmt`.

/// Fixed-capacity byte buffer. Every `push_*` is all-or-nothing: a piece
/// that does not fit is not written at all, and [`Buf::overflow`] becomes
/// true (and stays true until [`Buf::clear`]). Nothing ever panics.
///
/// ```ignore
/// let mut b = Buf::<64>::new();
/// b.push_str(b"rocker-master: pid ").push_i64(-3).push_byte(b'\n');
/// if !b.overflow() { write(2, b.as_bytes()) }
/// ```
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
        Buf {
            buf: [0; N],
            len: 0,
            overflow: false,
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
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

    /// Append `s` whole, or set the overflow flag.
    pub fn push_str(&mut self, s: &[u8]) -> &mut Self {
        let dst = self
            .len
            .checked_add(s.len())
            .and_then(|end| self.buf.get_mut(self.len..end));
        match dst {
            Some(d) => {
                for (d, c) in d.iter_mut().zip(s) {
                    *d = *c;
                }
                self.len = self.len.saturating_add(s.len());
            }
            None => self.overflow = true,
        }
        self
    }

    /// Append one byte.
    pub fn push_byte(&mut self, c: u8) -> &mut Self {
        self.push_str(&[c])
    }

    /// Append `v` in decimal.
    pub fn push_u64(&mut self, v: u64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let s = dec_u64(v, &mut tmp);
        self.push_str(s)
    }

    /// Append `v` in decimal, with '-' when negative.
    pub fn push_i64(&mut self, v: i64) -> &mut Self {
        let mut tmp = [0u8; 21];
        let n = dec_u64(v.unsigned_abs(), &mut tmp).len();
        // 20 digits at most, so there is room for the sign before them.
        let mut start = tmp.len().saturating_sub(n);
        if v < 0 {
            start = start.saturating_sub(1);
            if let Some(s) = tmp.get_mut(start) {
                *s = b'-';
            }
        }
        self.push_str(tmp.get(start..).unwrap_or(&[]))
    }

    /// Append `v` as `0x` + lowercase hex digits, no leading zeros.
    pub fn push_hex(&mut self, v: u64) -> &mut Self {
        let mut tmp = [0u8; 18];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i = i.saturating_sub(1);
            let d = b"0123456789abcdef"
                .get(usize::try_from(v & 0xf).unwrap_or(0))
                .copied()
                .unwrap_or(b'0');
            if let Some(t) = tmp.get_mut(i) {
                *t = d;
            }
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        // 16 digits at most, so there is room for "0x" before them.
        i = i.saturating_sub(2);
        if let Some([a, b]) = tmp.get_mut(i..).and_then(|t| t.first_chunk_mut::<2>()) {
            *a = b'0';
            *b = b'x';
        }
        self.push_str(tmp.get(i..).unwrap_or(&[]))
    }
}

/// Decimal digits of `v` written at the end of `tmp`; returns them.
fn dec_u64(mut v: u64, tmp: &mut [u8]) -> &[u8] {
    let mut i = tmp.len();
    loop {
        i = match i.checked_sub(1) {
            Some(i) => i,
            None => break,
        };
        let d = b'0'.saturating_add(u8::try_from(v % 10).unwrap_or(0));
        if let Some(t) = tmp.get_mut(i) {
            *t = d;
        }
        v /= 10;
        if v == 0 {
            break;
        }
    }
    tmp.get(i..).unwrap_or(&[])
}
