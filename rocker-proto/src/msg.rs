//! Message encoders and decoders. Decoders take the received datagram and
//! check everything the contract says; encoders write whole messages.

use core::borrow::Borrow;

use crate::{
    err, off, Reject, BLOB_MAX, DEVICES_MAX, DEVICE_LEN, HOSTNAME_LEN, IFNAME_LEN, NET_BRIDGE, SHARE_KNOWN, GUARD_LOOP_SIZE, GUARD_REPORT_SIZE, HDR_SIZE, ID_MAX, ID_MIN,
    KIND_GUARD_LOOP, KIND_GUARD_REPORT, KIND_LIST, KIND_LIST_REPLY, KIND_REGISTER, KIND_RUN,
    KIND_RUN_REPLY, LIST_ENTRY_SIZE, LIST_ENTRY_SIZE_VER0, LIST_REPLY_HDR_SIZE, LIST_REQ_SIZE, LIST_REQ_SIZE_VER0, MAGIC, MAX_OPS,
    MAX_SANDBOXES, MSG_MAX, OP_SIZE, OVERLAY_LEN, OVERLAY_MAX, PATH_MAX, PNAME_LEN,
    REGISTER_SIZE, RUN_FLAGS_KNOWN, RUN_REPLY_SIZE_VER0, RUN_REPLY_SIZE_VER1, RUN_REQ_SIZE,
    RUN_REQ_SIZE_VER0, VERSION, RLIMITS_MAX, RLIMIT_SIZE, BINDS_MAX, BIND_SRC_LEN, BIND_DST_LEN, SECCOMP_NAMES_LEN,
    SECCOMP_PROFILE, SECCOMP_ACT_LOG, LIMIT_FLAGS_KNOWN, ROOT_PKG, ROOT_FLAGS_KNOWN,
};

type R<T> = Result<T, Reject>;

/// Bytes of the `overlay` area of a RUN request.
const OVERLAY_AREA: usize = 1024;
/// Bytes of the `devices` area of a RUN request.
const DEVICES_AREA: usize = DEVICES_MAX * DEVICE_LEN;
/// Bytes per bind slot.
const BIND_SIZE: usize = BIND_SRC_LEN + BIND_DST_LEN;
const _: () = assert!(OVERLAY_AREA == OVERLAY_MAX * OVERLAY_LEN);

// ---------------------------------------------------------------------------
// Field access. `get`/`put` never panic: out of range reads are `BadSize`
// (unreachable after the size checks, and folded away for fixed arrays), out
// of range writes are skipped (callers pass buffers of the message size).

#[inline(always)]
fn get<const N: usize>(b: &[u8], at: usize) -> R<&[u8; N]> {
    b.get(at..)
        .and_then(|s| s.first_chunk::<N>())
        .ok_or(Reject::BadSize)
}

#[inline(always)]
fn u16_at(b: &[u8], at: usize) -> R<u16> {
    get::<2>(b, at).map(|a| u16::from_ne_bytes(*a))
}

#[inline(always)]
fn u32_at(b: &[u8], at: usize) -> R<u32> {
    get::<4>(b, at).map(|a| u32::from_ne_bytes(*a))
}

#[inline(always)]
fn i32_at(b: &[u8], at: usize) -> R<i32> {
    get::<4>(b, at).map(|a| i32::from_ne_bytes(*a))
}

#[inline(always)]
fn u64_at(b: &[u8], at: usize) -> R<u64> {
    get::<8>(b, at).map(|a| u64::from_ne_bytes(*a))
}

#[inline(always)]
fn put<const N: usize>(b: &mut [u8], at: usize, v: [u8; N]) {
    if let Some(d) = b.get_mut(at..).and_then(|s| s.first_chunk_mut::<N>()) {
        *d = v;
    }
}

#[inline(always)]
fn put_bytes(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(at..) {
        for (d, s) in d.iter_mut().zip(v) {
            *d = *s;
        }
    }
}

/// A `char[N]` field: a NUL inside, zeros after it. Returns the string
/// without its NUL.
fn cstr_field(f: &[u8]) -> R<&[u8]> {
    let n = f.iter().position(|&c| c == 0).ok_or(Reject::NoNul)?;
    let (s, rest) = f.split_at_checked(n).ok_or(Reject::NoNul)?;
    if rest.iter().any(|&c| c != 0) {
        return Err(Reject::TrailingGarbage);
    }
    Ok(s)
}

fn size_u32(n: usize) -> u32 {
    // Every message is <= MSG_MAX, which fits a u32 (checked in lib.rs).
    u32::try_from(n).unwrap_or(u32::MAX)
}

const fn pad8(n: usize) -> usize {
    // n <= MSG_MAX in every caller: no overflow.
    n.wrapping_add(7) & !7
}

// ---------------------------------------------------------------------------
// Header

/// The 16-byte header every message starts with.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub struct Hdr {
    /// [`MAGIC`](crate::MAGIC)
    pub magic: u32,
    /// [`VERSION`](crate::VERSION)
    pub version: u16,
    /// `KIND_*`
    pub kind: u16,
    /// Whole message size, header included.
    pub size: u32,
    /// Reserved, 0.
    pub flags: u32,
}

/// Decode and check a header: magic, version, `size == buf.len()`,
/// `buf.len() <= MSG_MAX`, flags == 0. The kind is not checked.
pub fn decode_hdr(buf: &[u8]) -> R<Hdr> {
    let h: &[u8; HDR_SIZE] = buf.first_chunk().ok_or(Reject::BadSize)?;
    let hdr = Hdr {
        magic: u32_at(h, off::HDR_MAGIC)?,
        version: u16_at(h, off::HDR_VERSION)?,
        kind: u16_at(h, off::HDR_KIND)?,
        size: u32_at(h, off::HDR_SIZE)?,
        flags: u32_at(h, off::HDR_FLAGS)?,
    };
    if hdr.magic != MAGIC {
        return Err(Reject::BadMagic);
    }
    if hdr.version != VERSION {
        return Err(Reject::BadVersion);
    }
    if buf.len() > MSG_MAX || usize::try_from(hdr.size) != Ok(buf.len()) {
        return Err(Reject::BadSize);
    }
    if hdr.flags != 0 {
        return Err(Reject::BadFlags);
    }
    Ok(hdr)
}

fn write_hdr(out: &mut [u8], kind: u16, size: u32) {
    put(out, off::HDR_MAGIC, MAGIC.to_ne_bytes());
    put(out, off::HDR_VERSION, VERSION.to_ne_bytes());
    put(out, off::HDR_KIND, kind.to_ne_bytes());
    put(out, off::HDR_SIZE, size.to_ne_bytes());
    put(out, off::HDR_FLAGS, 0u32.to_ne_bytes());
}

/// Write a header (magic, version, `kind`, `size`, flags 0) into the first
/// 16 bytes of `out`. Errors: `err::PARAM_INVALID` if `out` is shorter.
pub fn encode_hdr(kind: u16, size: u32, out: &mut [u8]) -> Result<(), i32> {
    let h = out
        .first_chunk_mut::<HDR_SIZE>()
        .ok_or(err::PARAM_INVALID)?;
    write_hdr(h, kind, size);
    Ok(())
}

/// `decode_hdr` + the kind and exact size a fixed-size message requires.
fn expect(buf: &[u8], kind: u16, size: usize) -> R<Hdr> {
    let h = decode_hdr(buf)?;
    if h.kind != kind {
        return Err(Reject::BadKind);
    }
    if buf.len() != size {
        return Err(Reject::BadSize);
    }
    Ok(h)
}

