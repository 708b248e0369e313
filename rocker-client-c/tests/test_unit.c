/* test_unit.c -- unit tests for the parts of rocker.h that need no server:
 * codes (the seed mapping), names, steps and ops, messages, the reply's frame
 * (rocker__decode_rep_run), each recipe op on its own (rocker__op, in a
 * child), ROCKER_get_guardname, request defaults, client-side validation,
 * no-server errors, ROCKER_kill_guard's name check, and fd leaks.  Root adds
 * the privileged ops' success cases; nothing needs it. */
#define _GNU_SOURCE 1
#include "rocker.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

static int app_noop(void *arg)
{
    (void)arg;
    return 0;
}

static const char *self_base = "";
static char long_path[ROCKER_PATH_MAX + 8];
static char ov_long[ROCKER_OVERLAY_LEN + 8];

static RockerRequest good_req(void)
{
    RockerRequest q = ROCKER_request_new();
    q.uid = q.gid = 1000;
    q.app_pkg_path = (char *)"/nonexistent/rocker-test/app.sqfs";
    q.app_exec_dir = (char *)"/var/app/exec";
    q.app_data_dir = (char *)"/tmp/app-data";
    q.app_overlay_dirs[0] = (char *)"/var";
    q.app_overlay_dirs[1] = (char *)"/etc";
    return q;
}

/* reason, errno and step as given, and err_no the reason's seed code */
static int res_is(RockerResult r, int reason, int e, int step)
{
    return r.reason == reason && (int)r.err_no == ROCKER_seed_code(reason) && r.sys_errno == e &&
           r.step == step;
}

static void show(const char *what, RockerResult r)
{
    char b[160], line[256];
    snprintf(line, sizeof line, "%s -> %s", what, ROCKER_strerror_r(&r, b, sizeof b));
    diag(line);
}

/* ---- numbers and names ----------------------------------------------------- */

static void test_names(void)
{
    static const char *const errs[] = {
        "unknown", "success", "sys", "param_invalid", "server_unaddr_invalid",
        "gen_local_addr_failed", "send_req_failed", "recv_resp_failed",
        "build_rocker_failed", "enter_rocker_failed", "app_exec_failed",
        "get_guardname_failed", "no_server", "pkg_missing", "pkg_not_squashfs",
        "path_relative", "path_too_long", "path_invalid", "overlay_invalid",
        "bad_message", "permission_denied", "busy", "no_loop_device",
        "data_dir_invalid", "exec_dir_invalid", "id_map_failed", "unsupported",
        "isolation_invalid", "net_failed", "limit_invalid", "limit_unsupported",
        "cgroup_failed", "seccomp_invalid", "root_invalid", "bind_invalid"
    };
    static const struct { int e; const char *name; } errnos[] = {
#define E(x) { x, #x }
        E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
        E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
        E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
        E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY),
        E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
        E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS),
        E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW), E(EBADMSG), E(ENOTSOCK),
        E(EMSGSIZE), E(EPROTO), E(EOPNOTSUPP), E(EADDRINUSE), E(ENOBUFS),
        E(ECONNREFUSED), E(ECONNRESET), E(ETIMEDOUT), E(ENOTCONN), E(EISCONN),
        E(ESTALE), E(ECANCELED)
#undef E
    };
    int i, bad = 0;
    char want[64];

    /* enum values: seed order, then PROTOCOL.md's numbers */
    ok(ROCKER_ERR_unknown == -1 && ROCKER_ERR_success == 0 && ROCKER_ERR_sys == 1 &&
       ROCKER_ERR_param_invalid == 2 && ROCKER_ERR_server_unaddr_invalid == 3 &&
       ROCKER_ERR_gen_local_addr_failed == 4 && ROCKER_ERR_send_req_failed == 5 &&
       ROCKER_ERR_recv_resp_failed == 6 && ROCKER_ERR_build_rocker_failed == 7 &&
       ROCKER_ERR_enter_rocker_failed == 8 && ROCKER_ERR_app_exec_failed == 9 &&
       ROCKER_ERR_get_guardname_failed == 10 && ROCKER_ERR_SEED_MAX == 10,
       "seed error codes keep the seed's values (-1..10), ROCKER_ERR_SEED_MAX 10");
    ok(ROCKER_ERR_no_server == 11 && ROCKER_ERR_pkg_missing == 12 &&
       ROCKER_ERR_pkg_not_squashfs == 13 && ROCKER_ERR_path_relative == 14 &&
       ROCKER_ERR_path_too_long == 15 && ROCKER_ERR_path_invalid == 16 &&
       ROCKER_ERR_overlay_invalid == 17 && ROCKER_ERR_bad_message == 18 &&
       ROCKER_ERR_permission_denied == 19 && ROCKER_ERR_busy == 20 &&
       ROCKER_ERR_no_loop_device == 21 && ROCKER_ERR_data_dir_invalid == 22 &&
       ROCKER_ERR_exec_dir_invalid == 23 && ROCKER_ERR_id_map_failed == 24 &&
       ROCKER_ERR_unsupported == 25 && ROCKER_ERR_isolation_invalid == 26 &&
       ROCKER_ERR_net_failed == 27 && ROCKER_ERR_limit_invalid == 28 &&
       ROCKER_ERR_bind_invalid == 33 && ROCKER_ERR_MAX == 33,
       "reasons 11..33 have PROTOCOL.md's numbers, ROCKER_ERR_MAX 33");
    ok(sizeof(RockerResult) == 44 && offsetof(RockerResult, guard_pname) == 12 &&
       offsetof(RockerResult, sys_errno) == 28 && offsetof(RockerResult, step) == 32 &&
       offsetof(RockerResult, index) == 36 && offsetof(RockerResult, reason) == 40,
       "RockerResult: the seed's fields first, sys_errno/step/index/reason appended (%u bytes)",
       (unsigned)sizeof(RockerResult));

    for (i = -1; i <= ROCKER_ERR_MAX; i++) {
        snprintf(want, sizeof want, "ROCKER_ERR_%s", errs[i + 1]);
        if (strcmp(ROCKER_err_name(i), want) != 0) {
            bad++;
            printf("# err %d: got %s want %s\n", i, ROCKER_err_name(i), want);
        }
    }
    ok(!bad && (int)(sizeof errs / sizeof errs[0]) == ROCKER_ERR_MAX + 2,
       "ROCKER_err_name for all %d codes", ROCKER_ERR_MAX + 2);
    ok(!strcmp(ROCKER_err_name(-2), "ROCKER_ERR_?") && !strcmp(ROCKER_err_name(34), "ROCKER_ERR_?") &&
       !strcmp(ROCKER_err_name(1 << 30), "ROCKER_ERR_?") &&
       !strcmp(ROCKER_err_name(-2147483647 - 1), "ROCKER_ERR_?"),
       "ROCKER_err_name out of range (-2, 34, 2^30, INT_MIN) -> ROCKER_ERR_?");

    bad = 0;
    for (i = 0; i < (int)(sizeof errnos / sizeof errnos[0]); i++)
        if (strcmp(ROCKER_errno_name(errnos[i].e), errnos[i].name) != 0) {
            bad++;
            printf("# errno %d: got %s want %s\n", errnos[i].e, ROCKER_errno_name(errnos[i].e),
                   errnos[i].name);
        }
    ok(!bad, "ROCKER_errno_name for the %d named errnos (this target's numbering)",
       (int)(sizeof errnos / sizeof errnos[0]));
    ok(!strcmp(ROCKER_errno_name(0), "E?") && !strcmp(ROCKER_errno_name(-1), "E?") &&
       !strcmp(ROCKER_errno_name(4095), "E?"), "ROCKER_errno_name unknown -> E?");
}

/* issue 8 item 7: err_no is always one of the seed's 12 codes, chosen by the
 * seed's meaning; the mapping is one table. */
