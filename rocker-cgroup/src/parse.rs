//! Pure parsers, no syscalls: `/proc/self/mountinfo`, `/proc/self/cgroup`,
//! the contents of cgroupfs files and `linux_dirent64` records. None of them
//! panics or overflows, whatever the bytes.

/// Controller bits (one per controller rocker uses).
pub const MEMORY: u8 = 1;
pub const CPU: u8 = 2;
pub const PIDS: u8 = 8;
/// The v1 freezer (pause/resume of the OCI runtime; v2 has `cgroup.freeze`).
pub const FREEZER: u8 = 16;
/// Every controller rocker uses: those that enforce limits, and the freezer.
pub const WANTED: u8 = MEMORY | CPU | PIDS | FREEZER;

pub const NAMES: [(u8, &[u8]); 4] = [(MEMORY, b"memory"), (CPU, b"cpu"), (PIDS, b"pids"), (FREEZER, b"freezer")];

/// The bit of one controller name (0 for the ones rocker does not use).
pub fn ctl_bit(name: &[u8]) -> u8 {
    NAMES.iter().find(|(_, n)| *n == name).map_or(0, |(b, _)| *b)
}

/// The bits of a list such as `cpu,cpuacct`, `rw,relatime,memory` or
/// `cpu memory pids`.
pub fn ctl_bits(list: &[u8], sep: u8) -> u8 {
    list.split(|&c| c == sep || c == b'\n').fold(0, |a, w| a | ctl_bit(w))
}

/// One line of `/proc/self/cgroup`: `ID:CONTROLLERS:PATH`.
#[derive(Debug, PartialEq, Eq)]
pub struct CgLine<'a> {
    /// The v2 line (`0::PATH`).
    pub v2: bool,
    pub ctl: u8,
    pub path: &'a [u8],
}

pub fn cgroup_line(line: &[u8]) -> Option<CgLine<'_>> {
    let mut it = line.splitn(3, |&c| c == b':');
    let id = it.next()?;
    let ctls = it.next()?;
    let path = it.next()?;
    if id.is_empty() || !path.starts_with(b"/") {
        return None;
    }
    Some(CgLine { v2: id == b"0" && ctls.is_empty(), ctl: ctl_bits(ctls, b','), path })
}

/// One cgroup mount of `/proc/self/mountinfo`:
/// `ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`.
/// `root` and `point` as they are (escaped: `\040` for a space).
#[derive(Debug, PartialEq, Eq)]
pub struct MountLine<'a> {
    pub v2: bool,
    pub ctl: u8,
    pub root: &'a [u8],
    pub point: &'a [u8],
}

pub fn mount_line(line: &[u8]) -> Option<MountLine<'_>> {
    let mut f = line.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let root = f.nth(3)?;
    let point = f.next()?;
    // Skip the mount options and the optional fields up to "-".
    f.find(|w| *w == b"-")?;
    let fstype = f.next()?;
    let _source = f.next()?;
    let opts = f.next().unwrap_or(b"");
    let v2 = match fstype {
        b"cgroup2" => true,
        b"cgroup" => false,
        _ => return None,
    };
    Some(MountLine { v2, ctl: if v2 { 0 } else { ctl_bits(opts, b',') }, root, point })
}

/// The part of the cgroup path `own` below a mount whose root is `root`:
/// all of it when the root is `/`, the rest when `root` is a path prefix,
/// `None` when `own` is not visible through that mount.
pub fn below_root<'a>(own: &'a [u8], root: &[u8]) -> Option<&'a [u8]> {
    if root == b"/" {
        return Some(own);
    }
    let rest = own.strip_prefix(root)?;
    if rest.is_empty() || rest.starts_with(b"/") {
        Some(rest)
    } else {
        None
    }
}