/// A size-versioned body, as the kernel's `copy_struct_from_user`: at least
/// `ver0` bytes; shorter than `N` is zero-extended; longer than `N` only
/// with an all-zero tail. Returns the zero-extended copy and the size sent.
fn extend<const N: usize>(buf: &[u8], kind: u16, ver0: usize) -> R<([u8; N], usize)> {
    let mut out = [0u8; N];
    extend_into(buf, kind, ver0, &mut out)?;
    Ok((out, buf.len()))
}

/// [`extend`] into `out` (big bodies: no copy through the caller's stack).
fn extend_into<const N: usize>(buf: &[u8], kind: u16, ver0: usize, out: &mut [u8; N]) -> R<()> {
    let h = decode_hdr(buf)?;
    if h.kind != kind {
        return Err(Reject::BadKind);
    }
    if buf.len() < ver0 {
        return Err(Reject::BadSize);
    }
    let (known, tail) = buf.split_at_checked(N).unwrap_or((buf, &[]));
    if tail.iter().any(|&c| c != 0) {
        return Err(Reject::UnknownTail);
    }
    out.fill(0);
    put_bytes(out, 0, known);
    Ok(())
}

// ---------------------------------------------------------------------------
// Header-only messages

/// LIST request (kind 2) asking for entries of `entry_size` bytes
/// (`LIST_ENTRY_SIZE_VER0` or more; the reply says what it sends).
pub fn encode_list_req(out: &mut [u8; LIST_REQ_SIZE], entry_size: u32) {
    out.fill(0);
    write_hdr(out, KIND_LIST, size_u32(LIST_REQ_SIZE));
    put(out, off::LREQ_ENTRY_SIZE, entry_size.to_ne_bytes());
}

/// Check a LIST request; returns the entry size to answer with: VER0's for
/// a header-only request or a client that reads less than this side's
/// entries, else this side's. `entry_size` below VER0's or not a multiple
/// of 8 is `BadSize`.
pub fn decode_list_req(buf: &[u8]) -> R<usize> {
    let (b, _) = extend::<LIST_REQ_SIZE>(buf, KIND_LIST, LIST_REQ_SIZE_VER0)?;
    if u32_at(&b, off::LREQ_RESERVED)? != 0 {
        return Err(Reject::ReservedNotZero);
    }
    // The entries this side can make: VER0's, or its own for a client that
    // reads at least as much.
    match usize::try_from(u32_at(&b, off::LREQ_ENTRY_SIZE)?) {
        Ok(0) => Ok(LIST_ENTRY_SIZE_VER0),
        Ok(n) if n >= LIST_ENTRY_SIZE && n % 8 == 0 => Ok(LIST_ENTRY_SIZE),
        Ok(n) if n >= LIST_ENTRY_SIZE_VER0 && n % 8 == 0 => Ok(LIST_ENTRY_SIZE_VER0),
        _ => Err(Reject::BadSize),
    }
}

/// REGISTER (kind 3, header only; the pidfd rides as SCM_RIGHTS).
pub fn encode_register(out: &mut [u8; REGISTER_SIZE]) {
    write_hdr(out, KIND_REGISTER, size_u32(REGISTER_SIZE));
}

/// Check a REGISTER message.
pub fn decode_register(buf: &[u8]) -> R<()> {
    expect(buf, KIND_REGISTER, REGISTER_SIZE).map(|_| ())
}

// ---------------------------------------------------------------------------
// RUN request

/// A RUN request, borrowing its strings from the zero-extended body
/// ([`extend_run_req`]). Strings exclude their NUL. Decoding checks
/// structure and id ranges only; path rules are
/// [`check_run_req`](crate::check_run_req).
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub struct RunReq<'a> {
    /// App id, >= 0.
    pub app_id: i32,
    /// uid the App runs as (mapped 1:1), `ID_MIN..=ID_MAX`.
    pub uid: u32,
    /// gid the App runs as (mapped 1:1), `ID_MIN..=ID_MAX`.
    pub gid: u32,
    /// `RUN_*` bits.
    pub run_flags: u32,
    /// Package path (informational: the package itself is the passed fd).
    pub pkg: &'a [u8],
    /// Where the squashfs is mounted.
    pub exec_dir: &'a [u8],
    /// Where `<name>/{upper,work}` live.
    pub data_dir: &'a [u8],
    /// Overlay dirs; slots `>= n_overlay` are empty.
    pub overlays: [&'a [u8]; OVERLAY_MAX],
    /// Used overlay slots, `0..=OVERLAY_MAX`.
    pub n_overlay: usize,
    /// VER1: the largest reply the client receives; 0: a v1 client, which
    /// gets the 56-byte reply with exactly 4 fds.
    pub reply_max: u32,
    /// VER1: a test hook: the guard stops after this step (`ROCKER_STEP_*`)
    /// until it is killed. 0: none. Only a master started with
    /// `--test-hooks` accepts a non-zero value.
    pub test_stall: u32,
    /// VER2: `SHARE_*` bits: what the sandbox shares with the host.
    pub share: u32,
    /// VER2: `NET_*`.
    pub net: u32,
    /// VER2: size of the private /tmp in KiB (0: the master's default).
    pub tmp_size_kb: u32,
    /// VER2: hostname (empty: the sandbox's name).
    pub hostname: &'a [u8],
    /// VER2: bridge of `NET_BRIDGE`.
    pub bridge: &'a [u8],
    /// VER2: IPv4 address and prefix (0.0.0.0: allocated by the master).
    pub addr: [u8; 4],
    /// See `addr`.
    pub prefix: u8,
    /// VER2: default gateway (0.0.0.0: the bridge's address).
    pub gateway: [u8; 4],
    /// VER2: host device nodes passed through; slots >= n_devices empty.
    pub devices: [&'a [u8]; DEVICES_MAX],
    /// Used device slots.
    pub n_devices: usize,
    /// VER2: bit i: device i read-only.
    pub device_ro: u32,
    /// VER3: memory limit in bytes (0: none).
    pub mem_max: u64,
    /// VER3: swap limit in bytes, with `LIMIT_SWAP` in `limit_flags`.
    pub swap_max: u64,
    /// VER3: CPU quota per period, µs (0: none).
    pub cpu_quota_us: u32,
    /// VER3: CPU period, µs (0: 100000).
    pub cpu_period_us: u32,
    /// VER3: CPU weight 1..=10000 (0: the default).
    pub cpu_weight: u32,
    /// VER3: most processes (0: no limit).
    pub pids_max: u32,
    /// VER3: `LIMIT_*` bits.
    pub limit_flags: u32,
    /// VER3: rlimits for the App; slots >= n_rlimits empty.
    pub rlimits: [Rlimit; RLIMITS_MAX],
    /// Used rlimit slots.
    pub n_rlimits: usize,
    /// VER3: `SECCOMP_*`.
    pub seccomp: u32,
    /// VER3: profile: the action of calls not listed (`SECCOMP_ACT_*`).
    pub seccomp_default: u32,
    /// VER3: profile: the action of the listed calls.
    pub seccomp_action: u32,
    /// VER3: errno of `SECCOMP_ACT_ERRNO` (0: EPERM).
    pub seccomp_errno: u32,
    /// VER3: profile: NUL-terminated syscall names, up to the first empty
    /// one (the area without its trailing zeros).
    pub seccomp_names: &'a [u8],
    /// VER3: `ROOT_*`.
    pub root: u32,
    /// VER3: `ROOT_RO`, `ROOT_NO_PIVOT`.
    pub root_flags: u32,
    /// VER3: the App's working directory (empty: the default).
    pub cwd: &'a [u8],
    /// VER3: host paths bound into the sandbox; slots >= n_binds empty.
    pub binds: [Bind<'a>; BINDS_MAX],
    /// Used bind slots.
    pub n_binds: usize,
    /// VER3: bit i: bind i read-write (default read-only).
    pub bind_rw: u32,
}

/// An rlimit of a RUN request.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Rlimit {
    /// The target's `RLIMIT_*` number.
    pub resource: u32,
    /// Soft limit (`u64::MAX`: unlimited).
    pub cur: u64,
    /// Hard limit.
    pub max: u64,
}

/// A bind of a RUN request.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Bind<'a> {
    /// Host path.
    pub src: &'a [u8],
    /// Path in the sandbox (empty: the same as `src`).
    pub dst: &'a [u8],
}

