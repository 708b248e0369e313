/*
 * rocker.h -- header-only C client for rocker-master (wire protocol v1).
 *
 * The contract is doc/PROTOCOL.md; this file defines every wire struct once
 * and _Static_asserts its layout.  Usage (the seed's API, with appended fields):
 *
 *     RockerRequest req = ROCKER_request_new();
 *     req.uid = req.gid = 1000;
 *     req.app_pkg_path = "/tmp/app.sqfs";        (C++: pass non-const buffers)
 *     req.app_exec_dir = "/var/app/exec";
 *     req.app_data_dir = "/data/app";
 *     req.app_overlay_dirs[0] = "/var";           (NULL ends the list)
 *     RockerResult res = ROCKER_enter_rocker(&req, app_main, arg);
 *     if (res.err_no != ROCKER_ERR_success) {
 *         char msg[128];
 *         fprintf(stderr, "%s\n", ROCKER_strerror_r(&res, msg, sizeof msg));
 *     }
 *     ... waitpid(res.app_pid, &status, 0);     (the App is the caller's child)
 *     ROCKER_kill_guard(res.guard_pid, res.guard_pname, SIGKILL);
 *
 * Properties: C99 and C++ clean, no malloc, no stdio, every fd it opens is
 * O_CLOEXEC / SOCK_CLOEXEC / MSG_CMSG_CLOEXEC and closed on every path.  It
 * needs no feature-test macro from the includer: the few GNU/Linux calls it
 * uses are declared here under private names bound to the libc symbol.
 *
 * The app function runs in a process made by a raw clone(2) (like fork, but
 * without libc's fork bookkeeping): treat it like a child after vfork/clone --
 * call exec*() or stick to async-signal-safe functions.  In particular musl
 * caches the thread id, so raise()/abort() misbehave there until exec.
 *
 * Kernels older than 5.2 have no CLONE_PIDFD (rocker probes with pidfd_open,
 * 5.3+): then the App inherits and KEEPS the guard's ctl socket open (with
 * FD_CLOEXEC cleared, so it survives exec) instead of registering a pidfd, and
 * the guard lives exactly as long as some process holds that fd.  An App that
 * closes all its fds (daemon-style) would then end its sandbox.  Define
 * ROCKER_NO_CLONE_PIDFD to force this mode (tests).
 *
 * Overridable: ROCKER_API (default static inline), ROCKER_REPLY_TIMEOUT_MS
 * (default 10000: how long the client waits for the master's reply).
 */
#ifndef ROCKER_H
#define ROCKER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ROCKER_API
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define ROCKER_API static inline
#else
#define ROCKER_API static __inline__ /* C89 with GNU extensions */
#endif
#endif

#ifndef ROCKER_REPLY_TIMEOUT_MS
#define ROCKER_REPLY_TIMEOUT_MS 10000
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Error codes: the seed's enum in the seed's order, new codes appended.    */
/* ------------------------------------------------------------------------ */

/* self-descriptive error number */
typedef enum {
    ROCKER_ERR_unknown = -1,
#define ROCKER_ERR_unknown                 ROCKER_ERR_unknown
    ROCKER_ERR_success = 0,
#define ROCKER_ERR_success                 ROCKER_ERR_success
    ROCKER_ERR_sys,
#define ROCKER_ERR_sys                     ROCKER_ERR_sys
    ROCKER_ERR_param_invalid,
#define ROCKER_ERR_param_invalid           ROCKER_ERR_param_invalid
    ROCKER_ERR_server_unaddr_invalid,
#define ROCKER_ERR_server_unaddr_invalid   ROCKER_ERR_server_unaddr_invalid
    ROCKER_ERR_gen_local_addr_failed,
#define ROCKER_ERR_gen_local_addr_failed   ROCKER_ERR_gen_local_addr_failed
    ROCKER_ERR_send_req_failed,
#define ROCKER_ERR_send_req_failed         ROCKER_ERR_send_req_failed
    ROCKER_ERR_recv_resp_failed,
#define ROCKER_ERR_recv_resp_failed        ROCKER_ERR_recv_resp_failed
    ROCKER_ERR_build_rocker_failed,
#define ROCKER_ERR_build_rocker_failed     ROCKER_ERR_build_rocker_failed
    ROCKER_ERR_enter_rocker_failed,
#define ROCKER_ERR_enter_rocker_failed     ROCKER_ERR_enter_rocker_failed
    ROCKER_ERR_app_exec_failed,
#define ROCKER_ERR_app_exec_failed         ROCKER_ERR_app_exec_failed
    ROCKER_ERR_get_guardname_failed,
#define ROCKER_ERR_get_guardname_failed    ROCKER_ERR_get_guardname_failed
    /* appended by rocker v1 (doc/PROTOCOL.md), numbers are fixed */
    ROCKER_ERR_no_server = 11,
#define ROCKER_ERR_no_server               ROCKER_ERR_no_server
    ROCKER_ERR_pkg_missing = 12,
#define ROCKER_ERR_pkg_missing             ROCKER_ERR_pkg_missing
    ROCKER_ERR_pkg_not_squashfs = 13,
#define ROCKER_ERR_pkg_not_squashfs        ROCKER_ERR_pkg_not_squashfs
    ROCKER_ERR_path_relative = 14,
#define ROCKER_ERR_path_relative           ROCKER_ERR_path_relative
    ROCKER_ERR_path_too_long = 15,
#define ROCKER_ERR_path_too_long           ROCKER_ERR_path_too_long
    ROCKER_ERR_path_invalid = 16,
#define ROCKER_ERR_path_invalid            ROCKER_ERR_path_invalid
    ROCKER_ERR_overlay_invalid = 17,
#define ROCKER_ERR_overlay_invalid         ROCKER_ERR_overlay_invalid
    ROCKER_ERR_bad_message = 18,
#define ROCKER_ERR_bad_message             ROCKER_ERR_bad_message
    ROCKER_ERR_permission_denied = 19,
#define ROCKER_ERR_permission_denied       ROCKER_ERR_permission_denied
    ROCKER_ERR_busy = 20,
#define ROCKER_ERR_busy                    ROCKER_ERR_busy
    ROCKER_ERR_no_loop_device = 21,
#define ROCKER_ERR_no_loop_device          ROCKER_ERR_no_loop_device
    ROCKER_ERR_data_dir_invalid = 22,
#define ROCKER_ERR_data_dir_invalid        ROCKER_ERR_data_dir_invalid
    ROCKER_ERR_exec_dir_invalid = 23,
#define ROCKER_ERR_exec_dir_invalid        ROCKER_ERR_exec_dir_invalid
    ROCKER_ERR_id_map_failed = 24
#define ROCKER_ERR_id_map_failed           ROCKER_ERR_id_map_failed
} ROCKER_ERR;

#define ROCKER_ERR_MAX 24

/* ------------------------------------------------------------------------ */
/* Steps (wire u16): where a request failed.                                */
/* ------------------------------------------------------------------------ */

