/*
 * proto.c: the line protocol of "virsh-menu --serve VPS".
 *
 * The server runs as root and reads requests from a member's process, so
 * every request byte is hostile. The grammar is small and fixed (ABNF,
 * RFC 5234):
 *
 *	request  = verb [ SP arg ] LF     ; at most 256 bytes before LF
 *	verb     = <NAME of a HELPER or INTERNAL row of VPS_VERBS, verbs.h>
 *	arg      = 1*128( %x21-7E )      ; printable ASCII, no blank
 *
 *	A verb whose row has MAX 0 takes no argument; MIN 1 makes it
 *	required. Its ARG column says what it must be: "on" or "off"
 *	(VERB_ARG_ONOFF: autostart, none toggles), an ISO file name
 *	(VERB_ARG_ISO, vps_iso_name_valid(): attach_iso, which the server
 *	then looks up among the current *.iso files of iso_dir), a VPS
 *	name (VERB_ARG_VPS); a form the menu makes of the reply
 *	(VERB_ARG_FORM: console's vv) is never a request's argument. A
 *	verb whose row has VERB_KV also takes the argument "kv" (status,
 *	info). No NUL, no CR, no second blank, no leading or trailing
 *	blank: a line is valid in exactly one spelling.
 *
 *	reply    = *data-line status-line
 *	data     = "| " text LF           ; one line of output for the member
 *	status   = "ok" LF / "err" SP code SP text LF
 *	code     = "1" / "2"              ; 1 operation failed, 2 invalid input
 *	text     = *( %x20-7E )           ; at most 254 bytes
 *
 *	The data lines of "console", "status kv" and "info kv" are facts
 *	for the menu to render (as text, JSON or a .vv file), which it
 *	parses strictly (member-out.c):
 *
 *	kv-text  = key "=" value          ; one per data line
 *	key      = 1*( %x61-7A / "_" )    ; known to the verb, once each
 *	                                  ; unless it is a list ("mac")
 *	value    = *( %x20-7E )           ; a decimal number, "true" or
 *	                                  ; "false", or text, by key
 *
 *	A key without a value to give is left out (the menu shows null).
 *
 * The server answers every request line, also an invalid or too long
 * one (with "err 2 ..."), and never sends anything unasked. It exits at
 * end of input. A reply has at most PROTO_REPLY_MAX data lines.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "proto.h"

/* The request grammar of each verb, from its row of VPS_VERBS. */
static const struct {
	const char *name;
	int	 minargs;
	int	 maxargs;
	enum verb_arg arg;
	unsigned flags;
} proto_verbs[PROTO_NVERBS] = {
#define PROTO_ROW(ID, SIDE, NAME, MIN, MAX, ARG, FLAGS, ...) \
	VERB_SENT_##SIDE([PROTO_##ID] = { NAME, MIN, MAX, ARG, FLAGS },)
	VPS_VERBS(PROTO_ROW)
#undef PROTO_ROW
};

const char *
proto_verb_name(enum proto_verb v)
{
	if ((unsigned)v >= PROTO_NVERBS)
		return NULL;
	return proto_verbs[v].name;
}

