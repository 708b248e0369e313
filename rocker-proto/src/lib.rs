//! rocker wire protocol v1 (`doc/PROTOCOL.md` is the contract; this crate and
//! `rocker-client-c/include/rocker.h` both implement it, `tests/layout` proves
//! they agree).
//!
//! Design rules (binary size and robustness, see `STYLE.md`):
//! - `no_std`, no allocator, no dependencies, no `core::fmt` outside tests;
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

mod buf;
pub mod layout;
mod msg;
mod path;

#[cfg(test)]
mod tests;

pub use buf::Buf;
pub use msg::{
    decode_hdr, decode_list_reply, decode_list_req, decode_register, decode_request,
    decode_run_req, encode_hdr, encode_list_reply, encode_list_req, encode_register,
    encode_run_req, Hdr, ListEntry, ListReply, Request, RunReply, RunReq,
};
pub use path::{
    check_abs_path, check_data_dir, check_exec_dir, check_overlay_dir, check_pkg_path,
    check_run_req, under, Invalid,
};

/// `ROCKER_MAGIC` (its big-endian bytes spell "RKR1"; on the wire it is in
/// host order like every integer).
pub const MAGIC: u32 = 0x524B_5231;
/// `ROCKER_PROTO_VERSION`.
pub const VERSION: u16 = 1;

/// RUN request (client -> master), [`RUN_REQ_SIZE`] bytes + 1 fd.
pub const KIND_RUN: u16 = 1;
/// LIST request (client -> master), header only.
pub const KIND_LIST: u16 = 2;
/// REGISTER (helper -> guard over `ctl`), header only + 1 pidfd.
pub const KIND_REGISTER: u16 = 3;
/// RUN reply (master -> client), [`RUN_REPLY_SIZE`] bytes (+ 4 fds on success).
pub const KIND_RUN_REPLY: u16 = 0x8001;
/// LIST reply (master -> client), [`LIST_REPLY_HDR_SIZE`] + count * [`LIST_ENTRY_SIZE`].
pub const KIND_LIST_REPLY: u16 = 0x8002;

/// Header size; also the whole size of LIST and REGISTER messages.
pub const HDR_SIZE: usize = 16;
/// Whole RUN request.
pub const RUN_REQ_SIZE: usize = 1832;
/// Whole RUN reply.
pub const RUN_REPLY_SIZE: usize = 56;
/// One LIST reply entry.
pub const LIST_ENTRY_SIZE: usize = 304;
/// LIST reply header: message header + `count` + `reserved`.
pub const LIST_REPLY_HDR_SIZE: usize = 24;
/// Whole LIST request.
pub const LIST_REQ_SIZE: usize = HDR_SIZE;
/// Whole REGISTER message.
pub const REGISTER_SIZE: usize = HDR_SIZE;

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
pub const MSG_MAX: usize = 40960;
/// Largest LIST reply (`MAX_SANDBOXES` entries).
pub const LIST_REPLY_MAX_SIZE: usize = 38936;

/// `ROCKER_RUN_LEGACY_LOOP`: force LOOP_SET_FD + LOOP_SET_STATUS64.
pub const RUN_LEGACY_LOOP: u32 = 1;
/// Every `run_flags` bit this version understands; others are rejected.
pub const RUN_FLAGS_KNOWN: u32 = RUN_LEGACY_LOOP;
/// Smallest uid/gid a RUN request may carry (root is never mapped).
pub const ID_MIN: u32 = 1;
/// Largest uid/gid a RUN request may carry.
pub const ID_MAX: u32 = 0x7fff_fffe;
/// fds attached to a successful RUN reply: mnt ns, pid ns, user ns, ctl.
pub const RUN_REPLY_FDS: u32 = 4;

const _: () = assert!(LIST_REPLY_MAX_SIZE == LIST_REPLY_HDR_SIZE + MAX_SANDBOXES * LIST_ENTRY_SIZE);
const _: () = assert!(LIST_REPLY_MAX_SIZE <= MSG_MAX);
const _: () = assert!(RUN_REQ_SIZE <= MSG_MAX);
const _: () = assert!(MSG_MAX <= u32::MAX as usize);
// STYLE.md: every wire struct is a multiple of 8 bytes.
const _: () = assert!(HDR_SIZE.is_multiple_of(8) && RUN_REQ_SIZE.is_multiple_of(8));
const _: () = assert!(RUN_REPLY_SIZE.is_multiple_of(8) && LIST_ENTRY_SIZE.is_multiple_of(8));
const _: () = assert!(LIST_REPLY_HDR_SIZE.is_multiple_of(8));

