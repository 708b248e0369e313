//! The numbers both sides share, each defined once, here: reasons (the
//! precise `ROCKER_ERR_*` codes) with the seed code each maps to, steps
//! (`ROCKER_STEP_*`) and recipe ops (`ROCKER_OP_*`). The matching section of
//! `rocker.h` is generated from these tables (`cargo run -p rocker-proto
//! --example gen-header`), and a test fails when the header is stale.

use syscalls::names::{packed_len, Names};

/// A reason: the precise code on the wire (`rep_run.err`), its C name
/// without prefix, and the seed code (`ROCKER_ERR_*` of the seed's 12) that
/// `RockerResult.err_no` carries for it.
#[derive(Clone, Copy)]
pub struct Reason {
    /// Wire value.
    pub value: i32,
    /// `ROCKER_ERR_<name>`.
    pub name: &'static str,
    /// The seed code it maps to.
    pub seed: i32,
}

const fn r(value: i32, name: &'static str, seed: i32) -> Reason {
    Reason { value, name, seed }
}

/// `ROCKER_ERR_*`: the seed's 12 codes (in the seed's order), then the
/// precise reasons rocker appends (numbers fixed forever).
pub mod err {
    /// `ROCKER_ERR_unknown`
    pub const UNKNOWN: i32 = -1;
    /// `ROCKER_ERR_success`
    pub const SUCCESS: i32 = 0;
    /// `ROCKER_ERR_sys`: a system call failed.
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
    /// no_server: connect(): ENOENT / ECONNREFUSED.
    pub const NO_SERVER: i32 = 11;
    /// pkg_missing: the package path does not exist.
    pub const PKG_MISSING: i32 = 12;
    /// pkg_not_squashfs: not a regular file, or bad squashfs magic/version.
    pub const PKG_NOT_SQUASHFS: i32 = 13;
    /// path_relative: a path does not start with '/'.
    pub const PATH_RELATIVE: i32 = 14;
    /// path_too_long: a path does not fit its field.
    pub const PATH_TOO_LONG: i32 = 15;
    /// path_invalid: empty, ".", "..", "//", trailing '/', control bytes,
    /// or under /proc /sys /dev.
    pub const PATH_INVALID: i32 = 16;
    /// overlay_invalid: not an existing top-level dir, or /, /proc, /sys,
    /// /dev, or a duplicate.
    pub const OVERLAY_INVALID: i32 = 17;
    /// bad_message: malformed message (size, magic, reserved bytes, fds).
    pub const BAD_MESSAGE: i32 = 18;
    /// permission_denied: the peer may not ask this (SO_PEERCRED).
    pub const PERMISSION_DENIED: i32 = 19;
    /// busy: sandbox or connection table full.
    pub const BUSY: i32 = 20;
    /// no_loop_device: no free loop device.
    pub const NO_LOOP_DEVICE: i32 = 21;
    /// data_dir_invalid: missing, not a dir, a symlink on its path, on
    /// overlayfs, or in use by another sandbox.
    pub const DATA_DIR_INVALID: i32 = 22;
    /// exec_dir_invalid: missing and not under an overlay dir, not a dir,
    /// or a symlink on its path.
    pub const EXEC_DIR_INVALID: i32 = 23;
    /// id_map_failed: writing setgroups/gid_map/uid_map failed.
    pub const ID_MAP_FAILED: i32 = 24;
    /// unsupported: a request field this master or kernel cannot honour.
    pub const UNSUPPORTED: i32 = 25;
    /// isolation_invalid: a bad hostname, device, or network setting.
    pub const ISOLATION_INVALID: i32 = 26;
    /// net_failed: setting up the sandbox's network failed.
    pub const NET_FAILED: i32 = 27;
    /// limit_invalid: a cgroup limit or rlimit out of range.
    pub const LIMIT_INVALID: i32 = 28;
    /// limit_unsupported: a limit this kernel or host cannot enforce.
    pub const LIMIT_UNSUPPORTED: i32 = 29;
    /// cgroup_failed: creating or joining the sandbox's cgroup failed.
    pub const CGROUP_FAILED: i32 = 30;
    /// seccomp_invalid: an unknown syscall name or action in a profile.
    pub const SECCOMP_INVALID: i32 = 31;
    /// root_invalid: a bad root mode, root package or working directory.
    pub const ROOT_INVALID: i32 = 32;
    /// bind_invalid: a bind mount's source or destination is refused.
    pub const BIND_INVALID: i32 = 33;
}

