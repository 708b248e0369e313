/* header_check.c -- rocker.h must compile alone (no feature macros, nothing
 * included before it) as C89/C99/C11 with -Wall -Wextra -Werror -pedantic, and
 * link statically on every target (this references every public function). */
#include "rocker.h"

static int app(void *arg)
{
    return arg ? 1 : 0;
}

int main(int argc, char **argv)
{
    RockerRequest req = ROCKER_request_new();
    RockerResult res;
    struct rocker_list_entry entries[ROCKER_MAX_SANDBOXES];
    char msg[128];
    int count = 0;

    (void)argv;
    if (argc > 1000) { /* never true: link-time check only */
        res = ROCKER_enter_rocker(&req, app, NULL);
        res = ROCKER_list(entries, ROCKER_MAX_SANDBOXES, &count);
        res = ROCKER_kill_guard(res.guard_pid, res.guard_pname, SIGKILL);
    }
    res = ROCKER_get_guardname((int)getpid());
    (void)ROCKER_strerror_r(&res, msg, sizeof msg);
    return ROCKER_err_name(res.err_no)[0] == 'R' && ROCKER_step_name(res.step)[0] &&
                   ROCKER_errno_name(res.sys_errno)[0] == 'E'
               ? 0
               : 1;
}
