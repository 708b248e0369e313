// header_check.cc -- rocker.h as C++ (98/11/17): extern "C", no designated
// initializers, explicit casts from void*, static_assert layout checks.
#include "rocker.h"

#include <string>

namespace {
int app(void *arg) { return arg != 0 ? 1 : 0; }
}

int main()
{
    std::string pkg("/tmp/app.sqfs"), exec_dir("/var/app/exec"), data_dir("/tmp/app-data");
    std::string var("/var");
    RockerRequest req = ROCKER_request_new();
    req.uid = req.gid = 1000;
    req.app_pkg_path = &pkg[0];             // char * in the seed's API: pass writable buffers
    req.app_exec_dir = &exec_dir[0];
    req.app_data_dir = &data_dir[0];
    req.app_overlay_dirs[0] = &var[0];
    RockerResult res = ROCKER_get_guardname(static_cast<int>(getpid()));
    if (res.err_no == ROCKER_ERR_unknown)   // never: compile-time use only
        res = ROCKER_enter_rocker(&req, app, 0);
    char msg[128];
    ROCKER_strerror_r(&res, msg, sizeof msg);
    struct rocker_req_run run;
    memset(&run, 0, sizeof run);
    return sizeof(run) == ROCKER_REQ_RUN_SIZE ? 0 : 1;
}
