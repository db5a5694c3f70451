/*
 * test-snapshot.c: the file backend's snapshots: a copy that keeps the
 * image's holes, its limits and names, a revert that gives back the
 * disk as it was and keeps the disk's marks, and nothing left behind by
 * a refusal.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <glib.h>

#define UNIT_TMPDIR
#include "unit.h"
#include "names.h"
#include "snapshot.h"
#include "storage.h"
#include "util.h"
#include "vpsconf.h"

#define DISK_SIZE	(8u << 20)

static char *tmpdir;
static struct vps_config cfg;

static int
setup(void **state)
{
	if ((tmpdir = g_dir_make_tmp("snapshot-XXXXXX", NULL)) == NULL)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = VPS_BACKEND_FILE;
	cfg.dir = g_strdup(tmpdir);
	cfg.snap_max = 3;
	cfg.snap_lvm_percent = 20;
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

/*
 * Writes text at offset off of vps's disk, made sparse of DISK_SIZE
 * and marked as create-vps marks it if it does not exist yet.
 */
static void
disk_write(const char *vps, off_t off, const char *text)
{
	g_autofree char *path = storage_path(&cfg, vps);
	int	 fd;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
		    -1 || ftruncate(fd, DISK_SIZE) == -1)
			FAIL_MSG("create %s: %s", path, g_strerror(errno));
		assert_int_equal(fsetxattr(fd, STORAGE_XATTR, vps, strlen(vps),
		    0), 0);
		assert_int_equal(fsetxattr(fd, STORAGE_XATTR_RUN, "r1", 2, 0),
		    0);
	}
	assert_int_equal(pwrite(fd, text, strlen(text), off),
	    (ssize_t)strlen(text));
	close(fd);
}

/* The len bytes at off of the file path. */
static char *
read_at(const char *path, off_t off, size_t len)
{
	char	*buf = g_malloc0(len + 1);
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		FAIL_MSG("open %s: %s", path, g_strerror(errno));
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
	return buf;
}

static char *
disk_read(const char *vps, off_t off, size_t len)
{
	g_autofree char *path = storage_path(&cfg, vps);

	return read_at(path, off, len);
}

/* The names snapshot_list gives, blank-separated. */
static char *
names(const char *vps)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GString) s = g_string_new(NULL);
	GError	*err = NULL;
	guint	 i;

	if ((list = snapshot_list(&cfg, vps, &err)) == NULL)
		FAIL_MSG("snapshot_list: %s", err->message);
	for (i = 0; i < list->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? " " : "",
		    ((struct snapshot *)g_ptr_array_index(list, i))->name);
	return g_strdup(s->str);
}

static void
must(bool ok, GError **err, const char *what)
{
	if (!ok)
		FAIL_MSG("%s: %s", what, (*err)->message);
}

/*
 * Expects a refusal of code with text in its message; *err is read
 * after the call that set it (an argument's order is unspecified).
 */
static void
refused(bool ok, GError **err, int code, const char *text)
{
	assert_false(ok);
	assert_non_null(*err);
	if ((*err)->code != code || strstr((*err)->message, text) == NULL)
		FAIL_MSG("expected code %d with \"%s\", got %d \"%s\"", code,
		    text, (*err)->code, (*err)->message);
	g_clear_error(err);
}

