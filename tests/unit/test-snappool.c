/*
 * test-snappool.c: the pure side of snappool.h: which volume names of a
 * pool are a VPS's snapshot copies, their marks and the revert's mark,
 * (and whether autostart is to be put back), for both kinds of pool, and
 * that every name snappool_vol_name makes
 * reads back as what it was made for. A name of another VPS, a bad
 * snapshot name or a bad epoch is nothing of the VPS's.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "poolvol.h"
#include "snappool.h"

struct parse_case {
	int	 kind;
	enum snappool_role role;
	const char *vol;
	const char *name;		/* for DATA and MARK */
	gint64	 t;
};

static const struct parse_case parse_cases[] = {
	{ POOLVOL_FILE, SNAPPOOL_DATA, "web.snap.base.1700000000.img",
	    "base", 1700000000 },
	{ POOLVOL_FILE, SNAPPOOL_MARK, "web.snap.base.1700000000.ok",
	    "base", 1700000000 },
	{ POOLVOL_FILE, SNAPPOOL_DATA, "web.snap.20250101-120000.5.img",
	    "20250101-120000", 5 },
	{ POOLVOL_FILE, SNAPPOOL_REVERT, "web.reverting", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_REVERT_AUTO, "web.reverting-autostart", NULL,
	    0 },
	{ POOLVOL_BLOCK, SNAPPOOL_REVERT_AUTO, "web.reverting-autostart",
	    NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.reverting-autostartx", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web2.reverting-autostart", NULL, 0 },
	{ POOLVOL_BLOCK, SNAPPOOL_DATA, "web.snap.base.1700000000", "base",
	    1700000000 },
	{ POOLVOL_BLOCK, SNAPPOOL_MARK, "web.snap.base.1700000000.ok",
	    "base", 1700000000 },
	{ POOLVOL_BLOCK, SNAPPOOL_REVERT, "web.reverting", NULL, 0 },
	/* The disk itself, and other VPS's volumes. */
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.img", NULL, 0 },
	{ POOLVOL_BLOCK, SNAPPOOL_OTHER, "web", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web2.snap.base.1700000000.img",
	    NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web2.reverting", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "we.snap.base.1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.revertingx", NULL, 0 },
	/* A copy's name in the other kind of pool. */
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.1700000000", NULL, 0 },
	{ POOLVOL_BLOCK, SNAPPOOL_OTHER, "web.snap.base.1700000000.img",
	    NULL, 0 },
	/* No epoch, a bad one, a bad snapshot name. */
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base..img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.01.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.-1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.1x.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER,
	    "web.snap.base.99999999999999999999.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.a.b.1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.Base.1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.-x.1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap..1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.1.img", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.ok", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap..ok", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER, "web.snap.base.1.ok.img", NULL, 0 },
	{ POOLVOL_BLOCK, SNAPPOOL_OTHER, "web.snap.base.1.ok.ok", NULL, 0 },
	{ POOLVOL_FILE, SNAPPOOL_OTHER,
	    "web.snap.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.1.img", NULL, 0 },
};

static void
test_parse(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		g_autofree char *name = NULL;
		gint64	 t = -1;
		enum snappool_role role;

		role = snappool_parse(c->kind, "web", c->vol, &name, &t);
		if (role != c->role)
			FAIL_MSG("%s (kind %d): role %d, want %d", c->vol,
			    c->kind, (int)role, (int)c->role);
		if (c->name == NULL) {
			assert_null(name);
			continue;
		}
		assert_non_null(name);
		assert_string_equal(name, c->name);
		assert_int_equal(t, c->t);
	}
}

/* Every name made reads back as made, in its own kind of pool only. */
static void
test_round_trip(void **state)
{
	static const enum snappool_role roles[] = { SNAPPOOL_DATA,
	    SNAPPOOL_MARK, SNAPPOOL_REVERT, SNAPPOOL_REVERT_AUTO };
	static const int kinds[] = { POOLVOL_FILE, POOLVOL_BLOCK };
	size_t	 i, k;

	for (k = 0; k < G_N_ELEMENTS(kinds); k++) {
		for (i = 0; i < G_N_ELEMENTS(roles); i++) {
			g_autofree char *vol = snappool_vol_name(kinds[k],
			    roles[i], "db-1", "20250101-120000", 1735732800);
			g_autofree char *name = NULL, *disk = NULL;
			gint64	 t;

			assert_int_equal(snappool_parse(kinds[k], "db-1", vol,
			    &name, &t), roles[i]);
			if (roles[i] == SNAPPOOL_DATA ||
			    roles[i] == SNAPPOOL_MARK) {
				assert_string_equal(name, "20250101-120000");
				assert_int_equal(t, 1735732800);
			}
			/* Never the disk of this or another VPS. */
			disk = poolvol_name(kinds[k], "db-1");
			assert_string_not_equal(vol, disk);
			g_clear_pointer(&name, g_free);
			assert_int_equal(snappool_parse(kinds[k], "db", vol,
			    &name, &t), SNAPPOOL_OTHER);
		}
	}
}

static void
test_names(void **state)
{
	g_autofree char *d = snappool_vol_name(POOLVOL_FILE, SNAPPOOL_DATA,
	    "web", "base", 1700000000);
	g_autofree char *m = snappool_vol_name(POOLVOL_FILE, SNAPPOOL_MARK,
	    "web", "base", 1700000000);
	g_autofree char *b = snappool_vol_name(POOLVOL_BLOCK, SNAPPOOL_DATA,
	    "web", "base", 1700000000);
	g_autofree char *r = snappool_vol_name(POOLVOL_BLOCK,
	    SNAPPOOL_REVERT, "web", NULL, 0);

	assert_string_equal(d, "web.snap.base.1700000000.img");
	assert_string_equal(m, "web.snap.base.1700000000.ok");
	assert_string_equal(b, "web.snap.base.1700000000");
	assert_string_equal(r, "web.reverting");
	g_free(r);
	r = snappool_vol_name(POOLVOL_FILE, SNAPPOOL_REVERT_AUTO, "web", NULL,
	    0);
	assert_string_equal(r, "web.reverting-autostart");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse),
	cmocka_unit_test(test_round_trip),
	cmocka_unit_test(test_names),
};

UNIT_MAIN(tests)
