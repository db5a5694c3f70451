/*
 * snapshot.c: snapshots of a VPS's disk (snapshot.h): copies of the raw
 * image for the file backend, LVM snapshots through libblockdev for the
 * lvm one.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/fs.h>
#include <blockdev/blockdev.h>
#include <blockdev/lvm.h>

#include "fileio.h"
#include "lock.h"
#include "names.h"
#include "pathnames.h"
#include "snapshot.h"
#include "storage.h"
#include "util.h"

#define COPY_CHUNK	(UINT64_C(1) << 20)	/* bytes per copy call */
#define MIB		(UINT64_C(1) << 20)
/* A revert's copy, named before it is renamed over the disk. */
#define REVERT_PREFIX	".revert."

typedef BDLVMLVdata snapshot_lvdata;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(snapshot_lvdata, bd_lvm_lvdata_free)

void
snapshot_free(gpointer p)
{
	struct snapshot *sn = p;

	if (sn == NULL)
		return;
	g_free(sn->name);
	g_free(sn);
}

char *
snapshot_default_name(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	return g_date_time_format(dt, "%Y%m%d-%H%M%S");
}

int
snapshot_lock(const char *vps, GError **err)
{
	g_autofree char *path = NULL;
	int	 fd;

	if (!vps_root_dir(SNAPSHOT_LOCK_DIR, err))
		return -1;
	path = g_strdup_printf("%s/%s.lock", SNAPSHOT_LOCK_DIR, vps);
	if ((fd = vps_lock(path, true, err)) == -1)
		g_prefix_error(err, "%s is busy with a snapshot, a revert or a "
		    "start in another session; try again: ", vps);
	return fd;
}

int
snapshot_by_time(gconstpointer a, gconstpointer b)
{
	const struct snapshot *x = *(struct snapshot *const *)a;
	const struct snapshot *y = *(struct snapshot *const *)b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * The NAME of a snapshot of vps in entry (an image or LV name): entry
 * is "VPS.snap.NAME" + suffix, NAME valid. A new string, or NULL.
 */
static char *
entry_name(const char *vps, const char *entry, const char *suffix)
{
	size_t	 plen = strlen(vps) + strlen(SNAPSHOT_INFIX);
	size_t	 elen = strlen(entry), slen = strlen(suffix);
	g_autofree char *name = NULL;

	if (strncmp(entry, vps, strlen(vps)) != 0 ||
	    strncmp(entry + strlen(vps), SNAPSHOT_INFIX,
	    strlen(SNAPSHOT_INFIX)) != 0 || elen < plen + slen + 1 ||
	    strcmp(entry + elen - slen, suffix) != 0)
		return NULL;
	name = g_strndup(entry + plen, elen - plen - slen);
	if (!vps_snap_name_valid(name, NULL))
		return NULL;
	return g_steal_pointer(&name);
}

const struct snapshot *
snapshot_find(GPtrArray *list, const char *name)
{
	guint	 i;

	for (i = 0; i < list->len; i++) {
		const struct snapshot *sn = g_ptr_array_index(list, i);

		if (strcmp(sn->name, name) == 0)
			return sn;
	}
	return NULL;
}

bool
snapshot_unknown(const char *vps, const char *name, GError **err)
{
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
	    "%s has no snapshot %s (see snapshots)", vps, name);
	return false;
}

/* The checks before a new snapshot: a free name, room in the limit. */
static bool
may_add(const struct vps_config *cfg, const char *vps, const char *name,
    GError **err)
{
	g_autoptr(GPtrArray) list = NULL;

	if (cfg->snap_max == 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "snapshots are disabled on this host ([snapshots] "
		    "max_per_vps = 0)");
		return false;
	}
	if (!vps_snap_name_valid(name, err))
		return false;
	if ((list = snapshot_list(cfg, vps, err)) == NULL)
		return false;
	if (snapshot_find(list, name) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s already has a snapshot %s", vps, name);
		return false;
	}
	if (list->len >= cfg->snap_max) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s has %u snapshots, the most this host allows; forget "
		    "one first", vps, list->len);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ file -- */

static char *
image_snap_path(const struct vps_config *cfg, const char *vps,
    const char *name)
{
	return g_strdup_printf("%s/%s" SNAPSHOT_INFIX "%s" IMAGE_SUFFIX,
	    cfg->dir, vps, name);
}