impl<'a> RunReq<'a> {
    /// An all-empty request (for building one to encode).
    pub const EMPTY: RunReq<'static> = RunReq {
        app_id: 0,
        uid: 0,
        gid: 0,
        run_flags: 0,
        pkg: &[],
        exec_dir: &[],
        data_dir: &[],
        overlays: [&[]; OVERLAY_MAX],
        n_overlay: 0,
        reply_max: 0,
        test_stall: 0,
        share: 0,
        net: 0,
        tmp_size_kb: 0,
        hostname: &[],
        bridge: &[],
        addr: [0; 4],
        prefix: 0,
        gateway: [0; 4],
        devices: [&[]; DEVICES_MAX],
        n_devices: 0,
        device_ro: 0,
        mem_max: 0,
        swap_max: 0,
        cpu_quota_us: 0,
        cpu_period_us: 0,
        cpu_weight: 0,
        pids_max: 0,
        limit_flags: 0,
        rlimits: [Rlimit { resource: 0, cur: 0, max: 0 }; RLIMITS_MAX],
        n_rlimits: 0,
        seccomp: 0,
        seccomp_default: 0,
        seccomp_action: 0,
        seccomp_errno: 0,
        seccomp_names: &[],
        root: 0,
        root_flags: 0,
        cwd: &[],
        binds: [Bind { src: &[], dst: &[] }; BINDS_MAX],
        n_binds: 0,
        bind_rw: 0,
    };

    /// The used overlay slots (empty if `n_overlay` is out of range).
    pub fn overlays(&self) -> &[&'a [u8]] {
        self.overlays.get(..self.n_overlay).unwrap_or(&[])
    }
    /// The used device slots.
    pub fn devices(&self) -> &[&'a [u8]] {
        self.devices.get(..self.n_devices).unwrap_or(&[])
    }
    /// The used rlimit slots.
    pub fn rlimits(&self) -> &[Rlimit] {
        self.rlimits.get(..self.n_rlimits).unwrap_or(&[])
    }
    /// The used bind slots.
    pub fn binds(&self) -> &[Bind<'a>] {
        self.binds.get(..self.n_binds).unwrap_or(&[])
    }
    /// The profile's syscall names, in order.
    pub fn seccomp_names(&self) -> impl Iterator<Item = &'a [u8]> {
        self.seccomp_names.split(|&c| c == 0).filter(|n| !n.is_empty())
    }
}

/// `n` as a slot count `<= max`.
fn slots(n: u32, max: usize) -> R<usize> {
    usize::try_from(n).ok().filter(|&n| n <= max).ok_or(Reject::TooManyOverlays)
}

/// The names area: names of `[a-z0-9_]`, each NUL-terminated, then only
/// zeros. Returns the names part (without the final zeros).
fn names_area(a: &[u8]) -> R<&[u8]> {
    let mut at = 0;
    loop {
        let rest = a.get(at..).ok_or(Reject::NoNul)?;
        let n = rest.iter().position(|&c| c == 0).ok_or(Reject::NoNul)?;
        if n == 0 {
            if rest.iter().any(|&c| c != 0) {
                return Err(Reject::TrailingGarbage);
            }
            return a.get(..at).ok_or(Reject::NoNul);
        }
        let name = rest.get(..n).ok_or(Reject::NoNul)?;
        if !name.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_') {
            return Err(Reject::BadValue);
        }
        at = at.checked_add(n).and_then(|a| a.checked_add(1)).ok_or(Reject::NoNul)?;
    }
}

/// Check a RUN datagram's header and size rules and return its body
/// zero-extended to the size this side knows ([`RUN_REQ_SIZE`]). Decode the
/// fields from it with [`RunReq::decode`].
pub fn extend_run_req(buf: &[u8]) -> R<[u8; RUN_REQ_SIZE]> {
    extend::<RUN_REQ_SIZE>(buf, KIND_RUN, RUN_REQ_SIZE_VER0).map(|(b, _)| b)
}

/// [`extend_run_req`] into `out` (7 KiB: one copy, where the caller keeps it).
pub fn extend_run_req_into(buf: &[u8], out: &mut [u8; RUN_REQ_SIZE]) -> R<()> {
    extend_into(buf, KIND_RUN, RUN_REQ_SIZE_VER0, out)
}