static void test_seed_codes(void)
{
    static const struct { int reason, seed; } map[] = {
        { ROCKER_ERR_no_server, ROCKER_ERR_server_unaddr_invalid },
        { ROCKER_ERR_pkg_missing, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_pkg_not_squashfs, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_path_relative, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_path_too_long, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_path_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_overlay_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_bad_message, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_permission_denied, ROCKER_ERR_sys },
        { ROCKER_ERR_busy, ROCKER_ERR_build_rocker_failed },
        { ROCKER_ERR_no_loop_device, ROCKER_ERR_build_rocker_failed },
        { ROCKER_ERR_data_dir_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_exec_dir_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_id_map_failed, ROCKER_ERR_build_rocker_failed },
        { ROCKER_ERR_unsupported, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_isolation_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_net_failed, ROCKER_ERR_build_rocker_failed },
        { ROCKER_ERR_limit_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_limit_unsupported, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_cgroup_failed, ROCKER_ERR_build_rocker_failed },
        { ROCKER_ERR_seccomp_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_root_invalid, ROCKER_ERR_param_invalid },
        { ROCKER_ERR_bind_invalid, ROCKER_ERR_param_invalid },
    };
    int i, bad = 0, in_range = 1;

    for (i = -1; i <= ROCKER_ERR_SEED_MAX; i++)
        if (ROCKER_seed_code(i) != i) {
            bad++;
            printf("# seed code %d maps to %d\n", i, ROCKER_seed_code(i));
        }
    ok(!bad, "ROCKER_seed_code is the identity on the seed's 12 codes");
    ok((int)(sizeof map / sizeof map[0]) == ROCKER_ERR_MAX - ROCKER_ERR_SEED_MAX,
       "the mapping below covers every reason 11..%d", ROCKER_ERR_MAX);
    for (i = 0; i < (int)(sizeof map / sizeof map[0]); i++) {
        int got = ROCKER_seed_code(map[i].reason);
        ok(got == map[i].seed, "%s -> %s (got %s)", ROCKER_err_name(map[i].reason),
           ROCKER_err_name(map[i].seed), ROCKER_err_name(got));
    }
    for (i = -1; i <= ROCKER_ERR_MAX; i++)
        in_range &= ROCKER_seed_code(i) >= -1 && ROCKER_seed_code(i) <= ROCKER_ERR_SEED_MAX;
    ok(in_range, "every reason maps into -1..ROCKER_ERR_SEED_MAX");
    ok(ROCKER_seed_code(34) == ROCKER_ERR_unknown && ROCKER_seed_code(-2) == ROCKER_ERR_unknown &&
       ROCKER_seed_code(1 << 30) == ROCKER_ERR_unknown &&
       ROCKER_seed_code(-2147483647 - 1) == ROCKER_ERR_unknown,
       "a reason this header does not know (a newer master's) -> ROCKER_ERR_unknown");
}

/* The steps are sparse: master 0..22, client 32..59, guard/master 64..79. */
static const struct { int n; const char *name; } steps[] = {
    { 0, "none" }, { 1, "validate" }, { 2, "peer_cred" }, { 3, "pkg_check" },
    { 4, "clone_guard" }, { 5, "make_private" }, { 6, "open_data_dir" },
    { 7, "mkdir_layer" }, { 8, "mount_overlay" }, { 9, "loop_control" },
    { 10, "loop_get_free" }, { 11, "loop_configure" }, { 12, "loop_set_fd" },
    { 13, "loop_set_status" }, { 14, "mkdir_exec_dir" }, { 15, "mount_squashfs" },
    { 16, "mount_proc" }, { 17, "unshare_user" }, { 18, "setgroups" },
    { 19, "gid_map" }, { 20, "uid_map" }, { 21, "open_ns" }, { 22, "reply" },
    { 32, "connect" }, { 33, "send" }, { 34, "recv" }, { 35, "open_pkg" },
    { 36, "fork_helper" }, { 37, "setns_mnt" }, { 38, "setns_pid" },
    { 39, "setns_user" }, { 40, "drop_groups" }, { 41, "setresgid" },
    { 42, "setresuid" }, { 43, "drop_caps" }, { 44, "clone_app" },
    { 45, "register_app" }, { 46, "guard_timeout" }, { 47, "capbset" },
    { 48, "no_new_privs" }, { 49, "setsid" }, { 50, "ambient" }, { 51, "recipe" },
    { 52, "setns_uts" }, { 53, "setns_ipc" }, { 54, "setns_net" }, { 55, "setns_cgroup" },
    { 56, "join_cgroup" }, { 57, "prlimit" }, { 58, "seccomp" }, { 59, "chdir" },
    { 64, "set_dumpable" }, { 65, "loop_claim" }, { 66, "guard_report" }, { 67, "state" },
    { 68, "set_hostname" }, { 69, "mount_dev" }, { 70, "mount_tmp" }, { 71, "net" },
    { 72, "cgroup" }, { 73, "cgroup_join" }, { 74, "mask_paths" }, { 75, "userns_limits" },
    { 76, "mount_root" }, { 77, "mount_sys" }, { 78, "mount_binds" }, { 79, "pivot_root" }
};

static void test_steps_and_ops(void)
{
    static const struct { int n; const char *name; } ops[] = {
#define O(x, v) { ROCKER_OP_##x, #x }
        O(join_cgroup, 1), O(prlimit, 2), O(setns, 3), O(setgroups, 4), O(capbset, 5),
        O(setresgid, 6), O(setresuid, 7), O(capset, 8), O(ambient, 9), O(no_new_privs, 10),
        O(app, 11), O(setsid, 12), O(chdir, 13), O(seccomp, 14)
#undef O
    };
    int i, j, bad = 0, known = 0, unknown_ok = 1;

    for (i = 0; i < (int)(sizeof steps / sizeof steps[0]); i++)
        if (strcmp(ROCKER_step_name(steps[i].n), steps[i].name) != 0) {
            bad++;
            printf("# step %d: got %s want %s\n", steps[i].n, ROCKER_step_name(steps[i].n),
                   steps[i].name);
        }
    ok(!bad, "ROCKER_step_name for all %d steps", (int)(sizeof steps / sizeof steps[0]));
    /* every other number up to 0xffff is no step */
    for (i = 0; i <= 0xffff; i++) {
        int listed = 0;
        for (j = 0; j < (int)(sizeof steps / sizeof steps[0]); j++)
            listed |= steps[j].n == i;
        if (listed)
            known++;
        else if (strcmp(ROCKER_step_name(i), "?") != 0) {
            unknown_ok = 0;
            printf("# step %d is not in the table but named %s\n", i, ROCKER_step_name(i));
        }
    }
    ok(unknown_ok && known == 67, "the holes (23..31, 60..63, 80..65535) are all '?' (%d named)", known);
    ok(!strcmp(ROCKER_step_name(-1), "?") && !strcmp(ROCKER_step_name(1 << 20), "?"),
       "ROCKER_step_name(-1), (2^20) -> ?");
    ok(ROCKER_STEP_none == 0 && ROCKER_STEP_reply == 22 && ROCKER_STEP_connect == 32 &&
       ROCKER_STEP_guard_timeout == 46 && ROCKER_STEP_recipe == 51 &&
       ROCKER_STEP_setns_cgroup == 55 && ROCKER_STEP_set_dumpable == 64 && ROCKER_STEP_state == 67,
       "ROCKER_STEP_* constants");

    bad = 0;
    for (i = 0; i < (int)(sizeof ops / sizeof ops[0]); i++)
        if (ops[i].n != i + 1) {
            bad++;
            printf("# ROCKER_OP_%s is %d, want %d\n", ops[i].name, ops[i].n, i + 1);
        }
    ok(!bad, "ROCKER_OP_* are join_cgroup 1 .. seccomp 14, in rocker-proto's order");
    ok(ROCKER_OP_SIZE == 24 && sizeof(struct rocker_op) == 24 && ROCKER_REP_RUN_SIZE == 72 &&
       ROCKER_REP_RUN_SIZE_VER0 == 56 && ROCKER_REQ_RUN_SIZE == 7080 && ROCKER_REQ_RUN_SIZE_VER2 == 2464 &&
       ROCKER_REQ_RUN_SIZE_VER1 == 1840 && ROCKER_REQ_RUN_SIZE_VER0 == 1832 && ROCKER_MAX_FDS == 16 && ROCKER_MAX_OPS == 48 &&
       ROCKER_BLOB_MAX == 32768 && ROCKER_REPLY_MAX == 8192,
       "wire sizes: op 24, reply 72 (v1 56), request 7080 (2464, 1840, v1 1832), 16 fds, 48 ops, "
       "blob 32768, reply max 8192");
}