#define ROCKER_STEP_none            0
#define ROCKER_STEP_validate        1
#define ROCKER_STEP_peer_cred       2
#define ROCKER_STEP_pkg_check       3
#define ROCKER_STEP_clone_guard     4
#define ROCKER_STEP_make_private    5
#define ROCKER_STEP_open_data_dir   6
#define ROCKER_STEP_mkdir_layer     7
#define ROCKER_STEP_mount_overlay   8
#define ROCKER_STEP_loop_control    9
#define ROCKER_STEP_loop_get_free   10
#define ROCKER_STEP_loop_configure  11
#define ROCKER_STEP_loop_set_fd     12
#define ROCKER_STEP_loop_set_status 13
#define ROCKER_STEP_mkdir_exec_dir  14
#define ROCKER_STEP_mount_squashfs  15
#define ROCKER_STEP_mount_proc      16
#define ROCKER_STEP_unshare_user    17
#define ROCKER_STEP_setgroups       18
#define ROCKER_STEP_gid_map         19
#define ROCKER_STEP_uid_map         20
#define ROCKER_STEP_open_ns         21
#define ROCKER_STEP_reply           22
/* client side */
#define ROCKER_STEP_connect         32
#define ROCKER_STEP_send            33
#define ROCKER_STEP_recv            34
#define ROCKER_STEP_open_pkg        35
#define ROCKER_STEP_fork_helper     36
#define ROCKER_STEP_setns_mnt       37
#define ROCKER_STEP_setns_pid       38
#define ROCKER_STEP_setns_user      39
#define ROCKER_STEP_drop_groups     40
#define ROCKER_STEP_setresgid       41
#define ROCKER_STEP_setresuid       42
#define ROCKER_STEP_drop_caps       43
#define ROCKER_STEP_clone_app       44
#define ROCKER_STEP_register_app    45
#define ROCKER_STEP_guard_timeout   46

/* ------------------------------------------------------------------------ */
/* The seed's API structs (fields appended at the end only).                */
/* ------------------------------------------------------------------------ */

/* All calls return this struct by value.
 * err_no: self-descriptive error number (ROCKER_ERR_success on success)
 * app_pid: host pid of the App (a child of the caller: waitpid() it)
 * guard_pid: host pid of the sandbox's pid 1
 * guard_pname: the guard's unique, printable name (its comm)
 * sys_errno: positive errno behind err_no, 0 if none       (appended)
 * step: ROCKER_STEP_* where it failed, 0 if none            (appended)
 * index: overlay slot for overlay steps, else 0             (appended)
 */
typedef struct {
    ROCKER_ERR err_no;
    int app_pid;
    int guard_pid;
    char guard_pname[16];
    int sys_errno;
    int step;
    int index;
} RockerResult;

/* run_flags */
#define ROCKER_RUN_LEGACY_LOOP 1u /* test switch: LOOP_SET_FD + LOOP_SET_STATUS64 */
#define ROCKER_RUN_FLAGS_ALL   1u

/* Request.  Paths must be absolute; app_overlay_dirs is a NULL-terminated
 * list of top-level dirs (at most 16, no gaps).
 * run_flags: ROCKER_RUN_* bits (appended)
 */
typedef struct {
    int app_id;
    int uid;
    int gid;

    char *app_pkg_path;
    char *app_exec_dir;
    char *app_data_dir;
    char *app_overlay_dirs[16];

    unsigned int run_flags;
} RockerRequest;

/* ------------------------------------------------------------------------ */
/* Wire format (doc/PROTOCOL.md).  Host byte order, fixed widths.           */
/* ------------------------------------------------------------------------ */

#define ROCKER_MAGIC            0x524B5231u /* "RKR1" read as a big-endian u32 */
#define ROCKER_PROTO_VERSION    1

#define ROCKER_KIND_RUN         1u
#define ROCKER_KIND_LIST        2u
#define ROCKER_KIND_REGISTER    3u
#define ROCKER_KIND_REPLY_BIT   0x8000u
#define ROCKER_KIND_RUN_REPLY   0x8001u
#define ROCKER_KIND_LIST_REPLY  0x8002u

#define ROCKER_PATH_MAX         256 /* char[] incl. NUL */
#define ROCKER_OVERLAY_LEN      64  /* char[] incl. NUL */
#define ROCKER_MAX_OVERLAYS     16
#define ROCKER_PNAME_LEN        16  /* char[] incl. NUL (comm) */
#define ROCKER_MAX_SANDBOXES    128
#define ROCKER_RUN_NFDS         4   /* mnt ns, pid ns, user ns, ctl */
#define ROCKER_MSG_MAX          40960

#define ROCKER_HDR_SIZE         16
#define ROCKER_REQ_RUN_SIZE     1832
#define ROCKER_REP_RUN_SIZE     56
#define ROCKER_REQ_LIST_SIZE    16
#define ROCKER_REP_LIST_SIZE    24  /* without entries */
#define ROCKER_LIST_ENTRY_SIZE  304
#define ROCKER_REGISTER_SIZE    16
#define ROCKER_REP_LIST_MAX_SIZE \
    (ROCKER_REP_LIST_SIZE + ROCKER_MAX_SANDBOXES * ROCKER_LIST_ENTRY_SIZE)

#define ROCKER_DEFAULT_SOCKET   "/var/run/rocker.sock"
#define ROCKER_SOCKET_ENV       "ROCKER_SOCKET"

struct rocker_hdr {
    uint32_t magic;   /* ROCKER_MAGIC */
    uint16_t version; /* ROCKER_PROTO_VERSION */
    uint16_t kind;    /* ROCKER_KIND_* */
    uint32_t size;    /* whole message incl. header == datagram length */
    uint32_t flags;   /* 0 */
};

struct rocker_req_run { /* kind 1, + exactly one SCM_RIGHTS fd: the package */
    struct rocker_hdr hdr;
    int32_t  app_id;     /* >= 0 */
    uint32_t uid;        /* 1 ..= 0x7ffffffe */
    uint32_t gid;        /* 1 ..= 0x7ffffffe */
    uint32_t run_flags;  /* ROCKER_RUN_* */
    uint32_t n_overlay;  /* 0 ..= 16 */
    uint32_t reserved;   /* 0 */
    char pkg[ROCKER_PATH_MAX];
    char exec_dir[ROCKER_PATH_MAX];
    char data_dir[ROCKER_PATH_MAX];
    char overlay[ROCKER_MAX_OVERLAYS][ROCKER_OVERLAY_LEN];
};

struct rocker_rep_run { /* kind 0x8001, + 4 SCM_RIGHTS fds on success */
    struct rocker_hdr hdr;
    int32_t  err;        /* ROCKER_ERR_*, 0 = success */
    int32_t  sys_errno;  /* positive errno, 0 if none */
    uint16_t step;       /* ROCKER_STEP_* */
    uint16_t index;      /* overlay slot for overlay steps, else 0 */
    int32_t  guard_pid;  /* host pid, 0 on error */
    char guard_pname[ROCKER_PNAME_LEN];
    uint32_t n_fds;      /* 4 on success, else 0 */
    uint32_t reserved;   /* 0 */
};

struct rocker_list_entry {
    int32_t  guard_pid;
    int32_t  app_id;
    uint64_t start_ns;   /* CLOCK_MONOTONIC */
    char guard_pname[ROCKER_PNAME_LEN];
    char pkg[ROCKER_PATH_MAX];
    uint64_t uptime_ns;  /* now - start, computed by the master */
    uint64_t reserved;   /* 0 */
};

struct rocker_rep_list { /* kind 0x8002; `count` entries follow at offset 24 */
    struct rocker_hdr hdr;
    uint32_t count;      /* <= ROCKER_MAX_SANDBOXES */
    uint32_t reserved;   /* 0 */
};