impl<'a> RunReq<'a> {
    /// Decode the fields of a zero-extended RUN body. Checks, in order:
    /// reserved, run_flags, n_overlay, every string field (NUL, zeros after
    /// it), unused overlay slots all zero; then app_id, uid, gid ranges.
    pub fn decode(buf: &'a [u8; RUN_REQ_SIZE]) -> R<RunReq<'a>> {
        let app_id = i32_at(buf, off::RUN_APP_ID)?;
        let uid = u32_at(buf, off::RUN_UID)?;
        let gid = u32_at(buf, off::RUN_GID)?;
        let run_flags = u32_at(buf, off::RUN_RUN_FLAGS)?;
        let n_overlay = u32_at(buf, off::RUN_N_OVERLAY)?;
        if u32_at(buf, off::RUN_RESERVED)? != 0 {
            return Err(Reject::ReservedNotZero);
        }
        if run_flags & !RUN_FLAGS_KNOWN != 0 {
            return Err(Reject::BadRunFlags);
        }
        let n_overlay = usize::try_from(n_overlay)
            .ok()
            .filter(|&n| n <= OVERLAY_MAX)
            .ok_or(Reject::TooManyOverlays)?;
        let pkg = cstr_field(get::<PATH_MAX>(buf, off::RUN_PKG)?)?;
        let exec_dir = cstr_field(get::<PATH_MAX>(buf, off::RUN_EXEC_DIR)?)?;
        let data_dir = cstr_field(get::<PATH_MAX>(buf, off::RUN_DATA_DIR)?)?;
        let area = get::<OVERLAY_AREA>(buf, off::RUN_OVERLAY)?;
        let mut overlays: [&[u8]; OVERLAY_MAX] = [&[]; OVERLAY_MAX];
        for (i, (slot, field)) in overlays
            .iter_mut()
            .zip(area.as_chunks::<OVERLAY_LEN>().0)
            .enumerate()
        {
            if i < n_overlay {
                *slot = cstr_field(field)?;
            } else if field.iter().any(|&c| c != 0) {
                return Err(Reject::UnusedSlotNotZero);
            }
        }
        if app_id < 0 {
            return Err(Reject::BadAppId);
        }
        if !(ID_MIN..=ID_MAX).contains(&uid) {
            return Err(Reject::BadUid);
        }
        if !(ID_MIN..=ID_MAX).contains(&gid) {
            return Err(Reject::BadGid);
        }
        let share = u32_at(buf, off::RUN_SHARE)?;
        let net = u32_at(buf, off::RUN_NET)?;
        let prefix = *get::<1>(buf, off::RUN_PREFIX)?;
        if share & !SHARE_KNOWN != 0 || net > NET_BRIDGE || prefix[0] > 32 {
            return Err(Reject::BadIsolation);
        }
        if get::<3>(buf, off::RUN_RESERVED2)? != &[0; 3] {
            return Err(Reject::ReservedNotZero);
        }
        let n_devices = usize::try_from(u32_at(buf, off::RUN_N_DEVICES)?)
            .ok()
            .filter(|&n| n <= DEVICES_MAX)
            .ok_or(Reject::TooManyOverlays)?;
        let mut devices: [&[u8]; DEVICES_MAX] = [&[]; DEVICES_MAX];
        let area = get::<DEVICES_AREA>(buf, off::RUN_DEVICES)?;
        for (i, (slot, field)) in devices.iter_mut().zip(area.as_chunks::<DEVICE_LEN>().0).enumerate() {
            if i < n_devices {
                *slot = cstr_field(field)?;
            } else if field.iter().any(|&c| c != 0) {
                return Err(Reject::UnusedSlotNotZero);
            }
        }
        let device_ro = u32_at(buf, off::RUN_DEVICE_RO)?;
        if n_devices < 32 && device_ro >> n_devices != 0 {
            return Err(Reject::UnusedSlotNotZero);
        }
        // VER3
        let limit_flags = u32_at(buf, off::RUN_LIMIT_FLAGS)?;
        let seccomp = u32_at(buf, off::RUN_SECCOMP)?;
        let seccomp_default = u32_at(buf, off::RUN_SECCOMP_DEFAULT)?;
        let seccomp_action = u32_at(buf, off::RUN_SECCOMP_ACTION)?;
        let root = u32_at(buf, off::RUN_ROOT)?;
        let root_flags = u32_at(buf, off::RUN_ROOT_FLAGS)?;
        let act_ok = |a: u32| a <= SECCOMP_ACT_LOG && (a != 0) == (seccomp == SECCOMP_PROFILE);
        if limit_flags & !LIMIT_FLAGS_KNOWN != 0
            || seccomp > SECCOMP_PROFILE
            || !act_ok(seccomp_default)
            || !act_ok(seccomp_action)
            || root > ROOT_PKG
            || root_flags & !ROOT_FLAGS_KNOWN != 0
        {
            return Err(Reject::BadValue);
        }
        let n_rlimits = slots(u32_at(buf, off::RUN_N_RLIMITS)?, RLIMITS_MAX)?;
        let mut rlimits = [Rlimit::default(); RLIMITS_MAX];
        let area = get::<{ RLIMITS_MAX * RLIMIT_SIZE }>(buf, off::RUN_RLIMITS)?;
        for (i, (slot, b)) in rlimits.iter_mut().zip(area.as_chunks::<RLIMIT_SIZE>().0).enumerate() {
            if i >= n_rlimits {
                if b.iter().any(|&c| c != 0) {
                    return Err(Reject::UnusedSlotNotZero);
                }
                continue;
            }
            if u32_at(b, 4)? != 0 {
                return Err(Reject::ReservedNotZero);
            }
            *slot = Rlimit { resource: u32_at(b, 0)?, cur: u64_at(b, 8)?, max: u64_at(b, 16)? };
        }
        let n_binds = slots(u32_at(buf, off::RUN_N_BINDS)?, BINDS_MAX)?;
        let mut binds = [Bind::default(); BINDS_MAX];
        let area = get::<{ BINDS_MAX * BIND_SIZE }>(buf, off::RUN_BINDS)?;
        for (i, (slot, b)) in binds.iter_mut().zip(area.as_chunks::<BIND_SIZE>().0).enumerate() {
            if i >= n_binds {
                if b.iter().any(|&c| c != 0) {
                    return Err(Reject::UnusedSlotNotZero);
                }
                continue;
            }
            let (src, dst) = b.split_at(BIND_SRC_LEN);
            *slot = Bind { src: cstr_field(src)?, dst: cstr_field(dst)? };
        }
        let bind_rw = u32_at(buf, off::RUN_BIND_RW)?;
        if n_binds < 32 && bind_rw >> n_binds != 0 {
            return Err(Reject::UnusedSlotNotZero);
        }
        let seccomp_names = names_area(get::<SECCOMP_NAMES_LEN>(buf, off::RUN_SECCOMP_NAMES)?)?;
        if seccomp != SECCOMP_PROFILE && !seccomp_names.is_empty() {
            return Err(Reject::BadValue);
        }
        Ok(RunReq {
            app_id,
            uid,
            gid,
            run_flags,
            pkg,
            exec_dir,
            data_dir,
            overlays,
            n_overlay,
            reply_max: u32_at(buf, off::RUN_REPLY_MAX)?,
            test_stall: u32_at(buf, off::RUN_TEST_STALL)?,
            share,
            net,
            tmp_size_kb: u32_at(buf, off::RUN_TMP_SIZE_KB)?,
            hostname: cstr_field(get::<HOSTNAME_LEN>(buf, off::RUN_HOSTNAME)?)?,
            bridge: cstr_field(get::<IFNAME_LEN>(buf, off::RUN_BRIDGE)?)?,
            addr: *get::<4>(buf, off::RUN_ADDR)?,
            prefix: prefix[0],
            gateway: *get::<4>(buf, off::RUN_GATEWAY)?,
            devices,
            n_devices,
            device_ro,
            mem_max: u64_at(buf, off::RUN_MEM_MAX)?,
            swap_max: u64_at(buf, off::RUN_SWAP_MAX)?,
            cpu_quota_us: u32_at(buf, off::RUN_CPU_QUOTA_US)?,
            cpu_period_us: u32_at(buf, off::RUN_CPU_PERIOD_US)?,
            cpu_weight: u32_at(buf, off::RUN_CPU_WEIGHT)?,
            pids_max: u32_at(buf, off::RUN_PIDS_MAX)?,
            limit_flags,
            rlimits,
            n_rlimits,
            seccomp,
            seccomp_default,
            seccomp_action,
            seccomp_errno: u32_at(buf, off::RUN_SECCOMP_ERRNO)?,
            seccomp_names,
            root,
            root_flags,
            cwd: cstr_field(get::<PATH_MAX>(buf, off::RUN_CWD)?)?,
            binds,
            n_binds,
            bind_rw,
        })
    }
}

/// Encode a RUN request as given (ids and flags are not range-checked, so
/// tests can build refused requests) into `out`, whose length is the body
/// size to send (`RUN_REQ_SIZE_VER0` for a v1 client, [`RUN_REQ_SIZE`]
/// now; a VER1 field that does not fit a shorter `out` must be 0).
/// Returns the length. `out` is all-zero on error.
///
/// Errors: `err::PARAM_INVALID` if `n_overlay > OVERLAY_MAX`, `out` is
/// shorter than VER0, or a VER1 field is set for a VER0 body;
/// `err::PATH_TOO_LONG` / `err::PATH_INVALID` from [`put_cstr`](crate::put_cstr).
pub fn encode_run_req(req: &RunReq<'_>, out: &mut [u8]) -> Result<usize, i32> {
    out.fill(0);
    let mut full = [0u8; RUN_REQ_SIZE];
    encode_run_req_full(req, &mut full)?;
    if out.len() < RUN_REQ_SIZE_VER0 || out.len() > MSG_MAX {
        return Err(err::PARAM_INVALID);
    }
    // A shorter body is an older version: what it leaves out must be 0
    // (the receiver zero-extends it).
    let (head, tail) = full.split_at(out.len().min(RUN_REQ_SIZE));
    if tail.iter().any(|&c| c != 0) {
        return Err(err::PARAM_INVALID);
    }
    put_bytes(out, 0, head);
    write_hdr(out, KIND_RUN, size_u32(out.len()));
    Ok(out.len())
}

fn encode_run_req_full(req: &RunReq<'_>, out: &mut [u8; RUN_REQ_SIZE]) -> Result<(), i32> {
    if req.n_overlay > OVERLAY_MAX || req.n_devices > DEVICES_MAX || req.n_rlimits > RLIMITS_MAX || req.n_binds > BINDS_MAX {
        return Err(err::PARAM_INVALID);
    }
    let n = u32::try_from(req.n_overlay).map_err(|_| err::PARAM_INVALID)?;
    let nd = u32::try_from(req.n_devices).map_err(|_| err::PARAM_INVALID)?;
    put(out, off::RUN_APP_ID, req.app_id.to_ne_bytes());
    put(out, off::RUN_UID, req.uid.to_ne_bytes());
    put(out, off::RUN_GID, req.gid.to_ne_bytes());
    put(out, off::RUN_RUN_FLAGS, req.run_flags.to_ne_bytes());
    put(out, off::RUN_N_OVERLAY, n.to_ne_bytes());
    let fields = [
        (off::RUN_PKG, PATH_MAX, req.pkg),
        (off::RUN_EXEC_DIR, PATH_MAX, req.exec_dir),
        (off::RUN_DATA_DIR, PATH_MAX, req.data_dir),
        (off::RUN_HOSTNAME, HOSTNAME_LEN, req.hostname),
        (off::RUN_BRIDGE, IFNAME_LEN, req.bridge),
        (off::RUN_CWD, PATH_MAX, req.cwd),
    ];
    for (at, len, s) in fields {
        let f = out.get_mut(at..).and_then(|f| f.get_mut(..len)).ok_or(err::PARAM_INVALID)?;
        crate::put_cstr(f, s)?;
    }
    let area = out
        .get_mut(off::RUN_OVERLAY..)
        .and_then(|f| f.first_chunk_mut::<OVERLAY_AREA>())
        .ok_or(err::PARAM_INVALID)?;
    for (field, s) in area.as_chunks_mut::<OVERLAY_LEN>().0.iter_mut().zip(req.overlays()) {
        crate::put_cstr(field, s)?;
    }
    let area = out
        .get_mut(off::RUN_DEVICES..)
        .and_then(|f| f.first_chunk_mut::<DEVICES_AREA>())
        .ok_or(err::PARAM_INVALID)?;
    for (field, s) in area.as_chunks_mut::<DEVICE_LEN>().0.iter_mut().zip(req.devices()) {
        crate::put_cstr(field, s)?;
    }
    put(out, off::RUN_REPLY_MAX, req.reply_max.to_ne_bytes());
    put(out, off::RUN_TEST_STALL, req.test_stall.to_ne_bytes());
    put(out, off::RUN_SHARE, req.share.to_ne_bytes());
    put(out, off::RUN_NET, req.net.to_ne_bytes());
    put(out, off::RUN_TMP_SIZE_KB, req.tmp_size_kb.to_ne_bytes());
    put(out, off::RUN_N_DEVICES, nd.to_ne_bytes());
    put(out, off::RUN_ADDR, req.addr);
    put(out, off::RUN_PREFIX, [req.prefix]);
    put(out, off::RUN_GATEWAY, req.gateway);
    put(out, off::RUN_DEVICE_RO, req.device_ro.to_ne_bytes());
    put(out, off::RUN_MEM_MAX, req.mem_max.to_ne_bytes());
    put(out, off::RUN_SWAP_MAX, req.swap_max.to_ne_bytes());
    put(out, off::RUN_CPU_QUOTA_US, req.cpu_quota_us.to_ne_bytes());
    put(out, off::RUN_CPU_PERIOD_US, req.cpu_period_us.to_ne_bytes());
    put(out, off::RUN_CPU_WEIGHT, req.cpu_weight.to_ne_bytes());
    put(out, off::RUN_PIDS_MAX, req.pids_max.to_ne_bytes());
    put(out, off::RUN_LIMIT_FLAGS, req.limit_flags.to_ne_bytes());
    put(out, off::RUN_N_RLIMITS, size_u32(req.n_rlimits).to_ne_bytes());
    let area = out
        .get_mut(off::RUN_RLIMITS..)
        .and_then(|f| f.first_chunk_mut::<{ RLIMITS_MAX * RLIMIT_SIZE }>())
        .ok_or(err::PARAM_INVALID)?;
    for (slot, r) in area.as_chunks_mut::<RLIMIT_SIZE>().0.iter_mut().zip(req.rlimits()) {
        put(slot, 0, r.resource.to_ne_bytes());
        put(slot, 8, r.cur.to_ne_bytes());
        put(slot, 16, r.max.to_ne_bytes());
    }
    put(out, off::RUN_SECCOMP, req.seccomp.to_ne_bytes());
    put(out, off::RUN_SECCOMP_DEFAULT, req.seccomp_default.to_ne_bytes());
    put(out, off::RUN_SECCOMP_ACTION, req.seccomp_action.to_ne_bytes());
    put(out, off::RUN_SECCOMP_ERRNO, req.seccomp_errno.to_ne_bytes());
    // The names as given: the receiver checks them (tests send bad ones).
    if req.seccomp_names.len() >= SECCOMP_NAMES_LEN {
        return Err(err::PARAM_INVALID);
    }
    put_bytes(out, off::RUN_SECCOMP_NAMES, req.seccomp_names);
    put(out, off::RUN_ROOT, req.root.to_ne_bytes());
    put(out, off::RUN_ROOT_FLAGS, req.root_flags.to_ne_bytes());
    put(out, off::RUN_N_BINDS, size_u32(req.n_binds).to_ne_bytes());
    put(out, off::RUN_BIND_RW, req.bind_rw.to_ne_bytes());
    let area = out
        .get_mut(off::RUN_BINDS..)
        .and_then(|f| f.first_chunk_mut::<{ BINDS_MAX * BIND_SIZE }>())
        .ok_or(err::PARAM_INVALID)?;
    for (f, b) in area.as_chunks_mut::<BIND_SIZE>().0.iter_mut().zip(req.binds()) {
        let (src, dst) = f.split_at_mut(BIND_SRC_LEN);
        crate::put_cstr(src, b.src)?;
        crate::put_cstr(dst, b.dst)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// RUN reply

/// The fixed part of a RUN reply (kind 0x8001).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
#[derive(Debug)]
pub struct RunReply {
    /// The reason (`ROCKER_ERR_*`), 0 = success. Clients map it to a seed
    /// code with the table in `rocker.h`.
    pub err: i32,
    /// Positive errno behind `err`, 0 if none.
    pub sys_errno: i32,
    /// `ROCKER_STEP_*` where it failed.
    pub step: u16,
    /// Overlay slot for overlay steps, else 0.
    pub index: u16,
    /// Guard host pid, 0 on error.
    pub guard_pid: i32,
    /// Guard comm, NUL-terminated and zero-filled (use [`put_cstr`](crate::put_cstr)).
    pub guard_pname: [u8; PNAME_LEN],
    /// fds attached (4 for a v1 reply on success).
    pub n_fds: u32,
    /// VER1: index of the guard's `ctl` socket among the fds.
    pub ctl_fd: u32,
}

impl RunReply {
    /// A failure reply: no guard, no fds.
    pub const fn failure(err: i32, sys_errno: i32, step: u16, index: u16) -> Self {
        RunReply {
            err,
            sys_errno,
            step,
            index,
            guard_pid: 0,
            guard_pname: [0; PNAME_LEN],
            n_fds: 0,
            ctl_fd: 0,
        }
    }

    /// The guard name without its NUL.
    pub fn pname(&self) -> &[u8] {
        crate::cstr(&self.guard_pname)
    }
}

/// One step of the App's recipe (24 bytes on the wire).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
#[derive(Debug)]
pub struct Op {
    /// `ROCKER_OP_*`
    pub op: u16,
    /// `ROCKER_STEP_*` the client reports if this op fails.
    pub step: u16,
    /// First argument (an fd index, a resource, a blob offset).
    pub a: u32,
    /// Second argument.
    pub b: u64,
    /// Third argument.
    pub c: u64,
}

impl Op {
    fn encode(&self, out: &mut [u8]) {
        put(out, off::OP_OP, self.op.to_ne_bytes());
        put(out, off::OP_STEP, self.step.to_ne_bytes());
        put(out, off::OP_A, self.a.to_ne_bytes());
        put(out, off::OP_B, self.b.to_ne_bytes());
        put(out, off::OP_C, self.c.to_ne_bytes());
    }
    fn decode(b: &[u8]) -> R<Op> {
        Ok(Op {
            op: u16_at(b, off::OP_OP)?,
            step: u16_at(b, off::OP_STEP)?,
            a: u32_at(b, off::OP_A)?,
            b: u64_at(b, off::OP_B)?,
            c: u64_at(b, off::OP_C)?,
        })
    }
}

fn put_fixed_reply(rep: &RunReply, out: &mut [u8]) {
    put(out, off::REP_ERR, rep.err.to_ne_bytes());
    put(out, off::REP_SYS_ERRNO, rep.sys_errno.to_ne_bytes());
    put(out, off::REP_STEP, rep.step.to_ne_bytes());
    put(out, off::REP_INDEX, rep.index.to_ne_bytes());
    put(out, off::REP_GUARD_PID, rep.guard_pid.to_ne_bytes());
    put(out, off::REP_GUARD_PNAME, rep.guard_pname);
    put(out, off::REP_N_FDS, rep.n_fds.to_ne_bytes());
}

/// Encode a RUN reply into `out` and return its length.
///
/// `recipe == None` writes the 56-byte v1 reply (for `reply_max == 0`);
/// `Some((ops, blob))` writes a v2 reply: the fixed part, `ctl_fd`, the ops
/// and the blob, zero-padded to a multiple of 8.
///
/// Errors: `err::PARAM_INVALID` for more than [`MAX_OPS`] ops or
/// [`BLOB_MAX`] blob bytes; `err::BAD_MESSAGE` if `out` is too small (the
/// caller passes a buffer of the client's `reply_max`: `E2BIG` then).
pub fn encode_run_reply(
    rep: &RunReply,
    recipe: Option<(&[Op], &[u8])>,
    out: &mut [u8],
) -> Result<usize, i32> {
    let (ops, blob) = recipe.unwrap_or((&[], &[]));
    if ops.len() > MAX_OPS || blob.len() > BLOB_MAX {
        return Err(err::PARAM_INVALID);
    }
    let len = match recipe {
        None => RUN_REPLY_SIZE_VER0,
        // bounded by the checks above: no overflow
        Some(_) => RUN_REPLY_SIZE_VER1
            .wrapping_add(ops.len().wrapping_mul(OP_SIZE))
            .wrapping_add(pad8(blob.len())),
    };
    let out = out.get_mut(..len).ok_or(err::BAD_MESSAGE)?;
    out.fill(0);
    write_hdr(out, KIND_RUN_REPLY, size_u32(len));
    put_fixed_reply(rep, out);
    if recipe.is_some() {
        put(out, off::REP_CTL_FD, rep.ctl_fd.to_ne_bytes());
        put(out, off::REP_N_OPS, size_u32(ops.len()).to_ne_bytes());
        put(out, off::REP_BLOB_LEN, size_u32(blob.len()).to_ne_bytes());
        let mut at = off::REP_OPS;
        for o in ops {
            if let Some(d) = out.get_mut(at..) {
                o.encode(d);
            }
            at = at.wrapping_add(OP_SIZE);
        }
        put_bytes(out, at, blob);
    }
    Ok(len)
}

/// A checked RUN reply: the fixed part, and for v2 replies the ops and the
/// blob (as bytes: [`RunReplyView::op`] decodes one).
#[derive(Clone, Copy)]
pub struct RunReplyView<'a> {
    /// The fixed part.
    pub rep: RunReply,
    /// True for a v2 reply (with `ctl_fd` and a recipe).
    pub v2: bool,
    ops: &'a [u8],
    /// The recipe's blob.
    pub blob: &'a [u8],
}

impl<'a> RunReplyView<'a> {
    /// Number of ops.
    pub fn n_ops(&self) -> usize {
        self.ops.len() / OP_SIZE
    }
    /// Op `i`, if `i < n_ops()`.
    pub fn op(&self, i: usize) -> Option<Op> {
        let at = i.checked_mul(OP_SIZE)?;
        Op::decode(self.ops.get(at..)?.get(..OP_SIZE)?).ok()
    }
}

/// Decode and check a RUN reply: header, kind, size (56 bytes for v1, or
/// 72 + ops + padded blob for v2), reserved fields, guard_pname string
/// rules, op count and blob length within limits. Values of err/step/n_fds
/// and of the ops are not judged.
pub fn decode_run_reply(buf: &[u8]) -> R<RunReplyView<'_>> {
    let h = decode_hdr(buf)?;
    if h.kind != KIND_RUN_REPLY {
        return Err(Reject::BadKind);
    }
    if buf.len() < RUN_REPLY_SIZE_VER0 {
        return Err(Reject::BadSize);
    }
    if u32_at(buf, off::REP_RESERVED)? != 0 {
        return Err(Reject::ReservedNotZero);
    }
    let guard_pname = *get::<PNAME_LEN>(buf, off::REP_GUARD_PNAME)?;
    cstr_field(&guard_pname)?;
    let mut rep = RunReply {
        err: i32_at(buf, off::REP_ERR)?,
        sys_errno: i32_at(buf, off::REP_SYS_ERRNO)?,
        step: u16_at(buf, off::REP_STEP)?,
        index: u16_at(buf, off::REP_INDEX)?,
        guard_pid: i32_at(buf, off::REP_GUARD_PID)?,
        guard_pname,
        n_fds: u32_at(buf, off::REP_N_FDS)?,
        ctl_fd: 0,
    };
    if buf.len() == RUN_REPLY_SIZE_VER0 {
        return Ok(RunReplyView { rep, v2: false, ops: &[], blob: &[] });
    }
    if buf.len() < RUN_REPLY_SIZE_VER1 {
        return Err(Reject::BadSize);
    }
    rep.ctl_fd = u32_at(buf, off::REP_CTL_FD)?;
    let n_ops = usize::try_from(u32_at(buf, off::REP_N_OPS)?).unwrap_or(usize::MAX);
    let blob_len = usize::try_from(u32_at(buf, off::REP_BLOB_LEN)?).unwrap_or(usize::MAX);
    if u32_at(buf, off::REP_RESERVED1)? != 0 {
        return Err(Reject::ReservedNotZero);
    }
    if n_ops > MAX_OPS || blob_len > BLOB_MAX {
        return Err(Reject::TooManyEntries);
    }
    let ops_len = n_ops.wrapping_mul(OP_SIZE);
    let want = RUN_REPLY_SIZE_VER1.wrapping_add(ops_len).wrapping_add(pad8(blob_len));
    if buf.len() != want {
        return Err(Reject::BadSize);
    }
    let rest = buf.get(off::REP_OPS..).ok_or(Reject::BadSize)?;
    let (ops, rest) = rest.split_at_checked(ops_len).ok_or(Reject::BadSize)?;
    let (blob, pad) = rest.split_at_checked(blob_len).ok_or(Reject::BadSize)?;
    if pad.iter().any(|&c| c != 0) {
        return Err(Reject::ReservedNotZero);
    }
    Ok(RunReplyView { rep, v2: true, ops, blob })
}

// ---------------------------------------------------------------------------
// LIST reply

/// One LIST reply entry (336 bytes on the wire, 304 for a VER0 request).
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub struct ListEntry {
    /// Guard host pid.
    pub guard_pid: i32,
    /// App id from the RUN request.
    pub app_id: i32,
    /// Start time, CLOCK_MONOTONIC ns.
    pub start_ns: u64,
    /// Guard comm, NUL-terminated and zero-filled.
    pub guard_pname: [u8; PNAME_LEN],
    /// Package path, NUL-terminated and zero-filled.
    pub pkg: [u8; PATH_MAX],
    /// now - start, ns.
    pub uptime_ns: u64,
    /// VER1: `NET_*`.
    pub net: u32,
    /// VER1: IPv4 address and prefix (`NET_BRIDGE`), else 0.
    pub addr: [u8; 4],
    /// See `addr`.
    pub prefix: u8,
    /// VER1: processes in the sandbox now (0: unknown).
    pub pids: u32,
    /// VER1: memory the sandbox uses now, bytes (0: unknown).
    pub mem_bytes: u64,
    /// VER1: its memory limit, bytes (0: none).
    pub mem_max: u64,
}

impl Default for ListEntry {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl ListEntry {
    /// All zero.
    pub const EMPTY: ListEntry = ListEntry {
        guard_pid: 0,
        app_id: 0,
        start_ns: 0,
        guard_pname: [0; PNAME_LEN],
        pkg: [0; PATH_MAX],
        uptime_ns: 0,
        net: 0,
        addr: [0; 4],
        prefix: 0,
        pids: 0,
        mem_bytes: 0,
        mem_max: 0,
    };

