/*
 * root-slots.h: how many menu sessions a member has open, for [limits]
 * sessions of vps.conf, counted by the privileged half.
 *
 * Every menu, interactive or one command, runs "sudo -n virsh-menu
 * --list" once as it starts. --list (root) finds the member's process
 * that started sudo, the menu, among its ancestors, and records it with
 * its start time in SLOTS_DIR/MEMBER, a file only root can open. A
 * record counts while its process lives: a menu that ends or is killed
 * (SIGKILL included) is gone from /proc, and the next --list drops its
 * record, so the count cannot leak; a recycled pid has another start
 * time. The member can neither read nor lock nor change the records,
 * nor those of other members.
 */
#ifndef VPS_ROOT_SLOTS_H
#define VPS_ROOT_SLOTS_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>

#include "pathnames.h"
#include "util.h"

/* A process: its pid and its start time (clock ticks after boot). */
struct slots_proc {
	pid_t	 pid;
	unsigned long long start;
};

/* Fills out for the process pid; false if there is none. */
bool	 slots_proc(pid_t pid, struct slots_proc *out);

/*
 * The nearest of our first few ancestors whose real, effective, saved
 * and file system uids are all uid (the menu that ran sudo, which runs
 * as the member; sudo itself has effective uid 0). False if there is
 * none: --list was not started by a process of the member.
 */
bool	 slots_session(uid_t uid, struct slots_proc *out);

/*
 * Counts the live sessions recorded in dir/member (dir is created, mode
 * 0700, if missing) and records self unless it is recorded already or
 * max are open. Returns 1 admitted, 0 refused (*nopen: how many are
 * open), -1 with err set if the records cannot be kept.
 */
int	 slots_take(const char *dir, const char *member,
	    const struct slots_proc *self, unsigned max, unsigned *nopen,
	    GError **err);

#endif
