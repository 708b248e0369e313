//! What the master keeps of a running sandbox, in memory and in its state
//! dir (one file per sandbox, named after it), so that a master restarted
//! after a crash finds the sandboxes of the previous one: a fixed binary
//! record, checked as untrusted input on load.
use rocker_proto::{IFNAME_LEN, PATH_MAX, PNAME_LEN};

/// What makes two package fds "the same package": the same inode (device,
/// inode) with the same size and mtime. A replaced file (new inode, or
/// rewritten in place) is a different package, never served stale.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct PkgId(pub u64, pub u64, pub u64, pub i64);

/// One sandbox.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Record {
    /// Guard host pid.
    pub pid: i32,
    /// Guard name (comm), NUL-padded.
    pub pname: [u8; PNAME_LEN],
    /// The guard's start time in clock ticks after boot (`/proc/PID/stat`
    /// field 22): with the name, what tells the guard from a reused pid.
    pub proc_start: u64,
    /// CLOCK_MONOTONIC at start (ns).
    pub start_ns: u64,
    /// App id.
    pub app_id: i32,
    /// App uid.
    pub uid: u32,
    /// App gid.
    pub gid: u32,
    /// (st_dev, st_ino) of the data dir: in use while the sandbox lives.
    pub data_id: (u64, u64),
    /// The package's identity.
    pub pkg_id: PkgId,
    /// The loop device carrying the package (`LOOP_NONE`: none).
    pub loop_dev: u32,
    /// Package path (informational), NUL-padded.
    pub pkg: [u8; PATH_MAX],
    /// `NET_*` of the sandbox.
    pub net: u8,
    /// Its IPv4 address and prefix on `bridge` (`NET_BRIDGE`).
    pub addr: [u8; 4],
    /// See `addr`.
    pub prefix: u8,
    /// The bridge its veth is a port of, NUL-padded.
    pub bridge: [u8; IFNAME_LEN],
    /// Its memory limit, bytes (0: none), for `rocker ps`. Its cgroup is
    /// named after it (removed when it ends, whoever adopted it).
    pub mem_max: u64,
}

impl Record {
    /// All zero (the tables of free slots must be all-zero to live in .bss).
    pub const ZERO: Record = Record { loop_dev: 0, ..Record::EMPTY };
    /// Nothing yet: no loop device.
    pub const EMPTY: Record = Record {
        pid: 0,
        pname: [0; PNAME_LEN],
        proc_start: 0,
        start_ns: 0,
        app_id: 0,
        uid: 0,
        gid: 0,
        data_id: (0, 0),
        pkg_id: PkgId(0, 0, 0, 0),
        loop_dev: rocker_proto::LOOP_NONE,
        pkg: [0; PATH_MAX],
        net: 0,
        addr: [0; 4],
        prefix: 0,
        bridge: [0; IFNAME_LEN],
        mem_max: 0,
    };

    /// The name without its NULs.
    pub fn name(&self) -> &[u8] {
        rocker_proto::cstr(&self.pname)
    }
}

/// Bytes of a record on disk: the first 360 as in the first version
/// (368 bytes, still read), then the network and `mem_max`, then the end
/// marker.
pub const RECORD_SIZE: usize = 400;
const RECORD_SIZE_V1: usize = 368;
const MAGIC: u32 = 0x524B_5331; // "RKS1"

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(at..).and_then(|d| d.get_mut(..v.len())) {
        d.copy_from_slice(v);
    }
}

fn get<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..)?.first_chunk::<N>().copied()
}

/// The record as bytes.
pub fn encode(r: &Record) -> [u8; RECORD_SIZE] {
    let mut b = [0u8; RECORD_SIZE];
    put(&mut b, 0, &MAGIC.to_ne_bytes());
    put(&mut b, 4, &r.pid.to_ne_bytes());
    put(&mut b, 8, &r.pname);
    put(&mut b, 24, &r.proc_start.to_ne_bytes());
    put(&mut b, 32, &r.start_ns.to_ne_bytes());
    put(&mut b, 40, &r.app_id.to_ne_bytes());
    put(&mut b, 44, &r.uid.to_ne_bytes());
    put(&mut b, 48, &r.gid.to_ne_bytes());
    put(&mut b, 52, &r.loop_dev.to_ne_bytes());
    put(&mut b, 56, &r.data_id.0.to_ne_bytes());
    put(&mut b, 64, &r.data_id.1.to_ne_bytes());
    put(&mut b, 72, &r.pkg_id.0.to_ne_bytes());
    put(&mut b, 80, &r.pkg_id.1.to_ne_bytes());
    put(&mut b, 88, &r.pkg_id.2.to_ne_bytes());
    put(&mut b, 96, &r.pkg_id.3.to_ne_bytes());
    put(&mut b, 104, &r.pkg);
    put(&mut b, 360, &[r.net, r.prefix]);
    put(&mut b, 364, &r.addr);
    put(&mut b, 368, &r.bridge);
    put(&mut b, 384, &r.mem_max.to_ne_bytes());
    put(&mut b, RECORD_SIZE - 8, &u64::MAX.to_ne_bytes());
    b
}

