/*
 * storage.c: LVs through libblockdev's LVM plugin, or sparse raw files.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <blockdev/blockdev.h>
#include <blockdev/lvm.h>

#include "pathnames.h"
#include "storage.h"
#include "util.h"

#define IMAGE_MODE	0600
#define IMAGE_DIR_MODE	0711	/* qemu must reach the image it is given */

typedef BDLVMVGdata storage_vgdata;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(storage_vgdata, bd_lvm_vgdata_free)

void
storage_wrap(GError **err, GError *bd, const char *what, const char *name)
{
	/* LVM's output has several lines; a message is one. */
	if (bd != NULL)
		g_strdelimit(g_strstrip(bd->message), "\n", ' ');
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s %s: %s", what,
	    name, bd != NULL ? bd->message : "unknown error");
	g_clear_error(&bd);
}

bool
storage_init(const struct vps_config *cfg, GError **err)
{
	BDPluginSpec lvm = { BD_PLUGIN_LVM, NULL };
	BDPluginSpec *plugins[] = { &lvm, NULL };
	GError	*bd = NULL;

	if (cfg->backend != VPS_BACKEND_LVM)
		return true;
	if (!bd_ensure_init(plugins, NULL, &bd)) {
		storage_wrap(err, bd, "cannot load", "the libblockdev LVM plugin");
		return false;
	}
	/* [storage] lvm_config; NULL: lvm.conf alone. */
	if (!bd_lvm_set_global_config(cfg->lvm_config, &bd)) {
		storage_wrap(err, bd, "cannot set", "the LVM configuration");
		return false;
	}
	return true;
}

char *
storage_path(const struct vps_config *cfg, const char *name)
{
	if (cfg->backend == VPS_BACKEND_LVM)
		return g_strdup_printf(LV_DEVICE_FMT, cfg->vg, name);
	return g_strdup_printf("%s/%s" IMAGE_SUFFIX, cfg->dir, name);
}

static bool
lv_exists(const char *vg, const char *name, bool *exists, GError **err)
{
	BDLVMLVdata **lvs;
	GError	*bd = NULL;
	size_t	 i;

	if ((lvs = bd_lvm_lvs(vg, &bd)) == NULL) {
		storage_wrap(err, bd, "cannot list the LVs of VG", vg);
		return false;
	}
	*exists = false;
	for (i = 0; lvs[i] != NULL; i++) {
		if (strcmp(lvs[i]->lv_name, name) == 0)
			*exists = true;
		bd_lvm_lvdata_free(lvs[i]);
	}
	g_free(lvs);
	return true;
}

bool
storage_exists(const struct vps_config *cfg, const char *name,
    bool *exists, GError **err)
{
	g_autofree char *path = NULL;
	struct stat st;

	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_exists(cfg->vg, name, exists, err);
	path = storage_path(cfg, name);
	if (lstat(path, &st) == 0) {
		*exists = true;
		return true;
	}
	if (errno == ENOENT) {
		*exists = false;
		return true;
	}
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot stat %s: %s",
	    path, g_strerror(errno));
	return false;
}

bool
storage_free(const struct vps_config *cfg, uint64_t *size, GError **err)
{
	g_autoptr(storage_vgdata) vg = NULL;
	GError	*bd = NULL;
	struct statvfs sv;

	if (cfg->backend == VPS_BACKEND_LVM) {
		if ((vg = bd_lvm_vginfo(cfg->vg, &bd)) == NULL) {
			storage_wrap(err, bd, "cannot read VG", cfg->vg);
			return false;
		}
		*size = vg->free;
		return true;
	}
	if (statvfs(cfg->dir, &sv) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot read the free space of %s: %s", cfg->dir,
		    g_strerror(errno));
		return false;
	}
	*size = (uint64_t)sv.f_bavail * sv.f_frsize;
	return true;
}

bool
storage_check_room(const struct vps_config *cfg, uint64_t size,
    GError **err)
{
	uint64_t avail;

	if (cfg->backend != VPS_BACKEND_LVM)
		return true;
	if (!storage_free(cfg, &avail, err))
		return false;
	if (avail < size) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "VG %s has %" G_GUINT64_FORMAT " MiB free, %" G_GUINT64_FORMAT
		    " MiB needed", cfg->vg, (guint64)(avail >> 20),
		    (guint64)(size >> 20));
		return false;
	}
	return true;
}

