/*
 * fuzz-proto.c: the --serve protocol, as the server reads it: the
 * bounded line reader over a byte stream, then proto_parse_request on
 * each line (and proto_parse_reply, which the menu runs on the server's
 * lines).
 *
 * Invariants: the reader returns exactly the input's LF-terminated lines,
 * each NUL-terminated and shorter than the buffer, with every line that
 * does not fit reported as too long and no line split or merged, at any
 * buffer size; an accepted request has a known verb and an argument the
 * verb takes, and formatting it again gives back the very same line (a
 * request has one spelling); a rejected one says why; a data line
 * formatted from any text parses back as a printable data line.
 */
#include <config.h>

#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "names.h"
#include "proto.h"

static void
check_request(const char *line, size_t len)
{
	char	 again[PROTO_LINE_MAX + 2];
	struct proto_req req;
	g_autoptr(GError) err = NULL;

	if (!proto_parse_request(line, len, &req, &err)) {
		FUZZ_ASSERT(err != NULL && err->message[0] != '\0');
		return;
	}
	FUZZ_ASSERT(len > 0 && len <= PROTO_LINE_MAX);
	FUZZ_ASSERT((unsigned)req.verb < PROTO_NVERBS);
	FUZZ_ASSERT(strlen(req.arg) <= PROTO_ARG_MAX);
	FUZZ_ASSERT(strchr(req.arg, ' ') == NULL && vps_printable_ascii(req.arg));
	FUZZ_ASSERT(proto_format_request(again, sizeof(again), req.verb,
	    req.arg, NULL));
	FUZZ_ASSERT(strlen(again) == len + 1 && memcmp(again, line, len) == 0 &&
	    again[len] == '\n');
}

static void
check_reply(const char *line, size_t len)
{
	char	 data[PROTO_LINE_MAX + 2];
	const char *text;
	size_t	 dlen;
	int	 code;

	switch (proto_parse_reply(line, len, &code, &text)) {
	case PROTO_LINE_DATA:
		FUZZ_ASSERT(text == line + 2 && vps_printable_ascii(text));
		break;
	case PROTO_LINE_ERR:
		FUZZ_ASSERT((code == 1 || code == 2) && text == line + 6);
		break;
	case PROTO_LINE_OK:
		FUZZ_ASSERT(len == 2);
		break;
	case PROTO_LINE_BAD:
		break;
	}
	/* Whatever the server puts in a data line reaches the menu as data. */
	proto_format_data(data, sizeof(data), line);
	dlen = strlen(data);
	FUZZ_ASSERT(dlen >= 3 && dlen <= PROTO_LINE_MAX + 1 &&
	    data[dlen - 1] == '\n');
	data[--dlen] = '\0';
	FUZZ_ASSERT(proto_parse_reply(data, dlen, &code, &text) ==
	    PROTO_LINE_DATA);
}

/* Reads all lines of fd with a buffer of size bytes, against data. */
static void
check_reader(int fd, const uint8_t *data, size_t size, size_t bufsize,
    bool parse)
{
	struct proto_reader r;
	char	 line[PROTO_LINE_MAX + 1];
	const uint8_t *p = data, *lf;
	ssize_t	 n;

	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	proto_reader_init(&r, fd);
	while ((n = proto_read_line(&r, line, bufsize, NULL)) !=
	    PROTO_READ_EOF) {
		size_t	 want;

		FUZZ_ASSERT(n >= 0 || n == PROTO_READ_LONG);
		lf = memchr(p, '\n', size - (size_t)(p - data));
		FUZZ_ASSERT(lf != NULL);	/* a line without LF is dropped */
		want = (size_t)(lf - p);
		if (n == PROTO_READ_LONG) {
			FUZZ_ASSERT(want >= bufsize);
		} else {
			FUZZ_ASSERT((size_t)n == want && want < bufsize &&
			    line[n] == '\0' && memcmp(line, p, want) == 0);
			if (parse) {
				check_request(line, (size_t)n);
				check_reply(line, (size_t)n);
			}
		}
		p = lf + 1;
	}
	FUZZ_ASSERT(memchr(p, '\n', size - (size_t)(p - data)) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	 fd;

	if ((fd = memfd_create("fuzz-proto", MFD_CLOEXEC)) == -1)
		abort();
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	/* The server's buffer, then a small one the first byte picks. */
	check_reader(fd, data, size, PROTO_LINE_MAX + 1, true);
	check_reader(fd, data, size, size > 0 ? data[0] % 16 + 1 : 1, false);
	close(fd);
	return 0;
}
