//! The layout table shared with C: `tests/layout/layout.c` prints the same
//! lines from `rocker.h` (offsetof/sizeof/macros) on each target, and
//! `tests/layout/check.sh` diffs them against [`for_each_line`] (printed by
//! `cargo +nightly run -q -p rocker-proto --example layout-table`).
//!
//! Line formats (one per line, '\n'-terminated, in this order):
//! - `<struct>.<field> <offset> <size>` for every field, then
//!   `<struct> sizeof <size>`, struct by struct;
//! - `<C constant> <decimal value>` for the constants PROTOCOL.md names.

use crate::codes::{OPS, REASONS, STEPS};
use crate::{
    off, Buf, DEVICES_MAX, DEVICE_LEN, HOSTNAME_LEN, IFNAME_LEN, HDR_SIZE, LIST_ENTRY_SIZE, LIST_REPLY_HDR_SIZE, MAGIC, MAX_OPS, MAX_REPLY_FDS,
    MAX_SANDBOXES, MSG_MAX, OP_SIZE, OVERLAY_LEN, OVERLAY_MAX, PATH_MAX, PNAME_LEN,
    RUN_LEGACY_LOOP, RUN_REPLY_SIZE_VER0, RUN_REPLY_SIZE_VER1, RUN_REQ_SIZE, RUN_REQ_SIZE_VER0,
    VERSION,
};

/// One field of a wire struct, named as in `rocker.h`.
#[derive(Clone, Copy)]
pub struct Field {
    /// C struct tag (`rocker_req_run`).
    pub strukt: &'static str,
    /// C field name (PROTOCOL.md's "field" column, spaces -> '_').
    pub field: &'static str,
    /// Byte offset in the struct.
    pub off: usize,
    /// Byte size.
    pub size: usize,
}

const fn f(strukt: &'static str, field: &'static str, off: usize, size: usize) -> Field {
    Field {
        strukt,
        field,
        off,
        size,
    }
}

/// C struct tags and their `sizeof`, in table order.
pub const STRUCTS: [(&str, usize); 7] = [
    ("rocker_hdr", HDR_SIZE),
    ("rocker_req_run", RUN_REQ_SIZE),
    ("rocker_rep_run", RUN_REPLY_SIZE_VER1),
    ("rocker_op", OP_SIZE),
    ("rocker_list_entry", LIST_ENTRY_SIZE),
    ("rocker_rep_list", LIST_REPLY_HDR_SIZE),
    ("rocker_req_list", crate::LIST_REQ_SIZE),
];