/* Layout checks: C11 _Static_assert / C++11 static_assert, else the C99
 * negative-array trick (pedantic-clean). */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define ROCKER__ASSERT(c, name) static_assert(c, #name)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define ROCKER__ASSERT(c, name) _Static_assert(c, #name)
#else
#define ROCKER__ASSERT(c, name) typedef char rocker__assert_##name[(c) ? 1 : -1]
#endif
#define ROCKER__OFF(s, f, o, name) ROCKER__ASSERT(offsetof(struct s, f) == (o), name)

ROCKER__ASSERT(sizeof(struct rocker_hdr) == ROCKER_HDR_SIZE, hdr_size);
ROCKER__OFF(rocker_hdr, magic, 0, hdr_magic);
ROCKER__OFF(rocker_hdr, version, 4, hdr_version);
ROCKER__OFF(rocker_hdr, kind, 6, hdr_kind);
ROCKER__OFF(rocker_hdr, size, 8, hdr_size_off);
ROCKER__OFF(rocker_hdr, flags, 12, hdr_flags);

ROCKER__ASSERT(sizeof(struct rocker_req_run) == ROCKER_REQ_RUN_SIZE, req_run_size);
ROCKER__OFF(rocker_req_run, hdr, 0, req_run_hdr);
ROCKER__OFF(rocker_req_run, app_id, 16, req_run_app_id);
ROCKER__OFF(rocker_req_run, uid, 20, req_run_uid);
ROCKER__OFF(rocker_req_run, gid, 24, req_run_gid);
ROCKER__OFF(rocker_req_run, run_flags, 28, req_run_run_flags);
ROCKER__OFF(rocker_req_run, n_overlay, 32, req_run_n_overlay);
ROCKER__OFF(rocker_req_run, reserved, 36, req_run_reserved);
ROCKER__OFF(rocker_req_run, pkg, 40, req_run_pkg);
ROCKER__OFF(rocker_req_run, exec_dir, 296, req_run_exec_dir);
ROCKER__OFF(rocker_req_run, data_dir, 552, req_run_data_dir);
ROCKER__OFF(rocker_req_run, overlay, 808, req_run_overlay);
ROCKER__ASSERT(sizeof(((struct rocker_req_run *)0)->overlay) == 16 * 64, req_run_overlay_size);

ROCKER__ASSERT(sizeof(struct rocker_rep_run) == ROCKER_REP_RUN_SIZE, rep_run_size);
ROCKER__OFF(rocker_rep_run, hdr, 0, rep_run_hdr);
ROCKER__OFF(rocker_rep_run, err, 16, rep_run_err);
ROCKER__OFF(rocker_rep_run, sys_errno, 20, rep_run_sys_errno);
ROCKER__OFF(rocker_rep_run, step, 24, rep_run_step);
ROCKER__OFF(rocker_rep_run, index, 26, rep_run_index);
ROCKER__OFF(rocker_rep_run, guard_pid, 28, rep_run_guard_pid);
ROCKER__OFF(rocker_rep_run, guard_pname, 32, rep_run_guard_pname);
ROCKER__OFF(rocker_rep_run, n_fds, 48, rep_run_n_fds);
ROCKER__OFF(rocker_rep_run, reserved, 52, rep_run_reserved);

ROCKER__ASSERT(sizeof(struct rocker_list_entry) == ROCKER_LIST_ENTRY_SIZE, list_entry_size);
ROCKER__OFF(rocker_list_entry, guard_pid, 0, list_entry_guard_pid);
ROCKER__OFF(rocker_list_entry, app_id, 4, list_entry_app_id);
ROCKER__OFF(rocker_list_entry, start_ns, 8, list_entry_start_ns);
ROCKER__OFF(rocker_list_entry, guard_pname, 16, list_entry_guard_pname);
ROCKER__OFF(rocker_list_entry, pkg, 32, list_entry_pkg);
ROCKER__OFF(rocker_list_entry, uptime_ns, 288, list_entry_uptime_ns);
ROCKER__OFF(rocker_list_entry, reserved, 296, list_entry_reserved);

ROCKER__ASSERT(sizeof(struct rocker_rep_list) == ROCKER_REP_LIST_SIZE, rep_list_size);
ROCKER__OFF(rocker_rep_list, hdr, 0, rep_list_hdr);
ROCKER__OFF(rocker_rep_list, count, 16, rep_list_count);
ROCKER__OFF(rocker_rep_list, reserved, 20, rep_list_reserved);
ROCKER__ASSERT(ROCKER_REP_LIST_MAX_SIZE <= ROCKER_MSG_MAX, rep_list_max);

/* ------------------------------------------------------------------------ */
/* Private: Linux calls libc may not declare without feature macros.  They  */
/* are bound to the libc symbols by asm label, so they never clash with     */
/* libc's own declarations whatever the includer defined.                   */
/* ------------------------------------------------------------------------ */

extern long rocker__syscall(long nr, ...) __asm__("syscall");
extern int rocker__pipe2(int fds[2], int flags) __asm__("pipe2");
extern int rocker__setresuid(uid_t r, uid_t e, uid_t s) __asm__("setresuid");
extern int rocker__setresgid(gid_t r, gid_t e, gid_t s) __asm__("setresgid");
extern int rocker__setgroups(size_t n, const gid_t *list) __asm__("setgroups");
extern int rocker__kill(pid_t pid, int sig) __asm__("kill");

#if defined(O_CLOEXEC)
#define ROCKER__O_CLOEXEC O_CLOEXEC
#elif defined(__O_CLOEXEC)
#define ROCKER__O_CLOEXEC __O_CLOEXEC /* glibc, strict ISO mode */
#else
#define ROCKER__O_CLOEXEC 02000000    /* all of rocker's targets */
#endif

/* <linux/sched.h>, identical on every architecture */
#define ROCKER__CLONE_PIDFD    0x00001000L
#define ROCKER__CLONE_PARENT   0x00008000L
#define ROCKER__CLONE_NEWNS    0x00020000L
#define ROCKER__CLONE_NEWUSER  0x10000000L
#define ROCKER__CLONE_NEWPID   0x20000000L
#define ROCKER__CAP_VERSION_3  0x20080522u

/* syscall numbers libc may lack (new syscalls share one number on all arches,
 * plus the arch's base: __NR_Linux is 4000 on mips o32). */
#if defined(SYS_pidfd_open)
#define ROCKER__NR_pidfd_open SYS_pidfd_open
#elif defined(__NR_Linux)
#define ROCKER__NR_pidfd_open (__NR_Linux + 434)
#else
#define ROCKER__NR_pidfd_open 434
#endif
#if defined(SYS_pidfd_send_signal)
#define ROCKER__NR_pidfd_send_signal SYS_pidfd_send_signal
#elif defined(__NR_Linux)
#define ROCKER__NR_pidfd_send_signal (__NR_Linux + 424)
#else
#define ROCKER__NR_pidfd_send_signal 424
#endif

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

/* "ROCKER_ERR_busy" etc., "ROCKER_ERR_?" for an unknown code. */
ROCKER_API const char *ROCKER_err_name(int err)
{
    static const char *const names[] = {
        "ROCKER_ERR_unknown", "ROCKER_ERR_success", "ROCKER_ERR_sys",
        "ROCKER_ERR_param_invalid", "ROCKER_ERR_server_unaddr_invalid",
        "ROCKER_ERR_gen_local_addr_failed", "ROCKER_ERR_send_req_failed",
        "ROCKER_ERR_recv_resp_failed", "ROCKER_ERR_build_rocker_failed",
        "ROCKER_ERR_enter_rocker_failed", "ROCKER_ERR_app_exec_failed",
        "ROCKER_ERR_get_guardname_failed", "ROCKER_ERR_no_server",
        "ROCKER_ERR_pkg_missing", "ROCKER_ERR_pkg_not_squashfs",
        "ROCKER_ERR_path_relative", "ROCKER_ERR_path_too_long",
        "ROCKER_ERR_path_invalid", "ROCKER_ERR_overlay_invalid",
        "ROCKER_ERR_bad_message", "ROCKER_ERR_permission_denied",
        "ROCKER_ERR_busy", "ROCKER_ERR_no_loop_device",
        "ROCKER_ERR_data_dir_invalid", "ROCKER_ERR_exec_dir_invalid",
        "ROCKER_ERR_id_map_failed"
    };
    if (err < -1 || err > ROCKER_ERR_MAX)
        return "ROCKER_ERR_?";
    return names[err + 1];
}

/* "pkg_check" etc., "?" for an unknown step. */
ROCKER_API const char *ROCKER_step_name(int step)
{
    static const char *const server[] = {
        "none", "validate", "peer_cred", "pkg_check", "clone_guard",
        "make_private", "open_data_dir", "mkdir_layer", "mount_overlay",
        "loop_control", "loop_get_free", "loop_configure", "loop_set_fd",
        "loop_set_status", "mkdir_exec_dir", "mount_squashfs", "mount_proc",
        "unshare_user", "setgroups", "gid_map", "uid_map", "open_ns", "reply"
    };
    static const char *const client[] = {
        "connect", "send", "recv", "open_pkg", "fork_helper", "setns_mnt",
        "setns_pid", "setns_user", "drop_groups", "setresgid", "setresuid",
        "drop_caps", "clone_app", "register_app", "guard_timeout"
    };
    if (step >= 0 && step <= ROCKER_STEP_reply)
        return server[step];
    if (step >= ROCKER_STEP_connect && step <= ROCKER_STEP_guard_timeout)
        return client[step - ROCKER_STEP_connect];
    return "?";
}

/* "EBUSY" etc. for the common errnos (this host's numbering), else "E?". */
ROCKER_API const char *ROCKER_errno_name(int e)
{
#define ROCKER__E(x) case x: return #x;
    switch (e) {
    ROCKER__E(EPERM) ROCKER__E(ENOENT) ROCKER__E(ESRCH) ROCKER__E(EINTR)
    ROCKER__E(EIO) ROCKER__E(ENXIO) ROCKER__E(E2BIG) ROCKER__E(ENOEXEC)
    ROCKER__E(EBADF) ROCKER__E(ECHILD) ROCKER__E(EAGAIN) ROCKER__E(ENOMEM)
    ROCKER__E(EACCES) ROCKER__E(EFAULT) ROCKER__E(ENOTBLK) ROCKER__E(EBUSY)
    ROCKER__E(EEXIST) ROCKER__E(EXDEV) ROCKER__E(ENODEV) ROCKER__E(ENOTDIR)
    ROCKER__E(EISDIR) ROCKER__E(EINVAL) ROCKER__E(ENFILE) ROCKER__E(EMFILE)
    ROCKER__E(ENOTTY) ROCKER__E(ETXTBSY) ROCKER__E(EFBIG) ROCKER__E(ENOSPC)
    ROCKER__E(ESPIPE) ROCKER__E(EROFS) ROCKER__E(EMLINK) ROCKER__E(EPIPE)
    ROCKER__E(EDOM) ROCKER__E(ERANGE) ROCKER__E(EDEADLK)
    ROCKER__E(ENAMETOOLONG) ROCKER__E(ENOSYS) ROCKER__E(ENOTEMPTY)
    ROCKER__E(ELOOP) ROCKER__E(EOVERFLOW) ROCKER__E(EBADMSG)
    ROCKER__E(ENOTSOCK) ROCKER__E(EMSGSIZE) ROCKER__E(EPROTO)
    ROCKER__E(EOPNOTSUPP) ROCKER__E(EADDRINUSE) ROCKER__E(ENOBUFS)
    ROCKER__E(ECONNREFUSED) ROCKER__E(ECONNRESET) ROCKER__E(ETIMEDOUT)
    ROCKER__E(ENOTCONN) ROCKER__E(EISCONN) ROCKER__E(ESTALE)
    ROCKER__E(ECANCELED)
    default: return "E?";
    }
#undef ROCKER__E
}

/* ------------------------------------------------------------------------ */
/* Private helpers                                                          */
/* ------------------------------------------------------------------------ */

/* bounded string builder: always NUL-terminated when cap > 0 */
struct rocker__sb { char *p; size_t cap, len; };

ROCKER_API void rocker__sb_s(struct rocker__sb *b, const char *s)
{
    while (*s) {
        if (b->len + 1 < b->cap)
            b->p[b->len] = *s;
        b->len++;
        s++;
    }
    if (b->cap)
        b->p[b->len + 1 < b->cap ? b->len : b->cap - 1] = '\0';
}

ROCKER_API void rocker__sb_i(struct rocker__sb *b, long v)
{
    char t[24];
    int i = (int)sizeof t - 1;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    t[i] = '\0';
    do { t[--i] = (char)('0' + (int)(u % 10)); u /= 10; } while (u);
    if (v < 0)
        t[--i] = '-';
    rocker__sb_s(b, t + i);
}

ROCKER_API RockerResult rocker__res(int err, int sys_errno, int step)
{
    RockerResult r;
    memset(&r, 0, sizeof r);
    r.err_no = (ROCKER_ERR)err;
    r.sys_errno = sys_errno;
    r.step = step;
    return r;
}

ROCKER_API void rocker__close(int fd)
{
    if (fd >= 0) {
        int saved = errno;
        (void)close(fd); /* never retry close(): the fd is gone either way */
        errno = saved;
    }
}

ROCKER_API void rocker__close_all(int *fds, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        rocker__close(fds[i]);
        fds[i] = -1;
    }
}

