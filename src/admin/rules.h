/*
 * rules.h: the text of the access rules that sudoers-gen installs, built
 * from a valid vps.data. Pure functions: no I/O, golden-file tested.
 */
#ifndef VPS_RULES_H
#define VPS_RULES_H

#include "vpsconf.h"
#include "vpsdata.h"

/* The User_Alias of all members, who may run "MENU --list". */
#define RULES_MEMBERS_ALIAS	"VPSHOST_MEMBERS"

/*
 * The members are the owners in d and the names in members (NULL-terminated,
 * may be NULL; any order, a name may repeat or also own a VPS): members
 * without a VPS get the same restrictions as owners, with nothing to reach.
 * source names the input files in the header comment.
 */

/*
 * sudoers(5) rules: each member may run, as root and without a password,
 * exactly "MENU --list", and each owner also "MENU --serve VPS" for each
 * VPS they own. g_free() the result.
 */
char	*rules_sudoers(const struct vps_data *d, const char *const *members,
	    const char *menu, const char *source);

/*
 * sshd_config(5) rules: a Match User block per member that forces MENU as
 * the command and permits no forwarding but local forwarding to the
 * member's own SPICE ports (none for a member without a VPS): on the
 * loopback for a VPS of this host, on the spice_listen address of its
 * [host NAME] in cfg for a VPS of another host (cfg may be NULL when no
 * VPS has a host). A VPS whose host has no group gets no forwarding; the
 * caller refuses such a vps.data first (config_host_of).
 */
char	*rules_sshd(const struct vps_data *d, const struct vps_config *cfg,
	    const char *const *members, const char *menu, const char *source);

#endif