/// Every field of every wire struct, struct by struct, in offset order.
pub const FIELDS: [Field; 88] = [
    f("rocker_hdr", "magic", off::HDR_MAGIC, 4),
    f("rocker_hdr", "version", off::HDR_VERSION, 2),
    f("rocker_hdr", "kind", off::HDR_KIND, 2),
    f("rocker_hdr", "size", off::HDR_SIZE, 4),
    f("rocker_hdr", "flags", off::HDR_FLAGS, 4),
    f("rocker_req_run", "hdr", off::RUN_HDR, HDR_SIZE),
    f("rocker_req_run", "app_id", off::RUN_APP_ID, 4),
    f("rocker_req_run", "uid", off::RUN_UID, 4),
    f("rocker_req_run", "gid", off::RUN_GID, 4),
    f("rocker_req_run", "run_flags", off::RUN_RUN_FLAGS, 4),
    f("rocker_req_run", "n_overlay", off::RUN_N_OVERLAY, 4),
    f("rocker_req_run", "reserved", off::RUN_RESERVED, 4),
    f("rocker_req_run", "pkg", off::RUN_PKG, PATH_MAX),
    f("rocker_req_run", "exec_dir", off::RUN_EXEC_DIR, PATH_MAX),
    f("rocker_req_run", "data_dir", off::RUN_DATA_DIR, PATH_MAX),
    f(
        "rocker_req_run",
        "overlay",
        off::RUN_OVERLAY,
        OVERLAY_MAX * OVERLAY_LEN,
    ),
    f("rocker_req_run", "reply_max", off::RUN_REPLY_MAX, 4),
    f("rocker_req_run", "test_stall", off::RUN_TEST_STALL, 4),
    f("rocker_req_run", "share", off::RUN_SHARE, 4),
    f("rocker_req_run", "net", off::RUN_NET, 4),
    f("rocker_req_run", "tmp_size_kb", off::RUN_TMP_SIZE_KB, 4),
    f("rocker_req_run", "n_devices", off::RUN_N_DEVICES, 4),
    f("rocker_req_run", "hostname", off::RUN_HOSTNAME, HOSTNAME_LEN),
    f("rocker_req_run", "bridge", off::RUN_BRIDGE, IFNAME_LEN),
    f("rocker_req_run", "addr", off::RUN_ADDR, 4),
    f("rocker_req_run", "prefix", off::RUN_PREFIX, 1),
    f("rocker_req_run", "reserved2", off::RUN_RESERVED2, 3),
    f("rocker_req_run", "gateway", off::RUN_GATEWAY, 4),
    f("rocker_req_run", "device_ro", off::RUN_DEVICE_RO, 4),
    f("rocker_req_run", "devices", off::RUN_DEVICES, DEVICES_MAX * DEVICE_LEN),
    f("rocker_req_run", "mem_max", off::RUN_MEM_MAX, 8),
    f("rocker_req_run", "swap_max", off::RUN_SWAP_MAX, 8),
    f("rocker_req_run", "cpu_quota_us", off::RUN_CPU_QUOTA_US, 4),
    f("rocker_req_run", "cpu_period_us", off::RUN_CPU_PERIOD_US, 4),
    f("rocker_req_run", "cpu_weight", off::RUN_CPU_WEIGHT, 4),
    f("rocker_req_run", "pids_max", off::RUN_PIDS_MAX, 4),
    f("rocker_req_run", "limit_flags", off::RUN_LIMIT_FLAGS, 4),
    f("rocker_req_run", "n_rlimits", off::RUN_N_RLIMITS, 4),
    f("rocker_req_run", "rlimits", off::RUN_RLIMITS, crate::RLIMITS_MAX * crate::RLIMIT_SIZE),
    f("rocker_req_run", "seccomp", off::RUN_SECCOMP, 4),
    f("rocker_req_run", "seccomp_default", off::RUN_SECCOMP_DEFAULT, 4),
    f("rocker_req_run", "seccomp_action", off::RUN_SECCOMP_ACTION, 4),
    f("rocker_req_run", "seccomp_errno", off::RUN_SECCOMP_ERRNO, 4),
    f("rocker_req_run", "seccomp_names", off::RUN_SECCOMP_NAMES, crate::SECCOMP_NAMES_LEN),
    f("rocker_req_run", "root", off::RUN_ROOT, 4),
    f("rocker_req_run", "root_flags", off::RUN_ROOT_FLAGS, 4),
    f("rocker_req_run", "cwd", off::RUN_CWD, PATH_MAX),
    f("rocker_req_run", "n_binds", off::RUN_N_BINDS, 4),
    f("rocker_req_run", "bind_rw", off::RUN_BIND_RW, 4),
    f("rocker_req_run", "binds", off::RUN_BINDS, crate::BINDS_MAX * (crate::BIND_SRC_LEN + crate::BIND_DST_LEN)),
    f("rocker_rep_run", "hdr", off::REP_HDR, HDR_SIZE),
    f("rocker_rep_run", "err", off::REP_ERR, 4),
    f("rocker_rep_run", "sys_errno", off::REP_SYS_ERRNO, 4),
    f("rocker_rep_run", "step", off::REP_STEP, 2),
    f("rocker_rep_run", "index", off::REP_INDEX, 2),
    f("rocker_rep_run", "guard_pid", off::REP_GUARD_PID, 4),
    f(
        "rocker_rep_run",
        "guard_pname",
        off::REP_GUARD_PNAME,
        PNAME_LEN,
    ),
    f("rocker_rep_run", "n_fds", off::REP_N_FDS, 4),
    f("rocker_rep_run", "reserved", off::REP_RESERVED, 4),
    f("rocker_rep_run", "ctl_fd", off::REP_CTL_FD, 4),
    f("rocker_rep_run", "n_ops", off::REP_N_OPS, 4),
    f("rocker_rep_run", "blob_len", off::REP_BLOB_LEN, 4),
    f("rocker_rep_run", "reserved1", off::REP_RESERVED1, 4),
    f("rocker_op", "op", off::OP_OP, 2),
    f("rocker_op", "step", off::OP_STEP, 2),
    f("rocker_op", "a", off::OP_A, 4),
    f("rocker_op", "b", off::OP_B, 8),
    f("rocker_op", "c", off::OP_C, 8),
    f("rocker_list_entry", "guard_pid", off::ENT_GUARD_PID, 4),
    f("rocker_list_entry", "app_id", off::ENT_APP_ID, 4),
    f("rocker_list_entry", "start_ns", off::ENT_START_NS, 8),
    f(
        "rocker_list_entry",
        "guard_pname",
        off::ENT_GUARD_PNAME,
        PNAME_LEN,
    ),
    f("rocker_list_entry", "pkg", off::ENT_PKG, PATH_MAX),
    f("rocker_list_entry", "uptime_ns", off::ENT_UPTIME_NS, 8),
    f("rocker_list_entry", "reserved", off::ENT_RESERVED, 8),
    f("rocker_list_entry", "net", off::ENT_NET, 4),
    f("rocker_list_entry", "addr", off::ENT_ADDR, 4),
    f("rocker_list_entry", "prefix", off::ENT_PREFIX, 1),
    f("rocker_list_entry", "reserved1", off::ENT_RESERVED1, 3),
    f("rocker_list_entry", "pids", off::ENT_PIDS, 4),
    f("rocker_list_entry", "mem_bytes", off::ENT_MEM_BYTES, 8),
    f("rocker_list_entry", "mem_max", off::ENT_MEM_MAX, 8),
    f("rocker_rep_list", "hdr", off::LIST_HDR, HDR_SIZE),
    f("rocker_rep_list", "count", off::LIST_COUNT, 4),
    f("rocker_rep_list", "entry_size", off::LIST_ENTRY_SZ, 4),
    f("rocker_req_list", "hdr", off::LIST_HDR, HDR_SIZE),
    f("rocker_req_list", "entry_size", off::LREQ_ENTRY_SIZE, 4),
    f("rocker_req_list", "reserved", off::LREQ_RESERVED, 4),
];

