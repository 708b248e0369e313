//! rocker wire protocol (`doc/PROTOCOL.md` is the contract; this crate and
//! `rocker-client-c/include/rocker.h` both implement it, `tests/layout` proves
//! they agree on every target, and the numbers of `rocker.h` are generated
//! from [`codes`]).
//!
//! Bodies are versioned by size, as the kernel's `clone_args`/`open_how`: a
//! body shorter than the receiver's is zero-extended, a longer one is
//! accepted when its unknown tail is all zero and refused otherwise
//! ([`Reject::UnknownTail`], `E2BIG`). New fields are appended with a zero
//! default; the header's `version` stays 1.
//!
//! Design rules (binary size and robustness, see `STYLE.md`):
//! - `no_std`, no allocator, no dependency but `syscalls` (for its `Buf`),
//!   no `core::fmt` outside tests;
//! - never panics on any input: no slice indexing, no `unwrap`, no unchecked
//!   arithmetic (enforced by the clippy lints below);
//! - messages are read and written at explicit offsets ([`off`]) in host byte
//!   order; untrusted bytes are never transmuted.

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects,
    )
)]

pub mod codes;
pub mod layout;
mod msg;
mod path;

#[cfg(test)]
mod cgen;
#[cfg(test)]
mod tests;

pub use syscalls::Buf;
pub use codes::{err, op, op_name, reason_name, seed_code, step, step_name};
pub use msg::{
    decode_guard_msg, decode_hdr, decode_list_reply, decode_list_req, decode_register,
    decode_request, decode_run_reply, encode_guard_loop, encode_guard_report, encode_hdr,
    encode_list_reply, encode_list_req, encode_register, encode_run_reply, encode_run_req,
    extend_run_req, extend_run_req_into, Bind, GuardMsg, GuardReport, Hdr, ListEntry, ListReply, Op, Request, Rlimit,
    RunReply, RunReplyView, RunReq,
};
pub use path::{
    check_abs_path, check_data_dir, check_exec_dir, check_overlay_dir, check_pkg_path,
    check_run_req, under, Invalid,
};

/// `ROCKER_MAGIC` (its big-endian bytes spell "RKR1"; on the wire it is in
/// host order like every integer).
pub const MAGIC: u32 = 0x524B_5231;
/// `ROCKER_PROTO_VERSION`: the header's version. Bodies grow by size.
pub const VERSION: u16 = 1;

/// RUN request (client -> master) + 1 fd (the package).
pub const KIND_RUN: u16 = 1;
/// LIST request (client -> master): `entry_size` (a header-only one from a
/// seed-era client).
pub const KIND_LIST: u16 = 2;
/// REGISTER (helper -> guard over `ctl`), header only + 1 pidfd.
pub const KIND_REGISTER: u16 = 3;
/// Guard -> master, before a pre-5.8 loop attach: the device it claims.
pub const KIND_GUARD_LOOP: u16 = 0x0101;
/// Guard -> master: setup finished (or failed).
pub const KIND_GUARD_REPORT: u16 = 0x0102;
/// RUN reply (master -> client).
pub const KIND_RUN_REPLY: u16 = 0x8001;
/// LIST reply (master -> client).
pub const KIND_LIST_REPLY: u16 = 0x8002;

