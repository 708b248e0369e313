//! A JSON pull parser over `&[u8]`: no allocator, no recursion, no panics.
//!
//! [`Parser::next`] returns one [`Token`] at a time and checks the grammar as
//! it goes (commas, colons, matching brackets, a nesting limit of
//! [`MAX_DEPTH`]). Strings are borrowed from the input as [`Str`]: validated
//! when they are read (escapes, `\uXXXX` surrogate pairs, no raw control
//! characters) and decoded only on demand. Numbers are borrowed as [`Num`]
//! and converted with overflow checks. [`Parser::skip`] passes over a whole
//! value of any type without decoding or storing anything.
//!
//! Errors are sticky: a method that fails records a [`JsonError`] (see
//! [`Parser::error`]) and returns `None`, and so does every later call. A
//! caller just uses `?` on `Option`s and asks for the error once at the end;
//! that keeps every call site one compare (the crate's flash budget counts).
//! [`Parser::fail`] lets a caller record its own error (a value out of range,
//! a missing field) the same way.
//!
//! Bytes >= 0x80 are passed through as they are: the input is not checked
//! to be UTF-8 (Linux paths and arguments are bytes).

/// Deepest nesting of arrays and objects accepted (deeper input fails with
/// [`ErrorKind::TooDeep`]). `config.json` needs 6.
pub const MAX_DEPTH: usize = 32;

/// Levels of the path kept for [`Parser::path`] (deeper ones are left out;
/// `config.json` needs 6).
pub const PATH_DEPTH: usize = 8;

/// What went wrong; shared by the JSON layer and [`crate::OciConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorKind {
    /// Not JSON (or not complete JSON).
    Syntax = 1,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A known field holds the wrong JSON type.
    Type,
    /// A fraction or exponent where an integer is required.
    NotInteger,
    /// An integer outside the field's range (or negative where unsigned).
    Range,
    /// A string value that is not one of the accepted ones, or is malformed.
    Value,
    /// A required field is absent.
    Missing,
    /// A key given twice, or a repeated namespace/rlimit type.
    Duplicate,
    /// More entries than the fixed capacity of the field.
    Capacity,
    /// A known field whose value this runtime cannot honour.
    Unsupported,
}

impl ErrorKind {
    /// Short English description, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "malformed JSON",
            ErrorKind::TooDeep => "nested too deeply",
            ErrorKind::Type => "wrong JSON type",
            ErrorKind::NotInteger => "not an integer",
            ErrorKind::Range => "out of range",
            ErrorKind::Value => "invalid value",
            ErrorKind::Missing => "missing",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::Capacity => "too many entries",
            ErrorKind::Unsupported => "not supported",
        }
    }
}

/// A JSON-level error: its kind and the byte offset in the input where the
/// offending token (or byte) starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset into the parsed input.
    pub offset: usize,
}

/// A JSON string borrowed from the input: the text between the quotes,
/// escapes and all, decoded on demand by [`Str::bytes`] / [`Str::decode`].
/// When the text has no backslash it is the value itself
/// ([`Str::borrowed`]). `Str::default()` is the empty string.
///
/// Two words, no flag: returned in registers, and `None` (all zero bits)
/// is the empty string, so structs full of `Str`s start as one `memset`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Str<'a> {
    raw: Option<&'a [u8]>,
}

impl<'a> Str<'a> {
    /// The empty string.
    pub const EMPTY: Str<'static> = Str { raw: None };

    /// A string whose JSON text (between the quotes) is `raw`: plain bytes
    /// without `\`, `"` or control characters are their own value.
    pub const fn from_raw(raw: &'a [u8]) -> Self {
        Str { raw: Some(raw) }
    }