static void test_strerror(void)
{
    RockerResult r;
    char b[200], want[200];

    r = rocker__res(ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check);
    snprintf(want, sizeof want, "ROCKER_ERR_param_invalid (pkg_not_squashfs): EINVAL (%d) at pkg_check",
             EINVAL);
    ok(r.err_no == ROCKER_ERR_param_invalid && r.reason == ROCKER_ERR_pkg_not_squashfs &&
       !strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror: %s", b);

    r = rocker__res(ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg);
    snprintf(want, sizeof want, "ROCKER_ERR_param_invalid (pkg_missing): ENOENT (%d) at open_pkg", ENOENT);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror: %s", b);

    r = rocker__res(ROCKER_ERR_enter_rocker_failed, EPROTO, ROCKER_STEP_recipe);
    snprintf(want, sizeof want, "ROCKER_ERR_enter_rocker_failed: EPROTO (%d) at recipe", EPROTO);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "reason == err_no: no parentheses: %s", b);

    r = rocker__res(ROCKER_ERR_overlay_invalid, ENOTDIR, ROCKER_STEP_validate);
    r.index = 3;
    snprintf(want, sizeof want,
             "ROCKER_ERR_param_invalid (overlay_invalid): ENOTDIR (%d) at validate (overlay 3)", ENOTDIR);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror with overlay index: %s", b);

    r = rocker__res(ROCKER_ERR_build_rocker_failed, EINVAL, ROCKER_STEP_mount_overlay);
    r.index = 15;
    snprintf(want, sizeof want, "ROCKER_ERR_build_rocker_failed: EINVAL (%d) at mount_overlay (overlay 15)",
             EINVAL);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "overlay step shows its index: %s", b);

    r = rocker__res(ROCKER_ERR_no_server, ECONNREFUSED, ROCKER_STEP_connect);
    snprintf(want, sizeof want, "ROCKER_ERR_server_unaddr_invalid (no_server): ECONNREFUSED (%d) at connect",
             ECONNREFUSED);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror: %s", b);

    r = rocker__res(ROCKER_ERR_permission_denied, EPERM, ROCKER_STEP_peer_cred);
    snprintf(want, sizeof want, "ROCKER_ERR_sys (permission_denied): EPERM (%d) at peer_cred", EPERM);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "strerror: %s", b);

    r = rocker__res(ROCKER_ERR_busy, 0, ROCKER_STEP_none);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_build_rocker_failed (busy)"),
       "no errno, no step: %s", b);

    memset(&r, 0, sizeof r);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_success"), "strerror success: %s", b);

    /* a reason from a newer master: err_no unknown, the number shown */
    r = rocker__res(77, 4000, 99);
    ok(r.err_no == ROCKER_ERR_unknown && r.reason == 77 &&
       !strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_unknown (77): E? (4000) at step 99"),
       "unknown reason: %s", b);

    memset(&r, 0, sizeof r);
    r.err_no = (ROCKER_ERR)77;
    r.reason = 77;
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), "ROCKER_ERR_? (77)"), "unknown err_no: %s", b);

    /* Code written against the seed's API fills err_no and knows nothing of
     * the appended reason (0): no "(success)" after a failure. */
    memset(&r, 0, sizeof r);
    r.err_no = ROCKER_ERR_app_exec_failed;
    r.sys_errno = ENOENT;
    snprintf(want, sizeof want, "ROCKER_ERR_app_exec_failed: ENOENT (%d)", ENOENT);
    ok(!strcmp(ROCKER_strerror_r(&r, b, sizeof b), want), "a result without a reason (seed-era): %s", b);

    memset(b, 'x', sizeof b);
    r = rocker__res(ROCKER_ERR_busy, EBUSY, ROCKER_STEP_validate);
    ROCKER_strerror_r(&r, b, 8);
    ok(!strcmp(b, "ROCKER_") && b[8] == 'x', "strerror truncates to n-1 and NUL-terminates");
    memset(b, 'x', sizeof b);
    ROCKER_strerror_r(&r, b, 40); /* cut inside the reason */
    ok(strlen(b) == 39 && !strncmp(b, "ROCKER_ERR_build_rocker_failed (busy): ", 39) && b[40] == 'x',
       "strerror cut inside the message: '%s'", b);
    b[0] = 'x';
    ROCKER_strerror_r(&r, b, 0);
    ok(b[0] == 'x', "strerror with n = 0 writes nothing");
    ok(ROCKER_strerror_r(NULL, b, sizeof b) == b && b[0] == '\0', "strerror(NULL) -> empty");
}

/* ---- rocker__decode_rep_run: the reply's frame ------------------------------- */

static union {
    struct rocker_rep_run rep;
    uint64_t align;
    unsigned char b[ROCKER_REP_RUN_SIZE + ROCKER_MAX_OPS * ROCKER_OP_SIZE + ROCKER_BLOB_MAX + 64];
} rb;

static size_t v1_err(int reason, int e, int step, int index)
{
    memset(&rb, 0, sizeof rb);
    rb.rep.hdr.magic = ROCKER_MAGIC;
    rb.rep.hdr.version = ROCKER_PROTO_VERSION;
    rb.rep.hdr.kind = ROCKER_KIND_RUN_REPLY;
    rb.rep.hdr.size = ROCKER_REP_RUN_SIZE_VER0;
    rb.rep.err = reason;
    rb.rep.sys_errno = e;
    rb.rep.step = (uint16_t)step;
    rb.rep.index = (uint16_t)index;
    return ROCKER_REP_RUN_SIZE_VER0;
}

static size_t v2_ok(unsigned n_ops, unsigned blob_len, unsigned n_fds)
{
    size_t n = ROCKER_REP_RUN_SIZE + (size_t)n_ops * ROCKER_OP_SIZE + ((blob_len + 7u) & ~7u);
    v1_err(0, 0, 0, 0);
    rb.rep.hdr.size = (uint32_t)n;
    rb.rep.guard_pid = 4321;
    strcpy(rb.rep.guard_pname, "rg-unit");
    rb.rep.n_fds = n_fds;
    rb.rep.ctl_fd = 0;
    rb.rep.n_ops = n_ops;
    rb.rep.blob_len = blob_len;
    return n;
}

static int refused(size_t n, const char *what)
{
    RockerResult r;
    int rc = rocker__decode_rep_run(&rb.rep, n, &r);
    return ok(rc == -1 && r.err_no == ROCKER_ERR_recv_resp_failed && r.reason == ROCKER_ERR_recv_resp_failed &&
              r.sys_errno == EPROTO && r.step == ROCKER_STEP_recv && r.guard_pid == 0,
              "decode refuses %s -> recv_resp_failed EPROTO at recv", what);
}