/// The first decimal number of `s` (leading blanks skipped); `max` is
/// `u64::MAX`. `None` for anything else or an overflow.
pub fn number(s: &[u8]) -> Option<u64> {
    let s = trim(s);
    if s.starts_with(b"max") {
        return Some(u64::MAX);
    }
    let mut v: u64 = 0;
    let mut any = false;
    for &c in s {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        any = true;
    }
    any.then_some(v)
}

/// The value of `key` in a flat-keyed file (`key N` per line), e.g.
/// `oom_kill` in `memory.events` or `usage_usec` in `cpu.stat`.
pub fn keyed(s: &[u8], key: &[u8]) -> Option<u64> {
    s.split(|&c| c == b'\n').find_map(|l| {
        let rest = l.strip_prefix(key)?;
        if rest.first() == Some(&b' ') {
            number(rest)
        } else {
            None
        }
    })
}

pub fn trim(s: &[u8]) -> &[u8] {
    let a = s.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(s.len());
    let b = s.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(a, |p| p.saturating_add(1));
    s.get(a..b).unwrap_or(b"")
}

/// Decimal numbers separated by newlines, fed in chunks (`cgroup.procs`).
#[derive(Default)]
pub struct Pids {
    cur: u32,
    digits: bool,
}

impl Pids {
    /// Calls `f` with every number completed by a newline in `chunk`.
    pub fn feed(&mut self, chunk: &[u8], mut f: impl FnMut(i32)) {
        for &c in chunk {
            if c.is_ascii_digit() {
                self.cur = self.cur.saturating_mul(10).saturating_add(u32::from(c - b'0'));
                self.digits = true;
            } else {
                self.end(&mut f);
            }
        }
    }
    /// The last number when the input ended without a newline.
    pub fn end(&mut self, mut f: impl FnMut(i32)) {
        if self.digits && self.cur > 0 && self.cur <= i32::MAX as u32 {
            f(self.cur as i32);
        }
        self.cur = 0;
        self.digits = false;
    }
}

/// One `linux_dirent64` record at `off` of `buf` (the bytes getdents64
/// filled): the offset of the next record, `d_type` and the name.
pub fn dirent(buf: &[u8], off: usize) -> Option<(usize, u8, &[u8])> {
    let rec = buf.get(off..)?;
    let reclen = u16::from_ne_bytes([*rec.get(16)?, *rec.get(17)?]) as usize;
    let d_type = *rec.get(18)?;
    let name = rec.get(19..reclen)?;
    let name = name.split(|&c| c == 0).next().unwrap_or(b"");
    if reclen < 20 {
        return None;
    }
    Some((off.checked_add(reclen)?, d_type, name))
}