bool
storage_sync_dir(const char *dir, GError **err)
{
	int	 fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot open %s: %s", dir, g_strerror(errno));
		return false;
	}
	r = fsync(fd);
	close(fd);
	if (r == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot sync %s: %s", dir, g_strerror(errno));
		return false;
	}
	return true;
}

/* Sets err for what failed on the image at path; closes fd. */
static bool
image_fail(GError **err, const char *what, const char *path, int fd)
{
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot %s %s: %s",
	    what, path, g_strerror(errno));
	if (fd != -1)
		close(fd);
	return false;
}

/*
 * Marks, sizes and syncs the unnamed image fd; then names it path.
 * link(2) refuses an existing name (also a dangling symlink), so nothing
 * there is ever truncated or followed.
 */
static bool
image_finish(int fd, const char *path, const char *name, uint64_t size,
    struct storage_made *made, GError **err)
{
	g_autofree char *proc = NULL;
	struct stat st;

	if (fchmod(fd, IMAGE_MODE) == -1 || ftruncate(fd, (off_t)size) == -1)
		return image_fail(err, "size", path, fd);
	if (fsetxattr(fd, STORAGE_XATTR, name, strlen(name), 0) == -1 ||
	    fsetxattr(fd, STORAGE_XATTR_RUN, made->run, strlen(made->run),
	    0) == -1)
		return image_fail(err, "set " STORAGE_XATTR " (the file system "
		    "must have user extended attributes) on", path, fd);
	if (fsync(fd) == -1 || fstat(fd, &st) == -1)
		return image_fail(err, "sync", path, fd);
	/* linkat(2) of an O_TMPFILE file through /proc, as open(2) shows. */
	proc = g_strdup_printf(PROC_SELF_FD_FMT, fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1) {
		if (errno != EEXIST)
			return image_fail(err, "name", path, fd);
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s already exists", path);
		close(fd);
		return false;
	}
	close(fd);
	made->dev = st.st_dev;
	made->ino = st.st_ino;
	return true;
}

/* A sparse raw image, marked as create-vps's; see storage.h. */
static bool
image_create(const char *dir, const char *path, const char *name,
    uint64_t size, struct storage_made *made, GError **err)
{
	int	 fd;

	if (mkdir(dir, IMAGE_DIR_MODE) == -1 && errno != EEXIST) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot create %s: %s", dir, g_strerror(errno));
		return false;
	}
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, IMAGE_MODE)) ==
	    -1)
		return image_fail(err, "create an image in", dir, -1);
	if (!image_finish(fd, path, name, size, made, err))
		return false;
	if (!storage_sync_dir(dir, err)) {
		unlink(path);
		return false;
	}
	return true;
}

/*
 * lvcreate refuses an existing name itself, under LVM's own lock; only
 * then is it worth a second command to say so plainly. The tags come
 * with the LV in one metadata update: no other LV can carry the second.
 */
static bool
lv_create(const struct vps_config *cfg, const char *name, uint64_t size,
    const struct storage_made *made, GError **err)
{
	g_autofree char *own_tag = g_strdup_printf(STORAGE_LV_TAG "-%s",
	    made->run);
	g_autofree char *path = NULL;
	char	 opt[] = "--addtag", val[] = STORAGE_LV_TAG;
	BDExtraArg tag = { opt, val }, own = { opt, own_tag };
	const BDExtraArg *extra[] = { &tag, &own, NULL };
	GError	*bd = NULL;
	bool	 exists;

	if (bd_lvm_lvcreate(cfg->vg, name, size, NULL, NULL, extra, &bd))
		return true;
	if (lv_exists(cfg->vg, name, &exists, NULL) && exists) {
		path = storage_path(cfg, name);
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s already exists", path);
		g_clear_error(&bd);
		return false;
	}
	storage_wrap(err, bd, "cannot create LV", name);
	return false;
}

bool
storage_create(const struct vps_config *cfg, const char *name,
    uint64_t size, const char *run, struct storage_made *made, GError **err)
{
	g_autofree char *path = NULL;

	memset(made, 0, sizeof(*made));
	made->run = g_strdup(run);
	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_create(cfg, name, size, made, err);
	path = storage_path(cfg, name);
	return image_create(cfg->dir, path, name, size, made, err);
}

void
storage_made_clear(struct storage_made *made)
{
	g_clear_pointer(&made->run, g_free);
}

