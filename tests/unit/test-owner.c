/*
 * test-owner.c: the helper's ownership check follows vps.data as it is
 * replaced (reassigned, removed, restored, made invalid), and says "not
 * yours" or "cannot tell" rather than keep an old answer.
 */
#include <config.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "unit.h"
#include "root-owner.h"

#define ALICE_WEB1	"web1:alice:1:128:1:5901\nweb2:bob:1:128:1:5902\n"
#define BOB_WEB1	"web1:bob:1:128:1:5901\nweb2:bob:1:128:1:5902\n"
#define NO_WEB1		"web2:bob:1:128:1:5902\n"
#define INVALID		"web1:alice:1:128:1:5901\nweb2:bob:x:128:1:5902\n"

struct fixture {
	char	*dir;
	char	*path;
};

/* Replaces the file as vps-data-gen does: a new file renamed over it. */
static void
replace(const struct fixture *f, const char *text)
{
	g_autofree char *tmp = g_strconcat(f->path, ".new", NULL);

	assert_true(g_file_set_contents(tmp, text, -1, NULL));
	assert_int_equal(g_rename(tmp, f->path), 0);
}

static int
setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);

	f->dir = g_dir_make_tmp("test-owner.XXXXXX", NULL);
	assert_non_null(f->dir);
	f->path = g_build_filename(f->dir, "vps.data", NULL);
	replace(f, ALICE_WEB1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	(void)g_unlink(f->path);
	(void)g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* One question: the answer, with err freed. */
static int
ask(struct owner_check *oc)
{
	GError	*err = NULL;
	int	 rc = owner_check(oc, &err);

	assert_true((rc == -1) == (err != NULL));
	g_clear_error(&err);
	return rc;
}

static void
test_first_answer(void **state)
{
	struct fixture *f = *state;
	struct owner_check oc;

	owner_init(&oc, f->path, "alice", "web1");
	assert_int_equal(ask(&oc), 1);
	assert_int_equal(ask(&oc), 1);		/* from the cache */
	owner_init(&oc, f->path, "bob", "web1");
	assert_int_equal(ask(&oc), 0);
	owner_init(&oc, f->path, "alice", "web3");
	assert_int_equal(ask(&oc), 0);
}

/* Reassigned, removed, given back: each replacement is seen at once. */
static void
test_follows_replacements(void **state)
{
	struct fixture *f = *state;
	struct owner_check oc;

	owner_init(&oc, f->path, "alice", "web1");
	assert_int_equal(ask(&oc), 1);
	replace(f, BOB_WEB1);
	assert_int_equal(ask(&oc), 0);
	assert_int_equal(ask(&oc), 0);
	replace(f, ALICE_WEB1);
	assert_int_equal(ask(&oc), 1);
	replace(f, NO_WEB1);
	assert_int_equal(ask(&oc), 0);
}

/* The answer carries the VPS's line, with its host, as the file has it. */
static void
test_host(void **state)
{
	struct fixture *f = *state;
	struct owner_check oc;

	owner_init(&oc, f->path, "alice", "web1");
	assert_int_equal(ask(&oc), 1);
	assert_string_equal(oc.entry.name, "web1");
	assert_string_equal(oc.entry.host, "");
	replace(f, "web1:alice:1:128:1:5901:hv2\n");
	assert_int_equal(ask(&oc), 1);
	assert_string_equal(oc.entry.host, "hv2");
	assert_int_equal(oc.entry.spice_port, 5901);
}

/* An edit in place, same size, at another time, is seen too. */
static void
test_edit_in_place(void **state)
{
	struct fixture *f = *state;
	struct owner_check oc;
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	FILE	*fp;

	owner_init(&oc, f->path, "alice", "web1");
	assert_int_equal(ask(&oc), 1);
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	assert_int_equal(fputs("web1:carol", fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(utimensat(AT_FDCWD, f->path, ts, 0), 0);
	assert_int_equal(ask(&oc), 0);
}

/* An invalid or missing file: no answer (fail closed), asked again. */
static void
test_cannot_tell(void **state)
{
	struct fixture *f = *state;
	struct owner_check oc;

	owner_init(&oc, f->path, "alice", "web1");
	assert_int_equal(ask(&oc), 1);
	replace(f, INVALID);
	assert_int_equal(ask(&oc), -1);
	assert_int_equal(ask(&oc), -1);
	replace(f, ALICE_WEB1);
	assert_int_equal(ask(&oc), 1);
	assert_int_equal(g_unlink(f->path), 0);
	assert_int_equal(ask(&oc), -1);
	replace(f, ALICE_WEB1);
	assert_int_equal(ask(&oc), 1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_first_answer, setup, teardown),
	cmocka_unit_test_setup_teardown(test_host, setup, teardown),
	cmocka_unit_test_setup_teardown(test_follows_replacements, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_edit_in_place, setup, teardown),
	cmocka_unit_test_setup_teardown(test_cannot_tell, setup, teardown),
};

UNIT_MAIN(tests)
