/*
 * proto.h: the line protocol between the member's menu (the UI, running
 * as the member) and "virsh-menu --serve VPS" (root, under sudo).
 *
 * The grammar is in proto.c. Everything here is pure (no I/O except the
 * bounded line reader), so that it can be unit-tested and fuzzed.
 */
#ifndef VPS_PROTO_H
#define VPS_PROTO_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <glib.h>

#include "verbs.h"

#define PROTO_LINE_MAX	256	/* bytes of a request or reply line, no LF */
#define PROTO_ARG_MAX	128	/* bytes of a request argument */
#define PROTO_REPLY_MAX	4096	/* data lines in one reply */

/*
 * The exit status of virsh-menu --list when the member has [limits]
 * sessions menu sessions open already; --list has said so on stderr.
 */
#define PRIV_EXIT_LIMIT	3

/* The requests: the HELPER and INTERNAL rows of VPS_VERBS, in order. */
#define PROTO_ENUM_ROW(ID, SIDE, ...)	VERB_SENT_##SIDE(PROTO_##ID,)
enum proto_verb {
	VPS_VERBS(PROTO_ENUM_ROW)
	PROTO_NVERBS
};

struct proto_req {
	enum proto_verb verb;
	char	 arg[PROTO_ARG_MAX + 1];	/* "" when none */
};

/* Reply lines, as classified by proto_parse_reply(). */
enum proto_kind {
	PROTO_LINE_DATA,	/* "| text": one line of output */
	PROTO_LINE_OK,		/* "ok": the request succeeded */
	PROTO_LINE_ERR,		/* "err CODE text": it failed */
	PROTO_LINE_BAD,		/* anything else: a protocol error */
};

/*
 * The words an argument of keyword kind a may be (VERB_ARG_ONOFF: on,
 * off; VERB_ARG_FORCE: force; VERB_ARG_FORM: vv), NULL-terminated; NULL
 * for other kinds.
 */
const char *const *verb_arg_words(enum verb_arg a);
/* Whether arg is one of them; false with err "must be ..." if not. */
bool	 verb_arg_word(enum verb_arg a, const char *arg, GError **err);

const char *proto_verb_name(enum proto_verb v);
/* The verb called name, or -1. */
int	 proto_verb_lookup(const char *name);

/*
 * Parses one request line buf[len] (without its LF; may contain any
 * byte). On failure err (VPS_ERROR_INVALID) says what is wrong with it.
 */
bool	 proto_parse_request(const char *buf, size_t len,
	    struct proto_req *req, GError **err);
/*
 * Formats a request with its LF into buf[size]; false if invalid, with
 * err (VPS_ERROR_INVALID) saying what is wrong with it.
 */
bool	 proto_format_request(char *buf, size_t size, enum proto_verb v,
	    const char *arg, GError **err);

/*
 * Formats a data line "| text\n" into buf[size] (size > PROTO_LINE_MAX),
 * replacing bytes outside printable ASCII and truncating long text.
 */
void	 proto_format_data(char *buf, size_t size, const char *text);
/* Formats "ok\n", or "err CODE text\n" for code 1 or 2. */
void	 proto_format_status(char *buf, size_t size, int code,
	    const char *text);
/*
 * Classifies one reply line buf[len] (without LF). For DATA and ERR,
 * *text points into buf (to the text after the tag); for ERR, *code is
 * 1 or 2.
 */
enum proto_kind proto_parse_reply(const char *buf, size_t len, int *code,
	    const char **text);

/*
 * A bounded line reader on a file descriptor. Lines longer than the
 * caller's buffer are consumed up to their LF and reported as too long,
 * so that a hostile writer cannot make the reader grow or split a line
 * into two requests.
 */
struct proto_reader {
	int	 fd;
	/*
	 * NULL, or the signal mask to wait for input with (ppoll): a caller
	 * that blocks SIGINT and unblocks it only here cannot lose one
	 * between checking *stop and waiting.
	 */
	const sigset_t *waitmask;
	size_t	 start;
	size_t	 end;
	char	 buf[4096];
};

/* Sets fd, no waitmask, an empty buffer. */
void	 proto_reader_init(struct proto_reader *r, int fd);
/*
 * Waits until fd is readable (or at EOF) with ppoll and mask, unless
 * *stop (may be NULL) is or becomes true: 0 readable, -1 stopped (errno
 * EINTR) or failed.
 */
int	 proto_wait(int fd, const sigset_t *mask, volatile const int *stop);
/*
 * Reads one line into out[size] without its LF and NUL-terminates it.
 * Returns the length, PROTO_READ_LONG for a line that did not fit (its
 * bytes are skipped), PROTO_READ_EOF at end of input (a last line
 * without LF is discarded), or PROTO_READ_ERROR with errno set.
 * EINTR is retried unless *stop (may be NULL) became true; with a
 * waitmask, *stop is checked before each wait.
 */
#define PROTO_READ_EOF		(-1)
#define PROTO_READ_ERROR	(-2)
#define PROTO_READ_LONG		(-3)
ssize_t	 proto_read_line(struct proto_reader *r, char *out, size_t size,
	    volatile const int *stop);

#endif
