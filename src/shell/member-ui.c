/*
 * member-ui.c: the interactive menu on the member's terminal, with libedit.
 *
 * Nothing of libedit that reaches a shell, an editor or a file is left
 * reachable: el_source is never called (no ~/.editrc, no $EDITRC), the
 * keys bound to ed-command (M-x, M-X: "bind -v", then "v" in vi mode
 * would start $EDITOR/vi) and quoted insert (Ctrl-V, which could put a
 * newline into a line) are rebound to a function that refuses. Input
 * bytes outside ASCII are dropped by the read function, and a line is
 * run only if it is printable ASCII (menu_split checks). SIGTSTP and
 * SIGQUIT are ignored; SIGINT cancels the line being edited. SIGINT is
 * blocked except while waiting for input (ppoll with the old mask), so
 * one that comes just before the wait is not lost, and one that comes
 * while a command runs is dropped before the next line; the terminal is
 * read without blocking, so a Ctrl-C that flushed the input cannot leave
 * a read waiting for the next key.
 *
 * When stdin is not a terminal, lines are read with the bounded reader
 * and no line editing at all.
 *
 * What one member's session may take is bounded: the terminal size that
 * libedit sizes its display by is clamped (ui_clamp_size), [limits]
 * idle_minutes ends a session that sees no input, and a hangup ends the
 * menu and its helpers at once, running nothing that was typed ahead.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <histedit.h>

#include "log.h"
#include "member-menu.h"
#include "proto.h"
#include "member-session.h"
#include "member-ui.h"
#include "vpsconf.h"

#define UI_PROMPT	">>> "
#define UI_HISTORY	200
#define UI_COLS_MAX	512	/* terminal size libedit may see, at most */
#define UI_ROWS_MAX	256

/* What ui_read returns instead of a line's length. */
#define UI_READ_EOF	(-1)	/* end of input, or the terminal is gone */
#define UI_READ_CANCEL	(-2)	/* Ctrl-C, or a line refused */
#define UI_READ_IDLE	(-3)	/* no input for idle_minutes */

static volatile sig_atomic_t ui_sigint;	/* Ctrl-C */
static volatile sig_atomic_t ui_alarm;	/* SIGALRM: idle time may be up */
static volatile sig_atomic_t ui_stop;	/* either: stop waiting for input */
static gint64 ui_idle_us;		/* [limits] idle_minutes; 0: never */
static gint64 ui_last_input;		/* monotonic time of the last input */
static bool ui_idle_out;		/* the idle time is up */
static sigset_t ui_waitmask;	/* the mask to wait for input with */
static const char *ui_prompt = UI_PROMPT;
static EditLine *ui_el;
static History *ui_hist;	/* libedit's el_get has no EL_HIST */
static struct proto_reader ui_in;
static int ui_ttyfd = -1;	/* the terminal, opened again non-blocking */

static void
on_sigint(int sig)
{
	ui_sigint = 1;
	ui_stop = 1;
}

static void
on_sigalrm(int sig)
{
	ui_alarm = 1;
	ui_stop = 1;
}

/*
 * Clamps the size of the terminal on fd to UI_COLS_MAX x UI_ROWS_MAX.
 * libedit sizes its two display buffers by rows x columns, which it asks
 * the terminal for (TIOCGWINSZ) in el_init and again at the start of
 * every el_gets, and sshd sets whatever size the client sends: 65535 x
 * 65535 made gigabytes. So the terminal itself is set, before el_init,
 * before every line and at every SIGWINCH, and libedit finds it clamped.
 * A size sent in the microsecond between a clamp and libedit's own
 * query still gets through; the address-space cap (vps_limit_memory)
 * then fails libedit's allocation and ends this member's session only.
 * Async-signal-safe.
 */
static void
ui_clamp_size(int fd)
{
	struct winsize ws;
	int	 saved = errno;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 &&
	    (ws.ws_col > UI_COLS_MAX || ws.ws_row > UI_ROWS_MAX)) {
		if (ws.ws_col > UI_COLS_MAX)
			ws.ws_col = UI_COLS_MAX;
		if (ws.ws_row > UI_ROWS_MAX)
			ws.ws_row = UI_ROWS_MAX;
		(void)ioctl(fd, TIOCSWINSZ, &ws);
	}
	errno = saved;
}

