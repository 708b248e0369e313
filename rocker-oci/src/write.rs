//! A JSON writer into a caller's buffer: no allocator, no `core::fmt`.

use crate::json::{Num, Str};

/// `(n / 10, n % 10)` without a 64-bit division (which would pull
/// `__aeabi_uldivmod`, 600 bytes, into 32-bit binaries): shifts and adds
/// (Hacker's Delight, "divu10").
fn div10(n: u64) -> (u64, u8) {
    let mut q = (n >> 1).wrapping_add(n >> 2);
    q = q.wrapping_add(q >> 4);
    q = q.wrapping_add(q >> 8);
    q = q.wrapping_add(q >> 16);
    q = q.wrapping_add(q >> 32);
    q >>= 3;
    let mut r = n.wrapping_sub(q.wrapping_mul(10));
    if r > 9 {
        q = q.wrapping_add(1);
        r = r.wrapping_sub(10);
    }
    (q, r as u8)
}

/// Decimal digits of `v` (in `buf`).
pub fn dec(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        let (q, r) = div10(v);
        i = i.saturating_sub(1);
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' | r;
        }
        v = q;
        if v == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// Writes one JSON document into a fixed buffer. Calls chain; overflow is
/// remembered and reported by [`Writer::finish`], nothing ever panics.
/// Commas are placed automatically. With `pretty`, one entry per line,
/// indented with tabs (as `runc spec` writes `config.json`).
///
/// ```ignore
/// let mut buf = [0u8; 256];
/// let mut w = Writer::new(&mut buf, false);
/// w.begin_object().key(b"id").str(b"c1").key(b"pid").u64(42).end_object();
/// let json = w.finish().ok_or(Overflow)?;   // {"id":"c1","pid":42}
/// ```
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
    overflow: bool,
    pretty: bool,
    depth: u8,
    /// A value was written at the current level (a `,` goes before the next).
    comma: bool,
    /// A key was just written: the value follows without separator.
    after_key: bool,
}

impl<'b> Writer<'b> {
    /// A writer filling `buf` from the start.
    pub fn new(buf: &'b mut [u8], pretty: bool) -> Self {
        Writer {
            buf,
            len: 0,
            overflow: false,
            pretty,
            depth: 0,
            comma: false,
            after_key: false,
        }
    }

    /// The document, or `None` if something did not fit.
    pub fn finish(self) -> Option<&'b [u8]> {
        if self.overflow {
            return None;
        }
        let b: &'b [u8] = self.buf;
        b.get(..self.len)
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends bytes as they are (no escaping, no separator).
    pub fn raw(&mut self, s: &[u8]) -> &mut Self {
        for &b in s {
            match self.buf.get_mut(self.len) {
                Some(d) => {
                    *d = b;
                    self.len = self.len.saturating_add(1);
                }
                None => {
                    self.overflow = true;
                    break;
                }
            }
        }
        self
    }

    fn newline(&mut self) {
        if self.pretty {
            self.raw(b"\n");
            for _ in 0..self.depth {
                self.raw(b"\t");
            }
        }
    }

    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.comma {
            self.raw(b",");
        }
        if self.depth > 0 {
            self.newline();
        }
    }

    fn open(&mut self, c: &[u8]) -> &mut Self {
        self.sep();
        self.raw(c);
        self.depth = self.depth.saturating_add(1);
        self.comma = false;
        self
    }

    fn close(&mut self, c: &[u8]) -> &mut Self {
        self.depth = self.depth.saturating_sub(1);
        if self.comma {
            self.newline();
        }
        self.raw(c);
        self.comma = true;
        self
    }

    /// `{`
    pub fn begin_object(&mut self) -> &mut Self {
        self.open(b"{")
    }

    /// `}`
    pub fn end_object(&mut self) -> &mut Self {
        self.close(b"}")
    }

    /// `[`
    pub fn begin_array(&mut self) -> &mut Self {
        self.open(b"[")
    }

    /// `]`
    pub fn end_array(&mut self) -> &mut Self {
        self.close(b"]")
    }

    fn quoted(&mut self, a: &[u8], b: &[u8]) {
        self.raw(b"\"");
        for &c in a.iter().chain(b) {
            let e: &[u8] = match c {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => {
                    // c < 0x20: "\u00" then '0' or '1', then a hex digit.
                    let lo = c & 15;
                    let h = [
                        b'0' | (c >> 4),
                        if lo < 10 {
                            b'0' | lo
                        } else {
                            0x60 | lo.wrapping_sub(9)
                        },
                    ];
                    self.raw(b"\\u00").raw(&h);
                    continue;
                }
                _ => core::slice::from_ref(&c),
            };
            self.raw(e);
        }
        self.raw(b"\"");
    }

    /// An object key (escaped as needed).
    pub fn key(&mut self, k: &[u8]) -> &mut Self {
        self.sep();
        self.quoted(k, b"");
        self.raw(if self.pretty { b": " } else { b":" });
        self.after_key = true;
        self
    }

    /// An object key from a [`Str`] (escaped input is copied as it is).
    pub fn json_key(&mut self, k: &Str<'_>) -> &mut Self {
        if !k.has_escapes() {
            return self.key(k.raw());
        }
        self.sep();
        self.raw(b"\"").raw(k.raw()).raw(b"\"");
        self.raw(if self.pretty { b": " } else { b":" });
        self.after_key = true;
        self
    }

    /// A number as the input spelled it.
    pub fn number(&mut self, n: &Num<'_>) -> &mut Self {
        self.value();
        self.raw(n.raw())
    }

    fn value(&mut self) {
        self.sep();
        self.comma = true;
    }

    /// A string value: `s` is the value's bytes, escaped as needed.
    pub fn str(&mut self, s: &[u8]) -> &mut Self {
        self.str2(s, b"")
    }

    /// A string value made of two parts (a prefix and a name).
    pub fn str2(&mut self, a: &[u8], b: &[u8]) -> &mut Self {
        self.value();
        self.quoted(a, b);
        self
    }

    /// A string value from a [`Str`] (escaped input is copied as it is).
    pub fn json_str(&mut self, s: &Str<'_>) -> &mut Self {
        if s.has_escapes() {
            self.value();
            self.raw(b"\"").raw(s.raw()).raw(b"\"")
        } else {
            self.str(s.raw())
        }
    }

    /// An unsigned integer value.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.value();
        let mut b = [0u8; 20];
        self.raw(dec(v, &mut b))
    }

    /// A signed integer value.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.value();
        if v < 0 {
            self.raw(b"-");
        }
        let mut b = [0u8; 20];
        self.raw(dec(v.unsigned_abs(), &mut b))
    }

    /// `true` / `false`
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.value();
        self.raw(if v { b"true" } else { b"false" })
    }

    /// `null`
    pub fn null(&mut self) -> &mut Self {
        self.value();
        self.raw(b"null")
    }

    /// An array of strings.
    pub fn str_array<'s>(&mut self, items: impl IntoIterator<Item = &'s [u8]>) -> &mut Self {
        self.begin_array();
        for s in items {
            self.str(s);
        }
        self.end_array()
    }
}