    /// The guard name without its NUL.
    pub fn pname(&self) -> &[u8] {
        crate::cstr(&self.guard_pname)
    }

    /// The package path without its NUL.
    pub fn pkg_path(&self) -> &[u8] {
        crate::cstr(&self.pkg)
    }

    fn encode(&self, out: &mut [u8; LIST_ENTRY_SIZE]) {
        out.fill(0);
        put(out, off::ENT_GUARD_PID, self.guard_pid.to_ne_bytes());
        put(out, off::ENT_APP_ID, self.app_id.to_ne_bytes());
        put(out, off::ENT_START_NS, self.start_ns.to_ne_bytes());
        put(out, off::ENT_GUARD_PNAME, self.guard_pname);
        put_bytes(out, off::ENT_PKG, &self.pkg);
        put(out, off::ENT_UPTIME_NS, self.uptime_ns.to_ne_bytes());
        put(out, off::ENT_NET, self.net.to_ne_bytes());
        put(out, off::ENT_ADDR, self.addr);
        put(out, off::ENT_PREFIX, [self.prefix]);
        put(out, off::ENT_PIDS, self.pids.to_ne_bytes());
        put(out, off::ENT_MEM_BYTES, self.mem_bytes.to_ne_bytes());
        put(out, off::ENT_MEM_MAX, self.mem_max.to_ne_bytes());
    }

