/*
 * session.h: the UI's side of the privilege separation. For each VPS the
 * member touches, "sudo -n BINDIR/virsh-menu --serve VPS" is started once
 * and kept for the session; requests go over its stdin and stdout.
 */
#ifndef VPS_SESSION_H
#define VPS_SESSION_H

#include <stdbool.h>
#include <glib.h>

#include "proto.h"

#define SESSION_TRANSPORT	(-1)	/* the server is gone */

struct session;

/* Starts the server for vps; NULL with err set if it cannot be started. */
struct session *session_open(const char *vps, GError **err);
/*
 * Sends one request and reads the reply. Data lines are appended to
 * lines (g_free'd strings). Returns 0 (ok), 1 or 2 (the server's error
 * code, with *errtext set), or SESSION_TRANSPORT (the server is gone or
 * spoke out of protocol; *errtext says why). Free *errtext with g_free.
 */
int	 session_call(struct session *s, enum proto_verb v, const char *arg,
	    GPtrArray *lines, char **errtext);
/* Closes the pipes and reaps the server. NULL is fine. */
void	 session_close(struct session *s);

/*
 * Runs "sudo -n BINDIR/virsh-menu --list" and returns the member's VPS
 * names (validated), or NULL with err set.
 */
char	**session_list(GError **err);

#endif