static void test_decode(void)
{
    RockerResult r;
    size_t n;
    int rc;

    /* v1 (56-byte) error replies: what the master sends for every failure */
    n = v1_err(ROCKER_ERR_pkg_not_squashfs, EINVAL, ROCKER_STEP_pkg_check, 0);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && r.err_no == ROCKER_ERR_param_invalid && r.reason == ROCKER_ERR_pkg_not_squashfs &&
       r.sys_errno == EINVAL && r.step == ROCKER_STEP_pkg_check && r.index == 0 && r.app_pid == 0,
       "v1 error reply accepted: err_no param_invalid, reason pkg_not_squashfs, EINVAL at pkg_check");
    n = v1_err(ROCKER_ERR_overlay_invalid, ENOTDIR, ROCKER_STEP_mkdir_layer, 7);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && r.reason == ROCKER_ERR_overlay_invalid && r.index == 7, "v1 error reply keeps the index");
    n = v1_err(ROCKER_ERR_unsupported, E2BIG, ROCKER_STEP_validate, 0);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && r.err_no == ROCKER_ERR_param_invalid && r.reason == ROCKER_ERR_unsupported &&
       r.sys_errno == E2BIG, "unsupported/E2BIG -> param_invalid");
    n = v1_err(34, EINVAL, 200, 0);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && r.err_no == ROCKER_ERR_unknown && r.reason == 34 && r.step == 200,
       "a newer master's reason 34 -> err_no unknown, reason 34 kept");
    n = v1_err(ROCKER_ERR_unknown, 0, 0, 0);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && r.err_no == ROCKER_ERR_unknown && r.reason == ROCKER_ERR_unknown, "err -1 accepted");
    n = v1_err(ROCKER_ERR_busy, EUSERS, ROCKER_STEP_validate, 0);
    rb.rep.hdr.size = ROCKER_REP_RUN_SIZE;
    rc = rocker__decode_rep_run(&rb.rep, ROCKER_REP_RUN_SIZE, &r);
    ok(rc == 0 && r.err_no == ROCKER_ERR_build_rocker_failed && r.reason == ROCKER_ERR_busy &&
       r.sys_errno == EUSERS, "a 72-byte error reply is accepted too");

    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.hdr.magic ^= 1;
    refused(n, "a bad magic");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.hdr.version = 2;
    refused(n, "version 2");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.hdr.kind = ROCKER_KIND_LIST_REPLY;
    refused(n, "a LIST reply kind");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.hdr.flags = 1;
    refused(n, "hdr.flags != 0");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    refused(n + 8, "hdr.size != datagram length");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.hdr.size = 48;
    refused(48, "a 48-byte reply");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    rb.rep.reserved = 1;
    refused(n, "reserved != 0");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    memset(rb.rep.guard_pname, 'g', sizeof rb.rep.guard_pname);
    refused(n, "a guard_pname without NUL");
    n = v1_err(ROCKER_ERR_busy, EBUSY, 0, 0);
    strcpy(rb.rep.guard_pname, "ab");
    rb.rep.guard_pname[5] = 'z';
    refused(n, "bytes after guard_pname's NUL");
    n = v1_err(-2, EBUSY, 0, 0);
    refused(n, "err -2");
    n = v1_err(ROCKER_ERR_busy, -1, 0, 0);
    refused(n, "sys_errno -1");

    /* v2 success replies */
    n = v2_ok(2, 5, 4);
    rb.rep.ctl_fd = 3;
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && n == 128 && r.err_no == ROCKER_ERR_success && r.reason == 0 && r.guard_pid == 4321 &&
       !strcmp(r.guard_pname, "rg-unit") && r.sys_errno == 0 && r.step == 0,
       "v2 success: 72 + 2 ops + 5-byte blob padded to 8 = 128 bytes accepted, guard %d '%s'",
       r.guard_pid, r.guard_pname);
    n = v2_ok(0, 0, 1);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && n == 72, "v2 success with no op and 1 fd: the frame is fine (the helper refuses it)");
    n = v2_ok(ROCKER_MAX_OPS, ROCKER_BLOB_MAX, ROCKER_MAX_FDS);
    rb.rep.ctl_fd = ROCKER_MAX_FDS - 1;
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0, "v2 success at the limits: 48 ops, 32768-byte blob, 16 fds, ctl_fd 15");
    n = v2_ok(8, 16, 4);
    rc = rocker__decode_rep_run(&rb.rep, n, &r);
    ok(rc == 0 && n == 72 + 8 * 24 + 16, "v2 success: blob already a multiple of 8 needs no padding");

    n = v1_err(0, 0, 0, 0);
    rb.rep.guard_pid = 4321;
    strcpy(rb.rep.guard_pname, "rg-unit");
    rb.rep.n_fds = 4;
    refused(n, "a v1 (56-byte) success reply (this client asked for v2)");
    n = v2_ok(1, 0, 4);
    rb.rep.hdr.size = (uint32_t)(n - 24);
    refused(n - 24, "a v2 reply cut before its op (n_ops 1, no op)");
    n = v2_ok(3, 0, 4);
    rb.rep.hdr.size = (uint32_t)(n - 8);
    refused(n - 8, "a truncated op array");
    n = v2_ok(2, 8, 4);
    rb.rep.hdr.size = (uint32_t)(n + 8);
    refused(n + 8, "8 bytes more than n_ops and blob_len say");
    n = v2_ok(2, 5, 4);
    rb.rep.hdr.size = (uint32_t)(n - 3);
    refused(n - 3, "a blob not padded to 8 (5 bytes sent for blob_len 5)");
    n = v2_ok(2, 8, 4);
    rb.rep.blob_len = 9;
    refused(n, "blob_len 9 in a frame sized for 8");
    n = v2_ok(ROCKER_MAX_OPS + 1, 0, 4);
    refused(n, "49 ops");
    n = v2_ok(0, ROCKER_BLOB_MAX + 8, 4);
    refused(n, "a blob of 32776 bytes");
    n = v2_ok(1, 0, 4);
    rb.rep.n_ops = 0xffffffffu;
    refused(n, "n_ops 0xffffffff");
    n = v2_ok(0, 0, 4);
    rb.rep.blob_len = 0xfffffff9u;
    refused(n, "blob_len 0xfffffff9 (would wrap when padded)");
    n = v2_ok(1, 8, 4);
    rb.rep.reserved1 = 1;
    refused(n, "reserved1 != 0");
    n = v2_ok(1, 8, 4);
    rb.rep.ctl_fd = 4;
    refused(n, "ctl_fd == n_fds");
    n = v2_ok(1, 8, 4);
    rb.rep.ctl_fd = 0xffffffffu;
    refused(n, "ctl_fd 0xffffffff");
    n = v2_ok(1, 8, 0);
    refused(n, "n_fds 0 (no ctl)");
    n = v2_ok(1, 8, ROCKER_MAX_FDS + 1);
    refused(n, "n_fds 17");
    n = v2_ok(1, 8, 4);
    rb.rep.guard_pid = 0;
    refused(n, "success with guard_pid 0");
    n = v2_ok(1, 8, 4);
    rb.rep.guard_pid = -5;
    refused(n, "success with guard_pid -5");
    n = v2_ok(1, 8, 4);
    memset(rb.rep.guard_pname, 0, sizeof rb.rep.guard_pname);
    refused(n, "success with an empty guard_pname");
    n = v2_ok(1, 8, 4);
    rb.rep.sys_errno = EPERM;
    refused(n, "success with a sys_errno");
    n = v2_ok(1, 8, 4);
    rb.rep.step = ROCKER_STEP_reply;
    refused(n, "success with a step");
    n = v2_ok(1, 8, 4);
    rb.rep.index = 1;
    refused(n, "success with an index");
}

/* ---- rocker__op / rocker__ops: each op on its own, in a child ---------------- */

struct op_out {
    int e;          /* rocker__op's result */
    char what[256]; /* what the child saw after it */
};

static struct rocker__recipe rcp;
static int rcp_fds[4];
static union { uint64_t align; unsigned char b[256]; } blob;

static void status_line(const char *key, char *out, size_t n)
{
    char st[4096], *p;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t k = fd >= 0 ? read(fd, st, sizeof st - 1) : -1;
    if (fd >= 0)
        close(fd);
    st[k > 0 ? k : 0] = '\0';
    p = strstr(st, key);
    if (!p) {
        snprintf(out, n, "?");
        return;
    }
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    snprintf(out, n, "%.*s", (int)strcspn(p, "\n"), p);
}

/* The child's view after an op, one "key=value" per look. */
enum look { L_NONE, L_CAPS, L_NNP, L_SID, L_CWD, L_RLIMIT, L_IDS, L_SECCOMP, L_CAPBND };

