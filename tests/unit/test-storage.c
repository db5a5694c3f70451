/*
 * test-storage.c: the file backend's images and create-vps's mark on
 * them: made whole or not at all, removed only if still the one made, or
 * only if marked with the VPS name.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <glib.h>

#define UNIT_TMPDIR
#include "unit.h"
#include "storage.h"
#include "vpsconf.h"

static char *tmpdir;
static struct vps_config cfg;

static int
setup(void **state)
{
	if ((tmpdir = g_dir_make_tmp("storage-XXXXXX", NULL)) == NULL)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = VPS_BACKEND_FILE;
	cfg.dir = g_build_filename(tmpdir, "images", NULL);
	return 0;
}

static int
teardown(void **state)
{
	bool	 ok = unit_remove_tree(tmpdir);

	g_clear_pointer(&tmpdir, g_free);
	g_clear_pointer(&cfg.dir, g_free);
	return ok ? 0 : -1;
}

/* The image's attribute attr, or "" if it has none. */
static char *
mark_of(const char *path, const char *attr)
{
	char	 buf[64];
	ssize_t	 n = getxattr(path, attr, buf, sizeof(buf) - 1);

	return g_strndup(buf, n < 0 ? 0 : (size_t)n);
}

static int
count_entries(const char *dir)
{
	GDir	*dh = g_dir_open(dir, 0, NULL);
	int	 n = 0;

	while (dh != NULL && g_dir_read_name(dh) != NULL)
		n++;
	if (dh != NULL)
		g_dir_close(dh);
	return n;
}

static void
must_create(const char *name, struct storage_made *made)
{
	GError	*err = NULL;

	if (!storage_create(&cfg, name, 1 << 20, "run", made, &err))
		FAIL_MSG("storage_create %s: %s", name, err->message);
}

/* A new file at path with content s, unmarked. */
static void
put(const char *path, const char *s)
{
	if (!g_file_set_contents(path, s, -1, NULL))
		FAIL_MSG("cannot write %s", path);
}

static void
test_create_marks(void **state)
{
	g_autofree char *p = storage_path(&cfg, "a");
	g_autofree char *mark = NULL;
	struct storage_made made;
	GError	*err = NULL;
	struct stat st;

	must_create("a", &made);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_ino == made.ino && st.st_dev == made.dev);
	mark = mark_of(p, STORAGE_XATTR);
	assert_string_equal(mark, "a");
	g_free(mark);
	mark = mark_of(p, STORAGE_XATTR_RUN);
	assert_string_equal(mark, "run");
	storage_made_clear(&made);
	/* Nothing but the image: the unnamed file got its name. */
	assert_int_equal(count_entries(cfg.dir), 1);
	assert_false(storage_create(&cfg, "a", 1 << 20, "run", &made, &err));
	assert_non_null(strstr(err->message, "already exists"));
	g_clear_error(&err);
	storage_made_clear(&made);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	assert_int_equal(unlink(p), 0);
}

/* An existing file of that name, or a symlink, is never touched. */
static void
test_create_refuses(void **state)
{
	g_autofree char *p = storage_path(&cfg, "b");
	g_autofree char *got = NULL, *target = NULL;
	struct storage_made made;
	GError	*err = NULL;

	must_create("x", &made);
	storage_made_clear(&made);
	put(p, "precious");
	assert_false(storage_create(&cfg, "b", 1 << 20, "run", &made, &err));
	g_clear_error(&err);
	storage_made_clear(&made);
	assert_true(g_file_get_contents(p, &got, NULL, NULL));
	assert_string_equal(got, "precious");
	assert_int_equal(unlink(p), 0);
	target = g_build_filename(tmpdir, "target", NULL);
	assert_int_equal(symlink(target, p), 0);
	assert_false(storage_create(&cfg, "b", 1 << 20, "run", &made, &err));
	g_clear_error(&err);
	storage_made_clear(&made);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(unlink(p), 0);
}

/* The rollback removes the image it made, and not one made after it. */
static void
test_remove_made(void **state)
{
	g_autofree char *p = storage_path(&cfg, "c");
	struct storage_made made;
	GError	*err = NULL;
	bool	 removed = true;

	must_create("c", &made);
	assert_true(storage_remove_made(&cfg, "c", &made, &removed, &err));
	assert_true(removed);
	assert_int_equal(access(p, F_OK), -1);

	storage_made_clear(&made);
	must_create("c", &made);
	/* Made again by another run: the file system may reuse the inode. */
	assert_int_equal(unlink(p), 0);
	put(p, "theirs");
	assert_true(storage_remove_made(&cfg, "c", &made, &removed, &err));
	assert_false(removed);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(unlink(p), 0);
	{
		struct storage_made other;

		if (!storage_create(&cfg, "c", 1 << 20, "other", &other, &err))
			FAIL_MSG("storage_create: %s", err->message);
		assert_true(storage_remove_made(&cfg, "c", &made, &removed,
		    &err));
		assert_false(removed);
		assert_int_equal(access(p, F_OK), 0);
		storage_made_clear(&other);
	}
	assert_int_equal(unlink(p), 0);
	/* Gone meanwhile: nothing to remove, no error. */
	assert_true(storage_remove_made(&cfg, "c", &made, &removed, &err));
	assert_false(removed);
	storage_made_clear(&made);
}

/* delete-vps --purge-disk without a domain: only a marked image goes. */
static void
test_remove_marked(void **state)
{
	g_autofree char *p = storage_path(&cfg, "d");
	g_autofree char *q = storage_path(&cfg, "e");
	struct storage_made made;
	GError	*err = NULL;
	bool	 removed = true;

	put(p, "unmarked");
	assert_true(storage_remove_marked(&cfg, "d", &removed, &err));
	assert_false(removed);
	assert_int_equal(access(p, F_OK), 0);
	/* Marked, but for another VPS (an image renamed). */
	must_create("e", &made);
	storage_made_clear(&made);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rename(q, p), 0);
	assert_true(storage_remove_marked(&cfg, "d", &removed, &err));
	assert_false(removed);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(unlink(p), 0);
	must_create("d", &made);
	storage_made_clear(&made);
	assert_true(storage_remove_marked(&cfg, "d", &removed, &err));
	assert_true(removed);
	assert_int_equal(access(p, F_OK), -1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_create_marks),
	cmocka_unit_test(test_create_refuses),
	cmocka_unit_test(test_remove_made),
	cmocka_unit_test(test_remove_marked),
};

int
main(void)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown) == 0 ? 0 : 1;
}