    fn decode(b: &[u8; LIST_ENTRY_SIZE]) -> R<Self> {
        if u64_at(b, off::ENT_RESERVED)? != 0 || get::<3>(b, off::ENT_RESERVED1)? != &[0; 3] {
            return Err(Reject::ReservedNotZero);
        }
        let guard_pname = *get::<PNAME_LEN>(b, off::ENT_GUARD_PNAME)?;
        cstr_field(&guard_pname)?;
        let pkg = *get::<PATH_MAX>(b, off::ENT_PKG)?;
        cstr_field(&pkg)?;
        Ok(ListEntry {
            guard_pid: i32_at(b, off::ENT_GUARD_PID)?,
            app_id: i32_at(b, off::ENT_APP_ID)?,
            start_ns: u64_at(b, off::ENT_START_NS)?,
            guard_pname,
            pkg,
            uptime_ns: u64_at(b, off::ENT_UPTIME_NS)?,
            net: u32_at(b, off::ENT_NET)?,
            addr: *get::<4>(b, off::ENT_ADDR)?,
            prefix: get::<1>(b, off::ENT_PREFIX)?[0],
            pids: u32_at(b, off::ENT_PIDS)?,
            mem_bytes: u64_at(b, off::ENT_MEM_BYTES)?,
            mem_max: u64_at(b, off::ENT_MEM_MAX)?,
        })
    }
}

/// Encode a LIST reply with the given entries, each cut to `entry_size`
/// bytes (what [`decode_list_req`] returned), into `out`; returns the
/// message length (`LIST_REPLY_HDR_SIZE + n * entry_size`).
///
/// Errors (`out` contents unspecified): `err::PARAM_INVALID` if more than
/// `MAX_SANDBOXES` entries are given, `entry_size` is not VER0's or this
/// side's, or `out` is too small. Entries are copied as is (their strings
/// must already follow the wire rules).
pub fn encode_list_reply<I, B>(entries: I, entry_size: usize, out: &mut [u8]) -> Result<usize, i32>
where
    I: IntoIterator<Item = B>,
    B: Borrow<ListEntry>,
{
    if entry_size != LIST_ENTRY_SIZE_VER0 && entry_size != LIST_ENTRY_SIZE {
        return Err(err::PARAM_INVALID);
    }
    let mut len = LIST_REPLY_HDR_SIZE;
    let mut count: u32 = 0;
    let mut one = [0u8; LIST_ENTRY_SIZE];
    for e in entries {
        if usize::try_from(count).map_or(true, |c| c >= MAX_SANDBOXES) {
            return Err(err::PARAM_INVALID);
        }
        let slot = out
            .get_mut(len..)
            .and_then(|s| s.get_mut(..entry_size))
            .ok_or(err::PARAM_INVALID)?;
        e.borrow().encode(&mut one);
        put_bytes(slot, 0, &one);
        len = len.checked_add(entry_size).ok_or(err::PARAM_INVALID)?;
        count = count.checked_add(1).ok_or(err::PARAM_INVALID)?;
    }
    let h = out
        .first_chunk_mut::<LIST_REPLY_HDR_SIZE>()
        .ok_or(err::PARAM_INVALID)?;
    write_hdr(h, KIND_LIST_REPLY, size_u32(len));
    put(h, off::LIST_COUNT, count.to_ne_bytes());
    let sz = if entry_size == LIST_ENTRY_SIZE_VER0 { 0 } else { size_u32(entry_size) };
    put(h, off::LIST_ENTRY_SZ, sz.to_ne_bytes());
    Ok(len)
}

/// A checked LIST reply: every entry has been validated by [`ListReply::decode`].
#[derive(Clone, Copy)]
pub struct ListReply<'a> {
    entries: &'a [u8],
    count: usize,
    size: usize,
}

impl<'a> ListReply<'a> {
    /// Decode and check a whole LIST reply: header, kind, `count <=
    /// MAX_SANDBOXES`, `entry_size` (0: 304; else at least 304, a multiple
    /// of 8), size `== 24 + count * entry_size`, every entry (reserved,
    /// string rules; what this side does not know of a longer entry is
    /// ignored, what a shorter one lacks is 0).
    pub fn decode(buf: &'a [u8]) -> R<Self> {
        let h = decode_hdr(buf)?;
        if h.kind != KIND_LIST_REPLY {
            return Err(Reject::BadKind);
        }
        let (head, entries) = buf
            .split_at_checked(LIST_REPLY_HDR_SIZE)
            .ok_or(Reject::BadSize)?;
        let count = usize::try_from(u32_at(head, off::LIST_COUNT)?)
            .ok()
            .filter(|&c| c <= MAX_SANDBOXES)
            .ok_or(Reject::TooManyEntries)?;
        let size = match usize::try_from(u32_at(head, off::LIST_ENTRY_SZ)?) {
            Ok(0) => LIST_ENTRY_SIZE_VER0,
            Ok(n) if n > LIST_ENTRY_SIZE_VER0 && n % 8 == 0 => n,
            _ => return Err(Reject::BadSize),
        };
        if count.checked_mul(size) != Some(entries.len()) {
            return Err(Reject::BadSize);
        }
        let r = ListReply { entries, count, size };
        for i in 0..count {
            r.entry(i)?;
        }
        Ok(r)
    }