/*
 * lvremove of vg/name restricted by an lvmreport(7) selection: LVM
 * removes the LV only if it matches, under its own lock; *removed says
 * whether it was there and is gone.
 */
static bool
lv_remove_select(const struct vps_config *cfg, const char *name,
    const char *select, bool *removed, GError **err)
{
	g_autofree char *val = g_strdup(select);
	char	 opt[] = "--select";
	BDExtraArg sel = { opt, val };
	const BDExtraArg *extra[] = { &sel, NULL };
	GError	*bd = NULL;
	bool	 exists;

	*removed = false;
	if (!lv_exists(cfg->vg, name, &exists, err))
		return false;
	if (!exists)
		return true;
	if (!bd_lvm_lvremove(cfg->vg, name, FALSE, extra, &bd)) {
		storage_wrap(err, bd, "cannot remove LV", name);
		return false;
	}
	if (!lv_exists(cfg->vg, name, &exists, err))
		return false;
	*removed = !exists;
	return true;
}

/* Unlinks the image and syncs its directory. */
static bool
image_remove(const struct vps_config *cfg, const char *path, GError **err)
{
	if (unlink(path) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot remove %s: %s", path, g_strerror(errno));
		return false;
	}
	return storage_sync_dir(cfg->dir, err);
}

/* Whether the file fd has the extended attribute attr with value want. */
static bool
xattr_is(int fd, const char *attr, const char *want)
{
	char	 val[64];
	ssize_t	 n = fgetxattr(fd, attr, val, sizeof(val));

	return want != NULL && n >= 0 && (size_t)n == strlen(want) &&
	    memcmp(val, want, (size_t)n) == 0;
}

/*
 * Sets *is: whether path is a regular file that is the image made (if
 * made is set) and carries the mark naming name (if name is set). The
 * caller holds create-vps's lock, and the directory is root's.
 */
static bool
image_is(const char *path, const struct storage_made *made,
    const char *name, bool *is, GError **err)
{
	struct stat st;
	int	 fd;

	*is = false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && (errno == ENOENT || errno == ELOOP))
		return true;
	if (fd == -1 || fstat(fd, &st) == -1)
		return image_fail(err, "open", path, fd);
	*is = S_ISREG(st.st_mode) && (made == NULL ||
	    (st.st_dev == made->dev && st.st_ino == made->ino &&
	    xattr_is(fd, STORAGE_XATTR_RUN, made->run))) &&
	    (name == NULL || xattr_is(fd, STORAGE_XATTR, name));
	close(fd);
	return true;
}

/*
 * Removes the LV of name if it matches the selection select, or the image
 * if image_is() accepts it with made and mark; *removed says whether.
 */
static bool
remove_if(const struct vps_config *cfg, const char *name, const char *select,
    const struct storage_made *made, const char *mark, bool *removed,
    GError **err)
{
	g_autofree char *path = NULL;

	*removed = false;
	if (cfg->backend == VPS_BACKEND_LVM && select == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "LV %s: no record of what was made", name);
		return false;
	}
	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_remove_select(cfg, name, select, removed, err);
	path = storage_path(cfg, name);
	if (!image_is(path, made, mark, removed, err))
		return false;
	return !*removed || image_remove(cfg, path, err);
}

bool
storage_remove_made(const struct vps_config *cfg, const char *name,
    const struct storage_made *made, bool *removed, GError **err)
{
	g_autofree char *sel = NULL;

	if (made->run != NULL)
		sel = g_strdup_printf("lv_tags={" STORAGE_LV_TAG "-%s}",
		    made->run);
	return remove_if(cfg, name, sel, made, NULL, removed, err);
}

bool
storage_remove_marked(const struct vps_config *cfg, const char *name,
    bool *removed, GError **err)
{
	return remove_if(cfg, name, "lv_tags={" STORAGE_LV_TAG "}", NULL,
	    name, removed, err);
}

bool
storage_remove(const struct vps_config *cfg, const char *name,
    GError **err)
{
	g_autofree char *path = NULL;
	GError	*bd = NULL;

	if (cfg->backend == VPS_BACKEND_LVM) {
		if (!bd_lvm_lvremove(cfg->vg, name, FALSE, NULL, &bd)) {
			storage_wrap(err, bd, "cannot remove LV", name);
			return false;
		}
		return true;
	}
	path = storage_path(cfg, name);
	return image_remove(cfg, path, err);
}
