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
	FIELD(rocker_req_run, reply_max);
	FIELD(rocker_req_run, test_stall);
	FIELD(rocker_req_run, share);
	FIELD(rocker_req_run, net);
	FIELD(rocker_req_run, tmp_size_kb);
	FIELD(rocker_req_run, n_devices);
	FIELD(rocker_req_run, hostname);
	FIELD(rocker_req_run, bridge);
	FIELD(rocker_req_run, addr);
	FIELD(rocker_req_run, prefix);
	FIELD(rocker_req_run, reserved2);
	FIELD(rocker_req_run, gateway);
	FIELD(rocker_req_run, device_ro);
	FIELD(rocker_req_run, devices);
	FIELD(rocker_req_run, mem_max);
	FIELD(rocker_req_run, swap_max);
	FIELD(rocker_req_run, cpu_quota_us);
	FIELD(rocker_req_run, cpu_period_us);
	FIELD(rocker_req_run, cpu_weight);
	FIELD(rocker_req_run, pids_max);
	FIELD(rocker_req_run, limit_flags);
	FIELD(rocker_req_run, n_rlimits);
	FIELD(rocker_req_run, rlimits);
	FIELD(rocker_req_run, seccomp);
	FIELD(rocker_req_run, seccomp_default);
	FIELD(rocker_req_run, seccomp_action);
	FIELD(rocker_req_run, seccomp_errno);
	FIELD(rocker_req_run, seccomp_names);
	FIELD(rocker_req_run, root);
	FIELD(rocker_req_run, root_flags);
	FIELD(rocker_req_run, cwd);
	FIELD(rocker_req_run, n_binds);
	FIELD(rocker_req_run, bind_rw);
	FIELD(rocker_req_run, binds);
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
	FIELD(rocker_rep_run, ctl_fd);
	FIELD(rocker_rep_run, n_ops);
	FIELD(rocker_rep_run, blob_len);
	FIELD(rocker_rep_run, reserved1);
	SIZEOF(rocker_rep_run);

	FIELD(rocker_op, op);
	FIELD(rocker_op, step);
	FIELD(rocker_op, a);
	FIELD(rocker_op, b);
	FIELD(rocker_op, c);
	SIZEOF(rocker_op);

	FIELD(rocker_list_entry, guard_pid);
	FIELD(rocker_list_entry, app_id);
	FIELD(rocker_list_entry, start_ns);
	FIELD(rocker_list_entry, guard_pname);
	FIELD(rocker_list_entry, pkg);
	FIELD(rocker_list_entry, uptime_ns);
	FIELD(rocker_list_entry, reserved);
	FIELD(rocker_list_entry, net);
	FIELD(rocker_list_entry, addr);
	FIELD(rocker_list_entry, prefix);
	FIELD(rocker_list_entry, reserved1);
	FIELD(rocker_list_entry, pids);
	FIELD(rocker_list_entry, mem_bytes);
	FIELD(rocker_list_entry, mem_max);
	SIZEOF(rocker_list_entry);

	FIELD(rocker_rep_list, hdr);
	FIELD(rocker_rep_list, count);
	FIELD(rocker_rep_list, entry_size);
	SIZEOF(rocker_rep_list);

	FIELD(rocker_req_list, hdr);
	FIELD(rocker_req_list, entry_size);
	FIELD(rocker_req_list, reserved);
	SIZEOF(rocker_req_list);

	/* every constant of the Rust table (check.sh generates this file) */
#include "layout_consts.h"
	return fflush(stdout) == 0 ? 0 : 1;
}