    /// The JSON text as it is in the input (the value itself when
    /// [`Str::has_escapes`] is false).
    pub fn raw(&self) -> &'a [u8] {
        self.raw.unwrap_or(&[])
    }

    /// The value borrowed from the input, when it needs no decoding.
    pub fn borrowed(&self) -> Option<&'a [u8]> {
        if self.has_escapes() {
            None
        } else {
            Some(self.raw())
        }
    }

    /// The input spelled this string with at least one escape.
    pub fn has_escapes(&self) -> bool {
        self.raw().contains(&b'\\')
    }

    /// The value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.raw().is_empty()
    }

    /// The decoded bytes (escapes resolved, `\uXXXX` as UTF-8).
    pub fn bytes(&self) -> Bytes<'a> {
        Bytes {
            s: self.raw(),
            i: 0,
            pend: [0; 4],
            plen: 0,
            pi: 0,
        }
    }

    /// Length of the decoded value in bytes.
    pub fn len(&self) -> usize {
        self.bytes().count()
    }

    /// The decoded value equals `v`.
    pub fn eq_bytes(&self, v: &[u8]) -> bool {
        self.bytes().eq(v.iter().copied())
    }

    /// The decoded value contains byte `b`.
    pub fn contains(&self, b: u8) -> bool {
        self.bytes().any(|c| c == b)
    }

    /// The decoded value starts with `p`.
    pub fn starts_with(&self, p: &[u8]) -> bool {
        let mut it = self.bytes();
        p.iter().all(|&c| it.next() == Some(c))
    }

    /// Decodes into `buf`; `None` if it does not fit.
    pub fn decode<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let mut n = 0usize;
        for b in self.bytes() {
            *buf.get_mut(n)? = b;
            n = n.saturating_add(1);
        }
        buf.get(..n)
    }

    /// Decodes into `buf` and appends a NUL, ready for a syscall; `None` if
    /// it does not fit or the value itself contains a NUL.
    pub fn decode_nul<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let mut n = 0usize;
        for b in self.bytes() {
            if b == 0 {
                return None;
            }
            *buf.get_mut(n)? = b;
            n = n.saturating_add(1);
        }
        *buf.get_mut(n)? = 0;
        buf.get(..=n)
    }
}

/// Iterator over the decoded bytes of a [`Str`].
#[derive(Clone, Debug)]
pub struct Bytes<'a> {
    s: &'a [u8],
    i: usize,
    pend: [u8; 4],
    plen: u8,
    pi: u8,
}

impl Iterator for Bytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.pi < self.plen {
            let b = self.pend.get(usize::from(self.pi)).copied();
            self.pi = self.pi.saturating_add(1);
            return b;
        }
        let b = *self.s.get(self.i)?;
        if b != b'\\' {
            self.i = self.i.saturating_add(1);
            return Some(b);
        }
        // Validated when the parser read the string, so this never stops
        // early (a `Str::from_raw` with a bad escape ends there).
        let (cp, n) = escape(self.s, self.i)?;
        self.i = self.i.saturating_add(n);
        self.plen = utf8(cp, &mut self.pend);
        self.pi = 1;
        Some(self.pend[0])
    }
}

fn hex4(s: &[u8], i: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in s.get(i..i.saturating_add(4))? {
        // '0'..'9' -> 0..9; 'a'..'f' and 'A'..'F' -> 10..15 (| 0x20 lowers).
        let d = match c {
            b'0'..=b'9' => c.wrapping_sub(b'0'),
            _ => match c | 0x20 {
                l @ b'a'..=b'f' => l.wrapping_sub(b'a' - 10),
                _ => return None,
            },
        };
        v = (v << 4) | u32::from(d);
    }
    Some(v)
}

/// `s[i]` is a backslash: the escaped code point and the escape's length.
/// `None` for an invalid escape or an unpaired surrogate.
fn escape(s: &[u8], i: usize) -> Option<(u32, usize)> {
    let cp = match *s.get(i.saturating_add(1))? {
        c @ (b'"' | b'\\' | b'/') => u32::from(c),
        b'b' => 8,
        b'f' => 12,
        b'n' => 10,
        b'r' => 13,
        b't' => 9,
        b'u' => {
            let hi = hex4(s, i.saturating_add(2))?;
            return match hi {
                0xD800..=0xDBFF => {
                    if s.get(i.saturating_add(6)..i.saturating_add(8))? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(s, i.saturating_add(8))?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return None;
                    }
                    // hi and lo are in range: no wrap happens.
                    let cp = ((hi.wrapping_sub(0xD800)) << 10) | lo.wrapping_sub(0xDC00);
                    Some((cp.wrapping_add(0x10000), 12))
                }
                0xDC00..=0xDFFF => None,
                _ => Some((hi, 6)),
            };
        }
        _ => return None,
    };
    Some((cp, 2))
}

