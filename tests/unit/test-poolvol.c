/*
 * test-poolvol.c: the pure side of poolvol.h: the volume XML of both
 * pool kinds against golden files (tests/unit/golden/volume-*.xml),
 * validated with libvirt's own schema (virt-xml-validate storagevol); a
 * hostile name stays a value; pool types and target paths read from a
 * pool's XML; volume names and paths.
 * VPS_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "unit.h"
#include "domdoc.h"
#include "poolvol.h"

#define VALIDATOR	"virt-xml-validate"
#define GIB		(UINT64_C(1) << 30)

/* libvirt's schema check of the volume XML text, through a temp file. */
static void
validate(const char *xml)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL, *out = NULL, *errout = NULL;
	const char *argv[] = { VALIDATOR, NULL, "storagevol", NULL };
	int	 fd, status;

	fd = g_file_open_tmp("test-poolvol-XXXXXX.xml", &path, &err);
	assert_true(fd != -1);
	close(fd);
	assert_true(g_file_set_contents(path, xml, -1, NULL));
	argv[1] = path;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
	    NULL, NULL, &out, &errout, &status, &err)) {
		unlink(path);
		FAIL_MSG("cannot run %s: %s", VALIDATOR, err->message);
	}
	unlink(path);
	if (!g_spawn_check_wait_status(status, NULL))
		FAIL_MSG("%s refuses the XML: %s%s", VALIDATOR, out, errout);
}

static void
test_file_golden(void **state)
{
	g_autofree char *xml = poolvol_xml(POOLVOL_FILE, "web1.img", 20 * GIB,
	    0600);

	assert_non_null(xml);
	compare_golden("volume-file.xml", xml);
	validate(xml);
}

static void
test_lvm_golden(void **state)
{
	g_autofree char *xml = poolvol_xml(POOLVOL_BLOCK, "web1", 3 * GIB,
	    0600);

	assert_non_null(xml);
	compare_golden("volume-lvm.xml", xml);
	validate(xml);
}

/* The text of expr in the volume XML. */
static char *
get(const char *xml, const char *expr)
{
	g_autoptr(domdoc) doc = domdoc_parse(xml, strlen(xml), "test", NULL);

	assert_non_null(doc);
	return domdoc_get(doc, NULL, expr);
}

/* A name with markup in it is one text node, not markup. */
static void
test_hostile(void **state)
{
	static const char evil[] = "a</name><capacity>1</capacity><name>&x;";
	g_autofree char *xml = poolvol_xml(POOLVOL_FILE, evil, GIB, 0600);
	g_autofree char *name = NULL, *cap = NULL;
	g_autoptr(domdoc) doc = NULL;

	assert_non_null(xml);
	name = get(xml, "/volume/name");
	cap = get(xml, "/volume/capacity");
	assert_string_equal(name, evil);
	assert_string_equal(cap, "1073741824");
	doc = domdoc_parse(xml, strlen(xml), "test", NULL);
	assert_int_equal(domdoc_select(doc, NULL, "/volume/name", NULL), 1);
	assert_int_equal(domdoc_select(doc, NULL, "/volume/capacity", NULL),
	    1);
}

/* Sizes and modes as numbers libvirt reads: no overflow, octal mode. */
static void
test_numbers(void **state)
{
	g_autofree char *xml = poolvol_xml(POOLVOL_FILE, "big.img",
	    UINT64_MAX, 0644);
	g_autofree char *cap = NULL, *alloc = NULL, *mode = NULL, *unit = NULL;

	assert_non_null(xml);
	cap = get(xml, "/volume/capacity");
	alloc = get(xml, "/volume/allocation");
	mode = get(xml, "/volume/target/permissions/mode");
	unit = get(xml, "/volume/capacity/@unit");
	assert_string_equal(cap, "18446744073709551615");
	assert_string_equal(alloc, "0");
	assert_string_equal(mode, "0644");
	assert_string_equal(unit, "bytes");
}

