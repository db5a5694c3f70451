/*
 * member-session.c: starting the privileged half under sudo and talking to it.
 *
 * The server is executed by absolute path through sudo -n (never a
 * password prompt) with a fixed, minimal environment: nothing of the
 * member's environment reaches sudo or the server.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "names.h"
#include "pathnames.h"
#include "member-session.h"
#include "util.h"

#define LIST_MAX	4096	/* VPS names --list may return */

G_DEFINE_QUARK(session-error-quark, session_error)

struct session {
	pid_t	 pid;
	int	 to;		/* the server's stdin */
	struct proto_reader from;	/* the server's stdout */
};

/*
 * The sudo pids of the open sessions (0: a free slot), for
 * session_kill_all in a signal handler: a fixed table, which it can
 * read safely. A session beyond it is only closed at a hangup.
 */
#define KILL_SLOTS	64
static volatile sig_atomic_t kill_slots[KILL_SLOTS];

/* Puts new in the slot of old (0: a free slot); a full table keeps none. */
static void
kill_slot_set(pid_t old, pid_t new)
{
	size_t	 i;

	for (i = 0; i < KILL_SLOTS; i++) {
		if (kill_slots[i] == old) {
			kill_slots[i] = new;
			return;
		}
	}
}

void
session_kill_all(void)
{
	size_t	 i;
	int	 saved = errno;

	for (i = 0; i < KILL_SLOTS; i++) {
		if (kill_slots[i] > 0)
			(void)kill(kill_slots[i], SIGTERM);
	}
	errno = saved;
}

/*
 * Starts "sudo -n MENU_PATH args..." with its stdin from *to (or
 * /dev/null when to is NULL) and its stdout into *from; stderr stays the
 * member's, so sudo's and the server's refusals reach the member.
 */