static void
on_sigwinch(int sig)
{
	ui_clamp_size(STDIN_FILENO);
}

/* Sets the handler of sig; flags: SA_RESTART or 0. */
static void
ui_handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

/*
 * The member's connection is gone (sshd closed the terminal): end the
 * helpers at once, a request they are carrying out included, and die of
 * the SIGHUP without running anything typed ahead.
 */
static void
on_sighup(int sig)
{
	session_kill_all();
	ui_handle(SIGHUP, SIG_DFL, 0);
	(void)raise(SIGHUP);	/* delivered when this handler returns */
}

/*
 * Ignore job control and quit keys. SIGINT and SIGALRM only interrupt a
 * wait for input (no SA_RESTART: ppoll gets EINTR), and are blocked
 * outside it; SIGHUP ends the session; SIGWINCH clamps the terminal
 * size at once.
 */
static void
ui_signals(void)
{
	sigset_t block;

	ui_handle(SIGTSTP, SIG_IGN, 0);
	ui_handle(SIGQUIT, SIG_IGN, 0);
	ui_handle(SIGTTOU, SIG_IGN, 0);
	ui_handle(SIGPIPE, SIG_IGN, 0);
	ui_handle(SIGINT, on_sigint, 0);
	ui_handle(SIGALRM, on_sigalrm, 0);
	ui_handle(SIGHUP, on_sighup, 0);
	if (isatty(STDIN_FILENO))
		ui_handle(SIGWINCH, on_sigwinch, SA_RESTART);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &ui_waitmask);
	sigdelset(&ui_waitmask, SIGINT);
	sigdelset(&ui_waitmask, SIGALRM);
}

/* Takes back a pending sig that was blocked, without running a handler. */
static void
ui_drop_pending(int sig)
{
	static const struct timespec now = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	while (sigtimedwait(&set, NULL, &now) == sig)
		;
}

/* Drops a SIGINT that came while a command ran. */
static void
ui_sigint_reset(void)
{
	ui_drop_pending(SIGINT);
	ui_sigint = 0;
	ui_stop = 0;
}

/* ---- idle timeout */

/*
 * [limits] idle_minutes of the compiled-in vps.conf, read as the member
 * (the file is world-readable). A file that cannot be read or parsed
 * leaves the default; the helpers, which read it too, report a bad one.
 */
static unsigned
ui_idle_minutes(void)
{
	g_autoptr(vps_config) cfg = NULL;

	if ((cfg = config_load(NULL, 0, NULL)) == NULL &&
	    (cfg = config_parse("", 0, VPS_CONFIG_PATH, NULL)) == NULL)
		return 0;
	return cfg->idle_minutes;
}

/* Seconds (rounded up) until the idle time is up; 0: it is up. */
static unsigned
ui_idle_left(void)
{
	gint64	 left = ui_last_input + ui_idle_us - g_get_monotonic_time();

	return left <= 0 ? 0 : (unsigned)((left + G_USEC_PER_SEC - 1) /
	    G_USEC_PER_SEC);
}

/*
 * Sets SIGALRM for the end of the idle time, before a wait for input;
 * false (and ui_idle_out) if it is up already.
 */
static bool
ui_idle_arm(void)
{
	unsigned left;

	if (ui_idle_us == 0)
		return true;
	if ((left = ui_idle_left()) == 0) {
		ui_idle_out = true;
		return false;
	}
	alarm(left);
	return true;
}

/*
 * After a wait: clears the alarm and takes back one that came too late
 * to interrupt the wait. Returns true (and sets ui_idle_out) if the idle
 * time is up; a SIGALRM is only a reason to look at the clock.
 */
static bool
ui_idle_disarm(void)
{
	bool	 alarmed = ui_alarm;

	if (ui_idle_us == 0)
		return false;
	alarm(0);
	ui_drop_pending(SIGALRM);
	ui_alarm = 0;
	ui_stop = ui_sigint;
	if (alarmed && ui_idle_left() == 0)
		ui_idle_out = true;
	return ui_idle_out;
}

static char *
prompt_fn(EditLine *el)
{
	return (char *)ui_prompt;
}