static void look_at(enum look l, char *w, size_t n)
{
    char a[40], b[40], c[40], d[40];
    switch (l) {
    case L_NONE:
        w[0] = '\0';
        break;
    case L_CAPS:
        status_line("CapEff:", a, sizeof a);
        status_line("CapPrm:", b, sizeof b);
        status_line("CapInh:", c, sizeof c);
        status_line("CapAmb:", d, sizeof d);
        snprintf(w, n, "eff=%s prm=%s inh=%s amb=%s", a, b, c, d);
        break;
    case L_CAPBND:
        status_line("CapBnd:", a, sizeof a);
        snprintf(w, n, "bnd=%s", a);
        break;
    case L_NNP:
        snprintf(w, n, "nnp=%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        break;
    case L_SID:
        snprintf(w, n, "sid_is_pid=%d", getsid(0) == getpid());
        break;
    case L_CWD:
        if (!getcwd(a, sizeof a))
            snprintf(a, sizeof a, "?");
        snprintf(w, n, "cwd=%s", a);
        break;
    case L_RLIMIT: {
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        snprintf(w, n, "nofile=%llu/%llu", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
        break;
    }
    case L_IDS: {
        uid_t r, e, s;
        gid_t gr, ge, gs;
        getresuid(&r, &e, &s);
        getresgid(&gr, &ge, &gs);
        snprintf(w, n, "uid=%d/%d/%d gid=%d/%d/%d groups=%d", (int)r, (int)e, (int)s, (int)gr, (int)ge,
                 (int)gs, getgroups(0, NULL));
        break;
    }
    case L_SECCOMP:
        status_line("Seccomp:", a, sizeof a);
        snprintf(w, n, "seccomp=%s", a);
        break;
    }
}

/* Runs ops pre[0..npre) (setup, must succeed) then o in a forked child. */
static struct op_out run_op_pre(const struct rocker_op *pre, int npre, struct rocker_op o, enum look l)
{
    struct op_out out;
    int p[2], st, i;
    pid_t c;

    memset(&out, 0, sizeof out);
    out.e = -1;
    if (pipe2(p, O_CLOEXEC) != 0)
        return out;
    c = fork();
    if (c == 0) {
        close(p[0]);
        for (i = 0; i < npre; i++)
            if ((out.e = rocker__op(&rcp, &pre[i])) != 0) {
                snprintf(out.what, sizeof out.what, "setup op %d failed: %s", pre[i].op,
                         ROCKER_errno_name(out.e));
                out.e = -2;
                goto report;
            }
        out.e = rocker__op(&rcp, &o);
        look_at(l, out.what, sizeof out.what);
    report:
        if (write(p[1], &out, sizeof out) != (ssize_t)sizeof out)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    if (c < 0 || read(p[0], &out, sizeof out) != (ssize_t)sizeof out) {
        out.e = -1;
        snprintf(out.what, sizeof out.what, "child died");
    }
    close(p[0]);
    if (c > 0)
        waitpid(c, &st, 0);
    return out;
}

static struct op_out run_op(struct rocker_op o, enum look l)
{
    return run_op_pre(NULL, 0, o, l);
}

static struct rocker_op mkop(int op, int step, uint32_t a, uint64_t b, uint64_t c)
{
    struct rocker_op o;
    memset(&o, 0, sizeof o);
    o.op = (uint16_t)op;
    o.step = (uint16_t)step;
    o.a = a;
    o.b = b;
    o.c = c;
    return o;
}

static int op_is(struct op_out r, int e, const char *what)
{
    return r.e == e && (!what || !strcmp(r.what, what));
}

/* One classic BPF instruction (struct sock_filter, host byte order). */
static void put_insn(unsigned char *p, uint16_t code, uint32_t k)
{
    memcpy(p, &code, 2);
    p[2] = p[3] = 0; /* jt, jf */
    memcpy(p + 4, &k, 4);
}

#define BPF_RET_K      0x06
#define BPF_LD_W_ABS   0x20
#define RET_ALLOW      0x7fff0000u /* SECCOMP_RET_ALLOW */

/* Whether this kernel (and emulator) installs a seccomp filter at all. */
static int can_seccomp(void)
{
    struct op_out r;
    struct rocker_op pre = mkop(ROCKER_OP_no_new_privs, 0, 0, 0, 0);
    memset(blob.b, 0, sizeof blob.b);
    put_insn(blob.b, BPF_RET_K, RET_ALLOW);
    rcp.blob_len = 8;
    r = run_op_pre(&pre, 1, mkop(ROCKER_OP_seccomp, 99, 0, 1, 0), L_SECCOMP);
    return r.e == 0 && !strcmp(r.what, "seccomp=2");
}

static void test_ops(void)
{
    struct op_out r;
    struct rocker_op pre[4];
    char want[200];
    int p[2] = { -1, -1 }, root = geteuid() == 0, at, e, fd0 = count_fds();
    uid_t uid = getuid(), other_uid = getuid() == 54321 ? 54322 : 54321;
    gid_t gid = getgid();
    struct rlimit rl;

    memset(&rcp, 0, sizeof rcp);
    memset(&blob, 0, sizeof blob);
    if (pipe2(p, O_CLOEXEC) != 0) {
        ok(0, "pipe");
        return;
    }
    rcp_fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC); /* no namespace: setns EINVAL */
    rcp_fds[1] = p[1];                                   /* a cgroup.procs stand-in */
    rcp_fds[2] = p[0];                                   /* read-only */
    rcp_fds[3] = -1;
    rcp.fds = rcp_fds;
    rcp.nfds = 3;
    rcp.blob = blob.b;
    rcp.blob_len = 0;

    /* unknown ops, and APP (the helper's, never rocker__op's) */
    ok(op_is(run_op(mkop(0, 1, 0, 0, 0), L_NONE), EPROTO, NULL), "op 0 -> EPROTO");
    ok(op_is(run_op(mkop(15, 1, 0, 0, 0), L_NONE), EPROTO, NULL), "op 15 (after seccomp) -> EPROTO");
    ok(op_is(run_op(mkop(0xffff, 1, 0, 0, 0), L_NONE), EPROTO, NULL), "op 0xffff -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_app, 1, 0, 0, 0), L_NONE), EPROTO, NULL),
       "ROCKER_OP_app given to rocker__op -> EPROTO (only the helper starts the App)");

    /* SETNS */
    ok(op_is(run_op(mkop(ROCKER_OP_setns, 1, 3, CLONE_NEWNS, 0), L_NONE), EPROTO, NULL),
       "setns with fd index 3 of 3 -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_setns, 1, 0xffffffffu, CLONE_NEWNS, 0), L_NONE), EPROTO, NULL),
       "setns with fd index 0xffffffff -> EPROTO");
    r = run_op(mkop(ROCKER_OP_setns, 1, 0, CLONE_NEWNS, 0), L_NONE);
    ok(r.e == EINVAL, "setns on /dev/null -> EINVAL (%s)", ROCKER_errno_name(r.e));

    /* JOIN_CGROUP */
    ok(op_is(run_op(mkop(ROCKER_OP_join_cgroup, 1, 3, 0, 0), L_NONE), EPROTO, NULL),
       "join_cgroup with fd index 3 of 3 -> EPROTO");
    r = run_op(mkop(ROCKER_OP_join_cgroup, 1, 1, 0, 0), L_NONE);
    {
        char got[8] = "";
        ssize_t k;
        int fl = fcntl(p[0], F_GETFL);
        fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
        k = read(p[0], got, sizeof got - 1);
        got[k > 0 ? k : 0] = '\0';
        fcntl(p[0], F_SETFL, fl);
        ok(r.e == 0 && !strcmp(got, "0"), "join_cgroup writes \"0\" to its fd ('%s')", got);
    }
    r = run_op(mkop(ROCKER_OP_join_cgroup, 1, 2, 0, 0), L_NONE);
    ok(r.e == EBADF, "join_cgroup on a read-only fd -> EBADF (%s)", ROCKER_errno_name(r.e));

    /* PRLIMIT */
    getrlimit(RLIMIT_NOFILE, &rl);
    {
        unsigned long long hard = rl.rlim_max == RLIM_INFINITY ? 4096 : (unsigned long long)rl.rlim_max;
        unsigned long long cur = hard < 100 ? hard : 100, max = hard < 200 ? hard : 200;
        snprintf(want, sizeof want, "nofile=%llu/%llu", cur, max);
        r = run_op(mkop(ROCKER_OP_prlimit, 1, RLIMIT_NOFILE, cur, max), L_RLIMIT);
        ok(op_is(r, 0, want), "prlimit(RLIMIT_NOFILE, %llu, %llu) -> %s", cur, max, r.what);
        r = run_op(mkop(ROCKER_OP_prlimit, 1, RLIMIT_NOFILE, max, cur == max ? max : cur), L_RLIMIT);
        ok(cur == max || r.e == EINVAL, "prlimit with soft > hard -> EINVAL (%s)", ROCKER_errno_name(r.e));
    }
    r = run_op(mkop(ROCKER_OP_prlimit, 1, 9999, 1, 1), L_NONE);
    ok(r.e == EINVAL, "prlimit of resource 9999 -> EINVAL (%s)", ROCKER_errno_name(r.e));
    snprintf(want, sizeof want, "nofile=%llu/%llu", (unsigned long long)rl.rlim_cur,
             (unsigned long long)rl.rlim_max);
    r = run_op(mkop(ROCKER_OP_prlimit, 1, RLIMIT_NOFILE, rl.rlim_cur == RLIM_INFINITY ? ~0ull : rl.rlim_cur,
                    rl.rlim_max == RLIM_INFINITY ? ~0ull : rl.rlim_max), L_RLIMIT);
    ok(op_is(r, 0, want), "prlimit to the current values (u64 max = infinity) -> %s", r.what);

    /* SETGROUPS, SETRESGID, SETRESUID */
    r = run_op(mkop(ROCKER_OP_setgroups, 1, 0, 0, 0), L_IDS);
    if (root)
        ok(r.e == 0 && strstr(r.what, "groups=0"), "setgroups(0) as root -> no groups (%s)", r.what);
    else
        ok(r.e == EPERM, "setgroups(0) unprivileged -> EPERM (%s)", ROCKER_errno_name(r.e));
    snprintf(want, sizeof want, "uid=%d/%d/%d gid=%d/%d/%d", (int)uid, (int)uid, (int)uid, (int)gid,
             (int)gid, (int)gid);
    pre[0] = mkop(ROCKER_OP_setresgid, 1, 0, gid, 0);
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_setresuid, 1, 0, uid, 0), L_IDS);
    ok(r.e == 0 && !strncmp(r.what, want, strlen(want)), "setresgid/setresuid to our own ids: %s", r.what);
    if (root) {
        pre[0] = mkop(ROCKER_OP_setresgid, 1, 0, 1000, 0);
        r = run_op_pre(pre, 1, mkop(ROCKER_OP_setresuid, 1, 0, 1000, 0), L_IDS);
        ok(r.e == 0 && !strncmp(r.what, "uid=1000/1000/1000 gid=1000/1000/1000", 37),
           "as root: setresgid(1000), setresuid(1000) set real, effective and saved: %s", r.what);
    }
    pre[0] = mkop(ROCKER_OP_capset, 1, 0, 0, 0);
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_setresuid, 1, 0, other_uid, 0), L_NONE);
    ok(r.e == EPERM, "setresuid(%d) without CAP_SETUID -> EPERM (%s)", (int)other_uid, ROCKER_errno_name(r.e));
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_setresgid, 1, 0, other_uid, 0), L_NONE);
    ok(r.e == EPERM, "setresgid(%d) without CAP_SETGID -> EPERM (%s)", (int)other_uid, ROCKER_errno_name(r.e));

    /* CAPBSET */
    r = run_op(mkop(ROCKER_OP_capbset, 1, 0, 0, 0), L_CAPBND);
    if (root)
        ok(op_is(r, 0, "bnd=0000000000000000"), "capbset 0 as root empties the bounding set (%s)", r.what);
    else
        ok(r.e == EPERM, "capbset unprivileged -> EPERM (%s)", ROCKER_errno_name(r.e));
    if (root) {
        r = run_op(mkop(ROCKER_OP_capbset, 1, 0, 1u << 10 | 1u << 0, 0), L_CAPBND);
        ok(op_is(r, 0, "bnd=0000000000000401"), "capbset keeps the mask's bits (0x401): %s", r.what);
        r = run_op(mkop(ROCKER_OP_capbset, 1, 0, ~0ull, 0), L_CAPBND);
        ok(r.e == 0 && strcmp(r.what, "bnd=0000000000000000") != 0,
           "capbset with every bit kept drops nothing (%s)", r.what);
    }

    /* CAPSET, AMBIENT */
    r = run_op(mkop(ROCKER_OP_capset, 1, 0, 0, 0), L_CAPS);
    ok(op_is(r, 0, "eff=0000000000000000 prm=0000000000000000 inh=0000000000000000 amb=0000000000000000"),
       "capset 0: %s", r.what);
    r = run_op(mkop(ROCKER_OP_ambient, 1, 0, 0, 0), L_CAPS);
    ok(r.e == 0 && strstr(r.what, "amb=0000000000000000"), "ambient 0 clears the ambient set: %s", r.what);
    pre[0] = mkop(ROCKER_OP_capset, 1, 0, 0, 0);
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_ambient, 1, 0, 1u << 10, 0), L_NONE);
    ok(r.e == EPERM, "ambient raise of a capability not permitted -> EPERM (%s)", ROCKER_errno_name(r.e));
    if (root) {
        pre[0] = mkop(ROCKER_OP_capset, 1, 0, 1u << 10, 1u << 10);
        r = run_op_pre(pre, 1, mkop(ROCKER_OP_ambient, 1, 0, 1u << 10, 0), L_CAPS);
        ok(op_is(r, 0, "eff=0000000000000400 prm=0000000000000400 inh=0000000000000400 amb=0000000000000400"),
           "as root: capset(0x400, inh 0x400) then ambient 0x400: %s", r.what);
        r = run_op(mkop(ROCKER_OP_capset, 1, 0, 1u << 10 | 1ull << 33, 1ull << 33), L_CAPS);
        ok(op_is(r, 0, "eff=0000000200000400 prm=0000000200000400 inh=0000000200000000 amb=0000000000000000"),
           "capset's upper 32 bits (cap 33) reach the second data word: %s", r.what);
    }

    /* NO_NEW_PRIVS, SETSID */
    ok(op_is(run_op(mkop(ROCKER_OP_no_new_privs, 1, 0, 0, 0), L_NNP), 0, "nnp=1"), "no_new_privs -> 1");
    ok(op_is(run_op(mkop(ROCKER_OP_setsid, 1, 0, 0, 0), L_SID), 0, "sid_is_pid=1"),
       "setsid: the child leads a new session");
    pre[0] = mkop(ROCKER_OP_setsid, 1, 0, 0, 0);
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_setsid, 1, 0, 0, 0), L_NONE);
    ok(r.e == EPERM, "setsid twice -> EPERM (%s)", ROCKER_errno_name(r.e));

    /* CHDIR: a NUL-terminated path inside the blob */
    memset(blob.b, 0, sizeof blob.b);
    memcpy(blob.b + 8, "/proc", 6);
    memcpy(blob.b + 16, "/nonexistent-rocker", 20);
    rcp.blob_len = 40;
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 8, 6, 0), L_CWD), 0, "cwd=/proc"), "chdir(blob[8..14]) -> /proc");
    r = run_op(mkop(ROCKER_OP_chdir, 1, 16, 20, 0), L_NONE);
    ok(r.e == ENOENT, "chdir to a missing dir -> ENOENT (%s)", ROCKER_errno_name(r.e));
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 8, 0, 0), L_NONE), EPROTO, NULL), "chdir of length 0 -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 8, 5, 0), L_NONE), EPROTO, NULL),
       "chdir whose last byte is not NUL -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 41, 1, 0), L_NONE), EPROTO, NULL),
       "chdir at offset 41 of a 40-byte blob -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 36, 5, 0), L_NONE), EPROTO, NULL),
       "chdir running past the blob's end (36 + 5 > 40) -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 0xffffffffu, 2, 0), L_NONE), EPROTO, NULL),
       "chdir at offset 0xffffffff -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 8, ~0ull - 6, 0), L_NONE), EPROTO, NULL),
       "chdir with a length that wraps (2^64 - 7) -> EPROTO");
    rcp.blob_len = 0;
    ok(op_is(run_op(mkop(ROCKER_OP_chdir, 1, 0, 1, 0), L_NONE), EPROTO, NULL), "chdir with no blob -> EPROTO");

    /* SECCOMP: b instructions at blob offset a (8-aligned) */
    memset(blob.b, 0, sizeof blob.b);
    rcp.blob_len = 64;
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 0, 0, 0), L_NONE), EPROTO, NULL), "seccomp of 0 instructions -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 0, 4097, 0), L_NONE), EPROTO, NULL),
       "seccomp of 4097 instructions (BPF_MAXINSNS + 1) -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 4, 1, 0), L_NONE), EPROTO, NULL),
       "seccomp at an offset not 8-aligned -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 72, 1, 0), L_NONE), EPROTO, NULL),
       "seccomp at offset 72 of a 64-byte blob -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 56, 2, 0), L_NONE), EPROTO, NULL),
       "seccomp program running past the blob (56 + 2*8 > 64) -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 0, 1ull << 61, 0), L_NONE), EPROTO, NULL),
       "seccomp of 2^61 instructions (b*8 wraps) -> EPROTO");
    ok(op_is(run_op(mkop(ROCKER_OP_seccomp, 1, 0xfffffff8u, 1, 0), L_NONE), EPROTO, NULL),
       "seccomp at offset 0xfffffff8 -> EPROTO");
    /* BPF_LD|BPF_W|BPF_ABS 0 and no return: the kernel refuses the program */
    put_insn(blob.b, BPF_LD_W_ABS, 0);
    pre[0] = mkop(ROCKER_OP_no_new_privs, 1, 0, 0, 0);
    r = run_op_pre(pre, 1, mkop(ROCKER_OP_seccomp, 1, 0, 1, 0), L_SECCOMP);
    ok(r.e == EINVAL && !strcmp(r.what, "seccomp=0"), "seccomp with an invalid program -> EINVAL (%s, %s)",
       ROCKER_errno_name(r.e), r.what);
    if (can_seccomp()) {
        memset(blob.b, 0, sizeof blob.b);
        put_insn(blob.b + 8, BPF_RET_K, RET_ALLOW);
        rcp.blob_len = 24;
        r = run_op_pre(pre, 1, mkop(ROCKER_OP_seccomp, 1, 8, 1, 0), L_SECCOMP);
        ok(op_is(r, 0, "seccomp=2"), "seccomp with a 1-instruction allow-all program at blob offset 8 -> %s",
           r.what);
        if (!root) {
            r = run_op(mkop(ROCKER_OP_seccomp, 1, 8, 1, 0), L_SECCOMP);
            ok(r.e == EACCES, "seccomp without no_new_privs, unprivileged -> EACCES (%s)",
               ROCKER_errno_name(r.e));
        }
    } else {
        skip("seccomp filters do not install here (qemu-user has none): allow-all program not tried");
    }

    /* rocker__ops: [from, to), stops at the first failure */
    {
        struct rocker_op ops[4];
        ops[0] = mkop(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
        ops[1] = mkop(0, ROCKER_STEP_setns_net, 0, 0, 0);
        ops[2] = mkop(ROCKER_OP_no_new_privs, ROCKER_STEP_no_new_privs, 0, 0, 0);
        ops[3] = mkop(ROCKER_OP_join_cgroup, ROCKER_STEP_setns_ipc, 9, 0, 0);
        rcp.ops = ops;
        rcp.n_ops = 4;
        at = -1;
        e = rocker__ops(&rcp, 0, 4, &at);
        ok(e == EPROTO && at == 1 && rcp.ops[at].step == ROCKER_STEP_setns_net,
           "rocker__ops stops at the first failing op (index %d, EPROTO)", at);
        at = -1;
        e = rocker__ops(&rcp, 2, 4, &at);
        ok(e == EPROTO && at == 3, "rocker__ops from 2: the failure at index 3 (%d)", at);
        at = -1;
        e = rocker__ops(&rcp, 1, 1, &at);
        ok(e == 0 && at == -1, "rocker__ops on an empty range does nothing");
        rcp.ops = NULL;
        rcp.n_ops = 0;
    }

    close(rcp_fds[0]);
    close(p[0]);
    close(p[1]);
    ok(count_fds() == fd0, "op tests leak no fd");
    ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "op tests leave no child");
}