/// Header size; also the whole size of LIST and REGISTER messages.
pub const HDR_SIZE: usize = 16;
/// RUN request as the seed-era v1 clients send it.
pub const RUN_REQ_SIZE_VER0: usize = 1832;
/// RUN request with `reply_max` and `test_stall`.
pub const RUN_REQ_SIZE_VER1: usize = 1840;
/// RUN request with isolation: `share`, network, hostname, /tmp, devices.
pub const RUN_REQ_SIZE_VER2: usize = 2464;
/// RUN request with limits (cgroup, rlimits), seccomp and the root mode.
pub const RUN_REQ_SIZE_VER3: usize = 7080;
/// The RUN request this master knows (the latest version).
pub const RUN_REQ_SIZE: usize = RUN_REQ_SIZE_VER3;
/// RUN reply for v1 clients (`reply_max == 0`): exactly 4 fds.
pub const RUN_REPLY_SIZE_VER0: usize = 56;
/// RUN reply header part of v2 replies; the recipe follows.
pub const RUN_REPLY_SIZE_VER1: usize = 72;
/// One recipe op.
pub const OP_SIZE: usize = 24;
/// Most ops in a recipe.
pub const MAX_OPS: usize = 48;
/// Most blob bytes in a recipe (a seccomp program of 4096 instructions
/// does not fit a datagram: 32 KiB is the limit here).
pub const BLOB_MAX: usize = 32768;
/// Most fds a RUN reply carries.
pub const MAX_REPLY_FDS: usize = 16;
/// One LIST reply entry, as a seed-era client reads it.
pub const LIST_ENTRY_SIZE_VER0: usize = 304;
/// One LIST reply entry with network, memory and pids.
pub const LIST_ENTRY_SIZE_VER1: usize = 336;
/// The LIST entry this master knows.
pub const LIST_ENTRY_SIZE: usize = LIST_ENTRY_SIZE_VER1;
/// LIST reply header: message header + `count` + `entry_size`.
pub const LIST_REPLY_HDR_SIZE: usize = 24;
/// LIST request of a seed-era client: the header only (VER0 entries).
pub const LIST_REQ_SIZE_VER0: usize = HDR_SIZE;
/// LIST request with `entry_size`.
pub const LIST_REQ_SIZE: usize = 24;
/// Whole REGISTER message.
pub const REGISTER_SIZE: usize = HDR_SIZE;
/// Guard loop claim message.
pub const GUARD_LOOP_SIZE: usize = 24;
/// Guard report message.
pub const GUARD_REPORT_SIZE: usize = 32;

/// `char[PATH_MAX]` fields (pkg, exec dir, data dir); the NUL is included, so
/// the longest path is `PATH_MAX - 1` bytes.
pub const PATH_MAX: usize = 256;
/// Overlay slots in a RUN request.
pub const OVERLAY_MAX: usize = 16;
/// `char[OVERLAY_LEN]` per overlay slot (NUL included).
pub const OVERLAY_LEN: usize = 64;
/// `char[PNAME_LEN]` guard process name (the kernel's `TASK_COMM_LEN`).
pub const PNAME_LEN: usize = 16;
/// `ROCKER_MAX_SANDBOXES`: entries in a LIST reply, and the master's table.
pub const MAX_SANDBOXES: usize = 128;
/// `ROCKER_MSG_MAX`: the largest datagram either side accepts.
pub const MSG_MAX: usize = 45056;
/// Largest LIST reply (`MAX_SANDBOXES` entries).
pub const LIST_REPLY_MAX_SIZE: usize = 43032;
/// Largest v2 RUN reply.
pub const RUN_REPLY_MAX_SIZE: usize = RUN_REPLY_SIZE_VER1 + MAX_OPS * OP_SIZE + BLOB_MAX;

