/*
 * test-vpsdata.c: the vps.data rules of vps.data(5), table-driven: each
 * hostile input must be rejected with the right FILE:LINE and reason.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "unit.h"
#include "util.h"
#include "vpsdata.h"

struct parse_case {
	const char *text;
	size_t	 len;		/* 0: strlen(text) */
	const char *error;	/* NULL: valid; else a substring of the error */
	size_t	 n;		/* entries when valid */
};

#define OK(t, n)	{ t, 0, NULL, n }
#define BAD(t, e)	{ t, 0, e, 0 }

static const struct parse_case cases[] = {
	OK("", 0),
	OK("# only a comment\n", 0),
	OK("\n\n   \n\t\n", 0),
	OK("soleustest1:r3boot:4:2048:20:5733\n", 1),
	OK("# c\n\na:alice:1:64:1:1024\nb:_bob:256:4194304:65536:65535\n", 2),
	OK("a:alice:1:64:1:1024", 1),		/* no trailing newline */
	OK("  # indented comment\na:alice:1:64:1:1024\n", 1),
	OK("a:alice:1:64:1:1024\nb:alice:1:64:1:1025\n", 2), /* two VPS */
	/* line endings and bytes */
	BAD("a:alice:1:64:1:1024\r\n", "t:1: carriage return"),
	BAD("# ok\r\n", "t:1: carriage return"),
	BAD("a:alice:1:64:1:1024\nb:bob:1:64:1:1025\r\n", "t:2: carriage"),
	BAD("a:alice:1:64:1:1024\x1b[2J\n", "t:1: control or non-ASCII"),
	BAD("a:al\xc3\xaf" "ce:1:64:1:1024\n", "t:1: control or non-ASCII"),
	BAD("a:alice:1:64:1:1024\tx\n", "t:1: control or non-ASCII"),
	BAD(" a:alice:1:64:1:1024\n", "t:1: leading blank"),
	/* shape */
	BAD("a:alice:1:64:1\n", "t:1: expected 6 fields"),
	BAD("a:alice:1:64:1:1024:hv1:x\n", "t:1: expected 6 fields"),
	BAD("a alice 1 64 1 1024\n", "t:1: expected 6 fields"),
	BAD(":alice:1:64:1:1024\n", "t:1: name: empty"),
	BAD("a::1:64:1:1024\n", "t:1: owner: empty"),
	BAD("a:alice::64:1:1024\n", "t:1: vcpus: empty"),
	BAD("a:alice:1:64:1:\n", "t:1: spice_port: empty"),
	/* names */
	BAD("Web:alice:1:64:1:1024\n", "t:1: name: must start"),
	BAD("wEb:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("..:alice:1:64:1:1024\n", "t:1: name: must start"),
	BAD("a..b:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("a/b:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("a b:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("a;id:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("a$(id):alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("a,b:alice:1:64:1:1024\n", "t:1: name: invalid character"),
	BAD("ALL:alice:1:64:1:1024\n", "t:1: name: must start"),
	BAD("abcdefghijklmnopqrstuvwxyz0123456:alice:1:64:1:1024\n",
	    "t:1: name: name too long"),
	BAD("a:ALL:1:64:1:1024\n", "t:1: owner: must start"),
	BAD("a:%wheel:1:64:1:1024\n", "t:1: owner: must start"),
	BAD("a:a,b:1:64:1:1024\n", "t:1: owner: invalid character"),
	BAD("a:root ALL=(ALL) ALL:1:64:1:1024\n", "t:1: owner: invalid"),
	BAD("a:#include:1:64:1:1024\n", "t:1: owner: must start"),
	BAD("a:ali\nce:1:64:1:1024\n", "t:1: expected 6 fields"),
	BAD("a:alice!:1:64:1:1024\n", "t:1: owner: invalid character"),
	/* numbers */
	BAD("a:alice:0:64:1:1024\n", "t:1: vcpus: too small"),
	BAD("a:alice:257:64:1:1024\n", "t:1: vcpus: too large"),
	BAD("a:alice:-1:64:1:1024\n", "t:1: vcpus: not a number"),
	BAD("a:alice:+1:64:1:1024\n", "t:1: vcpus: not a number"),
	BAD("a:alice:01:64:1:1024\n", "t:1: vcpus: leading zero"),
	BAD("a:alice:1:63:1:1024\n", "t:1: memory_mib: too small"),
	BAD("a:alice:1:4194305:1:1024\n", "t:1: memory_mib: too large"),
	BAD("a:alice:1:64:0:1024\n", "t:1: disk_gib: too small"),
	BAD("a:alice:1:64:65537:1024\n", "t:1: disk_gib: too large"),
	BAD("a:alice:1:64:1:1023\n", "t:1: spice_port: too small"),
	BAD("a:alice:1:64:1:65536\n", "t:1: spice_port: too large"),
	BAD("a:alice:1:64:1:99999999999999999999999\n",
	    "t:1: spice_port: too large"),
	BAD("a:alice:1:64:1:1024 \n", "t:1: spice_port: not a number"),
	BAD("a:alice:1:64:1:0x400\n", "t:1: spice_port: not a number"),
	/* the optional host */
	OK("a:alice:1:64:1:1024:hv1\n", 1),
	OK("a:alice:1:64:1:1024:\n", 1),		/* empty: local */
	OK("a:alice:1:64:1:1024:hv-2\nb:bob:1:64:1:1025\n", 2),
	OK("a:alice:1:64:1:1024:abcdefghijklmnopqrstuvwxyz012345\n", 1),
	BAD("a:alice:1:64:1:1024:abcdefghijklmnopqrstuvwxyz0123456\n",
	    "t:1: host: name too long"),
	BAD("a:alice:1:64:1:1024:Hv1\n", "t:1: host: must start"),
	BAD("a:alice:1:64:1:1024:1hv\n", "t:1: host: must start"),
	BAD("a:alice:1:64:1:1024:hv_1\n", "t:1: host: invalid character"),
	BAD("a:alice:1:64:1:1024:hv.example.org\n",
	    "t:1: host: invalid character"),
	BAD("a:alice:1:64:1:1024:hv 1\n", "t:1: host: invalid character"),
	BAD("a:alice:1:64:1:1024:hv1 \n", "t:1: host: invalid character"),
	BAD("a:alice:1:64:1:1024\nb:bob:1:64:1:1025:-hv\n",
	    "t:2: host: must start"),
	/* uniqueness */
	BAD("a:alice:1:64:1:1024\n#\na:bob:1:64:1:1025\n",
	    "t:3: duplicate VPS name 'a' (first on line 1)"),
	BAD("a:alice:1:64:1:1024\nb:bob:1:64:1:1024\n",
	    "t:2: duplicate spice_port 1024 (VPS 'a' (first on line 1))"),
	/* an invalid line after good ones still fails the whole file */
	BAD("a:alice:1:64:1:1024\nb:bob:1:64:1:1025\nc\n", "t:3: expected"),
};

static void
test_parse_table(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct parse_case *c = &cases[i];
		struct vps_data d = VPSDATA_INIT;
		GError	*err = NULL;
		size_t	 len = c->len != 0 ? c->len : strlen(c->text);
		bool	 ok = vpsdata_parse(c->text, len, "t", &d, &err);

		if (c->error == NULL && !ok)
			FAIL_MSG("case %zu: unexpected error: %s", i,
			    err->message);
		if (c->error != NULL && ok)
			FAIL_MSG("case %zu: accepted invalid input", i);
		if (ok)
			assert_int_equal(d.n, c->n);
		else if (strstr(err->message, c->error) == NULL)
			FAIL_MSG("case %zu: error \"%s\" lacks \"%s\"", i,
			    err->message, c->error);
		if (!ok)
			assert_int_equal(err->code, VPS_ERROR_INVALID);
		g_clear_error(&err);
		vpsdata_clear(&d);
	}
}

static void
expect_error(const char *text, size_t len, const char *want)
{
	struct vps_data d = VPSDATA_INIT;
	GError	*err = NULL;

	assert_false(vpsdata_parse(text, len, "f", &d, &err));
	assert_non_null(err);
	if (strstr(err->message, want) == NULL)
		FAIL_MSG("error \"%s\" lacks \"%s\"", err->message, want);
	assert_int_equal(d.n, 0);
	g_error_free(err);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "a:alice:1:64:1:1024\nb:bob\0:1:64:1:1025\n";
	static const char comment[] = "# a\0b\n";

	expect_error(text, sizeof(text) - 1, "f:2: NUL byte");
	expect_error(comment, sizeof(comment) - 1, "f:1: NUL byte");
}

static void
test_long_line(void **state)
{
	char	*text = g_malloc(VPSDATA_LINE_MAX + 64);
	size_t	 n;

	/* A comment of exactly the limit is fine, one byte more is not. */
	memset(text, '#', VPSDATA_LINE_MAX);
	text[VPSDATA_LINE_MAX] = '\n';
	n = VPSDATA_LINE_MAX + 1;
	{
		struct vps_data d = VPSDATA_INIT;

		assert_true(vpsdata_parse(text, n, "f", &d, NULL));
		vpsdata_clear(&d);
	}
	memset(text, 'a', VPSDATA_LINE_MAX + 1);
	text[VPSDATA_LINE_MAX + 1] = '\n';
	expect_error(text, VPSDATA_LINE_MAX + 2, "f:1: line too long");
	g_free(text);
}

static void
test_entries(void **state)
{
	static const char text[] =
	    "# x\nweb:alice:2:1024:20:5901\ndb:bob:4:4096:40:5900\n";
	struct vps_data d = VPSDATA_INIT;
	const struct vps_entry *e;

	assert_true(vpsdata_parse(text, strlen(text), "f", &d, NULL));
	assert_int_equal(d.n, 2);
	e = vpsdata_find(&d, "db");
	assert_non_null(e);
	assert_string_equal(e->owner, "bob");
	assert_int_equal(e->vcpus, 4);
	assert_int_equal(e->memory_mib, 4096);
	assert_int_equal(e->disk_gib, 40);
	assert_int_equal(e->spice_port, 5900);
	assert_int_equal(e->line, 3);
	assert_ptr_equal(vpsdata_find_port(&d, 5901), vpsdata_find(&d, "web"));
	assert_null(vpsdata_find(&d, "nope"));
	assert_null(vpsdata_find_port(&d, 0));
	vpsdata_sort(&d);
	assert_string_equal(d.v[0].name, "db");
	assert_string_equal(vpsdata_find(&d, "web")->owner, "alice");
	assert_string_equal(vpsdata_find_port(&d, 5900)->name, "db");
	vpsdata_clear(&d);
}

/* Text -> entries -> text is the identity on canonical text. */
static void
test_round_trip(void **state)
{
	static const char text[] = "b:bob:1:64:1:2000\na:alice:8:8192:100:2001";
	struct vps_data d = VPSDATA_INIT, d2 = VPSDATA_INIT;
	g_autofree char *out = NULL, *out2 = NULL;
	size_t	 len, len2;

	assert_true(vpsdata_parse(text, strlen(text), "f", &d, NULL));
	vpsdata_sort(&d);
	out = vpsdata_format(&d, &len);
	assert_non_null(strstr(out, "\na:alice:8:8192:100:2001\n"
	    "b:bob:1:64:1:2000\n"));
	assert_true(vpsdata_parse(out, len, "f", &d2, NULL));
	out2 = vpsdata_format(&d2, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	vpsdata_clear(&d);
	vpsdata_clear(&d2);
}

/*
 * A file with hosts keeps them, and one without any host field (a single
 * host's file) is written back byte for byte: no 7th field appears.
 */
static void
test_round_trip_hosts(void **state)
{
	static const char single[] =
	    "# vps.data: one VPS a line, written by vpshost; see vps.data(5)\n"
	    "# name:owner:vcpus:memory_mib:disk_gib:spice_port\n"
	    "a:alice:8:8192:100:2001\nb:bob:1:64:1:2000\n";
	static const char multi[] = "c:carol:1:64:1:2002:hv2\n"
	    "a:alice:8:8192:100:2001:\nb:bob:1:64:1:2000:hv1\n";
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *out = NULL, *out2 = NULL;
	size_t	 len, len2;

	assert_true(vpsdata_parse(single, strlen(single), "f", &d, NULL));
	assert_string_equal(vpsdata_find(&d, "a")->host, "");
	out = vpsdata_format(&d, &len);
	assert_int_equal(len, strlen(single));
	assert_memory_equal(out, single, len);
	vpsdata_clear(&d);

	assert_true(vpsdata_parse(multi, strlen(multi), "f", &d, NULL));
	assert_string_equal(vpsdata_find(&d, "a")->host, "");
	assert_string_equal(vpsdata_find(&d, "b")->host, "hv1");
	assert_string_equal(vpsdata_find(&d, "c")->host, "hv2");
	vpsdata_sort(&d);
	out2 = vpsdata_format(&d, &len2);
	/* The empty field of a is not written back: a is local. */
	assert_non_null(strstr(out2, "\na:alice:8:8192:100:2001\n"
	    "b:bob:1:64:1:2000:hv1\nc:carol:1:64:1:2002:hv2\n"));
	vpsdata_clear(&d);
	assert_true(vpsdata_parse(out2, len2, "f", &d, NULL));
	assert_string_equal(vpsdata_find(&d, "c")->host, "hv2");
	g_free(out);
	out = vpsdata_format(&d, &len);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	vpsdata_clear(&d);
}

/* The field that failed comes back as a value, the reason apart. */
static void
test_entry_fields(void **state)
{
	static const struct {
		struct vps_entry_text t;
		enum vps_field bad;
		const char *name;
	} fields[] = {
		{ { "Web", "alice", "1", "64", "1", NULL, NULL },
		    VPS_FIELD_NAME, "name" },
		{ { "web", "1x", "1", "64", "1", NULL, NULL },
		    VPS_FIELD_OWNER, "owner" },
		{ { "web", "alice", "0", "64", "1", NULL, NULL },
		    VPS_FIELD_VCPUS, "vcpus" },
		{ { "web", "alice", "1", "63", "1", NULL, NULL },
		    VPS_FIELD_MEMORY, "memory_mib" },
		{ { "web", "alice", "1", "64", "x", NULL, NULL },
		    VPS_FIELD_DISK, "disk_gib" },
		{ { "web", "alice", "1", "64", "1", "01024", NULL },
		    VPS_FIELD_PORT, "spice_port" },
		{ { "web", "alice", "1", "64", "1", "1024", "hv_1" },
		    VPS_FIELD_HOST, "host" },
		{ { "web", "alice", "1", "64", "1", NULL, "Hv" },
		    VPS_FIELD_HOST, "host" },
	};
	struct vps_entry e;
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(fields); i++) {
		g_autoptr(GError) err = NULL;
		enum vps_field bad = VPS_FIELD_COUNT;

		assert_false(vpsdata_entry_parse(&e, &fields[i].t, &bad, &err));
		assert_int_equal(bad, fields[i].bad);
		assert_string_equal(vps_field_name(bad), fields[i].name);
		assert_true(g_error_matches(err, VPS_ERROR,
		    VPS_ERROR_INVALID));
		assert_null(strstr(err->message, fields[i].name));
	}
}

static void
test_add_rules(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	struct vps_entry_text t = { "a", "alice", "1", "64", "1", NULL,
	    NULL };
	struct vps_entry e;
	enum vps_field bad;
	GError	*err = NULL;

	assert_true(vpsdata_entry_parse(&e, &t, &bad, NULL));
	assert_int_equal(e.spice_port, 0);
	assert_true(vpsdata_add(&d, &e, NULL));
	vps_strlcpy(e.name, "b", sizeof(e.name));
	/* Unassigned ports (0) never collide. */
	assert_true(vpsdata_add(&d, &e, NULL));
	assert_false(vpsdata_add(&d, &e, &err));
	assert_non_null(strstr(err->message, "duplicate VPS name 'b'"));
	g_clear_error(&err);
	t.port = "80";
	assert_false(vpsdata_entry_parse(&e, &t, &bad, &err));
	assert_int_equal(bad, VPS_FIELD_PORT);
	assert_string_equal(vps_field_name(bad), "spice_port");
	assert_true(g_error_matches(err, VPS_ERROR, VPS_ERROR_INVALID));
	assert_string_equal(err->message, "too small");
	g_clear_error(&err);
	/* The writer refuses an entry without a port. */
	assert_false(vpsdata_write("/nonexistent/vps.data", &d, NULL, &err));
	assert_non_null(strstr(err->message, "has no spice port"));
	g_clear_error(&err);
	vpsdata_clear(&d);
}

static void
test_write_load(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("vpsdata-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "vps.data", NULL);
	struct vps_data d = VPSDATA_INIT, back = VPSDATA_INIT;
	struct stat st1, st2;
	struct vps_entry_text t = { "web", "alice", "2", "1024", "20", "5901",
	    NULL };
	struct vps_entry e;
	enum vps_field bad;
	bool	 changed;
	GError	*err = NULL;

	assert_true(vpsdata_entry_parse(&e, &t, &bad, &err));
	assert_true(vpsdata_add(&d, &e, NULL));
	assert_true(vpsdata_write(path, &d, &changed, &err));
	assert_true(changed);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0640);
	/* Same content: not rewritten (same inode, same mtime). */
	assert_true(vpsdata_write(path, &d, &changed, &err));
	assert_false(changed);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	assert_true(vpsdata_load(path, &back, &err));
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0].owner, "alice");
	vpsdata_clear(&back);
	/* Nothing else left in the directory (no temp files). */
	{
		GDir	*dh = g_dir_open(dir, 0, NULL);

		assert_string_equal(g_dir_read_name(dh), "vps.data");
		assert_null(g_dir_read_name(dh));
		g_dir_close(dh);
	}
	assert_int_equal(unlink(path), 0);
	assert_false(vpsdata_load(path, &back, &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
	g_clear_error(&err);
	assert_false(vpsdata_load(dir, &back, &err));
	assert_non_null(strstr(err->message, "not a regular file"));
	g_clear_error(&err);
	assert_int_equal(rmdir(dir), 0);
	vpsdata_clear(&d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse_table),
	cmocka_unit_test(test_nul_byte),
	cmocka_unit_test(test_long_line),
	cmocka_unit_test(test_entries),
	cmocka_unit_test(test_round_trip),
	cmocka_unit_test(test_round_trip_hosts),
	cmocka_unit_test(test_entry_fields),
	cmocka_unit_test(test_add_rules),
	cmocka_unit_test(test_write_load),
};

UNIT_MAIN(tests)
