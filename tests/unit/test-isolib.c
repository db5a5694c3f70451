/*
 * test-isolib.c: when the ISO library deserves trust: the verdicts on a
 * directory's and a file's status, table-driven; the library's path
 * names; and, as root (the owner the checks demand), real files: a
 * symbolic link, a hard link, a FIFO, a writable library.
 */
#include <config.h>

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include <glib.h>
#include <glib/gstdio.h>

#include "isolib.h"
#include "util.h"

struct stat_case {
	mode_t	 mode;
	uid_t	 uid;
	nlink_t	 nlink;
	bool	 last;		/* directories: the library itself */
	bool	 ok;
};

static const struct stat_case dirs[] = {
	{ S_IFDIR | 0755, 0, 2, true, true },
	{ S_IFDIR | 0711, 0, 2, false, true },
	{ S_IFDIR | 0700, 0, 2, true, true },
	{ S_IFDIR | 01777, 0, 2, false, true },	/* /tmp on the way */
	{ S_IFDIR | 01777, 0, 2, true, false },	/* but not the library */
	{ S_IFDIR | 01775, 0, 2, false, true },
	{ S_IFDIR | 0775, 0, 2, true, false },
	{ S_IFDIR | 0775, 0, 2, false, false },
	{ S_IFDIR | 0757, 0, 2, false, false },
	{ S_IFDIR | 0777, 0, 2, false, false },
	{ S_IFDIR | 0755, 1000, 2, true, false },
	{ S_IFDIR | 0755, 1000, 2, false, false },
	{ S_IFDIR | 01777, 1000, 2, false, false },	/* a member's sticky */
	{ S_IFLNK | 0777, 0, 1, false, false },
	{ S_IFREG | 0755, 0, 1, true, false },
};

static const struct stat_case files[] = {
	{ S_IFREG | 0644, 0, 1, false, true },
	{ S_IFREG | 0444, 0, 1, false, true },
	{ S_IFREG | 0604, 0, 1, false, true },
	{ S_IFREG | 0640, 0, 1, false, false },	/* QEMU cannot read it */
	{ S_IFREG | 0600, 0, 1, false, false },
	{ S_IFREG | 0664, 0, 1, false, false },
	{ S_IFREG | 0646, 0, 1, false, false },
	{ S_IFREG | 0644, 1000, 1, false, false },
	{ S_IFREG | 0644, 0, 2, false, false },	/* a hard link */
	{ S_IFLNK | 0777, 0, 1, false, false },
	{ S_IFIFO | 0644, 0, 1, false, false },
	{ S_IFBLK | 0644, 0, 1, false, false },
	{ S_IFDIR | 0755, 0, 2, false, false },
};

/* Checks each case of t against the verdict on directories or files. */
static void
check_cases(const struct stat_case *t, size_t n, bool dir)
{
	struct stat st;
	size_t	 i;

	for (i = 0; i < n; i++) {
		g_autoptr(GError) err = NULL;
		bool	 ok;

		memset(&st, 0, sizeof(st));
		st.st_mode = t[i].mode;
		st.st_uid = t[i].uid;
		st.st_nlink = t[i].nlink;
		ok = dir ? isolib_dir_trusted(&st, t[i].last, &err) :
		    isolib_file_trusted(&st, &err);
		/* A flaw is the state of the system, not bad input. */
		if (ok != t[i].ok || ok != (err == NULL) || (!ok &&
		    !g_error_matches(err, VPS_ERROR, VPS_ERROR_FAILED)))
			FAIL_MSG("%s %o uid %u nlink %u last %d: want %s",
			    dir ? "directory" : "file", (unsigned)t[i].mode,
			    (unsigned)t[i].uid, (unsigned)t[i].nlink,
			    t[i].last, t[i].ok ? "ok" : "a flaw");
	}
}

static void
test_dir_flaw(void **state)
{
	check_cases(dirs, G_N_ELEMENTS(dirs), true);
}

static void
test_file_flaw(void **state)
{
	check_cases(files, G_N_ELEMENTS(files), false);
}

static void
test_name_of(void **state)
{
	static const struct {
		const char *dir, *path, *name;
	} t[] = {
		{ "/srv/iso", "/srv/iso/a.iso", "a.iso" },
		{ "/srv/iso/", "/srv/iso/a.iso", "a.iso" },
		{ "/srv/iso", "/srv/iso/sub/a.iso", NULL },
		{ "/srv/iso", "/srv/iso/../a.iso", NULL },
		{ "/srv/iso", "/srv/other/a.iso", NULL },
		{ "/srv/iso", "/srv/iso/a.img", NULL },
		{ "/srv/iso", "/srv/iso/.x.iso", NULL },
		{ "/srv/iso", "/srv/isox/a.iso", NULL },
	};
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		g_autofree char *got = isolib_name_of(t[i].dir, t[i].path);

		if (g_strcmp0(got, t[i].name) != 0)
			FAIL_MSG("%s in %s: got %s", t[i].path, t[i].dir,
			    got != NULL ? got : "(none)");
	}
}