/* A file volume is sparse and raw; an LV allocated in full, no format. */
static void
test_kinds(void **state)
{
	g_autofree char *f = poolvol_xml(POOLVOL_FILE, "a.img", GIB, 0600);
	g_autofree char *b = poolvol_xml(POOLVOL_BLOCK, "a", GIB, 0600);
	g_autofree char *falloc = get(f, "/volume/allocation");
	g_autofree char *balloc = get(b, "/volume/allocation");
	g_autofree char *ffmt = get(f, "/volume/target/format/@type");
	g_autofree char *bfmt = get(b, "/volume/target/format/@type");

	assert_string_equal(falloc, "0");
	assert_string_equal(balloc, "1073741824");
	assert_string_equal(ffmt, "raw");
	assert_null(bfmt);
}

static const struct {
	const char *xml;
	int	 kind;			/* -1: refused */
} kind_cases[] = {
	{ "<pool type='dir'><name>p</name></pool>", POOLVOL_FILE },
	{ "<pool type='fs'><name>p</name></pool>", POOLVOL_FILE },
	{ "<pool type='netfs'><name>p</name></pool>", POOLVOL_FILE },
	{ "<pool type='logical'><name>p</name></pool>", POOLVOL_BLOCK },
	{ "<pool type='iscsi'><name>p</name></pool>", -1 },
	{ "<pool type='rbd'><name>p</name></pool>", -1 },
	{ "<pool type='Dir'><name>p</name></pool>", -1 },
	{ "<pool><name>p</name></pool>", -1 },
	{ "<volume type='dir'/>", -1 },
	{ "<pool type='dir'", -1 },
	{ "", -1 },
};

static void
test_kind_of(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(kind_cases); i++) {
		g_autoptr(GError) err = NULL;
		int	 k = poolvol_kind_of(kind_cases[i].xml, &err);

		if (k != kind_cases[i].kind)
			FAIL_MSG("%s: kind %d, want %d", kind_cases[i].xml, k,
			    kind_cases[i].kind);
		if ((k == -1) != (err != NULL))
			FAIL_MSG("%s: error set %d", kind_cases[i].xml,
			    err != NULL);
	}
}

static void
test_target_of(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = poolvol_target_of("<pool type='dir'><target>"
	    "<path>/var/lib/libvirt/images</path></target></pool>", NULL);
	g_autofree char *vg = poolvol_target_of("<pool type='logical'>"
	    "<target><path>/dev/vps</path></target></pool>", NULL);

	assert_string_equal(dir, "/var/lib/libvirt/images");
	assert_string_equal(vg, "/dev/vps");
	assert_null(poolvol_target_of("<pool type='dir'><target><path>rel"
	    "</path></target></pool>", &err));
	assert_non_null(err);
	g_clear_error(&err);
	assert_null(poolvol_target_of("<pool type='dir'/>", &err));
	assert_non_null(err);
}

static void
test_names(void **state)
{
	char	 name[] = "pool", host[] = "hv2", target[] = "/srv/vps";
	struct poolvol_pool p = { NULL, name, host, target, POOLVOL_FILE };
	g_autofree char *f = poolvol_name(POOLVOL_FILE, "web1");
	g_autofree char *b = poolvol_name(POOLVOL_BLOCK, "web1");
	g_autofree char *fp = poolvol_path(&p, "web1");
	g_autofree char *bp = NULL;

	assert_string_equal(f, "web1.img");
	assert_string_equal(b, "web1");
	assert_string_equal(fp, "/srv/vps/web1.img");
	p.kind = POOLVOL_BLOCK;
	bp = poolvol_path(&p, "web1");
	assert_string_equal(bp, "/srv/vps/web1");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_file_golden),
	cmocka_unit_test(test_lvm_golden),
	cmocka_unit_test(test_hostile),
	cmocka_unit_test(test_numbers),
	cmocka_unit_test(test_kinds),
	cmocka_unit_test(test_kind_of),
	cmocka_unit_test(test_target_of),
	cmocka_unit_test(test_names),
};

UNIT_MAIN(tests)