int
proto_verb_lookup(const char *name)
{
	int	 i;

	for (i = 0; i < PROTO_NVERBS; i++) {
		if (strcmp(proto_verbs[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Checks an argument against what the verb takes. */
static bool
proto_arg_valid(enum proto_verb v, const char *arg, const char **why)
{
	if (arg[0] == '\0') {
		if (proto_verbs[v].minargs == 0)
			return true;
		*why = proto_verbs[v].arg == VERB_ARG_ISO ?
		    "an ISO name is required" : "an argument is required";
		return false;
	}
	if ((proto_verbs[v].flags & VERB_KV) && strcmp(arg, "kv") == 0)
		return true;
	/* An argument of no kind would be unchecked: none is taken. */
	if (proto_verbs[v].maxargs == 0 ||
	    proto_verbs[v].arg == VERB_ARG_NONE) {
		*why = "this request takes no argument";
		return false;
	}
	switch (proto_verbs[v].arg) {
	case VERB_ARG_NONE:
		break;
	case VERB_ARG_ONOFF:
		if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
			return true;
		*why = "argument must be on or off";
		return false;
	case VERB_ARG_ISO:
		return vps_iso_name_valid(arg, why);
	case VERB_ARG_VPS:
		return vps_name_valid(arg, why);
	case VERB_ARG_FORM:
	case VERB_ARG_COMMAND:
		*why = "this argument is the menu's, not a request's";
		return false;
	}
	*why = "unknown argument kind";
	return false;
}

bool
proto_parse_request(const char *buf, size_t len, struct proto_req *req,
    const char **why)
{
	char	 verb[16];
	const char *sp;
	size_t	 vlen, alen, i;
	int	 v;

	memset(req, 0, sizeof(*req));
	if (len == 0) {
		*why = "empty request";
		return false;
	}
	if (len > PROTO_LINE_MAX) {
		*why = "request too long";
		return false;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e) {
			*why = "request contains a byte outside printable ASCII";
			return false;
		}
	}
	sp = memchr(buf, ' ', len);
	vlen = sp != NULL ? (size_t)(sp - buf) : len;
	alen = sp != NULL ? len - vlen - 1 : 0;
	if (vlen == 0 || vlen >= sizeof(verb)) {
		*why = "unknown request";
		return false;
	}
	memcpy(verb, buf, vlen);
	verb[vlen] = '\0';
	if ((v = proto_verb_lookup(verb)) == -1) {
		*why = "unknown request";
		return false;
	}
	if (sp != NULL && (alen == 0 || memchr(sp + 1, ' ', alen) != NULL)) {
		*why = "malformed argument (one word after one blank)";
		return false;
	}
	if (alen > PROTO_ARG_MAX) {
		*why = "argument too long";
		return false;
	}
	if (alen > 0)
		memcpy(req->arg, sp + 1, alen);
	req->arg[alen] = '\0';
	req->verb = v;
	return proto_arg_valid(v, req->arg, why);
}

bool
proto_format_request(char *buf, size_t size, enum proto_verb v,
    const char *arg, const char **why)
{
	struct proto_req check;
	int	 n;

	if ((unsigned)v >= PROTO_NVERBS) {
		*why = "unknown request";
		return false;
	}
	if (arg == NULL || arg[0] == '\0')
		n = snprintf(buf, size, "%s\n", proto_verbs[v].name);
	else
		n = snprintf(buf, size, "%s %s\n", proto_verbs[v].name, arg);
	if (n < 0 || (size_t)n >= size) {
		*why = "request too long";
		return false;
	}
	return proto_parse_request(buf, (size_t)n - 1, &check, why);
}

void
proto_format_data(char *buf, size_t size, const char *text)
{
	char	 clean[PROTO_LINE_MAX - 1];

	vps_sanitize_display(text, clean, sizeof(clean));
	(void)snprintf(buf, size, "| %s\n", clean);	/* cut to fit */
}

void
proto_format_status(char *buf, size_t size, int code, const char *text)
{
	char	 clean[PROTO_LINE_MAX - 5];

	if (code == 0) {
		(void)snprintf(buf, size, "ok\n");
		return;
	}
	vps_sanitize_display(text, clean, sizeof(clean));
	(void)snprintf(buf, size, "err %d %s\n", code == 2 ? 2 : 1,
	    clean);	/* cut to fit */
}

enum proto_kind
proto_parse_reply(const char *buf, size_t len, int *code, const char **text)
{
	size_t	 i;

	*code = 0;
	*text = NULL;
	if (len > PROTO_LINE_MAX || strlen(buf) != len)
		return PROTO_LINE_BAD;
	for (i = 0; i < len; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return PROTO_LINE_BAD;
	}
	if (len >= 2 && buf[0] == '|' && buf[1] == ' ') {
		*text = buf + 2;
		return PROTO_LINE_DATA;
	}
	if (strcmp(buf, "ok") == 0)
		return PROTO_LINE_OK;
	if (len >= 6 && strncmp(buf, "err ", 4) == 0 &&
	    (buf[4] == '1' || buf[4] == '2') && buf[5] == ' ') {
		*code = buf[4] - '0';
		*text = buf + 6;
		return PROTO_LINE_ERR;
	}
	return PROTO_LINE_BAD;
}

void
proto_reader_init(struct proto_reader *r, int fd)
{
	r->fd = fd;
	r->waitmask = NULL;
	r->start = r->end = 0;
}

/*
 * Lets in a signal that mask unblocks and that is pending: POSIX has it
 * delivered before sigprocmask returns.
 */
static void
deliver_pending(const sigset_t *mask)
{
	sigset_t old;

	if (sigprocmask(SIG_SETMASK, mask, &old) == 0)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

int
proto_wait(int fd, const sigset_t *mask, volatile const int *stop)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		if (stop != NULL && *stop) {
			errno = EINTR;
			return -1;
		}
		if (ppoll(&pfd, 1, NULL, mask) >= 0) {
			/*
			 * ppoll returns at once when fd is readable, without
			 * delivering a signal that came while the caller was
			 * busy: typed-ahead keys would keep a pending SIGINT
			 * out for as long as they come.
			 */
			if (mask != NULL)
				deliver_pending(mask);
			if (stop != NULL && *stop) {
				errno = EINTR;
				return -1;
			}
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Refills the buffer; 1 if bytes came, 0 at EOF, -1 on error. */
static int
proto_fill(struct proto_reader *r, volatile const int *stop)
{
	ssize_t	 n;

	r->start = r->end = 0;
	for (;;) {
		if (r->waitmask != NULL &&
		    proto_wait(r->fd, r->waitmask, stop) == -1)
			return -1;
		n = read(r->fd, r->buf, sizeof(r->buf));
		if (n > 0) {
			r->end = (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno != EINTR || (stop != NULL && *stop))
			return -1;
	}
}

ssize_t
proto_read_line(struct proto_reader *r, char *out, size_t size,
    volatile const int *stop)
{
	size_t	 len = 0;
	bool	 toolong = false;
	int	 rc;

	for (;;) {
		while (r->start < r->end) {
			char	 c = r->buf[r->start++];

			if (c == '\n') {
				out[toolong ? 0 : len] = '\0';
				return toolong ? PROTO_READ_LONG : (ssize_t)len;
			}
			if (len + 1 < size)
				out[len++] = c;
			else
				toolong = true;
		}
		if ((rc = proto_fill(r, stop)) <= 0) {
			out[0] = '\0';
			return rc == 0 ? PROTO_READ_EOF : PROTO_READ_ERROR;
		}
	}
}
