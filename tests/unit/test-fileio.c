/*
 * test-fileio.c: bounded reads, atomic replacement, locks.
 */
#include <config.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#define UNIT_TMPDIR
#include "unit.h"
#include "fileio.h"
#include "lock.h"

static char *tmpdir;

static int
setup(void **state)
{
	tmpdir = g_dir_make_tmp("fileio-XXXXXX", NULL);
	return tmpdir == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	bool	 ok = unit_remove_tree(tmpdir);

	g_clear_pointer(&tmpdir, g_free);
	return ok ? 0 : -1;
}

static int
count_entries(const char *dir)
{
	GDir	*dh = g_dir_open(dir, 0, NULL);
	int	 n = 0;

	while (g_dir_read_name(dh) != NULL)
		n++;
	g_dir_close(dh);
	return n;
}

static void
test_read_bounds(void **state)
{
	g_autofree char *p = g_build_filename(tmpdir, "r", NULL);
	g_autofree char *buf = NULL;
	GError	*err = NULL;
	size_t	 len;

	assert_true(g_file_set_contents(p, "12345", 5, NULL));
	assert_true(vps_read_file(p, 5, &buf, &len, &err));
	assert_int_equal(len, 5);
	assert_string_equal(buf, "12345");
	g_clear_pointer(&buf, g_free);
	assert_false(vps_read_file(p, 4, &buf, &len, &err));
	assert_non_null(strstr(err->message, "larger than 4 bytes"));
	assert_null(buf);
	g_clear_error(&err);
	unlink(p);
}

static void
test_replace(void **state)
{
	g_autofree char *p = g_build_filename(tmpdir, "f", NULL);
	g_autofree char *buf = NULL;
	struct stat st;
	bool	 changed;
	size_t	 len;

	assert_true(vps_replace_file(p, "one\n", 4, 0640, &changed, NULL));
	assert_true(changed);
	assert_true(vps_file_matches(p, "one\n", 4, 0640));
	assert_false(vps_file_matches(p, "one\n", 4, 0600));
	assert_false(vps_file_matches(p, "two\n", 4, 0640));
	assert_true(vps_replace_file(p, "one\n", 4, 0640, &changed, NULL));
	assert_false(changed);
	/* A different mode is a change too. */
	assert_true(vps_replace_file(p, "one\n", 4, 0600, &changed, NULL));
	assert_true(changed);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(vps_replace_file(p, "", 0, 0600, &changed, NULL));
	assert_true(changed);
	assert_true(vps_read_file(p, 10, &buf, &len, NULL));
	assert_int_equal(len, 0);
	assert_int_equal(count_entries(tmpdir), 1);
	unlink(p);
}

static void
test_abort_leaves_old(void **state)
{
	g_autofree char *p = g_build_filename(tmpdir, "g", NULL);
	g_autofree char *buf = NULL;
	struct atomic_file *af;
	size_t	 len;

	assert_true(vps_replace_file(p, "old", 3, 0644, NULL, NULL));
	af = atomic_file_open(p, 0600, NULL);
	assert_non_null(af);
	/* The temp name is hidden from sudo's includedir and "*.conf". */
	{
		g_autofree char *base = g_path_get_basename(
		    atomic_file_tmppath(af));

		assert_true(base[0] == '.');
		assert_non_null(strchr(base + 1, '.'));
	}
	assert_true(atomic_file_write(af, "new", 3, NULL));
	atomic_file_abort(af);
	assert_true(vps_read_file(p, 10, &buf, &len, NULL));
	assert_string_equal(buf, "old");
	assert_int_equal(count_entries(tmpdir), 1);
	unlink(p);
}

static void
test_replace_errors(void **state)
{
	GError	*err = NULL;

	assert_false(vps_replace_file("/nonexistent-dir/f", "x", 1, 0600,
	    NULL, &err));
	assert_non_null(strstr(err->message, "/nonexistent-dir"));
	g_clear_error(&err);
}