/* Formats `ROCKER_ERR_pkg_not_squashfs: EINVAL (22) at pkg_check` into buf
 * (truncated, always NUL-terminated when n > 0) and returns buf.
 */
ROCKER_API const char *ROCKER_strerror_r(const RockerResult *r, char *buf, size_t n)
{
    struct rocker__sb b;
    const char *name;
    b.p = buf;
    b.cap = n;
    b.len = 0;
    if (n)
        buf[0] = '\0';
    if (!r)
        return buf;
    name = ROCKER_err_name((int)r->err_no);
    rocker__sb_s(&b, name);
    if (name[11] == '?') {                       /* "ROCKER_ERR_?" */
        rocker__sb_s(&b, " (");
        rocker__sb_i(&b, (long)r->err_no);
        rocker__sb_s(&b, ")");
    }
    if (r->sys_errno) {
        rocker__sb_s(&b, ": ");
        rocker__sb_s(&b, ROCKER_errno_name(r->sys_errno));
        rocker__sb_s(&b, " (");
        rocker__sb_i(&b, r->sys_errno);
        rocker__sb_s(&b, ")");
    }
    if (r->step) {
        name = ROCKER_step_name(r->step);
        rocker__sb_s(&b, " at ");
        if (name[0] == '?') {
            rocker__sb_s(&b, "step ");
            rocker__sb_i(&b, r->step);
        } else {
            rocker__sb_s(&b, name);
        }
    }
    if (r->err_no == ROCKER_ERR_overlay_invalid || r->step == ROCKER_STEP_mkdir_layer ||
        r->step == ROCKER_STEP_mount_overlay) {
        rocker__sb_s(&b, " (overlay ");
        rocker__sb_i(&b, r->index);
        rocker__sb_s(&b, ")");
    }
    return buf;
}

