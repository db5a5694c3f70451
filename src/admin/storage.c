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
#include <unistd.h>
#include <blockdev/blockdev.h>
#include <blockdev/lvm.h>

#include "storage.h"
#include "util.h"

#define IMAGE_SUFFIX	".img"
#define IMAGE_MODE	0600
#define IMAGE_DIR_MODE	0711	/* qemu must reach the image it is given */

typedef BDLVMVGdata storage_vgdata;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(storage_vgdata, bd_lvm_vgdata_free)

/* Rewraps a libblockdev error as ours, prefixed with what failed. */
static void
wrap(GError **err, GError *bd, const char *what, const char *name)
{
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
		wrap(err, bd, "cannot load", "the libblockdev LVM plugin");
		return false;
	}
	/* The test hook: see storage.h. */
	if (!bd_lvm_set_global_config(getenv("LVM_E2E_CONFIG"), &bd)) {
		wrap(err, bd, "cannot set", "the LVM configuration");
		return false;
	}
	return true;
}

char *
storage_path(const struct vps_config *cfg, const char *name)
{
	if (cfg->backend == VPS_BACKEND_LVM)
		return g_strdup_printf("/dev/%s/%s", cfg->vg, name);
	return g_strdup_printf("%s/%s" IMAGE_SUFFIX, cfg->dir, name);
}

static bool
lv_exists(const char *vg, const char *name, bool *exists, GError **err)
{
	BDLVMLVdata **lvs;
	GError	*bd = NULL;
	size_t	 i;

	if ((lvs = bd_lvm_lvs(vg, &bd)) == NULL) {
		wrap(err, bd, "cannot list the LVs of VG", vg);
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
			wrap(err, bd, "cannot read VG", cfg->vg);
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

/* fsync of a directory, so that a new entry survives a crash. */
static bool
sync_dir(const char *dir, GError **err)
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

/*
 * A sparse raw image: O_EXCL, so an existing file is never truncated or
 * followed through a symlink; mode 0600, libvirt hands it to qemu.
 */
static bool
image_create(const char *dir, const char *path, uint64_t size,
    GError **err)
{
	int	 fd;

	if (mkdir(dir, IMAGE_DIR_MODE) == -1 && errno != EEXIST) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot create %s: %s", dir, g_strerror(errno));
		return false;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    IMAGE_MODE);
	if (fd == -1 && errno == EEXIST) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s already exists", path);
		return false;
	}
	if (fd == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot create %s: %s", path, g_strerror(errno));
		return false;
	}
	if (fchmod(fd, IMAGE_MODE) == -1 || ftruncate(fd, (off_t)size) == -1 ||
	    fsync(fd) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot size %s: %s", path, g_strerror(errno));
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);
	if (!sync_dir(dir, err)) {
		unlink(path);
		return false;
	}
	return true;
}

/*
 * lvcreate refuses an existing name itself, under LVM's own lock; only
 * then is it worth a second command to say so plainly.
 */
static bool
lv_create(const struct vps_config *cfg, const char *name, uint64_t size,
    GError **err)
{
	g_autofree char *path = NULL;
	GError	*bd = NULL;
	bool	 exists;

	if (bd_lvm_lvcreate(cfg->vg, name, size, NULL, NULL, NULL, &bd))
		return true;
	if (lv_exists(cfg->vg, name, &exists, NULL) && exists) {
		path = storage_path(cfg, name);
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s already exists", path);
		g_clear_error(&bd);
		return false;
	}
	wrap(err, bd, "cannot create LV", name);
	return false;
}

bool
storage_create(const struct vps_config *cfg, const char *name,
    uint64_t size, GError **err)
{
	g_autofree char *path = NULL;

	if (cfg->backend == VPS_BACKEND_LVM)
		return lv_create(cfg, name, size, err);
	path = storage_path(cfg, name);
	return image_create(cfg->dir, path, size, err);
}

bool
storage_remove(const struct vps_config *cfg, const char *name,
    GError **err)
{
	g_autofree char *path = NULL;
	GError	*bd = NULL;

	if (cfg->backend == VPS_BACKEND_LVM) {
		if (!bd_lvm_lvremove(cfg->vg, name, FALSE, NULL, &bd)) {
			wrap(err, bd, "cannot remove LV", name);
			return false;
		}
		return true;
	}
	path = storage_path(cfg, name);
	if (unlink(path) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot remove %s: %s", path, g_strerror(errno));
		return false;
	}
	return sync_dir(cfg->dir, err);
}
