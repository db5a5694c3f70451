/*
 * test-proto.c: the --serve line protocol, table-driven, with hostile
 * requests and replies.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include <glib.h>

#include "proto.h"
#include "util.h"

struct req_case {
	const char *line;
	size_t	 len;		/* 0: strlen(line) */
	bool	 ok;
	int	 verb;
	const char *arg;
};

#define LONG_ARG "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.iso"

static const struct req_case req_cases[] = {
	{ "status", 0, true, PROTO_STATUS, "" },
	{ "start", 0, true, PROTO_START, "" },
	{ "shutdown", 0, true, PROTO_SHUTDOWN, "" },
	{ "reboot", 0, true, PROTO_REBOOT, "" },
	{ "reset", 0, true, PROTO_RESET, "" },
	{ "poweroff", 0, true, PROTO_POWEROFF, "" },
	{ "autostart", 0, true, PROTO_AUTOSTART, "" },
	{ "autostart on", 0, true, PROTO_AUTOSTART, "on" },
	{ "autostart off", 0, true, PROTO_AUTOSTART, "off" },
	{ "attach_iso debian-12.iso", 0, true, PROTO_ATTACH_ISO,
	    "debian-12.iso" },
	{ "detach_iso", 0, true, PROTO_DETACH_ISO, "" },
	{ "console", 0, true, PROTO_CONSOLE, "" },
	{ "isos", 0, true, PROTO_ISOS, "" },
	{ "info", 0, true, PROTO_INFO, "" },
	{ "serial", 0, true, PROTO_SERIAL, "" },
	{ "serial force", 0, true, PROTO_SERIAL, "force" },
	{ "serial now", 0, false, 0, NULL },
	{ "serial Force", 0, false, 0, NULL },
	{ "serial force force", 0, false, 0, NULL },
	{ "snapshot", 0, true, PROTO_SNAPSHOT, "" },
	{ "snapshot before-upgrade", 0, true, PROTO_SNAPSHOT,
	    "before-upgrade" },
	{ "snapshots", 0, true, PROTO_SNAPSHOTS, "" },
	{ "revert s1", 0, true, PROTO_REVERT, "s1" },
	{ "forget s1", 0, true, PROTO_FORGET, "s1" },
	{ "snapnames", 0, true, PROTO_SNAPNAMES, "" },
	{ "install debian-12.iso", 0, true, PROTO_INSTALL, "debian-12.iso" },
	{ "revert", 0, false, 0, NULL },
	{ "forget", 0, false, 0, NULL },
	{ "install", 0, false, 0, NULL },
	{ "revert s1 yes", 0, false, 0, NULL },
	{ "snapshot ../x", 0, false, 0, NULL },
	{ "snapshot Upper", 0, false, 0, NULL },
	{ "snapshot -rf", 0, false, 0, NULL },
	{ "forget web1.snap.s1.img", 0, false, 0, NULL },
	{ "snapshots s1", 0, false, 0, NULL },
	{ "snapnames s1", 0, false, 0, NULL },
	{ "install ../../etc/shadow", 0, false, 0, NULL },
	/* the key=value form of the rows with VERB_KV */
	{ "status kv", 0, true, PROTO_STATUS, "kv" },
	{ "info kv", 0, true, PROTO_INFO, "kv" },
	/* hostile or malformed */
	{ "status KV", 0, false, 0, NULL },
	{ "status kv ", 0, false, 0, NULL },
	{ "status kv kv", 0, false, 0, NULL },
	{ "status kvx", 0, false, 0, NULL },
	{ "info kv=1", 0, false, 0, NULL },
	{ "start kv", 0, false, 0, NULL },
	{ "autostart kv", 0, false, 0, NULL },
	{ "attach_iso kv", 0, false, 0, NULL },
	{ "console kv", 0, false, 0, NULL },
	{ "console vv", 0, false, 0, NULL },
	{ "console json", 0, false, 0, NULL },
	{ "json", 0, false, 0, NULL },
	{ "json status", 0, false, 0, NULL },
	{ "", 0, false, 0, NULL },
	{ " status", 0, false, 0, NULL },
	{ "status ", 0, false, 0, NULL },
	{ "status  ", 0, false, 0, NULL },
	{ "STATUS", 0, false, 0, NULL },
	{ "stat", 0, false, 0, NULL },
	{ "statusx", 0, false, 0, NULL },
	{ "status x", 0, false, 0, NULL },
	{ "status\r", 0, false, 0, NULL },
	{ "status\n", 0, false, 0, NULL },
	{ "status\0x", 8, false, 0, NULL },
	{ "start\tx", 0, false, 0, NULL },
	{ "autostart yes", 0, false, 0, NULL },
	{ "autostart on off", 0, false, 0, NULL },
	{ "autostart  on", 0, false, 0, NULL },
	{ "attach_iso", 0, false, 0, NULL },
	{ "attach_iso ../../etc/shadow", 0, false, 0, NULL },
	{ "attach_iso /etc/passwd", 0, false, 0, NULL },
	{ "attach_iso a.iso/../x", 0, false, 0, NULL },
	{ "attach_iso a.iso/../x.iso", 0, false, 0, NULL },
	{ "attach_iso ..iso", 0, false, 0, NULL },
	{ "attach_iso .hidden.iso", 0, false, 0, NULL },
	{ "attach_iso -rf.iso", 0, false, 0, NULL },
	{ "attach_iso a\x1b[2J.iso", 0, false, 0, NULL },
	{ "attach_iso caf\xc3\xa9.iso", 0, false, 0, NULL },
	{ "attach_iso a.iso b.iso", 0, false, 0, NULL },
	{ "attach_iso " LONG_ARG, 0, false, 0, NULL },
	{ "detach_iso x", 0, false, 0, NULL },
	{ "info x", 0, false, 0, NULL },
	{ "info ", 0, false, 0, NULL },
	{ "INFO", 0, false, 0, NULL },
	{ "info;id", 0, false, 0, NULL },
	{ "use other info", 0, false, 0, NULL },
	{ "console; id", 0, false, 0, NULL },
	{ "status;id", 0, false, 0, NULL },
	{ "$(id)", 0, false, 0, NULL },
	{ "use other status", 0, false, 0, NULL },
	{ "\xff\xfe", 0, false, 0, NULL },
};