static void test_guardname(void)
{
    RockerResult r;
    char comm[32] = "", path[64];
    FILE *f;
    pid_t child;
    int st, p[2], maxpid = 4194304;

    f = fopen("/proc/self/comm", "r");
    if (f) {
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    r = ROCKER_get_guardname((int)getpid());
    /* qemu-user fakes /proc/self/stat with argv[0]'s basename, not comm */
    ok(r.err_no == ROCKER_ERR_success && r.guard_pid == (int)getpid() &&
       (!strcmp(r.guard_pname, comm) || !strncmp(r.guard_pname, self_base, 15)),
       "get_guardname(self) = '%s' (comm '%s')", r.guard_pname, comm);

    /* A comm with parentheses and spaces: the LAST ')' ends it. */
    if (pipe(p) == 0) {
        child = fork();
        if (child == 0) {
            prctl(PR_SET_NAME, "a) b (c) d)", 0, 0, 0);
            if (write(p[1], "x", 1) < 0)
                _exit(1);
            for (;;)
                pause(); /* until the parent has looked */
        }
        {
            char c;
            if (read(p[0], &c, 1) != 1)
                c = 0;
        }
        r = ROCKER_get_guardname((int)child);
        ok(r.err_no == ROCKER_ERR_success && !strcmp(r.guard_pname, "a) b (c) d)"),
           "get_guardname reads up to the last ')': '%s'", r.guard_pname);
        kill(child, SIGKILL);
        waitpid(child, &st, 0);
        close(p[0]);
        close(p[1]);
    }

    f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%d", &maxpid) != 1)
            maxpid = 4194304;
        fclose(f);
    }
    r = ROCKER_get_guardname(maxpid); /* pids are < pid_max: never exists */
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH && r.guard_pid == 0,
       "get_guardname(pid_max=%d) -> get_guardname_failed ESRCH", maxpid);
    r = ROCKER_get_guardname(0);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH, "get_guardname(0) fails");
    r = ROCKER_get_guardname(-5);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed && r.sys_errno == ESRCH, "get_guardname(-5) fails");
    (void)path;
}

