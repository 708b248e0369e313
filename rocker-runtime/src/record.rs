//! The record of one container, `<root>/<id>/state`: a few `key value`
//! lines, written whole to a temporary file and renamed over the old one,
//! so a reader sees the old record or the new one, never half of either.
//!
//! ```text
//! pid 4242
//! start 1234567
//! created 1764173169
//! cgroup /rocker-runtime/c1
//! bundle /srv/bundles/c1
//! ```
//!
//! `start` is the init's start time (`/proc/PID/stat` field 22), so that a
//! recycled pid is never taken for the container's. `cgroup` is empty when
//! the host has no cgroups. A first record with pid 0 is written as soon as
//! the cgroup exists, so that a `create` killed before the end leaves a
//! stopped container whose `delete` removes its cgroup too.
use syscalls::Buf;

/// What the runtime remembers of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Record<'a> {
    /// The init's pid as the host sees it.
    pub pid: i32,
    /// Its start time in clock ticks after boot.
    pub start: u64,
    /// Creation time, seconds since the epoch.
    pub created: u64,
    /// The cgroup path (absolute, from each hierarchy's root), or empty.
    pub cgroup: &'a [u8],
    /// The bundle's absolute path.
    pub bundle: &'a [u8],
    /// A squashfs root: its image and the loop device carrying it (offered
    /// to the next container of the same image), else empty and `LOOP_NONE`.
    pub image: &'a [u8],
    pub loop_dev: u32,
}

/// Room for a record.
pub type RecordBuf = Buf<1024>;

impl<'a> Record<'a> {
    /// The file's text (overflow: a path too long, refused by the caller).
    pub fn encode(&self, b: &mut RecordBuf) {
        b.push_str(b"pid ").push_i64(i64::from(self.pid));
        b.push_str(b"\nstart ").push_u64(self.start);
        b.push_str(b"\ncreated ").push_u64(self.created);
        b.push_str(b"\ncgroup ").push_str(self.cgroup);
        b.push_str(b"\nbundle ").push_str(self.bundle).push_byte(b'\n');
        if !self.image.is_empty() {
            b.push_str(b"image ").push_str(self.image).push_str(b"\nloop ").push_u64(u64::from(self.loop_dev)).push_byte(b'\n');
        }
    }

    /// Parses a record; None if anything is missing or malformed.
    pub fn decode(s: &'a [u8]) -> Option<Record<'a>> {
        let mut r = Record { loop_dev: rocker_proto::LOOP_NONE, ..Record::default() };
        let mut seen = 0u8;
        for line in s.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            let sp = line.iter().position(|&c| c == b' ')?;
            let (k, v) = (line.get(..sp)?, line.get(sp + 1..)?);
            match k {
                // 0: a record written before the container's process exists.
                b"pid" => r.pid = i32::try_from(number(v)?).ok()?,
                b"start" => r.start = number(v)?,
                b"created" => r.created = number(v)?,
                b"cgroup" => r.cgroup = v,
                b"bundle" => r.bundle = v,
                b"image" => r.image = v,
                b"loop" => r.loop_dev = u32::try_from(number(v)?).ok()?,
                _ => continue,
            }
            seen |= match k {
                b"pid" => 1,
                b"start" => 2,
                b"bundle" => 4,
                _ => 0,
            };
        }
        (seen == 7).then_some(r)
    }
}

/// A decimal number, None on anything else or overflow.
pub fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// `/proc/PID/stat`: (state letter, start time), with the state `X` for a
/// task that is exiting (`PF_EXITING` in its flags: a namespace's init
/// waiting for the rest of its namespace to go). The comm is between the
/// first `(` and the last `)`; the state follows, the flags 6 fields later,
/// the start time 13 fields after those.
pub fn parse_stat(b: &[u8]) -> Option<(u8, u64)> {
    const PF_EXITING: u64 = 4;
    let close = b.iter().rposition(|&c| c == b')')?;
    let mut f = b.get(close.checked_add(2)?..)?.split(|&c| c == b' ' || c == b'\n');
    let state = *f.next()?.first()?;
    let flags = number(f.nth(5)?)?;
    let start = number(f.nth(12)?)?;
    Some((if flags & PF_EXITING != 0 { b'X' } else { state }, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let r = Record { pid: 42, start: 99, created: 1_764_173_169, cgroup: b"/default/c1", bundle: b"/b u/n", image: b"", loop_dev: rocker_proto::LOOP_NONE };
        let mut b = RecordBuf::new();
        r.encode(&mut b);
        assert_eq!(b.as_bytes(), b"pid 42\nstart 99\ncreated 1764173169\ncgroup /default/c1\nbundle /b u/n\n");
        assert_eq!(Record::decode(b.as_bytes()), Some(r));
        let r = Record { cgroup: b"", image: b"/img/app.sqfs", loop_dev: 7, ..r };
        let mut b = RecordBuf::new();
        r.encode(&mut b);
        assert!(b.as_bytes().ends_with(b"image /img/app.sqfs\nloop 7\n"));
        assert_eq!(Record::decode(b.as_bytes()), Some(r));
    }

    #[test]
    fn broken_records() {
        for s in [&b""[..], b"pid 1\nstart 2\n", b"pid x\nstart 2\nbundle /b\n", b"pid -1\nstart 2\nbundle /b\n", b"pid 1 start 2", b"pid 99999999999\nstart 1\nbundle /\n"] {
            assert_eq!(Record::decode(s), None, "{:?}", String::from_utf8_lossy(s));
        }
        assert!(Record::decode(b"future 1\npid 1\nstart 2\nbundle /b").is_some());
    }

    #[test]
    fn proc_stat() {
        let s = b"4242 (sh) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 2252800 100 18446744073709551615\n";
        assert_eq!(parse_stat(s), Some((b'S', 123456)));
        let s = b"7 (a) b) c) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0\n";
        assert_eq!(parse_stat(s), Some((b'Z', 77)));
        let s = b"9 (sleep) S 1 9 9 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 78 0 0\n";
        assert_eq!(parse_stat(s), Some((b'X', 78)), "PF_EXITING");
        assert_eq!(parse_stat(b"7 (x"), None);
    }
}