static bool
errno_fail(GError **err, const char *what, const char *path)
{
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot %s %s: %s",
	    what, path, g_strerror(errno));
	return false;
}

static GPtrArray *
image_list(const struct vps_config *cfg, const char *vps, GError **err)
{
	g_autoptr(GPtrArray) list =
	    g_ptr_array_new_with_free_func(snapshot_free);
	struct dirent *de;
	DIR	*d;

	if ((d = opendir(cfg->dir)) == NULL) {
		if (errno == ENOENT)
			return g_steal_pointer(&list);
		errno_fail(err, "read", cfg->dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		g_autofree char *name = entry_name(vps, de->d_name,
		    IMAGE_SUFFIX);
		g_autofree char *path = NULL;
		struct snapshot *sn;
		char	 t[32];
		ssize_t	 n;
		struct stat st;

		if (name == NULL)
			continue;
		path = g_build_filename(cfg->dir, de->d_name, NULL);
		if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		sn = g_new0(struct snapshot, 1);
		sn->name = g_steal_pointer(&name);
		sn->size = (uint64_t)st.st_blocks * 512;
		sn->time = st.st_mtime;
		if ((n = lgetxattr(path, SNAPSHOT_XATTR_TIME, t,
		    sizeof(t) - 1)) > 0) {
			unsigned long long v;

			t[n] = '\0';
			if (vps_parse_uint(t, 0, G_MAXINT64, &v, NULL))
				sn->time = (gint64)v;
		}
		g_ptr_array_add(list, sn);
	}
	closedir(d);
	return g_steal_pointer(&list);
}

/*
 * Copies n bytes at off of src to the same offset of dst: in the kernel
 * (copy_file_range), or through a buffer where the file system has no
 * such copy. Returns the bytes copied, or -1 with errno.
 */
static ssize_t
copy_range(int src, int dst, off_t off, size_t n)
{
	static char buf[1 << 16];
	off_t	 in = off, out = off;
	ssize_t	 r;

	if ((r = copy_file_range(src, &in, dst, &out, n, 0)) != -1 ||
	    (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP &&
	    errno != ENOSYS))
		return r;
	if ((r = pread(src, buf, MIN(n, sizeof(buf)), off)) <= 0)
		return r;
	if (lseek(dst, off, SEEK_SET) == -1 ||
	    !vps_write_all(dst, buf, (size_t)r))
		return -1;
	return r;
}

/*
 * Copies len bytes of src into dst, which is empty: the data regions
 * alone (SEEK_DATA), so that holes stay holes. dst gets src's length.
 */
static bool
copy_image(int src, int dst, uint64_t len, const char *what, GError **err)
{
	off_t	 data, hole;

	for (data = 0; (uint64_t)data < len; data = hole) {
		if ((data = lseek(src, data, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* only a hole is left */
			return errno_fail(err, "read", what);
		}
		if ((hole = lseek(src, data, SEEK_HOLE)) == -1)
			return errno_fail(err, "read", what);
		while (data < hole) {
			size_t	 n = (size_t)MIN((uint64_t)(hole - data),
			    COPY_CHUNK);
			ssize_t	 r;

			if ((r = copy_range(src, dst, data, n)) <= 0) {
				if (r == 0)
					errno = EIO;	/* src shrank */
				return errno_fail(err, "copy", what);
			}
			data += r;
		}
	}
	if (ftruncate(dst, (off_t)len) == -1)
		return errno_fail(err, "size the copy of", what);
	return true;
}

/*
 * Fails unless dir's file system has the room to copy a file that takes
 * size bytes; ENOSPC during the copy is caught too, this only says it
 * before a long copy starts.
 */
static bool
image_room(const char *dir, uint64_t size, const char *what, GError **err)
{
	struct statvfs sv;
	uint64_t avail;

	if (statvfs(dir, &sv) == -1)
		return errno_fail(err, "read the free space of", dir);
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail >= size)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "no room for %s: it takes %" G_GUINT64_FORMAT " MiB, %s has %"
	    G_GUINT64_FORMAT " MiB free", what, (guint64)((size + MIB - 1) /
	    MIB), dir, (guint64)(avail / MIB));
	return false;
}

/*
 * An unnamed copy of the file src (a path) in dir, synced: its
 * descriptor, or -1. Nothing named is left if it fails, whatever kills
 * the process: the copy has no name until the caller links it.
 */
static int
image_copy(const char *dir, const char *src, const char *what,
    GError **err)
{
	struct stat st;
	int	 in, out;

	if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		errno_fail(err, "open", src);
		return -1;
	}
	if (fstat(in, &st) == -1) {
		errno_fail(err, "read", src);
		close(in);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s is not a regular file", src);
		close(in);
		return -1;
	}
	if ((out = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		errno_fail(err, "make a file in", dir);
		close(in);
		return -1;
	}
	/* A reflink needs no room; only a copy is measured first. */
	if (ioctl(out, FICLONE, in) == -1 &&
	    (!image_room(dir, (uint64_t)st.st_blocks * 512, what, err) ||
	    !copy_image(in, out, (uint64_t)st.st_size, what, err))) {
		close(in);
		close(out);
		return -1;
	}
	close(in);
	if (fsync(out) == -1) {
		errno_fail(err, "sync the copy for", what);
		close(out);
		return -1;
	}
	return out;
}

/* Gives the unnamed file fd the name path; refuses an existing one. */
static bool
image_link(int fd, const char *path, GError **err)
{
	g_autofree char *proc = g_strdup_printf(PROC_SELF_FD_FMT, fd);

	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1)
		return errno_fail(err, "name", path);
	return true;
}