/// Every reason, in value order (the seed's codes map to themselves).
pub const REASONS: [Reason; 35] = [
    r(err::UNKNOWN, "unknown", err::UNKNOWN),
    r(err::SUCCESS, "success", err::SUCCESS),
    r(err::SYS, "sys", err::SYS),
    r(err::PARAM_INVALID, "param_invalid", err::PARAM_INVALID),
    r(err::SERVER_UNADDR_INVALID, "server_unaddr_invalid", err::SERVER_UNADDR_INVALID),
    r(err::GEN_LOCAL_ADDR_FAILED, "gen_local_addr_failed", err::GEN_LOCAL_ADDR_FAILED),
    r(err::SEND_REQ_FAILED, "send_req_failed", err::SEND_REQ_FAILED),
    r(err::RECV_RESP_FAILED, "recv_resp_failed", err::RECV_RESP_FAILED),
    r(err::BUILD_ROCKER_FAILED, "build_rocker_failed", err::BUILD_ROCKER_FAILED),
    r(err::ENTER_ROCKER_FAILED, "enter_rocker_failed", err::ENTER_ROCKER_FAILED),
    r(err::APP_EXEC_FAILED, "app_exec_failed", err::APP_EXEC_FAILED),
    r(err::GET_GUARDNAME_FAILED, "get_guardname_failed", err::GET_GUARDNAME_FAILED),
    r(err::NO_SERVER, "no_server", err::SERVER_UNADDR_INVALID),
    r(err::PKG_MISSING, "pkg_missing", err::PARAM_INVALID),
    r(err::PKG_NOT_SQUASHFS, "pkg_not_squashfs", err::PARAM_INVALID),
    r(err::PATH_RELATIVE, "path_relative", err::PARAM_INVALID),
    r(err::PATH_TOO_LONG, "path_too_long", err::PARAM_INVALID),
    r(err::PATH_INVALID, "path_invalid", err::PARAM_INVALID),
    r(err::OVERLAY_INVALID, "overlay_invalid", err::PARAM_INVALID),
    r(err::BAD_MESSAGE, "bad_message", err::PARAM_INVALID),
    r(err::PERMISSION_DENIED, "permission_denied", err::SYS),
    r(err::BUSY, "busy", err::BUILD_ROCKER_FAILED),
    r(err::NO_LOOP_DEVICE, "no_loop_device", err::BUILD_ROCKER_FAILED),
    r(err::DATA_DIR_INVALID, "data_dir_invalid", err::PARAM_INVALID),
    r(err::EXEC_DIR_INVALID, "exec_dir_invalid", err::PARAM_INVALID),
    r(err::ID_MAP_FAILED, "id_map_failed", err::BUILD_ROCKER_FAILED),
    r(err::UNSUPPORTED, "unsupported", err::PARAM_INVALID),
    r(err::ISOLATION_INVALID, "isolation_invalid", err::PARAM_INVALID),
    r(err::NET_FAILED, "net_failed", err::BUILD_ROCKER_FAILED),
    r(err::LIMIT_INVALID, "limit_invalid", err::PARAM_INVALID),
    r(err::LIMIT_UNSUPPORTED, "limit_unsupported", err::PARAM_INVALID),
    r(err::CGROUP_FAILED, "cgroup_failed", err::BUILD_ROCKER_FAILED),
    r(err::SECCOMP_INVALID, "seccomp_invalid", err::PARAM_INVALID),
    r(err::ROOT_INVALID, "root_invalid", err::PARAM_INVALID),
    r(err::BIND_INVALID, "bind_invalid", err::PARAM_INVALID),
];

/// Largest seed code; every `err_no` a client reports is in `-1..=SEED_LAST`.
pub const SEED_LAST: i32 = err::GET_GUARDNAME_FAILED;

// The names the daemon prints, packed at build time (syscalls::names):
// ~1.5 KB less than `&str` tables on 32-bit targets. REASONS, STEPS and OPS
// stay the source (and feed the header generator); only these copies are in
// the binary.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
const fn reason_table() -> [(u16, &'static str); REASONS.len()] {
    let mut t = [(0u16, ""); REASONS.len()];
    let mut i = 0;
    while i < REASONS.len() {
        t[i] = (i as u16, REASONS[i].name);
        i += 1;
    }
    t
}
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]
const fn seed_table() -> [i8; REASONS.len()] {
    let mut t = [0i8; REASONS.len()];
    let mut i = 0;
    while i < REASONS.len() {
        t[i] = REASONS[i].seed as i8;
        i += 1;
    }
    t
}
const REASON_TABLE: [(u16, &str); REASONS.len()] = reason_table();
static REASON_NAMES: Names<{ packed_len(&REASON_TABLE) }> = Names::pack(&REASON_TABLE);
static SEEDS: [i8; REASONS.len()] = seed_table();
static STEP_NAMES: Names<{ packed_len(&STEPS) }> = Names::pack(&STEPS);
static OP_NAMES: Names<{ packed_len(&OPS) }> = Names::pack(&OPS);