/// `ROCKER_ERR_*` codes (PROTOCOL.md "Error codes"; seed order, append only).
pub mod err {
    /// `ROCKER_ERR_unknown`
    pub const UNKNOWN: i32 = -1;
    /// `ROCKER_ERR_success`
    pub const SUCCESS: i32 = 0;
    /// `ROCKER_ERR_sys`
    pub const SYS: i32 = 1;
    /// `ROCKER_ERR_param_invalid`
    pub const PARAM_INVALID: i32 = 2;
    /// `ROCKER_ERR_server_unaddr_invalid`
    pub const SERVER_UNADDR_INVALID: i32 = 3;
    /// `ROCKER_ERR_gen_local_addr_failed`
    pub const GEN_LOCAL_ADDR_FAILED: i32 = 4;
    /// `ROCKER_ERR_send_req_failed`
    pub const SEND_REQ_FAILED: i32 = 5;
    /// `ROCKER_ERR_recv_resp_failed`
    pub const RECV_RESP_FAILED: i32 = 6;
    /// `ROCKER_ERR_build_rocker_failed`
    pub const BUILD_ROCKER_FAILED: i32 = 7;
    /// `ROCKER_ERR_enter_rocker_failed`
    pub const ENTER_ROCKER_FAILED: i32 = 8;
    /// `ROCKER_ERR_app_exec_failed`
    pub const APP_EXEC_FAILED: i32 = 9;
    /// `ROCKER_ERR_get_guardname_failed`
    pub const GET_GUARDNAME_FAILED: i32 = 10;
    /// `ROCKER_ERR_no_server`: connect(): ENOENT / ECONNREFUSED.
    pub const NO_SERVER: i32 = 11;
    /// `ROCKER_ERR_pkg_missing`: package path does not exist (ENOENT).
    pub const PKG_MISSING: i32 = 12;
    /// `ROCKER_ERR_pkg_not_squashfs`: not a regular file, or bad squashfs magic/version.
    pub const PKG_NOT_SQUASHFS: i32 = 13;
    /// `ROCKER_ERR_path_relative`: a path does not start with '/'.
    pub const PATH_RELATIVE: i32 = 14;
    /// `ROCKER_ERR_path_too_long`: a path does not fit its field (ENAMETOOLONG).
    pub const PATH_TOO_LONG: i32 = 15;
    /// `ROCKER_ERR_path_invalid`: empty, "..", ".", "//", trailing '/', control
    /// bytes, or under /proc /sys /dev.
    pub const PATH_INVALID: i32 = 16;
    /// `ROCKER_ERR_overlay_invalid`: not a top-level dir, /, /proc, /sys, /dev,
    /// a duplicate, or a name overlayfs options cannot carry.
    pub const OVERLAY_INVALID: i32 = 17;
    /// `ROCKER_ERR_bad_message`: any structural [`crate::Reject`].
    pub const BAD_MESSAGE: i32 = 18;
    /// `ROCKER_ERR_permission_denied`: peer may not ask this (SO_PEERCRED).
    pub const PERMISSION_DENIED: i32 = 19;
    /// `ROCKER_ERR_busy`: sandbox table or connection table full.
    pub const BUSY: i32 = 20;
    /// `ROCKER_ERR_no_loop_device`: no free loop device.
    pub const NO_LOOP_DEVICE: i32 = 21;
    /// `ROCKER_ERR_data_dir_invalid`
    pub const DATA_DIR_INVALID: i32 = 22;
    /// `ROCKER_ERR_exec_dir_invalid`
    pub const EXEC_DIR_INVALID: i32 = 23;
    /// `ROCKER_ERR_id_map_failed`
    pub const ID_MAP_FAILED: i32 = 24;

    /// Smallest defined code.
    pub const FIRST: i32 = UNKNOWN;
    /// Largest defined code.
    pub const LAST: i32 = ID_MAP_FAILED;

