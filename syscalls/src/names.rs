//! Name tables packed at compile time. A `&[(u16, &str)]` table costs a
//! pointer, a length and a padded key per entry (12 bytes on 32-bit
//! targets, 24 on 64-bit) on top of its strings; packed, an entry is its
//! key (2 bytes), the name's length (1 byte) and the name, and one lookup
//! function serves every table (errno names here, rocker-proto's reason,
//! step and op names).
//!
//! ```
//! use syscalls::names::{self, Names};
//! const T: &[(u16, &str)] = &[(1, "one"), (7, "seven")];
//! static N: Names<{ names::packed_len(T) }> = Names::pack(T);
//! assert_eq!(N.get(7), Some("seven"));
//! assert_eq!(N.get(2), None);
//! ```
#![allow(unsafe_code)]

/// Bytes [`Names::pack`] needs for `table`.
pub const fn packed_len(table: &[(u16, &str)]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < table.len() {
        n += 3 + table[i].1.len();
        i += 1;
    }
    n
}

/// A packed `(key, name)` table: `N` must be [`packed_len`] of the table.
/// Built only by [`Names::pack`], so every name slice it hands out is a
/// whole `&str` of the original table.
pub struct Names<const N: usize>([u8; N]);

impl<const N: usize> Names<N> {
    /// Packs `table` (in a const context: a name over 255 bytes or a wrong
    /// `N` is a compile error).
    pub const fn pack(table: &[(u16, &str)]) -> Self {
        let mut out = [0u8; N];
        let mut at = 0;
        let mut i = 0;
        while i < table.len() {
            let (key, name) = table[i];
            let s = name.as_bytes();
            assert!(s.len() <= 255, "Names::pack: name over 255 bytes");
            let k = key.to_le_bytes();
            out[at] = k[0];
            out[at + 1] = k[1];
            out[at + 2] = s.len() as u8;
            at += 3;
            let mut j = 0;
            while j < s.len() {
                out[at] = s[j];
                at += 1;
                j += 1;
            }
            i += 1;
        }
        assert!(at == N, "Names::pack: N is not packed_len(table)");
        Names(out)
    }

    /// The name of `key` (the first entry with that key), or `None`.
    pub fn get(&'static self, key: u16) -> Option<&'static str> {
        let (at, len) = find(&self.0, key)?;
        let s = self.0.get(at..at + len)?;
        // SAFETY: `pack` copied whole `&str`s, and `find` returns the start
        // and length of one of them, so `s` is valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(s) })
    }
}

/// Start and length of `key`'s name in a packed table (one copy of the
/// code for every table size).
#[inline(never)]
fn find(p: &[u8], key: u16) -> Option<(usize, usize)> {
    let mut at = 0;
    loop {
        let e = p.get(at..at + 3)?;
        let (k, len) = (u16::from_le_bytes([e[0], e[1]]), usize::from(e[2]));
        if k == key {
            return Some((at + 3, len));
        }
        at += 3 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const T: &[(u16, &str)] = &[(0, ""), (1, "one"), (300, "three hundred"), (1, "again"), (65535, "max")];
    static P: Names<{ packed_len(T) }> = Names::pack(T);
    #[test]
    fn lookups() {
        assert_eq!(packed_len(T), 5 * 3 + 3 + 13 + 5 + 3);
        assert_eq!(P.get(0), Some(""));
        assert_eq!(P.get(1), Some("one"));
        assert_eq!(P.get(300), Some("three hundred"));
        assert_eq!(P.get(65535), Some("max"));
        assert_eq!(P.get(2), None);
        static E: Names<0> = Names::pack(&[]);
        assert_eq!(E.get(0), None);
    }
}