/* Copies an absolute path into a fixed wire field; 0 or a filled *r. */
ROCKER_API int rocker__put_path(char *dst, size_t cap, const char *src, int index,
                                RockerResult *r)
{
    size_t len = 0;
    if (!src) {
        *r = rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate);
    } else if (!src[0]) {
        *r = rocker__res(ROCKER_ERR_path_invalid, EINVAL, ROCKER_STEP_validate);
    } else if (src[0] != '/') {
        *r = rocker__res(ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate);
    } else {
        while (len < cap && src[len])
            len++;
        if (len >= cap) {
            *r = rocker__res(ROCKER_ERR_path_too_long, ENAMETOOLONG, ROCKER_STEP_validate);
        } else {
            memcpy(dst, src, len); /* the rest of the field stays zero */
            return 0;
        }
    }
    r->index = index;
    return -1;
}

ROCKER_API void rocker__hdr(struct rocker_hdr *h, unsigned kind, unsigned size)
{
    h->magic = ROCKER_MAGIC;
    h->version = ROCKER_PROTO_VERSION;
    h->kind = (uint16_t)kind;
    h->size = (uint32_t)size;
    h->flags = 0;
}

/* Connects to $ROCKER_SOCKET or the default path. fd, or -1 and *r filled. */
ROCKER_API int rocker__connect(RockerResult *r)
{
    struct sockaddr_un sa;
    struct timeval tv;
    const char *path = getenv(ROCKER_SOCKET_ENV);
    size_t len;
    int fd, rc;

    if (!path || !path[0])
        path = ROCKER_DEFAULT_SOCKET;
    len = strlen(path);
    memset(&sa, 0, sizeof sa);
    if (len >= sizeof sa.sun_path) {
        *r = rocker__res(ROCKER_ERR_server_unaddr_invalid, ENAMETOOLONG, ROCKER_STEP_connect);
        return -1;
    }
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, len);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *r = rocker__res(ROCKER_ERR_sys, errno, ROCKER_STEP_connect);
        return -1;
    }
    /* A master that stops accepting (full backlog) or reading must not hang
     * us: bound connect() and sendmsg() too (they then fail with EAGAIN). */
    tv.tv_sec = ROCKER_REPLY_TIMEOUT_MS / 1000;
    tv.tv_usec = (ROCKER_REPLY_TIMEOUT_MS % 1000) * 1000;
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    do {
        rc = connect(fd, (const struct sockaddr *)(const void *)&sa,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        int e = errno;
        *r = rocker__res((e == ENOENT || e == ECONNREFUSED) ? ROCKER_ERR_no_server
                         : e == EAGAIN                      ? ROCKER_ERR_busy
                                                            : ROCKER_ERR_sys,
                         e, ROCKER_STEP_connect);
        rocker__close(fd);
        return -1;
    }
    return fd;
}

/* One datagram, optionally with one fd.  0, or -1 and errno. */
ROCKER_API int rocker__send(int sock, const void *buf, size_t len, int fd, int flags)
{
    struct msghdr m;
    struct iovec iov;
    union { struct cmsghdr align; unsigned char b[CMSG_SPACE(sizeof(int))]; } ctl;
    ssize_t n;

    memset(&m, 0, sizeof m);
    memset(&ctl, 0, sizeof ctl);
    iov.iov_base = (void *)(uintptr_t)buf;
    iov.iov_len = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (fd >= 0) {
        struct cmsghdr *c;
        m.msg_control = ctl.b;
        m.msg_controllen = CMSG_SPACE(sizeof(int));
        c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    do {
        n = sendmsg(sock, &m, MSG_NOSIGNAL | flags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if ((size_t)n != len) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

/* Waits (bounded) for one datagram, scattering it over iov.  Every received
 * fd is stored in fds[0..max) and counted in *nfds; fds beyond max are closed
 * at once (so *nfds can exceed max: the caller must treat that as an error).
 * Returns the datagram length with *truncated set, or -1 with *r filled. */
ROCKER_API ssize_t rocker__recv(int sock, struct iovec *iov, int iovcnt, int *fds,
                                int max, int *nfds, int *truncated, RockerResult *r)
{
    struct msghdr m;
    struct pollfd p;
    union {
        struct cmsghdr align;
        unsigned char b[CMSG_SPACE(8 * sizeof(int))];
    } ctl;
    unsigned char *cp;
    size_t left;
    ssize_t n;
    int rc;

    *nfds = 0;
    *truncated = 0;
    p.fd = sock;
    p.events = POLLIN;
    p.revents = 0;
    do {
        rc = poll(&p, 1, ROCKER_REPLY_TIMEOUT_MS);
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0) {
        *r = rocker__res(ROCKER_ERR_recv_resp_failed, rc ? errno : ETIMEDOUT,
                         rc ? ROCKER_STEP_recv : ROCKER_STEP_guard_timeout);
        return -1;
    }
    memset(&m, 0, sizeof m);
    memset(&ctl, 0, sizeof ctl);
    m.msg_iov = iov;
    m.msg_iovlen = iovcnt;
    m.msg_control = ctl.b;
    m.msg_controllen = sizeof ctl.b;
    do {
        n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    /* A master that closes without reading our request (its table is full)
     * leaves ECONNRESET pending ahead of the reply it queued: the error is
     * reported once, then the reply can be read. */
    if (n < 0 && errno == ECONNRESET)
        n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
        *r = rocker__res(ROCKER_ERR_recv_resp_failed, errno == EAGAIN ? ECONNRESET : errno, ROCKER_STEP_recv);
        return -1;
    }
    /* Walk every cmsg by hand (no CMSG_NXTHDR: musl's trips -Wsign-compare). */
    cp = (unsigned char *)m.msg_control;
    left = (m.msg_control && m.msg_controllen) ? (size_t)m.msg_controllen : 0;
    while (left >= sizeof(struct cmsghdr)) {
        struct cmsghdr *c = (struct cmsghdr *)(void *)cp;
        size_t clen = (size_t)c->cmsg_len, step;
        if (clen < sizeof(struct cmsghdr) || clen > left)
            break;
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t i, cnt = (clen - (size_t)CMSG_LEN(0)) / sizeof(int);
            for (i = 0; i < cnt; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                if (*nfds < max)
                    fds[*nfds] = fd;
                else
                    rocker__close(fd);
                (*nfds)++;
            }
        }
        step = (clen + sizeof(long) - 1) & ~(sizeof(long) - 1);
        if (step >= left)
            break;
        cp += step;
        left -= step;
    }
    if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        *truncated = 1;
    if (n == 0) { /* SEQPACKET: orderly shutdown by the master */
        rocker__close_all(fds, *nfds < max ? *nfds : max);
        *r = rocker__res(ROCKER_ERR_recv_resp_failed, ECONNRESET, ROCKER_STEP_recv);
        return -1;
    }
    return n;
}

ROCKER_API int rocker__hdr_ok(const struct rocker_hdr *h, unsigned kind, size_t len)
{
    return h->magic == ROCKER_MAGIC && h->version == ROCKER_PROTO_VERSION &&
           h->kind == kind && h->size == len && h->flags == 0;
}

/* fixed char[N]: has a NUL, and only NULs after it */
ROCKER_API int rocker__str_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i])
        i++;
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (s[i])
            return 0;
    return 1;
}

