/*
 * member-session.h: the UI's side of the privilege separation. For each VPS the
 * member touches, "sudo -n BINDIR/virsh-menu --serve VPS" is started once
 * and kept for the session; requests go over its stdin and stdout.
 */
#ifndef VPS_MEMBER_SESSION_H
#define VPS_MEMBER_SESSION_H

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
 * code), or SESSION_TRANSPORT (the server is gone or spoke out of
 * protocol); whenever it is not 0, err says why, with VPS_ERROR_INVALID
 * for 2 and VPS_ERROR_FAILED otherwise.
 */
int	 session_call(struct session *s, enum proto_verb v, const char *arg,
	    GPtrArray *lines, GError **err);
/*
 * After the server's ok to serial: the pipe to it and the reader of its
 * output, which carry frames (frames.h) until the stream has ended.
 */
int	 session_to(struct session *s);
struct proto_reader *session_from(struct session *s);

/* Closes the pipes and reaps the server. NULL is fine. */
void	 session_close(struct session *s);
/*
 * Ends every open server at once, a request it is carrying out included
 * (SIGTERM to its sudo, which passes it on), and does not wait: for the
 * member's hangup. Async-signal-safe.
 */
void	 session_kill_all(void);

/*
 * Runs "sudo -n BINDIR/virsh-menu --list" and returns the member's VPS
 * names (validated), or NULL with err set: SESSION_ERROR_LIMIT when
 * --list refused the session for [limits] sessions (it has told the
 * member why, on the member's stderr).
 */
char	**session_list(GError **err);

#define SESSION_ERROR	session_error_quark()
GQuark	 session_error_quark(void);
enum { SESSION_ERROR_LIMIT };

#endif
