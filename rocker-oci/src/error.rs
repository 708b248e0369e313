//! [`Error`]: what went wrong in a `config.json` and the JSON path of the
//! field (`process.args[3]`), rebuilt from the error's byte offset only when
//! an error happens, so the parser itself carries no path bookkeeping.

use crate::json::{ErrorKind, JsonError, Kind, Parser, Str, Token, MAX_DEPTH};
use crate::write::dec;

/// Bytes of JSON path an [`Error`] keeps (longer paths are cut).
pub const ERROR_PATH_LEN: usize = 96;

/// A `config.json` error: its kind, the byte offset, and the JSON path of
/// the offending field, such as `process.args[3]` or `linux.mountLabel`.
#[derive(Clone, Copy, Debug)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    path: [u8; ERROR_PATH_LEN],
    path_len: u8,
}

impl Error {
    /// The error `j` in `input`; `missing` is the key of a `Missing` error.
    pub(crate) fn new(input: &[u8], j: JsonError, missing: &[u8]) -> Self {
        let mut e = Error {
            kind: j.kind,
            offset: j.offset,
            path: [0; ERROR_PATH_LEN],
            path_len: 0,
        };
        locate(input, j.offset, &mut e);
        if j.kind == ErrorKind::Missing {
            e.key(missing);
        }
        e
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Byte offset in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// JSON path of the field (empty for the document itself).
    pub fn path(&self) -> &[u8] {
        self.path.get(..usize::from(self.path_len)).unwrap_or(&[])
    }

    /// `<path>: <kind>` into `buf` (cut to fit).
    pub fn message<'b>(&self, buf: &'b mut [u8]) -> &'b [u8] {
        let mut n = 0usize;
        let path = self.path();
        let parts: [&[u8]; 3] = [
            if path.is_empty() { b"config" } else { path },
            b": ",
            self.kind.as_str().as_bytes(),
        ];
        for b in parts.iter().flat_map(|p| p.iter()) {
            match buf.get_mut(n) {
                Some(d) => *d = *b,
                None => break,
            }
            n = n.saturating_add(1);
        }
        buf.get(..n).unwrap_or(&[])
    }

    fn push(&mut self, s: &[u8]) {
        for &b in s {
            match self.path.get_mut(usize::from(self.path_len)) {
                Some(d) => *d = b,
                None => return,
            }
            self.path_len = self.path_len.saturating_add(1);
        }
    }

    fn key(&mut self, k: &[u8]) {
        if self.path_len > 0 {
            self.push(b".");
        }
        self.push(k);
    }
}

#[derive(Clone, Copy, Default)]
struct Frame<'a> {
    obj: bool,
    key: Str<'a>,
    /// Elements begun so far in an array.
    n: u64,
}

/// Walks `input` again up to the value (or key) starting at `at` and writes
/// its path into `e`. Stops early, with the path reached so far, at the
/// first syntax error.
fn locate(input: &[u8], at: usize, e: &mut Error) {
    let mut frames = [Frame::default(); MAX_DEPTH];
    let mut depth = 0usize;
    let mut p = Parser::new(input);
    let _ = walk(&mut p, at, &mut frames, &mut depth);
    for f in frames.get(..depth).unwrap_or(&[]) {
        if f.obj {
            e.key(f.key.raw());
        } else {
            let mut b = [0u8; 20];
            e.push(b"[");
            e.push(dec(f.n.saturating_sub(1), &mut b));
            e.push(b"]");
        }
    }
}

fn walk<'a>(
    p: &mut Parser<'a>,
    at: usize,
    frames: &mut [Frame<'a>; MAX_DEPTH],
    depth: &mut usize,
) -> Option<()> {
    loop {
        if let Some(f) = depth.checked_sub(1).and_then(|d| frames.get_mut(d)) {
            if p.peek()? == Kind::End {
                p.next()?;
                *depth = depth.saturating_sub(1);
                if *depth == 0 {
                    return Some(());
                }
                continue;
            }
            if f.obj {
                p.peek()?;
                let start = p.offset();
                if let Token::Key(k) = p.next()? {
                    f.key = k;
                }
                if start >= at {
                    return Some(());
                }
            } else {
                f.n = f.n.saturating_add(1);
            }
        }
        p.peek()?;
        if p.offset() >= at {
            return Some(());
        }
        match p.next()? {
            t @ (Token::ObjBegin | Token::ArrBegin) => {
                if let Some(f) = frames.get_mut(*depth) {
                    *f = Frame {
                        obj: matches!(t, Token::ObjBegin),
                        key: Str::default(),
                        n: 0,
                    };
                }
                *depth = depth.saturating_add(1);
            }
            _ if *depth == 0 => return Some(()),
            _ => {}
        }
    }
}