/* Decodes a RUN reply (also used for an error answer to LIST). 0 or -1. */
ROCKER_API int rocker__decode_rep_run(const struct rocker_rep_run *rep, size_t len,
                                      RockerResult *r)
{
    if (len != ROCKER_REP_RUN_SIZE ||
        !rocker__hdr_ok(&rep->hdr, ROCKER_KIND_RUN_REPLY, len) || rep->reserved ||
        !rocker__str_ok(rep->guard_pname, sizeof rep->guard_pname) ||
        rep->err < ROCKER_ERR_unknown || rep->sys_errno < 0) {
        *r = rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
        return -1;
    }
    if (rep->err != ROCKER_ERR_success) {
        *r = rocker__res(rep->err, rep->sys_errno, rep->step);
        r->index = rep->index;
        return 0;
    }
    if (rep->guard_pid <= 0 || !rep->guard_pname[0] || rep->n_fds != ROCKER_RUN_NFDS ||
        rep->sys_errno || rep->step || rep->index) {
        *r = rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
        return -1;
    }
    *r = rocker__res(ROCKER_ERR_success, 0, ROCKER_STEP_none);
    r->guard_pid = rep->guard_pid;
    memcpy(r->guard_pname, rep->guard_pname, sizeof r->guard_pname);
    return 0;
}

/* The master may refuse a connection before reading from it (its table is
 * full): it queues a RUN-shaped error reply and closes, so our send fails
 * with EPIPE.  Prefer that reply, if there is one, to a bare send error. */
ROCKER_API RockerResult rocker__send_failed(int sock, int e)
{
    struct rocker_rep_run rep;
    RockerResult r;
    ssize_t n;
    memset(&rep, 0, sizeof rep);
    n = recv(sock, &rep, sizeof rep, MSG_DONTWAIT);
    if (n == (ssize_t)sizeof rep && rocker__decode_rep_run(&rep, (size_t)n, &r) == 0 &&
        r.err_no != ROCKER_ERR_success)
        return r;
    return rocker__res(ROCKER_ERR_send_req_failed, e, ROCKER_STEP_send);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

/* A blank request: uid = gid = 65534 (nobody), app_id 0, no paths, flags 0. */
ROCKER_API RockerRequest ROCKER_request_new(void)
{
    RockerRequest q;
    int i;
    memset(&q, 0, sizeof q);
    q.app_pkg_path = NULL; /* not assuming all-zero bits == NULL */
    q.app_exec_dir = NULL;
    q.app_data_dir = NULL;
    for (i = 0; i < ROCKER_MAX_OVERLAYS; i++)
        q.app_overlay_dirs[i] = NULL;
    q.app_id = 0;
    q.uid = 65534;
    q.gid = 65534;
    q.run_flags = 0;
    return q;
}

/* The comm of PID, read between the first '(' and the LAST ')' of
 * /proc/PID/stat (a comm may itself contain ')' and spaces).  On success
 * guard_pid = pid and guard_pname = the name; on failure
 * ROCKER_ERR_get_guardname_failed with sys_errno (ESRCH: no such process).
 */
ROCKER_API RockerResult ROCKER_get_guardname(int pid)
{
    char path[32], buf[128];
    struct rocker__sb b;
    RockerResult r;
    ssize_t n;
    int fd, i, open_at = -1, close_at = -1;

    if (pid <= 0)
        return rocker__res(ROCKER_ERR_get_guardname_failed, ESRCH, ROCKER_STEP_none);
    b.p = path;
    b.cap = sizeof path;
    b.len = 0;
    rocker__sb_s(&b, "/proc/");
    rocker__sb_i(&b, pid);
    rocker__sb_s(&b, "/stat");
    fd = open(path, O_RDONLY | ROCKER__O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return rocker__res(ROCKER_ERR_get_guardname_failed, e == ENOENT ? ESRCH : e,
                           ROCKER_STEP_none);
    }
    /* "pid (comm) S ..." with comm <= 15 bytes fits in one short read; any
     * prefix holding the real ')' works, as no later field contains ')'. */
    do {
        n = read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        rocker__close(fd);
        return rocker__res(ROCKER_ERR_get_guardname_failed, e, ROCKER_STEP_none);
    }
    rocker__close(fd);
    for (i = 0; i < (int)n; i++) {
        if (buf[i] == '(' && open_at < 0)
            open_at = i;
        if (buf[i] == ')')
            close_at = i;
    }
    if (open_at < 0 || close_at <= open_at || close_at - open_at - 1 >= ROCKER_PNAME_LEN)
        return rocker__res(ROCKER_ERR_get_guardname_failed, EPROTO, ROCKER_STEP_none);
    r = rocker__res(ROCKER_ERR_success, 0, ROCKER_STEP_none);
    r.guard_pid = pid;
    memcpy(r.guard_pname, buf + open_at + 1, (size_t)(close_at - open_at - 1));
    return r;
}

/* helper -> caller report through the pipe */
struct rocker__report {
    int32_t err, sys_errno, step, app_pid;
};

ROCKER_API void rocker__report_exit(int wfd, int err, int e, int step, int app_pid)
{
    struct rocker__report rep;
    ssize_t n;
    rep.err = err;
    rep.sys_errno = e;
    rep.step = step;
    rep.app_pid = app_pid;
    do {
        n = write(wfd, &rep, sizeof rep); /* < PIPE_BUF: atomic */
    } while (n < 0 && errno == EINTR);
    _exit(err ? 1 : 0);
}

/* The forked helper: joins the guard's namespaces, becomes uid/gid, drops all
 * capabilities, clones the App as the caller's child, registers its pidfd
 * with the guard over ctl, reports and exits.  Never returns. */
ROCKER_API void rocker__helper(const int ns[ROCKER_RUN_NFDS], int wfd, uid_t uid, gid_t gid,
                               int (*app)(void *), void *app_args)
{
    struct { uint32_t version; int pid; } caphdr;
    struct { uint32_t effective, permitted, inheritable; } capdata[2];
    struct rocker_hdr reg;
    int use_pidfd = 1, pidfd = -1, e;
    long pid;

    if (rocker__syscall(SYS_setns, (long)ns[0], ROCKER__CLONE_NEWNS) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_setns_mnt, 0);
    if (rocker__syscall(SYS_setns, (long)ns[1], ROCKER__CLONE_NEWPID) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_setns_pid, 0);
    if (rocker__setgroups(0, NULL) < 0) /* still in the initial userns */
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_drop_groups, 0);
    if (rocker__syscall(SYS_setns, (long)ns[2], ROCKER__CLONE_NEWUSER) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_setns_user, 0);
    if (rocker__setresgid(gid, gid, gid) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_setresgid, 0);
    if (rocker__setresuid(uid, uid, uid) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_setresuid, 0);
    /* setns(user) granted a full capability set and host root is unmapped
     * there, so setresuid() did not clear it: drop everything explicitly. */
    memset(&capdata, 0, sizeof capdata);
    caphdr.version = ROCKER__CAP_VERSION_3;
    caphdr.pid = 0;
    if (rocker__syscall(SYS_capset, &caphdr, capdata) < 0)
        rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, errno, ROCKER_STEP_drop_caps, 0);