static void
test_parse_request(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		struct proto_req req;
		g_autoptr(GError) err = NULL;
		size_t	 len = c->len ? c->len : strlen(c->line);
		bool	 got = proto_parse_request(c->line, len, &req, &err);

		if (got != c->ok)
			FAIL_MSG("case %zu \"%s\": expected %s (%s)", i,
			    c->line, c->ok ? "valid" : "invalid",
			    err != NULL ? err->message : "");
		if (!got) {
			assert_true(g_error_matches(err, VPS_ERROR,
			    VPS_ERROR_INVALID));
			continue;
		}
		assert_int_equal(req.verb, c->verb);
		assert_string_equal(req.arg, c->arg);
	}
}

static void
test_request_too_long(void **state)
{
	char	 buf[PROTO_LINE_MAX + 10];
	struct proto_req req;

	memset(buf, 'a', sizeof(buf));
	assert_false(proto_parse_request(buf, sizeof(buf), &req, NULL));
	assert_false(proto_parse_request(buf, PROTO_LINE_MAX + 1, &req, NULL));
}

/* proto_format_request refuses v with arg, saying why. */
static void
format_refused(size_t size, enum proto_verb v, const char *arg,
    const char *why)
{
	char	 buf[PROTO_LINE_MAX + 2];
	g_autoptr(GError) err = NULL;

	assert_false(proto_format_request(buf, size, v, arg, &err));
	assert_true(g_error_matches(err, VPS_ERROR, VPS_ERROR_INVALID));
	assert_string_equal(err->message, why);
}

/* Every valid request formats to a line that parses back to itself. */
static void
test_format_roundtrip(void **state)
{
	char	 buf[PROTO_LINE_MAX + 2];
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		struct proto_req req;

		if (!c->ok)
			continue;
		assert_true(proto_format_request(buf, sizeof(buf), c->verb,
		    c->arg, NULL));
		assert_int_equal(buf[strlen(buf) - 1], '\n');
		assert_true(proto_parse_request(buf, strlen(buf) - 1, &req,
		    NULL));
		assert_int_equal(req.verb, c->verb);
		assert_string_equal(req.arg, c->arg);
	}
	format_refused(sizeof(buf), PROTO_STATUS, "x",
	    "this request takes no argument");
	format_refused(sizeof(buf), PROTO_ATTACH_ISO, "../x.iso",
	    "ISO name must not start with '.' or '-'");
	format_refused(sizeof(buf), PROTO_AUTOSTART, "maybe",
	    "argument must be on or off");
	format_refused(sizeof(buf), PROTO_SERIAL, "now",
	    "argument must be force");
	format_refused(sizeof(buf), PROTO_ATTACH_ISO, "a b.iso",
	    "malformed argument (one word after one blank)");
	format_refused(sizeof(buf), PROTO_NVERBS, NULL, "unknown request");
	format_refused(4, PROTO_STATUS, NULL, "request too long");
}

