/*
 * priv.c: the checks of the privileged half (root, under sudo, for the
 * member SUDO_USER), "virsh-menu --list", and the step from
 * "virsh-menu --serve VPS" to the server program.
 *
 * Both refuse unless the effective uid is 0 and SUDO_USER is a valid
 * user name; they read only the compiled-in configuration (which must be
 * root's and writable by nobody else) and vps.data.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "priv.h"
#include "util.h"

const char *
priv_member(void)
{
	const char *user = getenv("SUDO_USER"), *why;

	if (geteuid() != 0) {
		vlog_err("refused: the privileged half must run as root "
		    "under sudo");
		return NULL;
	}
	if (user == NULL || !vps_owner_valid(user, &why)) {
		vlog_err("refused: SUDO_USER is not set to a user name");
		return NULL;
	}
	return user;
}

struct vps_config *
priv_load(struct vps_data *d)
{
	g_autoptr(GError) err = NULL;
	struct vps_config *cfg;

	if ((cfg = config_load(NULL, VPS_CONFIG_STRICT_OWNER, &err)) == NULL) {
		vlog_err("%s", err->message);
		return NULL;
	}
	if (!vpsdata_load(cfg->data, d, &err)) {
		vlog_err("refused: %s", err->message);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

int
priv_list(void)
{
	struct vps_data d = VPSDATA_INIT;
	struct vps_config *cfg;
	const char *member;
	size_t	 i;

	if ((member = priv_member()) == NULL || (cfg = priv_load(&d)) == NULL)
		return 1;
	for (i = 0; i < d.n; i++) {
		if (strcmp(d.v[i].owner, member) == 0)
			printf("%s\n", d.v[i].name);
	}
	vpsdata_clear(&d);
	config_free(cfg);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

int
priv_exec_serve(const char *vps)
{
	char	*const argv[] = { (char *)"virsh-menu-serve", (char *)vps,
	    NULL };

	if (priv_member() == NULL)
		return 1;
	execv(SERVE_PATH, argv);
	vlog_err("cannot run %s: %s", SERVE_PATH, strerror(errno));
	return 1;
}