    /// C names, indexed by `code + 1`.
    pub(crate) const NAMES: [&str; 26] = [
        "ROCKER_ERR_unknown",
        "ROCKER_ERR_success",
        "ROCKER_ERR_sys",
        "ROCKER_ERR_param_invalid",
        "ROCKER_ERR_server_unaddr_invalid",
        "ROCKER_ERR_gen_local_addr_failed",
        "ROCKER_ERR_send_req_failed",
        "ROCKER_ERR_recv_resp_failed",
        "ROCKER_ERR_build_rocker_failed",
        "ROCKER_ERR_enter_rocker_failed",
        "ROCKER_ERR_app_exec_failed",
        "ROCKER_ERR_get_guardname_failed",
        "ROCKER_ERR_no_server",
        "ROCKER_ERR_pkg_missing",
        "ROCKER_ERR_pkg_not_squashfs",
        "ROCKER_ERR_path_relative",
        "ROCKER_ERR_path_too_long",
        "ROCKER_ERR_path_invalid",
        "ROCKER_ERR_overlay_invalid",
        "ROCKER_ERR_bad_message",
        "ROCKER_ERR_permission_denied",
        "ROCKER_ERR_busy",
        "ROCKER_ERR_no_loop_device",
        "ROCKER_ERR_data_dir_invalid",
        "ROCKER_ERR_exec_dir_invalid",
        "ROCKER_ERR_id_map_failed",
    ];
    const _: () = assert!(NAMES.len() as i32 == LAST - FIRST + 1);
}

/// The C name of a `ROCKER_ERR_*` code (`"ROCKER_ERR_pkg_missing"`), or `"?"`.
pub fn err_name(code: i32) -> &'static str {
    code.checked_sub(err::FIRST)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| err::NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

/// `ROCKER_STEP_*`: where a RUN failed (PROTOCOL.md "Steps").
pub mod step {
    /// none
    pub const NONE: u16 = 0;
    /// validate
    pub const VALIDATE: u16 = 1;
    /// peer_cred
    pub const PEER_CRED: u16 = 2;
    /// pkg_check
    pub const PKG_CHECK: u16 = 3;
    /// clone_guard
    pub const CLONE_GUARD: u16 = 4;
    /// make_private
    pub const MAKE_PRIVATE: u16 = 5;
    /// open_data_dir
    pub const OPEN_DATA_DIR: u16 = 6;
    /// mkdir_layer
    pub const MKDIR_LAYER: u16 = 7;
    /// mount_overlay
    pub const MOUNT_OVERLAY: u16 = 8;
    /// loop_control
    pub const LOOP_CONTROL: u16 = 9;
    /// loop_get_free
    pub const LOOP_GET_FREE: u16 = 10;
    /// loop_configure
    pub const LOOP_CONFIGURE: u16 = 11;
    /// loop_set_fd
    pub const LOOP_SET_FD: u16 = 12;
    /// loop_set_status
    pub const LOOP_SET_STATUS: u16 = 13;
    /// mkdir_exec_dir
    pub const MKDIR_EXEC_DIR: u16 = 14;
    /// mount_squashfs
    pub const MOUNT_SQUASHFS: u16 = 15;
    /// mount_proc
    pub const MOUNT_PROC: u16 = 16;
    /// unshare_user
    pub const UNSHARE_USER: u16 = 17;
    /// setgroups
    pub const SETGROUPS: u16 = 18;
    /// gid_map
    pub const GID_MAP: u16 = 19;
    /// uid_map
    pub const UID_MAP: u16 = 20;
    /// open_ns
    pub const OPEN_NS: u16 = 21;
    /// reply
    pub const REPLY: u16 = 22;
    /// connect (client side)
    pub const CONNECT: u16 = 32;
    /// send
    pub const SEND: u16 = 33;
    /// recv
    pub const RECV: u16 = 34;
    /// open_pkg
    pub const OPEN_PKG: u16 = 35;
    /// fork_helper
    pub const FORK_HELPER: u16 = 36;
    /// setns_mnt
    pub const SETNS_MNT: u16 = 37;
    /// setns_pid
    pub const SETNS_PID: u16 = 38;
    /// setns_user
    pub const SETNS_USER: u16 = 39;
    /// drop_groups
    pub const DROP_GROUPS: u16 = 40;
    /// setresgid
    pub const SETRESGID: u16 = 41;
    /// setresuid
    pub const SETRESUID: u16 = 42;
    /// drop_caps
    pub const DROP_CAPS: u16 = 43;
    /// clone_app
    pub const CLONE_APP: u16 = 44;
    /// register_app
    pub const REGISTER_APP: u16 = 45;
    /// guard_timeout
    pub const GUARD_TIMEOUT: u16 = 46;