struct reply_case {
	const char *line;
	enum proto_kind kind;
	int	 code;
	const char *text;
};

static const struct reply_case reply_cases[] = {
	{ "| Domain web started", PROTO_LINE_DATA, 0, "Domain web started" },
	{ "| ", PROTO_LINE_DATA, 0, "" },
	{ "ok", PROTO_LINE_OK, 0, NULL },
	{ "err 1 start: web is already running", PROTO_LINE_ERR, 1,
	    "start: web is already running" },
	{ "err 2 invalid request: unknown request", PROTO_LINE_ERR, 2,
	    "invalid request: unknown request" },
	{ "err 3 x", PROTO_LINE_BAD, 0, NULL },
	{ "err 1", PROTO_LINE_BAD, 0, NULL },
	{ "err x", PROTO_LINE_BAD, 0, NULL },
	{ "ok ", PROTO_LINE_BAD, 0, NULL },
	{ "OK", PROTO_LINE_BAD, 0, NULL },
	{ "|x", PROTO_LINE_BAD, 0, NULL },
	{ "", PROTO_LINE_BAD, 0, NULL },
	{ "| \x1b[2J", PROTO_LINE_BAD, 0, NULL },
	{ "| caf\xc3\xa9", PROTO_LINE_BAD, 0, NULL },
};

static void
test_parse_reply(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(reply_cases); i++) {
		const struct reply_case *c = &reply_cases[i];
		const char *text;
		int	 code;
		enum proto_kind k;

		k = proto_parse_reply(c->line, strlen(c->line), &code, &text);
		if (k != c->kind)
			FAIL_MSG("case %zu \"%s\": kind %d, expected %d", i,
			    c->line, k, c->kind);
		assert_int_equal(code, c->code);
		if (c->text != NULL)
			assert_string_equal(text, c->text);
	}
	/* An embedded NUL is not hidden by the length. */
	assert_int_equal(proto_parse_reply("ok\0x", 4, &(int){ 0 },
	    &(const char *){ NULL }), PROTO_LINE_BAD);
}

/* Parses a formatted line after cutting its LF. */
static enum proto_kind
parse_formatted(char *buf, int *code, const char **text)
{
	size_t	 len = strlen(buf);

	assert_true(len > 0 && buf[len - 1] == '\n');
	buf[--len] = '\0';
	return proto_parse_reply(buf, len, code, text);
}

/* What the server formats, the client parses, and nothing more. */
static void
test_format_reply(void **state)
{
	char	 buf[PROTO_LINE_MAX + 2], big[1000];
	const char *text;
	int	 code;

	proto_format_data(buf, sizeof(buf), "name\x1b[31m\nnext");
	assert_string_equal(buf, "| name?[31m?next\n");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	proto_format_data(buf, sizeof(buf), big);
	assert_true(strlen(buf) <= PROTO_LINE_MAX + 1);
	assert_int_equal(parse_formatted(buf, &code, &text), PROTO_LINE_DATA);
	proto_format_status(buf, sizeof(buf), 0, "ignored");
	assert_string_equal(buf, "ok\n");
	proto_format_status(buf, sizeof(buf), 2, "bad\r\nok");
	assert_string_equal(buf, "err 2 bad??ok\n");
	proto_format_status(buf, sizeof(buf), 7, big);
	assert_int_equal(parse_formatted(buf, &code, &text), PROTO_LINE_ERR);
	assert_int_equal(code, 1);
}

/* Writes text into a pipe and returns the read end. */
static int
pipe_with(const char *text, size_t len)
{
	int	 p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void
test_reader(void **state)
{
	static const char in[] = "status\n\nxxxxxxxxxxxxxxxxxxxx\nstart\n"
	    "tail-without-lf";
	struct proto_reader r;
	char	 line[8];

	proto_reader_init(&r, pipe_with(in, sizeof(in) - 1));
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL), 6);
	assert_string_equal(line, "status");
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL), 0);
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL),
	    PROTO_READ_LONG);
	assert_string_equal(line, "");
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL), 5);
	assert_string_equal(line, "start");
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL),
	    PROTO_READ_EOF);
	close(r.fd);
}