    fn entry(&self, idx: usize) -> R<ListEntry> {
        let at = idx.checked_mul(self.size).ok_or(Reject::NoEntry)?;
        let b = self.entries.get(at..).and_then(|e| e.get(..self.size)).ok_or(Reject::NoEntry)?;
        let mut one = [0u8; LIST_ENTRY_SIZE];
        put_bytes(&mut one, 0, b);
        ListEntry::decode(&one)
    }

    /// Number of entries.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes per entry on the wire.
    pub fn entry_size(&self) -> usize {
        self.size
    }

    /// Entry `idx`, if `idx < count`.
    pub fn get(&self, idx: usize) -> Option<ListEntry> {
        self.entry(idx).ok()
    }

    /// All entries in order.
    pub fn iter(&self) -> impl Iterator<Item = ListEntry> + 'a {
        let r = *self;
        (0..self.count).filter_map(move |i| r.entry(i).ok())
    }
}

/// Decode the whole LIST reply and return entry `idx` (`Reject::NoEntry` if
/// `idx >= count`).
pub fn decode_list_reply(buf: &[u8], idx: usize) -> R<ListEntry> {
    ListReply::decode(buf)?.get(idx).ok_or(Reject::NoEntry)
}

// ---------------------------------------------------------------------------
// Guard -> master (internal: same binary on both ends, not in rocker.h)