/// A cgroup name rocker creates: 1 to 64 bytes of `[A-Za-z0-9_.-]`, not
/// starting with a dot (64: an OCI container id, such as Kubernetes' hex ids).
pub fn valid_name(n: &[u8]) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.first() != Some(&b'.')
        && n.iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_self_cgroup_lines() {
        assert_eq!(cgroup_line(b"0::/services/rocker/instance1"), Some(CgLine { v2: true, ctl: 0, path: b"/services/rocker/instance1" }));
        assert_eq!(cgroup_line(b"4:memory:/process_api/38e0"), Some(CgLine { v2: false, ctl: MEMORY, path: b"/process_api/38e0" }));
        assert_eq!(cgroup_line(b"1:cpu,cpuacct:/"), Some(CgLine { v2: false, ctl: CPU, path: b"/" }));
        assert_eq!(cgroup_line(b"9:name=systemd:/").map(|l| (l.v2, l.ctl)), Some((false, 0)));
        assert_eq!(cgroup_line(b"garbage"), None);
        assert_eq!(cgroup_line(b""), None);
        assert_eq!(cgroup_line(b"1:cpu:relative"), None);
        // A path may contain ':'.
        assert_eq!(cgroup_line(b"0::/a:b").map(|l| l.path), Some(&b"/a:b"[..]));
    }

    #[test]
    fn mountinfo_lines() {
        let l = mount_line(b"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory").unwrap();
        assert_eq!(l, MountLine { v2: false, ctl: MEMORY, root: b"/", point: b"/sys/fs/cgroup/memory" });
        let l = mount_line(b"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,nosuid,cpu,cpuacct").unwrap();
        assert_eq!(l.ctl, CPU);
        let l = mount_line(b"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate").unwrap();
        assert!(l.v2);
        assert_eq!(l.point, b"/sys/fs/cgroup/unified");
        assert_eq!(mount_line(b"23 1 0:21 / /proc rw - proc proc rw"), None);
        assert_eq!(mount_line(b"1 2 3"), None);
        assert_eq!(mount_line(b""), None);
        // named v1 hierarchy: no controller of ours
        assert_eq!(mount_line(b"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd").unwrap().ctl, 0);
    }

    #[test]
    fn roots() {
        assert_eq!(below_root(b"/a/b", b"/"), Some(&b"/a/b"[..]));
        assert_eq!(below_root(b"/a/b", b"/a"), Some(&b"/b"[..]));
        assert_eq!(below_root(b"/a", b"/a"), Some(&b""[..]));
        assert_eq!(below_root(b"/ab", b"/a"), None);
        assert_eq!(below_root(b"/x", b"/a"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"33554432\n"), Some(33554432));
        assert_eq!(number(b"max\n"), Some(u64::MAX));
        assert_eq!(number(b"  12 34"), Some(12));
        assert_eq!(number(b""), None);
        assert_eq!(number(b"x"), None);
        assert_eq!(number(b"99999999999999999999999"), None);
        let ev = b"low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
        assert_eq!(keyed(ev, b"oom_kill"), Some(2));
        assert_eq!(keyed(ev, b"oom"), Some(3));
        assert_eq!(keyed(ev, b"missing"), None);
        assert_eq!(keyed(b"oom_kill_disable 0\nunder_oom 0\noom_kill 5\n", b"oom_kill"), Some(5));
        assert_eq!(trim(b" a b \n"), b"a b");
        assert_eq!(trim(b"  "), b"");
    }

    #[test]
    fn pids_in_chunks() {
        let mut v = std::vec::Vec::new();
        let mut p = Pids::default();
        p.feed(b"12\n3", |x| v.push(x));
        p.feed(b"4\n99999999999\n0\n7", |x| v.push(x));
        p.end(|x| v.push(x));
        assert_eq!(v, [12, 34, 7]);
    }

    #[test]
    fn dirents() {
        // two records: "." (type 4) and "rg-1" (type 4)
        let mut b = std::vec::Vec::new();
        for name in [&b"."[..], b"rg-1"] {
            let reclen = (19 + name.len() + 1 + 7) & !7;
            let mut r = std::vec![0u8; reclen];
            r[16..18].copy_from_slice(&(reclen as u16).to_ne_bytes());
            r[18] = 4;
            r[19..19 + name.len()].copy_from_slice(name);
            b.extend_from_slice(&r);
        }
        let (o, t, n) = dirent(&b, 0).unwrap();
        assert_eq!((t, n), (4, &b"."[..]));
        let (o2, _, n) = dirent(&b, o).unwrap();
        assert_eq!(n, b"rg-1");
        assert_eq!(dirent(&b, o2), None);
        assert_eq!(dirent(&b[..10], 0), None);
        let mut bad = b.clone();
        bad[16] = 3;
        bad[17] = 0;
        assert_eq!(dirent(&bad, 0), None);
    }

    #[test]
    fn names() {
        assert!(valid_name(b"rg-1a2b3c4d5e6f"));
        assert!(!valid_name(b""));
        assert!(!valid_name(b".."));
        assert!(!valid_name(b"a/b"));
        assert!(!valid_name(&[b'a'; 65]));
        assert!(valid_name(&[b'a'; 64]));
    }
}
