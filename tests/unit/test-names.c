/*
 * test-names.c: the name validators, table-driven, with hostile inputs.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>

#include "unit.h"
#include <glib.h>

#include "names.h"
#include "util.h"

struct name_case {
	const char *s;
	bool	 ok;
};

static const struct name_case vps_names[] = {
	{ "a", true }, { "web1", true }, { "soleustest1", true },
	{ "a-b_c", true }, { "abcdefghijklmnopqrstuvwxyz012345", true },
	{ "abcdefghijklmnopqrstuvwxyz0123456", false },	/* 33 chars */
	{ "", false }, { "1web", false }, { "_web", false }, { "-web", false },
	{ "Web", false }, { "wEb", false }, { "web 1", false },
	{ "web\n1", false }, { "web\t", false }, { "web/1", false },
	{ "..", false }, { "a..b", false }, { "a.b", false },
	{ "web;rm", false }, { "web$(id)", false }, { "web`id`", false },
	{ "ALL", false }, { "%wheel", false }, { "a,b", false },
	{ "a:b", false }, { "a=b", false }, { "#include", false },
	{ "a\\b", false }, { "a\"b", false }, { "caf\xc3\xa9", false },
	{ "a\x1b[31m", false }, { "a*", false },
};

static const struct name_case owner_names[] = {
	{ "alice", true }, { "_svc", true }, { "r3boot", true },
	{ "a-b", true }, { "abcdefghijklmnopqrstuvwxyz012345", true },
	{ "abcdefghijklmnopqrstuvwxyz0123456", false },
	{ "", false }, { "0day", false }, { "-x", false }, { "Alice", false },
	{ "ALL", false }, { "%wheel", false }, { "%admin", false },
	{ "a,b", false }, { "alice bob", false }, { "alice\n", false },
	{ "root ALL=(ALL) ALL", false }, { "a.b", false }, { "../x", false },
	{ "al!ce", false }, { "#0", false }, { "+netgroup", false },
};

static const struct name_case iso_names[] = {
	{ "debian-12.5.0-amd64-netinst.iso", true }, { "a.iso", true },
	{ "Win_10+x64.iso", true }, { ".iso", false }, { "iso", false },
	{ "a.img", false }, { "a.ISO", false }, { ".hidden.iso", false },
	{ "-rf.iso", false }, { "../etc/shadow.iso", false },
	{ "a/b.iso", false }, { "a..iso", false }, { "a b.iso", false },
	{ "a\n.iso", false }, { "a;.iso", false }, { "", false },
	{ "a\x1b.iso", false },
};

static const struct name_case host_names[] = {
	{ "hv1", true }, { "a", true }, { "hv-2", true },
	{ "abcdefghijklmnopqrstuvwxyz012345", true },
	{ "abcdefghijklmnopqrstuvwxyz0123456", false },	/* 33 chars */
	{ "", false }, { "1hv", false }, { "-hv", false }, { "hv_2", false },
	{ "Hv1", false }, { "hv.example", false }, { "hv 1", false },
	{ "hv:1", false }, { "hv/1", false }, { "hv\n", false },
	{ "..", false }, { "hv]", false }, { "caf\xc3\xa9", false },
};

static const struct name_case snap_names[] = {
	{ "before-upgrade", true }, { "20261202-140000", true }, { "a", true },
	{ "0", true }, { "abcdefghijklmnopqrstuvwxyz012345", true },
	{ "abcdefghijklmnopqrstuvwxyz0123456", false }, { "", false },
	{ "-x", false }, { "A", false }, { "a.b", false }, { "../x", false },
	{ "a/b", false }, { "a_b", false }, { "a b", false }, { "a\n", false },
	{ "kv", true },
};

static void
check_table(bool (*fn)(const char *, GError **),
    const struct name_case *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		g_autoptr(GError) err = NULL;
		bool	 got = fn(t[i].s, &err);

		if (got != t[i].ok)
			FAIL_MSG("case %zu \"%s\": expected %s", i, t[i].s,
			    t[i].ok ? "valid" : "invalid");
		/* A refusal is invalid input, with a reason; else no error. */
		if (!got)
			assert_true(g_error_matches(err, VPS_ERROR,
			    VPS_ERROR_INVALID));
		else
			assert_null(err);
		/* Callers that only test pass NULL. */
		assert_int_equal(fn(t[i].s, NULL), got);
	}
}

static void
test_vps_name(void **state)
{
	check_table(vps_name_valid, vps_names, G_N_ELEMENTS(vps_names));
}

static void
test_owner_name(void **state)
{
	check_table(vps_owner_valid, owner_names, G_N_ELEMENTS(owner_names));
}

static void
test_iso_name(void **state)
{
	char	 longname[200];

	check_table(vps_iso_name_valid, iso_names, G_N_ELEMENTS(iso_names));
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + sizeof(longname) - 5, ".iso", 5);
	assert_false(vps_iso_name_valid(longname, NULL));
}

static void
test_host_name(void **state)
{
	check_table(vps_host_name_valid, host_names, G_N_ELEMENTS(host_names));
}

static void
test_snap_name(void **state)
{
	check_table(vps_snap_name_valid, snap_names, G_N_ELEMENTS(snap_names));
}

static void
test_vg_name(void **state)
{
	assert_true(vps_vg_name_valid("vps", NULL));
	assert_true(vps_vg_name_valid("vg_data-01.x+", NULL));
	assert_false(vps_vg_name_valid("", NULL));
	assert_false(vps_vg_name_valid("-vg", NULL));
	assert_false(vps_vg_name_valid("..", NULL));
	assert_false(vps_vg_name_valid("a/b", NULL));
	assert_false(vps_vg_name_valid("a b", NULL));
}

static void
test_sanitize_display(void **state)
{
	char	 out[16];

	vps_sanitize_display("ok\x1b[2Jx\n\x9b", out, sizeof(out));
	assert_string_equal(out, "ok?[2Jx??");
	vps_sanitize_display("abcdefghijklmnopqrstuvwxyz", out, 8);
	assert_string_equal(out, "abcdefg");
	assert_true(vps_printable_ascii("a b~"));
	assert_false(vps_printable_ascii("a\tb"));
	assert_false(vps_printable_ascii("\x7f"));
	assert_false(vps_printable_ascii("\xc3\xa9"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_vps_name),
	cmocka_unit_test(test_owner_name),
	cmocka_unit_test(test_iso_name),
	cmocka_unit_test(test_host_name),
	cmocka_unit_test(test_snap_name),
	cmocka_unit_test(test_vg_name),
	cmocka_unit_test(test_sanitize_display),
};

UNIT_MAIN(tests)