/// `ROCKER_RUN_LEGACY_LOOP`: force LOOP_SET_FD + LOOP_SET_STATUS64.
pub const RUN_LEGACY_LOOP: u32 = 1;
/// Every `run_flags` bit this version understands; others are rejected.
pub const RUN_FLAGS_KNOWN: u32 = RUN_LEGACY_LOOP;
/// `share` bit: the host's SysV IPC and POSIX message queues (no IPC namespace).
pub const SHARE_IPC: u32 = 1;
/// `share` bit: the host's `/dev` (no private /dev).
pub const SHARE_DEV: u32 = 2;
/// `share` bit: the host's `/tmp` (no private tmpfs).
pub const SHARE_TMP: u32 = 4;
/// `share` bit: the host's hostname (no UTS namespace).
pub const SHARE_UTS: u32 = 8;
/// Every `share` bit this version knows.
pub const SHARE_KNOWN: u32 = SHARE_IPC | SHARE_DEV | SHARE_TMP | SHARE_UTS;
/// `net`: the host's network (the seed's behaviour, the default).
pub const NET_HOST: u32 = 0;
/// `net`: a network namespace with only `lo`.
pub const NET_NONE: u32 = 1;
/// `net`: a network namespace with a veth pair on a bridge.
pub const NET_BRIDGE: u32 = 2;
/// Device slots of a RUN request.
pub const DEVICES_MAX: usize = 8;
/// `char[DEVICE_LEN]` per device path (NUL included).
pub const DEVICE_LEN: usize = 64;
/// `char[HOSTNAME_LEN]` hostname (NUL included; the kernel's limit is 64).
pub const HOSTNAME_LEN: usize = 64;
/// `char[IFNAME_LEN]` interface name (the kernel's IFNAMSIZ).
pub const IFNAME_LEN: usize = 16;
/// `limit_flags` bit: `swap_max` is set (0 there means no swap at all).
pub const LIMIT_SWAP: u32 = 1;
/// Every `limit_flags` bit this version knows.
pub const LIMIT_FLAGS_KNOWN: u32 = LIMIT_SWAP;
/// rlimit slots of a RUN request.
pub const RLIMITS_MAX: usize = 8;
/// Bytes per rlimit slot: `resource` (the target's `RLIMIT_*`), reserved,
/// `cur`, `max` (`u64::MAX`: unlimited).
pub const RLIMIT_SIZE: usize = 24;
/// `seccomp`: the default filter (Docker's default profile's denials).
pub const SECCOMP_DEFAULT: u32 = 0;
/// `seccomp`: no filter.
pub const SECCOMP_UNCONFINED: u32 = 1;
/// `seccomp`: the profile in `seccomp_default`/`seccomp_action`/`seccomp_names`.
pub const SECCOMP_PROFILE: u32 = 2;
/// seccomp action: allow the call.
pub const SECCOMP_ACT_ALLOW: u32 = 1;
/// seccomp action: fail the call with `seccomp_errno` (0: `EPERM`).
pub const SECCOMP_ACT_ERRNO: u32 = 2;
/// seccomp action: kill the process.
pub const SECCOMP_ACT_KILL: u32 = 3;
/// seccomp action: allow and log.
pub const SECCOMP_ACT_LOG: u32 = 4;
/// Bytes of `seccomp_names`: NUL-terminated names, an empty one ends them.
pub const SECCOMP_NAMES_LEN: usize = 1024;
/// `root`: the package at the exec dir over the host's tree (the seed's).
pub const ROOT_HOST: u32 = 0;
/// `root`: the package is the sandbox's whole root.
pub const ROOT_PKG: u32 = 1;
/// `root_flags` bit: a read-only root (no overlay on it).
pub const ROOT_RO: u32 = 1;
/// `root_flags` bit: `MS_MOVE` + `chroot` instead of `pivot_root`.
pub const ROOT_NO_PIVOT: u32 = 2;
/// Every `root_flags` bit this version knows.
pub const ROOT_FLAGS_KNOWN: u32 = ROOT_RO | ROOT_NO_PIVOT;
/// Bind slots of a RUN request.
pub const BINDS_MAX: usize = 8;
/// `char[BIND_SRC_LEN]` host side of a bind.
pub const BIND_SRC_LEN: usize = PATH_MAX;
/// `char[BIND_DST_LEN]` sandbox side of a bind.
pub const BIND_DST_LEN: usize = 128;

/// Smallest uid/gid a RUN request may carry (root is never mapped).
pub const ID_MIN: u32 = 1;
/// Largest uid/gid a RUN request may carry.
pub const ID_MAX: u32 = 0x7fff_fffe;
/// fds attached to a successful v1 RUN reply: mnt ns, pid ns, user ns, ctl.
pub const RUN_REPLY_FDS_VER0: u32 = 4;
/// `guard_report.loop_dev` when no loop device is attached.
pub const LOOP_NONE: u32 = u32::MAX;

