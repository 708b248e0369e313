//! [`Error`]: what went wrong in a `config.json` and the JSON path of the
//! field (`process.args[3]`), as the parser tracks it ([`Parser::path`]).

use crate::json::{ErrorKind, JsonError, Parser};

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
    /// The error `p` recorded, with its path.
    pub(crate) fn new(p: &Parser<'_>) -> Self {
        let j = p.error().unwrap_or(JsonError {
            kind: ErrorKind::Syntax,
            offset: 0,
        });
        let mut e = Error {
            kind: j.kind,
            offset: j.offset,
            path: [0; ERROR_PATH_LEN],
            path_len: 0,
        };
        let n = p.path(&mut e.path).len();
        e.path_len = n as u8;
        if j.kind == ErrorKind::Missing {
            e.key(p.missing);
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
