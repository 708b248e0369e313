/*
 * seed_client.c -- a client written only against the seed's API (issue 8
 * item 9): RockerRequest {app_id, uid, gid, app_pkg_path, app_exec_dir,
 * app_data_dir, app_overlay_dirs[16]}, RockerResult {err_no, app_pid,
 * guard_pid, guard_pname}, ROCKER_request_new, ROCKER_enter_rocker,
 * ROCKER_get_guardname and the seed's 12 codes, ROCKER_ERR_unknown ..
 * ROCKER_ERR_get_guardname_failed.  Nothing appended later is used here:
 * such a client must only ever see those 12 values, each with the seed's
 * meaning, so that its `if (res.err_no == ROCKER_ERR_param_invalid)` runs.
 *
 *   seed_client PKG EXEC DATA NOTSQFS DATALINK
 *
 * Prints `ok - NAME` / `not ok - NAME: REASON` (run.sh numbers them).
 */
#define _GNU_SOURCE 1
#include "rocker.h"

#include <stdio.h>

static int failed;

static const char *seed_name(int e)
{
    switch (e) {
    case ROCKER_ERR_unknown: return "ROCKER_ERR_unknown";
    case ROCKER_ERR_success: return "ROCKER_ERR_success";
    case ROCKER_ERR_sys: return "ROCKER_ERR_sys";
    case ROCKER_ERR_param_invalid: return "ROCKER_ERR_param_invalid";
    case ROCKER_ERR_server_unaddr_invalid: return "ROCKER_ERR_server_unaddr_invalid";
    case ROCKER_ERR_gen_local_addr_failed: return "ROCKER_ERR_gen_local_addr_failed";
    case ROCKER_ERR_send_req_failed: return "ROCKER_ERR_send_req_failed";
    case ROCKER_ERR_recv_resp_failed: return "ROCKER_ERR_recv_resp_failed";
    case ROCKER_ERR_build_rocker_failed: return "ROCKER_ERR_build_rocker_failed";
    case ROCKER_ERR_enter_rocker_failed: return "ROCKER_ERR_enter_rocker_failed";
    case ROCKER_ERR_app_exec_failed: return "ROCKER_ERR_app_exec_failed";
    case ROCKER_ERR_get_guardname_failed: return "ROCKER_ERR_get_guardname_failed";
    default: return NULL; /* a value the seed never defined */
    }
}

static int noop(void *arg)
{
    (void)arg;
    return 0;
}

static RockerRequest req(char *pkg, char *exec, char *data)
{
    RockerRequest q = ROCKER_request_new();
    q.app_id = 3;
    q.uid = 1000;
    q.gid = 1000;
    q.app_pkg_path = pkg;
    q.app_exec_dir = exec;
    q.app_data_dir = data;
    q.app_overlay_dirs[0] = "/var";
    return q;
}

static void expect(const char *name, RockerRequest *q, int want)
{
    RockerResult res = ROCKER_enter_rocker(q, noop, NULL);
    const char *got = seed_name((int)res.err_no);
    if (got && res.err_no == want) {
        printf("ok - seed API: %s -> %s\n", name, got);
    } else {
        failed++;
        printf("not ok - seed API: %s -> %s: err_no=%d (%s)\n", name, seed_name(want), (int)res.err_no,
               got ? got : "not one of the seed's 12 codes");
    }
    if (res.err_no == ROCKER_ERR_success && res.app_pid > 0)
        waitpid(res.app_pid, NULL, 0);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    RockerRequest q;
    RockerResult res, g;
    int st;
    if (argc < 6) {
        fprintf(stderr, "usage: seed_client PKG EXEC DATA NOTSQFS DATALINK\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    q = req(argv[1], "var/your_APP/execdir", argv[3]);
    expect("relative exec dir", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], argv[2], "rocker-data");
    expect("relative data dir", &q, ROCKER_ERR_param_invalid);
    q = req("/nonexistent/rocker-it/app.sqfs", argv[2], argv[3]);
    expect("missing package", &q, ROCKER_ERR_param_invalid);
    q = req(argv[4], argv[2], argv[3]);
    expect("package that is not a squashfs", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], argv[2], argv[3]);
    q.app_overlay_dirs[1] = "/proc";
    expect("overlay /proc", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], argv[2], "/var/rocker-it-no-such-data-dir");
    expect("missing data dir", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], argv[2], argv[5]);
    expect("data dir that is a symlink", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], "/etc/passwd", argv[3]);
    expect("exec dir that is a file", &q, ROCKER_ERR_param_invalid);
    q = req(argv[1], argv[2], argv[3]);
    q.uid = 0;
    expect("uid 0", &q, ROCKER_ERR_param_invalid);
    {
        static char saved[256];
        snprintf(saved, sizeof saved, "%s", getenv("ROCKER_SOCKET") ? getenv("ROCKER_SOCKET") : "");
        setenv("ROCKER_SOCKET", "/tmp/rocker-it-no-server.sock", 1);
        q = req(argv[1], argv[2], argv[3]);
        expect("no server", &q, ROCKER_ERR_server_unaddr_invalid);
        setenv("ROCKER_SOCKET", saved, 1);
    }

    q = req(argv[1], argv[2], argv[3]);
    res = ROCKER_enter_rocker(&q, noop, NULL);
    g = ROCKER_get_guardname(res.guard_pid);
    if (res.err_no == ROCKER_ERR_success && res.app_pid > 0 && g.err_no == ROCKER_ERR_success &&
        strcmp(g.guard_pname, res.guard_pname) == 0) {
        printf("ok - seed API: the example request succeeds (ROCKER_ERR_success, guard named by ROCKER_get_guardname)\n");
    } else {
        failed++;
        printf("not ok - seed API: the example request succeeds: err_no=%d (%s), guard name '%s' vs '%s'\n",
               (int)res.err_no, seed_name((int)res.err_no) ? seed_name((int)res.err_no) : "not a seed code",
               g.guard_pname, res.guard_pname);
    }
    if (res.app_pid > 0)
        waitpid(res.app_pid, &st, 0);
    return failed ? 1 : 0;
}