/// Index of a reason in REASONS (dense from -1).
fn reason(code: i32) -> Option<u16> {
    code.checked_sub(err::UNKNOWN).and_then(|i| u16::try_from(i).ok())
}

/// The C name of a reason (`"ROCKER_ERR_pkg_missing"` without the prefix:
/// `"pkg_missing"`), or `"?"`.
pub fn reason_name(code: i32) -> &'static str {
    reason(code).and_then(|i| REASON_NAMES.get(i)).unwrap_or("?")
}

/// The seed code a reason maps to (`ROCKER_ERR_unknown` for an unknown one).
pub fn seed_code(code: i32) -> i32 {
    reason(code).and_then(|i| SEEDS.get(usize::from(i))).map_or(err::UNKNOWN, |&s| i32::from(s))
}

/// `ROCKER_STEP_*`: where a request failed. Sparse: 0..=31 master and guard,
/// 32..=63 the client and the App's recipe, 64.. master and guard again.
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
    /// connect (client)
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
    /// capbset: PR_CAPBSET_DROP of the App's bounding set
    pub const CAPBSET: u16 = 47;
    /// no_new_privs
    pub const NO_NEW_PRIVS: u16 = 48;
    /// setsid: the App's own session, without the caller's terminal
    pub const SETSID: u16 = 49;
    /// ambient: the App's ambient capability set
    pub const AMBIENT: u16 = 50;
    /// recipe: a malformed recipe (client side)
    pub const RECIPE: u16 = 51;
    /// setns_uts
    pub const SETNS_UTS: u16 = 52;
    /// setns_ipc
    pub const SETNS_IPC: u16 = 53;
    /// setns_net
    pub const SETNS_NET: u16 = 54;
    /// setns_cgroup
    pub const SETNS_CGROUP: u16 = 55;
    /// join_cgroup: the App's helper joins the sandbox's cgroup (recipe)
    pub const JOIN_CGROUP: u16 = 56;
    /// prlimit: an rlimit of the App (recipe)
    pub const PRLIMIT: u16 = 57;
    /// seccomp: the App's filter (recipe)
    pub const SECCOMP: u16 = 58;
    /// chdir: the App's working directory (recipe)
    pub const CHDIR: u16 = 59;
    /// set_dumpable: the guard makes itself non-dumpable
    pub const SET_DUMPABLE: u16 = 64;
    /// legacy loop claim (guard -> master, before LOOP_SET_FD)
    pub const LOOP_CLAIM: u16 = 65;
    /// guard_report: the guard's report to the master
    pub const GUARD_REPORT: u16 = 66;
    /// state: the master's record of a running sandbox (restart adoption)
    pub const STATE: u16 = 67;
    /// sethostname in the sandbox's UTS namespace
    pub const SET_HOSTNAME: u16 = 68;
    /// the private /dev (tmpfs, devices, pts, shm, mqueue, links)
    pub const MOUNT_DEV: u16 = 69;
    /// the private /tmp
    pub const MOUNT_TMP: u16 = 70;
    /// the sandbox's network (lo, veth, bridge, address, route)
    pub const NET: u16 = 71;
    /// the sandbox's cgroup: create it, write its limits (master)
    pub const CGROUP: u16 = 72;
    /// the guard joins its cgroup (kernels without CLONE_INTO_CGROUP)
    pub const CGROUP_JOIN: u16 = 73;
    /// masked paths (/proc/kcore, ...) and read-only /proc and /sys parts
    pub const MASK_PATHS: u16 = 74;
    /// no nested namespaces: the sandbox's user namespace limits
    pub const USERNS_LIMITS: u16 = 75;
    /// rootfs mode: the package mounted as the root (and its overlay)
    pub const MOUNT_ROOT: u16 = 76;
    /// rootfs mode: /sys read-only
    pub const MOUNT_SYS: u16 = 77;
    /// bind mounts from the host
    pub const MOUNT_BINDS: u16 = 78;
    /// rootfs mode: pivot_root (or MS_MOVE + chroot) and the old root detached
    pub const PIVOT_ROOT: u16 = 79;

    /// First client-side step.
    pub const CLIENT_FIRST: u16 = CONNECT;
}

