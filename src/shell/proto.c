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
#include "util.h"

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

const char *const *
verb_arg_words(enum verb_arg a)
{
	static const char *const onoff[] = { "on", "off", NULL };
	static const char *const force[] = { "force", NULL };
	static const char *const form[] = { "vv", NULL };

	switch (a) {
	case VERB_ARG_ONOFF:
		return onoff;
	case VERB_ARG_FORCE:
		return force;
	case VERB_ARG_FORM:
		return form;
	case VERB_ARG_COMMAND:
	case VERB_ARG_NONE:
	case VERB_ARG_ISO:
	case VERB_ARG_VPS:
	case VERB_ARG_SNAP:
		break;
	}
	return NULL;
}

bool
verb_arg_word(enum verb_arg a, const char *arg, GError **err)
{
	const char *const *w = verb_arg_words(a);
	size_t	 i;

	for (i = 0; w != NULL && w[i] != NULL; i++) {
		if (strcmp(arg, w[i]) == 0)
			return true;
	}
	return vps_invalid(err, a == VERB_ARG_ONOFF ? "must be on or off" :
	    a == VERB_ARG_FORCE ? "must be force" :
	    a == VERB_ARG_FORM ? "the only form is vv" : "takes no word");
}

/* Checks an argument against what the verb takes. */
static bool
proto_arg_valid(enum proto_verb v, const char *arg, GError **err)
{
	if (arg[0] == '\0') {
		if (proto_verbs[v].minargs == 0)
			return true;
		return vps_invalid(err, proto_verbs[v].arg == VERB_ARG_ISO ?
		    "an ISO name is required" : "an argument is required");
	}
	if ((proto_verbs[v].flags & VERB_KV) && strcmp(arg, "kv") == 0)
		return true;
	/* An argument of no kind would be unchecked: none is taken. */
	if (proto_verbs[v].maxargs == 0 ||
	    proto_verbs[v].arg == VERB_ARG_NONE)
		return vps_invalid(err, "this request takes no argument");
	switch (proto_verbs[v].arg) {
	case VERB_ARG_NONE:
		break;
	case VERB_ARG_ONOFF:
	case VERB_ARG_FORCE:
		if (verb_arg_word(proto_verbs[v].arg, arg, err))
			return true;
		g_prefix_error(err, "argument ");
		return false;
	case VERB_ARG_ISO:
		return vps_iso_name_valid(arg, err);
	case VERB_ARG_VPS:
		return vps_name_valid(arg, err);
	case VERB_ARG_SNAP:
		return vps_snap_name_valid(arg, err);
	case VERB_ARG_FORM:
	case VERB_ARG_COMMAND:
		return vps_invalid(err,
		    "this argument is the menu's, not a request's");
	}
	return vps_invalid(err, "unknown argument kind");
}

bool
proto_parse_request(const char *buf, size_t len, struct proto_req *req,
    GError **err)
{
	char	 verb[16];
	const char *sp;
	size_t	 vlen, alen, i;
	int	 v;

	memset(req, 0, sizeof(*req));
	if (len == 0)
		return vps_invalid(err, "empty request");
	if (len > PROTO_LINE_MAX)
		return vps_invalid(err, "request too long");
	for (i = 0; i < len; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return vps_invalid(err,
			    "request contains a byte outside printable ASCII");
	}
	sp = memchr(buf, ' ', len);
	vlen = sp != NULL ? (size_t)(sp - buf) : len;
	alen = sp != NULL ? len - vlen - 1 : 0;
	if (vlen == 0 || vlen >= sizeof(verb))
		return vps_invalid(err, "unknown request");
	memcpy(verb, buf, vlen);
	verb[vlen] = '\0';
	if ((v = proto_verb_lookup(verb)) == -1)
		return vps_invalid(err, "unknown request");
	if (sp != NULL && (alen == 0 || memchr(sp + 1, ' ', alen) != NULL))
		return vps_invalid(err,
		    "malformed argument (one word after one blank)");
	if (alen > PROTO_ARG_MAX)
		return vps_invalid(err, "argument too long");
	if (alen > 0)
		memcpy(req->arg, sp + 1, alen);
	req->arg[alen] = '\0';
	req->verb = v;
	return proto_arg_valid(v, req->arg, err);
}

bool
proto_format_request(char *buf, size_t size, enum proto_verb v,
    const char *arg, GError **err)
{
	struct proto_req check;
	int	 n;

	if ((unsigned)v >= PROTO_NVERBS)
		return vps_invalid(err, "unknown request");
	if (arg == NULL || arg[0] == '\0')
		n = snprintf(buf, size, "%s\n", proto_verbs[v].name);
	else
		n = snprintf(buf, size, "%s %s\n", proto_verbs[v].name, arg);
	if (n < 0 || (size_t)n >= size)
		return vps_invalid(err, "request too long");
	return proto_parse_request(buf, (size_t)n - 1, &check, err);
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