/*
 * The terminal on stdin, opened again for reading without blocking: a
 * Ctrl-C flushes the terminal's input, so the byte ppoll saw may be gone
 * when read comes, and a blocking read would then wait, with SIGINT
 * blocked, for the next key (which went into the line the Ctrl-C should
 * have cancelled). A descriptor of its own keeps O_NONBLOCK away from
 * stdout and stderr, which share stdin's open file. -1 if it cannot be
 * had: reads block then, as they did.
 */
static int
ui_open_tty(void)
{
	struct stat a, b;
	const char *name;
	int	 fd;

	if ((name = ttyname(STDIN_FILENO)) == NULL ||
	    (fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC))
	    == -1)
		return -1;
	if (fstat(fd, &a) == -1 || fstat(STDIN_FILENO, &b) == -1 ||
	    !S_ISCHR(a.st_mode) || a.st_rdev != b.st_rdev) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Waits for input on fd: 0 when there is some, -1 when a Ctrl-C or the
 * end of the idle time (ui_idle_out) stopped the wait, or it failed.
 */
static int
ui_wait(int fd)
{
	int	 rc, e;

	for (;;) {
		if (!ui_idle_arm())
			return -1;
		rc = proto_wait(fd, &ui_waitmask, &ui_stop);
		e = errno;
		if (ui_idle_disarm())
			return -1;
		if (rc == 0 || ui_sigint || e != EINTR) {
			errno = e;
			return rc;
		}
	}
}

/*
 * libedit's read function: one byte from the terminal; bytes outside
 * ASCII are dropped. Returns -1 on SIGINT so that el_gets gives up the
 * line, and when the idle time is up.
 */
static int
ui_getc(EditLine *el, wchar_t *wc)
{
	int	 fd = ui_ttyfd != -1 ? ui_ttyfd : STDIN_FILENO;
	unsigned char c;
	ssize_t	 n;

	for (;;) {
		if (ui_wait(fd) == -1)
			return -1;
		n = read(fd, &c, 1);
		if (n == 1)
			ui_last_input = g_get_monotonic_time();
		if (n == 1 && c >= 0x80)
			continue;
		if (n == 1) {
			*wc = (wchar_t)c;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EAGAIN)
			continue;	/* flushed after ppoll: wait again */
		if (errno != EINTR || ui_sigint)
			return -1;
	}
}

static unsigned char
ui_refuse(EditLine *el, int ch)
{
	return CC_ERROR;
}

/* ---- tab completion */

/* Keeps the candidates starting with prefix; returns their common part. */
static char *
complete_filter(GPtrArray *all, const char *prefix, GPtrArray *match)
{
	char	*common = NULL;
	size_t	 i, n, plen = strlen(prefix);

	for (i = 0; i < all->len; i++) {
		const char *c = g_ptr_array_index(all, i);

		if (strncmp(c, prefix, plen) != 0)
			continue;
		g_ptr_array_add(match, (gpointer)c);
		if (common == NULL) {
			common = g_strdup(c);
			continue;
		}
		for (n = 0; common[n] != '\0' && common[n] == c[n]; n++)
			;
		common[n] = '\0';
	}
	return common;
}

static void
complete_list(GPtrArray *match)
{
	guint	 i;

	printf("\n");
	for (i = 0; i < match->len; i++)
		printf("%s%s", (const char *)g_ptr_array_index(match, i),
		    i + 1 < match->len ? "  " : "\n");
	fflush(stdout);
}

/* Completes a command, VPS, on/off or ISO name at the cursor. */
static unsigned char
ui_complete(EditLine *el, int ch)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) match = g_ptr_array_new();
	g_autofree char *common = NULL;
	const LineInfo *li = el_line(el);
	struct menu_ctx *ctx = NULL;
	struct menu_words w;
	const char *prefix = "";
	size_t	 len = (size_t)(li->cursor - li->buffer);
	int	 idx;

	el_get(el, EL_CLIENTDATA, &ctx);
	if (ctx == NULL || !menu_split(li->buffer, len, &w, NULL))
		return CC_ERROR;
	idx = w.argc;
	if (len > 0 && li->buffer[len - 1] != ' ' && w.argc > 0)
		prefix = w.argv[--idx];
	menu_complete(ctx, &w, idx, all);
	if ((common = complete_filter(all, prefix, match)) == NULL)
		return CC_ERROR;
	if (strlen(common) > strlen(prefix)) {
		el_insertstr(el, common + strlen(prefix));
		if (match->len == 1)
			el_insertstr(el, " ");
		return CC_REFRESH;
	}
	if (match->len == 1) {
		el_insertstr(el, " ");
		return CC_REFRESH;
	}
	complete_list(match);
	return CC_REDISPLAY;
}