/// Every step with its name (`ROCKER_STEP_<name>`), in value order.
pub const STEPS: [(u16, &str); 67] = [
    (step::NONE, "none"),
    (step::VALIDATE, "validate"),
    (step::PEER_CRED, "peer_cred"),
    (step::PKG_CHECK, "pkg_check"),
    (step::CLONE_GUARD, "clone_guard"),
    (step::MAKE_PRIVATE, "make_private"),
    (step::OPEN_DATA_DIR, "open_data_dir"),
    (step::MKDIR_LAYER, "mkdir_layer"),
    (step::MOUNT_OVERLAY, "mount_overlay"),
    (step::LOOP_CONTROL, "loop_control"),
    (step::LOOP_GET_FREE, "loop_get_free"),
    (step::LOOP_CONFIGURE, "loop_configure"),
    (step::LOOP_SET_FD, "loop_set_fd"),
    (step::LOOP_SET_STATUS, "loop_set_status"),
    (step::MKDIR_EXEC_DIR, "mkdir_exec_dir"),
    (step::MOUNT_SQUASHFS, "mount_squashfs"),
    (step::MOUNT_PROC, "mount_proc"),
    (step::UNSHARE_USER, "unshare_user"),
    (step::SETGROUPS, "setgroups"),
    (step::GID_MAP, "gid_map"),
    (step::UID_MAP, "uid_map"),
    (step::OPEN_NS, "open_ns"),
    (step::REPLY, "reply"),
    (step::CONNECT, "connect"),
    (step::SEND, "send"),
    (step::RECV, "recv"),
    (step::OPEN_PKG, "open_pkg"),
    (step::FORK_HELPER, "fork_helper"),
    (step::SETNS_MNT, "setns_mnt"),
    (step::SETNS_PID, "setns_pid"),
    (step::SETNS_USER, "setns_user"),
    (step::DROP_GROUPS, "drop_groups"),
    (step::SETRESGID, "setresgid"),
    (step::SETRESUID, "setresuid"),
    (step::DROP_CAPS, "drop_caps"),
    (step::CLONE_APP, "clone_app"),
    (step::REGISTER_APP, "register_app"),
    (step::GUARD_TIMEOUT, "guard_timeout"),
    (step::CAPBSET, "capbset"),
    (step::NO_NEW_PRIVS, "no_new_privs"),
    (step::SETSID, "setsid"),
    (step::AMBIENT, "ambient"),
    (step::RECIPE, "recipe"),
    (step::SETNS_UTS, "setns_uts"),
    (step::SETNS_IPC, "setns_ipc"),
    (step::SETNS_NET, "setns_net"),
    (step::SETNS_CGROUP, "setns_cgroup"),
    (step::JOIN_CGROUP, "join_cgroup"),
    (step::PRLIMIT, "prlimit"),
    (step::SECCOMP, "seccomp"),
    (step::CHDIR, "chdir"),
    (step::SET_DUMPABLE, "set_dumpable"),
    (step::LOOP_CLAIM, "loop_claim"),
    (step::GUARD_REPORT, "guard_report"),
    (step::STATE, "state"),
    (step::SET_HOSTNAME, "set_hostname"),
    (step::MOUNT_DEV, "mount_dev"),
    (step::MOUNT_TMP, "mount_tmp"),
    (step::NET, "net"),
    (step::CGROUP, "cgroup"),
    (step::CGROUP_JOIN, "cgroup_join"),
    (step::MASK_PATHS, "mask_paths"),
    (step::USERNS_LIMITS, "userns_limits"),
    (step::MOUNT_ROOT, "mount_root"),
    (step::MOUNT_SYS, "mount_sys"),
    (step::MOUNT_BINDS, "mount_binds"),
    (step::PIVOT_ROOT, "pivot_root"),
];

/// The name of a step without prefix (`"mount_overlay"`), or `"?"`.
pub fn step_name(s: u16) -> &'static str {
    STEP_NAMES.get(s).unwrap_or("?")
}