const _: () = assert!(LIST_REPLY_MAX_SIZE == LIST_REPLY_HDR_SIZE + MAX_SANDBOXES * LIST_ENTRY_SIZE);
const _: () = assert!(LIST_REPLY_MAX_SIZE <= MSG_MAX && RUN_REPLY_MAX_SIZE <= MSG_MAX);
const _: () = assert!(RUN_REQ_SIZE <= MSG_MAX);
const _: () = assert!(MSG_MAX <= u32::MAX as usize);
// STYLE.md: every wire struct is a multiple of 8 bytes.
const _: () = assert!(HDR_SIZE.is_multiple_of(8) && RUN_REQ_SIZE_VER0.is_multiple_of(8));
const _: () = assert!(RUN_REQ_SIZE_VER1.is_multiple_of(8) && RUN_REPLY_SIZE_VER1.is_multiple_of(8));
const _: () = assert!(RUN_REQ_SIZE_VER2.is_multiple_of(8));
const _: () = assert!(RUN_REPLY_SIZE_VER0.is_multiple_of(8) && LIST_ENTRY_SIZE.is_multiple_of(8));
const _: () = assert!(LIST_REPLY_HDR_SIZE.is_multiple_of(8) && OP_SIZE.is_multiple_of(8));
const _: () = assert!(GUARD_LOOP_SIZE.is_multiple_of(8) && GUARD_REPORT_SIZE.is_multiple_of(8));

/// Byte offset of every field of every message: `off::<STRUCT>_<FIELD>`,
/// numbers copied from PROTOCOL.md (sizes and contiguity are checked in
/// [`layout`]). Note `off::HDR_SIZE` is the offset of the header's `size`
/// field, not the header's size ([`crate::HDR_SIZE`]).
pub mod off {
    /// hdr.magic (u32)
    pub const HDR_MAGIC: usize = 0;
    /// hdr.version (u16)
    pub const HDR_VERSION: usize = 4;
    /// hdr.kind (u16)
    pub const HDR_KIND: usize = 6;
    /// hdr.size (u32)
    pub const HDR_SIZE: usize = 8;
    /// hdr.flags (u32)
    pub const HDR_FLAGS: usize = 12;

