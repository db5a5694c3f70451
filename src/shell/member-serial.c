/*
 * member-serial.c: serial, the VPS's serial console on the member's
 * terminal. The helper relays libvirt's console stream as frames
 * (frames.h); here the terminal is put in raw mode and its bytes go to
 * the guest until the escape key, Ctrl-] (as in virsh console), and the
 * guest's bytes go to the terminal as the guest sent them.
 *
 * Nothing of the guest reaches the menu: after the escape, its bytes are
 * dropped, and what the terminal has queued as input meanwhile (answers
 * to the guest's queries, say) is flushed before the menu reads again.
 * The terminal's settings are restored on every way out; a hangup ends
 * the menu (and the helper with it) as anywhere else.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "fileio.h"
#include "frames.h"
#include "log.h"
#include "member-menu.h"
#include "member-session.h"
#include "util.h"

#define SERIAL_ESCAPE	0x1d	/* Ctrl-] */

enum serial_end {
	SERIAL_ESCAPED,		/* the member pressed the escape key */
	SERIAL_CLOSED,		/* the helper ended it, with a reason */
	SERIAL_LOST,		/* the helper is gone or broke the protocol */
	SERIAL_HANGUP,		/* the terminal is gone */
};

struct serial {
	int	 to;			/* frames to the helper */
	struct proto_reader *from;	/* frames from it */
	struct frames in;
	bool	 sent_end;
	bool	 escaped;		/* guest bytes are dropped from now */
	bool	 term_error;
};

static void
to_term(void *arg, const char *bytes, size_t n)
{
	struct serial *sr = arg;

	if (!sr->escaped && !sr->term_error &&
	    !vps_write_all(STDOUT_FILENO, bytes, n))
		sr->term_error = true;
}

/*
 * The member's keys up to the escape key go to the guest. False when the
 * session is over (*end says why).
 */
static bool
from_term(struct serial *sr, enum serial_end *end)
{
	char	 buf[FRAME_DATA_MAX];
	const char *esc;
	ssize_t	 n;
	size_t	 len;

	if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == -1 &&
	    (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		*end = SERIAL_HANGUP;
		return false;
	}
	esc = memchr(buf, SERIAL_ESCAPE, (size_t)n);
	len = esc != NULL ? (size_t)(esc - buf) : (size_t)n;
	if ((len > 0 && !frames_write(sr->to, FRAME_DATA, buf, len)) ||
	    (esc != NULL && !frames_write(sr->to, FRAME_END, NULL, 0))) {
		*end = SERIAL_LOST;
		return false;
	}
	if (esc != NULL)
		sr->sent_end = sr->escaped = true;
	return true;
}

/* The helper's frames: guest bytes to the terminal, then its end. */
static bool
from_helper(struct serial *sr)
{
	char	 buf[FRAME_HDR + FRAME_DATA_MAX];
	ssize_t	 n;

	n = frames_read(sr->from, buf, sizeof(buf));
	if (n == -1 && errno == EINTR)
		return true;
	/* After its end frame the helper sends nothing until ours. */
	if (n <= 0 || frames_feed(&sr->in, buf, (size_t)n, to_term, sr) != n)
		return false;
	if (sr->in.ended && !sr->sent_end) {
		if (!frames_write(sr->to, FRAME_END, NULL, 0))
			return false;
		sr->sent_end = true;
	}
	return true;
}

/* Relays until both ends have been sent, or the session is lost. */
static enum serial_end
serial_loop(struct serial *sr)
{
	struct pollfd pfd[2];
	enum serial_end end;

	while (!(sr->sent_end && sr->in.ended)) {
		pfd[0].fd = sr->sent_end ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = sr->from->fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (!frames_pending(sr->from) && poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)	/* SIGWINCH, say */
				continue;
			return SERIAL_LOST;
		}
		if ((frames_pending(sr->from) || pfd[1].revents != 0) &&
		    !from_helper(sr))
			return SERIAL_LOST;
		if (sr->term_error)
			return SERIAL_HANGUP;
		if (pfd[0].revents != 0 && !sr->sent_end &&
		    !from_term(sr, &end))
			return end;
	}
	return sr->escaped ? SERIAL_ESCAPED : SERIAL_CLOSED;
}

int
cmd_serial(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	char	 reason[FRAME_END_MAX + 1];
	struct termios saved, raw;
	struct session *s;
	struct serial sr;
	enum serial_end end;
	int	 rc;

	if (!menu_arg_ok(cmd, argc, argv))
		return 2;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) ||
	    tcgetattr(STDIN_FILENO, &saved) == -1) {
		vlog_err("serial: needs a terminal: log in with ssh -t "
		    "(ssh -t %s@HOST serial)", ctx->member);
		return 2;
	}
	if ((s = menu_session(ctx, vps)) == NULL)
		return 1;
	rc = session_call(s, PROTO_SERIAL, argc > 0 ? argv[0] : NULL, lines,
	    &err);
	if (rc == SESSION_TRANSPORT) {
		vlog_err("%s: %s", vps, err->message);
		g_hash_table_remove(ctx->sessions, vps);
		return 1;
	}
	if (rc != 0) {
		vlog_err("%s", err->message);
		return rc;
	}
	printf("Connected to the serial console of %s. Escape: Ctrl-] "
	    "(back to the menu).\n", vps);
	fflush(stdout);
	memset(&sr, 0, sizeof(sr));
	sr.to = session_to(s);
	sr.from = session_from(s);
	frames_init(&sr.in);
	raw = saved;
	cfmakeraw(&raw);
	(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
	end = serial_loop(&sr);
	(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	/* Whatever the guest made the terminal answer is no command. */
	(void)tcflush(STDIN_FILENO, TCIFLUSH);
	printf("\n");
	fflush(stdout);
	switch (end) {
	case SERIAL_ESCAPED:
		return 0;
	case SERIAL_CLOSED:
		vps_sanitize_display(sr.in.reason, reason, sizeof(reason));
		vlog_err("%s: serial console closed: %s", vps,
		    reason[0] != '\0' ? reason : "by the helper");
		return 1;
	case SERIAL_LOST:
		vlog_err("%s: the privileged helper has exited", vps);
		g_hash_table_remove(ctx->sessions, vps);
		return 1;
	case SERIAL_HANGUP:
		g_hash_table_remove(ctx->sessions, vps);
		return 1;
	}
	return 1;
}