/// The guard's report of its setup.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub struct GuardReport {
    /// Reason, 0 on success.
    pub err: i32,
    /// Positive errno, 0 if none.
    pub sys_errno: i32,
    /// Step that failed.
    pub step: u16,
    /// Overlay slot, else 0.
    pub index: u16,
    /// The loop device carrying the package ([`LOOP_NONE`](crate::LOOP_NONE) if none).
    pub loop_dev: u32,
}

/// A message from a guard.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub enum GuardMsg {
    /// Sent before `LOOP_SET_FD` on the pre-5.8 path: if the guard dies
    /// before `LOOP_SET_STATUS64` set auto-clear, the master detaches it.
    LoopClaim(u32),
    /// Setup finished (`err == 0`) or failed.
    Report(GuardReport),
}

/// Encode a loop claim.
pub fn encode_guard_loop(loop_dev: u32, out: &mut [u8; GUARD_LOOP_SIZE]) {
    out.fill(0);
    write_hdr(out, KIND_GUARD_LOOP, size_u32(GUARD_LOOP_SIZE));
    put(out, off::GLOOP_DEV, loop_dev.to_ne_bytes());
}

/// Encode a report.
pub fn encode_guard_report(r: &GuardReport, out: &mut [u8; GUARD_REPORT_SIZE]) {
    out.fill(0);
    write_hdr(out, KIND_GUARD_REPORT, size_u32(GUARD_REPORT_SIZE));
    put(out, off::GREP_ERR, r.err.to_ne_bytes());
    put(out, off::GREP_SYS_ERRNO, r.sys_errno.to_ne_bytes());
    put(out, off::GREP_STEP, r.step.to_ne_bytes());
    put(out, off::GREP_INDEX, r.index.to_ne_bytes());
    put(out, off::GREP_LOOP_DEV, r.loop_dev.to_ne_bytes());
}

/// Decode a guard message.
pub fn decode_guard_msg(buf: &[u8]) -> R<GuardMsg> {
    let h = decode_hdr(buf)?;
    match h.kind {
        KIND_GUARD_LOOP => {
            expect(buf, KIND_GUARD_LOOP, GUARD_LOOP_SIZE)?;
            if u32_at(buf, off::GLOOP_RESERVED)? != 0 {
                return Err(Reject::ReservedNotZero);
            }
            Ok(GuardMsg::LoopClaim(u32_at(buf, off::GLOOP_DEV)?))
        }
        KIND_GUARD_REPORT => {
            expect(buf, KIND_GUARD_REPORT, GUARD_REPORT_SIZE)?;
            Ok(GuardMsg::Report(GuardReport {
                err: i32_at(buf, off::GREP_ERR)?,
                sys_errno: i32_at(buf, off::GREP_SYS_ERRNO)?,
                step: u16_at(buf, off::GREP_STEP)?,
                index: u16_at(buf, off::GREP_INDEX)?,
                loop_dev: u32_at(buf, off::GREP_LOOP_DEV)?,
            }))
        }
        _ => Err(Reject::BadKind),
    }
}

// ---------------------------------------------------------------------------
// Dispatch on the master's socket

/// A request the master accepts on its socket.
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub enum Request {
    /// RUN (expects exactly one fd): decode its body with
    /// [`extend_run_req`] + [`RunReq::decode`].
    Run,
    /// LIST (expects no fd), answered with entries of this size.
    List(usize),
}

/// Classify a request by its kind after checking the header; the body is
/// checked by the kind's own decoder. Any other kind is `Reject::BadKind`.
pub fn decode_request(buf: &[u8]) -> R<Request> {
    let h = decode_hdr(buf)?;
    match h.kind {
        KIND_RUN => Ok(Request::Run),
        KIND_LIST => decode_list_req(buf).map(Request::List),
        _ => Err(Reject::BadKind),
    }
}