/// `ROCKER_OP_*`: the App's recipe, the steps the client's helper carries
/// out between receiving the reply and running the App (PROTOCOL.md
/// "Recipe"). Each op record: `u16 op, u16 step, u32 a, u64 b, u64 c`.
pub mod op {
    /// Write "0" to fd `a` (a `cgroup.procs` file): join that cgroup.
    pub const JOIN_CGROUP: u16 = 1;
    /// `prlimit64(0, a, {b, c})`: soft `b`, hard `c` (u64::MAX = infinity).
    pub const PRLIMIT: u16 = 2;
    /// `setns(fd a, nstype b)`.
    pub const SETNS: u16 = 3;
    /// `setgroups(0, NULL)`; the OCI runtime's: `setgroups(b, gids)` with
    /// `b` u32 gids at blob offset `a`.
    pub const SETGROUPS: u16 = 4;
    /// Drop from the bounding set every capability not in mask `b`.
    pub const CAPBSET: u16 = 5;
    /// `setresgid(b, b, b)`.
    pub const SETRESGID: u16 = 6;
    /// `setresuid(b, b, b)`; with `a` = 1 (the OCI runtime's, still host
    /// root, keeping capabilities) `PR_SET_KEEPCAPS` first.
    pub const SETRESUID: u16 = 7;
    /// `capset`: effective = permitted = `b`, inheritable = `c`.
    pub const CAPSET: u16 = 8;
    /// Clear the ambient set, then raise every capability in `b`.
    pub const AMBIENT: u16 = 9;
    /// `prctl(PR_SET_NO_NEW_PRIVS, 1)`.
    pub const NO_NEW_PRIVS: u16 = 10;
    /// Start the App here (`clone(CLONE_PARENT)`); the ops after this one
    /// run in the App's own process, right before the App.
    pub const APP: u16 = 11;
    /// `setsid()`: a new session, no controlling terminal.
    pub const SETSID: u16 = 12;
    /// `chdir(blob[a .. a + b])` (a NUL-terminated path inside the blob).
    pub const CHDIR: u16 = 13;
    /// Install the seccomp program of `b` instructions at blob offset `a`.
    pub const SECCOMP: u16 = 14;
}

/// Every op with its name (`ROCKER_OP_<name>`), in value order.
pub const OPS: [(u16, &str); 14] = [
    (op::JOIN_CGROUP, "join_cgroup"),
    (op::PRLIMIT, "prlimit"),
    (op::SETNS, "setns"),
    (op::SETGROUPS, "setgroups"),
    (op::CAPBSET, "capbset"),
    (op::SETRESGID, "setresgid"),
    (op::SETRESUID, "setresuid"),
    (op::CAPSET, "capset"),
    (op::AMBIENT, "ambient"),
    (op::NO_NEW_PRIVS, "no_new_privs"),
    (op::APP, "app"),
    (op::SETSID, "setsid"),
    (op::CHDIR, "chdir"),
    (op::SECCOMP, "seccomp"),
];

/// The name of an op (`"setns"`), or `"?"`.
pub fn op_name(o: u16) -> &'static str {
    OP_NAMES.get(o).unwrap_or("?")
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn tables_ok() -> bool {
    let mut i = 0;
    while i < REASONS.len() {
        // dense from -1, each seed code within the seed's 12
        if REASONS[i].value != i as i32 - 1 || REASONS[i].seed < -1 || REASONS[i].seed > SEED_LAST {
            return false;
        }
        i += 1;
    }
    let mut i = 1;
    while i < STEPS.len() {
        if STEPS[i].0 <= STEPS[i - 1].0 {
            return false;
        }
        i += 1;
    }
    let mut i = 0;
    while i < OPS.len() {
        if OPS[i].0 != i as u16 + 1 {
            return false;
        }
        i += 1;
    }
    true
}
const _: () = assert!(tables_ok(), "rocker-proto: code tables out of order");

#[cfg(test)]
mod packed_tests {
    use super::*;
    /// The packed copies answer exactly what the source tables say.
    #[test]
    fn packed_names_match_the_tables() {
        for r in REASONS.iter() {
            assert_eq!((reason_name(r.value), seed_code(r.value)), (r.name, r.seed));
        }
        for (v, n) in STEPS.iter() {
            assert_eq!(step_name(*v), *n);
        }
        for (v, n) in OPS.iter() {
            assert_eq!(op_name(*v), *n);
        }
        assert_eq!((reason_name(-2), reason_name(REASONS.len() as i32 - 1)), ("?", "?"));
        assert_eq!((seed_code(-2), seed_code(i32::MIN), seed_code(i32::MAX)), (err::UNKNOWN, err::UNKNOWN, err::UNKNOWN));
        assert_eq!((step_name(u16::MAX), op_name(0)), ("?", "?"));
    }
}