static pid_t
spawn_menu(const char *const *args, int *to, int *from, GError **err)
{
	static char path_env[] = "PATH=/usr/bin:/bin";
	char	*const envp[] = { path_env, NULL };
	const char *argv[8];
	int	 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	size_t	 i, n = 0;
	pid_t	 pid = -1;

	argv[n++] = "sudo";
	argv[n++] = "-n";
	argv[n++] = MENU_PATH;
	for (i = 0; args[i] != NULL && n < G_N_ELEMENTS(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if ((to != NULL && pipe2(in, O_CLOEXEC) == -1) ||
	    pipe2(out, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s",
		    g_strerror(errno));
		goto out;
	}
	if (pid == 0) {
		sigset_t none;
		int	 null = -1;

		if (to == NULL && (null = open("/dev/null", O_RDONLY)) == -1)
			_exit(127);
		if (dup2(to != NULL ? in[0] : null, 0) == -1 ||
		    dup2(out[1], 1) == -1)
			_exit(127);
		/*
		 * Its own session, without a controlling terminal: the
		 * member's Ctrl-C at the menu must not reach sudo (which
		 * would pass it on to the server), and sudo then neither
		 * allocates a pty for "Defaults use_pty" (a relay process
		 * in every request's path, and a process that job control
		 * can stop while the menu waits for it at exit) nor touches
		 * the member's terminal.
		 */
		if (setsid() == -1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);		/* the menu blocks SIGINT */
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(SUDO_PATH, (char *const *)argv, envp);
		fprintf(stderr, "virsh-menu: cannot run %s: %s\n", SUDO_PATH,
		    strerror(errno));
		_exit(127);
	}
	if (to != NULL) {
		*to = in[1];
		in[1] = -1;
	}
	*from = out[0];
	out[0] = -1;
out:
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
	}
	return pid;
}

static int
reap(pid_t pid)
{
	int	 st;

	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct session *
session_open(const char *vps, GError **err)
{
	const char *args[] = { "--serve", vps, NULL };
	struct session *s;
	int	 from;

	s = g_new0(struct session, 1);
	if ((s->pid = spawn_menu(args, &s->to, &from, err)) == -1) {
		g_free(s);
		return NULL;
	}
	proto_reader_init(&s->from, from);
	kill_slot_set(0, s->pid);
	return s;
}

int
session_to(struct session *s)
{
	return s->to;
}

struct proto_reader *
session_from(struct session *s)
{
	return &s->from;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	kill_slot_set(s->pid, 0);	/* before reap frees the pid */
	close(s->to);
	close(s->from.fd);
	reap(s->pid);
	g_free(s);
}

/*
 * Waits until the server's reply can be read, watching the member's
 * stdout meanwhile: when its other end is closed (POLLHUP, or POLLERR
 * for a pipe), the member's connection is gone (without a terminal no
 * SIGHUP says so), and the servers are ended at once rather than waited
 * for. False then.
 */
static bool
wait_reply(struct session *s)
{
	struct pollfd pfd[2] = {
		{ .fd = s->from.fd, .events = POLLIN },
		{ .fd = STDOUT_FILENO, .events = 0 },
	};

	if (s->from.start < s->from.end)
		return true;
	for (;;) {
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			return true;	/* the read reports it */
		if (pfd[1].revents & POLLNVAL)
			pfd[1].fd = -1;
		else if (pfd[1].revents & (POLLHUP | POLLERR)) {
			session_kill_all();
			return false;
		}
		if (pfd[0].revents != 0)
			return true;
	}
}

/* Sets err to text, with the code that matches rc; returns rc. */
static int
call_error(GError **err, int rc, const char *text)
{
	g_set_error_literal(err, VPS_ERROR, rc == 2 ? VPS_ERROR_INVALID :
	    VPS_ERROR_FAILED, text);
	return rc;
}

int
session_call(struct session *s, enum proto_verb v, const char *arg,
    GPtrArray *lines, GError **err)
{
	char	 req[PROTO_LINE_MAX + 2], line[PROTO_LINE_MAX + 1];
	const char *text;
	ssize_t	 len;
	int	 code;
	guint	 n = 0;

	if (!proto_format_request(req, sizeof(req), v, arg, err)) {
		g_prefix_error(err, "invalid request: ");
		return 2;
	}
	if (!vps_write_all(s->to, req, strlen(req)))
		return call_error(err, SESSION_TRANSPORT,
		    "the privileged helper has exited");
	for (;;) {
		if (!wait_reply(s))
			return call_error(err, SESSION_TRANSPORT,
			    "your connection is gone");
		len = proto_read_line(&s->from, line, sizeof(line), NULL);
		if (len < 0)
			return call_error(err, SESSION_TRANSPORT,
			    len == PROTO_READ_EOF ?
			    "the privileged helper has exited" :
			    "protocol error");
		switch (proto_parse_reply(line, (size_t)len, &code, &text)) {
		case PROTO_LINE_DATA:
			if (++n > PROTO_REPLY_MAX)
				break;
			g_ptr_array_add(lines, g_strdup(text));
			continue;
		case PROTO_LINE_OK:
			return 0;
		case PROTO_LINE_ERR:
			return call_error(err, code, text);
		case PROTO_LINE_BAD:
			break;
		}
		return call_error(err, SESSION_TRANSPORT, "protocol error");
	}
}

/* Reads --list's output: one valid VPS name a line. */
static bool
read_list(struct proto_reader *r, GPtrArray *names, GError **err)
{
	char	 line[VPS_NAME_MAX + 2];
	ssize_t	 len;

	while ((len = proto_read_line(r, line, sizeof(line), NULL)) !=
	    PROTO_READ_EOF) {
		if (len < 0 || !vps_name_valid(line, NULL) ||
		    names->len >= LIST_MAX) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "unexpected output from --list");
			return false;
		}
		g_ptr_array_add(names, g_strdup(line));
	}
	return true;
}

char **
session_list(GError **err)
{
	const char *args[] = { "--list", NULL };
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct proto_reader r;
	int	 from, status;
	bool	 ok;
	pid_t	 pid;

	if ((pid = spawn_menu(args, NULL, &from, err)) == -1) {
		g_ptr_array_unref(names);
		return NULL;
	}
	proto_reader_init(&r, from);
	ok = read_list(&r, names, err);
	close(from);
	status = reap(pid);
	if (ok && status == PRIV_EXIT_LIMIT) {
		g_set_error_literal(err, SESSION_ERROR, SESSION_ERROR_LIMIT,
		    "too many menu sessions");
		ok = false;
	} else if (ok && status != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "sudo %s --list exited with status %d", MENU_PATH, status);
		ok = false;
	}
	if (!ok) {
		g_ptr_array_unref(names);
		return NULL;
	}
	g_ptr_array_set_free_func(names, NULL);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}