/* A line of 1 MiB is consumed in bounded memory and reported once. */
static void
test_reader_huge(void **state)
{
	size_t	 n = 1u << 20;
	char	*big = g_malloc(n + 9);
	char	 line[PROTO_LINE_MAX + 1];
	struct proto_reader r;
	int	 p[2], status;
	pid_t	 pid;

	memset(big, 'a', n);
	memcpy(big + n, "\nstatus\n", 9);	/* with its NUL, not written */
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		status = write(p[1], big, n + 8) == (ssize_t)(n + 8) ? 0 : 1;
		g_free(big);	/* for valgrind's leak check of the child */
		_exit(status);
	}
	close(p[1]);
	proto_reader_init(&r, p[0]);
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL),
	    PROTO_READ_LONG);
	assert_int_equal(proto_read_line(&r, line, sizeof(line), NULL), 6);
	assert_string_equal(line, "status");
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_free(big);
}

static void
test_verb_names(void **state)
{
	int	 v;

	for (v = 0; v < PROTO_NVERBS; v++)
		assert_int_equal(proto_verb_lookup(proto_verb_name(v)), v);
	assert_int_equal(proto_verb_lookup("use"), -1);
	assert_null(proto_verb_name(PROTO_NVERBS));
}

static volatile int wait_stop;

static void
on_wait_sigint(int sig)
{
	wait_stop = 1;
}

/*
 * proto_wait with SIGINT blocked outside the wait: a SIGINT that is
 * already pending when the caller checked its flag (the window between
 * the check and the wait) still stops the wait, instead of being lost
 * until input comes, and one that is pending while input is waiting
 * too (ppoll alone would return the input and keep the signal out).
 */
static void
test_wait(void **state)
{
	struct sigaction sa, old_sa;
	struct proto_reader r;
	sigset_t block, old, waitmask;
	char	 line[16];
	int	 p[2];

	assert_int_equal(pipe(p), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wait_sigint;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGINT, &sa, &old_sa), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	waitmask = old;
	sigdelset(&waitmask, SIGINT);

	wait_stop = 1;			/* already stopped: no wait at all */
	errno = 0;
	assert_int_equal(proto_wait(p[0], &waitmask, &wait_stop), -1);
	assert_int_equal(errno, EINTR);

	wait_stop = 0;			/* checked, then the signal came */
	assert_int_equal(kill(getpid(), SIGINT), 0);
	assert_int_equal(proto_wait(p[0], &waitmask, &wait_stop), -1);
	assert_int_equal(wait_stop, 1);

	wait_stop = 0;			/* the signal and input: stopped */
	assert_int_equal(write(p[1], "status\n", 7), 7);
	assert_int_equal(kill(getpid(), SIGINT), 0);
	assert_int_equal(proto_wait(p[0], &waitmask, &wait_stop), -1);
	assert_int_equal(wait_stop, 1);

	wait_stop = 0;			/* input: readable */
	assert_int_equal(proto_wait(p[0], &waitmask, &wait_stop), 0);
	proto_reader_init(&r, p[0]);
	r.waitmask = &waitmask;
	assert_int_equal(proto_read_line(&r, line, sizeof(line), &wait_stop),
	    6);
	assert_string_equal(line, "status");

	/* The reader stops the same way. */
	assert_int_equal(kill(getpid(), SIGINT), 0);
	assert_int_equal(proto_read_line(&r, line, sizeof(line), &wait_stop),
	    PROTO_READ_ERROR);

	close(p[1]);			/* EOF is readable too */
	wait_stop = 0;
	assert_int_equal(proto_wait(p[0], &waitmask, &wait_stop), 0);
	close(p[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGINT, &old_sa, NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse_request),
	cmocka_unit_test(test_request_too_long),
	cmocka_unit_test(test_format_roundtrip),
	cmocka_unit_test(test_parse_reply),
	cmocka_unit_test(test_format_reply),
	cmocka_unit_test(test_reader),
	cmocka_unit_test(test_reader_huge),
	cmocka_unit_test(test_verb_names),
	cmocka_unit_test(test_wait),
};

UNIT_MAIN(tests)
