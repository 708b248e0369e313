/* tests/layout/layout.c: print the wire layout as rocker.h sees it.
 *
 * One line per field "<struct>.<field> <offset> <size>", then
 * "<struct> sizeof <size>", then "<CONSTANT> <value>" for the constants
 * PROTOCOL.md names. tests/layout/check.sh builds this for a target, runs it
 * there (natively or under qemu-user) and diffs the output against the table
 * rocker-proto prints (`cargo +nightly run -q -p rocker-proto --example
 * layout-table`, see rocker-proto/src/layout.rs). Keep both in the same order.
 */
#include <stddef.h>
#include <stdio.h>

#include "rocker.h"

#define FIELD(s, f)                                                       \
	printf("%s.%s %lu %lu\n", #s, #f, (unsigned long)offsetof(struct s, f), \
	       (unsigned long)sizeof(((struct s *)0)->f))
#define SIZEOF(s) printf("%s sizeof %lu\n", #s, (unsigned long)sizeof(struct s))
#define CONST(c) printf("%s %lld\n", #c, (long long)(c))

int main(void)
{
	FIELD(rocker_hdr, magic);
	FIELD(rocker_hdr, version);
	FIELD(rocker_hdr, kind);
	FIELD(rocker_hdr, size);
	FIELD(rocker_hdr, flags);
	SIZEOF(rocker_hdr);

	FIELD(rocker_req_run, hdr);
	FIELD(rocker_req_run, app_id);
	FIELD(rocker_req_run, uid);
	FIELD(rocker_req_run, gid);
	FIELD(rocker_req_run, run_flags);
	FIELD(rocker_req_run, n_overlay);
	FIELD(rocker_req_run, reserved);
	FIELD(rocker_req_run, pkg);
	FIELD(rocker_req_run, exec_dir);
	FIELD(rocker_req_run, data_dir);
	FIELD(rocker_req_run, overlay);
	SIZEOF(rocker_req_run);

	FIELD(rocker_rep_run, hdr);
	FIELD(rocker_rep_run, err);
	FIELD(rocker_rep_run, sys_errno);
	FIELD(rocker_rep_run, step);
	FIELD(rocker_rep_run, index);
	FIELD(rocker_rep_run, guard_pid);
	FIELD(rocker_rep_run, guard_pname);
	FIELD(rocker_rep_run, n_fds);
	FIELD(rocker_rep_run, reserved);
	SIZEOF(rocker_rep_run);

	FIELD(rocker_list_entry, guard_pid);
	FIELD(rocker_list_entry, app_id);
	FIELD(rocker_list_entry, start_ns);
	FIELD(rocker_list_entry, guard_pname);
	FIELD(rocker_list_entry, pkg);
	FIELD(rocker_list_entry, uptime_ns);
	FIELD(rocker_list_entry, reserved);
	SIZEOF(rocker_list_entry);

	FIELD(rocker_rep_list, hdr);
	FIELD(rocker_rep_list, count);
	FIELD(rocker_rep_list, reserved);
	SIZEOF(rocker_rep_list);

	CONST(ROCKER_MAGIC);
	CONST(ROCKER_PROTO_VERSION);
	CONST(ROCKER_MSG_MAX);
	CONST(ROCKER_MAX_SANDBOXES);
	CONST(ROCKER_RUN_LEGACY_LOOP);

	CONST(ROCKER_ERR_unknown);
	CONST(ROCKER_ERR_success);
	CONST(ROCKER_ERR_sys);
	CONST(ROCKER_ERR_param_invalid);
	CONST(ROCKER_ERR_server_unaddr_invalid);
	CONST(ROCKER_ERR_gen_local_addr_failed);
	CONST(ROCKER_ERR_send_req_failed);
	CONST(ROCKER_ERR_recv_resp_failed);
	CONST(ROCKER_ERR_build_rocker_failed);
	CONST(ROCKER_ERR_enter_rocker_failed);
	CONST(ROCKER_ERR_app_exec_failed);
	CONST(ROCKER_ERR_get_guardname_failed);
	CONST(ROCKER_ERR_no_server);
	CONST(ROCKER_ERR_pkg_missing);
	CONST(ROCKER_ERR_pkg_not_squashfs);
	CONST(ROCKER_ERR_path_relative);
	CONST(ROCKER_ERR_path_too_long);
	CONST(ROCKER_ERR_path_invalid);
	CONST(ROCKER_ERR_overlay_invalid);
	CONST(ROCKER_ERR_bad_message);
	CONST(ROCKER_ERR_permission_denied);
	CONST(ROCKER_ERR_busy);
	CONST(ROCKER_ERR_no_loop_device);
	CONST(ROCKER_ERR_data_dir_invalid);
	CONST(ROCKER_ERR_exec_dir_invalid);
	CONST(ROCKER_ERR_id_map_failed);

	CONST(ROCKER_STEP_none);
	CONST(ROCKER_STEP_validate);
	CONST(ROCKER_STEP_peer_cred);
	CONST(ROCKER_STEP_pkg_check);
	CONST(ROCKER_STEP_clone_guard);
	CONST(ROCKER_STEP_make_private);
	CONST(ROCKER_STEP_open_data_dir);
	CONST(ROCKER_STEP_mkdir_layer);
	CONST(ROCKER_STEP_mount_overlay);
	CONST(ROCKER_STEP_loop_control);
	CONST(ROCKER_STEP_loop_get_free);
	CONST(ROCKER_STEP_loop_configure);
	CONST(ROCKER_STEP_loop_set_fd);
	CONST(ROCKER_STEP_loop_set_status);
	CONST(ROCKER_STEP_mkdir_exec_dir);
	CONST(ROCKER_STEP_mount_squashfs);
	CONST(ROCKER_STEP_mount_proc);
	CONST(ROCKER_STEP_unshare_user);
	CONST(ROCKER_STEP_setgroups);
	CONST(ROCKER_STEP_gid_map);
	CONST(ROCKER_STEP_uid_map);
	CONST(ROCKER_STEP_open_ns);
	CONST(ROCKER_STEP_reply);
	CONST(ROCKER_STEP_connect);
	CONST(ROCKER_STEP_send);
	CONST(ROCKER_STEP_recv);
	CONST(ROCKER_STEP_open_pkg);
	CONST(ROCKER_STEP_fork_helper);
	CONST(ROCKER_STEP_setns_mnt);
	CONST(ROCKER_STEP_setns_pid);
	CONST(ROCKER_STEP_setns_user);
	CONST(ROCKER_STEP_drop_groups);
	CONST(ROCKER_STEP_setresgid);
	CONST(ROCKER_STEP_setresuid);
	CONST(ROCKER_STEP_drop_caps);
	CONST(ROCKER_STEP_clone_app);
	CONST(ROCKER_STEP_register_app);
	CONST(ROCKER_STEP_guard_timeout);

	return fflush(stdout) == 0 ? 0 : 1;
}
