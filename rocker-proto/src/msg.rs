//! Message encoders and decoders. Decoders take the received datagram and
//! check everything the contract says; encoders write whole messages.

use core::borrow::Borrow;

use crate::{
    err, off, Reject, BLOB_MAX, DEVICES_MAX, DEVICE_LEN, HOSTNAME_LEN, IFNAME_LEN, NET_BRIDGE, SHARE_KNOWN, GUARD_LOOP_SIZE, GUARD_REPORT_SIZE, HDR_SIZE, ID_MAX, ID_MIN,
    KIND_GUARD_LOOP, KIND_GUARD_REPORT, KIND_LIST, KIND_LIST_REPLY, KIND_REGISTER, KIND_RUN,
    KIND_RUN_REPLY, LIST_ENTRY_SIZE, LIST_REPLY_HDR_SIZE, LIST_REQ_SIZE, MAGIC, MAX_OPS,
    MAX_SANDBOXES, MSG_MAX, OP_SIZE, OVERLAY_LEN, OVERLAY_MAX, PATH_MAX, PNAME_LEN,
    REGISTER_SIZE, RUN_FLAGS_KNOWN, RUN_REPLY_SIZE_VER0, RUN_REPLY_SIZE_VER1, RUN_REQ_SIZE,
    RUN_REQ_SIZE_VER0, VERSION,
};

type R<T> = Result<T, Reject>;

/// Bytes of the `overlay` area of a RUN request.
const OVERLAY_AREA: usize = 1024;
/// Bytes of the `devices` area of a RUN request.
const DEVICES_AREA: usize = DEVICES_MAX * DEVICE_LEN;
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
    let mut out = [0u8; N];
    put_bytes(&mut out, 0, known);
    Ok((out, buf.len()))
}

// ---------------------------------------------------------------------------
// Header-only messages

/// LIST request (kind 2, header only).
pub fn encode_list_req(out: &mut [u8; LIST_REQ_SIZE]) {
    write_hdr(out, KIND_LIST, size_u32(LIST_REQ_SIZE));
}

/// Check a LIST request (size-versioned: no field is known beyond the
/// header, so any longer body must be all zero).
pub fn decode_list_req(buf: &[u8]) -> R<()> {
    extend::<LIST_REQ_SIZE>(buf, KIND_LIST, LIST_REQ_SIZE).map(|_| ())
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
    };

    /// The used overlay slots (empty if `n_overlay` is out of range).
    pub fn overlays(&self) -> &[&'a [u8]] {
        self.overlays.get(..self.n_overlay).unwrap_or(&[])
    }
    /// The used device slots.
    pub fn devices(&self) -> &[&'a [u8]] {
        self.devices.get(..self.n_devices).unwrap_or(&[])
    }
}

/// Check a RUN datagram's header and size rules and return its body
/// zero-extended to the size this side knows ([`RUN_REQ_SIZE`]). Decode the
/// fields from it with [`RunReq::decode`].
pub fn extend_run_req(buf: &[u8]) -> R<[u8; RUN_REQ_SIZE]> {
    extend::<RUN_REQ_SIZE>(buf, KIND_RUN, RUN_REQ_SIZE_VER0).map(|(b, _)| b)
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
    if req.n_overlay > OVERLAY_MAX || req.n_devices > DEVICES_MAX {
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

/// One LIST reply entry (304 bytes on the wire).
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
        put(out, off::ENT_RESERVED, 0u64.to_ne_bytes());
    }

    fn decode(b: &[u8; LIST_ENTRY_SIZE]) -> R<Self> {
        if u64_at(b, off::ENT_RESERVED)? != 0 {
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
        })
    }
}

/// Encode a LIST reply with the given entries into `out`; returns the
/// message length (`LIST_REPLY_HDR_SIZE + n * LIST_ENTRY_SIZE`).
///
/// Errors (`out` contents unspecified): `err::PARAM_INVALID` if more than
/// `MAX_SANDBOXES` entries are given or `out` is too small. Entries are
/// copied as is (their strings must already follow the wire rules).
pub fn encode_list_reply<I, B>(entries: I, out: &mut [u8]) -> Result<usize, i32>
where
    I: IntoIterator<Item = B>,
    B: Borrow<ListEntry>,
{
    let mut len = LIST_REPLY_HDR_SIZE;
    let mut count: u32 = 0;
    for e in entries {
        if usize::try_from(count).map_or(true, |c| c >= MAX_SANDBOXES) {
            return Err(err::PARAM_INVALID);
        }
        let slot = out
            .get_mut(len..)
            .and_then(|s| s.first_chunk_mut::<LIST_ENTRY_SIZE>())
            .ok_or(err::PARAM_INVALID)?;
        e.borrow().encode(slot);
        len = len.checked_add(LIST_ENTRY_SIZE).ok_or(err::PARAM_INVALID)?;
        count = count.checked_add(1).ok_or(err::PARAM_INVALID)?;
    }
    let h = out
        .first_chunk_mut::<LIST_REPLY_HDR_SIZE>()
        .ok_or(err::PARAM_INVALID)?;
    write_hdr(h, KIND_LIST_REPLY, size_u32(len));
    put(h, off::LIST_COUNT, count.to_ne_bytes());
    put(h, off::LIST_RESERVED, 0u32.to_ne_bytes());
    Ok(len)
}

/// A checked LIST reply: every entry has been validated by [`ListReply::decode`].
#[derive(Clone, Copy)]
pub struct ListReply<'a> {
    entries: &'a [u8],
    count: usize,
}

impl<'a> ListReply<'a> {
    /// Decode and check a whole LIST reply: header, kind, `count <=
    /// MAX_SANDBOXES`, size `== 24 + count * 304`, reserved, every entry
    /// (reserved, string rules).
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
        if count.checked_mul(LIST_ENTRY_SIZE) != Some(entries.len()) {
            return Err(Reject::BadSize);
        }
        if u32_at(head, off::LIST_RESERVED)? != 0 {
            return Err(Reject::ReservedNotZero);
        }
        let (chunks, rest) = entries.as_chunks::<LIST_ENTRY_SIZE>();
        if !rest.is_empty() {
            return Err(Reject::BadSize);
        }
        for e in chunks {
            ListEntry::decode(e)?;
        }
        Ok(ListReply { entries, count })
    }

    /// Number of entries.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Entry `idx`, if `idx < count`.
    pub fn get(&self, idx: usize) -> Option<ListEntry> {
        let at = idx.checked_mul(LIST_ENTRY_SIZE)?;
        let b = self.entries.get(at..)?.first_chunk::<LIST_ENTRY_SIZE>()?;
        ListEntry::decode(b).ok()
    }

    /// All entries in order.
    pub fn iter(&self) -> impl Iterator<Item = ListEntry> + 'a {
        let (chunks, _) = self.entries.as_chunks::<LIST_ENTRY_SIZE>();
        chunks.iter().filter_map(|b| ListEntry::decode(b).ok())
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
    /// LIST (expects no fd).
    List,
}

/// Classify a request by its kind after checking the header; the body is
/// checked by the kind's own decoder. Any other kind is `Reject::BadKind`.
pub fn decode_request(buf: &[u8]) -> R<Request> {
    let h = decode_hdr(buf)?;
    match h.kind {
        KIND_RUN => Ok(Request::Run),
        KIND_LIST => decode_list_req(buf).map(|()| Request::List),
        _ => Err(Reject::BadKind),
    }
}