/* A root-owned library in a new directory below /tmp, with one good ISO. */
static char *
make_library(void)
{
	g_autofree char *top = g_dir_make_tmp("test-isolib-XXXXXX", NULL);
	char	*dir;

	assert_non_null(top);
	assert_int_equal(chmod(top, 0755), 0);
	dir = g_build_filename(top, "iso", NULL);
	assert_int_equal(g_mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	g_free(g_steal_pointer(&top));
	return dir;
}

static void
put_file(const char *dir, const char *name, mode_t mode)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(p, "", 0, NULL));
	assert_int_equal(chmod(p, mode), 0);
}

static void
remove_library(char *dir)
{
	g_autofree char *top = g_path_get_dirname(dir);
	char	*argv[] = { (char *)"rm", (char *)"-rf", top, NULL };
	gint	 status = -1;

	assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
	    NULL, NULL, NULL, &status, NULL));
	assert_int_equal(status, 0);
	g_free(dir);
}

/* Whether the message of err has needle in it. */
static void
assert_says(const GError *err, const char *needle)
{
	assert_non_null(err);
	if (strstr(err->message, needle) == NULL)
		FAIL_MSG("\"%s\" does not say \"%s\"", err->message, needle);
}

static void
test_real_files(void **state)
{
	g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) isos = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *secret = NULL, *p = NULL, *q = NULL, *fifo = NULL;
	char	*dir;

	if (geteuid() != 0) {
		skip();		/* the checks demand root's files */
		return;
	}
	dir = make_library();
	put_file(dir, "good.iso", 0644);
	put_file(dir, "private.iso", 0600);
	put_file(dir, "notes.txt", 0644);
	secret = g_build_filename(dir, "..", "secret", NULL);
	assert_true(g_file_set_contents(secret, "x", 1, NULL));
	assert_int_equal(chmod(secret, 0600), 0);
	p = g_build_filename(dir, "link.iso", NULL);
	assert_int_equal(symlink(secret, p), 0);
	q = g_build_filename(dir, "hard.iso", NULL);
	assert_int_equal(link(secret, q), 0);
	fifo = g_build_filename(dir, "fifo.iso", NULL);
	assert_int_equal(mkfifo(fifo, 0644), 0);

	isos = isolib_list(dir, bad, &err);
	assert_non_null(isos);
	assert_int_equal(isos->len, 1);
	assert_string_equal(g_ptr_array_index(isos, 0), "good.iso");
	assert_int_equal(bad->len, 4);
	assert_true(isolib_check(dir, "good.iso", &err));
	assert_false(isolib_check(dir, "link.iso", &err));
	assert_says(err, "symbolic link");
	g_clear_error(&err);
	assert_false(isolib_check(dir, "hard.iso", &err));
	assert_says(err, "hard link");
	g_clear_error(&err);
	assert_false(isolib_check(dir, "fifo.iso", &err));	/* no block */
	assert_says(err, "not a regular file");
	g_clear_error(&err);
	assert_false(isolib_check(dir, "none.iso", &err));
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
	g_clear_error(&err);

	/* The library itself: writable by its group, then a member's. */
	assert_int_equal(chmod(dir, 0775), 0);
	assert_null(isolib_list(dir, NULL, &err));
	assert_says(err, "writable by group or others");
	g_clear_error(&err);
	assert_false(isolib_check(dir, "good.iso", &err));
	g_clear_error(&err);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(dir, 1000, 1000), 0);
	assert_null(isolib_list(dir, NULL, &err));
	assert_says(err, "not owned by root");
	g_clear_error(&err);
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_true(isolib_check(dir, "good.iso", &err));

	/* A symbolic link on the way to the library. */
	g_free(p);
	p = g_strconcat(dir, ".link", NULL);
	assert_int_equal(symlink(dir, p), 0);
	assert_false(isolib_check(p, "good.iso", &err));
	assert_says(err, "symbolic link");
	g_clear_error(&err);
	assert_null(isolib_list("relative/iso", NULL, &err));
	remove_library(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_flaw),
		cmocka_unit_test(test_file_flaw),
		cmocka_unit_test(test_name_of),
		cmocka_unit_test(test_real_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