/// UTF-8 of `cp` (a valid scalar value) into `out`; returns the length.
fn utf8(cp: u32, out: &mut [u8; 4]) -> u8 {
    if cp < 0x80 {
        out[0] = cp as u8;
        1
    } else if cp < 0x800 {
        out[0] = 0xC0 | (cp >> 6) as u8;
        out[1] = 0x80 | (cp & 0x3F) as u8;
        2
    } else if cp < 0x10000 {
        out[0] = 0xE0 | (cp >> 12) as u8;
        out[1] = 0x80 | ((cp >> 6) & 0x3F) as u8;
        out[2] = 0x80 | (cp & 0x3F) as u8;
        3
    } else {
        out[0] = 0xF0 | ((cp >> 18) & 0x07) as u8;
        out[1] = 0x80 | ((cp >> 12) & 0x3F) as u8;
        out[2] = 0x80 | ((cp >> 6) & 0x3F) as u8;
        out[3] = 0x80 | (cp & 0x3F) as u8;
        4
    }
}

/// A JSON number borrowed from the input (grammar already checked).
#[derive(Clone, Copy, Debug)]
pub struct Num<'a> {
    raw: &'a [u8],
}

impl<'a> Num<'a> {
    /// The number's text.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// No fraction and no exponent.
    pub fn is_integer(&self) -> bool {
        !self.raw.iter().any(|&c| matches!(c, b'.' | b'e' | b'E'))
    }

    /// (negative, magnitude) of an integer.
    fn parts(&self) -> Result<(bool, u64), ErrorKind> {
        if !self.is_integer() {
            return Err(ErrorKind::NotInteger);
        }
        let (neg, digits) = match self.raw.split_first() {
            Some((b'-', d)) => (true, d),
            _ => (false, self.raw),
        };
        let mut v = 0u64;
        for &c in digits {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c.wrapping_sub(b'0'))))
                .ok_or(ErrorKind::Range)?;
        }
        Ok((neg, v))
    }

    /// As an unsigned integer (`-0` is 0).
    pub fn to_u64(&self) -> Result<u64, ErrorKind> {
        match self.parts()? {
            (true, m) if m != 0 => Err(ErrorKind::Range),
            (_, m) => Ok(m),
        }
    }

    /// As a signed integer.
    pub fn to_i64(&self) -> Result<i64, ErrorKind> {
        let (neg, m) = self.parts()?;
        if neg {
            0i64.checked_sub_unsigned(m).ok_or(ErrorKind::Range)
        } else {
            i64::try_from(m).map_err(|_| ErrorKind::Range)
        }
    }
}

/// One step of the pull parser.
#[derive(Clone, Copy, Debug)]
pub enum Token<'a> {
    /// `{`
    ObjBegin,
    /// `}`
    ObjEnd,
    /// `[`
    ArrBegin,
    /// `]`
    ArrEnd,
    /// An object key (the `:` after it is consumed too).
    Key(Str<'a>),
    /// A string value.
    Str(Str<'a>),
    /// A number value.
    Num(Num<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`
    Null,
}

/// The type of the next value, from [`Parser::peek`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"`
    String,
    /// `-` or a digit
    Number,
    /// `t` or `f`
    Bool,
    /// `n`
    Null,
    /// `}` or `]`: the enclosing container ends
    End,
    /// The whole document has been read.
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// A value must come (document start, after `:`, after `,` in an array).
    Value,
    /// After `[`: a value or `]`.
    FirstValue,
    /// After `,` in an object: a key.
    Key,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After a value: `,` or the closer (or the end of the document).
    After,
}

/// The pull parser. See the module documentation.
#[derive(Clone, Debug)]
pub struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    start: usize,
    depth: u8,
    /// Bit `d` set: the container at depth `d + 1` is an object.
    objs: u32,
    st: St,
    err: Option<JsonError>,
    /// For `ErrorKind::Missing`: the missing key (set by the config layer).
    pub(crate) missing: &'static [u8],
    /// Where we are, per open container: the current key of an object, the
    /// number of elements begun in an array (for [`Parser::path`]).
    frames: [Frame<'a>; PATH_DEPTH],
}

#[derive(Clone, Copy, Debug)]
struct Frame<'a> {
    key: Str<'a>,
    n: u32,
}

const FRAME0: Frame<'static> = Frame {
    key: Str::EMPTY,
    n: 0,
};