    /// req_run.hdr
    pub const RUN_HDR: usize = 0;
    /// req_run.app_id (i32)
    pub const RUN_APP_ID: usize = 16;
    /// req_run.uid (u32)
    pub const RUN_UID: usize = 20;
    /// req_run.gid (u32)
    pub const RUN_GID: usize = 24;
    /// req_run.run_flags (u32)
    pub const RUN_RUN_FLAGS: usize = 28;
    /// req_run.n_overlay (u32)
    pub const RUN_N_OVERLAY: usize = 32;
    /// req_run.reserved (u32)
    pub const RUN_RESERVED: usize = 36;
    /// req_run.pkg (`char[256]`)
    pub const RUN_PKG: usize = 40;
    /// req_run.exec_dir (`char[256]`)
    pub const RUN_EXEC_DIR: usize = 296;
    /// req_run.data_dir (`char[256]`)
    pub const RUN_DATA_DIR: usize = 552;
    /// req_run.overlay (`char[16][64]`)
    pub const RUN_OVERLAY: usize = 808;
    /// req_run.reply_max (u32, VER1): the largest reply the client receives
    pub const RUN_REPLY_MAX: usize = 1832;
    /// req_run.test_stall (u32, VER1): test hook, see PROTOCOL.md
    pub const RUN_TEST_STALL: usize = 1836;
    /// req_run.share (u32, VER2): `SHARE_*` bits
    pub const RUN_SHARE: usize = 1840;
    /// req_run.net (u32, VER2): `NET_*`
    pub const RUN_NET: usize = 1844;
    /// req_run.tmp_size_kb (u32, VER2): size of the private /tmp, 0: default
    pub const RUN_TMP_SIZE_KB: usize = 1848;
    /// req_run.n_devices (u32, VER2)
    pub const RUN_N_DEVICES: usize = 1852;
    /// req_run.hostname (`char[64]`, VER2): empty: the sandbox's name
    pub const RUN_HOSTNAME: usize = 1856;
    /// req_run.bridge (`char[16]`, VER2)
    pub const RUN_BRIDGE: usize = 1920;
    /// req_run.addr (u8[4], VER2): the sandbox's IPv4 address, 0: allocated
    pub const RUN_ADDR: usize = 1936;
    /// req_run.prefix (u8, VER2)
    pub const RUN_PREFIX: usize = 1940;
    /// req_run.reserved2 (u8[3], VER2)
    pub const RUN_RESERVED2: usize = 1941;
    /// req_run.gateway (u8[4], VER2)
    pub const RUN_GATEWAY: usize = 1944;
    /// req_run.device_ro (u32, VER2): bit i: device i read-only
    pub const RUN_DEVICE_RO: usize = 1948;
    /// req_run.devices (`char[8][64]`, VER2)
    pub const RUN_DEVICES: usize = 1952;
    /// req_run.mem_max (u64, VER3): bytes, 0: no limit
    pub const RUN_MEM_MAX: usize = 2464;
    /// req_run.swap_max (u64, VER3): bytes, with `LIMIT_SWAP`
    pub const RUN_SWAP_MAX: usize = 2472;
    /// req_run.cpu_quota_us (u32, VER3): 0: no limit
    pub const RUN_CPU_QUOTA_US: usize = 2480;
    /// req_run.cpu_period_us (u32, VER3): 0: 100000
    pub const RUN_CPU_PERIOD_US: usize = 2484;
    /// req_run.cpu_weight (u32, VER3): 1..=10000, 0: the default
    pub const RUN_CPU_WEIGHT: usize = 2488;
    /// req_run.pids_max (u32, VER3): 0: no limit
    pub const RUN_PIDS_MAX: usize = 2492;
    /// req_run.limit_flags (u32, VER3): `LIMIT_*`
    pub const RUN_LIMIT_FLAGS: usize = 2496;
    /// req_run.n_rlimits (u32, VER3)
    pub const RUN_N_RLIMITS: usize = 2500;
    /// req_run.rlimits (`u8[8][24]`, VER3)
    pub const RUN_RLIMITS: usize = 2504;
    /// req_run.seccomp (u32, VER3): `SECCOMP_*`
    pub const RUN_SECCOMP: usize = 2696;
    /// req_run.seccomp_default (u32, VER3): profile: action of unlisted calls
    pub const RUN_SECCOMP_DEFAULT: usize = 2700;
    /// req_run.seccomp_action (u32, VER3): profile: action of listed calls
    pub const RUN_SECCOMP_ACTION: usize = 2704;
    /// req_run.seccomp_errno (u32, VER3): errno of `SECCOMP_ACT_ERRNO`, 0: EPERM
    pub const RUN_SECCOMP_ERRNO: usize = 2708;
    /// req_run.seccomp_names (`char[1024]`, VER3)
    pub const RUN_SECCOMP_NAMES: usize = 2712;
    /// req_run.root (u32, VER3): `ROOT_*`
    pub const RUN_ROOT: usize = 3736;
    /// req_run.root_flags (u32, VER3): `ROOT_RO`, `ROOT_NO_PIVOT`
    pub const RUN_ROOT_FLAGS: usize = 3740;
    /// req_run.cwd (`char[256]`, VER3): the App's working directory
    pub const RUN_CWD: usize = 3744;
    /// req_run.n_binds (u32, VER3)
    pub const RUN_N_BINDS: usize = 4000;
    /// req_run.bind_rw (u32, VER3): bit i: bind i read-write
    pub const RUN_BIND_RW: usize = 4004;
    /// req_run.binds (`{char src[256]; char dst[128];}[8]`, VER3)
    pub const RUN_BINDS: usize = 4008;

    /// rep_run.hdr
    pub const REP_HDR: usize = 0;
    /// rep_run.err (i32)
    pub const REP_ERR: usize = 16;
    /// rep_run.sys_errno (i32)
    pub const REP_SYS_ERRNO: usize = 20;
    /// rep_run.step (u16)
    pub const REP_STEP: usize = 24;
    /// rep_run.index (u16)
    pub const REP_INDEX: usize = 26;
    /// rep_run.guard_pid (i32)
    pub const REP_GUARD_PID: usize = 28;
    /// rep_run.guard_pname (`char[16]`)
    pub const REP_GUARD_PNAME: usize = 32;
    /// rep_run.n_fds (u32)
    pub const REP_N_FDS: usize = 48;
    /// rep_run.reserved (u32)
    pub const REP_RESERVED: usize = 52;
    /// rep_run.ctl_fd (u32, VER1): index of `ctl` among the fds
    pub const REP_CTL_FD: usize = 56;
    /// rep_run.n_ops (u32, VER1)
    pub const REP_N_OPS: usize = 60;
    /// rep_run.blob_len (u32, VER1)
    pub const REP_BLOB_LEN: usize = 64;
    /// rep_run.reserved1 (u32, VER1)
    pub const REP_RESERVED1: usize = 68;
    /// first op of a v2 reply
    pub const REP_OPS: usize = 72;

