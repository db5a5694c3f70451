/*
 * sshdreload.h: asking the running sshd to read its configuration again
 * after sudoers-gen changed its rules.
 */
#ifndef VPS_SSHDRELOAD_H
#define VPS_SSHDRELOAD_H

#include <stdbool.h>
#include <glib.h>

enum sshd_reload_result {
	SSHD_RELOADED,		/* SIGHUP sent to the listener */
	SSHD_NOT_RUNNING,	/* no live sshd behind its PidFile */
};

/*
 * Sends SIGHUP to the sshd that runs with the configuration file config
 * (its PidFile as sshd -T reports it), if that process is sshd. No running
 * sshd is not an error: *res says which.
 */
bool	 sshd_reload(const char *config, enum sshd_reload_result *res,
	    GError **err);

#endif
