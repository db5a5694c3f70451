/*
 * sshdreload.c: telling the running sshd that its rules changed.
 *
 * sshd reads its configuration when it starts and on SIGHUP (sshd(8));
 * the sessions it accepts after that get the configuration it holds. A
 * Match block that sudoers-gen adds for a new member applies only once
 * the listener has read it again.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "sshdreload.h"
#include "fileio.h"
#include "pathnames.h"
#include "util.h"

#define PIDFILE_MAX	64

/* The PidFile of the sshd that runs with config, from sshd -T; NULL: none. */
static char *
sshd_pidfile(const char *config, GError **err)
{
	static const char *const envp[] = {
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	const char *argv[] = { SSHD, "-T", "-f", config, NULL };
	g_autofree char *out = NULL, *errout = NULL;
	g_auto(GStrv) lines = NULL;
	GError	*serr = NULL;
	int	 status;
	size_t	 i;

	if (!g_spawn_sync(NULL, (char **)argv, (char **)envp,
	    G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status, &serr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot run %s: %s", SSHD, serr->message);
		g_error_free(serr);
		return NULL;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s -T -f %s failed: %s", SSHD, config,
		    g_strstrip(errout));
		return NULL;
	}
	lines = g_strsplit(out, "\n", -1);
	for (i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], "pidfile "))
			return g_strdup(lines[i] + strlen("pidfile "));
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "%s -T -f %s printed no pidfile", SSHD, config);
	return NULL;
}

/* True if pid is a running sshd (its executable is SSHD). */
static bool
is_sshd(unsigned long pid)
{
	char	 link[64], exe[PATH_MAX];
	ssize_t	 n;

	(void)snprintf(link, sizeof(link), PROC_EXE_FMT, pid);
	if ((n = readlink(link, exe, sizeof(exe) - 1)) == -1)
		return false;
	exe[n] = '\0';
	return strcmp(exe, SSHD) == 0;
}

bool
sshd_reload(const char *config, enum sshd_reload_result *res, GError **err)
{
	g_autofree char *pidfile = NULL, *text = NULL;
	unsigned long long pid;
	size_t	 len;
	GError	*rerr = NULL;

	*res = SSHD_NOT_RUNNING;
	if ((pidfile = sshd_pidfile(config, err)) == NULL)
		return false;
	if (strcmp(pidfile, "none") == 0)
		return true;
	if (!vps_read_file(pidfile, PIDFILE_MAX, &text, &len, &rerr)) {
		if (g_error_matches(rerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(rerr);
			return true;
		}
		g_propagate_error(err, rerr);
		return false;
	}
	g_strchomp(text);
	if (!vps_parse_uint(text, 2, INT_MAX, &pid, &rerr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s: not a process id: %s", pidfile, rerr->message);
		g_error_free(rerr);
		return false;
	}
	/* A stale file may name another program's process by now. */
	if (!is_sshd((unsigned long)pid))
		return true;
	if (kill((pid_t)pid, SIGHUP) == -1) {
		if (errno == ESRCH)
			return true;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot signal sshd (pid %llu): %s", pid,
		    g_strerror(errno));
		return false;
	}
	*res = SSHD_RELOADED;
	return true;
}