    /// First client-side step.
    pub const CLIENT_FIRST: u16 = CONNECT;

    /// Names of steps `0..=REPLY`.
    pub(crate) const SERVER_NAMES: [&str; 23] = [
        "none",
        "validate",
        "peer_cred",
        "pkg_check",
        "clone_guard",
        "make_private",
        "open_data_dir",
        "mkdir_layer",
        "mount_overlay",
        "loop_control",
        "loop_get_free",
        "loop_configure",
        "loop_set_fd",
        "loop_set_status",
        "mkdir_exec_dir",
        "mount_squashfs",
        "mount_proc",
        "unshare_user",
        "setgroups",
        "gid_map",
        "uid_map",
        "open_ns",
        "reply",
    ];
    /// Names of steps `CLIENT_FIRST..=GUARD_TIMEOUT`.
    pub(crate) const CLIENT_NAMES: [&str; 15] = [
        "connect",
        "send",
        "recv",
        "open_pkg",
        "fork_helper",
        "setns_mnt",
        "setns_pid",
        "setns_user",
        "drop_groups",
        "setresgid",
        "setresuid",
        "drop_caps",
        "clone_app",
        "register_app",
        "guard_timeout",
    ];
    const _: () = assert!(SERVER_NAMES.len() as u16 == REPLY + 1);
    const _: () = assert!(CLIENT_NAMES.len() as u16 == GUARD_TIMEOUT - CLIENT_FIRST + 1);
}

/// The name of a `ROCKER_STEP_*` value without prefix (`"mount_overlay"`), or `"?"`.
pub fn step_name(s: u16) -> &'static str {
    let (table, i): (&[&'static str], u16) = match s.checked_sub(step::CLIENT_FIRST) {
        Some(i) => (&step::CLIENT_NAMES, i),
        None => (&step::SERVER_NAMES, s),
    };
    table.get(usize::from(i)).copied().unwrap_or("?")
}

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

    /// rep_list.hdr
    pub const LIST_HDR: usize = 0;
    /// rep_list.count (u32)
    pub const LIST_COUNT: usize = 16;
    /// rep_list.reserved (u32)
    pub const LIST_RESERVED: usize = 20;
    /// first entry of a LIST reply
    pub const LIST_ENTRIES: usize = 24;
}

/// Why a received message was refused. Every variant except the semantic
/// ones maps to `ROCKER_ERR_bad_message` ([`Reject::code`]).
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Reject {
    /// `magic != ROCKER_MAGIC`.
    BadMagic,
    /// `version != ROCKER_PROTO_VERSION`.
    BadVersion,
    /// Unexpected or unknown `kind`.
    BadKind,
    /// Datagram shorter than a header, longer than `MSG_MAX`, `hdr.size` not
    /// the datagram length, or not the size the kind requires.
    BadSize,
    /// `hdr.flags != 0`.
    BadFlags,
    /// A `reserved` field is not 0.
    ReservedNotZero,
    /// `run_flags` has bits this version does not know.
    BadRunFlags,
    /// `n_overlay > OVERLAY_MAX`.
    TooManyOverlays,
    /// `count > MAX_SANDBOXES` in a LIST reply.
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
            Reject::BadFlags => "bad_flags",
            Reject::ReservedNotZero => "reserved_not_zero",
            Reject::BadRunFlags => "bad_run_flags",
            Reject::TooManyOverlays => "too_many_overlays",
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

    /// The `ROCKER_ERR_*` code to answer with.
    pub fn code(self) -> i32 {
        match self {
            Reject::BadAppId | Reject::BadUid | Reject::BadGid | Reject::NoEntry => {
                err::PARAM_INVALID
            }
            _ => err::BAD_MESSAGE,
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