    /// op.op (u16), relative to the op
    pub const OP_OP: usize = 0;
    /// op.step (u16)
    pub const OP_STEP: usize = 2;
    /// op.a (u32)
    pub const OP_A: usize = 4;
    /// op.b (u64)
    pub const OP_B: usize = 8;
    /// op.c (u64)
    pub const OP_C: usize = 16;

    /// list_entry.guard_pid (i32), relative to the entry
    pub const ENT_GUARD_PID: usize = 0;
    /// list_entry.app_id (i32)
    pub const ENT_APP_ID: usize = 4;
    /// list_entry.start_ns (u64)
    pub const ENT_START_NS: usize = 8;
    /// list_entry.guard_pname (`char[16]`)
    pub const ENT_GUARD_PNAME: usize = 16;
    /// list_entry.pkg (`char[256]`)
    pub const ENT_PKG: usize = 32;
    /// list_entry.uptime_ns (u64)
    pub const ENT_UPTIME_NS: usize = 288;
    /// list_entry.reserved (u64)
    pub const ENT_RESERVED: usize = 296;
    /// list_entry.net (u32, VER1): `NET_*`
    pub const ENT_NET: usize = 304;
    /// list_entry.addr (u8[4], VER1): IPv4 address (`NET_BRIDGE`)
    pub const ENT_ADDR: usize = 308;
    /// list_entry.prefix (u8, VER1)
    pub const ENT_PREFIX: usize = 312;
    /// list_entry.reserved1 (u8[3], VER1)
    pub const ENT_RESERVED1: usize = 313;
    /// list_entry.pids (u32, VER1): processes now, 0: unknown
    pub const ENT_PIDS: usize = 316;
    /// list_entry.mem_bytes (u64, VER1): memory now, 0: unknown
    pub const ENT_MEM_BYTES: usize = 320;
    /// list_entry.mem_max (u64, VER1): memory limit, 0: none
    pub const ENT_MEM_MAX: usize = 328;

    /// rep_list.hdr
    pub const LIST_HDR: usize = 0;
    /// rep_list.count (u32)
    pub const LIST_COUNT: usize = 16;
    /// rep_list.entry_size (u32): 0 for a VER0 request (304-byte entries)
    pub const LIST_ENTRY_SZ: usize = 20;
    /// req_list.entry_size (u32, VER1): the largest entry the client reads
    pub const LREQ_ENTRY_SIZE: usize = 16;
    /// req_list.reserved (u32, VER1)
    pub const LREQ_RESERVED: usize = 20;
    /// first entry of a LIST reply
    pub const LIST_ENTRIES: usize = 24;

    /// guard_loop.loop_dev (u32)
    pub const GLOOP_DEV: usize = 16;
    /// guard_loop.reserved (u32)
    pub const GLOOP_RESERVED: usize = 20;
    /// guard_report.err (i32)
    pub const GREP_ERR: usize = 16;
    /// guard_report.sys_errno (i32)
    pub const GREP_SYS_ERRNO: usize = 20;
    /// guard_report.step (u16)
    pub const GREP_STEP: usize = 24;
    /// guard_report.index (u16)
    pub const GREP_INDEX: usize = 26;
    /// guard_report.loop_dev (u32)
    pub const GREP_LOOP_DEV: usize = 28;
}

