/*
 * test-util.c: the one number parser every tool uses.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "util.h"
#include "log.h"

struct num_case {
	const char *s;
	unsigned long long min, max;
	bool	 ok;
	unsigned long long want;
};

static const struct num_case nums[] = {
	{ "0", 0, 10, true, 0 }, { "10", 0, 10, true, 10 },
	{ "11", 0, 10, false, 0 }, { "1", 2, 10, false, 0 },
	{ "65535", 1024, 65535, true, 65535 },
	{ "65536", 1024, 65535, false, 0 },
	{ "18446744073709551615", 0, G_MAXUINT64, true, G_MAXUINT64 },
	{ "18446744073709551616", 0, G_MAXUINT64, false, 0 },
	{ "99999999999999999999999", 0, G_MAXUINT64, false, 0 },
	{ "", 0, 10, false, 0 }, { "-1", 0, 10, false, 0 },
	{ "+1", 0, 10, false, 0 }, { " 1", 0, 10, false, 0 },
	{ "1 ", 0, 10, false, 0 }, { "01", 0, 10, false, 0 },
	{ "0x10", 0, 100, false, 0 }, { "1e3", 0, 10000, false, 0 },
	{ "1.5", 0, 10, false, 0 }, { "1\n", 0, 10, false, 0 },
};

static void
test_parse_uint(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(nums); i++) {
		unsigned long long v = 12345;
		g_autoptr(GError) err = NULL;
		bool	 ok = vps_parse_uint(nums[i].s, nums[i].min,
		    nums[i].max, &v, &err);

		if (ok != nums[i].ok)
			FAIL_MSG("case %zu \"%s\": expected %s", i, nums[i].s,
			    nums[i].ok ? "valid" : "invalid");
		if (ok) {
			assert_int_equal(v, nums[i].want);
			assert_null(err);
		} else
			assert_true(g_error_matches(err, VPS_ERROR,
			    VPS_ERROR_INVALID));
	}
}

static void
test_strlcpy(void **state)
{
	char	 buf[4];

	assert_true(vps_strlcpy(buf, "abc", sizeof(buf)));
	assert_string_equal(buf, "abc");
	assert_false(vps_strlcpy(buf, "abcd", sizeof(buf)));
	assert_string_equal(buf, "");
}

static void
test_exit_status(void **state)
{
	GError	*e = g_error_new(VPS_ERROR, VPS_ERROR_INVALID, "x");

	assert_int_equal(vps_exit_status(e), 2);
	e->code = VPS_ERROR_FAILED;
	assert_int_equal(vps_exit_status(e), 1);
	g_error_free(e);
}

/* QEMU's reasons as libvirt passes them on, made one printable line. */
static void
test_one_line(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "internal error: qemu unexpectedly closed the monitor: "
		  "2026-12-02T00:29:09.714123Z qemu-system-x86_64: Could not "
		  "access KVM kernel module: Permission denied\n"
		  "2026-12-02T00:29:09.714200Z qemu-system-x86_64: failed to "
		  "initialize kvm: Permission denied\n",
		  "internal error: qemu unexpectedly closed the monitor: "
		  "2026-12-02T00:29:09.714123Z qemu-system-x86_64: Could not "
		  "access KVM kernel module: Permission denied; "
		  "qemu-system-x86_64: failed to initialize kvm: Permission "
		  "denied" },
		{ "a\n\n  b  \n", "a; b" },
		{ "esc\033[2Jx\tz\xc3\xa9", "esc?[2Jx?z??" },
		{ "", "" },
		{ NULL, "" },
		{ "2026-12-02T00:00:00.1Z", "2026-12-02T00:00:00.1Z" },
		{ "2026-12-02T00:00:00.1Z x", "x" },
	};
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = vps_one_line(cases[i].in);

		assert_string_equal(got, cases[i].out);
	}
}

/* Syslog lines: one line of printable ASCII, whatever libvirt said. */
static void
test_log_clean(void **state)
{
	char	 out[64], small[8];

	assert_int_equal(vlog_clean("plain text", out, sizeof(out)), 10);
	assert_string_equal(out, "plain text");
	vlog_clean("a\nfake: result=ok\r\x1b[2J\x7f\xc3\xa9\\x", out,
	    sizeof(out));
	assert_string_equal(out,
	    "a\\x0afake: result=ok\\x0d\\x1b[2J\\x7f\\xc3\\xa9\\x5cx");
	/* Never an escape cut in half, always terminated. */
	assert_int_equal(vlog_clean("abcd\n", small, sizeof(small)), 4);
	assert_string_equal(small, "abcd");
	assert_int_equal(vlog_clean("abc\n", small, sizeof(small)), 7);
	assert_string_equal(small, "abc\\x0a");
	assert_int_equal(vlog_clean("x", small, 0), 0);
	assert_int_equal(vlog_clean("x", small, 1), 0);
	assert_string_equal(small, "");
}

struct json_case {
	const char *in;
	const char *json;
};

/* vps_json_string: RFC 8259, section 7: quotes, backslash, controls. */
static const struct json_case json_cases[] = {
	{ "", "\"\"" },
	{ "web1", "\"web1\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "a/b", "\"a/b\"" },
	{ "l1\nl2", "\"l1\\nl2\"" },
	{ "t\tx", "\"t\\tx\"" },
	{ "\r", "\"\\u000d\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "\x1b]0;owned\x07", "\"\\u001b]0;owned\\u0007\"" },
	{ "del\x7f", "\"del\\u007f\"" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* UTF-8 kept */
	{ "\xe2\x82\xac 1", "\"\xe2\x82\xac 1\"" },
	{ "\xff", "\"\\ufffd\"" },			/* not UTF-8 */
	{ "a\xc3", "\"a\\ufffd\"" },			/* cut short */
	{ "\xc3(", "\"\\ufffd(\"" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong '/' */
};

static void
test_json_str(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(json_cases); i++) {
		g_autoptr(GString) out = g_string_new(NULL);

		vps_json_string(out, json_cases[i].in);
		if (strcmp(out->str, json_cases[i].json) != 0)
			FAIL_MSG("case %zu: got %s, expected %s", i, out->str,
			    json_cases[i].json);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_one_line),
	cmocka_unit_test(test_json_str),
	cmocka_unit_test(test_parse_uint),
	cmocka_unit_test(test_strlcpy),
	cmocka_unit_test(test_exit_status),
	cmocka_unit_test(test_log_clean),
};

UNIT_MAIN(tests)