#ifdef ROCKER_NO_CLONE_PIDFD
    use_pidfd = 0;
#else
    /* Probe: kernels < 5.2 silently IGNORE the unknown CLONE_PIDFD bit, and
     * the App must know before it starts whether it has to keep ctl open. */
    {
        long probe = rocker__syscall(ROCKER__NR_pidfd_open, (long)getpid(), 0L);
        if (probe < 0)
            use_pidfd = 0;
        else
            rocker__close((int)probe);
    }
#endif
    for (;;) {
        /* args 4/5 (child_tid, tls: their order differs per arch) are 0;
         * stack 0 = fork-like copy of our stack. */
        pid = rocker__syscall(SYS_clone,
                              ROCKER__CLONE_PARENT | (use_pidfd ? ROCKER__CLONE_PIDFD : 0L) |
                                  (long)SIGCHLD,
                              0L, &pidfd, 0L, 0L);
        if (pid < 0 && errno == EINVAL && use_pidfd) {
            use_pidfd = 0; /* kernel < 5.2 that rejects the flag */
            continue;
        }
        break;
    }
    if (pid < 0)
        rocker__report_exit(wfd, ROCKER_ERR_app_exec_failed, errno, ROCKER_STEP_clone_app, 0);
    if (pid == 0) {
        /* The App: a child of the caller, in the sandbox's namespaces. */
        rocker__close(ns[0]);
        rocker__close(ns[1]);
        rocker__close(ns[2]);
        if (use_pidfd) {
            rocker__close(ns[3]);
        } else if (fcntl(ns[3], F_SETFD, 0) < 0) {
            /* No pidfd: ctl keeps the guard alive as long as the App (and
             * whatever it execs) holds it, so it must survive exec. */
            _exit(127);
        }
        rocker__close(wfd);
        _exit(app(app_args));
    }
    if (use_pidfd) {
        if (pidfd < 0) {
            e = EBADF; /* flag ignored by the kernel despite the probe */
        } else {
            rocker__hdr(&reg, ROCKER_KIND_REGISTER, ROCKER_REGISTER_SIZE);
            e = rocker__send(ns[3], &reg, sizeof reg, pidfd, MSG_DONTWAIT) < 0 ? errno : 0;
            rocker__close(pidfd);
        }
        if (e)
            rocker__report_exit(wfd, ROCKER_ERR_enter_rocker_failed, e,
                                ROCKER_STEP_register_app, (int)pid);
    }
    rocker__report_exit(wfd, ROCKER_ERR_success, 0, ROCKER_STEP_none, (int)pid);
}

/* Asks rocker-master for a sandbox and starts app(app_args) in it as the
 * caller's child (PROTOCOL.md "Flow" 1 and 5).  On success app_pid,
 * guard_pid and guard_pname are set; otherwise err_no/sys_errno/step/index
 * say what failed and where.  No fd is left open in the caller either way.
 */