static void
test_create_revert(void **state)
{
	g_autofree char *snap = g_build_filename(tmpdir,
	    "web1.snap.first.img", NULL);
	g_autofree char *disk = storage_path(&cfg, "web1");
	g_autofree char *a = NULL, *b = NULL, *n = NULL;
	GError	*err = NULL;
	struct stat st;
	char	 v[16];
	ssize_t	 len;

	disk_write("web1", 0, "AAAA");
	disk_write("web1", 6 << 20, "tail-A");
	must(snapshot_create(&cfg, "web1", "first", &err), &err, "create");
	assert_int_equal(stat(snap, &st), 0);
	/* A sparse copy: the holes of the image stay holes. */
	assert_int_equal(st.st_size, DISK_SIZE);
	assert_true((uint64_t)st.st_blocks * 512 < DISK_SIZE / 2);
	assert_true(getxattr(snap, SNAPSHOT_XATTR_TIME, v, sizeof(v)) > 0);

	disk_write("web1", 0, "BBBB");
	disk_write("web1", 6 << 20, "tail-B");
	b = disk_read("web1", 0, 4);
	assert_string_equal(b, "BBBB");
	must(snapshot_revert(&cfg, "web1", "first", &err), &err, "revert");
	a = disk_read("web1", 0, 4);
	assert_string_equal(a, "AAAA");
	g_free(a);
	a = disk_read("web1", 6 << 20, 6);
	assert_string_equal(a, "tail-A");
	/* The disk keeps create-vps's marks, its mode and its size. */
	assert_int_equal(stat(disk, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, DISK_SIZE);
	len = getxattr(disk, STORAGE_XATTR, v, sizeof(v) - 1);
	assert_int_equal(len, 4);
	v[len] = '\0';
	assert_string_equal(v, "web1");
	len = getxattr(disk, STORAGE_XATTR_RUN, v, sizeof(v) - 1);
	assert_int_equal(len, 2);
	/* The snapshot stays, for another revert. */
	n = names("web1");
	assert_string_equal(n, "first");
	/* Nothing but the disk and the snapshot in the directory. */
	g_free(n);
	n = names("web2");
	assert_string_equal(n, "");
	{
		GDir	*d = g_dir_open(tmpdir, 0, NULL);
		int	 count = 0;

		while (g_dir_read_name(d) != NULL)
			count++;
		g_dir_close(d);
		assert_int_equal(count, 2);
	}
}

static void
test_limits(void **state)
{
	g_autofree char *n = NULL;
	GError	*err = NULL;

	disk_write("web1", 0, "AAAA");
	must(snapshot_create(&cfg, "web1", "s1", &err), &err, "s1");
	refused(snapshot_create(&cfg, "web1", "s1", &err), &err,
	    VPS_ERROR_INVALID, "already has a snapshot s1");
	must(snapshot_create(&cfg, "web1", "s2", &err), &err, "s2");
	must(snapshot_create(&cfg, "web1", "s3", &err), &err, "s3");
	refused(snapshot_create(&cfg, "web1", "s4", &err), &err,
	    VPS_ERROR_INVALID, "has 3 snapshots, the most");
	refused(snapshot_create(&cfg, "web1", "../x", &err), &err,
	    VPS_ERROR_INVALID, "invalid character");
	refused(snapshot_create(&cfg, "web1", "-x", &err), &err,
	    VPS_ERROR_INVALID, "must not start with '-'");
	refused(snapshot_revert(&cfg, "web1", "nope", &err), &err,
	    VPS_ERROR_INVALID, "has no snapshot nope");
	refused(snapshot_forget(&cfg, "web1", "nope", &err), &err,
	    VPS_ERROR_INVALID, "has no snapshot nope");
	must(snapshot_forget(&cfg, "web1", "s2", &err), &err, "forget");
	n = names("web1");
	assert_string_equal(n, "s1 s3");
	cfg.snap_max = 0;
	refused(snapshot_create(&cfg, "web1", "s5", &err), &err,
	    VPS_ERROR_INVALID, "disabled");
	cfg.snap_max = 3;
}

/* A VPS whose name begins another's sees only its own snapshots. */
static void
test_names_apart(void **state)
{
	g_autofree char *a = NULL, *b = NULL;
	GError	*err = NULL;

	disk_write("web", 0, "W");
	disk_write("web-2", 0, "X");
	must(snapshot_create(&cfg, "web", "a", &err), &err, "web a");
	must(snapshot_create(&cfg, "web-2", "b", &err), &err, "web-2 b");
	a = names("web");
	b = names("web-2");
	assert_string_equal(a, "a");
	assert_string_equal(b, "b");
	refused(snapshot_revert(&cfg, "web", "b", &err), &err,
	    VPS_ERROR_INVALID, "has no snapshot b");
}

/*
 * What a revert killed after naming its copy leaves is cleaned by the
 * next operation; a file that only looks like a snapshot is not one.
 */
static void
test_leftovers(void **state)
{
	g_autofree char *left = g_build_filename(tmpdir, ".revert.web1.new",
	    NULL);
	g_autofree char *odd = g_build_filename(tmpdir, "web1.snap.BAD.img",
	    NULL);
	g_autofree char *n = NULL;
	GError	*err = NULL;
	unsigned purged;

	disk_write("web1", 0, "AAAA");
	assert_true(g_file_set_contents(left, "half", -1, NULL));
	assert_true(g_file_set_contents(odd, "x", -1, NULL));
	must(snapshot_create(&cfg, "web1", "s1", &err), &err, "create");
	assert_int_equal(access(left, F_OK), -1);
	n = names("web1");
	assert_string_equal(n, "s1");
	must(snapshot_purge(&cfg, "web1", &purged, &err), &err, "purge");
	assert_int_equal(purged, 1);
	g_free(n);
	n = names("web1");
	assert_string_equal(n, "");
	assert_int_equal(access(odd, F_OK), 0);
}

/* No disk: refused, and nothing is left in the directory. */
static void
test_no_disk(void **state)
{
	GError	*err = NULL;
	GDir	*d;

	refused(snapshot_create(&cfg, "gone", "s1", &err), &err,
	    VPS_ERROR_FAILED, "cannot open");
	d = g_dir_open(tmpdir, 0, NULL);
	assert_null(g_dir_read_name(d));
	g_dir_close(d);
}

static void
test_default_name(void **state)
{
	g_autofree char *n = snapshot_default_name(1764680000);

	assert_string_equal(n, "20251202-125320");
	assert_true(vps_snap_name_valid(n, NULL));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_create_revert, setup, teardown),
	cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	cmocka_unit_test_setup_teardown(test_names_apart, setup, teardown),
	cmocka_unit_test_setup_teardown(test_leftovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_no_disk, setup, teardown),
	cmocka_unit_test(test_default_name),
};

UNIT_MAIN(tests)