/* ---- line editing */

/* Key bindings that would leave the menu's line editing. */
static const char *const ui_refused_keys[] = {
	"\\ex",	/* ESC x: ed-command, as a sequence */
	"\\eX",
	"\\370",	/* M-x: ed-command, as a meta key */
	"\\330",	/* M-X */
	"^V",		/* ed-quoted-insert */
};

static EditLine *
ui_editline(struct menu_ctx *ctx)
{
	EditLine *el;
	History	*hist;
	HistEvent ev;
	size_t	 i;

	ui_clamp_size(STDIN_FILENO);	/* el_init asks for the size */
	if ((el = el_init("virsh-menu", stdin, stdout, stderr)) == NULL)
		return NULL;
	if ((hist = history_init()) == NULL) {
		el_end(el);
		return NULL;
	}
	history(hist, &ev, H_SETSIZE, UI_HISTORY);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_HIST, history, hist);
	ui_hist = hist;
	el_set(el, EL_EDITOR, "emacs");
	/*
	 * While a command runs, libedit puts the terminal back into its
	 * canonical mode, where a Ctrl-D typed ahead is the line
	 * discipline's end of file: it is consumed there, and reaches the
	 * next prompt as a NUL byte, so the member's Ctrl-D right after a
	 * command did not end the session. Without ICANON between lines it
	 * stays an ordinary byte, which the prompt then reads as Ctrl-D.
	 */
	el_set(el, EL_SETTY, "-x", "-icanon", NULL);
	/*
	 * The line discipline sends SIGINT for a Ctrl-C before it flushes
	 * the terminal's output, so the fresh prompt the menu writes at
	 * once could be thrown away with the flush. While a line is edited
	 * the terminal does not flush (noflsh); ui_read discards the
	 * typed-ahead input itself when it cancels a line.
	 */
	el_set(el, EL_SETTY, "-d", "+noflsh", NULL);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_GETCFN, ui_getc);
	el_set(el, EL_CLIENTDATA, ctx);
	el_set(el, EL_ADDFN, "menu-refuse", "not available in the menu",
	    ui_refuse);
	el_set(el, EL_ADDFN, "menu-complete", "complete a name", ui_complete);
	for (i = 0; i < G_N_ELEMENTS(ui_refused_keys); i++)
		el_set(el, EL_BIND, ui_refused_keys[i], "menu-refuse", NULL);
	el_set(el, EL_BIND, "^I", "menu-complete", NULL);
	return el;
}

static void
ui_editline_end(EditLine *el)
{
	if (el == NULL)
		return;
	el_end(el);
	if (ui_hist != NULL)
		history_end(ui_hist);
	ui_hist = NULL;
}

/* ui_read without a terminal: the bounded reader, no line editing. */
static ssize_t
ui_read_plain(char *buf, size_t size)
{
	ssize_t	 n;

	if (ui_prompt[0] != '\0' && isatty(STDOUT_FILENO))
		fputs(ui_prompt, stdout);
	fflush(stdout);
	if (!ui_idle_arm())
		return UI_READ_IDLE;
	n = proto_read_line(&ui_in, buf, size, &ui_stop);
	if (ui_idle_disarm())
		return UI_READ_IDLE;
	if (n >= 0 || n == PROTO_READ_LONG)
		ui_last_input = g_get_monotonic_time();
	if (n == PROTO_READ_LONG) {
		vlog_err("invalid input: line too long");
		return UI_READ_CANCEL;
	}
	return n >= 0 ? n : UI_READ_EOF;
}

/*
 * Reads one line into buf[size] without its LF. Returns its length, or
 * UI_READ_EOF, UI_READ_CANCEL (Ctrl-C, a line too long) or UI_READ_IDLE.
 * The terminal is clamped to a sane size first: libedit asks for it
 * now.
 */