static void test_request_new(void)
{
    RockerRequest q = ROCKER_request_new();
    int i, nulls = 1;
    for (i = 0; i < 16; i++)
        nulls &= q.app_overlay_dirs[i] == NULL;
    ok(q.app_id == 0 && q.uid == 65534 && q.gid == 65534 && q.run_flags == 0 &&
       !q.app_pkg_path && !q.app_exec_dir && !q.app_data_dir && nulls,
       "ROCKER_request_new defaults: app_id 0, uid/gid 65534, NULLs, run_flags 0");
    ok(ROCKER_RUN_LEGACY_LOOP == 1, "ROCKER_RUN_LEGACY_LOOP == 1");
}

static void test_validation(void)
{
    RockerRequest q;
    RockerResult r;
    int fd0 = count_fds();

    r = ROCKER_enter_rocker(NULL, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL request -> param_invalid");
    q = good_req();
    r = ROCKER_enter_rocker(&q, NULL, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL app -> param_invalid");

    q = good_req();
    q.app_pkg_path = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL pkg -> param_invalid");
    q = good_req();
    q.app_exec_dir = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL exec dir -> param_invalid");
    q = good_req();
    q.app_data_dir = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "NULL data dir -> param_invalid");

    q = good_req();
    q.app_pkg_path = (char *)"app.sqfs";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate), "relative pkg -> path_relative");
    q = good_req();
    q.app_data_dir = (char *)"./data";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate), "relative data dir -> path_relative");
    q = good_req();
    q.app_overlay_dirs[1] = (char *)"etc";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_relative, EINVAL, ROCKER_STEP_validate) && r.index == 1,
       "relative overlay[1] -> path_relative, index 1");
    q = good_req();
    q.app_exec_dir = (char *)"";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_invalid, EINVAL, ROCKER_STEP_validate), "empty exec dir -> path_invalid");

    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[ROCKER_PATH_MAX] = '\0'; /* 256 chars: one too many */
    q = good_req();
    q.app_exec_dir = long_path;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_too_long, ENAMETOOLONG, ROCKER_STEP_validate),
       "256-char exec dir -> path_too_long ENAMETOOLONG");
    long_path[ROCKER_PATH_MAX - 1] = '\0'; /* 255 chars: fits */
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg),
       "255-char exec dir fits (then pkg_missing)");

    memset(ov_long, 'o', sizeof ov_long - 1);
    ov_long[0] = '/';
    ov_long[ROCKER_OVERLAY_LEN] = '\0';
    q = good_req();
    q.app_overlay_dirs[2] = ov_long;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_path_too_long, ENAMETOOLONG, ROCKER_STEP_validate) && r.index == 2,
       "64-char overlay[2] -> path_too_long, index 2");

    q = good_req();
    q.app_overlay_dirs[2] = NULL;
    q.app_overlay_dirs[5] = (char *)"/home";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate) && r.index == 5,
       "overlay list with a gap -> param_invalid, index 5");

    q = good_req();
    q.uid = 0;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "uid 0 -> param_invalid");
    q = good_req();
    q.gid = 0x7fffffff;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "gid 0x7fffffff -> param_invalid");
    q = good_req();
    q.app_id = -1;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "app_id -1 -> param_invalid");
    q = good_req();
    q.run_flags = 2;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "unknown run_flags bit -> param_invalid");

    q = good_req();
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg) && r.app_pid == 0 && r.guard_pid == 0,
       "missing package -> pkg_missing ENOENT at open_pkg");
    show("missing package", r);
    q.app_pkg_path = (char *)"/proc/self/nonexistent-dir/x";
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok((r.reason == ROCKER_ERR_pkg_missing && r.err_no == ROCKER_ERR_param_invalid) ||
       (r.reason == ROCKER_ERR_sys && r.err_no == ROCKER_ERR_sys), "bad package path -> %s",
       ROCKER_err_name(r.reason));

    ok(count_fds() == fd0, "no fd leaked by validation failures (%d fds)", fd0);
}