/// A record from bytes (either size): magic, end marker, a printable name
/// and NUL-terminated strings; `None` otherwise.
pub fn decode(b: &[u8]) -> Option<Record> {
    let v1 = b.len() == RECORD_SIZE_V1;
    if !(v1 || b.len() == RECORD_SIZE) || get::<4>(b, 0)? != MAGIC.to_ne_bytes() || get::<8>(b, b.len().checked_sub(8)?)? != u64::MAX.to_ne_bytes() {
        return None;
    }
    let [net, prefix] = if v1 { [0, 0] } else { get::<2>(b, 360)? };
    let bridge: [u8; IFNAME_LEN] = if v1 { [0; IFNAME_LEN] } else { get(b, 368)? };
    if net > rocker_proto::NET_BRIDGE as u8 || prefix > 32 || !bridge.contains(&0) {
        return None;
    }
    let pname: [u8; PNAME_LEN] = get(b, 8)?;
    let pkg: [u8; PATH_MAX] = get(b, 104)?;
    let name = rocker_proto::cstr(&pname);
    if name.is_empty() || name.len() >= PNAME_LEN || !name.iter().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    if !pkg.contains(&0) {
        return None;
    }
    let u = |at| get::<8>(b, at).map(u64::from_ne_bytes);
    Some(Record {
        pid: i32::from_ne_bytes(get(b, 4)?),
        pname,
        proc_start: u(24)?,
        start_ns: u(32)?,
        app_id: i32::from_ne_bytes(get(b, 40)?),
        uid: u32::from_ne_bytes(get(b, 44)?),
        gid: u32::from_ne_bytes(get(b, 48)?),
        loop_dev: u32::from_ne_bytes(get(b, 52)?),
        data_id: (u(56)?, u(64)?),
        pkg_id: PkgId(u(72)?, u(80)?, u(88)?, i64::from_ne_bytes(get(b, 96)?)),
        pkg,
        net,
        addr: if v1 { [0; 4] } else { get(b, 364)? },
        prefix,
        bridge,
        mem_max: if v1 { 0 } else { u(384)? },
    })
    .filter(|r| r.pid > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn roundtrip_and_rejects() {
        let mut r = Record::EMPTY;
        r.pid = 1234;
        r.pname[..15].copy_from_slice(b"rg-0123456789ab");
        r.proc_start = 99;
        r.data_id = (7, 8);
        r.pkg_id = PkgId(1, 2, 3, -4);
        r.loop_dev = 5;
        r.pkg[..6].copy_from_slice(b"/a.sqf");
        let b = encode(&r);
        assert_eq!(decode(&b), Some(r));
        for i in 0..RECORD_SIZE {
            let mut x = b;
            x[i] ^= 0xff;
            if let Some(d) = decode(&x) {
                assert!(d.pid > 0 && !d.name().is_empty());
            }
        }
        assert_eq!(decode(&b[..RECORD_SIZE - 1]), None);
        // A record of the size before the network fields still loads.
        let mut old = [0u8; 368];
        old[..360].copy_from_slice(&b[..360]);
        old[360..].copy_from_slice(&u64::MAX.to_ne_bytes());
        assert_eq!(decode(&old), Some(r));
        // The network fields and mem_max round-trip.
        let mut n = r;
        n.net = rocker_proto::NET_BRIDGE as u8;
        n.addr = [10, 88, 0, 7];
        n.prefix = 16;
        n.bridge[..7].copy_from_slice(b"rocker0");
        n.mem_max = 32 << 20;
        assert_eq!(decode(&encode(&n)), Some(n));
        let mut bad = b;
        bad[8] = b'\n';
        assert_eq!(decode(&bad), None);
    }
}
