/*
 * test-frames.c: the serial console's frames. Written frames read back
 * whole however the bytes are cut; the reader stops at the end frame;
 * hostile headers (unknown type, empty or oversized data, long reason)
 * break the stream instead of being read.
 */
#include <config.h>

#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "unit.h"
#include "frames.h"

static void
collect(void *arg, const char *bytes, size_t n)
{
	g_string_append_len(arg, bytes, (gssize)n);
}

/* Writes data then an end frame with reason into a pipe; returns it all. */
static GString *
written(const char *data, size_t len, const char *reason)
{
	GString	*all = g_string_new(NULL);
	char	 buf[65536];
	int	 p[2];
	ssize_t	 n;

	assert_int_equal(pipe(p), 0);
	if (len > 0)
		assert_true(frames_write(p[1], FRAME_DATA, data, len));
	assert_true(frames_write(p[1], FRAME_END, reason,
	    reason != NULL ? strlen(reason) : 0));
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		g_string_append_len(all, buf, n);
	close(p[0]);
	return all;
}

static void
test_roundtrip_any_cut(void **state)
{
	g_autoptr(GString) data = g_string_new(NULL);
	g_autoptr(GString) wire = NULL;
	size_t	 cuts[] = { 1, 2, 3, 7, 4099, 100000 };
	size_t	 i, k, step;
	int	 c;

	(void)state;
	/* Every byte value, the escape key and NUL included. */
	for (i = 0; i < 10000; i++)
		g_string_append_c(data, (char)(i * 7 % 256));
	wire = written(data->str, data->len, "the VPS is not running any more");
	/* 10000 bytes: three data frames of at most FRAME_DATA_MAX, one end */
	assert_int_equal(wire->len, 10000 + 4 * FRAME_HDR + 31);
	for (k = 0; k < G_N_ELEMENTS(cuts); k++) {
		g_autoptr(GString) got = g_string_new(NULL);
		struct frames f;
		ssize_t	 n;

		frames_init(&f);
		step = cuts[k];
		for (i = 0; i < wire->len; i += step) {
			n = frames_feed(&f, wire->str + i,
			    MIN(step, wire->len - i), collect, got);
			assert_true(n >= 0);
		}
		assert_true(f.ended);
		assert_string_equal(f.reason,
		    "the VPS is not running any more");
		assert_int_equal(got->len, data->len);
		c = memcmp(got->str, data->str, data->len);
		assert_int_equal(c, 0);
	}
}

static void
test_stops_at_end(void **state)
{
	g_autoptr(GString) wire = written("ab", 2, NULL);
	g_autoptr(GString) got = g_string_new(NULL);
	struct frames f;

	(void)state;
	g_string_append(wire, "status\n");	/* the next request */
	frames_init(&f);
	assert_int_equal(frames_feed(&f, wire->str, wire->len, collect, got),
	    (ssize_t)(wire->len - strlen("status\n")));
	assert_true(f.ended);
	assert_string_equal(f.reason, "");
	assert_string_equal(got->str, "ab");
	/* Nothing more is taken once ended. */
	assert_int_equal(frames_feed(&f, "x", 1, collect, got), 0);
}

static void
test_hostile_headers(void **state)
{
	static const struct {
		const char *bytes;
		size_t	 len;
	} bad[] = {
		{ "x\0\1a", 4 },		/* unknown type */
		{ "d\0\0", 3 },			/* empty data frame */
		{ "d\x10\x01", 3 },		/* 4097 bytes of data */
		{ "d\xff\xff", 3 },
		{ "e\x01\x01", 3 },		/* reason of 257 bytes */
		{ "\0\0\0", 3 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GString) got = g_string_new(NULL);
		struct frames f;

		frames_init(&f);
		assert_int_equal(frames_feed(&f, bad[i].bytes, bad[i].len,
		    collect, got), -1);
		assert_int_equal(got->len, 0);
	}
}

static void
test_read_takes_buffered_first(void **state)
{
	struct proto_reader r;
	char	 out[8];
	int	 p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	proto_reader_init(&r, p[0]);
	memcpy(r.buf, "buffered", 8);
	r.start = 2;
	r.end = 8;
	assert_true(frames_pending(&r));
	assert_int_equal(write(p[1], "piped", 5), 5);
	assert_int_equal(frames_read(&r, out, 4), 4);
	assert_memory_equal(out, "ffer", 4);
	assert_int_equal(frames_read(&r, out, sizeof(out)), 2);
	assert_memory_equal(out, "ed", 2);
	assert_false(frames_pending(&r));
	assert_int_equal(frames_read(&r, out, sizeof(out)), 5);
	assert_memory_equal(out, "piped", 5);
	close(p[1]);
	assert_int_equal(frames_read(&r, out, sizeof(out)), 0);
	close(p[0]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_roundtrip_any_cut),
	cmocka_unit_test(test_stops_at_end),
	cmocka_unit_test(test_hostile_headers),
	cmocka_unit_test(test_read_takes_buffered_first),
};

UNIT_MAIN(tests)