const _: () = assert!(MAX_DEPTH <= 32); // `objs` has one bit per level

impl<'a> Parser<'a> {
    /// A parser at the start of `input`, which must hold exactly one value.
    pub fn new(input: &'a [u8]) -> Self {
        Parser {
            s: input,
            pos: 0,
            start: 0,
            depth: 0,
            objs: 0,
            st: St::Value,
            err: None,
            missing: b"",
            frames: [FRAME0; PATH_DEPTH],
        }
    }

    /// The whole input.
    pub fn input(&self) -> &'a [u8] {
        self.s
    }

    /// Offset where the last token returned (or peeked) starts.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// Containers currently open.
    pub fn depth(&self) -> usize {
        usize::from(self.depth)
    }

    /// Where the parser is, as a JSON path into `buf` (cut to fit): the key
    /// of each open object and the index of each open array's current
    /// element, e.g. `process.args[3]`. After an error it names the field
    /// that failed.
    pub fn path<'b>(&self, buf: &'b mut [u8]) -> &'b [u8] {
        let mut n = 0usize;
        let mut put = |s: &[u8]| {
            for &b in s {
                if let Some(d) = buf.get_mut(n) {
                    *d = b;
                    n = n.saturating_add(1);
                }
            }
        };
        let mut first = true;
        for (d, f) in self.frames.iter().take(usize::from(self.depth)).enumerate() {
            if self.objs.checked_shr(d as u32).unwrap_or(0) & 1 != 0 {
                if f.key.is_empty() {
                    continue;
                }
                if !first {
                    put(b".");
                }
                put(f.key.raw());
            } else if let Some(i) = f.n.checked_sub(1) {
                let mut b = [0u8; 20];
                put(b"[");
                put(crate::write::dec(u64::from(i), &mut b));
                put(b"]");
            } else {
                continue;
            }
            first = false;
        }
        buf.get(..n).unwrap_or(&[])
    }

    /// The first error recorded, if any (then every method returns `None`).
    pub fn error(&self) -> Option<JsonError> {
        self.err
    }

    /// Records `kind` at the offset of the last token (unless an error is
    /// recorded already) and returns `None`.
    pub fn fail<T>(&mut self, kind: ErrorKind) -> Option<T> {
        self.fail_at(kind, self.start)
    }

    /// Records `kind` at `offset` (unless an error is recorded already) and
    /// returns `None`.
    pub fn fail_at<T>(&mut self, kind: ErrorKind, offset: usize) -> Option<T> {
        if self.err.is_none() {
            self.err = Some(JsonError { kind, offset });
        }
        None
    }

    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn in_object(&self) -> bool {
        let d = u32::from(self.depth.saturating_sub(1));
        self.objs.checked_shr(d).unwrap_or(0) & 1 != 0
    }

    fn skip_ws(&mut self) {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos = self.pos.saturating_add(1);
        }
    }

    /// Consumes whitespace and a pending `,`; returns the first byte of the
    /// next token (0 when the document is complete), checking it may come here.
    fn peek_byte(&mut self) -> Option<u8> {
        if self.err.is_some() {
            return None;
        }
        loop {
            self.skip_ws();
            self.start = self.pos;
            let c = self.at(self.pos);
            // For the path: which element of an array is next (`[` then a
            // value: the first; each `,`: one more). Set once per element
            // however often it is peeked.
            let top = usize::from(self.depth).wrapping_sub(1);
            let ok = match self.st {
                St::After => {
                    if self.depth == 0 {
                        return Some(0);
                    }
                    let obj = self.in_object();
                    if c == b',' {
                        self.pos = self.pos.saturating_add(1);
                        self.st = if obj { St::Key } else { St::Value };
                        if let (false, Some(f)) = (obj, self.frames.get_mut(top)) {
                            f.n = f.n.saturating_add(1);
                        }
                        continue;
                    }
                    c == if obj { b'}' } else { b']' }
                }
                St::Key => c == b'"',
                St::FirstKey => c == b'"' || c == b'}',
                St::FirstValue if c == b']' => true,
                St::FirstValue | St::Value => {
                    if let (St::FirstValue, Some(f)) = (self.st, self.frames.get_mut(top)) {
                        f.n = 1;
                    }
                    matches!(
                        c,
                        b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
                    )
                }
            };
            return if ok {
                Some(c)
            } else {
                self.fail(ErrorKind::Syntax)
            };
        }
    }

    /// Just after `[` or `{`: the container is empty (nothing consumed but
    /// whitespace, so the path still names the container).
    pub(crate) fn at_close(&mut self) -> bool {
        self.skip_ws();
        matches!(self.at(self.pos), b']' | b'}') && matches!(self.st, St::FirstValue | St::FirstKey)
    }

    /// The type of the next value (consumes only whitespace and a `,`).
    pub fn peek(&mut self) -> Option<Kind> {
        Some(match self.peek_byte()? {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            b'}' | b']' => Kind::End,
            0 => Kind::Eof,
            _ => Kind::Number,
        })
    }

    /// The next token.
    #[allow(clippy::should_implement_trait)] // sticky errors; not an Iterator
    pub fn next(&mut self) -> Option<Token<'a>> {
        let c = self.peek_byte()?;
        let top = usize::from(self.depth).wrapping_sub(1);
        let key = matches!(self.st, St::Key | St::FirstKey);
        let tok = match c {
            b'{' | b'[' => {
                if usize::from(self.depth) >= MAX_DEPTH {
                    return self.fail(ErrorKind::TooDeep);
                }
                let bit = 1u32.checked_shl(u32::from(self.depth)).unwrap_or(0);
                if let Some(f) = self.frames.get_mut(usize::from(self.depth)) {
                    *f = FRAME0;
                }
                self.depth = self.depth.saturating_add(1);
                self.pos = self.pos.saturating_add(1);
                if c == b'{' {
                    self.objs |= bit;
                    self.st = St::FirstKey;
                    return Some(Token::ObjBegin);
                }
                self.objs &= !bit;
                self.st = St::FirstValue;
                return Some(Token::ArrBegin);
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                self.pos = self.pos.saturating_add(1);
                if c == b'}' {
                    Token::ObjEnd
                } else {
                    Token::ArrEnd
                }
            }
            b'"' => {
                let s = self.lex_str()?;
                if key {
                    if let Some(f) = self.frames.get_mut(top) {
                        f.key = s;
                    }
                    self.skip_ws();
                    if self.at(self.pos) != b':' {
                        return self.fail_at(ErrorKind::Syntax, self.pos);
                    }
                    self.pos = self.pos.saturating_add(1);
                    self.st = St::Value;
                    return Some(Token::Key(s));
                }
                Token::Str(s)
            }
            b't' | b'f' | b'n' => self.lit(c)?,
            0 => return self.fail(ErrorKind::Syntax),
            _ => Token::Num(self.lex_num()?),
        };
        self.st = St::After;
        Some(tok)
    }

    /// `true`, `false` or `null` (told apart by their first letter).
    fn lit(&mut self, c: u8) -> Option<Token<'a>> {
        let (word, tok): (&[u8], _) = match c {
            b't' => (b"true", Token::Bool(true)),
            b'f' => (b"false", Token::Bool(false)),
            _ => (b"null", Token::Null),
        };
        let end = self.pos.saturating_add(word.len());
        if self.s.get(self.pos..end) != Some(word) {
            return self.fail(ErrorKind::Syntax);
        }
        self.pos = end;
        Some(tok)
    }

    fn digits(&self, mut i: usize) -> usize {
        while self.at(i).is_ascii_digit() {
            i = i.saturating_add(1);
        }
        i
    }

    fn lex_num(&mut self) -> Option<Num<'a>> {
        let b = self.pos;
        let mut i = b;
        if self.at(i) == b'-' {
            i = i.saturating_add(1);
        }
        let mut ok = true;
        match self.at(i) {
            b'0' => i = i.saturating_add(1),
            b'1'..=b'9' => i = self.digits(i),
            _ => ok = false,
        }
        if ok && self.at(i) == b'.' {
            i = i.saturating_add(1);
            ok = self.at(i).is_ascii_digit();
            i = self.digits(i);
        }
        if ok && matches!(self.at(i), b'e' | b'E') {
            i = i.saturating_add(1);
            if matches!(self.at(i), b'+' | b'-') {
                i = i.saturating_add(1);
            }
            ok = self.at(i).is_ascii_digit();
            i = self.digits(i);
        }
        if !ok {
            return self.fail_at(ErrorKind::Syntax, i);
        }
        self.pos = i;
        Some(Num {
            raw: self.s.get(b..i).unwrap_or(&[]),
        })
    }

    fn lex_str(&mut self) -> Option<Str<'a>> {
        let b = self.pos.saturating_add(1);
        let mut i = b;
        loop {
            match self.s.get(i) {
                Some(b'"') => break,
                Some(b'\\') => match escape(self.s, i) {
                    Some((_, n)) => {
                        i = i.saturating_add(n);
                    }
                    None => return self.fail_at(ErrorKind::Syntax, i),
                },
                Some(0x20..) => i = i.saturating_add(1),
                _ => return self.fail_at(ErrorKind::Syntax, i),
            }
        }
        self.pos = i.saturating_add(1);
        Some(Str::from_raw(self.s.get(b..i).unwrap_or(&[])))
    }

    /// Skips the next value whole (an object or array with everything in
    /// it), checking its syntax but decoding nothing.
    pub fn skip(&mut self) -> Option<()> {
        let d = self.depth;
        loop {
            let t = self.next()?;
            if self.depth <= d && !matches!(t, Token::Key(_)) {
                return Some(());
            }
        }
    }

    /// Succeeds if the document is complete and only whitespace follows.
    pub fn finish(&mut self) -> Option<()> {
        if self.err.is_some() {
            return None;
        }
        self.skip_ws();
        self.start = self.pos;
        if self.depth == 0 && self.st == St::After && self.pos == self.s.len() {
            Some(())
        } else {
            self.fail(ErrorKind::Syntax)
        }
    }

    // ---- typed helpers: each reads one value of the named type, or fails
    // with ErrorKind::Type at the value's offset.

    /// `{`
    pub fn object(&mut self) -> Option<()> {
        match self.next()? {
            Token::ObjBegin => Some(()),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// Inside an object: the next key, or `Some(None)` after consuming `}`.
    pub fn key(&mut self) -> Option<Option<Str<'a>>> {
        match self.next()? {
            Token::Key(k) => Some(Some(k)),
            Token::ObjEnd => Some(None),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// `[`
    pub fn array(&mut self) -> Option<()> {
        match self.next()? {
            Token::ArrBegin => Some(()),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// Inside an array: true if another element follows, false after
    /// consuming `]`.
    pub fn item(&mut self) -> Option<bool> {
        if self.peek_byte()? == b']' {
            self.next()?;
            return Some(false);
        }
        Some(true)
    }

    /// A string value.
    pub fn str(&mut self) -> Option<Str<'a>> {
        match self.next()? {
            Token::Str(s) => Some(s),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// A number value.
    pub fn num(&mut self) -> Option<Num<'a>> {
        match self.next()? {
            Token::Num(n) => Some(n),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// An unsigned integer.
    pub fn u64(&mut self) -> Option<u64> {
        let n = self.num()?;
        self.ok(n.to_u64())
    }

    /// A signed integer.
    pub fn i64(&mut self) -> Option<i64> {
        let n = self.num()?;
        self.ok(n.to_i64())
    }

    fn ok<T>(&mut self, r: Result<T, ErrorKind>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(k) => self.fail(k),
        }
    }

    /// `true` or `false`.
    pub fn bool(&mut self) -> Option<bool> {
        match self.next()? {
            Token::Bool(b) => Some(b),
            _ => self.fail(ErrorKind::Type),
        }
    }

    /// If the next value is `null`, consumes it and returns true.
    pub fn null(&mut self) -> Option<bool> {
        if self.peek_byte()? == b'n' {
            self.next()?;
            return Some(true);
        }
        Some(false)
    }
}
