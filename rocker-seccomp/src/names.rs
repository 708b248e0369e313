//! Syscall name -> number tables, small in flash.
//!
//! `gen-tables.py` writes one table per arch (`tables/<arch>.rs`) from
//! linux-raw-sys. A table is a stream of symbols:
//!
//! - `0..=36`: a letter of [`ALPHABET`] (syscall names use only these);
//! - [`END`]: end of a name; the next name has the next number;
//! - [`ALIAS`]: end of a name; the next name has the same number (arm's
//!   `arm_sync_file_range` and `sync_file_range2`);
//! - `GAP1..=GAP1+6`: 1..=7 unused numbers before the next name; [`GAP64`]: 64;
//! - [`PRIVATE`]: the next name has number `private_base` (arm's private
//!   calls at 0x0f0000: `breakpoint`, `cacheflush`, `usr26`, `usr32`,
//!   `set_tls`, `get_tls`);
//! - [`OTHER`]: the names after it exist on other Linux arches only.
//!
//! Names are stored in number order, so numbers cost nothing but the gap
//! symbols; the first name has number `base` (4000 on MIPS o32). The stream
//! is then byte-pair coded: a byte `>= FIRST_PAIR` stands for the two
//! symbols of `pairs[byte - FIRST_PAIR]`, each of which may be a pair again
//! (nesting is at most [`STACK`] - 1, checked by `gen-tables.py` and by
//! [`check`]). That halves the ~5.5 KB of plain names and costs a few dozen
//! bytes of decoder. A lookup decodes the whole table (about 5,500 symbols).
//!
//! [`check`] decodes a table at compile time and compares every entry with
//! linux-raw-sys's constants (see the end of each `tables/<arch>.rs`).

// The table is trusted data written by gen-tables.py and proven by `check`
// for the build target; the indexing below is bounds-checked by hand (const
// fns cannot call `get` yet). The untrusted name is only read with `get`.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub(crate) const ALPHABET: &[u8; 37] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
pub(crate) const END: u8 = 37;
pub(crate) const ALIAS: u8 = 38;
pub(crate) const GAP1: u8 = 39;
pub(crate) const GAP64: u8 = 46;
pub(crate) const PRIVATE: u8 = 47;
pub(crate) const OTHER: u8 = 48;
pub(crate) const FIRST_PAIR: u8 = 49;
const STACK: usize = 16;

/// One arch's name table (see the module doc).
pub(crate) struct Names {
    pub base: u32,
    pub private_base: u32,
    pub stream: &'static [u8],
    pub pairs: &'static [[u8; 2]],
}

/// Walks the expanded symbols of a table.
struct Cursor {
    pos: usize,
    stack: [u8; STACK],
    sp: usize,
}

impl Cursor {
    const fn new() -> Cursor {
        Cursor { pos: 0, stack: [0; STACK], sp: 0 }
    }

    /// The next symbol (`< FIRST_PAIR`), or None at the end of the table
    /// (also for a malformed table: unknown pair, nesting too deep).
    const fn next(&mut self, t: &Names) -> Option<u8> {
        loop {
            let s = if self.sp > 0 {
                self.sp -= 1;
                self.stack[self.sp]
            } else if self.pos < t.stream.len() {
                self.pos += 1;
                t.stream[self.pos - 1]
            } else {
                return None;
            };
            if s < FIRST_PAIR {
                return Some(s);
            }
            let i = (s - FIRST_PAIR) as usize;
            if i >= t.pairs.len() || self.sp + 2 > STACK {
                return None;
            }
            // Second half first: the stack pops the first half next.
            self.stack[self.sp] = t.pairs[i][1];
            self.stack[self.sp + 1] = t.pairs[i][0];
            self.sp += 2;
        }
    }
}

/// The number of the name after a separator or gap symbol `s`.
const fn step(t: &Names, nr: u32, s: u8) -> u32 {
    match s {
        END => nr.wrapping_add(1),
        GAP64 => nr.wrapping_add(64),
        PRIVATE => t.private_base,
        _ if s >= GAP1 && s < GAP64 => nr.wrapping_add((s - GAP1) as u32 + 1),
        _ => nr,
    }
}