static void
test_lock(void **state)
{
	g_autofree char *p = g_build_filename(tmpdir, "lock", NULL);
	GError	*err = NULL;
	int	 fd, status;
	pid_t	 pid;

	fd = vps_lock(p, false, &err);
	assert_true(fd >= 0);
	/* Another process (flock is per open file) cannot take it. */
	pid = fork();
	if (pid == 0) {
		int	 fd2 = vps_lock(p, true, NULL);

		_exit(fd2 == -1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	vps_unlock(fd);
	fd = vps_lock(p, true, &err);
	assert_true(fd >= 0);
	vps_unlock(fd);
	/* A symlink is never followed. */
	{
		g_autofree char *l = g_build_filename(tmpdir, "lnk", NULL);

		assert_int_equal(symlink(p, l), 0);
		assert_int_equal(vps_lock(l, true, &err), -1);
		g_clear_error(&err);
		unlink(l);
	}
	unlink(p);
}

static void
test_lock_dir(void **state)
{
	g_autofree char *d = g_build_filename(tmpdir, "ldir", NULL);
	g_autofree char *l = g_build_filename(tmpdir, "ldirlnk", NULL);
	GError	*err = NULL;
	int	 fd, status;
	pid_t	 pid;

	assert_int_equal(mkdir(d, 0700), 0);
	fd = vps_lock_dir(d, false, &err);
	assert_true(fd >= 0);
	pid = fork();
	if (pid == 0) {
		status = vps_lock_dir(d, true, NULL) == -1 ? 0 : 1;
		/* _exit skips g_autofree: free here for valgrind. */
		g_free(g_steal_pointer(&d));
		g_free(g_steal_pointer(&l));
		_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	vps_unlock(fd);
	/* Nothing is created in the directory. */
	assert_int_equal(count_entries(d), 0);
	/* Not through a symlink, and not on a missing directory. */
	assert_int_equal(symlink(d, l), 0);
	assert_int_equal(vps_lock_dir(l, true, &err), -1);
	g_clear_error(&err);
	assert_int_equal(vps_lock_dir("/nonexistent-dir", true, &err), -1);
	assert_non_null(strstr(err->message, "/nonexistent-dir"));
	g_clear_error(&err);
	unlink(l);
	rmdir(d);
}

/* What a killed writer leaves, and what only looks like it. */
static const struct {
	const char *name;
	char	 kind;		/* f file, l symlink, d directory */
	bool	 removed;
} stale_cases[] = {
	{ ".t.AbC123", 'f', true },	/* a temp file of t */
	{ ".t.000000", 'f', true },
	{ ".t.AbC12", 'f', false },	/* suffix too short */
	{ ".t.AbC1234", 'f', false },	/* too long */
	{ ".t.AbC-23", 'f', false },	/* not mkostemp's alphabet */
	{ ".tt.AbC123", 'f', false },	/* another file's temp */
	{ "t.AbC123", 'f', false },	/* no leading dot */
	{ ".t.lock", 'f', false },
	{ "t", 'f', false },		/* the target itself */
	{ ".t.Sym123", 'l', false },	/* a symlink is never followed */
	{ ".t.Dir123", 'd', false },
};

static void
test_clean_stale(void **state)
{
	g_autofree char *d = g_build_filename(tmpdir, "stale", NULL);
	g_autofree char *t = g_build_filename(d, "t", NULL);
	g_autofree char *outside = g_build_filename(tmpdir, "outside", NULL);
	GError	*err = NULL;
	unsigned removed, want = 0;
	size_t	 i;

	assert_int_equal(mkdir(d, 0700), 0);
	assert_true(g_file_set_contents(outside, "keep", 4, NULL));
	for (i = 0; i < G_N_ELEMENTS(stale_cases); i++) {
		g_autofree char *p = g_build_filename(d, stale_cases[i].name,
		    NULL);

		if (stale_cases[i].kind == 'f')
			assert_true(g_file_set_contents(p, "x", 1, NULL));
		else if (stale_cases[i].kind == 'l')
			assert_int_equal(symlink(outside, p), 0);
		else
			assert_int_equal(mkdir(p, 0700), 0);
		want += stale_cases[i].removed;
	}
	assert_true(atomic_file_clean_stale(t, &removed, &err));
	assert_int_equal(removed, want);
	for (i = 0; i < G_N_ELEMENTS(stale_cases); i++) {
		g_autofree char *p = g_build_filename(d, stale_cases[i].name,
		    NULL);
		struct stat st;

		assert_int_equal(lstat(p, &st) == -1, stale_cases[i].removed);
	}
	assert_true(g_file_test(outside, G_FILE_TEST_IS_REGULAR));
	/* Nothing left to remove: a second run is a no-op. */
	assert_true(atomic_file_clean_stale(t, &removed, &err));
	assert_int_equal(removed, 0);
	/* A missing directory is an error naming it. */
	assert_false(atomic_file_clean_stale("/nonexistent-dir/t", NULL,
	    &err));
	assert_non_null(strstr(err->message, "/nonexistent-dir"));
	g_clear_error(&err);
}

/* Reads path as a file root relies on; NULL if accepted, else the reason. */
static char *
trusted_reason(const char *path)
{
	g_autofree char *buf = NULL;
	GError	*err = NULL;
	size_t	 len;
	char	*why;

	if (vps_read_trusted_file(path, 64, &buf, &len, &err))
		return NULL;
	why = g_strdup(err->message);
	g_error_free(err);
	return why;
}

#define assert_refused(path, culprit) do {				\
	g_autofree char *why_ = trusted_reason(path);			\
	assert_non_null(why_);						\
	assert_non_null(strstr(why_, culprit));				\
	assert_non_null(strstr(why_, "writable only by root"));		\
} while (0)

static void
test_trusted(void **state)
{
	g_autofree char *dir = g_build_filename(tmpdir, "trust", NULL);
	g_autofree char *sub = g_build_filename(dir, "sub", NULL);
	g_autofree char *file = g_build_filename(sub, "vps.conf", NULL);
	g_autofree char *link = g_build_filename(tmpdir, "link.conf", NULL);

	if (geteuid() != 0) {
		/* Not root: the checks protect root only. */
		assert_int_equal(g_mkdir_with_parents(sub, 0777), 0);
		assert_true(g_file_set_contents(file, "x", -1, NULL));
		assert_int_equal(chmod(file, 0666), 0);
		assert_null(trusted_reason(file));
		return;
	}
	assert_int_equal(g_mkdir_with_parents(sub, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_true(g_file_set_contents(file, "x", -1, NULL));
	assert_int_equal(chmod(file, 0640), 0);
	assert_null(trusted_reason(file));
	/* The file: group- or other-writable, or not root's. */
	assert_int_equal(chmod(file, 0660), 0);
	assert_refused(file, file);
	assert_int_equal(chmod(file, 0602), 0);
	assert_refused(file, file);
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(chown(file, 1234, 0), 0);
	assert_refused(file, "uid 1234");
	assert_int_equal(chown(file, 0, 0), 0);
	/* Any directory above it. */
	assert_int_equal(chmod(dir, 0775), 0);
	assert_refused(file, dir);
	/* A root-owned sticky directory (/tmp) is fine; a plain one not. */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_null(trusted_reason(file));
	assert_int_equal(chmod(dir, 0777), 0);
	assert_refused(file, dir);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(sub, 1234, 1234), 0);
	assert_refused(file, sub);
	/* A link is judged by where it leads. */
	assert_int_equal(symlink(file, link), 0);
	assert_refused(link, sub);
	assert_int_equal(chown(sub, 0, 0), 0);
	assert_null(trusted_reason(link));
}

/*
 * A file replaced by rename while root reads it is read, not refused,
 * even when the writer does nothing else. The child allocates nothing
 * that outlives it (valgrind follows it to its _exit).
 */
static void
test_trusted_replaced(void **state)
{
	char	 file[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	g_autofree char *buf = NULL;
	GError	*err = NULL;
	size_t	 len;
	pid_t	 pid;
	int	 i, status;

	(void)snprintf(file, sizeof(file), "%s/data", tmpdir);
	(void)snprintf(a, sizeof(a), "%s/data.a", tmpdir);
	(void)snprintf(b, sizeof(b), "%s/data.b", tmpdir);
	assert_true(g_file_set_contents(file, "old", -1, NULL));
	if ((pid = fork()) == 0) {
		for (i = 0; i < 20000; i++) {
			if (!g_file_set_contents(i % 2 ? a : b, "new", -1,
			    NULL) || rename(i % 2 ? a : b, file) == -1)
				_exit(1);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	for (i = 0; i < 1000; i++) {
		if (!vps_read_trusted_file(file, 64, &buf, &len, &err))
			fail_msg("read %d: %s", i, err->message);
		assert_int_equal(len, 3);
		g_clear_pointer(&buf, g_free);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_read_bounds),
	cmocka_unit_test(test_replace),
	cmocka_unit_test(test_abort_leaves_old),
	cmocka_unit_test(test_replace_errors),
	cmocka_unit_test(test_lock),
	cmocka_unit_test(test_lock_dir),
	cmocka_unit_test(test_clean_stale),
	cmocka_unit_test(test_trusted),
	cmocka_unit_test(test_trusted_replaced),
};

int
main(void)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown) == 0 ? 0 : 1;
}