/* Root mode, working directory and binds: carried as given (the master
 * judges them); root mode needs no exec dir. */
static void test_root_request(void)
{
    static struct rocker_req_run m;
    RockerRequest q = good_req();
    RockerResult r;
    static char bind_long[ROCKER_BIND_DST_LEN + 16];
    int i;

    memset(&m, 0, sizeof m);
    q.root = ROCKER_ROOT_PKG;
    q.root_flags = ROCKER_ROOT_RO | ROCKER_ROOT_NO_PIVOT;
    q.cwd = (char *)"/srv/app";
    q.binds[0] = (char *)"/srv/in";
    q.binds[1] = (char *)"/srv/out:/data:rw";
    q.binds[2] = (char *)"/run/x.sock:rw";
    ok(rocker__put_isolation(&m, &q, &r) == 0 && m.root == ROCKER_ROOT_PKG && m.root_flags == 3 &&
           !strcmp(m.cwd, "/srv/app") && m.n_binds == 3 && m.bind_rw == 6,
       "root %u, root_flags %u, cwd '%s', %u binds, bind_rw %#x carried", m.root, m.root_flags, m.cwd,
       m.n_binds, m.bind_rw);
    ok(!strcmp(m.binds[0].src, "/srv/in") && !m.binds[0].dst[0] && !strcmp(m.binds[1].src, "/srv/out") &&
           !strcmp(m.binds[1].dst, "/data") && !strcmp(m.binds[2].src, "/run/x.sock") && !m.binds[2].dst[0],
       "binds split into SRC and DST (empty: the same), ':rw' taken off");
    rocker__run_size(&m);
    ok(m.hdr.size == ROCKER_REQ_RUN_SIZE_VER3, "root mode goes in a VER3 request (%u bytes)", m.hdr.size);

    memset(bind_long, 'd', sizeof bind_long - 1);
    memcpy(bind_long, "/srv/x:/", 8);
    q.binds[3] = bind_long;
    memset(&m, 0, sizeof m);
    i = rocker__put_isolation(&m, &q, &r);
    ok(i == -1 && r.index == 3, "a DST longer than its field: refused, index %d", r.index);

    q = good_req();
    q.root = ROCKER_ROOT_PKG;
    q.app_exec_dir = NULL;
    q.app_overlay_dirs[0] = q.app_overlay_dirs[1] = NULL;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_pkg_missing, ENOENT, ROCKER_STEP_open_pkg),
       "root mode without an exec dir passes the client's checks (then pkg_missing)");
    q.root = ROCKER_ROOT_HOST;
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_param_invalid, EINVAL, ROCKER_STEP_validate), "the seed's mode still needs one");
}

static void test_no_server(void)
{
    RockerRequest q = good_req();
    RockerResult r;
    struct rocker_list_entry e[2];
    char dir[] = "/tmp/rocker-unit-XXXXXX", sock[80], longp[200];
    int fd0 = count_fds(), count = -1, i, s;
    struct sockaddr_un sa;

    q.app_pkg_path = (char *)"/etc/hostname";
    if (access(q.app_pkg_path, R_OK) != 0)
        q.app_pkg_path = (char *)"/proc/self/stat";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(sock, sizeof sock, "%s/none.sock", dir);
    setenv("ROCKER_SOCKET", sock, 1);
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_no_server, ENOENT, ROCKER_STEP_connect),
       "ROCKER_SOCKET to a missing path -> no_server ENOENT at connect");
    show("no server", r);
    r = ROCKER_list(e, 2, &count);
    ok(res_is(r, ROCKER_ERR_no_server, ENOENT, ROCKER_STEP_connect) && count == 0,
       "ROCKER_list with no server -> no_server");

    /* a bound socket that nobody listens on -> ECONNREFUSED */
    s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0) {
        r = ROCKER_enter_rocker(&q, app_noop, NULL);
        ok(res_is(r, ROCKER_ERR_no_server, ECONNREFUSED, ROCKER_STEP_connect),
           "socket not listening -> no_server ECONNREFUSED");
    } else {
        ok(0, "bind %s", sock);
    }
    if (s >= 0)
        close(s);
    unlink(sock);

    memset(longp, 'x', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    setenv("ROCKER_SOCKET", longp, 1);
    r = ROCKER_enter_rocker(&q, app_noop, NULL);
    ok(res_is(r, ROCKER_ERR_server_unaddr_invalid, ENAMETOOLONG, ROCKER_STEP_connect),
       "socket path longer than sun_path -> server_unaddr_invalid");
    r = ROCKER_list(e, 2, &count);
    ok(r.err_no == ROCKER_ERR_server_unaddr_invalid, "ROCKER_list too long socket path -> server_unaddr_invalid");
    r = ROCKER_list(NULL, 2, &count);
    ok(r.err_no == ROCKER_ERR_param_invalid, "ROCKER_list(NULL) -> param_invalid");

    setenv("ROCKER_SOCKET", sock, 1);
    for (i = 0; i < 200; i++) {
        r = ROCKER_enter_rocker(&q, app_noop, NULL);
        r = ROCKER_list(e, 2, &count);
    }
    ok(count_fds() == fd0, "no fd leaked after 400 failing calls (%d fds)", count_fds());
    unsetenv("ROCKER_SOCKET");
    rmdir(dir);
}

static void test_kill_guard(void)
{
    RockerResult r, n;
    pid_t child;
    int st, p[2], fd0 = count_fds();

    if (pipe(p) != 0) {
        ok(0, "pipe");
        return;
    }
    child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "rk-victim", 0, 0, 0);
        if (write(p[1], "x", 1) < 0)
            _exit(1);
        for (;;)
            pause();
    }
    {
        char c;
        if (read(p[0], &c, 1) != 1)
            c = 0;
    }
    close(p[0]);
    close(p[1]);
    n = ROCKER_get_guardname((int)child);
    r = ROCKER_kill_guard((int)child, "rk-other", SIGKILL);
    ok(res_is(r, ROCKER_ERR_get_guardname_failed, ESRCH, ROCKER_STEP_none) &&
       waitpid(child, &st, WNOHANG) == 0, "kill_guard with the wrong name refuses, child still alive");
    r = ROCKER_kill_guard((int)child, NULL, SIGKILL);
    ok(r.err_no == ROCKER_ERR_param_invalid, "kill_guard(NULL name) -> param_invalid");
    r = ROCKER_kill_guard((int)child, n.guard_pname, SIGTERM);
    ok(r.err_no == ROCKER_ERR_success && waitpid(child, &st, 0) == child && WIFSIGNALED(st) &&
       WTERMSIG(st) == SIGTERM, "kill_guard with the right name ('%s') delivers SIGTERM", n.guard_pname);
    r = ROCKER_kill_guard((int)child, n.guard_pname, SIGTERM);
    ok(r.err_no == ROCKER_ERR_get_guardname_failed || r.err_no == ROCKER_ERR_sys,
       "kill_guard on a reaped pid fails: %s", ROCKER_err_name(r.err_no));
    ok(count_fds() == fd0, "kill_guard leaks no fd");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        self_base = slash ? slash + 1 : argv[0];
    }
    test_names();
    test_seed_codes();
    test_steps_and_ops();
    test_strerror();
    test_decode();
    test_ops();
    test_guardname();
    test_request_new();
    test_validation();
    test_root_request();
    test_no_server();
    test_kill_guard();
    return tap_done();
}