const N_FIELDS: usize = FIELDS.len();

// ---------------------------------------------------------------------------
// Compile-time proof that the offsets in `off` tile every struct exactly:
// per struct, fields are in order, contiguous from 0 (no implicit padding,
// which C would insert differently per ABI) and end at sizeof; the entries
// follow the LIST reply header.

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
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

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn layout_ok() -> bool {
    let mut i = 0;
    let mut s = 0;
    while s < STRUCTS.len() {
        let (name, size) = STRUCTS[s];
        let mut at = 0;
        while i < N_FIELDS && str_eq(FIELDS[i].strukt, name) {
            if FIELDS[i].off != at || FIELDS[i].size == 0 {
                return false;
            }
            at += FIELDS[i].size;
            i += 1;
        }
        if at != size {
            return false;
        }
        s += 1;
    }
    i == N_FIELDS && off::LIST_ENTRIES == LIST_REPLY_HDR_SIZE && off::REP_OPS == RUN_REPLY_SIZE_VER1
}
const _: () = assert!(
    layout_ok(),
    "rocker-proto: offsets in `off` do not tile the structs"
);

/// Emit every line of the layout table (without the '\n') in order.
pub fn for_each_line(mut emit: impl FnMut(&[u8])) {
    let mut b = Buf::<96>::new();
    for &(name, size) in STRUCTS.iter() {
        for fl in FIELDS.iter().filter(|fl| fl.strukt == name) {
            b.clear();
            b.push_str(name.as_bytes())
                .push_byte(b'.')
                .push_str(fl.field.as_bytes());
            b.push_byte(b' ')
                .push_u64(fl.off as u64)
                .push_byte(b' ')
                .push_u64(fl.size as u64);
            emit(b.as_bytes());
        }
        b.clear();
        b.push_str(name.as_bytes())
            .push_str(b" sizeof ")
            .push_u64(size as u64);
        emit(b.as_bytes());
    }
    let consts: [(&str, i64); 55] = [
        ("ROCKER_MAGIC", i64::from(MAGIC)),
        ("ROCKER_PROTO_VERSION", i64::from(VERSION)),
        ("ROCKER_MSG_MAX", MSG_MAX as i64),
        ("ROCKER_MAX_SANDBOXES", MAX_SANDBOXES as i64),
        ("ROCKER_RUN_LEGACY_LOOP", i64::from(RUN_LEGACY_LOOP)),
        ("ROCKER_REQ_RUN_SIZE_VER0", RUN_REQ_SIZE_VER0 as i64),
        ("ROCKER_REP_RUN_SIZE_VER0", RUN_REPLY_SIZE_VER0 as i64),
        ("ROCKER_PATH_MAX", PATH_MAX as i64),
        ("ROCKER_MAX_OPS", MAX_OPS as i64),
        ("ROCKER_MAX_FDS", MAX_REPLY_FDS as i64),
        ("ROCKER_REQ_RUN_SIZE_VER1", crate::RUN_REQ_SIZE_VER1 as i64),
        ("ROCKER_SHARE_IPC", i64::from(crate::SHARE_IPC)),
        ("ROCKER_SHARE_DEV", i64::from(crate::SHARE_DEV)),
        ("ROCKER_SHARE_TMP", i64::from(crate::SHARE_TMP)),
        ("ROCKER_SHARE_UTS", i64::from(crate::SHARE_UTS)),
        ("ROCKER_NET_HOST", i64::from(crate::NET_HOST)),
        ("ROCKER_NET_NONE", i64::from(crate::NET_NONE)),
        ("ROCKER_NET_BRIDGE", i64::from(crate::NET_BRIDGE)),
        ("ROCKER_REQ_RUN_SIZE_VER2", crate::RUN_REQ_SIZE_VER2 as i64),
        ("ROCKER_REQ_RUN_SIZE", crate::RUN_REQ_SIZE as i64),
        ("ROCKER_REP_RUN_SIZE", crate::RUN_REPLY_SIZE_VER1 as i64),
        ("ROCKER_HDR_SIZE", crate::HDR_SIZE as i64),
        ("ROCKER_OP_SIZE", crate::OP_SIZE as i64),
        ("ROCKER_BLOB_MAX", crate::BLOB_MAX as i64),
        ("ROCKER_MAX_DEVICES", crate::DEVICES_MAX as i64),
        ("ROCKER_DEVICE_LEN", crate::DEVICE_LEN as i64),
        ("ROCKER_HOSTNAME_LEN", crate::HOSTNAME_LEN as i64),
        ("ROCKER_IFNAME_LEN", crate::IFNAME_LEN as i64),
        ("ROCKER_PNAME_LEN", crate::PNAME_LEN as i64),
        ("ROCKER_REQ_RUN_SIZE_VER3", crate::RUN_REQ_SIZE_VER3 as i64),
        ("ROCKER_LIST_ENTRY_SIZE_VER0", crate::LIST_ENTRY_SIZE_VER0 as i64),
        ("ROCKER_LIST_ENTRY_SIZE", crate::LIST_ENTRY_SIZE as i64),
        ("ROCKER_REQ_LIST_SIZE", crate::LIST_REQ_SIZE as i64),
        ("ROCKER_REP_LIST_MAX_SIZE", crate::LIST_REPLY_MAX_SIZE as i64),
        ("ROCKER_LIMIT_SWAP", i64::from(crate::LIMIT_SWAP)),
        ("ROCKER_MAX_RLIMITS", crate::RLIMITS_MAX as i64),
        ("ROCKER_SECCOMP_DEFAULT", i64::from(crate::SECCOMP_DEFAULT)),
        ("ROCKER_SECCOMP_UNCONFINED", i64::from(crate::SECCOMP_UNCONFINED)),
        ("ROCKER_SECCOMP_PROFILE", i64::from(crate::SECCOMP_PROFILE)),
        ("ROCKER_SECCOMP_ACT_ALLOW", i64::from(crate::SECCOMP_ACT_ALLOW)),
        ("ROCKER_SECCOMP_ACT_ERRNO", i64::from(crate::SECCOMP_ACT_ERRNO)),
        ("ROCKER_SECCOMP_ACT_KILL", i64::from(crate::SECCOMP_ACT_KILL)),
        ("ROCKER_SECCOMP_ACT_LOG", i64::from(crate::SECCOMP_ACT_LOG)),
        ("ROCKER_SECCOMP_NAMES_LEN", crate::SECCOMP_NAMES_LEN as i64),
        ("ROCKER_ROOT_HOST", i64::from(crate::ROOT_HOST)),
        ("ROCKER_ROOT_PKG", i64::from(crate::ROOT_PKG)),
        ("ROCKER_ROOT_RO", i64::from(crate::ROOT_RO)),
        ("ROCKER_ROOT_NO_PIVOT", i64::from(crate::ROOT_NO_PIVOT)),
        ("ROCKER_MAX_BINDS", crate::BINDS_MAX as i64),
        ("ROCKER_BIND_SRC_LEN", crate::BIND_SRC_LEN as i64),
        ("ROCKER_BIND_DST_LEN", crate::BIND_DST_LEN as i64),
        ("ROCKER_MAX_OVERLAYS", OVERLAY_MAX as i64),
        ("ROCKER_OVERLAY_LEN", OVERLAY_LEN as i64),
        ("ROCKER_RUN_NFDS", i64::from(crate::RUN_REPLY_FDS_VER0)),
        ("ROCKER_REP_LIST_SIZE", LIST_REPLY_HDR_SIZE as i64),
    ];
    for (name, v) in consts {
        b.clear();
        b.push_str(name.as_bytes()).push_byte(b' ').push_i64(v);
        emit(b.as_bytes());
    }
    for r in REASONS.iter() {
        b.clear();
        b.push_str(b"ROCKER_ERR_")
            .push_str(r.name.as_bytes())
            .push_byte(b' ')
            .push_i64(i64::from(r.value));
        emit(b.as_bytes());
    }
    for (v, name) in STEPS.iter() {
        b.clear();
        b.push_str(b"ROCKER_STEP_")
            .push_str(name.as_bytes())
            .push_byte(b' ')
            .push_u64(u64::from(*v));
        emit(b.as_bytes());
    }
    for (v, name) in OPS.iter() {
        b.clear();
        b.push_str(b"ROCKER_OP_")
            .push_str(name.as_bytes())
            .push_byte(b' ')
            .push_u64(u64::from(*v));
        emit(b.as_bytes());
    }
}