/// What a syscall name is on this arch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    /// Its number here.
    Nr(u32),
    /// A syscall of another Linux arch only (`arch_prctl` on arm, `open` on
    /// aarch64).
    OtherArch,
    /// No Linux arch has a syscall of that name.
    Unknown,
}

pub(crate) fn lookup(t: &Names, name: &[u8]) -> Syscall {
    let mut c = Cursor::new();
    let mut nr = t.base;
    let mut other = false;
    // Characters of `name` matched so far in the current entry; None once
    // the entry differs.
    let mut at = Some(0usize);
    while let Some(s) = c.next(t) {
        if s < END {
            at = match at {
                Some(i) if name.get(i) == ALPHABET.get(s as usize) => Some(i + 1),
                _ => None,
            };
            continue;
        }
        if (s == END || s == ALIAS) && at == Some(name.len()) {
            return if other { Syscall::OtherArch } else { Syscall::Nr(nr) };
        }
        other |= s == OTHER;
        nr = step(t, nr, s);
        at = Some(0);
    }
    Syscall::Unknown
}

/// Calls `f(name, Some(nr))` for every syscall of this arch, then
/// `f(name, None)` for every name of other arches (tests).
#[cfg(test)]
pub(crate) fn each_entry(t: &Names, mut f: impl FnMut(&[u8], Option<u32>)) {
    let mut c = Cursor::new();
    let mut nr = t.base;
    let mut other = false;
    let mut buf = [0u8; 64];
    let mut n = 0;
    while let Some(s) = c.next(t) {
        if s < END {
            buf[n] = ALPHABET[s as usize];
            n += 1;
            continue;
        }
        if s == END || s == ALIAS {
            f(&buf[..n], if other { None } else { Some(nr) });
            n = 0;
        }
        other |= s == OTHER;
        nr = step(t, nr, s);
    }
}

/// Calls `f(name, nr)` for every syscall of this arch (tests).
#[cfg(test)]
pub(crate) fn each(t: &Names, mut f: impl FnMut(&[u8], u32)) {
    each_entry(t, |n, v| {
        if let Some(v) = v {
            f(n, v)
        }
    })
}

const fn same_str(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Compile-time proof of a table: decodes `t` and compares it, entry by
/// entry, with `names` (this arch's syscalls in table order, numbers from
/// linux-raw-sys) followed by `other` (names of other arches only).
pub(crate) const fn check(t: &Names, names: &[(&str, u32)], other: &[&str]) -> bool {
    let mut c = Cursor::new();
    let mut nr = t.base;
    let mut in_other = false;
    let mut buf = [0u8; 40];
    let mut n = 0;
    let mut i = 0; // entries seen
    while let Some(s) = c.next(t) {
        if s < END {
            if n == buf.len() {
                return false;
            }
            buf[n] = ALPHABET[s as usize];
            n += 1;
            continue;
        }
        if s == END || s == ALIAS {
            let (want, want_nr) = if i < names.len() {
                (names[i].0, Some(names[i].1))
            } else if i - names.len() < other.len() {
                (other[i - names.len()], None)
            } else {
                return false;
            };
            let (got, _) = buf.split_at(n);
            if !same_str(got, want.as_bytes()) || in_other != want_nr.is_none() {
                return false;
            }
            if let Some(w) = want_nr {
                if w != nr {
                    return false;
                }
            }
            i += 1;
            n = 0;
        }
        if s == OTHER {
            if in_other || i != names.len() {
                return false;
            }
            in_other = true;
        }
        nr = step(t, nr, s);
    }
    // The whole stream was consumed (not cut short) and every entry seen.
    c.pos == t.stream.len() && c.sp == 0 && n == 0 && in_other && i == names.len() + other.len()
}

/// Compile-time check that a generated number list equals linux-raw-sys's.
pub(crate) const fn same_numbers(got: &[u16], want: &[u32]) -> bool {
    if got.len() != want.len() {
        return false;
    }
    let mut i = 0;
    while i < got.len() {
        if got[i] as u32 != want[i] {
            return false;
        }
        i += 1;
    }
    true
}