/// Why a received message was refused. Every variant except the semantic
/// ones maps to `bad_message` ([`Reject::code`]).
#[derive(Clone, Copy, PartialEq, Eq)]
#[derive(Debug)]
pub enum Reject {
    /// `magic != ROCKER_MAGIC`.
    BadMagic,
    /// `version != ROCKER_PROTO_VERSION`.
    BadVersion,
    /// Unexpected or unknown `kind`.
    BadKind,
    /// Datagram shorter than a header, longer than `MSG_MAX`, `hdr.size` not
    /// the datagram length, or shorter than the kind's first version.
    BadSize,
    /// A body longer than this side knows, with non-zero bytes in the part
    /// it does not know (`E2BIG`).
    UnknownTail,
    /// `hdr.flags != 0`.
    BadFlags,
    /// A `reserved` field is not 0.
    ReservedNotZero,
    /// `run_flags` has bits this version does not know.
    BadRunFlags,
    /// `n_overlay > OVERLAY_MAX`, or `n_devices > DEVICES_MAX`.
    TooManyOverlays,
    /// `share` has unknown bits, `net` an unknown mode, `prefix > 32`.
    BadIsolation,
    /// A VER3 mode or flag word has an unknown value, an action does not
    /// go with the seccomp mode, or a syscall name has a bad character.
    BadValue,
    /// `count > MAX_SANDBOXES` in a LIST reply, or too many ops.
    TooManyEntries,
    /// A string field has no NUL.
    NoNul,
    /// A string field has non-zero bytes after its first NUL.
    TrailingGarbage,
    /// An overlay slot `>= n_overlay` is not all zero.
    UnusedSlotNotZero,
    /// `app_id < 0` (semantic: `param_invalid`).
    BadAppId,
    /// `uid` outside `ID_MIN..=ID_MAX` (semantic: `param_invalid`).
    BadUid,
    /// `gid` outside `ID_MIN..=ID_MAX` (semantic: `param_invalid`).
    BadGid,
    /// A LIST reply entry index `>= count` was asked for (caller error:
    /// `param_invalid`).
    NoEntry,
}

impl Reject {
    /// Short snake_case name for logs (`"bad_magic"`).
    pub fn name(self) -> &'static str {
        match self {
            Reject::BadMagic => "bad_magic",
            Reject::BadVersion => "bad_version",
            Reject::BadKind => "bad_kind",
            Reject::BadSize => "bad_size",
            Reject::UnknownTail => "unknown_tail",
            Reject::BadFlags => "bad_flags",
            Reject::ReservedNotZero => "reserved_not_zero",
            Reject::BadRunFlags => "bad_run_flags",
            Reject::TooManyOverlays => "too_many_overlays",
            Reject::BadIsolation => "bad_isolation",
            Reject::BadValue => "bad_value",
            Reject::TooManyEntries => "too_many_entries",
            Reject::NoNul => "no_nul",
            Reject::TrailingGarbage => "trailing_garbage",
            Reject::UnusedSlotNotZero => "unused_slot_not_zero",
            Reject::BadAppId => "bad_app_id",
            Reject::BadUid => "bad_uid",
            Reject::BadGid => "bad_gid",
            Reject::NoEntry => "no_entry",
        }
    }

    /// The reason (`ROCKER_ERR_*`) to answer with.
    pub fn code(self) -> i32 {
        match self {
            Reject::BadAppId | Reject::BadUid | Reject::BadGid | Reject::NoEntry => {
                err::PARAM_INVALID
            }
            _ => err::BAD_MESSAGE,
        }
    }

    /// The errno to answer with: `E2BIG` for an unknown non-zero tail (as
    /// the kernel's `copy_struct_from_user`), else `EINVAL`. Numbers are the
    /// generic ones, which MIPS shares for these two.
    pub fn errno(self) -> i32 {
        match self {
            Reject::UnknownTail => 7,
            _ => 22,
        }
    }
}

/// The bytes of a `char[N]` field before its first NUL (the whole field if it
/// has none). For fields of already-decoded messages.
pub fn cstr(field: &[u8]) -> &[u8] {
    match field.iter().position(|&c| c == 0) {
        Some(n) => field.split_at_checked(n).map_or(field, |(s, _)| s),
        None => field,
    }
}

/// Store `s` into a `char[N]` field: copy, then zero-fill the rest (so the
/// field satisfies the wire string rules).
///
/// Errors: `err::PATH_INVALID` if `s` contains a NUL, `err::PATH_TOO_LONG` if
/// `s` plus its NUL does not fit. The field is left all-zero on error.
pub fn put_cstr(field: &mut [u8], s: &[u8]) -> Result<(), i32> {
    field.fill(0);
    if s.contains(&0) {
        return Err(err::PATH_INVALID);
    }
    if s.len() >= field.len() {
        return Err(err::PATH_TOO_LONG);
    }
    for (d, c) in field.iter_mut().zip(s) {
        *d = *c;
    }
    Ok(())
}