ROCKER_API RockerResult ROCKER_enter_rocker(RockerRequest *req, int (*app)(void *), void *app_args)
{
    struct rocker_req_run msg;
    struct rocker_rep_run rep;
    struct rocker__report hr;
    struct iovec iov;
    RockerResult r;
    int fds[ROCKER_RUN_NFDS] = { -1, -1, -1, -1 };
    int pipefd[2] = { -1, -1 };
    int sock = -1, pkg = -1, nfds = 0, trunc = 0, i, status;
    ssize_t n;
    size_t got;
    pid_t helper, w;

    /* 1. client-side validation */
    if (!req || !app)
        return rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate);
    if (req->app_id < 0 || req->uid < 1 || req->uid > 0x7ffffffe || req->gid < 1 ||
        req->gid > 0x7ffffffe || (req->run_flags & ~ROCKER_RUN_FLAGS_ALL))
        return rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate);
    memset(&msg, 0, sizeof msg);
    rocker__hdr(&msg.hdr, ROCKER_KIND_RUN, ROCKER_REQ_RUN_SIZE);
    msg.app_id = req->app_id;
    msg.uid = (uint32_t)req->uid;
    msg.gid = (uint32_t)req->gid;
    msg.run_flags = req->run_flags;
    if (rocker__put_path(msg.pkg, sizeof msg.pkg, req->app_pkg_path, 0, &r) ||
        rocker__put_path(msg.exec_dir, sizeof msg.exec_dir, req->app_exec_dir, 0, &r) ||
        rocker__put_path(msg.data_dir, sizeof msg.data_dir, req->app_data_dir, 0, &r))
        return r;
    for (i = 0; i < ROCKER_MAX_OVERLAYS && req->app_overlay_dirs[i]; i++)
        if (rocker__put_path(msg.overlay[i], ROCKER_OVERLAY_LEN, req->app_overlay_dirs[i], i, &r))
            return r;
    msg.n_overlay = (uint32_t)i;
    for (; i < ROCKER_MAX_OVERLAYS; i++) {
        if (req->app_overlay_dirs[i]) { /* a gap in the NULL-terminated list */
            r = rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate);
            r.index = i;
            return r;
        }
    }

    /* 1. open the package with the caller's own rights */
    do {
        pkg = open(req->app_pkg_path, O_RDONLY | ROCKER__O_CLOEXEC);
    } while (pkg < 0 && errno == EINTR);
    if (pkg < 0) {
        int e = errno;
        return rocker__res(e == ENOENT ? ROCKER_ERR_pkg_missing : ROCKER_ERR_sys, e,
                           ROCKER_STEP_open_pkg);
    }

    /* 1. connect, send RUN + the package fd */
    sock = rocker__connect(&r);
    if (sock < 0) {
        rocker__close(pkg);
        return r;
    }
    if (rocker__send(sock, &msg, sizeof msg, pkg, 0) < 0) {
        r = rocker__send_failed(sock, errno);
        rocker__close(pkg);
        rocker__close(sock);
        return r;
    }
    rocker__close(pkg);

    /* 4. the reply, with mnt, pid, user ns and ctl on success */
    memset(&rep, 0, sizeof rep);
    iov.iov_base = &rep;
    iov.iov_len = sizeof rep;
    n = rocker__recv(sock, &iov, 1, fds, ROCKER_RUN_NFDS, &nfds, &trunc, &r);
    rocker__close(sock);
    if (n < 0)
        return r;
    if (trunc || nfds > ROCKER_RUN_NFDS) {
        r = rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
    } else if (rocker__decode_rep_run(&rep, (size_t)n, &r) == 0 && r.err_no == ROCKER_ERR_success &&
               nfds != ROCKER_RUN_NFDS) {
        r = rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
    }
    if (r.err_no != ROCKER_ERR_success) {
        rocker__close_all(fds, nfds < ROCKER_RUN_NFDS ? nfds : ROCKER_RUN_NFDS);
        return r;
    }

    /* 5. fork the helper */
    if (rocker__pipe2(pipefd, ROCKER__O_CLOEXEC) < 0) {
        RockerResult e = rocker__res(ROCKER_ERR_sys, errno, ROCKER_STEP_fork_helper);
        rocker__close_all(fds, ROCKER_RUN_NFDS);
        return e;
    }
    helper = fork();
    if (helper < 0) {
        RockerResult e = rocker__res(ROCKER_ERR_sys, errno, ROCKER_STEP_fork_helper);
        rocker__close_all(fds, ROCKER_RUN_NFDS);
        rocker__close_all(pipefd, 2);
        return e;
    }
    if (helper == 0) {
        rocker__close(pipefd[0]);
        rocker__helper(fds, pipefd[1], (uid_t)req->uid, (gid_t)req->gid, app, app_args);
        _exit(127); /* not reached */
    }
    rocker__close(pipefd[1]);
    got = 0;
    memset(&hr, 0, sizeof hr);
    while (got < sizeof hr) {
        n = read(pipefd[0], (char *)&hr + got, sizeof hr - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    rocker__close(pipefd[0]);
    do {
        w = waitpid(helper, &status, 0); /* this pid only: never reap anything else */
    } while (w < 0 && errno == EINTR);
    rocker__close_all(fds, ROCKER_RUN_NFDS);

    if (got != sizeof hr) {
        /* the helper died before it reported */
        r = rocker__res(ROCKER_ERR_enter_rocker_failed, EPIPE, ROCKER_STEP_fork_helper);
        return r;
    }
    if (hr.err != ROCKER_ERR_success) {
        RockerResult e = rocker__res(hr.err, hr.sys_errno, hr.step);
        if (hr.app_pid > 0) {
            /* The App started but the guard does not know it: the guard exits
             * and takes the App with it.  Reap our child. */
            (void)rocker__kill((pid_t)hr.app_pid, SIGKILL);
            do {
                w = waitpid((pid_t)hr.app_pid, &status, 0);
            } while (w < 0 && errno == EINTR);
        }
        e.guard_pid = r.guard_pid;
        memcpy(e.guard_pname, r.guard_pname, sizeof e.guard_pname);
        return e;
    }
    r.app_pid = hr.app_pid;
    return r;
}

/* Private: one LIST round trip into entries[0..max). */
ROCKER_API RockerResult rocker__list(struct rocker_list_entry *entries, int max, int *count)
{
    struct rocker_hdr q;
    struct rocker_rep_list head;
    struct iovec iov[2];
    RockerResult r;
    int fds[1], nfds = 0, trunc = 0, sock;
    ssize_t n;

    rocker__hdr(&q, ROCKER_KIND_LIST, ROCKER_REQ_LIST_SIZE);
    sock = rocker__connect(&r);
    if (sock < 0)
        return r;
    if (rocker__send(sock, &q, sizeof q, -1, 0) < 0) {
        r = rocker__send_failed(sock, errno);
        rocker__close(sock);
        return r;
    }
    memset(&head, 0, sizeof head);
    iov[0].iov_base = &head;
    iov[0].iov_len = sizeof head;
    iov[1].iov_base = entries;
    iov[1].iov_len = (size_t)max * sizeof *entries;
    n = rocker__recv(sock, iov, 2, fds, 0, &nfds, &trunc, &r);
    rocker__close(sock);
    if (n < 0)
        return r;
    if (nfds || trunc || (size_t)n < sizeof head) {
        return rocker__res(ROCKER_ERR_recv_resp_failed, trunc ? EMSGSIZE : EPROTO,
                           ROCKER_STEP_recv);
    }
    if (head.hdr.kind == ROCKER_KIND_RUN_REPLY && (size_t)n == ROCKER_REP_RUN_SIZE) {
        /* the master refused LIST with a RUN-reply-shaped error */
        struct rocker_rep_run rep;
        memcpy(&rep, &head, sizeof head);
        memcpy((char *)&rep + sizeof head, entries, sizeof rep - sizeof head);
        if (rocker__decode_rep_run(&rep, (size_t)n, &r) == 0 && r.err_no == ROCKER_ERR_success)
            r = rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
        return r;
    }
    if (!rocker__hdr_ok(&head.hdr, ROCKER_KIND_LIST_REPLY, (size_t)n) || head.reserved ||
        head.count > ROCKER_MAX_SANDBOXES ||
        (size_t)n != sizeof head + (size_t)head.count * sizeof *entries)
        return rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
    *count = (int)head.count;
    return rocker__res(ROCKER_ERR_success, 0, ROCKER_STEP_none);
}

/* Lists the running sandboxes: fills entries[0..*count).  max should be
 * ROCKER_MAX_SANDBOXES (a longer answer fails with recv_resp_failed/EMSGSIZE).
 */
ROCKER_API RockerResult ROCKER_list(struct rocker_list_entry *entries, int max, int *count)
{
    int i;
    if (!entries || !count || max < 1)
        return rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate);
    *count = 0;
    if (max > ROCKER_MAX_SANDBOXES)
        max = ROCKER_MAX_SANDBOXES;
    {
        RockerResult r = rocker__list(entries, max, count);
        if (r.err_no != ROCKER_ERR_success)
            return r;
        for (i = 0; i < *count; i++) {
            if (entries[i].reserved ||
                !rocker__str_ok(entries[i].guard_pname, sizeof entries[i].guard_pname) ||
                !rocker__str_ok(entries[i].pkg, sizeof entries[i].pkg)) {
                *count = 0;
                return rocker__res(ROCKER_ERR_recv_resp_failed, EPROTO, ROCKER_STEP_recv);
            }
        }
        return r;
    }
}

/* Sends sig to the guard only if it still is the guard named guard_pname
 * (pid reuse check).  Uses a pidfd where the kernel has one (5.3+: the name
 * is re-checked after pidfd_open, so the signal cannot hit a recycled pid),
 * else kill().  Errors: get_guardname_failed (ESRCH: gone or renamed), or
 * ROCKER_ERR_sys with the errno of the signal call.
 */
ROCKER_API RockerResult ROCKER_kill_guard(int guard_pid, const char *guard_pname, int sig)
{
    RockerResult r;
    long pidfd, rc = -1;

    if (guard_pid <= 0 || !guard_pname || !guard_pname[0])
        return rocker__res(ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_none);
    pidfd = rocker__syscall(ROCKER__NR_pidfd_open, (long)guard_pid, 0L);
    if (pidfd < 0 && errno != ENOSYS)
        return rocker__res(ROCKER_ERR_get_guardname_failed, errno, ROCKER_STEP_none);
    r = ROCKER_get_guardname(guard_pid);
    if (r.err_no == ROCKER_ERR_success &&
        strncmp(r.guard_pname, guard_pname, sizeof r.guard_pname) != 0)
        r = rocker__res(ROCKER_ERR_get_guardname_failed, ESRCH, ROCKER_STEP_none);
    if (r.err_no == ROCKER_ERR_success) {
        if (pidfd >= 0)
            rc = rocker__syscall(ROCKER__NR_pidfd_send_signal, pidfd, (long)sig, 0L, 0L);
        if (pidfd < 0 || (rc < 0 && errno == ENOSYS))
            rc = rocker__kill((pid_t)guard_pid, sig);
        if (rc < 0)
            r = rocker__res(ROCKER_ERR_sys, errno, ROCKER_STEP_none);
    }
    if (pidfd >= 0)
        rocker__close((int)pidfd);
    r.guard_pid = guard_pid;
    return r;
}

#ifdef __cplusplus
}
#endif

#endif /* ROCKER_H */