/*
 * Copies the extended attribute attr of the file from onto fd, if from
 * has it: the disk's marks (storage.h) stay with the disk.
 */
static bool
copy_xattr(const char *from, int fd, const char *attr, GError **err)
{
	char	 v[256];
	ssize_t	 n;

	if ((n = lgetxattr(from, attr, v, sizeof(v))) == -1)
		return errno == ENODATA ? true : errno_fail(err, "read", from);
	if (fsetxattr(fd, attr, v, (size_t)n, 0) == -1)
		return errno_fail(err, "mark the copy of", from);
	return true;
}

static bool
image_create(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	g_autofree char *disk = storage_path(cfg, vps);
	g_autofree char *path = image_snap_path(cfg, vps, name);
	g_autofree char *what = g_strdup_printf("snapshot %s of %s", name,
	    vps);
	g_autofree char *now = g_strdup_printf("%" G_GINT64_FORMAT,
	    g_get_real_time() / G_USEC_PER_SEC);
	int	 fd;
	bool	 ok;

	if ((fd = image_copy(cfg->dir, disk, what, err)) == -1)
		return false;
	ok = fsetxattr(fd, SNAPSHOT_XATTR_TIME, now, strlen(now), 0) != -1 &&
	    fsetxattr(fd, STORAGE_XATTR, vps, strlen(vps), 0) != -1;
	if (!ok)
		errno_fail(err, "mark", what);
	else
		ok = fsync(fd) != -1 || errno_fail(err, "sync", what);
	if (ok && !(ok = image_link(fd, path, err)) &&
	    g_error_matches(*err, VPS_ERROR, VPS_ERROR_FAILED) &&
	    errno == EEXIST) {
		g_clear_error(err);
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s already has a snapshot %s", vps, name);
	}
	close(fd);
	return ok && storage_sync_dir(cfg->dir, err);
}

/*
 * Removes what a revert killed between naming its copy and renaming it
 * over the disk left behind: DIR/.revert.VPS.new. The caller holds the
 * VPS's lock, so no revert of it is under way.
 */
