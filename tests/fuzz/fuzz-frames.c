/*
 * fuzz-frames.c: the serial console's frames as the root helper reads
 * them from the member's side (every byte hostile).
 *
 * Invariants: the reader takes all of the input or stops exactly after
 * an end frame, or reports the stream broken; it never hands on more
 * bytes than came, nor data of a broken or oversized frame; the reason
 * of an end frame is NUL-terminated and within FRAME_END_MAX; once ended
 * it takes nothing more; and the result does not depend on how the
 * input is cut (whole, byte by byte, or in pieces of the first byte's
 * size), as pipe reads cut it.
 */
#include <config.h>

#include <string.h>
#include <glib.h>

#include "frames.h"
#include "fuzz.h"

struct run {
	GString	*data;
	ssize_t	 taken;		/* total taken, or -1 once broken */
	bool	 ended;
	char	 reason[FRAME_END_MAX + 1];
};

static void
collect(void *arg, const char *bytes, size_t n)
{
	FUZZ_ASSERT(n > 0 && n <= FRAME_DATA_MAX);
	g_string_append_len(arg, bytes, (gssize)n);
}

static void
feed(const uint8_t *in, size_t size, size_t step, struct run *r)
{
	struct frames f;
	size_t	 i, n;
	ssize_t	 got;

	frames_init(&f);
	r->data = g_string_new(NULL);
	r->taken = 0;
	for (i = 0; i < size; i += n) {
		n = MIN(step, size - i);
		got = frames_feed(&f, (const char *)in + i, n, collect,
		    r->data);
		if (got == -1) {
			r->taken = -1;
			break;
		}
		FUZZ_ASSERT((size_t)got <= n);
		r->taken += got;
		if (f.ended) {
			FUZZ_ASSERT(frames_feed(&f, "d", 1, collect,
			    r->data) == 0);
			break;
		}
		FUZZ_ASSERT((size_t)got == n);
	}
	r->ended = f.ended;
	if (f.ended) {
		FUZZ_ASSERT(strlen(f.reason) <= FRAME_END_MAX);
		memcpy(r->reason, f.reason, sizeof(r->reason));
	}
	FUZZ_ASSERT(r->data->len <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, bytes, pieces;

	feed(data, size, size > 0 ? size : 1, &whole);
	feed(data, size, 1, &bytes);
	feed(data, size, size > 0 && data[0] > 0 ? data[0] : 7, &pieces);
	FUZZ_ASSERT(whole.ended == bytes.ended &&
	    whole.ended == pieces.ended);
	if (whole.taken != -1) {
		FUZZ_ASSERT(whole.taken == bytes.taken &&
		    whole.taken == pieces.taken);
		FUZZ_ASSERT(g_string_equal(whole.data, bytes.data) &&
		    g_string_equal(whole.data, pieces.data));
		if (whole.ended)
			FUZZ_ASSERT(strcmp(whole.reason, bytes.reason) == 0 &&
			    strcmp(whole.reason, pieces.reason) == 0);
	} else
		FUZZ_ASSERT(bytes.taken == -1 && pieces.taken == -1);
	g_string_free(whole.data, TRUE);
	g_string_free(bytes.data, TRUE);
	g_string_free(pieces.data, TRUE);
	return 0;
}