static ssize_t
ui_read(char *buf, size_t size)
{
	const char *line;
	ssize_t	 n;
	int	 count = 0;

	ui_sigint_reset();
	if (ui_el == NULL)
		return ui_read_plain(buf, size);
	ui_clamp_size(STDIN_FILENO);
	if ((line = el_gets(ui_el, &count)) == NULL || count <= 0) {
		if (ui_idle_out)
			return UI_READ_IDLE;
		if (!ui_sigint)
			return UI_READ_EOF;
		(void)tcflush(STDIN_FILENO, TCIFLUSH);
		printf("\n");
		return UI_READ_CANCEL;
	}
	n = (ssize_t)strcspn(line, "\n");
	if ((size_t)n >= size || (line[n] == '\n' && line[n + 1] != '\0')) {
		vlog_err("invalid input: %s", (size_t)n >= size ?
		    "line too long" : "only printable ASCII is accepted");
		return UI_READ_CANCEL;
	}
	memcpy(buf, line, (size_t)n);
	buf[n] = '\0';
	return n;
}

static void
ui_remember(const char *line)
{
	HistEvent ev;

	if (ui_hist == NULL || line[strspn(line, " \t")] == '\0')
		return;
	history(ui_hist, &ev, H_ENTER, line);
}

char *
ui_ask(struct menu_ctx *ctx, const char *prompt)
{
	char	 buf[MENU_LINE_MAX + 1];
	ssize_t	 n;

	ui_prompt = prompt;
	n = ui_read(buf, sizeof(buf));
	ui_prompt = UI_PROMPT;
	if (n < 0)
		return NULL;
	g_strstrip(buf);
	if (!vps_printable_ascii(buf))
		return NULL;
	return g_strdup(buf);
}

static void
ui_banner(struct menu_ctx *ctx)
{
	g_autofree char *all = g_strjoinv(", ", ctx->vps);

	printf("vpshost member shell %s\n", PACKAGE_VERSION);
	if (ctx->selected == NULL) {
		printf("You have no VPS on this host.\n");
	} else {
		printf("Your VPS: %s\n", all);
		printf("Actions apply to: %s (\"use VPS\" selects another; "
		    "\"help\" lists the commands)\n", ctx->selected);
	}
	fflush(stdout);
}

/*
 * True once the member's connection is gone while input may still be
 * queued: sshd has closed its end of stdout (POLLHUP; POLLERR for a
 * pipe). Without a terminal, the lines that sshd passed on before the
 * connection dropped stay readable, and none of them may run.
 */
static bool
ui_hungup(void)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLHUP | POLLERR)) != 0;
}

/* Reads and runs lines until quit, EOF, a hangup or the idle time. */
static int
ui_loop(struct menu_ctx *ctx)
{
	char	 line[MENU_LINE_MAX + 1];
	ssize_t	 n;

	while (!ctx->quit) {
		if ((n = ui_read(line, sizeof(line))) == UI_READ_CANCEL)
			continue;
		if (n == UI_READ_EOF)
			return 0;
		if (n == UI_READ_IDLE || ui_hungup())
			return 1;
		ui_remember(line);
		menu_run_line(ctx, line, (size_t)n);
		/* Idle from the end of a command: serial may take hours. */
		ui_last_input = g_get_monotonic_time();
		if (ui_idle_out)	/* while a command asked a question */
			return 1;
	}
	return 0;
}

int
ui_interactive(struct menu_ctx *ctx)
{
	unsigned idle = ui_idle_minutes();
	int	 rc;

	ui_signals();
	ui_idle_us = (gint64)idle * 60 * G_USEC_PER_SEC;
	ui_last_input = g_get_monotonic_time();
	proto_reader_init(&ui_in, STDIN_FILENO);
	ui_in.waitmask = &ui_waitmask;
	if (isatty(STDIN_FILENO)) {
		ui_ttyfd = ui_open_tty();
		if ((ui_el = ui_editline(ctx)) == NULL)
			vlog_warn("line editing is not available");
	}
	ctx->interactive = true;
	ctx->ask = ui_ask;
	ui_banner(ctx);
	rc = ui_loop(ctx);
	if (!ctx->quit && ui_el != NULL)
		printf("\n");
	fflush(stdout);
	if (ui_idle_out)
		vlog_err("no input for %u minute%s: session closed", idle,
		    idle == 1 ? "" : "s");
	ui_editline_end(ui_el);
	ui_el = NULL;
	if (ui_ttyfd != -1)
		close(ui_ttyfd);
	ui_ttyfd = -1;
	return rc;
}
