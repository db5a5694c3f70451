/*
 * rules.h: the text of the access rules that sudoers-gen installs, built
 * from a valid vps.data. Pure functions: no I/O, golden-file tested.
 */
#ifndef VPS_RULES_H
#define VPS_RULES_H

#include "vpsdata.h"

/* The User_Alias of all owners, who may run "MENU --list". */
#define RULES_MEMBERS_ALIAS	"VPSHOST_MEMBERS"

/*
 * sudoers(5) rules: each owner may run, as root and without a password,
 * exactly "MENU --list" and "MENU --serve VPS" for each VPS they own.
 * source names the data file in the header comment. g_free() the result.
 */
char	*rules_sudoers(const struct vps_data *d, const char *menu,
	    const char *source);

/*
 * sshd_config(5) rules: a Match User block per owner that permits local
 * forwarding to their SPICE ports only and forces MENU as the command.
 */
char	*rules_sshd(const struct vps_data *d, const char *menu,
	    const char *source);

#endif
