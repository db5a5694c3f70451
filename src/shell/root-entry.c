/*
 * root-entry.c: the checks of the privileged half (root, under sudo, for the
 * member SUDO_USER), "virsh-menu --list", and the step from
 * "virsh-menu --serve VPS" to the server program.
 *
 * Both refuse unless the effective uid is 0 and SUDO_USER is a valid
 * user name; they read only the compiled-in configuration (which must be
 * root's and writable by nobody else) and vps.data, and drop the
 * environment sudo gave them for one of their own (priv_environ).
 */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "proto.h"
#include "root-entry.h"
#include "root-slots.h"
#include "util.h"

const char *
priv_member(void)
{
	const char *user = getenv("SUDO_USER");

	if (geteuid() != 0) {
		vlog_err("refused: the privileged half must run as root "
		    "under sudo");
		return NULL;
	}
	if (user == NULL || !vps_owner_valid(user, NULL)) {
		vlog_err("refused: SUDO_USER is not set to a user name");
		return NULL;
	}
	return user;
}

struct vps_config *
priv_config(void)
{
	g_autoptr(GError) err = NULL;
	struct vps_config *cfg;

	if ((cfg = config_load(NULL, 0, &err)) == NULL)
		vlog_err("%s", err->message);
	return cfg;
}

struct vps_config *
priv_load(struct vps_data *d)
{
	g_autoptr(GError) err = NULL;
	struct vps_config *cfg;

	if ((cfg = priv_config()) == NULL)
		return NULL;
	if (!vpsdata_load(cfg->data, d, &err)) {
		vlog_err("refused: %s", err->message);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * The environment of the privileged half for member (g_strfreev): built
 * from nothing, never filtered from the one sudo passed.
 */
static char **
priv_environ(const char *member)
{
	char	**env = g_new0(char *, 4);

	env[0] = g_strdup("PATH=" PRIV_ENV_PATH);
	env[1] = g_strdup("LC_ALL=" PRIV_ENV_LOCALE);
	env[2] = g_strconcat("SUDO_USER=", member, NULL);
	return env;
}

/* Replaces our own environment with priv_environ(member). */
static bool
priv_clean_environ(const char *member)
{
	char	**env = priv_environ(member);
	size_t	 i;
	bool	 ok = clearenv() == 0;

	for (i = 0; env[i] != NULL; i++) {
		if (!ok || putenv(env[i]) != 0) {	/* env[i] is kept */
			ok = false;
			g_free(env[i]);
		}
	}
	g_free(env);
	if (!ok)
		vlog_err("cannot set up the environment: %s", strerror(errno));
	return ok;
}

/*
 * Counts the menu session that ran us against [limits] sessions: 0 if
 * admitted (or if no process of the member's started sudo, as when root
 * runs --list), PRIV_EXIT_LIMIT if the member has that many open, 1 if
 * the sessions cannot be counted (refused: the limit must hold).
 */
static int
priv_admit(const char *member, const struct vps_config *cfg)
{
	g_autoptr(GError) err = NULL;
	struct slots_proc self;
	struct passwd *pw;
	unsigned nopen = 0;

	if ((pw = getpwnam(member)) == NULL) {
		vlog_err("refused: no account named %s", member);
		return 1;
	}
	if (!slots_session(pw->pw_uid, &self))
		return 0;
	switch (slots_take(SLOTS_DIR, member, &self, cfg->sessions, &nopen,
	    &err)) {
	case 1:
		return 0;
	case 0:
		vlog_err("session refused: you have %u menu sessions open, "
		    "the limit is %u ([limits] sessions); end one first",
		    nopen, cfg->sessions);
		vlog_audit("member=%s action=session result=refused: %u open, "
		    "limit %u", member, nopen, cfg->sessions);
		return PRIV_EXIT_LIMIT;
	default:
		vlog_err("refused: cannot count your menu sessions: %s",
		    err->message);
		return 1;
	}
}

int
priv_list(void)
{
	struct vps_data d = VPSDATA_INIT;
	struct vps_config *cfg;
	const char *user;
	char	 member[VPS_OWNER_MAX + 1];
	size_t	 i;
	int	 rc;

	if ((user = priv_member()) == NULL ||
	    !vps_strlcpy(member, user, sizeof(member)) ||
	    !priv_clean_environ(member) || (cfg = priv_load(&d)) == NULL)
		return 1;
	if ((rc = priv_admit(member, cfg)) == 0) {
		for (i = 0; i < d.n; i++) {
			if (strcmp(d.v[i].owner, member) == 0)
				printf("%s\n", d.v[i].name);
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			vlog_err("cannot write the list: %s", strerror(errno));
			rc = 1;
		}
	}
	vpsdata_clear(&d);
	config_free(cfg);
	return rc;
}

int
priv_exec_serve(const char *vps)
{
	char	*const argv[] = { (char *)"virsh-menu-serve", (char *)vps,
	    NULL };
	const char *member;
	char	**env;

	if ((member = priv_member()) == NULL)
		return 1;
	env = priv_environ(member);
	execve(SERVE_PATH, argv, env);
	vlog_err("cannot run %s: %s", SERVE_PATH, strerror(errno));
	g_strfreev(env);
	return 1;
}