static void
image_clean(const struct vps_config *cfg, const char *vps)
{
	g_autofree char *prefix = g_strconcat(REVERT_PREFIX, vps, ".", NULL);
	struct dirent *de;
	DIR	*d;

	if ((d = opendir(cfg->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static bool
image_revert(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	g_autofree char *disk = storage_path(cfg, vps);
	g_autofree char *path = image_snap_path(cfg, vps, name);
	g_autofree char *what = g_strdup_printf("the revert of %s", vps);
	g_autofree char *tmp = g_strdup_printf("%s/" REVERT_PREFIX "%s.new",
	    cfg->dir, vps);
	struct stat st;
	int	 fd;
	bool	 ok;

	image_clean(cfg, vps);
	if (lstat(path, &st) == -1)
		return errno == ENOENT ? snapshot_unknown(vps, name, err) :
		    errno_fail(err, "read", path);
	if (lstat(disk, &st) == -1)
		return errno_fail(err, "read the disk", disk);
	if ((fd = image_copy(cfg->dir, path, what, err)) == -1)
		return false;
	/* The disk's owner, mode and marks, for libvirt and delete-vps. */
	ok = (fchown(fd, st.st_uid, st.st_gid) != -1 &&
	    fchmod(fd, st.st_mode & 07777) != -1) ||
	    errno_fail(err, "set the owner of", what);
	/* Its name: fixed, as the lock lets one revert of vps run. */
	ok = ok && copy_xattr(disk, fd, STORAGE_XATTR, err) &&
	    copy_xattr(disk, fd, STORAGE_XATTR_RUN, err) &&
	    (fsync(fd) != -1 || errno_fail(err, "sync", what)) &&
	    image_link(fd, tmp, err);
	close(fd);
	if (!ok)
		return false;
	/* The one step that changes the disk: all of it, or nothing. */
	if (rename(tmp, disk) == -1) {
		errno_fail(err, "replace", disk);
		(void)unlink(tmp);
		return false;
	}
	return storage_sync_dir(cfg->dir, err);
}

static bool
image_forget(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	g_autofree char *path = image_snap_path(cfg, vps, name);

	if (unlink(path) == -1)
		return errno == ENOENT ? snapshot_unknown(vps, name, err) :
		    errno_fail(err, "remove", path);
	return storage_sync_dir(cfg->dir, err);
}

/* ------------------------------------------------------------- lvm -- */

/* The LV of snapshot name: VPS.snap.NAME.EPOCH (the time it was taken). */
static char *
lv_snap_name(const char *vps, const char *name, gint64 t)
{
	return g_strdup_printf("%s" SNAPSHOT_INFIX "%s.%" G_GINT64_FORMAT,
	    vps, name, t);
}

/*
 * The snapshot an LV of vps is: "VPS.snap.NAME.EPOCH" whose origin is
 * vps's disk. libblockdev does not read tags, so the time is in the name.
 */
static struct snapshot *
lv_snapshot(const char *vps, const BDLVMLVdata *lv)
{
	g_autofree char *head = NULL, *name = NULL;
	struct snapshot *sn;
	unsigned long long t;
	const char *dot;

	if (lv->origin == NULL || strcmp(lv->origin, vps) != 0 ||
	    (dot = strrchr(lv->lv_name, '.')) == NULL ||
	    !vps_parse_uint(dot + 1, 0, G_MAXINT64, &t, NULL))
		return NULL;
	head = g_strndup(lv->lv_name, (size_t)(dot - lv->lv_name));
	if ((name = entry_name(vps, head, "")) == NULL)
		return NULL;
	sn = g_new0(struct snapshot, 1);
	sn->name = g_steal_pointer(&name);
	sn->time = (gint64)t;
	sn->size = lv->size;
	return sn;
}

static GPtrArray *
lv_list(const struct vps_config *cfg, const char *vps, GError **err)
{
	g_autoptr(GPtrArray) list =
	    g_ptr_array_new_with_free_func(snapshot_free);
	BDLVMLVdata **lvs;
	GError	*bd = NULL;
	size_t	 i;

	if (!storage_init(cfg, err))
		return NULL;
	if ((lvs = bd_lvm_lvs(cfg->vg, &bd)) == NULL) {
		storage_wrap(err, bd, "cannot list the LVs of VG", cfg->vg);
		return NULL;
	}
	for (i = 0; lvs[i] != NULL; i++) {
		struct snapshot *sn = lv_snapshot(vps, lvs[i]);

		if (sn != NULL)
			g_ptr_array_add(list, sn);
		bd_lvm_lvdata_free(lvs[i]);
	}
	g_free(lvs);
	return g_steal_pointer(&list);
}

static bool
lv_create(const struct vps_config *cfg, const char *vps, const char *name,
    GError **err)
{
	g_autoptr(snapshot_lvdata) origin = NULL;
	gint64	 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree char *lv = lv_snap_name(vps, name, now);
	g_autofree char *what = g_strdup_printf("snapshot %s of %s", name,
	    vps);
	g_autofree char *time_tag = g_strdup_printf(SNAPSHOT_TIME_TAG
	    "%" G_GINT64_FORMAT, now);
	char	 opt[] = "--addtag", val[] = SNAPSHOT_LV_TAG;
	BDExtraArg tag = { opt, val }, when = { opt, time_tag };
	const BDExtraArg *extra[] = { &tag, &when, NULL };
	GError	*bd = NULL;
	uint64_t size, avail;

	if ((origin = bd_lvm_lvinfo(cfg->vg, vps, &bd)) == NULL) {
		storage_wrap(err, bd, "cannot read the LV of", vps);
		return false;
	}
	/* Whole MiB; LVM rounds up to its extents. */
	size = (origin->size / 100 * cfg->snap_lvm_percent + MIB - 1) / MIB *
	    MIB;
	if (!storage_free(cfg, &avail, err))
		return false;
	if (avail < size) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "no room for %s: it takes %" G_GUINT64_FORMAT " MiB ("
		    "[snapshots] lvm_size_percent = %u), VG %s has %"
		    G_GUINT64_FORMAT " MiB free", what, (guint64)(size / MIB),
		    cfg->snap_lvm_percent, cfg->vg, (guint64)(avail / MIB));
		return false;
	}
	if (!bd_lvm_lvsnapshotcreate(cfg->vg, vps, lv, size, extra, &bd)) {
		storage_wrap(err, bd, "cannot create the LV of", what);
		return false;
	}
	return true;
}

/* The LV of vps's snapshot name, or NULL with err. */
static char *
lv_find(const struct vps_config *cfg, const char *vps, const char *name,
    GError **err)
{
	g_autoptr(GPtrArray) list = NULL;
	const struct snapshot *sn;

	if ((list = lv_list(cfg, vps, err)) == NULL)
		return NULL;
	if ((sn = snapshot_find(list, name)) == NULL) {
		snapshot_unknown(vps, name, err);
		return NULL;
	}
	return lv_snap_name(vps, name, sn->time);
}

static bool
lv_revert(const struct vps_config *cfg, const char *vps, const char *name,
    GError **err)
{
	g_autofree char *lv = NULL;
	GError	*bd = NULL;

	if ((lv = lv_find(cfg, vps, name, err)) == NULL)
		return false;
	if (!bd_lvm_lvsnapshotmerge(cfg->vg, lv, NULL, &bd)) {
		storage_wrap(err, bd, "cannot merge snapshot", lv);
		return false;
	}
	return true;
}

static bool
lv_forget(const struct vps_config *cfg, const char *vps, const char *name,
    GError **err)
{
	g_autofree char *lv = NULL;
	GError	*bd = NULL;

	if ((lv = lv_find(cfg, vps, name, err)) == NULL)
		return false;
	if (!bd_lvm_lvremove(cfg->vg, lv, true, NULL, &bd)) {
		storage_wrap(err, bd, "cannot remove snapshot", lv);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------- API -- */

GPtrArray *
snapshot_list(const struct vps_config *cfg, const char *vps, GError **err)
{
	GPtrArray *list;

	if (cfg->backend == VPS_BACKEND_LVM)
		list = lv_list(cfg, vps, err);
	else
		list = image_list(cfg, vps, err);
	if (list != NULL)
		g_ptr_array_sort(list, snapshot_by_time);
	return list;
}

bool
snapshot_create(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	if (!may_add(cfg, vps, name, err))
		return false;
	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_create(cfg, vps, name, err);
	image_clean(cfg, vps);
	return image_create(cfg, vps, name, err);
}

bool
snapshot_revert(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	if (!vps_snap_name_valid(name, err))
		return false;
	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_revert(cfg, vps, name, err);
	return image_revert(cfg, vps, name, err);
}

bool
snapshot_forget(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	if (!vps_snap_name_valid(name, err))
		return false;
	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_forget(cfg, vps, name, err);
	return image_forget(cfg, vps, name, err);
}

bool
snapshot_purge(const struct vps_config *cfg, const char *vps, unsigned *n,
    GError **err)
{
	g_autoptr(GPtrArray) list = NULL;
	guint	 i;

	*n = 0;
	if ((list = snapshot_list(cfg, vps, err)) == NULL)
		return false;
	for (i = 0; i < list->len; i++) {
		const struct snapshot *sn = g_ptr_array_index(list, i);

		if (!snapshot_forget(cfg, vps, sn->name, err))
			return false;
		(*n)++;
	}
	if (cfg->backend == VPS_BACKEND_FILE)
		image_clean(cfg, vps);
	return true;
}
